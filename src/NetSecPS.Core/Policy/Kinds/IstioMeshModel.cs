using System.Collections.Concurrent;
using NetSecPS.Core.Connectivity;

namespace NetSecPS.Core.Policy;

/// <summary>The mesh's part of one flow: its mutual TLS and what the mesh admits only for some requests.</summary>
internal sealed record MeshFlowInfo(MtlsState Mtls, string? Detail, string? L7Restricted);

/// <summary>Egress to a ServiceEntry host that is a DNS name: allowed by the source's sidecar, but not an address a static analysis can place.</summary>
/// <param name="Sources">The pod classes whose sidecars may reach the host.</param>
/// <param name="Host">The host as the ServiceEntry names it (<c>www.example.com</c>, <c>*.example.com</c>).</param>
/// <param name="Ports">The ServiceEntry's ports.</param>
/// <param name="Via">The ServiceEntry and, where one applies, the Sidecar that imports it.</param>
internal sealed record MeshHostEgress(ClassSet Sources, string Host, ConnectionSet Ports, string Via);

/// <summary>
/// The Istio mesh over the peer classes of one policy model: which classes run a sidecar, their
/// identity, their effective PeerAuthentication and intercepted ports, and the DNS hosts their
/// sidecars may reach. The engine asks it for each flow's <see cref="MtlsState"/>.
/// </summary>
internal sealed class IstioMeshModel
{
    private static readonly ConnectionSet Tcp = ConnectionSet.AllPorts("TCP");

    /// <summary>istiod's secure port: xDS and certificate signing over TLS, the proxy authenticated by istiod itself.</summary>
    private const int ControlPlanePort = 15012;

    private static readonly ConnectionSet ControlPlaneConnections = ConnectionSet.Port("TCP", ControlPlanePort);
    private readonly ConcurrentDictionary<(int, int, ConnectionSet), (MtlsState, string?)> pairs = new();

    public IstioMeshModel(IstioMesh facts, PeerClassBuilder.Result classes, ConnectivityOptions options)
    {
        Facts = facts;
        Options = options;
        var count = classes.Classes.Count;
        Membership = new MeshMembership[count];
        Principals = new string?[count];
        Mtls = new EffectiveMtls?[count];
        Captured = new ConnectionSet[count];
        ControlPlane = new bool[count];
        foreach (var c in classes.Classes)
        {
            Captured[c.Index] = ConnectionSet.None;
            if (c.Pods.Count == 0)
            {
                continue;
            }

            var pod = c.Pods[0];
            var membership = facts.Membership(pod);
            Membership[c.Index] = membership;
            if (membership == MeshMembership.None)
            {
                ControlPlane[c.Index] = c.Namespace == facts.RootNamespace && IstioMesh.IsControlPlane(pod);
                continue;
            }

            Principals[c.Index] = facts.Principal(c.Namespace, IstioMesh.ServiceAccount(pod));
            if (membership == MeshMembership.Sidecar)
            {
                Captured[c.Index] = IstioMesh.CapturedInboundPorts(pod);
                Mtls[c.Index] = !options.IstioPeerAuthentication
                    ? new EffectiveMtls(new MtlsSetting("PERMISSIVE", null, "not evaluated"), new Dictionary<int, MtlsSetting>())
                    : IstioMesh.IsGateway(pod)
                        ? new EffectiveMtls(MtlsSetting.Gateway, new Dictionary<int, MtlsSetting>())
                        : facts.PeerAuthentication(c.Namespace, c.Labels);
            }
        }
    }

    public IstioMesh Facts { get; }
    public ConnectivityOptions Options { get; }

    /// <summary>Per class index: sidecar, ambient or none.</summary>
    public MeshMembership[] Membership { get; }

    /// <summary>Per class index: the identity of a meshed class's certificate; null outside the mesh.</summary>
    public string?[] Principals { get; }

    /// <summary>Per class index: the effective PeerAuthentication of a sidecar class.</summary>
    public EffectiveMtls?[] Mtls { get; }

    /// <summary>Per class index: the TCP ports its sidecar intercepts inbound (none without a sidecar).</summary>
    public ConnectionSet[] Captured { get; }

    /// <summary>Per class index: istiod's pods in the root namespace (no sidecar of their own).</summary>
    public bool[] ControlPlane { get; }

    /// <summary>ServiceEntry hosts named by DNS that sidecars may reach (what the flows cannot list).</summary>
    public List<MeshHostEgress> HostEgress { get; } = new();

    public bool HasSidecar(int classIndex) => classIndex >= 0 && Membership[classIndex] == MeshMembership.Sidecar;

    /// <summary>
    /// The mesh part of a flow: for each pair of source and destination classes (an empty list
    /// stands for an external address, which has no sidecar), the state of its TCP connections,
    /// the weakest of them winning; <paramref name="l7Restricted"/> as the engine found it.
    /// </summary>
    public MeshFlowInfo? Annotate(IReadOnlyList<int> sources, IReadOnlyList<int> destinations, ConnectionSet connections, string? l7Restricted)
    {
        var tcp = connections.Intersect(Tcp);
        (MtlsState State, string? Detail)? weakest = null;
        foreach (var s in sources.Count == 0 ? new[] { -1 } : sources)
        {
            foreach (var d in destinations.Count == 0 ? new[] { -1 } : destinations)
            {
                var pair = pairs.GetOrAdd((s, d, tcp), k => Pair(k.Item1, k.Item2, k.Item3));
                if (weakest is null || Rank(pair.Item1) > Rank(weakest.Value.State))
                {
                    weakest = pair;
                }
            }
        }

        var (state, detail) = weakest!.Value;
        return state == MtlsState.None && detail is null && l7Restricted is null ? null : new MeshFlowInfo(state, detail, l7Restricted);
    }

    private static int Rank(MtlsState state) => state switch
    {
        MtlsState.Strict => 0,
        MtlsState.Permissive or MtlsState.ControlPlane => 1,
        MtlsState.Ambient => 2,
        MtlsState.None => 4,
        _ => 3,
    };

    private (MtlsState, string?) Pair(int s, int d, ConnectionSet tcp)
    {
        var src = s < 0 ? MeshMembership.None : Membership[s];
        var dst = d < 0 ? MeshMembership.None : Membership[d];
        if (src == MeshMembership.None && dst == MeshMembership.None)
        {
            return (MtlsState.None, null);
        }

        if (tcp.IsEmpty)
        {
            return (MtlsState.None, "no TCP connection: sidecars do not intercept other protocols");
        }

        if (src == MeshMembership.Ambient || dst == MeshMembership.Ambient)
        {
            return (MtlsState.Ambient, "ambient mode (ztunnel) is not evaluated");
        }

        if (dst == MeshMembership.None)
        {
            var secure = d >= 0 && ControlPlane[d] && src == MeshMembership.Sidecar ? tcp.Intersect(ControlPlaneConnections) : ConnectionSet.None;
            if (secure.IsEmpty)
            {
                return (MtlsState.DestinationWithoutSidecar, "the destination runs no sidecar");
            }

            // The proxy's own channel to istiod: TLS that istiod terminates and authenticates itself.
            var controlPlane = $"the Istio control plane on TCP {ControlPlanePort}: istiod serves configuration and certificates over TLS and authenticates the proxy itself";
            var other = tcp.Subtract(secure);
            return other.IsEmpty
                ? (MtlsState.ControlPlane, controlPlane)
                : (MtlsState.DestinationWithoutSidecar, $"{controlPlane}; {other.Format(false)} reach istiod, which runs no sidecar, in plaintext");
        }

        var mtls = Mtls[d]!;
        var captured = tcp.Intersect(Captured[d]);
        var uncaptured = tcp.Subtract(Captured[d]);
        var parts = new List<(MtlsState State, string Text)>();
        if (!uncaptured.IsEmpty)
        {
            parts.Add((MtlsState.DestinationWithoutSidecar, $"{uncaptured.Format(false)} bypass the destination's sidecar (traffic.sidecar.istio.io inbound ports)"));
        }

        if (!captured.IsEmpty)
        {
            // The workload's own mode on the ports no portLevelMtls entry names, then each named port the flow uses.
            var named = ConnectionSet.None;
            foreach (var port in mtls.Ports.Keys)
            {
                named = named.Union(ConnectionSet.Port("TCP", port));
            }

            var rest = captured.Subtract(named);
            if (!rest.IsEmpty)
            {
                parts.Add((StateOf(mtls.Workload.Mode, src), mtls.Workload.ToString()));
            }

            foreach (var (port, setting) in mtls.Ports.OrderBy(p => p.Key))
            {
                if (captured.Contains("TCP", port))
                {
                    parts.Add((StateOf(setting.Mode, src), $"TCP {port} {setting}"));
                }
            }
        }

        var worst = parts.OrderByDescending(p => Rank(p.State)).First().State;
        return (worst, string.Join("; ", parts.Select(p => p.Text).Distinct()));
    }

    private static MtlsState StateOf(string mode, MeshMembership source) => mode switch
    {
        "DISABLE" => MtlsState.Disable,
        _ when source == MeshMembership.None => MtlsState.SourceWithoutSidecar,
        "STRICT" => MtlsState.Strict,
        _ => MtlsState.Permissive,
    };
}
