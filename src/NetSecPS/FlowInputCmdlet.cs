using System.Management.Automation;
using NetSecPS.Core;
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
        var files = FlowLog is null ? new List<string>() : ResolveFlowLogs(FlowLog);
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
            analyzer = new TrafficAnalyzer(engine, new PipelineSink(this), CancellationToken);
        }

        analyzer.Sink = new PipelineSink(this);
        return analyzer;
    }

    /// <summary>The cmdlet's output from the comparison.</summary>
    protected abstract void Complete(TrafficComparison comparison);

    /// <summary>Provider paths of flow logs (files or folders); a path that matches nothing is an error record and the rest are read.</summary>
    internal List<string> ResolveFlowLogs(IEnumerable<string> paths) => ResolveLogPaths(this, paths, literal: false);

    /// <summary>Messages written at once, for work done on the pipeline thread.</summary>
    private sealed class PipelineSink : IOutputSink
    {
        private readonly FlowInputCmdlet owner;

        public PipelineSink(FlowInputCmdlet owner) => this.owner = owner;

        public void Verbose(string message) => owner.WriteVerbose(message);
        public void Warning(string message) => owner.WriteWarning(message);
        public void Diagnostic(InputDiagnostic diagnostic) => owner.WriteDiagnostic(diagnostic);
        public void Progress(ProgressUpdate update) => owner.WriteProgressUpdate(update);
    }

    internal static List<string> ResolveLogPaths(PSCmdlet cmdlet, IEnumerable<string> paths, bool literal)
    {
        var resolved = new List<string>();
        foreach (var p in paths)
        {
            if (literal)
            {
                resolved.Add(cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(p));
                continue;
            }

            try
            {
                resolved.AddRange(cmdlet.SessionState.Path.GetResolvedProviderPathFromPSPath(p, out _));
            }
            catch (ItemNotFoundException ex)
            {
                cmdlet.WriteError(new ErrorRecord(ex, "NetSecPS.PathNotFound", ErrorCategory.ObjectNotFound, p));
            }
        }

        return resolved;
    }
}
