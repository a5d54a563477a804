namespace NetSecPS.Core.Checks.Segmentation;

/// <summary>NP-011: a policy whose podSelector matches nothing protects nothing.</summary>
public sealed class Np011PolicySelectsNothing : Check
{
    public override CheckInfo Info { get; } = new()
    {
        Id = "NP-011",
        Title = "Policy selects no pods",
        Severity = Severity.Low,
        Category = "Segmentation",
        Frameworks = Array.Empty<string>(),
        FailsWhen = "A NetworkPolicy's podSelector matches no pod or workload in its namespace.",
        AppliesTo = "Every NetworkPolicy outside the excluded namespaces.",
        Rationale = "A policy that selects nothing is usually a typo in a label or a leftover; the pods it was written for are not protected by it.",
        Remediation = "Fix the podSelector to match the labels of the pods it is meant for, or delete the policy.",
        Notes = "Pods are the snapshot's pods, or the pod templates of workloads when the input has no pods for them. With manifest input, a policy for a workload kept in other files fails too: audit the files together. Comparable control in other tools: kubescape C-0299.",
    };

    public override IEnumerable<CheckSubject> Subjects(AuditContext context) =>
        SubjectSets.NetworkPolicies(context).Select(p => SubjectSets.PolicySubject(p.Object));

    public override IEnumerable<Finding> Evaluate(AuditContext context)
    {
        foreach (var p in context.Policies.NetworkPolicies.Where(p => p.Selected.Count == 0))
        {
            var inNamespace = context.Policies.WorkloadsIn(p.Namespace);
            var labels = inNamespace.SelectMany(w => w.Labels.Select(kv => $"{kv.Key}={kv.Value}")).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Take(10).ToList();
            yield return Fail(ResourceName.Of(p.Object), p.Namespace,
                $"NetworkPolicy {p.Key} selects pods with {p.PodSelector}; none of the {inNamespace.Count} workload(s) in namespace {p.Namespace} match"
                + (labels.Count > 0 ? $" (labels present: {string.Join(", ", labels)})." : "."),
                p.Object, new[] { new EvidenceItem("Selector", $"NetworkPolicy {p.Key} spec.podSelector", p.PodSelector.ToString()) });
        }
    }
}
