namespace NetSecPS;

/// <summary>An inclusive range of ports of one protocol.</summary>
public sealed record PortRange(string Protocol, int From, int To)
{
    public override string ToString() => From == To ? $"{Protocol} {From}" : $"{Protocol} {From}-{To}";
}

/// <summary>What kind of thing a peer of a flow is.</summary>
public enum PeerKind
{
    Workload,
    External,
    IngressController,
}

/// <summary>An allowed flow between two peers, as the connectivity engine computes it.</summary>
public sealed record Flow
{
    /// <summary>Source peer: <c>ns/name[Kind]</c>, <c>first-last[External]</c> or <c>{ingress-controller}</c>.</summary>
    public required string Source { get; init; }
    public required string Destination { get; init; }
    public PeerKind SourceKind { get; init; }
    public PeerKind DestinationKind { get; init; }
    public string? SourceNamespace { get; init; }
    public string? DestinationNamespace { get; init; }
    /// <summary>Connections in connlist text form, e.g. <c>TCP 80,UDP 53</c> or <c>All Connections</c>.</summary>
    public required string Connections { get; init; }
    public bool AllConnections { get; init; }
    /// <summary>The allowed connections as protocol port ranges (every protocol's full range when all are allowed).</summary>
    public IReadOnlyList<PortRange> Ports { get => TextValues.List(field); init; } = Array.Empty<PortRange>();

    /// <summary>
    /// The flow's transport in the Istio mesh: <see cref="MtlsState.Strict"/> or
    /// <see cref="MtlsState.Permissive"/> when both ends run a sidecar (mutual TLS),
    /// <see cref="MtlsState.Disable"/>, or which end has no sidecar. <see cref="MtlsState.None"/>
    /// when neither end is in the mesh or the cluster runs no Istio. Where the flow's ports differ,
    /// the weakest state; <see cref="MtlsDetail"/> says which ports and why.
    /// </summary>
    public MtlsState Mtls { get; init; }

    /// <summary>The PeerAuthentication (or default) that decides <see cref="Mtls"/>, and any port that differs; null outside the mesh.</summary>
    public string? MtlsDetail { get; init; }

    /// <summary>Both ends run a sidecar and mutual TLS carries the flow's TCP connections (STRICT, or PERMISSIVE with Istio's automatic mTLS).</summary>
    public bool MutuallyAuthenticated => Mtls is MtlsState.Strict or MtlsState.Permissive;

    /// <summary>
    /// Connections the mesh admits only for some requests (HTTP methods, paths or hosts, JWT
    /// principals, or <c>when</c> conditions a static analysis does not evaluate), in connlist
    /// form (<c>TCP 9080</c>); null when the mesh admits every request of the flow's connections.
    /// </summary>
    public string? L7Restricted { get; init; }

    /// <summary>The flow as one connlist line: <c>SRC => DST : CONNECTIONS</c>.</summary>
    public override string ToString() => $"{Source} => {Destination} : {Connections}";
}

/// <summary>How the Istio mesh carries a flow: the destination's effective PeerAuthentication mode, or which end runs no sidecar.</summary>
public enum MtlsState
{
    /// <summary>Neither end runs an Istio sidecar (or the cluster runs no Istio): the mesh plays no part.</summary>
    None,

    /// <summary>Both ends run a sidecar and the destination requires mutual TLS (PeerAuthentication STRICT).</summary>
    Strict,

    /// <summary>Both ends run a sidecar; the destination accepts plaintext too (PERMISSIVE), and Istio's automatic mTLS encrypts this flow.</summary>
    Permissive,

    /// <summary>The destination's sidecar has mutual TLS switched off (PeerAuthentication DISABLE): plaintext.</summary>
    Disable,

    /// <summary>The source runs no sidecar (or is an external address): plaintext, accepted because the destination is PERMISSIVE or DISABLE.</summary>
    SourceWithoutSidecar,

    /// <summary>The destination runs no sidecar: the source's sidecar sends plaintext.</summary>
    DestinationWithoutSidecar,

    /// <summary>An end is enrolled in Istio's ambient mode (ztunnel): not evaluated.</summary>
    Ambient,

    /// <summary>
    /// A sidecar's connection to the Istio control plane (istiod in the root namespace) on TCP 15012,
    /// the port on which istiod serves configuration and certificates over TLS and authenticates the
    /// proxy itself. It is infrastructure, not traffic between workloads, and the reports' mutual TLS
    /// share leaves it out.
    /// </summary>
    ControlPlane,
}

/// <summary>Direction of traffic relative to a workload.</summary>
public enum TrafficDirection
{
    Ingress,
    Egress,
}

/// <summary>
/// An enforcement point that must allow a connection on its own. Layers intersect: a connection
/// is allowed only when the exposure (for the ingress controller), the CNI's packet filter and,
/// where a mesh runs, the mesh proxy all allow it.
/// </summary>
public enum PolicyLayer
{
    /// <summary>Ingress, Route and Gateway API objects that expose a workload to the ingress controller.</summary>
    Exposure,

    /// <summary>Packet filtering by the CNI: NetworkPolicy, ClusterNetworkPolicy and AdminNetworkPolicy, Calico, Cilium.</summary>
    Cni,

    /// <summary>The service-mesh proxy: Istio PeerAuthentication and AuthorizationPolicy at the destination's sidecar, Sidecar egress scoping at the source's.</summary>
    Mesh,
}

/// <summary>What a policy rule does with the connections it matches.</summary>
public enum RuleAction
{
    /// <summary>Allow (AdminNetworkPolicy Allow, ClusterNetworkPolicy Accept, every NetworkPolicy rule).</summary>
    Allow,

    /// <summary>Deny: no later rule or tier can allow the connection.</summary>
    Deny,

    /// <summary>Skip the rest of this tier and let the next tier decide.</summary>
    Pass,

    /// <summary>Record the connection and go on: no effect on the verdict.</summary>
    Log,
}

/// <summary>One layer's decision on one direction of a connection.</summary>
public sealed record PolicyDecision
{
    public PolicyLayer Layer { get; init; }
    public TrafficDirection Direction { get; init; }
    public bool Allowed { get; init; }

    /// <summary>The tier that decided (<c>Admin</c>, <c>NetworkPolicy</c>, <c>Baseline</c>, a Calico tier); null when no policy applies.</summary>
    public string? Tier { get; init; }

    /// <summary>The kind of the deciding policy (<c>NetworkPolicy</c>, <c>ClusterNetworkPolicy</c>, ...); null when no policy decided.</summary>
    public string? PolicyKind { get; init; }
    public string? Policy { get; init; }
    public string? Rule { get; init; }

    /// <summary>The deciding rule's action; null when the verdict is a default (no rule matched).</summary>
    public RuleAction? Action { get; init; }
    public string Text { get; init; } = string.Empty;
}

/// <summary>The verdict of <c>Test-NetSecConnection</c> for one connection, with its explanation.</summary>
public sealed record ConnectionVerdict
{
    public required string From { get; init; }
    public required string To { get; init; }
    public required string Protocol { get; init; }
    public int Port { get; init; }
    public bool Allowed { get; init; }

    /// <summary>The layer whose decision stands: the one that denied, else the one that allowed by a policy.</summary>
    public PolicyLayer Layer { get; init; } = PolicyLayer.Cni;

    /// <summary>The tier that decided; null when no policy applies (the cluster default) or the host network decides.</summary>
    public string? Tier { get; init; }

    /// <summary>The kind of the deciding policy; null when no policy decided.</summary>
    public string? PolicyKind { get; init; }

    /// <summary>The policy that decided, as <c>namespace/name</c> or the cluster-scoped policy's name.</summary>
    public string? Policy { get; init; }
    public string? Rule { get; init; }

    /// <summary>The deciding rule's action; null for a default or a tier's verdict for selected endpoints that no rule matched.</summary>
    public RuleAction? Action { get; init; }

    /// <summary>The decision of each layer and direction that was evaluated, egress first.</summary>
    public IReadOnlyList<PolicyDecision> Decisions { get; init; } = Array.Empty<PolicyDecision>();

    /// <summary>
    /// What a static analysis could not decide for this connection (a CIDR that may hold the pod's
    /// unknown address, an FQDN or L7 rule, a nodes peer without node data); empty when the
    /// verdict is exact.
    /// </summary>
    public IReadOnlyList<string> Undecided { get; init; } = Array.Empty<string>();

    /// <summary>The mesh transport of this connection (PeerAuthentication of the destination, sidecars of both ends); <see cref="MtlsState.None"/> outside the mesh.</summary>
    public MtlsState Mtls { get; init; }

    /// <summary>One readable sentence.</summary>
    public string Explanation { get; init; } = string.Empty;

    /// <summary>Each step of the evaluation, egress side then ingress side.</summary>
    public IReadOnlyList<string> Steps { get => TextValues.List(field); init; } = Array.Empty<string>();
}
