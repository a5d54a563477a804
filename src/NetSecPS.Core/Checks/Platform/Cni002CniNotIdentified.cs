using k8s.Models;

namespace NetSecPS.Core.Checks.Platform;

/// <summary>CNI-002: no known network plugin was found, so enforcement is unverified.</summary>
internal sealed class Cni002CniNotIdentified : Check
{
    public override CheckInfo Info { get; } = new()
    {
        Id = "CNI-002",
        Title = "CNI not identified",
        Severity = Severity.Medium,
        Category = "Platform",
        Frameworks = new[] { "CIS 5.3.1" },
        FailsWhen = "No known CNI was found, so enforcement is unverified.",
        AppliesTo = "The cluster.",
        Rationale = "Every connectivity result assumes NetworkPolicy is enforced; when the plugin is unknown, that assumption is unverified and CIS 5.3.1 cannot be answered.",
        Remediation = "Include the CNI's DaemonSet (usually in kube-system) and its configuration in the audit input, or read the live cluster; if the plugin is one NetSecPS does not know, verify its NetworkPolicy support and record it in the exceptions file.",
        Notes = "One cluster-wide finding. The known plugins are those CNI-001 lists. With manifest input that holds no DaemonSets this fails too: the input cannot show enforcement.",
    };

    public override IEnumerable<CheckSubject> Subjects(AuditContext context) =>
        new[] { CheckSubject.OfCluster(context) };

    public override bool HonoursExcludedNamespaces => false;

    public override IEnumerable<Finding> Evaluate(AuditContext context)
    {
        if (context.Cni.Identified)
        {
            yield break;
        }

        var daemonSets = context.Model.Data.TypedWithSource<V1DaemonSet>().Select(d => d.Object.Key).ToList();
        var cluster = ResourceName.Cluster(context);
        yield return Fail(cluster, null,
            daemonSets.Count == 0
                ? "The snapshot holds no DaemonSet, so no network plugin could be identified."
                : $"None of the {daemonSets.Count} DaemonSet(s) is a known network plugin: {string.Join(", ", daemonSets.Take(8))}{(daemonSets.Count > 8 ? ", ..." : string.Empty)}.",
            null, new[] { new EvidenceItem("Cni", cluster, $"{daemonSets.Count} DaemonSet(s) inspected; no known CNI") });
    }
}
