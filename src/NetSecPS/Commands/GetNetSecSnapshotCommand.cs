using System.Management.Automation;

namespace NetSecPS.Commands;

/// <summary>Collects a snapshot from manifests, a saved snapshot, or a live cluster.</summary>
[Cmdlet(VerbsCommon.Get, "NetSecSnapshot", DefaultParameterSetName = LiveSet)]
[OutputType(typeof(Snapshot))]
public sealed class GetNetSecSnapshotCommand : SnapshotInputCmdlet
{
    private readonly List<string> pipedPaths = new();

    /// <summary>Namespaces to read from a live cluster; all when omitted.</summary>
    [Parameter(ParameterSetName = LiveSet)]
    [ValidateNotNullOrEmpty]
    public string[]? Namespace { get; set; }

    protected override IReadOnlyList<string> LiveNamespaces => Namespace ?? Array.Empty<string>();

    protected override void ProcessRecord()
    {
        // Files piped in (Get-ChildItem *.yaml | Get-NetSecSnapshot) make one snapshot, not one per file.
        if (ParameterSetName == LiteralPathSet && MyInvocation.ExpectingInput)
        {
            pipedPaths.AddRange(LiteralPath);
            return;
        }

        WriteObject(ReadInput().ToSnapshot());
    }

    protected override void EndProcessing()
    {
        if (pipedPaths.Count > 0)
        {
            LiteralPath = pipedPaths.ToArray();
            WriteObject(ReadInput().ToSnapshot());
        }
    }
}
