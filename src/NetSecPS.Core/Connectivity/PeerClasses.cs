using System.Text;
using NetSecPS.Core.Model;

namespace NetSecPS.Core.Connectivity;

/// <summary>What a peer class stands for.</summary>
public enum PeerClassKind
{
    /// <summary>Pods of the snapshot.</summary>
    Pod,
    /// <summary>A pod with no labels in a namespace with no labels that exists nowhere in the snapshot.</summary>
    ArbitraryPod,
    /// <summary>The ingress controller behind Ingress, Route and Gateway API objects: an unlabelled pod in its own namespace.</summary>
    IngressController,
}

/// <summary>
/// Pods that no policy can tell apart: same namespace (and so namespace labels), same labels,
/// same container ports and host-network setting. The engine computes per class, not per pod.
/// </summary>
public sealed class PeerClass
{
    internal PeerClass(int index, PeerClassKind kind, string ns, IReadOnlyDictionary<string, string> namespaceLabels,
        IReadOnlyDictionary<string, string> labels, IReadOnlyList<ContainerPort> ports, bool hostNetwork, IpRange? hostAddress)
    {
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
        _ => Workloads.Count > 0 ? Workloads[0].Peer : Namespace + "/" + string.Join(",", Labels.Select(l => l.Key + "=" + l.Value)),
    };
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
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> NamespaceLabels);

    public static Result Build(ClusterModel model, ConnectivityOptions options)
    {
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
                var key = sb.ToString();
                if (!byKey.TryGetValue(key, out var c))
                {
                    var nsLabels = namespaceLabels.TryGetValue(pod.Namespace, out var l) ? l : NameOnly(pod.Namespace);
                    c = new PeerClass(classes.Count, PeerClassKind.Pod, pod.Namespace, nsLabels, pod.Labels, pod.Ports, exempt, hostAddress);
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

        var arbitrary = new PeerClass(classes.Count, PeerClassKind.ArbitraryPod, arbitraryNs, NameOnly(arbitraryNs), PodInfo.Empty, Array.Empty<ContainerPort>(), false, null);
        classes.Add(arbitrary);
        var ingress = new PeerClass(classes.Count, PeerClassKind.IngressController, IngressControllerNamespace,
            namespaceLabels.TryGetValue(IngressControllerNamespace, out var icl) ? icl : NameOnly(IngressControllerNamespace),
            PodInfo.Empty, Array.Empty<ContainerPort>(), false, null);
        classes.Add(ingress);

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
        return new Result(classes, byWorkload, byPod, arbitrary, ingress, detected, namespaceLabels);
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
