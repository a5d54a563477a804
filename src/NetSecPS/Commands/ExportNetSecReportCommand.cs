using System.Management.Automation;
using NetSecPS.Reports;

namespace NetSecPS.Commands;

/// <summary>Writes a scan result as Excel, PDF, JSON, CSV, SARIF or JUnit reports, the format taken from each file's extension.</summary>
[Cmdlet(VerbsData.Export, "NetSecReport", SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class ExportNetSecReportCommand : NetSecCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public ScanResult? InputObject { get; set; }

    /// <summary>Title and organization for the cover and headers; the scan's own profile when omitted.</summary>
    [Parameter]
    [ValidateNotNull]
    [ReportProfileTransformation]
    public ProfileInfo? Profile { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var scan = InputObject!;
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
            var target = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
            if (ReportFormats.FromPath(target) is not { } format)
            {
                WriteError(new ErrorRecord(
                    new ArgumentException($"{target}: the extension names no report format; use .xlsx, .pdf, .json, .csv, .sarif or .junit.xml."),
                    "NetSecPS.UnknownReportFormat", ErrorCategory.InvalidArgument, target));
                continue;
            }

            if (File.Exists(target) && !Force)
            {
                WriteError(new ErrorRecord(new IOException($"{target} exists; use -Force to overwrite it."), "NetSecPS.FileExists", ErrorCategory.ResourceExists, target));
                continue;
            }

            if (!ShouldProcess(target, $"Write {format} report"))
            {
                continue;
            }

            WriteVerbose($"Writing the {format} report of {scan.Provenance.Cluster ?? scan.Provenance.Context ?? "the scan"} to {target}");
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

            if (PassThru)
            {
                WriteObject(new FileInfo(target));
            }
        }
    }
}
