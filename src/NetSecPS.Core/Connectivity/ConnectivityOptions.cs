namespace NetSecPS.Core.Connectivity;

/// <summary>Choices that change what the engine considers enforced.</summary>
public sealed record ConnectivityOptions
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

    public static ConnectivityOptions Default { get; } = new();

    /// <summary>The semantics of the netpol-analyzer golden files.</summary>
    public static ConnectivityOptions NetpolAnalyzerCompatible { get; } = new() { HostNetworkPodsFollowPolicies = true, DetectIngressControllers = false };
}
