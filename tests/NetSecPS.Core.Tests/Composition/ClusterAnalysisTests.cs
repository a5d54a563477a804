using NetSecPS.Core.Baseline;
using NetSecPS.Core.Checks;
using NetSecPS.Core.Composition;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Tests.Composition;

/// <summary>The one composition root: every stage from one model, each built once, and a cancelled pipeline stops between stages.</summary>
public class ClusterAnalysisTests
{
    private static readonly DateTimeOffset Today = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private static ClusterData Demo() => ManifestSource.Read(new[] { Path.Combine(TestPaths.RepoRoot, "samples", "cluster") });

    [Fact]
    public void The_audit_and_the_posture_read_the_engine_the_connectivity_stage_built()
    {
        var analysis = ClusterAnalysis.Of(Demo());
        var sink = new CollectingSink();
        var engine = analysis.ConnectivityWithFlows(sink);
        var audit = analysis.Audit(AuditProfile.BuiltInDefault, null, sink, new AuditOptions { Now = Today });
        var posture = analysis.Posture(audit, null);

        Assert.Same(engine, analysis.Connectivity(sink));
        Assert.Same(analysis.Model, engine.Model);
        Assert.NotEmpty(audit.Findings);
        Assert.Equal(engine.Flows.Count, posture.Flows.Count);
        Assert.Equal(audit.Findings.Count, posture.Findings.Count);
    }

    [Fact]
    public void The_posture_records_the_semantics_its_flows_were_computed_with()
    {
        var analysis = ClusterAnalysis.Of(Demo());
        var sink = new CollectingSink();
        analysis.Connectivity(sink, ConnectivityOptions.NetpolAnalyzerCompatible);
        var posture = analysis.Posture(analysis.Audit(AuditProfile.BuiltInDefault, null, sink, new AuditOptions { Now = Today }), null);
        Assert.Equal(ConnectivityOptions.NetpolAnalyzerSemanticsName, posture.Semantics);
    }

    [Fact]
    public void The_same_posture_as_the_baseline_cmdlets_compute()
    {
        var data = Demo();
        var viaScan = PostureScan.Run(data, AuditProfile.BuiltInDefault, null, new CollectingSink(), Today);
        var analysis = ClusterAnalysis.Of(data);
        var sink = new CollectingSink();
        var direct = analysis.Posture(analysis.Audit(AuditProfile.BuiltInDefault, null, sink, new AuditOptions { Now = Today }), null);
        Assert.Equal(BaselineFile.ContentDigest(viaScan), BaselineFile.ContentDigest(direct));
    }

    [Fact]
    public void Asking_for_the_engine_with_other_semantics_after_it_was_built_is_refused()
    {
        var analysis = ClusterAnalysis.Of(Demo());
        analysis.Connectivity(new CollectingSink());
        Assert.Throws<InvalidOperationException>(() => analysis.Connectivity(new CollectingSink(), ConnectivityOptions.NetpolAnalyzerCompatible));
    }

    [Fact]
    public void A_cancelled_pipeline_stops_before_the_model_the_engine_and_the_audit()
    {
        var data = Demo();
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => ClusterAnalysis.Of(data, cancelled.Token));

        var analysis = ClusterAnalysis.Of(data);
        Assert.ThrowsAny<OperationCanceledException>(() => analysis.Connectivity(new CollectingSink(), cancellationToken: cancelled.Token));
        Assert.ThrowsAny<OperationCanceledException>(() => analysis.Audit(AuditProfile.BuiltInDefault, null, new CollectingSink(), cancellationToken: cancelled.Token));
        Assert.ThrowsAny<OperationCanceledException>(() => PostureScan.Run(data, AuditProfile.BuiltInDefault, null, new CollectingSink(), Today, cancellationToken: cancelled.Token));
    }
}
