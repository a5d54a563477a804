using System.Management.Automation;
using NetSecPS.Core.Composition;
using NetSecPS.Core.Sources;
using NetSecPS.Core.Traffic;

namespace NetSecPS.Commands;

/// <summary>
/// Reads flow logs (Hubble JSON, Calico flow logs, CSV) into flow records, one at a time, and with
/// <c>-Snapshot</c> resolves their ends to the snapshot's workloads.
/// </summary>
[Cmdlet(VerbsData.Import, "NetSecFlowLog", DefaultParameterSetName = PathSet)]
[OutputType(typeof(ObservedFlow))]
public sealed class ImportNetSecFlowLogCommand : NetSecCmdlet
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";
    private TrafficAnalyzer? resolver;

    /// <summary>Flow log files or folders (wildcards allowed); gzip files are read as they are.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "FullName")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = Array.Empty<string>();

    /// <summary>The exporter the logs come from; recognised per file by default.</summary>
    [Parameter]
    public FlowLogFormat Format { get; set; } = FlowLogFormat.Auto;

    /// <summary>A snapshot to resolve the flows' ends against (SourcePeer, DestinationPeer).</summary>
    [Parameter]
    public Snapshot? Snapshot { get; set; }

    protected override void BeginProcessing()
    {
        if (Snapshot is not null)
        {
            var data = ClusterData.From(Snapshot);
            var engine = Run((sink, ct) => ClusterAnalysis.Of(data, ct).ConnectivityWithFlows(sink, cancellationToken: ct));
            resolver = new TrafficAnalyzer(engine, DirectSink, CancellationToken);
        }
    }

    protected override void ProcessRecord()
    {
        var literal = ParameterSetName == LiteralPathSet;
        var paths = ResolveProviderPaths(literal ? LiteralPath : Path, literal);
        if (paths.Count == 0)
        {
            return;
        }

        // The flows are streamed to the pipeline as they are read, on its own thread: nothing is held.
        var sink = DirectSink;
        var reader = new FlowLogReader(Format, sink);
        foreach (var flow in reader.Read(FlowLogReader.ExpandPaths(paths, sink), CancellationToken))
        {
            WriteObject(resolver is null ? flow : resolver.Resolve(flow));
        }

        var s = reader.Statistics;
        WriteVerbose($"Read {s.Lines:N0} lines of {s.Files.Count} file(s): {s.Records:N0} flow records, {s.BadLines:N0} bad lines" +
            (s.Skipped.Count == 0 ? "." : "; left out: " + string.Join(", ", s.Skipped.Select(k => $"{k.Value:N0} {k.Key}")) + "."));
    }
}
