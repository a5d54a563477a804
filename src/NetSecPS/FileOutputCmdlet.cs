using System.Management.Automation;
using NetSecPS.Core;

namespace NetSecPS.Commands;

/// <summary>
/// Base of the <c>Export-*</c> cmdlets: <c>-Force</c> to overwrite, <c>-PassThru</c> for the
/// <see cref="FileInfo"/>, <c>-WhatIf</c>/<c>-Confirm</c>, and files written whole or not at all
/// through <see cref="AtomicFile"/>. The cmdlet declares <c>-Path</c> (one file or several).
/// </summary>
public abstract class FileOutputCmdlet : NetSecCmdlet
{
    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>A file path of the command line as a provider path (it need not exist yet).</summary>
    protected string TargetOf(string path) => SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);

    /// <summary>
    /// Whether <paramref name="target"/> may be written: an existing file without <c>-Force</c> is
    /// an error record (the other targets go on), then <c>-WhatIf</c>/<c>-Confirm</c> decide.
    /// </summary>
    protected bool MayWrite(string target, string action)
    {
        if (File.Exists(target) && !Force)
        {
            WriteError(new ErrorRecord(new IOException($"{target} exists; use -Force to overwrite it."), "NetSecPS.FileExists", ErrorCategory.ResourceExists, target));
            return false;
        }

        return ShouldProcess(target, action);
    }

    /// <summary>
    /// Writes <paramref name="target"/> through a temporary file in its folder and, with
    /// <c>-PassThru</c>, returns it. A write that fails is an error record with
    /// <paramref name="failureErrorId"/>, or ends the cmdlet when none is given.
    /// </summary>
    protected bool WriteFile(string target, Action<Stream> write, string? failureErrorId = null)
    {
        try
        {
            AtomicFile.Write(target, write);
        }
        catch (Exception ex) when (failureErrorId is not null && ex is IOException or UnauthorizedAccessException)
        {
            WriteError(new ErrorRecord(ex, "NetSecPS." + failureErrorId, ErrorCategory.WriteError, target));
            return false;
        }

        Written(target);
        return true;
    }

    /// <summary>A file this cmdlet has written: returned with <c>-PassThru</c>.</summary>
    protected void Written(string target)
    {
        if (PassThru)
        {
            WriteObject(new FileInfo(target));
        }
    }
}

/// <summary>An <c>Export-*</c> cmdlet that writes one file, named by <c>-Path</c>.</summary>
public abstract class SingleFileOutputCmdlet : FileOutputCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = string.Empty;

    /// <summary><c>-Path</c> as a provider path.</summary>
    protected string Target => TargetOf(Path);
}
