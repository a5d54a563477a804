namespace NetSecPS.ClusterGenerator;

/// <summary>
/// What to generate. <see cref="Pods"/>, <see cref="Workloads"/> and <see cref="Policies"/>
/// are met exactly (pods counted as running Pod objects, workloads as top owners the way
/// connectivity output names peers, policies as NetworkPolicy objects); everything else
/// (nodes, namespaces, services, admin policies, RBAC) follows from them as in a real cluster.
/// </summary>
public sealed record ClusterShape(int Pods, int Workloads, int Policies, int Seed = ClusterShape.DefaultSeed)
{
    public const int DefaultSeed = 20250106;

    /// <summary>A small production cluster: 1,000 pods, 200 workloads, 200 policies.</summary>
    public static ClusterShape Small { get; } = new(1_000, 200, 200);

    /// <summary>The reference shape of issue 9: 10,000 pods, 2,000 workloads, 2,000 policies.</summary>
    public static ClusterShape Medium { get; } = new(10_000, 2_000, 2_000);

    /// <summary>
    /// 50,000 pods with workloads and policies grown in proportion (10,000 each): a cluster five
    /// times larger has five times as many teams, not five times as many replicas per team.
    /// </summary>
    public static ClusterShape Large { get; } = new(50_000, 10_000, 10_000);

    /// <summary>The three benchmark shapes by pod count.</summary>
    public static ClusterShape ForPods(int pods) => pods switch
    {
        1_000 => Small,
        10_000 => Medium,
        50_000 => Large,
        _ => new ClusterShape(pods, Math.Max(20, pods / 5), Math.Max(20, pods / 5)),
    };

    /// <summary>
    /// More ipBlock peers per namespace: the partner-ingress policy of each tenant namespace lists
    /// this many extra partner networks (a public /24 with an excepted /28 each). Grows the external
    /// ranges the engine must cut without adding policies.
    /// </summary>
    public int ExtraIpBlocks { get; init; }

    /// <summary>Adds ClusterNetworkPolicies (v1alpha2) of both tiers beside the AdminNetworkPolicies, with networks rules that match pods by address.</summary>
    public bool ClusterNetworkPolicies { get; init; }


    /// <summary>
    /// A cluster whose CNI is Cilium: the Cilium agent replaces kube-proxy, every other tenant
    /// namespace is segmented with CiliumNetworkPolicies instead of NetworkPolicies (the same
    /// rules, with Cilium's L7, DNS-proxy, FQDN, entity, deny and CIDR-group features on top), and
    /// CiliumClusterwideNetworkPolicies take the place of the admin policies. <see cref="Policies"/>
    /// counts NetworkPolicies and CiliumNetworkPolicies together.
    /// </summary>
    public bool Cilium { get; init; }

    /// <summary>
    /// A cluster whose CNI is Calico: calico-node and calico-kube-controllers run in calico-system,
    /// every other tenant namespace is segmented with projectcalico.org/v3 NetworkPolicies instead of
    /// NetworkPolicies (the same rules in Calico's selector language, ipBlocks as nets/notNets, the
    /// partner networks as a NetworkSet), and GlobalNetworkPolicies in Tiers of their own (default
    /// action Pass) take the place of the admin policies, with a GlobalNetworkSet for the cloud
    /// metadata addresses. <see cref="Policies"/> counts NetworkPolicies of both API groups together.
    /// Not together with <see cref="Cilium"/>.
    /// </summary>
    public bool Calico { get; init; }

    /// <summary>A stable folder name for cached output.</summary>
    public string Id => $"p{Pods}-w{Workloads}-n{Policies}-s{Seed}" + (ExtraIpBlocks > 0 ? $"-x{ExtraIpBlocks}" : string.Empty) + (ClusterNetworkPolicies ? "-cnp" : string.Empty) + (Cilium ? "-cilium" : string.Empty) + (Calico ? "-calico" : string.Empty);

    public override string ToString() =>
        $"{Pods:N0} pods / {Workloads:N0} workloads / {Policies:N0} policies{(ExtraIpBlocks > 0 ? $" / +{ExtraIpBlocks} ipBlocks per namespace" : string.Empty)}{(ClusterNetworkPolicies ? " / ClusterNetworkPolicies" : string.Empty)}{(Cilium ? " / Cilium" : string.Empty)}{(Calico ? " / Calico" : string.Empty)} (seed {Seed})";
}
