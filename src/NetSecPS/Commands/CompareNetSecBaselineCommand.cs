using System.Management.Automation;
using NetSecPS.Core.Baseline;
using NetSecPS.Core.Checks;

namespace NetSecPS.Commands;

/// <summary>Verifies a baseline and reports the semantic drift of the cluster (or manifests, or snapshot) since it was approved.</summary>
[Cmdlet(VerbsData.Compare, "NetSecBaseline", DefaultParameterSetName = LiveSet)]
[OutputType(typeof(DriftRecord))]
public sealed class CompareNetSecBaselineCommand : AuditInputCmdlet
{
    private VerifiedBaseline? approved;
    private AuditProfile? profile;
    private ExceptionsInForce? exceptions;

    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string Baseline { get; set; } = string.Empty;

    [Parameter]
    [SigningKeyTransformation]
    public byte[]? SigningKey { get; set; }

    [Parameter]
    public DriftCategory[]? Category { get; set; }

    [Parameter]
    public Severity MinimumSeverity { get; set; } = Severity.Info;

    /// <summary>Computes the current flows with netpol-analyzer's semantics; without it, with the semantics the baseline records.</summary>
    [Parameter]
    public SwitchParameter NetpolAnalyzerSemantics { get; set; }

    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        BaselineCommandSupport.CheckKey(this, SigningKey);
        (var path, approved) = BaselineCommandSupport.ReadBaseline(this, Baseline, SigningKey);
        profile = ResolveProfile(approved.Posture.Profile?.Name);
        exceptions = ResolveExceptions(approved, path, "findings are compared without suppressions", sayWhichApply: true);
    }

    protected override void ProcessInput()
    {
        var data = ReadInput();
        var auditProfile = profile!;
        var inForce = exceptions;
        var options = NetpolAnalyzerSemantics ? Core.Connectivity.ConnectivityOptions.NetpolAnalyzerCompatible
            : Core.Connectivity.ConnectivityOptions.FromSemanticsName(approved!.Posture.Semantics);
        if (options.SemanticsName != approved!.Posture.Semantics)
        {
            WriteWarning($"The baseline's flows were computed with {approved.Posture.Semantics ?? "NetSecPS's own"} semantics and the current ones with {options.SemanticsName ?? "NetSecPS's own"}: flows may differ by semantics, not by change.");
        }
        else if (options.SemanticsName is not null)
        {
            WriteVerbose($"The baseline records {options.SemanticsName} semantics; the current flows are computed the same way.");
        }

        var current = Run((sink, ct) => PostureScan.Run(data, auditProfile, inForce, sink, connectivityOptions: options, cancellationToken: ct));
        foreach (var note in DriftAnalyzer.ContextNotes(approved!.Posture, current))
        {
            WriteWarning(note);
        }

        var drift = DriftAnalyzer.Compare(approved.Posture, current);
        var shown = 0;
        foreach (var record in drift)
        {
            if (record.Severity < MinimumSeverity || Category is { Length: > 0 } && !Category.Contains(record.Category))
            {
                continue;
            }

            WriteObject(record);
            shown++;
        }

        WriteVerbose(drift.Count == 0 ? "No drift: the posture matches the baseline." : $"{drift.Count} drift record(s), {shown} shown.");
    }
}
