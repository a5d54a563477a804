namespace NetSecPS.Core.Checks.Segmentation;

/// <summary>NP-004: a workload that no policy isolates for egress may connect anywhere.</summary>
internal sealed class Np004WorkloadEgressIsolation : Check
{
    public override CheckInfo Info { get; } = new()
    {
        Id = "NP-004",
        Title = "Workload not isolated for egress",
        Severity = Severity.Medium,
        Category = "Segmentation",
        Frameworks = new[] { "NSA Network policies" },
        FailsWhen = "The workload is selected by no NetworkPolicy with Egress in its policyTypes and no admin policy applies to it for egress.",
        AppliesTo = "Workloads outside the excluded namespaces that are not on the host network.",
        Rationale = "A pod that no policy selects for egress may open connections to any pod and any address, which is what an attacker needs to move laterally or exfiltrate data.",
        Remediation = "Apply a default-deny egress policy with a DNS exception to the namespace (the manifest), then allow the destinations the workload needs.",
        Notes = "Read from the policies, as the catalogue defines it: a NetworkPolicy isolates the workload when it selects one of its pods and has Egress in its policyTypes (defaulted as the API server does: Egress when the policy has egress rules); an admin policy only when its subject selects the workload and it has a Deny rule for every peer (namespaces: {}, empty pod selectors, or the 0.0.0.0/0 / ::/0 networks) on every port. An admin policy that only allows, or denies some destinations (such as the metadata endpoint), does not isolate. hostNetwork workloads are left to HN-001. Comparable control in other tools: kubescape C-0030.",
    };

    public override IEnumerable<CheckSubject> Subjects(AuditContext context) =>
        SubjectSets.PodNetworkWorkloads(context);

    public override IEnumerable<Finding> Evaluate(AuditContext context) => IsolationFindings.For(this, context, TrafficDirection.Egress);
}
