using System.Net;
using System.Net.Sockets;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;

namespace NetSecPS.Core.Traffic;

/// <summary>An end of an observed flow as a peer of the snapshot, or why it is not one.</summary>
internal sealed record ResolvedEnd(string? Peer, PeerKind Kind, string? Namespace, Workload? Workload, string? Address, string? Problem, string Label)
{
    public bool IsResolved => Peer is not null;

    /// <summary>What the log calls an address end that is no pod (Hubble's <c>remote-node</c>, <c>host</c>, <c>world</c>; Calico's <c>hep</c>).</summary>
    public string? Entity { get; init; }

    public static ResolvedEnd Unresolved(string problem, string label, string? ns = null) => new(null, PeerKind.Workload, ns, null, null, problem, label);
}

/// <summary>
/// Resolves the ends of observed flows to the peers of a snapshot: a workload (by the owner the
/// log names, by namespace and pod name, by pod address from a live snapshot, by the pod name a
/// controller generates from its workload's name, or by labels), an external address range as
/// the connectivity output cuts them, or the ingress controller.
/// </summary>
internal sealed class EndpointResolver
{
    /// <summary>Labels controllers set on every pod with values that change from pod to pod or rollout to rollout.</summary>
    internal static readonly HashSet<string> VolatileLabels = new(StringComparer.Ordinal)
    {
        "pod-template-hash", "controller-revision-hash", "statefulset.kubernetes.io/pod-name", "apps.kubernetes.io/pod-index",
        "controller-uid", "job-name", "batch.kubernetes.io/controller-uid", "batch.kubernetes.io/job-name",
        "batch.kubernetes.io/job-completion-index", "pod-template-generation",
    };

    private readonly Dictionary<(string Ns, string Name), PodInfo> podsByName = new();
    private readonly Dictionary<string, List<PodInfo>> podsByAddress = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Workload>> workloadsByNamespace = new(StringComparer.Ordinal);
    private readonly Dictionary<Workload, IReadOnlyDictionary<string, string>> stableLabels = new();
    private readonly AddressRanges sourceRanges;
    private readonly AddressRanges destinationRanges;
    private readonly ClusterModel model;
    private readonly HashSet<string> sharedAddresses = new(StringComparer.Ordinal);
    private readonly Dictionary<FlowEndpoint, ResolvedEnd> sourceCache = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<FlowEndpoint, ResolvedEnd> destinationCache = new(ReferenceEqualityComparer.Instance);

    public EndpointResolver(ClusterModel model, IReadOnlyList<Flow> flows)
    {
        this.model = model;
        foreach (var w in model.Workloads)
        {
            if (!workloadsByNamespace.TryGetValue(w.Namespace, out var list))
            {
                workloadsByNamespace[w.Namespace] = list = new List<Workload>();
            }

            list.Add(w);
            stableLabels[w] = StableLabels(w);
            foreach (var pod in w.Pods)
            {
                if (pod.FromTemplate)
                {
                    continue;
                }

                podsByName[(pod.Namespace, pod.Name)] = pod;
                foreach (var ip in pod.IPs)
                {
                    if (!podsByAddress.TryGetValue(Canonical(ip), out var at))
                    {
                        podsByAddress[Canonical(ip)] = at = new List<PodInfo>();
                    }

                    at.Add(pod);
                }
            }
        }

        foreach (var (address, pods) in podsByAddress)
        {
            if (pods.Select(p => p.Workload).Distinct().Skip(1).Any())
            {
                sharedAddresses.Add(address);
            }
        }

        sourceRanges = AddressRanges.From(flows.Where(f => f.SourceKind == PeerKind.External).Select(f => f.Source));
        destinationRanges = AddressRanges.From(flows.Where(f => f.DestinationKind == PeerKind.External).Select(f => f.Destination));
    }

    /// <summary>The labels every pod of the workload has, less those controllers vary per pod or rollout.</summary>
    public static IReadOnlyDictionary<string, string> StableLabels(Workload w)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (w.Pods.Count == 0)
        {
            return result;
        }

        foreach (var (k, v) in w.Pods[0].Labels)
        {
            if (!VolatileLabels.Contains(k) && w.Pods.All(p => p.Labels.TryGetValue(k, out var other) && other == v))
            {
                result[k] = v;
            }
        }

        return result;
    }

    public IReadOnlyDictionary<string, string> StableLabelsOf(Workload w) => stableLabels[w];

    /// <summary>
    /// Resolves one end; <paramref name="asDestination"/> picks the address cuts of that side and
    /// lets the port tell host-network pods on one node apart. Results are kept per endpoint (the
    /// log readers share one endpoint object among the lines that repeat it).
    /// </summary>
    public ResolvedEnd Resolve(FlowEndpoint e, bool asDestination, int port)
    {
        var cache = asDestination ? destinationCache : sourceCache;
        if (cache.TryGetValue(e, out var known))
        {
            return known;
        }

        var r = ResolveUncached(e, asDestination, port);
        if (e.Address is { } shared && sharedAddresses.Count > 0 && sharedAddresses.Contains(Canonical(shared)))
        {
            // Host-network pods of several workloads on one node: the port tells them apart, flow by flow.
            return r;
        }

        if (cache.Count > 200_000)
        {
            // Many distinct addresses (the internet) must not grow the cache without bound.
            cache.Clear();
        }

        cache[e] = r;
        return r;
    }

    private ResolvedEnd ResolveUncached(FlowEndpoint e, bool asDestination, int port)
    {
        var label = e.ToString();
        if (e.Entity == "ingress")
        {
            return new ResolvedEnd(ConnectivityEngine.IngressControllerPeer, PeerKind.IngressController, null, null, null, null, label);
        }

        if (e.Namespace is not null && (e.Pod is not null || e.WorkloadName is not null || e.Labels.Count > 0) && e.Entity is null)
        {
            var w = FindWorkload(e, out var problem);
            if (w is not null)
            {
                return Of(w, e.Address, label);
            }

            // A pod the snapshot does not hold may still be known by its address (live snapshots).
            if (e.Address is not null && ByAddress(e.Address, asDestination, port) is { } byAddress)
            {
                return byAddress with { Label = label };
            }

            return ResolvedEnd.Unresolved(problem!, Stem(e), e.Namespace);
        }

        if (!asDestination && e.Entity is "host" or "hep")
        {
            return ResolvedEnd.Unresolved("traffic from a node to its own pods (kubelet probes and the like), which the CNI lets through whatever the policies say", label);
        }

        if (e.Address is null)
        {
            return ResolvedEnd.Unresolved(e.Entity switch
            {
                "pub" or "pvt" => $"Calico aggregated the address away ({e.Entity}); set the flow log aggregation to keep addresses for this comparison",
                null => "the log gives neither a pod nor an address",
                _ => $"the log gives no address for {label}",
            }, label);
        }

        if (ByAddress(e.Address, asDestination, port) is { } pod)
        {
            return pod with { Label = label };
        }

        if (!IPAddress.TryParse(e.Address, out var address))
        {
            return ResolvedEnd.Unresolved($"'{e.Address}' is not an IP address", label);
        }

        var text = address.ToString();
        var ranges = asDestination ? destinationRanges : sourceRanges;
        var name = ranges.Find(address) ?? $"{text}-{text}[External]";
        return new ResolvedEnd(name, PeerKind.External, null, null, text, null, label) { Entity = e.Entity };
    }

    private static ResolvedEnd Of(Workload w, string? address, string label) => new(w.Peer, PeerKind.Workload, w.Namespace, w, address, null, label);

    /// <summary>A pod by its address (a live snapshot records pod IPs); host-network pods share their node's address and are told apart by the port they declare.</summary>
    private ResolvedEnd? ByAddress(string address, bool asDestination, int port)
    {
        if (!podsByAddress.TryGetValue(Canonical(address), out var pods))
        {
            return null;
        }

        var workloads = pods.Select(p => p.Workload).Distinct().ToList();
        if (workloads.Count > 1 && asDestination && port > 0)
        {
            var declaring = pods.Where(p => p.Ports.Any(cp => cp.Port == port || cp.HostPort == port)).Select(p => p.Workload).Distinct().ToList();
            if (declaring.Count > 0)
            {
                workloads = declaring;
            }
        }

        return workloads.Count == 1 ? Of(workloads[0], address, address) : null;
    }

    private Workload? FindWorkload(FlowEndpoint e, out string? problem)
    {
        problem = null;
        var ns = e.Namespace!;
        if (!workloadsByNamespace.TryGetValue(ns, out var inNamespace))
        {
            problem = model.Namespaces.ContainsKey(ns) ? $"the namespace {ns} holds no workload in the snapshot" : $"the namespace {ns} is not in the snapshot";
            return null;
        }

        if (e.WorkloadName is { } wn)
        {
            var byName = inNamespace.Where(w => w.Name == wn).ToList();
            var exact = byName.Where(w => e.WorkloadKind is null || string.Equals(w.Kind, e.WorkloadKind, StringComparison.OrdinalIgnoreCase)).ToList();
            if (exact.Count == 1)
            {
                return exact[0];
            }

            if (byName.Count == 1)
            {
                return byName[0];
            }
        }

        if (e.Pod is { } podName)
        {
            if (podsByName.TryGetValue((ns, podName), out var pod))
            {
                return pod.Workload;
            }

            // Without the pod in the snapshot (manifests): the name a controller generates from its workload's.
            var bare = podName.TrimEnd('*');
            Workload? best = null;
            foreach (var w in inNamespace)
            {
                if (w.Name == bare && w.Kind == "Pod")
                {
                    return w;
                }

                if (bare.Length > w.Name.Length && bare.StartsWith(w.Name, StringComparison.Ordinal) && bare[w.Name.Length] == '-' &&
                    IsGeneratedSuffix(bare[(w.Name.Length + 1)..], w.Kind) && LabelsAgree(w, e) && (best is null || w.Name.Length > best.Name.Length))
                {
                    best = w;
                }
            }

            if (best is not null)
            {
                return best;
            }

            if (e.WorkloadName is null && inNamespace.FirstOrDefault(w => w.Name == bare) is { } named && LabelsAgree(named, e))
            {
                // A CSV line names workloads as ns/name.
                return named;
            }
        }

        if (e.Labels.Count > 0)
        {
            var matching = inNamespace.Where(w => stableLabels[w].Count > 0 && stableLabels[w].All(l => e.Labels.TryGetValue(l.Key, out var v) && v == l.Value)).ToList();
            if (matching.Count > 0)
            {
                var most = matching.Max(w => stableLabels[w].Count);
                var top = matching.Where(w => stableLabels[w].Count == most).ToList();
                if (top.Count == 1)
                {
                    return top[0];
                }

                problem = $"the labels of {Describe(e)} match several workloads ({string.Join(", ", top.Select(w => w.Peer))})";
                return null;
            }
        }

        problem = $"no workload of the snapshot matches {Describe(e)}";
        return null;
    }

    private static string Describe(FlowEndpoint e)
    {
        var what = e.Pod is not null ? $"pod {e.Namespace}/{e.Pod}" : e.WorkloadName is not null ? $"workload {e.Namespace}/{e.WorkloadName}" : $"a pod in {e.Namespace}";
        if (e.Labels.Count > 0)
        {
            what += " (labels " + string.Join(",", e.Labels.Where(l => !VolatileLabels.Contains(l.Key)).Take(6).Select(l => $"{l.Key}={l.Value}")) + ")";
        }

        return what;
    }

    /// <summary>When both sides carry labels, the workload's stable labels must all be on the logged pod.</summary>
    private bool LabelsAgree(Workload w, FlowEndpoint e) =>
        e.Labels.Count == 0 || stableLabels[w].All(l => !e.Labels.TryGetValue(l.Key, out var v) || v == l.Value);

    /// <summary>
    /// Whether the rest of a pod name is what the workload's controller appends: a StatefulSet's
    /// ordinal, a ReplicaSet's hash and a random suffix, a CronJob's schedule time and a suffix,
    /// or Calico's aggregated <c>hash-*</c>.
    /// </summary>
    private static bool IsGeneratedSuffix(string suffix, string kind)
    {
        if (suffix.Length == 0 || suffix.Any(c => !(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')))
        {
            return false;
        }

        var parts = suffix.Split('-');
        if (parts.Any(p => p.Length == 0 && p != parts[^1]))
        {
            return false;
        }

        return kind switch
        {
            "StatefulSet" => parts.Length == 1 && parts[0].All(char.IsAsciiDigit),
            "Deployment" => parts.Length <= 2,
            "CronJob" => parts.Length <= 2 && parts[0].All(char.IsAsciiDigit),
            "Pod" => false,
            _ => parts.Length <= 2,
        };
    }

    /// <summary>How unresolved pods are grouped: their pod name without the suffix a controller adds.</summary>
    internal static string Stem(FlowEndpoint e)
    {
        if (e.WorkloadName is { } wn)
        {
            return $"{e.Namespace}/{wn}" + (e.WorkloadKind is null ? string.Empty : $"[{e.WorkloadKind}]");
        }

        if (e.Pod is { } pod)
        {
            var name = pod.TrimEnd('*').TrimEnd('-');
            var parts = name.Split('-');
            var keep = parts.Length;
            while (keep > 1 && keep > parts.Length - 2 && (parts[keep - 1].Length is 5 or 9 or 10 || parts[keep - 1].All(char.IsAsciiDigit)) && parts[keep - 1].Any(char.IsAsciiDigit))
            {
                keep--;
            }

            return $"{e.Namespace}/{string.Join('-', parts.Take(keep))}" + (keep < parts.Length ? "-*" : string.Empty);
        }

        return e.Namespace is null ? e.ToString() : $"{e.Namespace}/" + string.Join(",", e.Labels.Where(l => !VolatileLabels.Contains(l.Key)).Select(l => $"{l.Key}={l.Value}"));
    }

    private static string Canonical(string address) => IPAddress.TryParse(address, out var ip) ? ip.ToString() : address;

    /// <summary>The external ranges of the connectivity output, to name an address by the range that holds it.</summary>
    private sealed class AddressRanges
    {
        private readonly (UInt128 First, UInt128 Last, string Name)[] v4;
        private readonly (UInt128 First, UInt128 Last, string Name)[] v6;

        private AddressRanges((UInt128, UInt128, string)[] v4, (UInt128, UInt128, string)[] v6)
        {
            this.v4 = v4;
            this.v6 = v6;
        }

        public static AddressRanges From(IEnumerable<string> names)
        {
            var v4 = new List<(UInt128, UInt128, string)>();
            var v6 = new List<(UInt128, UInt128, string)>();
            foreach (var name in names.Distinct(StringComparer.Ordinal))
            {
                var text = name.EndsWith("[External]", StringComparison.Ordinal) ? name[..^"[External]".Length] : name;
                var dash = text.IndexOf('-', StringComparison.Ordinal);
                if (dash <= 0 || !IPAddress.TryParse(text[..dash], out var first) || !IPAddress.TryParse(text[(dash + 1)..], out var last) || first.AddressFamily != last.AddressFamily)
                {
                    continue;
                }

                (first.AddressFamily == AddressFamily.InterNetwork ? v4 : v6).Add((Number(first), Number(last), name));
            }

            return new AddressRanges(v4.OrderBy(r => r.Item1).ToArray(), v6.OrderBy(r => r.Item1).ToArray());
        }

        public string? Find(IPAddress address)
        {
            if (address.IsIPv4MappedToIPv6)
            {
                address = address.MapToIPv4();
            }

            var ranges = address.AddressFamily == AddressFamily.InterNetwork ? v4 : v6;
            var value = Number(address);
            int lo = 0, hi = ranges.Length - 1;
            while (lo <= hi)
            {
                var mid = (lo + hi) / 2;
                if (value < ranges[mid].First)
                {
                    hi = mid - 1;
                }
                else if (value > ranges[mid].Last)
                {
                    lo = mid + 1;
                }
                else
                {
                    return ranges[mid].Name;
                }
            }

            return null;
        }

        private static UInt128 Number(IPAddress address)
        {
            UInt128 value = 0;
            foreach (var b in address.GetAddressBytes())
            {
                value = (value << 8) | b;
            }

            return value;
        }
    }
}
