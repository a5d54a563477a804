using k8s.Models;
using NetSecPS.Core.Checks.Support;

namespace NetSecPS.Core.Checks.Segmentation;

/// <summary>Rule shapes shared by NP-005, NP-006 and NP-007.</summary>
internal static class AllowAllRules
{
    /// <summary>
    /// A rule admits every source (or destination) when it has no <c>ports</c> and its peers are
    /// absent or only selectors of everything: <c>namespaceSelector: {}</c> (with an empty or
    /// absent podSelector) and ipBlocks of <c>0.0.0.0/0</c> or <c>::/0</c> without exceptions.
    /// </summary>
    public static bool IsAllowAll(IList<V1NetworkPolicyPeer>? peers, IList<V1NetworkPolicyPort>? ports) =>
        (ports is null || ports.Count == 0)
        && (peers is null || peers.Count == 0 || peers.All(p => PolicyIndex.IsEveryPod(p) || PolicyIndex.IsEveryAddress(p)));

    public static string Selected(PolicyEntry p) => p.Selected.Count == 0
        ? "selects no workload in the snapshot"
        : $"applies to {string.Join(", ", p.Selected.Take(5).Select(w => w.Peer))}{(p.Selected.Count > 5 ? $" and {p.Selected.Count - 5} more" : string.Empty)}";
}

/// <summary>
/// NP-005 and NP-006: the NetworkPolicies with a rule of one direction that admits every peer on
/// every port, one finding per policy listing those rules.
/// </summary>
public abstract class AllowAllRuleCheck : Check
{
    /// <summary><c>Ingress</c> or <c>Egress</c>: the policy type and the rule list.</summary>
    protected abstract string Direction { get; }

    /// <summary>What such a rule does, after "admit(s)": <c>every source</c>.</summary>
    protected abstract string Admits { get; }

    public override IEnumerable<Finding> Evaluate(AuditContext context)
    {
        var ingress = Direction == "Ingress";
        var field = ingress ? "ingress" : "egress";
        foreach (var p in context.Policies.NetworkPolicies.Where(p => p.Has(Direction)))
        {
            var rules = ingress
                ? p.Ingress.Select(r => (Peers: r.FromProperty, r.Ports)).ToList()
                : p.Egress.Select(r => (Peers: r.To, r.Ports)).ToList();
            var open = Enumerable.Range(0, rules.Count).Where(i => AllowAllRules.IsAllowAll(rules[i].Peers, rules[i].Ports)).ToList();
            if (open.Count == 0)
            {
                continue;
            }

            var data = open.Select(i => new EvidenceItem("Rule", $"NetworkPolicy {p.Key} {field}[{i}]", RuleExplain.Describe(rules[i].Peers, rules[i].Ports, ingress ? "from" : "to"))).ToList();
            yield return Fail(ResourceName.Of(p.Object), p.Namespace,
                $"{string.Join(", ", open.Select(i => $"{field}[{i}]"))} of NetworkPolicy {p.Key} {Admits} on every port; the policy {AllowAllRules.Selected(p)}.",
                p.Object, data);
        }
    }
}
