using System.Management.Automation;
using NetSecPS.Core.Sources;

namespace NetSecPS.Commands;

/// <summary>Saves a snapshot as a versioned <c>.json.gz</c> file.</summary>
[Cmdlet(VerbsData.Export, "NetSecSnapshot", SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class ExportNetSecSnapshotCommand : SingleFileOutputCmdlet
{
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    public Snapshot? Snapshot { get; set; }

    protected override void ProcessRecord()
    {
        var target = Target;
        if (MayWrite(target, "Write snapshot"))
        {
            var data = ClusterData.From(Snapshot!);
            WriteFile(target, stream => SnapshotFile.Write(data, stream), "WriteFailed");
        }
    }
}
