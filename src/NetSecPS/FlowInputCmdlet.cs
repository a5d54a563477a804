using System.Management.Automation;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Traffic;

namespace NetSecPS.Commands;

/// <summary>
/// Base of the cmdlets that compare observed flows with a cluster: the cluster from <c>-Path</c>,
/// <c>-Snapshot</c> or the live cluster, the flows piped in from <c>Import-NetSecFlowLog</c> or
/// read from <c>-FlowLog</c> files (streamed, never held).
/// </summary>
public abstract class FlowInputCmdlet : ConnectivityInputCmdlet
{
    private TrafficAnalyzer? analyzer;
    private long piped;

    /// <summary>Observed flows from <c>Import-NetSecFlowLog</c>.</summary>
    [Parameter(ValueFromPipeline = true)]
    public ObservedFlow[]? InputObject { get; set; }

    /// <summary>Flow log files or folders (wildcards allowed), read as a stream.</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? FlowLog { get; set; }

    [Parameter]
    public FlowLogFormat Format { get; set; } = FlowLogFormat.Auto;

    protected sealed override void ProcessInput()
    {
        var a = Analyzer();
        foreach (var flow in InputObject ?? Array.Empty<ObservedFlow>())
        {
            if (flow is not null)
            {
                a.Add(flow);
                piped++;
            }
        }
    }

    protected sealed override void EndProcessing()
    {
        base.EndProcessing();
        var a = Analyzer();
        var files = FlowLog is null ? new List<string>() : ResolveProviderPaths(FlowLog, literal: false);
        if (piped == 0 && files.Count == 0)
        {
            ThrowTerminating(new ArgumentException("No observed flows: give flow logs with -FlowLog, or pipe the output of Import-NetSecFlowLog."),
                "NoFlows", ErrorCategory.InvalidArgument, FlowLog);
        }

        if (files.Count > 0)
        {
            Run((sink, ct) =>
            {
                a.Sink = sink;
                a.AddLogs(FlowLogReader.ExpandPaths(files, sink), Format, ct);
                return true;
            });
        }

        var comparison = Run((sink, ct) =>
        {
            a.Sink = sink;
            return a.Compare(ct);
        });
        Complete(comparison);
    }

    /// <summary>The analyzer over this invocation's cluster; flows piped in are added on the pipeline thread, so its messages are written there.</summary>
    private TrafficAnalyzer Analyzer()
    {
        if (analyzer is null)
        {
            var engine = Engine(withFlows: true);
            CheckCluster(engine);
            analyzer = new TrafficAnalyzer(engine, DirectSink, CancellationToken);
        }

        analyzer.Sink = DirectSink;
        return analyzer;
    }

    /// <summary>Checks the cluster once it is read, before any flow is: a cmdlet that cannot work on it stops here.</summary>
    private protected virtual void CheckCluster(ConnectivityEngine engine)
    {
    }

    /// <summary>The cmdlet's output from the comparison.</summary>
    private protected abstract void Complete(TrafficComparison comparison);
}
