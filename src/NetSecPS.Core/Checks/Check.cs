using NetSecPS.Core.Model;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Checks;

/// <summary>
/// One check of the catalogue (docs/checks.md is generated from these classes): its description,
/// the subjects it evaluates, and its evaluation over the model and, for the semantic checks, the
/// connectivity engine. Checks are stateless; everything they learn about a cluster comes from
/// the <see cref="AuditContext"/>.
/// </summary>
internal abstract class Check
{
    public abstract CheckInfo Info { get; }

    /// <summary>True when the check decides from the connectivity engine's answers.</summary>
    public virtual bool NeedsConnectivity => false;

    /// <summary>
    /// True when findings in namespaces the profile excludes are dropped. Exposure checks say
    /// false: a Service open to the internet is a risk whichever namespace holds it.
    /// </summary>
    public virtual bool HonoursExcludedNamespaces => true;

    public abstract IEnumerable<Finding> Evaluate(AuditContext context);

    /// <summary>
    /// The subjects the check evaluates in this cluster (its scope, <see cref="CheckInfo.AppliesTo"/>),
    /// named as its findings name resources. The auditor counts a subject without a finding as
    /// passed, so this lists every subject the check verified, not only the failing ones; a check
    /// that does not apply here (no mesh for the mesh checks) returns none. Kept apart from
    /// <see cref="Evaluate"/> so how a check decides and what it covers can change independently.
    /// </summary>
    public abstract IEnumerable<CheckSubject> Subjects(AuditContext context);

    public override string ToString() => $"{Info.Id} {Info.Title}";

    /// <summary>A finding of this check, stamped with its id, title, severity and frameworks.</summary>
    protected internal Finding Fail(string resource, string? ns, string evidence, KubeObject? source,
        IReadOnlyList<EvidenceItem>? data = null, string? remediation = null, string? manifest = null) => new()
        {
            CheckId = Info.Id,
            Severity = Info.Severity,
            Title = Info.Title,
            Namespace = ns,
            Resource = resource,
            Evidence = evidence,
            EvidenceData = data ?? Array.Empty<EvidenceItem>(),
            Remediation = remediation ?? Info.Remediation,
            RemediationManifest = manifest,
            Frameworks = Info.Frameworks,
            SourceFile = source?.Source?.File,
            SourceLine = source?.Source?.Line,
        };

    /// <summary>A finding on a workload.</summary>
    protected internal Finding Fail(Workload w, string evidence, IReadOnlyList<EvidenceItem>? data = null, string? remediation = null, string? manifest = null) =>
        Fail(ResourceName.Of(w), w.Namespace, evidence, ResourceName.SourceOf(w), data, remediation, manifest);
}

/// <summary>How findings name resources: <c>Kind/namespace/name</c>, or <c>Kind/name</c> when cluster-scoped.</summary>
internal static class ResourceName
{
    public static string Of(Workload w) => $"{w.Kind}/{w.Namespace}/{w.Name}";

    public static string Of(KubeObject o) => o.Key;

    public static string Namespace(string name) => $"Namespace/{name}";

    public static KubeObject? SourceOf(Workload w) => w.Source ?? w.Pods.FirstOrDefault()?.Source;

    /// <summary>The cluster as this audit names it: the name given to the scan, else as <see cref="ClusterNames"/> gives it.</summary>
    public static string Cluster(AuditContext context) => "Cluster/" + context.ClusterName;
}
