using k8s.Models;
using NetSecPS.Core.Checks.Support;

namespace NetSecPS.Core.Checks.Detection;

/// <summary>DET-001: nothing watches the nodes for attacks at run time.</summary>
internal sealed class Det001RuntimeDetection : Check
{
    /// <summary>Name fragments of the runtime detectors' DaemonSets, containers or images, and the product they stand for.</summary>
    private static readonly (string Fragment, string Product)[] Detectors =
    {
        ("falco", "Falco"), ("tetragon", "Tetragon"), ("kubearmor", "KubeArmor"), ("sysdig", "Sysdig"),
        ("aqua-enforcer", "Aqua"), ("aqua-agent", "Aqua"), ("kube-enforcer", "Aqua"), ("aquasec", "Aqua"),
        ("twistlock", "Prisma Cloud (Twistlock)"), ("prisma-cloud", "Prisma Cloud"), ("microsoft-defender", "Microsoft Defender for Containers"),
        ("neuvector", "NeuVector"),
    };

    public override CheckInfo Info { get; } = new()
    {
        Id = "DET-001",
        Title = "No runtime threat detection",
        Severity = Severity.Info,
        Category = "Detection",
        Frameworks = new[] { "NSA Threat detection" },
        FailsWhen = "No DaemonSet of a known runtime detector (Falco, Tetragon, KubeArmor, Sysdig, Aqua, Prisma/Twistlock, NeuVector).",
        AppliesTo = "The cluster.",
        Rationale = "Network controls limit what an attacker can reach; runtime detection tells you that someone is trying. Without it, a breach inside the allowed paths goes unseen.",
        Remediation = "Deploy a runtime detector as a DaemonSet on every node (for example Falco or Tetragon) and route its alerts to the team on call.",
        Notes = "One cluster-wide finding. A detector is recognised by its DaemonSet name, container names or image names. With manifest input that holds no DaemonSets this fails too.",
    };

    public override IEnumerable<CheckSubject> Subjects(AuditContext context) =>
        new[] { CheckSubject.OfCluster(context) };

    public override bool HonoursExcludedNamespaces => false;

    public override IEnumerable<Finding> Evaluate(AuditContext context)
    {
        foreach (var (obj, ds) in context.Model.Data.TypedWithSource<V1DaemonSet>())
        {
            var names = new[] { obj.Name }.Concat((ds.Spec?.Template?.Spec?.Containers ?? new List<V1Container>()).SelectMany(c => new[] { c.Name ?? string.Empty, WorkloadTraits.ImageName(c.Image) }));
            if (names.Any(n => Detectors.Any(d => n.Contains(d.Fragment, StringComparison.OrdinalIgnoreCase))))
            {
                yield break;
            }
        }

        var cluster = ResourceName.Cluster(context);
        var count = context.Model.Data.OfKind("DaemonSet").Count();
        yield return Fail(cluster, null, $"None of the {count} DaemonSet(s) is a known runtime threat detector.", null,
            new[] { new EvidenceItem("Detection", cluster, $"{count} DaemonSet(s) inspected; looked for {string.Join(", ", Detectors.Select(d => d.Product).Distinct())}") });
    }
}
