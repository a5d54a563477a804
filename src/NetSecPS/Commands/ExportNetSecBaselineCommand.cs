using System.Management.Automation;
using NetSecPS.Core.Baseline;
using NetSecPS.Core.Checks;
using NetSecPS.Core.Sources;

namespace NetSecPS.Commands;

/// <summary>Saves the posture of a snapshot or a scan as a sealed (and optionally signed) baseline file.</summary>
[Cmdlet(VerbsData.Export, "NetSecBaseline", SupportsShouldProcess = true, DefaultParameterSetName = SnapshotSet)]
[OutputType(typeof(FileInfo))]
public sealed class ExportNetSecBaselineCommand : SingleFileOutputCmdlet
{
    private const string SnapshotSet = "Snapshot";
    private const string ScanSet = "ScanResult";

    private AuditProfile? profile;
    private ExceptionsInForce? exceptions;
    private bool written;

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = SnapshotSet)]
    public Snapshot? Snapshot { get; set; }

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ScanSet)]
    public ScanResult? ScanResult { get; set; }

    [Parameter]
    [ArgumentCompleter(typeof(ProfileCompleter))]
    public string? Profile { get; set; }

    [Parameter]
    [Alias("Exceptions")]
    public string? ExceptionsPath { get; set; }

    [Parameter]
    [SigningKeyTransformation]
    public byte[]? SigningKey { get; set; }

    /// <summary>Computes the flows with netpol-analyzer's semantics; the baseline records it and Compare-NetSecBaseline uses it.</summary>
    [Parameter(ParameterSetName = SnapshotSet)]
    public SwitchParameter NetpolAnalyzerSemantics { get; set; }

    protected override void BeginProcessing()
    {
        BaselineCommandSupport.CheckKey(this, SigningKey);
        if (ExceptionsPath is not null)
        {
            exceptions = AuditInput.LoadExceptions(this, ExceptionsPath);
        }
    }

    protected override void ProcessRecord()
    {
        var target = Target;
        if (written)
        {
            WriteError(new ErrorRecord(new InvalidOperationException($"A baseline file holds one posture; {target} was already written from the first input, this one is skipped."),
                "NetSecPS.OneBaselinePerFile", ErrorCategory.InvalidOperation, (object?)Snapshot ?? ScanResult));
            return;
        }

        if (!MayWrite(target, "Write baseline"))
        {
            return;
        }

        Posture posture;
        Provenance source;
        if (ScanResult is { } scan)
        {
            if (exceptions is null && scan.Findings.Any(f => f.Suppressed))
            {
                WriteWarning("The scan's findings carry suppressions but no -ExceptionsPath was given: the baseline keeps their suppression state but not the exceptions file in force.");
            }

            if (Profile is not null && !string.Equals(Profile, scan.Profile.Name, StringComparison.OrdinalIgnoreCase))
            {
                WriteWarning($"The scan ran with profile '{scan.Profile.Name}'; its findings are saved as they are and -Profile '{Profile}' is ignored.");
            }

            posture = PostureBuilder.FromScan(scan, exceptions?.Content);
            source = scan.Provenance;
        }
        else
        {
            var data = ClusterData.From(Snapshot!);
            var auditProfile = profile ??= AuditInput.ResolveProfile(this, Profile);
            var inForce = exceptions;
            var options = NetpolAnalyzerSemantics ? Core.Connectivity.ConnectivityOptions.NetpolAnalyzerCompatible : Core.Connectivity.ConnectivityOptions.Default;
            posture = Run((sink, ct) => PostureScan.Run(data, auditProfile, inForce, sink, connectivityOptions: options, cancellationToken: ct));
            source = data.Provenance;
        }

        var provenance = new BaselineProvenance
        {
            CreatedAt = DateTimeOffset.Now,
            ExceptionsPath = exceptions?.File.Path,
            Source = source,
        };
        var key = SigningKey;
        WriteFile(target, stream => BaselineFile.Write(stream, posture, provenance, key));
        written = true;
        WriteVerbose($"Baseline {target}: {posture.Workloads.Count} workloads, {posture.Flows.Count} flows, {posture.Findings.Count} findings, content {BaselineFile.ContentDigest(posture)}{(SigningKey is null ? string.Empty : ", signed")}");
    }

    protected override void EndProcessing()
    {
        if (SigningKey is not null)
        {
            Array.Clear(SigningKey);
        }
    }
}
