using System.Management.Automation;
using NetSecPS.Core.Checks;
using NetSecPS.Core.Composition;

namespace NetSecPS.Commands;

/// <summary>Runs the check catalogue over a snapshot and streams the findings.</summary>
[Cmdlet(VerbsLifecycle.Invoke, "NetSecAudit", DefaultParameterSetName = LiveSet)]
[OutputType(typeof(Finding))]
[OutputType(typeof(AuditSummary))]
public sealed class InvokeNetSecAuditCommand : AuditInputCmdlet
{
    [Parameter]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(CheckIdCompleter))]
    public string[]? Check { get; set; }

    [Parameter]
    public Severity MinimumSeverity { get; set; } = Severity.Info;

    [Parameter]
    public SwitchParameter Summary { get; set; }

    private AuditProfile? profile;
    private ExceptionsFile? exceptions;

    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        profile = ResolveProfile();
        if (ExceptionsPath is not null)
        {
            exceptions = AuditInput.LoadExceptionsFile(this, ExceptionsPath);
        }
    }

    protected override void ProcessInput()
    {
        var data = ReadInput();
        var options = new AuditOptions { Checks = Check };
        var auditProfile = profile!;
        var inForce = exceptions;
        var result = Run((sink, ct) =>
        {
            var analysis = ClusterAnalysis.Of(data, ct);
            sink.Progress(new NetSecPS.Core.ProgressUpdate(2, "Auditing", "Computing connectivity", 0));
            return analysis.Audit(auditProfile, inForce, sink, options, ct);
        });

        if (Summary)
        {
            WriteObject(ToSummary(result, data.Provenance));
            return;
        }

        foreach (var f in result.Findings)
        {
            if (f.Severity >= MinimumSeverity)
            {
                WriteObject(f);
            }
        }
    }

    private AuditSummary ToSummary(AuditResult result, Provenance provenance)
    {
        var shown = result.Findings.Where(f => f.Severity >= MinimumSeverity).ToList();
        var counts = FindingCounts.Of(shown);
        return new AuditSummary
        {
            Profile = result.Profile,
            Score = result.Score,
            Provenance = provenance,
            ClusterName = ClusterNames.Of(provenance),
            Checks = result.Checks,
            Findings = shown,
            Subjects = result.Subjects,
            Critical = counts.OpenOf(NetSecPS.Severity.Critical),
            High = counts.OpenOf(NetSecPS.Severity.High),
            Medium = counts.OpenOf(NetSecPS.Severity.Medium),
            Low = counts.OpenOf(NetSecPS.Severity.Low),
            Info = counts.OpenOf(NetSecPS.Severity.Info),
            Suppressed = counts.Suppressed,
            NotEvaluated = result.NotEvaluated.Select(n => $"{n.CheckId}: {n.Reason}").ToList(),
            Warnings = result.Warnings,
            AuditedAt = DateTimeOffset.Now,
        };
    }
}
