using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;

namespace NetSecPS.Core.Policy;

/// <summary>
/// The door through which a policy kind enters the model. A kind reads its objects from the
/// snapshot and adds compiled policies to tiers of the context; it never evaluates connections
/// itself. Adding a kind (Calico, Cilium, Istio) is a new class registered in
/// <see cref="PolicyKinds.All"/>: the engine, the explainer and the checks then see it.
/// </summary>
internal interface IPolicyKind
{
    /// <summary>The kinds this compiler reads, as (API group, kind), for inventory and coverage.</summary>
    IReadOnlyList<(string Group, string Kind)> Kinds { get; }

    /// <summary>
    /// Before pods are grouped into classes: the CIDRs of rules whose addresses also match pods
    /// (ClusterNetworkPolicy <c>networks</c>, Calico <c>nets</c>). Pods are grouped so that each
    /// such CIDR holds all or none of a class's addresses.
    /// </summary>
    void CollectPodAddressCuts(ClusterModel cluster, ConnectivityOptions options, List<IpRange> cuts)
    {
    }

    /// <summary>
    /// Before pods are grouped into classes: what else, beyond labels, namespace, ports and address,
    /// this kind's rules tell pods apart by, so such pods must not share a class: the service
    /// account (<see cref="PodDistinction.ServiceAccount"/>: Calico's <c>serviceAccountSelector</c>
    /// and <c>projectcalico.org/serviceaccount</c>, Cilium's <c>io.cilium.k8s.policy.serviceaccount</c>),
    /// Istio's sidecar and identity. Null when the kind needs nothing more, so classes stay as they
    /// are in clusters without the kind's objects.
    /// </summary>
    PodDistinction? ClassDistinction(ClusterModel cluster, ConnectivityOptions options) => null;

    /// <summary>
    /// Before pods are grouped into classes and any kind compiles: where this kind's presence
    /// moves other kinds' policies (with Calico, Kubernetes NetworkPolicy becomes a policy of
    /// order 1000 in Calico's default tier), and what the classes must carry (node peers, the
    /// labels selectors see). Kinds plan in registration order; a later kind's placement wins.
    /// </summary>
    void Plan(TierPlan plan, ClusterModel cluster)
    {
    }

    /// <summary>Compiles the kind's objects into policies placed in tiers of the context.</summary>
    void Compile(PolicyCompileContext context);
}

/// <summary>Where the standard Kubernetes policy kinds go, decided before compiling from the objects present and the CNI.</summary>
internal sealed class TierPlan
{
    /// <summary>The tier and the order within it of Kubernetes NetworkPolicy; by default a union tier of its own.</summary>
    public Func<PolicyCompileContext, (Tier Tier, double? Order)> NetworkPolicy { get; set; } =
        c => (c.Tier(PolicyLayer.Cni, StandardTiers.NetworkPolicy, StandardTiers.NetworkPolicyOrder, TierKind.Union, NoMatchAction.Deny,
            "the NetworkPolicy tier (namespaced NetworkPolicy: any rule of a selecting policy allows; a selected pod is isolated)"), null);

    /// <summary>The tier of AdminNetworkPolicy and Admin-tier ClusterNetworkPolicy.</summary>
    public Func<PolicyCompileContext, Tier> Admin { get; set; } =
        c => c.Tier(PolicyLayer.Cni, StandardTiers.Admin, StandardTiers.AdminOrder, TierKind.Ordered, NoMatchAction.Next,
            "the Admin tier (ClusterNetworkPolicy tier Admin and AdminNetworkPolicy, by priority)");

    /// <summary>The tier of Baseline-tier ClusterNetworkPolicy and BaselineAdminNetworkPolicy.</summary>
    public Func<PolicyCompileContext, Tier> Baseline { get; set; } =
        c => c.Tier(PolicyLayer.Cni, StandardTiers.Baseline, StandardTiers.BaselineOrder, TierKind.Ordered, NoMatchAction.Next,
            "the Baseline tier (ClusterNetworkPolicy tier Baseline by priority, then BaselineAdminNetworkPolicy)");

    /// <summary>
    /// Add the two node peers (the pod's own node, another node) to the classes, for a CNI whose
    /// policies tell nodes apart from pods and addresses (Cilium's <c>host</c> and
    /// <c>remote-node</c>). Host-network pods then connect as their node.
    /// </summary>
    public bool NodePeers { get; set; }

    /// <summary>
    /// The labels pod selectors of every kind match a class against, when the CNI adds labels of
    /// its own to each pod (Cilium: namespace, service account, cluster, namespace labels); null:
    /// the pod's labels.
    /// </summary>
    public Func<Connectivity.PeerClass, IReadOnlyDictionary<string, string>>? PodLabels { get; set; }
}

/// <summary>Names and orders of the standard tiers, on Calico's scale so CNI tiers can sit between them.</summary>
internal static class StandardTiers
{
    public const string Admin = "Admin";
    public const string NetworkPolicy = "NetworkPolicy";
    public const string Baseline = "Baseline";

    public const double AdminOrder = 1_000;
    public const double NetworkPolicyOrder = 1_000_000;
    public const double BaselineOrder = 10_000_000;

    /// <summary>BaselineAdminNetworkPolicy has no priority: it comes after every Baseline-tier ClusterNetworkPolicy (priorities end at 1000).</summary>
    public const double BaselineAdminNetworkPolicyPriority = 1_001;
}

/// <summary>The registered policy kinds, in planning order.</summary>
internal static class PolicyKinds
{
    public static IReadOnlyList<IPolicyKind> All { get; } = new IPolicyKind[]
    {
        new KubernetesNetworkPolicyKind(),
        new AdminNetworkPolicyKind(),
        new ClusterNetworkPolicyKind(),
        new CalicoPolicyKind(),
        new CiliumPolicyKind(),
        new IstioPolicyKind(),
    };
}
