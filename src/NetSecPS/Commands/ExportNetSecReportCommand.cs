using System.Management.Automation;
using NetSecPS.Core.Checks;
using NetSecPS.Reports;

namespace NetSecPS.Commands;

/// <summary>
/// Writes reports as Excel, PDF, JSON, CSV, SARIF or JUnit, the format taken from each file's
/// extension, from what the pipeline brings: a ScanResult (Invoke-NetSecScan), an AuditSummary
/// (Invoke-NetSecAudit -Summary), or findings (Invoke-NetSecAudit, filtered or not), which make
/// one findings-only report when the pipeline ends.
/// </summary>
[Cmdlet(VerbsData.Export, "NetSecReport", SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class ExportNetSecReportCommand : FileOutputCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>A ScanResult, an AuditSummary or a Finding; anything else is refused with one error naming what it takes.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public PSObject? InputObject { get; set; }

    /// <summary>Title and organization for the cover and headers; the scan's own profile when omitted.</summary>
    [Parameter]
    [ValidateNotNull]
    [ReportProfileTransformation]
    public ProfileInfo? Profile { get; set; }

    private readonly List<Finding> findings = new();
    private readonly HashSet<string> refusedTypes = new(StringComparer.Ordinal);

    protected override void ProcessRecord()
    {
        switch (InputObject?.BaseObject)
        {
            case ScanResult scan:
                WriteReports(scan);
                break;
            case AuditSummary summary:
                WriteReports(FromSummary(summary));
                break;
            case Finding finding:
                // Findings of one audit make one report, written when the pipeline ends.
                findings.Add(finding);
                break;
            case var other:
                var type = other?.GetType().FullName ?? "null";
                if (refusedTypes.Add(type))
                {
                    WriteError(new ErrorRecord(
                        new ArgumentException($"Export-NetSecReport writes a ScanResult (Invoke-NetSecScan), an AuditSummary (Invoke-NetSecAudit -Summary) or findings (Invoke-NetSecAudit); it was given {type}."),
                        "NetSecPS.UnsupportedReportInput", ErrorCategory.InvalidType, other));
                }

                break;
        }
    }

    protected override void EndProcessing()
    {
        if (findings.Count > 0)
        {
            WriteReports(FromFindings(findings));
            findings.Clear();
        }
    }

    /// <summary>An audit summary as a report input: the score, checks, subjects and findings of one audit.</summary>
    internal static ScanResult FromSummary(AuditSummary summary) => new()
    {
        Content = ScanContent.Audit,
        Provenance = summary.Provenance ?? new Provenance(),
        ClusterName = summary.ClusterName,
        Profile = summary.Profile,
        Checks = summary.Checks,
        NotEvaluated = summary.NotEvaluated,
        Findings = summary.Findings,
        Subjects = summary.Subjects,
        Score = summary.Score,
        ScannedAt = summary.AuditedAt,
    };

    /// <summary>
    /// Findings as a report input. What they do not say stays unsaid: no score and no passed
    /// checks (a finding says what failed, not what was verified); the checks listed are those
    /// that failed, as the catalogue describes them.
    /// </summary>
    internal static ScanResult FromFindings(IReadOnlyList<Finding> findings)
    {
        var ids = findings.Select(f => f.CheckId).Distinct(StringComparer.OrdinalIgnoreCase).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var folders = findings.Select(f => f.SourceFile).OfType<string>().Select(System.IO.Path.GetDirectoryName).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        var root = folders.Count == 0 ? null : folders.Aggregate(CommonFolder);
        return new ScanResult
        {
            Content = ScanContent.Findings,
            Provenance = new Provenance { SourceKind = "findings", Paths = string.IsNullOrEmpty(root) ? Array.Empty<string>() : new[] { root } },
            Profile = new ProfileInfo { Name = "(findings only)" },
            Checks = CheckCatalogue.Infos.Where(c => ids.Contains(c.Id)).Select(c => findings.First(f => string.Equals(f.CheckId, c.Id, StringComparison.OrdinalIgnoreCase)) is { } f ? c with { Severity = f.Severity } : c).ToList(),
            Findings = findings.OrderByDescending(f => f.Severity).ThenBy(f => f.CheckId, StringComparer.Ordinal).ThenBy(f => f.Resource, StringComparer.Ordinal).ToList(),
            Score = new ScoreDetails { Version = 0, Formula = "Not computed: the report was made from findings alone, which do not say what passed. Pipe Invoke-NetSecScan (or Invoke-NetSecAudit -Summary) for the score." },
            ScannedAt = DateTimeOffset.Now,
        };
    }

    private static string CommonFolder(string a, string b)
    {
        var n = 0;
        while (n < Math.Min(a.Length, b.Length) && a[n] == b[n])
        {
            n++;
        }

        var common = a[..n];
        return n == a.Length && (n == b.Length || b[n] is '/' or '\\') ? common : common[..Math.Max(0, common.LastIndexOfAny(new[] { '/', '\\' }))];
    }

    private void WriteReports(ScanResult scan)
    {
        if (Profile is { } p && string.IsNullOrEmpty(p.Title) && p.Organization is null && !string.Equals(p.Name, scan.Profile.Name, StringComparison.OrdinalIgnoreCase))
        {
            WriteWarning($"The scan ran with the profile '{scan.Profile.Name}', not '{p.Name}'; a profile name only selects a title when it is the scan's own, so the report keeps '{scan.Profile.Title}'. Pass -Profile @{{ Name = '{p.Name}'; Title = '...'; Organization = '...' }} to brand the report.");
        }

        var options = new ReportOptions
        {
            Title = Profile?.Title,
            Organization = Profile?.Organization,
            SourceRoot = SessionState.Path.CurrentFileSystemLocation.ProviderPath,
        };

        foreach (var path in Path)
        {
            var target = TargetOf(path);
            if (ReportFormats.FromPath(target) is not { } format)
            {
                WriteError(new ErrorRecord(
                    new ArgumentException($"{target}: the extension names no report format; use {ReportFormats.ExtensionList}."),
                    "NetSecPS.UnknownReportFormat", ErrorCategory.InvalidArgument, target));
                continue;
            }

            if (!MayWrite(target, $"Write {format} report"))
            {
                continue;
            }

            WriteVerbose($"Writing the {format} report of {scan.ClusterName} to {target}");
            try
            {
                Run((sink, cancel) =>
                {
                    ReportWriter.WriteFile(scan, target, format, options, sink, cancel);
                    return true;
                });
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                WriteError(new ErrorRecord(ex, "NetSecPS.ReportWriteFailed", ErrorCategory.WriteError, target));
                continue;
            }

            Written(target);
        }
    }
}
