using System.Text;
using NetSecPS.Core.Model;

namespace NetSecPS.Core.Connectivity;

/// <summary>What a peer class stands for.</summary>
internal enum PeerClassKind
{
    /// <summary>Pods of the snapshot.</summary>
    Pod,
    /// <summary>A pod with no labels in a namespace with no labels that exists nowhere in the snapshot.</summary>
    ArbitraryPod,
    /// <summary>The ingress controller behind Ingress, Route and Gateway API objects: an unlabelled pod in its own namespace.</summary>
    IngressController,

    /// <summary>
    /// A node's host network (host-network pods included), as seen from the pod at the other end:
    /// its own node or another node (Cilium's <c>host</c> and <c>remote-node</c> entities). Present
    /// only where a policy kind distinguishes nodes from pods and addresses (Cilium).
    /// </summary>
    Node,
}

/// <summary>Which node a <see cref="PeerClassKind.Node"/> peer is, relative to the pod at the other end of the connection.</summary>
internal enum NodeRelation
{
    /// <summary>Not a node peer.</summary>
    None,

    /// <summary>The node the pod runs on (Cilium's <c>host</c> entity).</summary>
    Local,

    /// <summary>Any other node of the cluster (Cilium's <c>remote-node</c> entity).</summary>
    Remote,
}

/// <summary>
/// Pods that no policy can tell apart: same namespace (and so namespace labels), same labels,
/// same container ports and host-network setting. The engine computes per class, not per pod.
/// </summary>
internal sealed class PeerClass
{
    internal PeerClass(int index, PeerClassKind kind, string ns, IReadOnlyDictionary<string, string> namespaceLabels,
        IReadOnlyDictionary<string, string> labels, IReadOnlyList<ContainerPort> ports, bool hostNetwork, IpRange? hostAddress,
        IpRange? addressInterval = null, int addressFamily = 0, string? serviceAccount = null, NodeRelation node = NodeRelation.None)
    {
        ServiceAccount = serviceAccount;
        Node = node;
        AddressInterval = addressInterval;
        AddressFamily = addressFamily;
        Index = index;
        Kind = kind;
        Namespace = ns;
        NamespaceLabels = namespaceLabels;
        Labels = labels;
        Ports = ports;
        HostNetwork = hostNetwork;
        HostAddress = hostAddress;
    }

    public int Index { get; }
    public PeerClassKind Kind { get; }
    public string Namespace { get; }
    public IReadOnlyDictionary<string, string> NamespaceLabels { get; }
    public IReadOnlyDictionary<string, string> Labels { get; }
    public IReadOnlyList<ContainerPort> Ports { get; }

    /// <summary>The pods share the node's network namespace (<c>hostNetwork: true</c>).</summary>
    public bool HostNetwork { get; }

    /// <summary>The node address of host-network pods, when the snapshot knows it.</summary>
    public IpRange? HostAddress { get; }

    /// <summary>
    /// For pods whose address the snapshot knows (live <c>status.podIP</c>, or the node's
    /// <c>podCIDR</c>): the interval of the address space, cut by the CIDRs of rules that match
    /// pod addresses, that holds all of the class's addresses. Null when unknown or when no such
    /// rule exists.
    /// </summary>
    public IpRange? AddressInterval { get; }

    /// <summary>The address family of the pods (4 or 6); 0 when unknown, taken as IPv4.</summary>
    public int AddressFamily { get; }

    /// <summary>
    /// The pods' service account (<c>spec.serviceAccountName</c>, <c>default</c> when unset), when a
    /// policy kind tells pods apart by it (Calico and Cilium service account selectors): classes
    /// are then split by service account. Null when classes are not split so.
    /// </summary>
    public string? ServiceAccount { get; }

    /// <summary>For a <see cref="PeerClassKind.Node"/> peer: the pod's own node or another node.</summary>
    public NodeRelation Node { get; }

    /// <summary>Index of this class's named-port map among all classes; 0 when it has no named port.</summary>
    internal int NamedPortSignature { get; set; }

    public List<Workload> Workloads { get; } = new();
    public List<PodInfo> Pods { get; } = new();

    /// <summary>
    /// The number and protocol a named port resolves to on these pods, as NetworkPolicy and admin
    /// policies resolve it: the first container port with that name. Null when none has it.
    /// </summary>
    public ContainerPort? NamedPort(string name)
    {
        foreach (var p in Ports)
        {
            if (p.Name == name)
            {
                return p;
            }
        }

        return null;
    }

    public override string ToString() => Kind switch
    {
        PeerClassKind.ArbitraryPod => "an arbitrary pod",
        PeerClassKind.IngressController => ConnectivityEngine.IngressControllerPeer,
        PeerClassKind.Node => Node == NodeRelation.Local ? "the pod's own node" : "another node",
        _ => Workloads.Count > 0 ? Workloads[0].Peer : Namespace + "/" + string.Join(",", Labels.Select(l => l.Key + "=" + l.Value)),
    };
}

/// <summary>
/// Something beyond namespace, labels, container ports, host network and address that a policy
/// kind's rules tell pods apart by (<see cref="Policy.IPolicyKind.ClassDistinction"/>): pods of one
/// class agree on <see cref="KeyOf"/>. The builder splits classes by every distinction the kinds
/// ask for, each once.
/// </summary>
internal sealed class PodDistinction
{
    public PodDistinction(string name, Func<PodInfo, string> keyOf)
    {
        Name = name;
        KeyOf = keyOf;
    }

    /// <summary>
    /// The service account a pod runs as (<see cref="PeerClassBuilder.ServiceAccountOf"/>), which
    /// Calico's <c>serviceAccountSelector</c> and <c>projectcalico.org/serviceaccount</c> and Cilium's
    /// <c>io.cilium.k8s.policy.serviceaccount</c> select by. Classes split by it carry it
    /// (<see cref="PeerClass.ServiceAccount"/>), the synthetic ones <c>default</c>.
    /// </summary>
    public static PodDistinction ServiceAccount { get; } = new("service account", PeerClassBuilder.ServiceAccountOf);

    /// <summary>What the distinction is, for debugging: <c>service account</c>, <c>Istio sidecar and identity</c>.</summary>
    public string Name { get; }

    /// <summary>The pod's value: pods with different values never share a class.</summary>
    public Func<PodInfo, string> KeyOf { get; }

    public override string ToString() => Name;
}

/// <summary>Groups the model's pods into <see cref="PeerClass"/>es and adds the synthetic classes.</summary>
internal static class PeerClassBuilder
{
    /// <summary>The namespace of the ingress controller peer, as netpol-analyzer names it.</summary>
    public const string IngressControllerNamespace = "ingress-controller-ns";

    public sealed record Result(
        IReadOnlyList<PeerClass> Classes,
        IReadOnlyDictionary<Workload, IReadOnlyList<PeerClass>> ByWorkload,
        IReadOnlyDictionary<PodInfo, PeerClass> ByPod,
        PeerClass Arbitrary,
        PeerClass IngressController,
        IReadOnlyList<PeerClass> DetectedIngressControllers,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> NamespaceLabels)
    {
        /// <summary>The node peers (the pod's own node, another node) when a policy kind asked for them; null otherwise.</summary>
        public (PeerClass Local, PeerClass Remote)? Nodes { get; init; }

        /// <summary>The node peer for one relation.</summary>
        public PeerClass? NodePeer(NodeRelation relation) => relation switch
        {
            NodeRelation.Local => Nodes?.Local,
            NodeRelation.Remote => Nodes?.Remote,
            _ => null,
        };
    }

    public static Result Build(ClusterModel model, ConnectivityOptions options) => Build(model, options, Array.Empty<IpRange>());

    /// <summary>The service account a pod runs as: <c>spec.serviceAccountName</c>, else the namespace's <c>default</c> the API server assigns.</summary>
    public static string ServiceAccountOf(PodInfo pod) =>
        pod.Spec?.ServiceAccountName is { Length: > 0 } sa ? sa : pod.Spec?.ServiceAccount is { Length: > 0 } legacy ? legacy : "default";

    /// <summary>
    /// Groups pods into classes. <paramref name="podAddressCuts"/> are the CIDRs of rules that also
    /// match pod addresses: pods are further grouped by the interval of those cuts their address
    /// falls in, so each such CIDR holds all or none of a class. <paramref name="distinctions"/>
    /// further tell pods apart (the service account for Calico and Cilium selectors; Istio: the
    /// sidecar and the identity), so pods of one class agree on each; <paramref name="nodePeers"/>
    /// adds the node peers Cilium's entities name.
    /// </summary>
    public static Result Build(ClusterModel model, ConnectivityOptions options, IReadOnlyList<IpRange> podAddressCuts,
        IReadOnlyList<PodDistinction>? distinctions = null, bool nodePeers = false, CancellationToken cancellationToken = default)
    {
        distinctions ??= Array.Empty<PodDistinction>();
        var byServiceAccount = distinctions.Contains(PodDistinction.ServiceAccount);
        var addresses = PodAddresses.Create(model, podAddressCuts);
        var classes = new List<PeerClass>();
        var byKey = new Dictionary<string, PeerClass>(StringComparer.Ordinal);
        var byWorkload = new Dictionary<Workload, IReadOnlyList<PeerClass>>();
        var byPod = new Dictionary<PodInfo, PeerClass>();
        var namespaceLabels = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var ns in model.Namespaces.Values)
        {
            namespaceLabels[ns.Name] = ns.Labels;
        }

        var sb = new StringBuilder();
        foreach (var w in model.Workloads)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var mine = new List<PeerClass>();
            foreach (var pod in w.Pods)
            {
                var exempt = pod.HostNetwork && !options.HostNetworkPodsFollowPolicies;
                IpRange? hostAddress = null;
                if (exempt && pod.Source?.Typed is k8s.Models.V1Pod { Status.HostIP: { } hostIp } && IpRange.TryParseAddress(hostIp, out var a))
                {
                    hostAddress = a;
                }

                sb.Clear();
                sb.Append(pod.Namespace).Append('\u0001');
                foreach (var (k, v) in pod.Labels.OrderBy(l => l.Key, StringComparer.Ordinal))
                {
                    sb.Append(k).Append('=').Append(v).Append('\u0002');
                }

                sb.Append('\u0001');
                foreach (var p in pod.Ports)
                {
                    sb.Append(p.Name).Append(':').Append(p.Port).Append('/').Append(p.Protocol).Append('\u0002');
                }

                sb.Append('\u0001').Append(exempt ? (hostAddress?.ToString() ?? "host") : "pod");
                var (interval, family) = exempt ? (null, 0) : addresses.Of(pod);
                sb.Append('\u0001').Append(interval?.ToString() ?? "?").Append('/').Append(family);
                foreach (var distinction in distinctions)
                {
                    sb.Append('\u0001').Append(distinction.KeyOf(pod));
                }

                var serviceAccount = byServiceAccount ? ServiceAccountOf(pod) : null;

                var key = sb.ToString();
                if (!byKey.TryGetValue(key, out var c))
                {
                    var nsLabels = namespaceLabels.TryGetValue(pod.Namespace, out var l) ? l : NameOnly(pod.Namespace);
                    c = new PeerClass(classes.Count, PeerClassKind.Pod, pod.Namespace, nsLabels, pod.Labels, pod.Ports, exempt, hostAddress, interval, family, serviceAccount);
                    classes.Add(c);
                    byKey[key] = c;
                }

                c.Pods.Add(pod);
                byPod[pod] = c;
                if (!mine.Contains(c))
                {
                    mine.Add(c);
                    c.Workloads.Add(w);
                }
            }

            byWorkload[w] = mine;
        }

        var arbitraryNs = "netsecps-arbitrary-namespace";
        while (model.Namespaces.ContainsKey(arbitraryNs))
        {
            arbitraryNs += "-x";
        }

        var arbitrary = new PeerClass(classes.Count, PeerClassKind.ArbitraryPod, arbitraryNs, NameOnly(arbitraryNs), PodInfo.Empty, Array.Empty<ContainerPort>(), false, null,
            null, addresses.PrimaryFamily, byServiceAccount ? "default" : null);
        classes.Add(arbitrary);
        var ingress = new PeerClass(classes.Count, PeerClassKind.IngressController, IngressControllerNamespace,
            namespaceLabels.TryGetValue(IngressControllerNamespace, out var icl) ? icl : NameOnly(IngressControllerNamespace),
            PodInfo.Empty, Array.Empty<ContainerPort>(), false, null, null, addresses.PrimaryFamily, byServiceAccount ? "default" : null);
        classes.Add(ingress);
        (PeerClass, PeerClass)? nodes = null;
        if (nodePeers)
        {
            // Matched only by entities and node selectors: no namespace, no labels, never a policy subject.
            var local = new PeerClass(classes.Count, PeerClassKind.Node, string.Empty, PodInfo.Empty, PodInfo.Empty, Array.Empty<ContainerPort>(), true, null, node: NodeRelation.Local);
            classes.Add(local);
            var remote = new PeerClass(classes.Count, PeerClassKind.Node, string.Empty, PodInfo.Empty, PodInfo.Empty, Array.Empty<ContainerPort>(), true, null, node: NodeRelation.Remote);
            classes.Add(remote);
            nodes = (local, remote);
        }

        var signatures = new Dictionary<string, int>(StringComparer.Ordinal) { [string.Empty] = 0 };
        foreach (var c in classes)
        {
            var named = string.Join('\u0002', c.Ports.Where(p => p.Name is not null).Select(p => $"{p.Name}:{p.Port}/{p.Protocol}"));
            if (!signatures.TryGetValue(named, out var id))
            {
                id = signatures.Count;
                signatures[named] = id;
            }

            c.NamedPortSignature = id;
        }

        var detected = options.DetectIngressControllers
            ? classes.Where(c => c.Kind == PeerClassKind.Pod && IsIngressController(c)).ToList()
            : new List<PeerClass>();
        return new Result(classes, byWorkload, byPod, arbitrary, ingress, detected, namespaceLabels) { Nodes = nodes };
    }

    /// <summary>Labels that the common ingress controllers and gateways put on their proxy pods.</summary>
    private static readonly (string Key, string? Value)[] ControllerSignatures =
    {
        ("app.kubernetes.io/name", "ingress-nginx"),
        ("app.kubernetes.io/name", "rke2-ingress-nginx"),
        ("app.kubernetes.io/name", "nginx-ingress"),
        ("app", "nginx-ingress"),
        ("app", "ingress-nginx"),
        ("app.kubernetes.io/name", "traefik"),
        ("app.kubernetes.io/name", "haproxy-ingress"),
        ("app.kubernetes.io/name", "kong"),
        ("istio", "ingressgateway"),
        ("app", "istio-ingressgateway"),
        ("ingresscontroller.operator.openshift.io/deployment-ingresscontroller", null),
        ("gateway.envoyproxy.io/owning-gateway-name", null),
        ("app.kubernetes.io/component", "envoy"),
    };

    private static bool IsIngressController(PeerClass c)
    {
        // Admission webhooks and certificate jobs carry the controller's name label but serve no traffic.
        if (c.Labels.TryGetValue("app.kubernetes.io/component", out var component) &&
            (component.Contains("webhook", StringComparison.OrdinalIgnoreCase) || component.Contains("admission", StringComparison.OrdinalIgnoreCase) ||
             component.Contains("certgen", StringComparison.OrdinalIgnoreCase)))
        {
            return false;
        }

        if (c.Workloads.All(w => w.Kind is "Job" or "CronJob"))
        {
            return false;
        }

        return ControllerSignatures.Any(s => c.Labels.TryGetValue(s.Key, out var v) && (s.Value is null || v == s.Value));
    }

    private static IReadOnlyDictionary<string, string> NameOnly(string ns) =>
        new Dictionary<string, string>(StringComparer.Ordinal) { [ClusterModel.NamespaceNameLabel] = ns };
}

/// <summary>
/// What the snapshot knows of pod addresses: a pod's own address (<c>status.podIPs</c>), else the
/// <c>podCIDR</c> of the node it runs on; located among the intervals that the CIDRs of rules
/// matching pod addresses cut the address space into.
/// </summary>
internal sealed class PodAddresses
{
    private readonly IReadOnlyList<IpRange> intervals;
    private readonly Dictionary<string, IpRange> nodeRanges;

    private PodAddresses(IReadOnlyList<IpRange> intervals, Dictionary<string, IpRange> nodeRanges, int primaryFamily)
    {
        this.intervals = intervals;
        this.nodeRanges = nodeRanges;
        PrimaryFamily = primaryFamily;
    }

    /// <summary>The cluster's pod address family as far as the snapshot shows it (6 only when every known pod address is IPv6); 0 when nothing is known.</summary>
    public int PrimaryFamily { get; }

    public static PodAddresses Create(ClusterModel model, IReadOnlyList<IpRange> cuts)
    {
        var nodeRanges = new Dictionary<string, IpRange>(StringComparer.Ordinal);
        foreach (var (obj, node) in model.Data.TypedWithSource<k8s.Models.V1Node>())
        {
            var cidr = node.Spec?.PodCIDRs?.FirstOrDefault() ?? node.Spec?.PodCIDR;
            if (IpRange.TryParseCidr(cidr, out var range, out _))
            {
                nodeRanges[obj.Name] = range;
            }
        }

        var families = model.Pods.Where(p => !p.HostNetwork).SelectMany(p => p.IPs.Take(1))
            .Select(ip => IpRange.TryParseAddress(ip, out var r) ? r.Family : 0).Concat(nodeRanges.Values.Select(r => r.Family)).Where(f => f != 0).Distinct().ToList();
        var primary = families.Count == 0 ? 0 : families.All(f => f == 6) ? 6 : 4;
        return new PodAddresses(cuts.Count == 0 ? Array.Empty<IpRange>() : IpSet.Cut(cuts), nodeRanges, primary);
    }

    /// <summary>The interval that holds the pod's address (null when unknown or not within one interval) and its family (0 when unknown).</summary>
    public (IpRange? Interval, int Family) Of(PodInfo pod)
    {
        IpRange? known = null;
        if (pod.IPs.Count > 0 && IpRange.TryParseAddress(pod.IPs[0], out var ip))
        {
            known = ip;
        }
        else if (pod.Spec?.NodeName is { } node && nodeRanges.TryGetValue(node, out var range))
        {
            known = range;
        }

        if (known is not { } address)
        {
            return (null, 0);
        }

        if (intervals.Count == 0)
        {
            return (null, address.Family);
        }

        foreach (var interval in intervals)
        {
            if (interval.Contains(address))
            {
                return (interval, address.Family);
            }
        }

        return (null, address.Family);
    }
}
