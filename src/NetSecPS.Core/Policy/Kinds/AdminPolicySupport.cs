using System.Text.Json.Nodes;
using k8s.Models;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Policy;

/// <summary>
/// What AdminNetworkPolicy, BaselineAdminNetworkPolicy (v1alpha1) and ClusterNetworkPolicy
/// (v1alpha2) share: the subject, the <c>namespaces</c>/<c>pods</c>/<c>networks</c>/<c>nodes</c>
/// peers, rule names and order. Host-network pods are never subjects nor pod peers.
/// </summary>
internal static class AdminPolicySupport
{
    /// <summary>A rule compiler of one kind: (policy, direction, index in its list, the rule as written) to a rule, or null when it is ignored.</summary>
    public delegate CompiledRule? RuleCompiler(CompiledPolicy policy, TrafficDirection direction, int index, JsonNode? rule);

    /// <summary><c>spec.priority</c>, 0-1000 (outside the range warned and used as written); null with a diagnostic when missing.</summary>
    public static int? Priority(PolicyCompileContext context, KubeObject obj, JsonObject spec)
    {
        if (PolicyCompileContext.Int(spec["priority"]) is not { } priority)
        {
            context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPolicy", "spec.priority is missing or not a number; the policy is ignored.");
            return null;
        }

        if (priority is < 0 or > 1000)
        {
            context.Diagnose(obj, DiagnosticSeverity.Warning, "InvalidPriority", string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"spec.priority {priority} is outside 0-1000, which the API rejects; it is evaluated with that priority anyway."));
        }

        return priority;
    }

    /// <summary>
    /// The policy with its subject and rules. Admin policies are read as written: a direction is
    /// affected only when the policy has rules for it ("CNPs with no ingress rules do not affect
    /// ingress traffic").
    /// </summary>
    public static CompiledPolicy? Compile(PolicyCompileContext context, KubeObject obj, JsonObject spec, string kind, double priority, RuleCompiler compileRule)
    {
        if (!TryCompileSubject(context, obj, spec["subject"], out var subject, out var subjectText))
        {
            return null;
        }

        var policy = new CompiledPolicy(kind, obj.Name, null, priority, obj, subject, subjectText);
        foreach (var direction in new[] { TrafficDirection.Ingress, TrafficDirection.Egress })
        {
            var rules = spec[direction == TrafficDirection.Ingress ? "ingress" : "egress"] as JsonArray;
            if (direction == TrafficDirection.Ingress)
            {
                policy.AffectsIngress = rules is { Count: > 0 };
            }
            else
            {
                policy.AffectsEgress = rules is { Count: > 0 };
            }

            for (var i = 0; i < (rules?.Count ?? 0); i++)
            {
                if (compileRule(policy, direction, i, rules![i]) is { } r)
                {
                    policy.Rules(direction).Add(r);
                }
            }
        }

        return policy;
    }

    /// <summary>A rule's name (its own, else <c>ingress rule #1</c>), where diagnostics place it, and the rule as an object; null with a diagnostic when it is not one.</summary>
    public static (string Name, string Where, JsonObject Rule)? RuleHead(PolicyCompileContext context, KubeObject obj, TrafficDirection direction, int index, JsonNode? node)
    {
        var dir = direction == TrafficDirection.Ingress ? "ingress" : "egress";
        if (node is not JsonObject rule)
        {
            context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidRule", $"{dir} rule {index + 1} is not an object; it is ignored.");
            return null;
        }

        var name = PolicyCompileContext.Str(rule["name"]) ?? $"{dir} rule #{index + 1}";
        return (name, $"{dir} rule '{name}'", rule);
    }

    public static bool TryCompileSubject(PolicyCompileContext context, KubeObject obj, JsonNode? node, out ClassSet subject, out string text)
    {
        subject = context.NewClassSet();
        text = string.Empty;
        if (node is not JsonObject s || (s["namespaces"] is null) == (s["pods"] is null))
        {
            context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPolicy", "spec.subject must set exactly one of namespaces and pods; the policy is ignored.");
            return false;
        }

        if (PodsPeer(context, obj, "spec.subject", s) is not { } peer)
        {
            return false;
        }

        subject = peer.Classes;
        text = peer.Peer.Text;
        return true;
    }

    /// <summary>A <c>namespaces</c> or <c>pods</c> peer (subject or rule peer) with the classes it selects; null with a diagnostic when invalid.</summary>
    public static (ClassSet Classes, RulePeer Peer)? PodsPeer(PolicyCompileContext context, KubeObject obj, string where, JsonObject peer)
    {
        if (peer["namespaces"] is { } nsNode)
        {
            var nsSelector = LabelSelector.Parse(nsNode, out var error);
            if (error is not null)
            {
                context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidSelector", $"{where}: namespaces selector is invalid ({error}); it is ignored.");
                return null;
            }

            var namespaces = context.NamespacesMatching(nsSelector);
            var set = context.PodsMatching(namespaces, LabelSelector.Everything);
            return (set, context.PodsPeer(nsSelector.IsEverything ? NamespaceScope.All : NamespaceScope.Selected, namespaces, set, true,
                nsSelector.IsEverything ? "every pod in every namespace" : $"every pod in namespaces {nsSelector}", nsSelector.ToString()));
        }

        if (peer["pods"] is JsonObject pods)
        {
            var nsSelector = LabelSelector.Parse(pods["namespaceSelector"], out var nsError);
            var podSelector = LabelSelector.Parse(pods["podSelector"], out var podError);
            if (nsError is not null || podError is not null)
            {
                context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidSelector", $"{where}: pods selector is invalid ({nsError ?? podError}); it is ignored.");
                return null;
            }

            var namespaces = context.NamespacesMatching(nsSelector);
            var set = context.PodsMatching(namespaces, podSelector);
            var text = (podSelector.IsEverything ? "every pod" : $"pods {podSelector}") + " in " + (nsSelector.IsEverything ? "every namespace" : $"namespaces {nsSelector}");
            return (set, context.PodsPeer(nsSelector.IsEverything ? NamespaceScope.All : NamespaceScope.Selected, namespaces, set, podSelector.IsEverything, text,
                nsSelector.ToString(), podSelector.ToString()));
        }

        context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPeer", $"{where}: expected namespaces or pods; it is ignored.");
        return null;
    }

    /// <summary>
    /// Compiles the peers of one rule into it. Returns false (the rule is ignored) when the rule
    /// lists no peers, which the API requires. A peer with none of the known fields is from a
    /// newer API version: the API says to fail closed (an Allow/Accept rule matches nothing, a
    /// Deny or Pass rule matches everything).
    /// </summary>
    public static bool CompilePeers(PolicyCompileContext context, KubeObject obj, CompiledRule rule, string where, JsonArray? peers, bool domainNamesAllowed)
    {
        var ingress = rule.Direction == TrafficDirection.Ingress;
        if (peers is null || peers.Count == 0)
        {
            context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidRule", $"{where} has no {(ingress ? "from" : "to")} peers, which the API requires; the rule is ignored.");
            return false;
        }

        for (var p = 0; p < peers.Count; p++)
        {
            var at = $"{where}, peer {p + 1}";
            if (peers[p] is not JsonObject peer || peer.Count != 1)
            {
                context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPeer", $"{at} must set exactly one field; the peer is ignored.");
                continue;
            }

            if (peer["nodes"] is { } nodes)
            {
                if (ingress)
                {
                    context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPeer", $"{at}: nodes peers are allowed only in egress rules; the peer is ignored.");
                    continue;
                }

                NodesPeer(context, obj, at, nodes, rule);
                continue;
            }

            if (peer["networks"] is { } networks)
            {
                if (ingress || networks is not JsonArray list)
                {
                    context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPeer", $"{at}: networks is a list of CIDRs allowed only in egress rules; the peer is ignored.");
                    continue;
                }

                rule.AddressesMatchPods = true;
                foreach (var cidr in list)
                {
                    if (context.AddressPeer(obj, at, PolicyCompileContext.Str(cidr), null, rule) is { } block)
                    {
                        rule.Peers.Add(block);
                    }
                }

                continue;
            }

            if (peer["domainNames"] is JsonArray names && domainNamesAllowed && !ingress)
            {
                var list = names.Select(n => PolicyCompileContext.Str(n) ?? string.Empty).Where(n => n.Length > 0).ToList();
                var text = "domain names " + string.Join(", ", list);
                rule.Peers.Add(new RulePeer { Kind = RulePeerKind.DomainNames, Text = text + " (not evaluated)" });
                rule.Undecided.Add($"{text}: which addresses these names resolve to is not known to a static analysis; the peer matches nothing here");
                context.NoteUndecided($"{rule.Reference} names {text}, which a static analysis cannot resolve; the peer matches nothing in the connectivity.");
                continue;
            }

            if (peer["namespaces"] is not null || peer["pods"] is not null)
            {
                if (PodsPeer(context, obj, at, peer) is { } pods)
                {
                    rule.Classes.UnionWith(pods.Classes);
                    rule.Peers.Add(pods.Peer);
                }

                continue;
            }

            // Unknown peer type: a newer API than this reader. Fail closed as the API asks.
            if (rule.Action == RuleAction.Allow)
            {
                context.Diagnose(obj, DiagnosticSeverity.Warning, "UnsupportedPeer", $"{at}: '{string.Join(", ", peer.Select(kv => kv.Key))}' is not a peer this version understands; as the API asks, an Accept rule treats it as matching nothing.");
            }
            else
            {
                context.Diagnose(obj, DiagnosticSeverity.Warning, "UnsupportedPeer", $"{at}: '{string.Join(", ", peer.Select(kv => kv.Key))}' is not a peer this version understands; as the API asks, a {rule.Action} rule treats it as matching everything.");
                rule.AllPeers = true;
            }
        }

        context.FinishPeers(rule);
        if (rule.AllPeers)
        {
            rule.PeersText = "any peer (an unknown peer type, failing closed)";
        }

        return true;
    }

    /// <summary>
    /// A <c>nodes</c> peer: the addresses of the selected Node objects (and the host-network pods
    /// on them, whose traffic carries those addresses). Without Node objects in the snapshot, or
    /// with netpol-analyzer's semantics, it cannot be decided and matches nothing.
    /// </summary>
    private static void NodesPeer(PolicyCompileContext context, KubeObject obj, string at, JsonNode nodes, CompiledRule rule)
    {
        var selector = LabelSelector.Parse(nodes, out var error);
        if (error is not null)
        {
            context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidSelector", $"{at}: nodes selector is invalid ({error}); the peer is ignored.");
            return;
        }

        var text = selector.IsEverything ? "every node" : $"nodes {selector}";
        var nodeObjects = context.Cluster.Data.TypedWithSource<V1Node>().ToList();
        if (nodeObjects.Count == 0 || context.Options.HostNetworkPodsFollowPolicies)
        {
            context.Diagnose(obj, DiagnosticSeverity.Warning, "UnsupportedPeer", nodeObjects.Count == 0
                ? $"{at}: nodes peers need the cluster's Node objects, which the snapshot does not hold; the peer matches nothing here."
                : $"{at}: nodes peers are not evaluated with netpol-analyzer's semantics; the peer matches nothing here.");
            rule.Peers.Add(new RulePeer { Kind = RulePeerKind.Nodes, Text = text + " (not evaluated)" });
            rule.Undecided.Add($"{text}: node addresses are not known here; the peer matches nothing");
            context.NoteUndecided($"{rule.Reference} names {text}, which could not be evaluated without the cluster's Node objects.");
            return;
        }

        var selected = nodeObjects.Where(n => selector.Matches(new Dictionary<string, string>(n.Model.Metadata?.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal))).ToList();
        var names = selected.Select(n => n.Model.Metadata?.Name).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var ranges = new List<IpRange>();
        foreach (var (_, node) in selected)
        {
            foreach (var a in node.Status?.Addresses ?? new List<V1NodeAddress>())
            {
                if (a?.Type is "InternalIP" or "ExternalIP" && IpRange.TryParseAddress(a.Address, out var address))
                {
                    ranges.Add(address);
                }
            }
        }

        var set = IpSet.Of(ranges);
        context.EgressCuts.AddRange(set.Ranges);
        rule.Peers.Add(new RulePeer
        {
            Kind = RulePeerKind.Nodes,
            Text = $"{text} ({selected.Count} of {nodeObjects.Count} nodes{(set.IsEmpty ? ", no addresses known" : ": " + string.Join(", ", set.Ranges.Select(r => r.ToString().Split('-')[0])))})",
            Addresses = set,
        });

        // Host-network pods on the selected nodes stand for those nodes' network namespaces.
        foreach (var c in context.Classes.Classes.Where(c => c.HostNetwork))
        {
            if (c.Pods.Count > 0 && c.Pods.All(p => p.Spec?.NodeName is { } n && names.Contains(n)))
            {
                rule.Classes.Add(c.Index);
            }
        }
    }

    public static RuleAction? Action(string? text, bool v1alpha2) => text switch
    {
        "Allow" when !v1alpha2 => RuleAction.Allow,
        "Accept" when v1alpha2 => RuleAction.Allow,
        "Deny" => RuleAction.Deny,
        "Pass" => RuleAction.Pass,
        _ => null,
    };
}
