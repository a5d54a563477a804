using System.Globalization;
using k8s.Models;
using NetSecPS.Core.Connectivity;

namespace NetSecPS.Core.Policy;

/// <summary>
/// Kubernetes NetworkPolicy (networking.k8s.io/v1): allow-only rules; a pod selected for a
/// direction is isolated there. Its tier comes from the <see cref="TierPlan"/>: a union tier of
/// its own, or a place in a CNI's tiers.
/// </summary>
internal sealed class KubernetesNetworkPolicyKind : IPolicyKind
{
    public IReadOnlyList<(string Group, string Kind)> Kinds { get; } = new[] { ("networking.k8s.io", "NetworkPolicy") };

    public void Compile(PolicyCompileContext context)
    {
        foreach (var obj in context.Cluster.Data.OfKind("NetworkPolicy", "networking.k8s.io"))
        {
            if (obj.Typed is V1NetworkPolicy np && Compile(context, obj, np) is { } policy)
            {
                var (tier, _) = context.Plan.NetworkPolicy(context);
                context.Add(tier, policy);
            }
        }
    }

    private static CompiledPolicy? Compile(PolicyCompileContext context, Sources.KubeObject obj, V1NetworkPolicy np)
    {
        var ns = obj.Namespace ?? "default";
        var spec = np.Spec;
        if (spec is null)
        {
            context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPolicy", "the policy has no spec; it is ignored.");
            return null;
        }

        var podSelector = LabelSelector.Everything;
        if (spec.PodSelector is not null)
        {
            podSelector = LabelSelector.Parse(spec.PodSelector, out var error);
            if (error is not null)
            {
                context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidSelector", $"spec.podSelector is invalid ({error}); the policy is ignored.");
                return null;
            }
        }

        // The synthetic peers (an arbitrary pod, the ingress controller) live in namespaces of their own that no NetworkPolicy selects.
        var subject = context.PodsMatching(new List<string> { ns }, podSelector);
        subject.Remove(context.Classes.Arbitrary.Index);
        subject.Remove(context.Classes.IngressController.Index);
        var (_, order) = context.Plan.NetworkPolicy(context);
        var policy = new CompiledPolicy("NetworkPolicy", obj.Name, ns, order, obj, subject,
            podSelector.IsEverything ? $"every pod in namespace {ns}" : $"pods {podSelector} in namespace {ns}")
        {
            SelectsWholeNamespace = podSelector.IsEverything,
        };

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
                        context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPolicyType", $"policyTypes holds '{t}', which is neither Ingress nor Egress; the entry is ignored.");
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
                policy.Ingress.Add(CompileRule(context, obj, policy, TrafficDirection.Ingress, i, rule?.FromProperty, rule?.Ports));
            }
        }

        if (policy.AffectsEgress && spec.Egress is not null)
        {
            for (var i = 0; i < spec.Egress.Count; i++)
            {
                var rule = spec.Egress[i];
                policy.Egress.Add(CompileRule(context, obj, policy, TrafficDirection.Egress, i, rule?.To, rule?.Ports));
            }
        }

        return policy;
    }

    private static CompiledRule CompileRule(PolicyCompileContext context, Sources.KubeObject obj, CompiledPolicy policy, TrafficDirection direction, int index,
        IList<V1NetworkPolicyPeer>? peers, IList<V1NetworkPolicyPort>? ports)
    {
        var dir = direction == TrafficDirection.Ingress ? "ingress" : "egress";
        var where = $"{dir} rule {index + 1}";
        var rule = new CompiledRule(policy, direction, index, $"{dir} rule #{index + 1}", RuleAction.Allow, CompilePorts(context, obj, where, ports))
        {
            Classes = context.NewClassSet(),
        };

        if (peers is null || peers.Count == 0)
        {
            // No from/to: the rule admits every source or destination, pods and addresses alike.
            rule.AllPeers = true;
            rule.PeersText = "any peer";
            return rule;
        }

        for (var p = 0; p < peers.Count; p++)
        {
            var peer = peers[p];
            var at = $"{where}, peer {p + 1}";
            if (peer is null || (peer.PodSelector is null && peer.NamespaceSelector is null && peer.IpBlock is null))
            {
                context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPeer", $"{at} sets none of podSelector, namespaceSelector and ipBlock; the peer is ignored.");
                continue;
            }

            if (peer.IpBlock is not null)
            {
                if (peer.PodSelector is not null || peer.NamespaceSelector is not null)
                {
                    context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPeer", $"{at} combines ipBlock with a selector, which the API does not allow; the peer is ignored.");
                    continue;
                }

                if (context.AddressPeer(obj, at, peer.IpBlock.Cidr, peer.IpBlock.Except?.ToList(), rule) is { } block)
                {
                    rule.Peers.Add(block);
                }

                continue;
            }

            var podSelector = LabelSelector.Everything;
            if (peer.PodSelector is not null)
            {
                podSelector = LabelSelector.Parse(peer.PodSelector, out var error);
                if (error is not null)
                {
                    context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidSelector", $"{at}: podSelector is invalid ({error}); the peer is ignored.");
                    continue;
                }
            }

            List<string> matchedNamespaces;
            string nsText;
            NamespaceScope scope;
            if (peer.NamespaceSelector is null)
            {
                // A podSelector alone means the policy's own namespace.
                matchedNamespaces = new List<string> { policy.Namespace! };
                nsText = $"namespace {policy.Namespace}";
                scope = NamespaceScope.Own;
            }
            else
            {
                var nsSelector = LabelSelector.Parse(peer.NamespaceSelector, out var error);
                if (error is not null)
                {
                    context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidSelector", $"{at}: namespaceSelector is invalid ({error}); the peer is ignored.");
                    continue;
                }

                matchedNamespaces = context.NamespacesMatching(nsSelector);
                nsText = nsSelector.IsEverything ? "every namespace" : $"namespaces {nsSelector}";
                scope = nsSelector.IsEverything ? NamespaceScope.All : NamespaceScope.Selected;
            }

            var matched = context.PodsMatching(matchedNamespaces, podSelector);
            rule.Classes.UnionWith(matched);
            rule.Peers.Add(context.PodsPeer(scope, matchedNamespaces, matched, podSelector.IsEverything,
                podSelector.IsEverything ? $"every pod in {nsText}" : $"pods {podSelector} in {nsText}",
                peer.NamespaceSelector is null ? null : LabelSelector.Parse(peer.NamespaceSelector, out _).ToString(),
                peer.PodSelector is null ? null : podSelector.ToString()));
        }

        context.FinishPeers(rule);
        if (direction == TrafficDirection.Egress && rule.Peers.Any(p => p.Kind == RulePeerKind.Addresses) && rule.Ports.HasNamedPorts)
        {
            // An egress named port resolves on the destination, and an address declares no ports.
            context.Diagnose(obj, DiagnosticSeverity.Warning, "NamedPortOnIpBlock", $"{where}: named ports cannot be resolved on ipBlock destinations; for them only numbered ports count.");
        }

        return rule;
    }

    private static PortSpec CompilePorts(PolicyCompileContext context, Sources.KubeObject obj, string where, IList<V1NetworkPolicyPort>? ports)
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
                context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPort", $"{where}: protocol '{protocol}' is not TCP, UDP or SCTP; the port entry is ignored.");
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
                    context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPort", $"{where}: endPort cannot be used with the named port '{value}'; the port entry is ignored.");
                    continue;
                }

                named.Add(new NamedPortRef(value, protocol));
                texts.Add($"{protocol} port named {value}");
                continue;
            }

            var end = port.EndPort ?? number;
            if (number < ConnectionSet.MinPort || end > ConnectionSet.MaxPort || end < number)
            {
                context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPort", string.Create(CultureInfo.InvariantCulture,
                    $"{where}: port range {number}-{end} is not within 1-65535 or ends before it starts; the port entry is ignored."));
                continue;
            }

            numeric = numeric.Union(ConnectionSet.Ports(protocol, number, end));
            texts.Add(PortSpec.Describe(protocol, number, end));
        }

        return new PortSpec(numeric, named, texts.Count == 0 ? "no valid port" : string.Join(", ", texts));
    }
}
