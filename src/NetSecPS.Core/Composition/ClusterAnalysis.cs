using NetSecPS.Core.Baseline;
using NetSecPS.Core.Checks;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Composition;

/// <summary>
/// The one place where an analysis is composed: snapshot → model → policy model and engine →
/// audit → posture. Every cmdlet, the scan and the baseline cmdlets go through it, so each stage
/// is built once per snapshot, from the same model, and a cancelled pipeline stops between any
/// two stages and inside the policy model and engine build, the flows and the audit, which take
/// the token themselves.
/// </summary>
internal sealed class ClusterAnalysis
{
    private ConnectivityEngine? engine;

    private ClusterAnalysis(ClusterData data, ClusterModel model)
    {
        Data = data;
        Model = model;
    }

    /// <summary>The snapshot analysed.</summary>
    public ClusterData Data { get; }

    /// <summary>Workloads by owner, pods, services and namespaces of the snapshot.</summary>
    public ClusterModel Model { get; }

    /// <summary>Builds the model of a snapshot: the first stage, and all that the inventory needs.</summary>
    public static ClusterAnalysis Of(ClusterData data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        cancellationToken.ThrowIfCancellationRequested();
        var model = ClusterModel.Build(data);
        cancellationToken.ThrowIfCancellationRequested();
        return new ClusterAnalysis(data, model);
    }

    /// <summary>
    /// The connectivity engine over the model: the policy model every policy kind compiles into,
    /// the peer classes and the exposure. Built on first use with <paramref name="options"/>;
    /// asking again with other options is a programming error, since stages share one engine.
    /// </summary>
    public ConnectivityEngine Connectivity(IOutputSink sink, ConnectivityOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (engine is not null)
        {
            if (options is not null && options != engine.Options)
            {
                throw new InvalidOperationException("The connectivity of this analysis was already built with other options.");
            }

            return engine;
        }

        engine = ConnectivityEngine.Build(Model, sink, options, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        return engine;
    }

    /// <summary>The engine with every allowed flow computed: what reports, baselines and observed traffic read.</summary>
    public ConnectivityEngine ConnectivityWithFlows(IOutputSink sink, ConnectivityOptions? options = null, CancellationToken cancellationToken = default)
    {
        var built = Connectivity(sink, options, cancellationToken);
        _ = built.GetFlows(cancellationToken);
        return built;
    }

    /// <summary>Runs the check catalogue with the profile and the exceptions against this model and its engine (built here with the default semantics if not yet).</summary>
    public AuditResult Audit(AuditProfile profile, ExceptionsFile? exceptions, IOutputSink sink, AuditOptions? options = null, CancellationToken cancellationToken = default)
    {
        var connectivity = Connectivity(sink, null, cancellationToken);
        return Auditor.Run(Model, connectivity, profile, exceptions, sink, options, cancellationToken);
    }

    /// <summary>
    /// The normalized posture of the audited cluster, with the semantics its flows were computed
    /// with: what a baseline seals and drift compares.
    /// </summary>
    public Posture Posture(AuditResult audit, PostureExceptions? exceptions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(audit);
        var connectivity = engine ?? throw new InvalidOperationException("The posture is built after the audit, from its engine.");
        var flows = connectivity.GetFlows(cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        return PostureBuilder.Build(Model, flows, audit.Findings, audit.Profile, exceptions, connectivity.Options.SemanticsName);
    }
}
