using System.Management.Automation;
using NetSecPS.Core.Checks;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;

namespace NetSecPS.Commands;

/// <summary>Runs the check catalogue over a snapshot and streams the findings.</summary>
[Cmdlet(VerbsLifecycle.Invoke, "NetSecAudit", DefaultParameterSetName = LiveSet)]
[OutputType(typeof(Finding))]
[OutputType(typeof(AuditSummary))]
public sealed class InvokeNetSecAuditCommand : SnapshotInputCmdlet
{
    [Parameter]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(CheckIdCompleter))]
    public string[]? Check { get; set; }

    [Parameter]
    public Severity MinimumSeverity { get; set; } = Severity.Info;

    [Parameter]
    [ArgumentCompleter(typeof(ProfileCompleter))]
    public string? Profile { get; set; }

    [Parameter]
    [Alias("Exceptions")]
    public string? ExceptionsPath { get; set; }

    [Parameter]
    public SwitchParameter Summary { get; set; }

    private AuditProfile? profile;
    private ExceptionsFile? exceptions;

    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        try
        {
            var nameOrPath = Profile;
            if (nameOrPath is not null && LooksLikePath(nameOrPath))
            {
                nameOrPath = SessionState.Path.GetUnresolvedProviderPathFromPSPath(nameOrPath);
            }

            profile = AuditProfile.Resolve(nameOrPath, ModulePaths.ProfilesDirectory(MyInvocation.MyCommand.Module));
            WriteVerbose($"Profile {profile.Name}{(profile.SourcePath is null ? " (built in)" : $" from {profile.SourcePath}")}");
        }
        catch (FileNotFoundException ex)
        {
            ThrowTerminating(ex, "ProfileNotFound", ErrorCategory.ObjectNotFound, Profile);
        }
        catch (InvalidDataException ex)
        {
            ThrowTerminating(ex, "InvalidProfile", ErrorCategory.InvalidData, Profile);
        }

        if (ExceptionsPath is not null)
        {
            var path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(ExceptionsPath);
            try
            {
                exceptions = ExceptionsFile.Load(path);
                WriteVerbose($"{exceptions.Entries.Count} exception(s) from {path}");
            }
            catch (ExceptionsFileException ex)
            {
                ThrowTerminatingError(new ErrorRecord(ex, "NetSecPS.InvalidExceptionsFile", ErrorCategory.InvalidData, path) { ErrorDetails = new ErrorDetails(ex.Message) });
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                ThrowTerminating(ex, "ExceptionsFileUnreadable", ex is FileNotFoundException or DirectoryNotFoundException ? ErrorCategory.ObjectNotFound : ErrorCategory.ReadError, path);
            }
        }
    }

    protected override void ProcessInput()
    {
        var data = ReadInput();
        var model = ClusterModel.Build(data);
        var options = new AuditOptions { Checks = Check };
        var auditProfile = profile!;
        var result = Run((sink, ct) =>
        {
            sink.Progress(new NetSecPS.Core.ProgressUpdate(2, "Auditing", "Computing connectivity", 0));
            var connectivity = ConnectivityEngine.Build(model, sink);
            return Auditor.Run(model, connectivity, auditProfile, exceptions, sink, options, ct);
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
        var open = shown.Where(f => !f.Suppressed).ToList();
        return new AuditSummary
        {
            Profile = result.Profile,
            Score = result.Score,
            Provenance = provenance,
            ClusterName = ClusterNames.Of(provenance),
            Checks = result.Checks,
            Findings = shown,
            Subjects = result.Subjects,
            Critical = open.Count(f => f.Severity == NetSecPS.Severity.Critical),
            High = open.Count(f => f.Severity == NetSecPS.Severity.High),
            Medium = open.Count(f => f.Severity == NetSecPS.Severity.Medium),
            Low = open.Count(f => f.Severity == NetSecPS.Severity.Low),
            Info = open.Count(f => f.Severity == NetSecPS.Severity.Info),
            Suppressed = shown.Count(f => f.Suppressed),
            NotEvaluated = result.NotEvaluated.Select(n => $"{n.CheckId}: {n.Reason}").ToList(),
            Warnings = result.Warnings,
            AuditedAt = DateTimeOffset.Now,
        };
    }

    private static bool LooksLikePath(string s) =>
        s.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || s.Contains('/', StringComparison.Ordinal) || s.Contains('\\', StringComparison.Ordinal);
}
