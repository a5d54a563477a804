using NetSecPS.Core.Connectivity;

namespace NetSecPS.Core.Traffic;

/// <summary>The "Observed traffic" step of a scan: the flow logs read and compared with the scan's engine.</summary>
internal static class TrafficScan
{
    /// <summary>Reads the logs (files or folders) and compares them; null when there are none to read.</summary>
    public static ObservedTraffic? Run(ConnectivityEngine engine, IReadOnlyList<string>? flowLogs, IOutputSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(sink);
        if (flowLogs is not { Count: > 0 })
        {
            return null;
        }

        var analyzer = new TrafficAnalyzer(engine, sink, cancellationToken);
        analyzer.AddLogs(FlowLogReader.ExpandPaths(flowLogs, sink), FlowLogFormat.Auto, cancellationToken);
        return ObservedTrafficReport.Build(analyzer.Compare(cancellationToken), engine);
    }
}
