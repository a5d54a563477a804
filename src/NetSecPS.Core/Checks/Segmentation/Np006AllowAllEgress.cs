using NetSecPS.Core.Checks.Support;

namespace NetSecPS.Core.Checks.Segmentation;

/// <summary>NP-006: an egress rule that allows every destination on every port.</summary>
public sealed class Np006AllowAllEgress : Check
{
    public override CheckInfo Info { get; } = new()
    {
        Id = "NP-006",
        Title = "Allow-all egress rule",
        Severity = Severity.Medium,
        Category = "Segmentation",
        Frameworks = new[] { "kubeaudit AllowAllEgress" },
        FailsWhen = "An egress rule with no 'to' (or only empty selectors) and no 'ports' lets the selected pods connect to every destination.",
        Rationale = "An allow-all egress rule cancels every default-deny egress that selects the same pods, leaving lateral movement and exfiltration open.",
        Remediation = "Replace the rule with rules that name the destinations (pod and namespace selectors, CIDRs) and ports the pods need, keeping the DNS exception, or delete it.",
        Notes = "Only empty selectors means: every peer of the rule is namespaceSelector: {} (with an empty or absent podSelector) or an ipBlock of 0.0.0.0/0 or ::/0 without exceptions. Reported once per policy.",
    };

    public override IEnumerable<Finding> Evaluate(AuditContext context)
    {
        foreach (var p in context.Policies.NetworkPolicies.Where(p => p.Has("Egress")))
        {
            var rules = Enumerable.Range(0, p.Egress.Count).Where(i => AllowAllRules.IsAllowAll(p.Egress[i].To, p.Egress[i].Ports)).ToList();
            if (rules.Count == 0)
            {
                continue;
            }

            var data = rules.Select(i => new EvidenceItem("Rule", $"NetworkPolicy {p.Key} egress[{i}]", RuleExplain.Describe(p.Egress[i].To, p.Egress[i].Ports, "to"))).ToList();
            yield return Fail(ResourceName.Of(p.Object), p.Namespace,
                $"{string.Join(", ", rules.Select(i => $"egress[{i}]"))} of NetworkPolicy {p.Key} allow(s) every destination on every port; the policy {AllowAllRules.Selected(p)}.",
                p.Object, data);
        }
    }
}
