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

    /// <summary>The flow as one connlist line: <c>SRC => DST : CONNECTIONS</c>.</summary>
    public override string ToString() => $"{Source} => {Destination} : {Connections}";
}

/// <summary>The verdict of <c>Test-NetSecConnection</c> for one connection, with its explanation.</summary>
public sealed record ConnectionVerdict
{
    public required string From { get; init; }
    public required string To { get; init; }
    public required string Protocol { get; init; }
    public int Port { get; init; }
    public bool Allowed { get; init; }
    /// <summary>The layer that decided: AdminNetworkPolicy, NetworkPolicy, BaselineAdminNetworkPolicy, Default, HostNetwork.</summary>
    public string Layer { get; init; } = string.Empty;
    /// <summary>The policy that decided, as <c>namespace/name</c> or the admin policy's name.</summary>
    public string? Policy { get; init; }
    public string? Rule { get; init; }
    /// <summary>One readable sentence.</summary>
    public string Explanation { get; init; } = string.Empty;
    /// <summary>Each step of the evaluation, egress side then ingress side.</summary>
    public IReadOnlyList<string> Steps { get => TextValues.List(field); init; } = Array.Empty<string>();
}
