using NetSecPS.Core.Checks.Support;

namespace NetSecPS.Core.Checks.Segmentation;

/// <summary>
/// NP-005 and NP-006: the NetworkPolicies with a rule of one direction that admits every peer on
/// every port, one finding per policy listing those rules.
/// </summary>
internal abstract class AllowAllRuleCheck : Check
{
    /// <summary><c>Ingress</c> or <c>Egress</c>: the policy type and the rule list.</summary>
    protected abstract string Direction { get; }

    /// <summary>What such a rule does, after "admit(s)": <c>every source</c>.</summary>
    protected abstract string Admits { get; }

    public override IEnumerable<Finding> Evaluate(AuditContext context)
    {
        var direction = Direction == "Ingress" ? TrafficDirection.Ingress : TrafficDirection.Egress;
        foreach (var p in PolicyFacts.RulePolicies(context.Policies).Where(p => p.Affects(direction)))
        {
            var open = p.Rules(direction).Where(PolicyFacts.AdmitsEverything).ToList();
            if (open.Count == 0)
            {
                continue;
            }

            var data = open.Select(r => new EvidenceItem("Rule", r.Reference, PolicyFacts.Describe(r))).ToList();
            yield return Fail(ResourceName.Of(p.Source), p.Namespace,
                $"{string.Join(", ", open.Select(r => r.Reference[(p.ToString().Length + 1)..]))} of {p} {Admits} on every port; the policy {PolicyFacts.SelectedText(context.Policies, p)}.",
                p.Source, data);
        }
    }
}
