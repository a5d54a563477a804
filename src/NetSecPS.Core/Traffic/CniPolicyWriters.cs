using System.Globalization;
using System.Text;
using NetSecPS.Core.Model;
using NetSecPS.Core.Policy;

namespace NetSecPS.Core.Traffic;

/// <summary>
/// Writes a plan as a CiliumNetworkPolicy (cilium.io/v2): the workload by <c>endpointSelector</c>,
/// pods by <c>toEndpoints</c>/<c>fromEndpoints</c> (another namespace by
/// <c>k8s:io.kubernetes.pod.namespace</c>), addresses by <c>toCIDR</c>/<c>fromCIDR</c> (node
/// addresses also by the <c>host</c> and <c>remote-node</c> entities, as Cilium identifies nodes),
/// ports in <c>toPorts</c>.
/// </summary>
internal static class CiliumPolicyWriter
{
    private const string NamespaceKey = "k8s:" + CiliumCluster.NamespaceLabel;

    public static string Body(RecommendationPlan plan)
    {
        var sb = new StringBuilder();
        NetworkPolicyWriter.AppendHead(sb, plan, "cilium.io/v2", "CiliumNetworkPolicy");
        sb.Append("spec:\n  endpointSelector:\n    matchLabels:\n");
        foreach (var (k, v) in plan.Selector.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            sb.Append("      ").Append(k).Append(": ").Append(NetworkPolicyWriter.Q(v)).Append('\n');
        }

        var egress = plan.Direction == PolicyDirection.Egress;
        sb.Append(egress ? "  egress:\n" : "  ingress:\n");
        if (plan.Rules.Count == 0)
        {
            // In Cilium an empty rule allows nothing; the section puts the endpoint in default deny.
            sb.Append("  - {}\n");
            return sb.ToString();
        }

        var to = egress ? "to" : "from";
        foreach (var rule in plan.Rules)
        {
            sb.Append("  # ").Append(rule.Why.Length > 0 ? rule.Why + ": " : string.Empty).Append(rule.Peer.Text).Append('\n');
            var peer = rule.Peer;
            if (peer.Cidrs.Count > 0)
            {
                sb.Append("  - ").Append(to).Append("CIDR:\n");
                foreach (var cidr in peer.Cidrs)
                {
                    sb.Append("    - ").Append(cidr).Append('\n');
                }

                AppendPorts(sb, rule.Ports);
                if (peer.Nodes)
                {
                    // Cilium gives node addresses the host and remote-node identities, which CIDR
                    // rules do not match (unless policy-cidr-match-mode includes nodes): the
                    // entities keep the flow; the CIDR rule is what the log saw.
                    sb.Append("  - ").Append(to).Append("Entities:\n    - host\n    - remote-node\n");
                    AppendPorts(sb, rule.Ports);
                }
            }
            else
            {
                sb.Append("  - ").Append(to).Append("Endpoints:\n");
                AppendEndpoint(sb, peer);
                AppendPorts(sb, rule.Ports);
            }
        }

        return sb.ToString();
    }

    private static void AppendPorts(StringBuilder sb, IReadOnlyList<PortSpec> ports)
    {
        if (ports.Count == 0)
        {
            return;
        }

        sb.Append("    toPorts:\n    - ports:\n");
        foreach (var p in ports)
        {
            sb.Append("      - port: ").Append(NetworkPolicyWriter.Q(p.Name ?? p.Port.ToString(CultureInfo.InvariantCulture))).Append('\n');
            sb.Append("        protocol: ").Append(p.Protocol).Append('\n');
        }
    }

    private static void AppendEndpoint(StringBuilder sb, PeerSpec peer)
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

        if (labels.Count == 0 && !peer.AllNamespaces)
        {
            // Every endpoint of the policy's namespace.
            sb.Append("    - {}\n");
            return;
        }

        var first = "    - ";
        if (labels.Count > 0)
        {
            sb.Append(first).Append("matchLabels:\n");
            first = "      ";
            foreach (var (k, v) in labels)
            {
                sb.Append("        ").Append(k).Append(": ").Append(NetworkPolicyWriter.Q(v)).Append('\n');
            }
        }

        if (peer.AllNamespaces)
        {
            // A namespaced policy's selectors stay in its namespace unless they name the namespace label.
            sb.Append(first).Append("matchExpressions:\n      - key: ").Append(NamespaceKey).Append("\n        operator: Exists\n");
        }
    }
}

/// <summary>
/// Writes a plan as a Calico NetworkPolicy (projectcalico.org/v3) in the <c>default</c> tier:
/// the workload and pod peers by Calico selectors, another namespace by
/// <c>namespaceSelector</c>, addresses by <c>nets</c>, one Allow rule per peer and protocol.
/// </summary>
internal static class CalicoPolicyWriter
{
    public static string Body(RecommendationPlan plan)
    {
        var sb = new StringBuilder();
        NetworkPolicyWriter.AppendHead(sb, plan, "projectcalico.org/v3", "NetworkPolicy");
        sb.Append("spec:\n  selector: ").Append(NetworkPolicyWriter.Q(Selector(plan.Selector))).Append('\n');
        var egress = plan.Direction == PolicyDirection.Egress;
        sb.Append("  types:\n  - ").Append(egress ? "Egress" : "Ingress").Append('\n');
        if (plan.Rules.Count == 0)
        {
            sb.Append(egress ? "  egress: []\n" : "  ingress: []\n");
            return sb.ToString();
        }

        sb.Append(egress ? "  egress:\n" : "  ingress:\n");
        foreach (var rule in plan.Rules)
        {
            sb.Append("  # ").Append(rule.Why.Length > 0 ? rule.Why + ": " : string.Empty).Append(rule.Peer.Text).Append('\n');
            var byProtocol = rule.Ports.GroupBy(p => p.Protocol).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
            if (byProtocol.Count == 0)
            {
                sb.Append("  - action: Allow\n");
                AppendPeer(sb, rule.Peer, egress ? "destination" : "source", null);
                continue;
            }

            foreach (var group in byProtocol)
            {
                sb.Append("  - action: Allow\n    protocol: ").Append(group.Key).Append('\n');
                if (egress)
                {
                    AppendPeer(sb, rule.Peer, "destination", group.ToList());
                }
                else
                {
                    AppendPeer(sb, rule.Peer, "source", null);
                    sb.Append("    destination:\n");
                    AppendPorts(sb, group.ToList());
                }
            }
        }

        return sb.ToString();
    }

    private static void AppendPeer(StringBuilder sb, PeerSpec peer, string side, List<PortSpec>? ports)
    {
        sb.Append("    ").Append(side).Append(":\n");
        if (peer.Cidrs.Count > 0)
        {
            sb.Append("      nets:\n");
            foreach (var cidr in peer.Cidrs)
            {
                sb.Append("      - ").Append(cidr).Append('\n');
            }
        }
        else
        {
            if (peer.AllNamespaces)
            {
                sb.Append("      namespaceSelector: all()\n");
            }
            else if (peer.Namespace is { } ns)
            {
                sb.Append("      namespaceSelector: ").Append(NetworkPolicyWriter.Q($"{ClusterModel.NamespaceNameLabel} == '{ns}'")).Append('\n');
            }

            sb.Append("      selector: ").Append(NetworkPolicyWriter.Q(peer.PodLabels is { Count: > 0 } labels ? Selector(labels) : "all()")).Append('\n');
        }

        if (ports is not null)
        {
            AppendPorts(sb, ports);
        }
    }

    private static void AppendPorts(StringBuilder sb, List<PortSpec> ports)
    {
        sb.Append("      ports:\n");
        foreach (var p in ports)
        {
            sb.Append("      - ").Append(p.Name is null ? p.Port.ToString(CultureInfo.InvariantCulture) : NetworkPolicyWriter.Q(p.Name)).Append('\n');
        }
    }

    /// <summary><c>app == 'cart' &amp;&amp; tier == 'web'</c> (label values never hold quotes).</summary>
    private static string Selector(IReadOnlyDictionary<string, string> labels) =>
        string.Join(" && ", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key} == '{l.Value}'"));
}
