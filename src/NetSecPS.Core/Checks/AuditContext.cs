using NetSecPS.Core.Checks.Support;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;
using NetSecPS.Core.Policy;

namespace NetSecPS.Core.Checks;

/// <summary>
/// What a check may read while it evaluates: the model, the connectivity engine's answers, the
/// profile, the audit's clock, and derived indexes built once per audit and shared by checks.
/// </summary>
internal sealed class AuditContext
{
    private readonly Lazy<ExposureIndex> exposure;
    private readonly Lazy<PolicyModel> policies;
    private readonly Lazy<MeshState> mesh;
    private readonly Lazy<CniState> cni;
    private readonly Lazy<RbacIndex> rbac;
    private readonly Lazy<IReadOnlyList<Workload>> evaluated;
    private readonly Lazy<TrafficNeeds> needs;

    public AuditContext(ClusterModel model, IConnectivityQuery? connectivity, AuditProfile profile, DateTimeOffset now, IOutputSink sink, CancellationToken cancellationToken = default, string? clusterName = null)
    {
        Model = model;
        // Not the input folder's name: the same manifests in another folder are the same cluster,
        // and a baseline or an exception naming Cluster/cluster must keep matching.
        var p = model.Data.Provenance;
        ClusterName = !string.IsNullOrWhiteSpace(clusterName) ? clusterName
            : !string.IsNullOrWhiteSpace(p.Context) ? p.Context
            : !string.IsNullOrWhiteSpace(p.Cluster) ? p.Cluster
            : ClusterNames.Unnamed;
        Connectivity = connectivity;
        Profile = profile;
        Now = now;
        Sink = sink;
        CancellationToken = cancellationToken;
        exposure = new Lazy<ExposureIndex>(() => new ExposureIndex(model));
        // The policy model of the connectivity engine, so checks and connectivity read the same compiled policies.
        policies = new Lazy<PolicyModel>(() => connectivity?.Policies ?? PolicyModelBuilder.Build(model, ConnectivityOptions.Default, sink, cancellationToken));
        mesh = new Lazy<MeshState>(() => new MeshState(model, connectivity));
        cni = new Lazy<CniState>(() => new CniState(model));
        rbac = new Lazy<RbacIndex>(() => new RbacIndex(model.Data));
        evaluated = new Lazy<IReadOnlyList<Workload>>(() => model.Workloads.Where(w => !profile.IsExcluded(w.Namespace)).ToList());
        needs = new Lazy<TrafficNeeds>(() => new TrafficNeeds(this));
    }

    public ClusterModel Model { get; }

    /// <summary>
    /// The name cluster-level findings give the cluster (<c>Cluster/&lt;name&gt;</c>): the name given
    /// to the scan, else the kube context, else <c>cluster</c> for manifests.
    /// </summary>
    public string ClusterName { get; }

    /// <summary>The connectivity engine; null when the audit runs without one (connectivity checks are then not evaluated).</summary>
    public IConnectivityQuery? Connectivity { get; }

    public AuditProfile Profile { get; }

    /// <summary>The audit's clock: the scan date for PLAT-001 and suppression expiry.</summary>
    public DateTimeOffset Now { get; }

    public IOutputSink Sink { get; }

    public CancellationToken CancellationToken { get; }

    public ExposureIndex Exposure => exposure.Value;

    /// <summary>Every policy the cluster enforces, compiled: the only way checks read policy.</summary>
    internal PolicyModel Policies => policies.Value;

    public MeshState Mesh => mesh.Value;

    public CniState Cni => cni.Value;

    public RbacIndex Rbac => rbac.Value;

    /// <summary>What exposure and DNS need, so suggested policies keep it.</summary>
    public TrafficNeeds Needs => needs.Value;

    /// <summary>Workloads outside the profile's excluded namespaces: what coverage checks and the score count.</summary>
    public IReadOnlyList<Workload> EvaluatedWorkloads => evaluated.Value;

    public bool IsExcluded(string? ns) => Profile.IsExcluded(ns);

    /// <summary>Isolation as the catalogue defines it for NP-003/NP-004 (<see cref="PolicyFacts.IsIsolated"/>).</summary>
    public bool IsIsolated(Workload w, TrafficDirection direction) => PolicyFacts.IsIsolated(Policies, w, direction);

    /// <summary>The connectivity engine, for checks that declared <see cref="Check.NeedsConnectivity"/>.</summary>
    public IConnectivityQuery RequireConnectivity() =>
        Connectivity ?? throw new InvalidOperationException("This check needs the connectivity engine; the auditor runs it only when one is given.");
}
