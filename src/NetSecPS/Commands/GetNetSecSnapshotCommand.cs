using System.Management.Automation;

namespace NetSecPS.Commands;

/// <summary>Collects a snapshot from manifests, a saved snapshot, or a live cluster.</summary>
[Cmdlet(VerbsCommon.Get, "NetSecSnapshot", DefaultParameterSetName = LiveSet)]
[OutputType(typeof(Snapshot))]
public sealed class GetNetSecSnapshotCommand : SnapshotInputCmdlet
{
    /// <summary>Manifest files or folders, or a saved snapshot; paths piped as text are read together, as one cluster.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public override string[] Path { get => base.Path; set => base.Path = value; }

    /// <summary>Namespaces to read from a live cluster; all when omitted.</summary>
    [Parameter(ParameterSetName = LiveSet)]
    [ValidateNotNullOrEmpty]
    public string[]? Namespace { get; set; }

    protected override IReadOnlyList<string> LiveNamespaces => Namespace ?? Array.Empty<string>();

    protected override void ProcessInput() => WriteObject(ReadInput().ToSnapshot());
}
