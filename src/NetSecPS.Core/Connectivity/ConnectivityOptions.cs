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

    public static ConnectivityOptions Default { get; } = new();

    /// <summary>The semantics of the netpol-analyzer golden files.</summary>
    public static ConnectivityOptions NetpolAnalyzerCompatible { get; } = new() { HostNetworkPodsFollowPolicies = true };
}
