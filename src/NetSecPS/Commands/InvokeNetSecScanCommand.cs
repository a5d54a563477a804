using System.Management.Automation;
using NetSecPS.Core.Baseline;
using NetSecPS.Core.Checks;
using NetSecPS.Core.Scanning;

namespace NetSecPS.Commands;

/// <summary>One call: snapshot → audit → connectivity → drift → the ScanResult every report lays out.</summary>
[Cmdlet(VerbsLifecycle.Invoke, "NetSecScan", DefaultParameterSetName = LiveSet, SupportsShouldProcess = true)]
[OutputType(typeof(ScanResult))]
public sealed class InvokeNetSecScanCommand : AuditInputCmdlet
{
    private AuditProfile? profile;
    private ExceptionsInForce? exceptions;
    private VerifiedBaseline? baseline;
    private string? baselinePath;

    [Parameter]
    public string? Baseline { get; set; }

    [Parameter]
    [SigningKeyTransformation]
    public byte[]? SigningKey { get; set; }

    [Parameter]
    public string? HistoryPath { get; set; }

    [Parameter]
    [ValidateRange(1, 100000)]
    public int HistoryKeep { get; set; } = HistoryFile.DefaultKeep;

    [Parameter]
    public string? ClusterName { get; set; }

    [Parameter(ParameterSetName = LiveSet)]
    [ValidateNotNullOrEmpty]
    public string[]? Namespace { get; set; }

    /// <summary>Flow log files or folders (wildcards allowed) to compare with the policies: the reports' "Observed traffic".</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? FlowLog { get; set; }

    protected override IReadOnlyList<string> LiveNamespaces => Namespace ?? Array.Empty<string>();

    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        BaselineCommandSupport.CheckKey(this, SigningKey);
        if (Baseline is not null)
        {
            (baselinePath, baseline) = BaselineCommandSupport.ReadBaseline(this, Baseline, SigningKey);
        }

        profile = ResolveProfile(baseline?.Posture.Profile?.Name);
        exceptions = ResolveExceptions(baseline, baselinePath, "findings are scanned without suppressions", sayWhichApply: false);
    }

    protected override void ProcessInput()
    {
        var data = ReadInput();
        var history = HistoryPath is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(HistoryPath);
        if (history is not null && !ShouldProcess(history, "Append the scan's record to the history"))
        {
            // -WhatIf (or a declined -Confirm): the scan still runs and is returned; only the file is left alone.
            history = null;
        }

        var options = new ScanOptions
        {
            Profile = profile!,
            Exceptions = exceptions,
            Baseline = baseline,
            BaselinePath = baselinePath,
            HistoryPath = history,
            HistoryKeep = HistoryKeep,
            ClusterName = ClusterName,
            FlowLogs = FlowLog is null ? null : ResolveProviderPaths(FlowLog, literal: false),
        };
        var result = Run((sink, ct) => Scanner.Run(data, options, sink, ct));
        if (IsLastInput)
        {
            // No other input follows: the baseline is not needed again, so it is not kept alive
            // while the reports downstream in the pipeline are written.
            baseline = null;
        }

        WriteObject(result);
    }
}
