namespace NetSecPS.Core.Checks.Segmentation;

/// <summary>NP-006: an egress rule that allows every destination on every port.</summary>
internal sealed class Np006AllowAllEgress : AllowAllRuleCheck
{
    public override CheckInfo Info { get; } = new()
    {
        Id = "NP-006",
        Title = "Allow-all egress rule",
        Severity = Severity.Medium,
        Category = "Segmentation",
        Frameworks = new[] { "NSA Network policies" },
        FailsWhen = "An egress rule with no 'to' (or only empty selectors) and no 'ports' lets the selected pods connect to every destination.",
        AppliesTo = "NetworkPolicies with Egress in their policyTypes, and Calico and Cilium policies that apply to egress, with at least one egress rule.",
        Rationale = "An allow-all egress rule cancels every default-deny egress that selects the same pods, leaving lateral movement and exfiltration open.",
        Remediation = "Replace the rule with rules that name the destinations (pod and namespace selectors, CIDRs) and ports the pods need, keeping the DNS exception, or delete it.",
        Notes = "Only empty selectors means: every peer of the rule is namespaceSelector: {} (with an empty or absent podSelector) or an ipBlock of 0.0.0.0/0 or ::/0 without exceptions. Reported once per policy. Comparable control in other tools: kubeaudit AllowAllEgress.",
    };

    public override IEnumerable<CheckSubject> Subjects(AuditContext context) =>
        SubjectSets.PoliciesWithRules(context, "Egress");

    protected override string Direction => "Egress";

    protected override string Admits => "allow(s) every destination";
}
