using System.Globalization;
using k8s.Models;
using NetSecPS.Core.Checks.Support;

namespace NetSecPS.Core.Checks.Platform;

/// <summary>PLAT-001: the Kubernetes release no longer gets security fixes.</summary>
internal sealed class Plat001VersionOutOfSupport : Check
{
    public override CheckInfo Info { get; } = new()
    {
        Id = "PLAT-001",
        Title = "Kubernetes version out of support",
        Severity = Severity.Medium,
        Category = "Platform",
        Frameworks = new[] { "NSA Upgrading" },
        FailsWhen = "The API server minor version is past its end of upstream support on the scan date (from a dated table shipped with the module).",
        AppliesTo = "The cluster, when its Kubernetes version is known (API server or kubelets) and within the support table.",
        Rationale = "Releases past end of support receive no security fixes, including fixes to the API server, kubelet and kube-proxy that network controls rely on.",
        Remediation = "Upgrade the control plane and nodes to a supported minor release (one minor at a time); managed offerings may have their own extended-support terms, which the exceptions file can record.",
        Notes = "The scan date is the audit's date. The version is the API server's (live input or a saved snapshot of one); with manifest input holding Node objects, the newest kubelet version stands in for it, since an API server is never older than its kubelets. A version newer than the table is not judged (a warning says the table needs an update). The table lists upstream end-of-life dates, not vendor extended support.",
    };

    public override bool HonoursExcludedNamespaces => false;

    public override IEnumerable<CheckSubject> Subjects(AuditContext context) =>
        Version(context, quiet: true) is { EndOfLife: not null } ? new[] { CheckSubject.OfCluster(context) } : Array.Empty<CheckSubject>();

    public override IEnumerable<Finding> Evaluate(AuditContext context)
    {
        var data = context.Model.Data;
        var table = KubernetesSupport.Load();
        if (Version(context, quiet: false) is not { EndOfLife: { } eolDate } version)
        {
            yield break;
        }

        var (text, source, eol) = (version.Text, version.Source, (DateOnly?)eolDate);
        var today = DateOnly.FromDateTime(context.Now.Date);
        if (today <= eol.Value)
        {
            yield break;
        }

        var cluster = ResourceName.Cluster(context);
        var when = eol.Value == DateOnly.MinValue ? "before the oldest release the table lists" : eol.Value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var supported = table.Releases.Where(r => r.EndOfLife >= today).Select(r => $"{r.Major}.{r.Minor}").ToList();
        yield return Fail(cluster, null,
            $"Kubernetes {text} ({source}) reached end of upstream support on {when}; the scan date is {today:yyyy-MM-dd}. Supported: {string.Join(", ", supported)}.",
            null, new[] { new EvidenceItem("Version", source, $"{text}; end of support {when}; table updated {table.Updated:yyyy-MM-dd}") });
    }

    /// <summary>The cluster's version, where it was read, and its end of support; null when the input cannot tell.</summary>
    private static (string Text, string Source, DateOnly? EndOfLife)? Version(AuditContext context, bool quiet)
    {
        var data = context.Model.Data;
        var table = KubernetesSupport.Load();
        var text = data.Provenance.ServerVersion;
        var source = "API server";
        if (KubernetesSupport.ParseVersion(text) is null)
        {
            var kubelets = data.TypedWithSource<V1Node>()
                .Select(n => n.Model.Status?.NodeInfo?.KubeletVersion)
                .Select(v => (Text: v, Version: KubernetesSupport.ParseVersion(v)))
                .Where(v => v.Version is not null)
                .OrderByDescending(v => v.Version!.Value.Major).ThenByDescending(v => v.Version!.Value.Minor)
                .ToList();
            if (kubelets.Count == 0)
            {
                if (!quiet)
                {
                    context.Sink.Verbose("PLAT-001: the input holds no API server version and no Node; the Kubernetes version cannot be judged.");
                }

                return null;
            }

            text = kubelets[0].Text!;
            source = "newest kubelet (no API server version in the input)";
        }

        var (major, minor) = KubernetesSupport.ParseVersion(text)!.Value;
        var eol = table.EndOfLife(major, minor);
        if (eol is null && !quiet)
        {
            context.Sink.Warning($"PLAT-001: Kubernetes {major}.{minor} is newer than the support table of this module (updated {table.Updated:yyyy-MM-dd}); its support is not judged.");
        }

        return (text!, source, eol);
    }
}
