namespace NetSecPS.Core.Checks.Segmentation;

/// <summary>NP-005: an ingress rule that admits every source on every port.</summary>
internal sealed class Np005AllowAllIngress : AllowAllRuleCheck
{
    public override CheckInfo Info { get; } = new()
    {
        Id = "NP-005",
        Title = "Allow-all ingress rule",
        Severity = Severity.High,
        Category = "Segmentation",
        Frameworks = new[] { "NSA Network policies" },
        FailsWhen = "An ingress rule with no 'from' (or only empty selectors) and no 'ports' admits every source to the selected pods.",
        AppliesTo = "NetworkPolicies with Ingress in their policyTypes, and Calico and Cilium policies that apply to ingress, with at least one ingress rule.",
        Rationale = "An allow-all rule cancels every default deny that selects the same pods: NetworkPolicies only add allowed connections.",
        Remediation = "Replace the rule with rules that name the callers (pod and namespace selectors, client CIDRs) and the ports they use, or delete it.",
        Notes = "Only empty selectors means: every peer of the rule is namespaceSelector: {} (with an empty or absent podSelector) or an ipBlock of 0.0.0.0/0 or ::/0 without exceptions. A lone podSelector: {} admits only the policy's own namespace and is not counted. Reported once per policy, listing its allow-all rules. Comparable control in other tools: kubeaudit AllowAllIngress.",
    };

    public override IEnumerable<CheckSubject> Subjects(AuditContext context) =>
        SubjectSets.PoliciesWithRules(context, "Ingress");

    protected override string Direction => "Ingress";

    protected override string Admits => "admit(s) every source";
}
