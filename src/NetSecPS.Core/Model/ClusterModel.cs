using k8s.Models;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Model;

/// <summary>A port a container declares.</summary>
internal sealed record ContainerPort(string? Name, int Port, string Protocol, int? HostPort)
{
    public override string ToString() => (Name is null ? string.Empty : Name + ":") + $"{Port}/{Protocol}";
}

/// <summary>A namespace, real or implied by the objects in it.</summary>
internal sealed class NamespaceInfo
{
    public NamespaceInfo(string name, IReadOnlyDictionary<string, string> labels, IReadOnlyDictionary<string, string> annotations, KubeObject? source)
    {
        Name = name;
        Labels = labels;
        Annotations = annotations;
        Source = source;
    }

    public string Name { get; }
    public IReadOnlyDictionary<string, string> Labels { get; }
    public IReadOnlyDictionary<string, string> Annotations { get; }
    /// <summary>The Namespace object, or null when the namespace is only implied.</summary>
    public KubeObject? Source { get; }
}

/// <summary>One pod: a real pod, or the pod a workload template would create (manifest mode).</summary>
internal sealed class PodInfo
{
    public required string Namespace { get; init; }
    public required string Name { get; init; }
    public required IReadOnlyDictionary<string, string> Labels { get; init; }
    public IReadOnlyDictionary<string, string> Annotations { get; init; } = Empty;
    public required IReadOnlyList<ContainerPort> Ports { get; init; }
    public bool HostNetwork { get; init; }
    public IReadOnlyList<string> IPs { get; init; } = Array.Empty<string>();
    public V1PodSpec? Spec { get; init; }
    /// <summary>True for a pod derived from a workload template rather than read as a Pod.</summary>
    public bool FromTemplate { get; init; }
    public KubeObject? Source { get; init; }
    public Workload Workload { get; internal set; } = null!;

    internal static readonly IReadOnlyDictionary<string, string> Empty = new Dictionary<string, string>();
}

/// <summary>Pods grouped by their top owner, named as connectivity output names peers.</summary>
internal sealed class Workload
{
    public Workload(string ns, string name, string kind, KubeObject? source)
    {
        Namespace = ns;
        Name = name;
        Kind = kind;
        Source = source;
        Peer = $"{ns}/{name}[{kind}]";
    }

    public string Namespace { get; }
    public string Name { get; }
    /// <summary>Top owner kind: Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, ReplicationController, Pod.</summary>
    public string Kind { get; }
    public string Peer { get; }
    /// <summary>The top owner object when it is in the snapshot.</summary>
    public KubeObject? Source { get; }
    public List<PodInfo> Pods { get; } = new();
    /// <summary>Labels of the workload's pods (of the first pod when pods differ).</summary>
    public IReadOnlyDictionary<string, string> Labels => Pods.Count > 0 ? Pods[0].Labels : PodInfo.Empty;
    public bool HostNetwork => Pods.Count > 0 && Pods.All(p => p.HostNetwork);
    public V1PodSpec? Spec => Pods.FirstOrDefault()?.Spec;

    public override string ToString() => Peer;
}

/// <summary>
/// The resolved picture of a cluster: namespaces with their labels, pods, and workloads
/// resolved through owner references (Pod → ReplicaSet → Deployment, Job → CronJob, ...) or
/// from workload templates when the input has no pods for them.
/// </summary>
internal sealed class ClusterModel
{
    private ClusterModel(ClusterData data, IReadOnlyDictionary<string, NamespaceInfo> namespaces, IReadOnlyList<Workload> workloads)
    {
        Data = data;
        Namespaces = namespaces;
        Workloads = workloads;
        Pods = workloads.SelectMany(w => w.Pods).ToList();
    }

    public ClusterData Data { get; }
    public IReadOnlyDictionary<string, NamespaceInfo> Namespaces { get; }
    public IReadOnlyList<Workload> Workloads { get; }
    public IReadOnlyList<PodInfo> Pods { get; }

    public const string NamespaceNameLabel = "kubernetes.io/metadata.name";

    public static ClusterModel Build(ClusterData data)
    {
        var owners = new Dictionary<(string Ns, string Kind, string Name), KubeObject>();
        foreach (var kind in WorkloadKinds)
        {
            foreach (var o in data.OfKind(kind))
            {
                if (o.Typed is not null && o.Namespace is not null)
                {
                    owners.TryAdd((o.Namespace, o.Kind, o.Name), o);
                }
            }
        }

        var workloads = new Dictionary<string, Workload>(StringComparer.Ordinal);
        Workload GetWorkload(string ns, string name, string kind, KubeObject? source)
        {
            var peer = $"{ns}/{name}[{kind}]";
            if (!workloads.TryGetValue(peer, out var w))
            {
                workloads[peer] = w = new Workload(ns, name, kind, source);
            }

            return w;
        }

        foreach (var (obj, pod) in data.TypedWithSource<V1Pod>())
        {
            var ns = obj.Namespace ?? "default";
            var (kind, name, source) = ResolveTop(ns, "Pod", obj.Name, pod.Metadata?.OwnerReferences, owners, obj);
            var info = FromSpec(ns, obj.Name, pod.Metadata?.Labels, pod.Metadata?.Annotations, pod.Spec, obj, fromTemplate: false,
                pod.Status?.PodIPs?.Select(i => i.Ip).Where(i => i is not null).ToList() ?? (pod.Status?.PodIP is { } ip ? new List<string> { ip } : new List<string>()));
            var w = GetWorkload(ns, name, kind, source);
            info.Workload = w;
            w.Pods.Add(info);
        }

        // Top-level workload objects no pod resolved to: their template is what would run.
        foreach (var ((ns, kind, name), obj) in owners)
        {
            if (ControllerOwner(obj) is { } parent && owners.ContainsKey((ns, parent.Kind, parent.Name)))
            {
                continue;
            }

            var peer = $"{ns}/{name}[{kind}]";
            if (workloads.ContainsKey(peer))
            {
                continue;
            }

            var template = TemplateOf(obj);
            if (template is null)
            {
                continue;
            }

            var w = GetWorkload(ns, name, kind, obj);
            var info = FromSpec(ns, name, template.Metadata?.Labels, template.Metadata?.Annotations, template.Spec, obj, fromTemplate: true, Array.Empty<string>());
            info.Workload = w;
            w.Pods.Add(info);
        }

        var namespaces = new Dictionary<string, NamespaceInfo>(StringComparer.Ordinal);
        foreach (var (obj, ns) in data.TypedWithSource<V1Namespace>())
        {
            namespaces[obj.Name] = new NamespaceInfo(obj.Name, WithNameLabel(obj.Name, ns.Metadata?.Labels), Dict(ns.Metadata?.Annotations), obj);
        }

        foreach (var o in data.Objects)
        {
            if (o.Namespace is { } n && !namespaces.ContainsKey(n))
            {
                namespaces[n] = new NamespaceInfo(n, WithNameLabel(n, null), PodInfo.Empty, null);
            }
        }

        var ordered = workloads.Values.OrderBy(w => w.Peer, StringComparer.Ordinal).ToList();
        return new ClusterModel(data, namespaces, ordered);
    }

    internal static readonly string[] WorkloadKinds = { "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob", "ReplicationController" };

    private static IReadOnlyDictionary<string, string> WithNameLabel(string name, IDictionary<string, string>? labels)
    {
        var d = labels is null ? new Dictionary<string, string>(StringComparer.Ordinal) : new Dictionary<string, string>(labels, StringComparer.Ordinal);
        d.TryAdd(NamespaceNameLabel, name);
        return d;
    }

    internal static IReadOnlyDictionary<string, string> Dict(IDictionary<string, string>? d) =>
        d is null || d.Count == 0 ? PodInfo.Empty : new Dictionary<string, string>(d, StringComparer.Ordinal);

    private static V1OwnerReference? ControllerOwner(IList<V1OwnerReference>? refs) =>
        refs is null || refs.Count == 0 ? null : refs.FirstOrDefault(r => r.Controller == true) ?? refs[0];

    private static V1OwnerReference? ControllerOwner(KubeObject obj) => obj.Typed switch
    {
        IMetadata<V1ObjectMeta> m => ControllerOwner(m.Metadata?.OwnerReferences),
        _ => null,
    };

    /// <summary>Walks controller owner references up as far as the snapshot holds the owners.</summary>
    private static (string Kind, string Name, KubeObject? Source) ResolveTop(string ns, string kind, string name, IList<V1OwnerReference>? refs,
        Dictionary<(string, string, string), KubeObject> owners, KubeObject self)
    {
        var owner = ControllerOwner(refs);
        if (owner is null || string.IsNullOrEmpty(owner.Name) || owner.Kind == "Node")
        {
            // No owner, or a static pod mirrored by its node: the pod is its own workload.
            return (kind, name, self);
        }

        if (string.IsNullOrEmpty(owner.Kind))
        {
            // An owner reference without a kind still groups the pods under the owner's name;
            // with no kind to name, the peer keeps the kind Pod (as netpol-analyzer names it).
            return (kind, owner.Name, null);
        }

        var currentKind = owner.Kind;
        var currentName = owner.Name;
        KubeObject? source = null;
        for (var hops = 0; hops < 8; hops++)
        {
            if (!owners.TryGetValue((ns, currentKind, currentName), out var obj))
            {
                break;
            }

            source = obj;
            var up = ControllerOwner(obj);
            if (up is null || string.IsNullOrEmpty(up.Kind) || string.IsNullOrEmpty(up.Name))
            {
                break;
            }

            if (!owners.ContainsKey((ns, up.Kind, up.Name)))
            {
                // The owner's owner is not in the input: the top owner is the highest one we
                // can see (a ReplicaSet without its Deployment is named [ReplicaSet]).
                currentKind = obj.Kind;
                currentName = obj.Name;
                break;
            }

            currentKind = up.Kind;
            currentName = up.Name;
        }

        return (currentKind, currentName, source);
    }

    private static V1PodTemplateSpec? TemplateOf(KubeObject obj) => obj.Typed switch
    {
        V1Deployment d => d.Spec?.Template,
        V1ReplicaSet r => r.Spec?.Template,
        V1StatefulSet s => s.Spec?.Template,
        V1DaemonSet ds => ds.Spec?.Template,
        V1Job j => j.Spec?.Template,
        V1CronJob c => c.Spec?.JobTemplate?.Spec?.Template,
        V1ReplicationController rc => rc.Spec?.Template,
        _ => null,
    };

    private static PodInfo FromSpec(string ns, string name, IDictionary<string, string>? labels, IDictionary<string, string>? annotations, V1PodSpec? spec,
        KubeObject source, bool fromTemplate, IReadOnlyList<string> ips)
    {
        var ports = new List<ContainerPort>();
        if (spec?.Containers is { } containers)
        {
            foreach (var c in containers)
            {
                foreach (var p in c.Ports ?? Enumerable.Empty<V1ContainerPort>())
                {
                    ports.Add(new ContainerPort(string.IsNullOrEmpty(p.Name) ? null : p.Name, p.ContainerPort, string.IsNullOrEmpty(p.Protocol) ? "TCP" : p.Protocol.ToUpperInvariant(), p.HostPort));
                }
            }
        }

        return new PodInfo
        {
            Namespace = ns,
            Name = name,
            Labels = Dict(labels),
            Annotations = Dict(annotations),
            Ports = ports,
            HostNetwork = spec?.HostNetwork == true,
            IPs = ips,
            Spec = spec,
            FromTemplate = fromTemplate,
            Source = source,
        };
    }
}
