using System.Management.Automation;
using NetSecPS.Core;
using NetSecPS.Core.Sources;

namespace NetSecPS.Commands;

/// <summary>Saves a snapshot as a versioned <c>.json.gz</c> file.</summary>
[Cmdlet(VerbsData.Export, "NetSecSnapshot", SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class ExportNetSecSnapshotCommand : NetSecCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = string.Empty;

    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    public Snapshot? Snapshot { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var target = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
        if (File.Exists(target) && !Force)
        {
            WriteError(new ErrorRecord(new IOException($"{target} exists; use -Force to overwrite it."), "NetSecPS.FileExists", ErrorCategory.ResourceExists, target));
            return;
        }

        if (!ShouldProcess(target, "Write snapshot"))
        {
            return;
        }

        var data = ClusterData.From(Snapshot!);
        try
        {
            AtomicFile.Write(target, stream => SnapshotFile.Write(data, stream));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            WriteError(new ErrorRecord(ex, "NetSecPS.WriteFailed", ErrorCategory.WriteError, target));
            return;
        }

        if (PassThru)
        {
            WriteObject(new FileInfo(target));
        }
    }
}
