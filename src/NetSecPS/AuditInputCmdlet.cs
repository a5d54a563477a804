using System.Management.Automation;
using NetSecPS.Core.Baseline;
using NetSecPS.Core.Checks;

namespace NetSecPS.Commands;

/// <summary>
/// Base of the cmdlets that audit their input (<c>Invoke-NetSecAudit</c>, <c>Invoke-NetSecScan</c>,
/// <c>Compare-NetSecBaseline</c>): <c>-Profile</c> by name or file and <c>-ExceptionsPath</c>,
/// resolved once in <c>BeginProcessing</c> by <see cref="AuditInput"/>.
/// </summary>
public abstract class AuditInputCmdlet : SnapshotInputCmdlet
{
    /// <summary>A profile name from the module's profiles folder, or a profile file (<see cref="AuditProfile.IsPath"/> tells them apart).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(ProfileCompleter))]
    public string? Profile { get; set; }

    [Parameter]
    [Alias("Exceptions")]
    public string? ExceptionsPath { get; set; }

    /// <summary>The profile asked for; <paramref name="fallbackName"/> (a baseline's profile) when none was.</summary>
    private protected AuditProfile ResolveProfile(string? fallbackName = null) => AuditInput.ResolveProfile(this, Profile, fallbackName);

    /// <summary>
    /// The exceptions in force: the file given, else those <paramref name="baseline"/> was approved
    /// with (so drift shows the cluster's change only), else none. Stored exceptions that cannot be
    /// applied are a warning ending with <paramref name="withoutThem"/>.
    /// </summary>
    private protected ExceptionsInForce? ResolveExceptions(VerifiedBaseline? baseline, string? baselinePath, string withoutThem, bool sayWhichApply)
    {
        if (ExceptionsPath is not null)
        {
            return AuditInput.LoadExceptions(this, ExceptionsPath);
        }

        if (baseline?.Posture.Exceptions is not { } stored)
        {
            return null;
        }

        try
        {
            var inForce = ExceptionsInForce.FromBaseline(stored, baselinePath!);
            if (sayWhichApply)
            {
                WriteVerbose($"Applying the {inForce.File.Entries.Count} exception(s) the baseline was approved with; pass -ExceptionsPath to use another file.");
            }

            return inForce;
        }
        catch (ExceptionsFileException ex)
        {
            WriteWarning($"The exceptions stored in the baseline cannot be applied ({ex.Message}); {withoutThem}.");
            return null;
        }
    }
}

/// <summary>How every cmdlet reads a profile and an exceptions file, and how their problems become error records.</summary>
internal static class AuditInput
{
    /// <summary>
    /// Resolves a profile by name or path; <paramref name="fallbackName"/> (the baseline's
    /// profile) is used when none is given, and the built-in default when that one is not here.
    /// </summary>
    public static AuditProfile ResolveProfile(PSCmdlet cmdlet, string? nameOrPath, string? fallbackName = null)
    {
        try
        {
            var resolved = Resolve(cmdlet, nameOrPath, fallbackName);
            cmdlet.WriteVerbose($"Profile {resolved.Name}{(resolved.SourcePath is null ? " (built in)" : " from " + resolved.SourcePath)}");
            return resolved;
        }
        catch (FileNotFoundException ex)
        {
            cmdlet.ThrowTerminatingError(new ErrorRecord(ex, "NetSecPS.ProfileNotFound", ErrorCategory.ObjectNotFound, nameOrPath));
            throw;
        }
        catch (InvalidDataException ex)
        {
            cmdlet.ThrowTerminatingError(new ErrorRecord(ex, "NetSecPS.InvalidProfile", ErrorCategory.InvalidData, nameOrPath));
            throw;
        }
    }

    private static AuditProfile Resolve(PSCmdlet cmdlet, string? nameOrPath, string? fallbackName)
    {
        if (nameOrPath is not null && AuditProfile.IsPath(nameOrPath))
        {
            // Relative to the session's location, which the process's working folder is not.
            nameOrPath = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(nameOrPath);
        }

        var directory = ModulePaths.ProfilesDirectory(cmdlet.MyInvocation.MyCommand.Module);
        if (nameOrPath is null && fallbackName is not null)
        {
            try
            {
                return AuditProfile.Resolve(fallbackName, directory);
            }
            catch (FileNotFoundException)
            {
                cmdlet.WriteWarning($"The baseline was approved with profile '{fallbackName}', which is not available here; the default profile is used. Pass -Profile to choose one.");
                return AuditProfile.Resolve(null, directory);
            }
        }

        return AuditProfile.Resolve(nameOrPath, directory);
    }

    /// <summary>Reads an exceptions file for the audit and the posture; a malformed or unreadable one stops the cmdlet with its line or reason.</summary>
    public static ExceptionsInForce LoadExceptions(PSCmdlet cmdlet, string path) => Load(cmdlet, path, ExceptionsInForce.Load, e => e.File);

    /// <summary>Reads an exceptions file for the audit alone.</summary>
    public static ExceptionsFile LoadExceptionsFile(PSCmdlet cmdlet, string path) => Load(cmdlet, path, ExceptionsFile.Load, e => e);

    private static T Load<T>(PSCmdlet cmdlet, string path, Func<string, T> load, Func<T, ExceptionsFile> file)
    {
        var resolved = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
        try
        {
            var loaded = load(resolved);
            cmdlet.WriteVerbose($"{file(loaded).Entries.Count} exception(s) from {resolved}");
            return loaded;
        }
        catch (ExceptionsFileException ex)
        {
            cmdlet.ThrowTerminatingError(new ErrorRecord(ex, "NetSecPS.InvalidExceptionsFile", ErrorCategory.InvalidData, resolved) { ErrorDetails = new ErrorDetails(ex.Message) });
            throw;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            var category = ex is FileNotFoundException or DirectoryNotFoundException ? ErrorCategory.ObjectNotFound : ErrorCategory.ReadError;
            cmdlet.ThrowTerminatingError(new ErrorRecord(ex, "NetSecPS.ExceptionsFileUnreadable", category, resolved));
            throw;
        }
    }
}
