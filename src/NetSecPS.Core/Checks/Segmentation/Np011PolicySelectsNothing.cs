using NetSecPS.Core.Checks.Support;

namespace NetSecPS.Core.Checks.Segmentation;

/// <summary>NP-011: a policy whose podSelector matches nothing protects nothing.</summary>
internal sealed class Np011PolicySelectsNothing : Check
{
    public override CheckInfo Info { get; } = new()
    {
        Id = "NP-011",
        Title = "Policy selects no pods",
        Severity = Severity.Low,
        Category = "Segmentation",
        Frameworks = Array.Empty<string>(),
        FailsWhen = "A NetworkPolicy's podSelector matches no pod or workload in its namespace.",
        AppliesTo = "Every namespaced NetworkPolicy, Calico NetworkPolicy and CiliumNetworkPolicy outside the excluded namespaces.",
        Rationale = "A policy that selects nothing is usually a typo in a label or a leftover; the pods it was written for are not protected by it.",
        Remediation = "Fix the podSelector to match the labels of the pods it is meant for, or delete the policy.",
        Notes = "Pods are the snapshot's pods, or the pod templates of workloads when the input has no pods for them. With manifest input, a policy for a workload kept in other files fails too: audit the files together. Comparable control in other tools: kubescape C-0299.",
    };

    public override IEnumerable<CheckSubject> Subjects(AuditContext context) =>
        SubjectSets.RulePolicies(context, p => p.Namespace is not null);

    public override IEnumerable<Finding> Evaluate(AuditContext context)
    {
        var model = context.Policies;
        foreach (var p in PolicyFacts.RulePolicies(model).Where(p => p.Namespace is not null && PolicyFacts.Selected(model, p).Count == 0))
        {
            var inNamespace = context.Model.Workloads.Where(w => w.Namespace == p.Namespace).ToList();
            var labels = inNamespace.SelectMany(w => w.Labels.Select(kv => $"{kv.Key}={kv.Value}")).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Take(10).ToList();
            yield return Fail(ResourceName.Of(p.Source), p.Namespace,
                $"{p} selects {p.SubjectText}; none of the {inNamespace.Count} workload(s) in namespace {p.Namespace} match"
                + (labels.Count > 0 ? $" (labels present: {string.Join(", ", labels)})." : "."),
                p.Source, new[] { new EvidenceItem("Selector", $"{p} {(p.IsKubernetesNetworkPolicy ? "spec.podSelector" : "selector")}", p.SubjectText) });
        }
    }
}
