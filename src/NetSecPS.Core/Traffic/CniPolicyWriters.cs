using System.Globalization;
using System.Text.Json.Nodes;
using NetSecPS.Core.Model;
using NetSecPS.Core.Policy;

namespace NetSecPS.Core.Traffic;

/// <summary>
/// Writes a plan as a CiliumNetworkPolicy (cilium.io/v2): the workload by <c>endpointSelector</c>,
/// pods by <c>toEndpoints</c>/<c>fromEndpoints</c> (another namespace by
/// <c>k8s:io.kubernetes.pod.namespace</c>), addresses by <c>toCIDR</c>/<c>fromCIDR</c> (node
/// addresses also by the <c>host</c> and <c>remote-node</c> entities, as Cilium identifies nodes),
/// ports in <c>toPorts</c>. Built as an object, like the NetworkPolicy, and written by the same emitter.
/// </summary>
internal static class CiliumPolicyWriter
{
    private const string NamespaceKey = "k8s:" + CiliumCluster.NamespaceLabel;

    public static JsonObject Manifest(RecommendationPlan plan)
    {
        var egress = plan.Direction == PolicyDirection.Egress;
        var rules = new JsonArray();
        var to = egress ? "to" : "from";
        foreach (var rule in plan.Rules)
        {
            var peer = rule.Peer;
            if (peer.Cidrs.Count > 0)
            {
                rules.Add(WithPorts(new JsonObject { [to + "CIDR"] = NetworkPolicyWriter.Strings(peer.Cidrs) }, rule.Ports));
                if (peer.Nodes)
                {
                    // Cilium gives node addresses the host and remote-node identities, which CIDR
                    // rules do not match (unless policy-cidr-match-mode includes nodes): the
                    // entities keep the flow; the CIDR rule is what the log saw.
                    rules.Add(WithPorts(new JsonObject { [to + "Entities"] = new JsonArray("host", "remote-node") }, rule.Ports));
                }
            }
            else
            {
                rules.Add(WithPorts(new JsonObject { [to + "Endpoints"] = new JsonArray(Endpoint(peer)) }, rule.Ports));
            }
        }

        if (rules.Count == 0)
        {
            // In Cilium an empty rule allows nothing; the section puts the endpoint in default deny.
            rules.Add(new JsonObject());
        }

        return NetworkPolicyWriter.Object(plan, "cilium.io/v2", "CiliumNetworkPolicy", new JsonObject
        {
            ["endpointSelector"] = new JsonObject { ["matchLabels"] = NetworkPolicyWriter.Labels(plan.Selector) },
            [egress ? "egress" : "ingress"] = rules,
        });
    }

    private static JsonObject WithPorts(JsonObject rule, IReadOnlyList<PortSpec> ports)
    {
        if (ports.Count > 0)
        {
            var list = new JsonArray();
            foreach (var p in ports)
            {
                // Cilium's port is a string: a number or a port name.
                list.Add(new JsonObject { ["port"] = p.Name ?? p.Port.ToString(CultureInfo.InvariantCulture), ["protocol"] = p.Protocol });
            }

            rule["toPorts"] = new JsonArray(new JsonObject { ["ports"] = list });
        }

        return rule;
    }

    private static JsonObject Endpoint(PeerSpec peer)
    {
        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (!peer.AllNamespaces && peer.Namespace is { } ns)
        {
            labels[NamespaceKey] = ns;
        }

        foreach (var (k, v) in peer.PodLabels ?? new Dictionary<string, string>())
        {
            labels[k] = v;
        }

        // No labels: every endpoint of the policy's namespace.
        var endpoint = new JsonObject();
        if (labels.Count > 0)
        {
            endpoint["matchLabels"] = NetworkPolicyWriter.Labels(labels);
        }

        if (peer.AllNamespaces)
        {
            // A namespaced policy's selectors stay in its namespace unless they name the namespace label.
            endpoint["matchExpressions"] = new JsonArray(new JsonObject { ["key"] = NamespaceKey, ["operator"] = "Exists" });
        }

        return endpoint;
    }
}

/// <summary>
/// Writes a plan as a Calico NetworkPolicy (projectcalico.org/v3) in the <c>default</c> tier:
/// the workload and pod peers by Calico selectors, another namespace by
/// <c>namespaceSelector</c>, addresses by <c>nets</c>, one Allow rule per peer and protocol.
/// Built as an object, like the NetworkPolicy, and written by the same emitter.
/// </summary>
internal static class CalicoPolicyWriter
{
    public static JsonObject Manifest(RecommendationPlan plan)
    {
        var egress = plan.Direction == PolicyDirection.Egress;
        var rules = new JsonArray();
        foreach (var rule in plan.Rules)
        {
            var byProtocol = rule.Ports.GroupBy(p => p.Protocol).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
            if (byProtocol.Count == 0)
            {
                rules.Add(new JsonObject { ["action"] = "Allow", [egress ? "destination" : "source"] = Peer(rule.Peer, null) });
                continue;
            }

            foreach (var group in byProtocol)
            {
                var item = new JsonObject { ["action"] = "Allow", ["protocol"] = group.Key };
                if (egress)
                {
                    item["destination"] = Peer(rule.Peer, group.ToList());
                }
                else
                {
                    item["source"] = Peer(rule.Peer, null);
                    item["destination"] = new JsonObject { ["ports"] = Ports(group.ToList()) };
                }

                rules.Add(item);
            }
        }

        return NetworkPolicyWriter.Object(plan, "projectcalico.org/v3", "NetworkPolicy", new JsonObject
        {
            ["selector"] = Selector(plan.Selector),
            ["types"] = new JsonArray(egress ? "Egress" : "Ingress"),
            [egress ? "egress" : "ingress"] = rules,
        });
    }

    private static JsonObject Peer(PeerSpec peer, List<PortSpec>? ports)
    {
        var o = new JsonObject();
        if (peer.Cidrs.Count > 0)
        {
            o["nets"] = NetworkPolicyWriter.Strings(peer.Cidrs);
        }
        else
        {
            if (peer.AllNamespaces)
            {
                o["namespaceSelector"] = "all()";
            }
            else if (peer.Namespace is { } ns)
            {
                o["namespaceSelector"] = $"{ClusterModel.NamespaceNameLabel} == {Literal(ns)}";
            }

            o["selector"] = peer.PodLabels is { Count: > 0 } labels ? Selector(labels) : "all()";
        }

        if (ports is not null)
        {
            o["ports"] = Ports(ports);
        }

        return o;
    }

    private static JsonArray Ports(List<PortSpec> ports)
    {
        var list = new JsonArray();
        foreach (var p in ports)
        {
            list.Add(p.Name is null ? JsonValue.Create(p.Port) : JsonValue.Create(p.Name));
        }

        return list;
    }

    /// <summary><c>app == 'cart' &amp;&amp; tier == 'web'</c>.</summary>
    private static string Selector(IReadOnlyDictionary<string, string> labels) =>
        string.Join(" && ", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key} == {Literal(l.Value)}"));

    /// <summary>
    /// A Calico selector's string literal: in single quotes, or double quotes for a value that holds
    /// a single quote (Calico's selector strings have no escapes; a valid label value holds neither).
    /// </summary>
    private static string Literal(string value) => value.Contains('\'', StringComparison.Ordinal) ? $"\"{value}\"" : $"'{value}'";
}
