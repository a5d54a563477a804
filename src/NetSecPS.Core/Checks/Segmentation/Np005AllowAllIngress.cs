using NetSecPS.Core.Checks.Support;

namespace NetSecPS.Core.Checks.Segmentation;

/// <summary>NP-005: an ingress rule that admits every source on every port.</summary>
public sealed class Np005AllowAllIngress : Check
{
    public override CheckInfo Info { get; } = new()
    {
        Id = "NP-005",
        Title = "Allow-all ingress rule",
        Severity = Severity.High,
        Category = "Segmentation",
        Frameworks = new[] { "kubeaudit AllowAllIngress" },
        FailsWhen = "An ingress rule with no 'from' (or only empty selectors) and no 'ports' admits every source to the selected pods.",
        Rationale = "An allow-all rule cancels every default deny that selects the same pods: NetworkPolicies only add allowed connections.",
        Remediation = "Replace the rule with rules that name the callers (pod and namespace selectors, client CIDRs) and the ports they use, or delete it.",
        Notes = "Only empty selectors means: every peer of the rule is namespaceSelector: {} (with an empty or absent podSelector) or an ipBlock of 0.0.0.0/0 or ::/0 without exceptions. A lone podSelector: {} admits only the policy's own namespace and is not counted. Reported once per policy, listing its allow-all rules.",
    };

    public override IEnumerable<Finding> Evaluate(AuditContext context)
    {
        foreach (var p in context.Policies.NetworkPolicies.Where(p => p.Has("Ingress")))
        {
            var rules = Enumerable.Range(0, p.Ingress.Count).Where(i => AllowAllRules.IsAllowAll(p.Ingress[i].FromProperty, p.Ingress[i].Ports)).ToList();
            if (rules.Count == 0)
            {
                continue;
            }

            var data = rules.Select(i => new EvidenceItem("Rule", $"NetworkPolicy {p.Key} ingress[{i}]", RuleExplain.Describe(p.Ingress[i].FromProperty, p.Ingress[i].Ports, "from"))).ToList();
            yield return Fail(ResourceName.Of(p.Object), p.Namespace,
                $"{string.Join(", ", rules.Select(i => $"ingress[{i}]"))} of NetworkPolicy {p.Key} admit(s) every source on every port; the policy {AllowAllRules.Selected(p)}.",
                p.Object, data);
        }
    }
}
