using System.Management.Automation;
using NetSecPS.Core.Composition;
using NetSecPS.Core.Connectivity;

namespace NetSecPS.Commands;

/// <summary>Base of the cmdlets that evaluate connectivity: reads the input once and builds the engine once per invocation.</summary>
public abstract class ConnectivityInputCmdlet : SnapshotInputCmdlet
{
    private ConnectivityEngine? engine;

    /// <summary>Evaluate as netpol-analyzer does: host-network pods like other pods, the ingress controller as an unlabelled pod.</summary>
    [Parameter]
    public SwitchParameter NetpolAnalyzerSemantics { get; set; }

    /// <summary>The engine for this invocation's input, built on first use with its diagnostics written.</summary>
    private protected ConnectivityEngine Engine(bool withFlows = false)
    {
        if (engine is null)
        {
            var data = ReadInput();
            var options = NetpolAnalyzerSemantics ? ConnectivityOptions.NetpolAnalyzerCompatible : ConnectivityOptions.Default;
            engine = Run((sink, ct) =>
            {
                sink.Progress(new Core.ProgressUpdate(2, "Evaluating connectivity", "compiling policies", 0));
                var e = ClusterAnalysis.Of(data, ct).Connectivity(sink, options, ct);
                if (withFlows)
                {
                    sink.Progress(new Core.ProgressUpdate(2, "Evaluating connectivity", "computing flows", 50));
                    _ = e.GetFlows(ct);
                }

                sink.Progress(new Core.ProgressUpdate(2, "Evaluating connectivity", "done", 100, Completed: true));
                return e;
            });
        }

        return engine;
    }
}
