using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;
using NetSecPS.Core.Model;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Connectivity;

/// <summary>All policies of a snapshot, compiled, with the address boundaries their rules draw.</summary>
internal sealed class PolicySet
{
    public List<CompiledPolicy> AdminPolicies { get; } = new();
    public List<CompiledPolicy> NetworkPolicies { get; } = new();
    public CompiledPolicy? Baseline { get; set; }
    public List<CompiledRule> Rules { get; } = new();

    /// <summary>Ranges of ingress ipBlocks: they cut the space of external sources.</summary>
    public List<IpRange> IngressCuts { get; } = new();

    /// <summary>Ranges of egress ipBlocks and networks: they cut the space of external destinations.</summary>
    public List<IpRange> EgressCuts { get; } = new();

    public Dictionary<string, List<CompiledPolicy>> NetworkPoliciesByNamespace { get; } = new(StringComparer.Ordinal);
}

/// <summary>
/// Compiles NetworkPolicy v1, AdminNetworkPolicy and BaselineAdminNetworkPolicy v1alpha1 into
/// <see cref="CompiledPolicy"/>: selectors are evaluated once per peer class (cached by their
/// canonical form), ipBlocks become address sets. Invalid parts become diagnostics naming the
/// policy and the reason; the rest of the policy and the other policies go on.
/// </summary>
internal sealed class PolicyCompiler
{
    private readonly ClusterModel model;
    private readonly PeerClassBuilder.Result classes;
    private readonly IOutputSink sink;
    private readonly List<(string Name, IReadOnlyDictionary<string, string> Labels)> namespaces = new();
    private readonly Dictionary<string, List<PeerClass>> classesByNamespace = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ClassSet> selectorCache = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> namespaceSelectorCache = new(StringComparer.Ordinal);
    private readonly PolicySet result = new();

    public PolicyCompiler(ClusterModel model, PeerClassBuilder.Result classes, IOutputSink sink)
    {
        this.model = model;
        this.classes = classes;
        this.sink = sink;
        foreach (var (name, labels) in classes.NamespaceLabels)
        {
            namespaces.Add((name, labels));
        }

        foreach (var c in classes.Classes)
        {
            if (!classes.NamespaceLabels.ContainsKey(c.Namespace) && !namespaces.Any(n => n.Name == c.Namespace))
            {
                namespaces.Add((c.Namespace, c.NamespaceLabels));
            }

            if (!classesByNamespace.TryGetValue(c.Namespace, out var list))
            {
                classesByNamespace[c.Namespace] = list = new List<PeerClass>();
            }

            list.Add(c);
        }
    }

    private int ClassCount => classes.Classes.Count;

    public PolicySet Compile()
    {
        foreach (var obj in model.Data.OfKind("NetworkPolicy", "networking.k8s.io"))
        {
            if (obj.Typed is V1NetworkPolicy np)
            {
                var compiled = CompileNetworkPolicy(obj, np);
                if (compiled is not null)
                {
                    result.NetworkPolicies.Add(compiled);
                    if (!result.NetworkPoliciesByNamespace.TryGetValue(compiled.Namespace!, out var list))
                    {
                        result.NetworkPoliciesByNamespace[compiled.Namespace!] = list = new List<CompiledPolicy>();
                    }

                    list.Add(compiled);
                }
            }
        }

        var anps = new List<CompiledPolicy>();
        foreach (var obj in model.Data.OfKind("AdminNetworkPolicy", "policy.networking.k8s.io"))
        {
            if (obj.Raw is { } raw && CompileAdminPolicy(obj, raw, PolicyLayer.AdminNetworkPolicy) is { } anp)
            {
                if (anps.Any(a => a.Name == anp.Name))
                {
                    Diagnose(obj, "Warning", "DuplicatePolicy", "another AdminNetworkPolicy has the same name; this one is ignored.");
                    continue;
                }

                anps.Add(anp);
            }
        }

        foreach (var group in anps.GroupBy(a => a.Priority).Where(g => g.Count() > 1))
        {
            sink.Warning($"AdminNetworkPolicies {string.Join(", ", group.Select(a => a.Name).Order(StringComparer.Ordinal))} share priority {group.Key}: " +
                "the cluster's order between them is undefined; NetSecPS evaluates them by name.");
        }

        result.AdminPolicies.AddRange(anps.OrderBy(a => a.Priority).ThenBy(a => a.Name, StringComparer.Ordinal));

        var banps = model.Data.OfKind("BaselineAdminNetworkPolicy", "policy.networking.k8s.io").Where(o => o.Raw is not null).ToList();
        if (banps.Count > 0)
        {
            var chosen = banps.FirstOrDefault(b => b.Name == "default") ?? banps[0];
            if (chosen.Name != "default")
            {
                Diagnose(chosen, "Warning", "BaselineNotDefault", "a BaselineAdminNetworkPolicy must be named 'default'; it is evaluated anyway.");
            }

            foreach (var other in banps.Where(b => !ReferenceEquals(b, chosen)))
            {
                Diagnose(other, "Warning", "DuplicatePolicy", $"the cluster has one BaselineAdminNetworkPolicy; {chosen.Name} is evaluated and this one is ignored.");
            }

            result.Baseline = CompileAdminPolicy(chosen, chosen.Raw!, PolicyLayer.BaselineAdminNetworkPolicy);
        }

        foreach (var obj in model.Data.OfKind("ClusterNetworkPolicy", "policy.networking.k8s.io"))
        {
            Diagnose(obj, "Warning", "UnsupportedKind", "ClusterNetworkPolicy (v1alpha2) is not evaluated yet; its rules are not part of the connectivity.");
        }

        var id = 0;
        foreach (var p in result.AdminPolicies.Concat(result.NetworkPolicies).Concat(result.Baseline is null ? Enumerable.Empty<CompiledPolicy>() : new[] { result.Baseline }))
        {
            foreach (var r in p.Ingress.Concat(p.Egress))
            {
                r.Id = id++;
                result.Rules.Add(r);
            }
        }

        return result;
    }

    // ---------------------------------------------------------------- NetworkPolicy

    private CompiledPolicy? CompileNetworkPolicy(KubeObject obj, V1NetworkPolicy np)
    {
        var ns = obj.Namespace ?? "default";
        var spec = np.Spec;
        if (spec is null)
        {
            Diagnose(obj, "Error", "InvalidPolicy", "the policy has no spec; it is ignored.");
            return null;
        }

        var podSelector = LabelSelector.Everything;
        if (spec.PodSelector is not null)
        {
            podSelector = LabelSelector.Parse(spec.PodSelector, out var error);
            if (error is not null)
            {
                Diagnose(obj, "Error", "InvalidSelector", $"spec.podSelector is invalid ({error}); the policy is ignored.");
                return null;
            }
        }

        var subject = new ClassSet(ClassCount);
        if (classesByNamespace.TryGetValue(ns, out var inNs))
        {
            foreach (var c in inNs)
            {
                if (c.Kind == PeerClassKind.Pod && !c.HostNetwork && podSelector.Matches(c.Labels))
                {
                    subject.Add(c.Index);
                }
            }
        }

        var policy = new CompiledPolicy(PolicyLayer.NetworkPolicy, obj.Name, ns, 0, obj, subject,
            podSelector.IsEverything ? $"every pod in namespace {ns}" : $"pods {podSelector} in namespace {ns}");

        var hasEgressRules = spec.Egress is { Count: > 0 };
        if (spec.PolicyTypes is { Count: > 0 } types)
        {
            foreach (var t in types)
            {
                switch (t)
                {
                    case "Ingress":
                        policy.AffectsIngress = true;
                        break;
                    case "Egress":
                        policy.AffectsEgress = true;
                        break;
                    default:
                        Diagnose(obj, "Error", "InvalidPolicyType", $"policyTypes holds '{t}', which is neither Ingress nor Egress; the entry is ignored.");
                        break;
                }
            }
        }
        else
        {
            // Without policyTypes the API server defaults to Ingress, plus Egress when there are egress rules.
            policy.AffectsIngress = true;
            policy.AffectsEgress = hasEgressRules;
        }

        if (policy.AffectsIngress && spec.Ingress is not null)
        {
            for (var i = 0; i < spec.Ingress.Count; i++)
            {
                var rule = spec.Ingress[i];
                policy.Ingress.Add(CompileNetworkPolicyRule(obj, policy, TrafficDirection.Ingress, i, rule?.FromProperty, rule?.Ports));
            }
        }

        if (policy.AffectsEgress && spec.Egress is not null)
        {
            for (var i = 0; i < spec.Egress.Count; i++)
            {
                var rule = spec.Egress[i];
                policy.Egress.Add(CompileNetworkPolicyRule(obj, policy, TrafficDirection.Egress, i, rule?.To, rule?.Ports));
            }
        }

        return policy;
    }

    private CompiledRule CompileNetworkPolicyRule(KubeObject obj, CompiledPolicy policy, TrafficDirection direction, int index,
        IList<V1NetworkPolicyPeer>? peers, IList<V1NetworkPolicyPort>? ports)
    {
        var dir = direction == TrafficDirection.Ingress ? "ingress" : "egress";
        var where = $"{dir} rule {index + 1}";
        var rule = new CompiledRule(policy, direction, index, $"{dir} rule #{index + 1}", RuleAction.Allow, CompileNetworkPolicyPorts(obj, where, ports));
        var set = new ClassSet(ClassCount);
        rule.Classes = set;
        if (peers is null || peers.Count == 0)
        {
            // No from/to: the rule admits every source or destination, pods and addresses alike.
            rule.AllPeers = true;
            rule.PeersText = "any peer";
            return rule;
        }

        var texts = new List<string>();
        var addresses = new List<IpSet>();
        for (var p = 0; p < peers.Count; p++)
        {
            var peer = peers[p];
            var at = $"{where}, peer {p + 1}";
            if (peer is null || (peer.PodSelector is null && peer.NamespaceSelector is null && peer.IpBlock is null))
            {
                Diagnose(obj, "Error", "InvalidPeer", $"{at} sets none of podSelector, namespaceSelector and ipBlock; the peer is ignored.");
                continue;
            }

            if (peer.IpBlock is not null)
            {
                if (peer.PodSelector is not null || peer.NamespaceSelector is not null)
                {
                    Diagnose(obj, "Error", "InvalidPeer", $"{at} combines ipBlock with a selector, which the API does not allow; the peer is ignored.");
                    continue;
                }

                if (CompileIpBlock(obj, at, peer.IpBlock.Cidr, peer.IpBlock.Except, rule, direction) is { } block)
                {
                    addresses.Add(block.Set);
                    texts.Add(block.Text);
                }

                continue;
            }

            var podSelector = LabelSelector.Everything;
            if (peer.PodSelector is not null)
            {
                podSelector = LabelSelector.Parse(peer.PodSelector, out var error);
                if (error is not null)
                {
                    Diagnose(obj, "Error", "InvalidSelector", $"{at}: podSelector is invalid ({error}); the peer is ignored.");
                    continue;
                }
            }

            List<string> matchedNamespaces;
            string nsText;
            if (peer.NamespaceSelector is null)
            {
                // A podSelector alone means the policy's own namespace.
                matchedNamespaces = new List<string> { policy.Namespace! };
                nsText = $"namespace {policy.Namespace}";
            }
            else
            {
                var nsSelector = LabelSelector.Parse(peer.NamespaceSelector, out var error);
                if (error is not null)
                {
                    Diagnose(obj, "Error", "InvalidSelector", $"{at}: namespaceSelector is invalid ({error}); the peer is ignored.");
                    continue;
                }

                matchedNamespaces = NamespacesMatching(nsSelector);
                nsText = nsSelector.IsEverything ? "every namespace" : $"namespaces {nsSelector}";
            }

            set.UnionWith(PodsMatching(matchedNamespaces, podSelector));
            texts.Add(podSelector.IsEverything ? $"every pod in {nsText}" : $"pods {podSelector} in {nsText}");
        }

        FinishPeers(rule, addresses, texts);
        if (direction == TrafficDirection.Egress && addresses.Count > 0 && rule.Ports.HasNamedPorts)
        {
            // An egress named port resolves on the destination, and an address declares no ports.
            Diagnose(obj, "Warning", "NamedPortOnIpBlock", $"{where}: named ports cannot be resolved on ipBlock destinations; for them only numbered ports count.");
        }

        return rule;
    }

    private PortSpec CompileNetworkPolicyPorts(KubeObject obj, string where, IList<V1NetworkPolicyPort>? ports)
    {
        if (ports is null || ports.Count == 0)
        {
            return PortSpec.AllPorts;
        }

        var numeric = ConnectionSet.None;
        var named = new List<NamedPortRef>();
        var texts = new List<string>();
        foreach (var port in ports)
        {
            if (port is null)
            {
                continue;
            }

            var protocol = string.IsNullOrEmpty(port.Protocol) ? "TCP" : port.Protocol;
            if (!ConnectionSet.Protocols.Contains(protocol))
            {
                Diagnose(obj, "Error", "InvalidPort", $"{where}: protocol '{protocol}' is not TCP, UDP or SCTP; the port entry is ignored.");
                continue;
            }

            var value = port.Port?.Value;
            if (string.IsNullOrEmpty(value))
            {
                numeric = numeric.Union(ConnectionSet.AllPorts(protocol));
                texts.Add(PortSpec.Describe(protocol, ConnectionSet.MinPort, ConnectionSet.MaxPort));
                continue;
            }

            if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number))
            {
                if (port.EndPort is not null)
                {
                    Diagnose(obj, "Error", "InvalidPort", $"{where}: endPort cannot be used with the named port '{value}'; the port entry is ignored.");
                    continue;
                }

                named.Add(new NamedPortRef(value, protocol));
                texts.Add($"{protocol} port named {value}");
                continue;
            }

            var end = port.EndPort ?? number;
            if (number < ConnectionSet.MinPort || end > ConnectionSet.MaxPort || end < number)
            {
                Diagnose(obj, "Error", "InvalidPort", string.Create(CultureInfo.InvariantCulture,
                    $"{where}: port range {number}-{end} is not within 1-65535 or ends before it starts; the port entry is ignored."));
                continue;
            }

            numeric = numeric.Union(ConnectionSet.Ports(protocol, number, end));
            texts.Add(PortSpec.Describe(protocol, number, end));
        }

        return new PortSpec(numeric, named, texts.Count == 0 ? "no valid port" : string.Join(", ", texts));
    }

    // ---------------------------------------------------------------- AdminNetworkPolicy and BaselineAdminNetworkPolicy

    private CompiledPolicy? CompileAdminPolicy(KubeObject obj, JsonObject raw, PolicyLayer layer)
    {
        if (raw["spec"] is not JsonObject spec)
        {
            Diagnose(obj, "Error", "InvalidPolicy", "the policy has no spec; it is ignored.");
            return null;
        }

        var priority = 0;
        if (layer == PolicyLayer.AdminNetworkPolicy)
        {
            if (Int(spec["priority"]) is not { } p)
            {
                Diagnose(obj, "Error", "InvalidPolicy", "spec.priority is missing or not a number; the policy is ignored.");
                return null;
            }

            if (p is < 0 or > 1000)
            {
                Diagnose(obj, "Warning", "InvalidPriority", string.Create(CultureInfo.InvariantCulture,
                    $"spec.priority {p} is outside 0-1000, which the API rejects; it is evaluated with that priority anyway."));
            }

            priority = p;
        }

        if (!TryCompileSubject(obj, spec["subject"], out var subject, out var subjectText))
        {
            return null;
        }

        var policy = new CompiledPolicy(layer, obj.Name, null, priority, obj, subject, subjectText);
        var ingress = spec["ingress"] as JsonArray;
        var egress = spec["egress"] as JsonArray;
        // Admin policies are read as written: a direction is affected only when it has rules.
        policy.AffectsIngress = ingress is { Count: > 0 };
        policy.AffectsEgress = egress is { Count: > 0 };
        if (ingress is not null)
        {
            for (var i = 0; i < ingress.Count; i++)
            {
                if (CompileAdminRule(obj, policy, TrafficDirection.Ingress, i, ingress[i]) is { } r)
                {
                    policy.Ingress.Add(r);
                }
            }
        }

        if (egress is not null)
        {
            for (var i = 0; i < egress.Count; i++)
            {
                if (CompileAdminRule(obj, policy, TrafficDirection.Egress, i, egress[i]) is { } r)
                {
                    policy.Egress.Add(r);
                }
            }
        }

        return policy;
    }

    private bool TryCompileSubject(KubeObject obj, JsonNode? node, out ClassSet subject, out string text)
    {
        subject = new ClassSet(ClassCount);
        text = string.Empty;
        if (node is not JsonObject s || (s["namespaces"] is null) == (s["pods"] is null))
        {
            Diagnose(obj, "Error", "InvalidPolicy", "spec.subject must set exactly one of namespaces and pods; the policy is ignored.");
            return false;
        }

        if (!TryAdminPeer(obj, "spec.subject", s, out var set, out text))
        {
            return false;
        }

        subject = set;
        return true;
    }

    /// <summary>Compiles a <c>namespaces</c> or <c>pods</c> peer (subject or rule peer) to the classes it selects.</summary>
    private bool TryAdminPeer(KubeObject obj, string where, JsonObject peer, out ClassSet set, out string text)
    {
        set = new ClassSet(ClassCount);
        text = string.Empty;
        if (peer["namespaces"] is { } nsNode)
        {
            var nsSelector = LabelSelector.Parse(nsNode, out var error);
            if (error is not null)
            {
                Diagnose(obj, "Error", "InvalidSelector", $"{where}: namespaces selector is invalid ({error}); it is ignored.");
                return false;
            }

            set = PodsMatching(NamespacesMatching(nsSelector), LabelSelector.Everything);
            text = nsSelector.IsEverything ? "every pod in every namespace" : $"every pod in namespaces {nsSelector}";
            return true;
        }

        if (peer["pods"] is JsonObject pods)
        {
            var nsSelector = LabelSelector.Parse(pods["namespaceSelector"], out var nsError);
            var podSelector = LabelSelector.Parse(pods["podSelector"], out var podError);
            if (nsError is not null || podError is not null)
            {
                Diagnose(obj, "Error", "InvalidSelector", $"{where}: pods selector is invalid ({nsError ?? podError}); it is ignored.");
                return false;
            }

            set = PodsMatching(NamespacesMatching(nsSelector), podSelector);
            text = (podSelector.IsEverything ? "every pod" : $"pods {podSelector}") + " in " + (nsSelector.IsEverything ? "every namespace" : $"namespaces {nsSelector}");
            return true;
        }

        Diagnose(obj, "Error", "InvalidPeer", $"{where}: expected namespaces or pods; it is ignored.");
        return false;
    }

    private CompiledRule? CompileAdminRule(KubeObject obj, CompiledPolicy policy, TrafficDirection direction, int index, JsonNode? node)
    {
        var dir = direction == TrafficDirection.Ingress ? "ingress" : "egress";
        if (node is not JsonObject rule)
        {
            Diagnose(obj, "Error", "InvalidRule", $"{dir} rule {index + 1} is not an object; it is ignored.");
            return null;
        }

        var name = Str(rule["name"]) ?? $"{dir} rule #{index + 1}";
        var where = $"{dir} rule '{name}'";
        var actionText = Str(rule["action"]);
        RuleAction action;
        switch (actionText)
        {
            case "Allow":
                action = RuleAction.Allow;
                break;
            case "Deny":
                action = RuleAction.Deny;
                break;
            case "Pass" when policy.Layer == PolicyLayer.AdminNetworkPolicy:
                action = RuleAction.Pass;
                break;
            default:
                Diagnose(obj, "Error", "InvalidRule", policy.Layer == PolicyLayer.BaselineAdminNetworkPolicy
                    ? $"{where}: action '{actionText}' is not Allow or Deny (the actions of a baseline policy); the rule is ignored."
                    : $"{where}: action '{actionText}' is not Allow, Deny or Pass; the rule is ignored.");
                return null;
        }

        var ports = CompileAdminPorts(obj, where, rule["ports"]);
        if (ports is null)
        {
            return null;
        }

        var compiled = new CompiledRule(policy, direction, index, name, action, ports);
        var set = new ClassSet(ClassCount);
        compiled.Classes = set;
        var peers = rule[direction == TrafficDirection.Ingress ? "from" : "to"] as JsonArray;
        if (peers is null || peers.Count == 0)
        {
            Diagnose(obj, "Error", "InvalidRule", $"{where} has no {(direction == TrafficDirection.Ingress ? "from" : "to")} peers, which the API requires; the rule is ignored.");
            return null;
        }

        var texts = new List<string>();
        var addresses = new List<IpSet>();
        for (var p = 0; p < peers.Count; p++)
        {
            var at = $"{where}, peer {p + 1}";
            if (peers[p] is not JsonObject peer || peer.Count != 1)
            {
                Diagnose(obj, "Error", "InvalidPeer", $"{at} must set exactly one field; the peer is ignored.");
                continue;
            }

            if (peer["nodes"] is not null)
            {
                Diagnose(obj, "Warning", "UnsupportedPeer", $"{at}: nodes peers are not evaluated (node addresses are not in the model); the peer matches nothing here.");
                texts.Add("nodes (not evaluated)");
                continue;
            }

            if (peer["networks"] is { } networks)
            {
                if (direction == TrafficDirection.Ingress || networks is not JsonArray list)
                {
                    Diagnose(obj, "Error", "InvalidPeer", $"{at}: networks is a list of CIDRs allowed only in egress rules; the peer is ignored.");
                    continue;
                }

                foreach (var cidr in list)
                {
                    if (CompileIpBlock(obj, at, Str(cidr), null, compiled, direction) is { } block)
                    {
                        addresses.Add(block.Set);
                        texts.Add(block.Text);
                    }
                }

                continue;
            }

            if (TryAdminPeer(obj, at, peer, out var peerSet, out var text))
            {
                set.UnionWith(peerSet);
                texts.Add(text);
            }
        }

        FinishPeers(compiled, addresses, texts);
        return compiled;
    }

    private PortSpec? CompileAdminPorts(KubeObject obj, string where, JsonNode? node)
    {
        if (node is null)
        {
            return PortSpec.AllPorts;
        }

        if (node is not JsonArray ports)
        {
            Diagnose(obj, "Error", "InvalidPort", $"{where}: ports must be a list; the rule is ignored.");
            return null;
        }

        var numeric = ConnectionSet.None;
        var named = new List<NamedPortRef>();
        var texts = new List<string>();
        foreach (var item in ports)
        {
            if (item is not JsonObject port || port.Count != 1)
            {
                Diagnose(obj, "Error", "InvalidPort", $"{where}: each port must set exactly one of portNumber, namedPort and portRange; the entry is ignored.");
                continue;
            }

            if (port["portNumber"] is JsonObject pn)
            {
                var protocol = Str(pn["protocol"]) ?? "TCP";
                if (!ConnectionSet.Protocols.Contains(protocol) || Int(pn["port"]) is not { } number || number is < 1 or > 65535)
                {
                    Diagnose(obj, "Error", "InvalidPort", $"{where}: portNumber {pn.ToJsonString()} is not a valid protocol and port; the entry is ignored.");
                    continue;
                }

                numeric = numeric.Union(ConnectionSet.Port(protocol, number));
                texts.Add(PortSpec.Describe(protocol, number, number));
            }
            else if (port["portRange"] is JsonObject pr)
            {
                var protocol = Str(pr["protocol"]) ?? "TCP";
                if (!ConnectionSet.Protocols.Contains(protocol) || Int(pr["start"]) is not { } start || Int(pr["end"]) is not { } end ||
                    start < 1 || end > 65535 || end < start)
                {
                    Diagnose(obj, "Error", "InvalidPort", $"{where}: portRange {pr.ToJsonString()} is not a valid protocol and range; the entry is ignored.");
                    continue;
                }

                numeric = numeric.Union(ConnectionSet.Ports(protocol, start, end));
                texts.Add(PortSpec.Describe(protocol, start, end));
            }
            else if (Str(port["namedPort"]) is { Length: > 0 } name)
            {
                named.Add(new NamedPortRef(name, null));
                texts.Add($"port named {name}");
            }
            else
            {
                Diagnose(obj, "Error", "InvalidPort", $"{where}: port {port.ToJsonString()} is not portNumber, namedPort or portRange; the entry is ignored.");
            }
        }

        return new PortSpec(numeric, named, texts.Count == 0 ? "no valid port" : string.Join(", ", texts));
    }

    // ---------------------------------------------------------------- shared

    private sealed record Block(IpSet Set, string Text);

    private Block? CompileIpBlock(KubeObject obj, string where, string? cidr, IList<string>? except, CompiledRule rule, TrafficDirection direction)
    {
        if (!IpRange.TryParseCidr(cidr, out var range, out var prefix))
        {
            Diagnose(obj, "Error", "InvalidCidr", $"{where}: '{cidr}' is not a valid CIDR; the peer is ignored.");
            return null;
        }

        var holes = new List<IpRange>();
        foreach (var e in except ?? Array.Empty<string>())
        {
            if (!IpRange.TryParseCidr(e, out var hole, out _))
            {
                Diagnose(obj, "Error", "InvalidCidr", $"{where}: except entry '{e}' is not a valid CIDR; the peer is ignored.");
                return null;
            }

            if (!range.Contains(hole))
            {
                Diagnose(obj, "Warning", "InvalidCidr", $"{where}: except entry '{e}' is not inside {cidr}, which the API rejects; it removes only what overlaps.");
            }

            holes.Add(hole);
        }

        var set = IpSet.Of(new[] { range }).Subtract(holes);
        var cuts = direction == TrafficDirection.Ingress ? result.IngressCuts : result.EgressCuts;
        cuts.AddRange(set.Ranges);
        if (prefix == 0)
        {
            if (range.Family == 4)
            {
                rule.OpenToAnyAddress4 = true;
            }
            else
            {
                rule.OpenToAnyAddress6 = true;
            }
        }

        var text = holes.Count == 0 ? cidr! : $"{cidr} except {string.Join(", ", except!)}";
        return new Block(set, text);
    }

    /// <summary>Sets the rule's addresses, and adds host-network classes whose node address the rule's addresses hold.</summary>
    private void FinishPeers(CompiledRule rule, List<IpSet> addresses, List<string> texts)
    {
        var all = IpSet.Empty;
        foreach (var a in addresses)
        {
            all = all.Union(a);
        }

        rule.Addresses = all;
        foreach (var c in classes.Classes)
        {
            if (!c.HostNetwork)
            {
                continue;
            }

            // Host-network traffic carries the node's address: only address rules can match it.
            var matches = c.HostAddress is { } host ? all.Contains(host) : rule.OpenToAnyAddress4;
            if (matches)
            {
                rule.Classes.Add(c.Index);
            }
        }

        rule.PeersText = texts.Count == 0 ? "no valid peer" : string.Join("; ", texts);
    }

    private List<string> NamespacesMatching(LabelSelector selector)
    {
        if (!namespaceSelectorCache.TryGetValue(selector.Canonical, out var list))
        {
            list = namespaces.Where(n => selector.Matches(n.Labels)).Select(n => n.Name).ToList();
            namespaceSelectorCache[selector.Canonical] = list;
        }

        return list;
    }

    /// <summary>Non-host-network classes in the namespaces whose labels match; cached, as many policies repeat the same selectors.</summary>
    private ClassSet PodsMatching(List<string> inNamespaces, LabelSelector podSelector)
    {
        var key = string.Join('\u0001', inNamespaces) + '\u0000' + podSelector.Canonical;
        if (!selectorCache.TryGetValue(key, out var set))
        {
            set = new ClassSet(ClassCount);
            foreach (var ns in inNamespaces)
            {
                if (!classesByNamespace.TryGetValue(ns, out var list))
                {
                    continue;
                }

                foreach (var c in list)
                {
                    if (!c.HostNetwork && podSelector.Matches(c.Labels))
                    {
                        set.Add(c.Index);
                    }
                }
            }

            selectorCache[key] = set;
        }

        return set.Clone();
    }

    private void Diagnose(KubeObject obj, string severity, string code, string message)
    {
        var who = obj.Namespace is null ? $"{obj.Kind} {obj.Name}" : $"{obj.Kind} {obj.Namespace}/{obj.Name}";
        sink.Diagnostic(new InputDiagnostic(severity, code, $"{who}: {message}", obj.Source?.File, obj.Source?.Line, obj.Source?.Column, obj.Kind,
            obj.Namespace is null ? obj.Name : obj.Namespace + "/" + obj.Name));
    }

    private static string? Str(JsonNode? n) => n is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private static int? Int(JsonNode? n)
    {
        if (n is not JsonValue v)
        {
            return null;
        }

        return v.GetValueKind() switch
        {
            JsonValueKind.Number when v.TryGetValue<int>(out var i) => i,
            JsonValueKind.Number when v.TryGetValue<long>(out var l) && l is >= int.MinValue and <= int.MaxValue => (int)l,
            JsonValueKind.Number when v.TryGetValue<double>(out var d) && d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue => (int)d,
            JsonValueKind.String when int.TryParse(v.GetValue<string>(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) => s,
            _ => null,
        };
    }
}
