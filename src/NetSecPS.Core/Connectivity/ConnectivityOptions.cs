namespace NetSecPS.Core.Connectivity;

/// <summary>Choices that change what the engine considers enforced.</summary>
internal sealed record ConnectivityOptions
{
    /// <summary>
    /// False (the default): host-network pods are treated as Kubernetes documents the common
    /// case: policies never select them, and as a peer their traffic is the node's address,
    /// matched only by ipBlocks/networks that hold that address (or, when the snapshot does not
    /// know it, only by rules open to every address). True: they are evaluated like any other
    /// pod, as netpol-analyzer does; the conformance suite runs this way.
    /// </summary>
    public bool HostNetworkPodsFollowPolicies { get; init; }

    /// <summary>
    /// True (the default): when the snapshot holds the ingress controller's own pods (ingress-nginx,
    /// Traefik, HAProxy, Kong, Contour/Envoy, Istio ingress gateway, the OpenShift router, ...,
    /// recognised by their labels), <c>{ingress-controller}</c> connects as those pods, so the
    /// policies written for them count. False, or when none is found: it is an unlabelled pod
    /// in a namespace of its own, as netpol-analyzer models it.
    /// </summary>
    public bool DetectIngressControllers { get; init; } = true;

    /// <summary>
    /// True (the default): CIDRs of ClusterNetworkPolicy, AdminNetworkPolicy and
    /// BaselineAdminNetworkPolicy <c>networks</c> peers (and Calico <c>nets</c>) also match pods
    /// whose address they hold, as those APIs say ("Deny to 0.0.0.0/0 denies all IPv4 pod-to-pod
    /// traffic"). False: they match only external addresses, as netpol-analyzer evaluates them.
    /// </summary>
    public bool AddressRulesMatchPods { get; init; } = true;

    /// <summary>
    /// False (the default): IPv6 CIDRs are IPv6 ranges. True: they are read as netpol-analyzer
    /// reads them, which keeps only IPv4 ranges: the first 32 bits of an IPv6 address and of its
    /// mask give an IPv4 range (<c>::/0</c> is <c>0.0.0.0-255.255.255.255</c>, <c>fd00::/8</c> is
    /// <c>253.0.0.0-253.255.255.255</c>), so its external address output is reproduced exactly.
    /// </summary>
    public bool Ipv6AsNetpolAnalyzerReadsIt { get; init; }

    /// <summary>
    /// False (the default): a pod is in the Istio mesh when it runs an istio-proxy sidecar (a pod
    /// template: when its namespace or its own labels ask for injection). True: every pod that is
    /// not on the host network is, as network-config-analyzer models Istio.
    /// </summary>
    public bool IstioEveryPodInMesh { get; init; }

    /// <summary>
    /// True (the default): PeerAuthentication decides each flow's mutual TLS, STRICT refuses
    /// plaintext callers and DISABLE leaves principals and namespaces unknown to the destination.
    /// False: every connection between sidecars is mutual TLS and nothing is refused for it, as
    /// network-config-analyzer models Istio.
    /// </summary>
    public bool IstioPeerAuthentication { get; init; } = true;

    /// <summary>The name of the semantics, as baselines record it: null for NetSecPS's own, <c>netpol-analyzer</c> for <see cref="NetpolAnalyzerCompatible"/>.</summary>
    public string? SemanticsName => this == NetpolAnalyzerCompatible ? NetpolAnalyzerSemanticsName : null;

    public const string NetpolAnalyzerSemanticsName = "netpol-analyzer";

    /// <summary>The options a baseline's recorded semantics stand for.</summary>
    public static ConnectivityOptions FromSemanticsName(string? name) => name == NetpolAnalyzerSemanticsName ? NetpolAnalyzerCompatible : Default;

    public static ConnectivityOptions Default { get; } = new();

    /// <summary>The semantics of the netpol-analyzer golden files.</summary>
    public static ConnectivityOptions NetpolAnalyzerCompatible { get; } = new()
    {
        HostNetworkPodsFollowPolicies = true, DetectIngressControllers = false, AddressRulesMatchPods = false, Ipv6AsNetpolAnalyzerReadsIt = true,
    };
}
