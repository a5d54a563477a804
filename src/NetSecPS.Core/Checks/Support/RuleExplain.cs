using k8s.Models;
using NetSecPS.Core.Model;

namespace NetSecPS.Core.Checks.Support;

/// <summary>
/// Names the NetworkPolicy rules that let an arbitrary peer in or out, so a finding decided by
/// the connectivity engine can point at the rule to narrow.
/// </summary>
public static class RuleExplain
{
    /// <summary>True when a rule's peers admit an arbitrary peer: no peers, a peer matching an unlabelled pod of an unlabelled namespace, or a /0 ipBlock.</summary>
    public static bool AdmitsArbitraryPeer(IList<V1NetworkPolicyPeer>? peers) =>
        peers is null || peers.Count == 0 || peers.Any(p => PolicyIndex.MatchesArbitraryPod(p) || (p.IpBlock is { } b && Cidr.Parse(b.Cidr) is { PrefixLength: 0 }));

    public static IEnumerable<EvidenceItem> IngressRules(PolicyIndex index, Workload w)
    {
        foreach (var p in index.Selecting(w).Where(p => p.Has("Ingress")))
        {
            for (var i = 0; i < p.Ingress.Count; i++)
            {
                var rule = p.Ingress[i];
                if (AdmitsArbitraryPeer(rule.FromProperty))
                {
                    yield return new EvidenceItem("Rule", $"NetworkPolicy {p.Key} ingress[{i}]", Describe(rule.FromProperty, rule.Ports, "from"));
                }
            }
        }
    }

    public static IEnumerable<EvidenceItem> EgressRules(PolicyIndex index, Workload w)
    {
        foreach (var p in index.Selecting(w).Where(p => p.Has("Egress")))
        {
            for (var i = 0; i < p.Egress.Count; i++)
            {
                var rule = p.Egress[i];
                if (AdmitsArbitraryPeer(rule.To))
                {
                    yield return new EvidenceItem("Rule", $"NetworkPolicy {p.Key} egress[{i}]", Describe(rule.To, rule.Ports, "to"));
                }
            }
        }
    }

    public static string Describe(IList<V1NetworkPolicyPeer>? peers, IList<V1NetworkPolicyPort>? ports, string direction) =>
        (peers is null || peers.Count == 0 ? $"no '{direction}' (every peer)" : $"{direction} " + string.Join("; ", peers.Select(PolicyIndex.DescribePeer)))
        + ", " + PolicyIndex.DescribePorts(ports);
}
