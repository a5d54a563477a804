using System.Text;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;

namespace NetSecPS.Core.Tests.Nca;

/// <summary>A peer of a connectivity map: a workload (<c>ns/name[Kind]</c>), an address interval, a DNS name, or the ingress controller.</summary>
internal readonly record struct MapPeer(string Name, IpRange? Range)
{
    public static MapPeer Workload(Workload w) => new(w.Peer, null);

    public static MapPeer Address(IpRange r) => new(r.ToPeerName(), r);

    public static MapPeer Dns(string name) => new("dns:" + name, null);

    public static MapPeer IngressController => new(ConnectivityEngine.IngressControllerPeer, null);

    public override string ToString() => Name;
}

/// <summary>
/// Allowed connections as a set of (source, destination, connections), with workloads as the
/// peers (the connlist's granularity) and address sides cut into intervals that both maps share,
/// so two maps compare as sets whatever grouping or range boundaries each printed.
/// </summary>
/// <remarks>
/// Pairs of a workload with itself are kept only for workloads of two or more pods (traffic
/// between different pods of it, which NCA's maps include); a pod's traffic to itself is in
/// neither map (loopback is implementation-defined across CNIs).
/// </remarks>
internal sealed class ConnectivityMap
{
    private readonly Dictionary<(MapPeer Source, MapPeer Destination), ConnectionSet> entries = new();
    private readonly List<(MapPeer? SourceWorkload, IpSet? SourceAddresses, MapPeer? DestinationWorkload, IpSet? DestinationAddresses, ConnectionSet Connections)> addressEntries = new();

    /// <summary>The L4 part of L7-restricted connections, per pair (NCA's methods/paths/hosts), for engines that report L7 restrictions.</summary>
    public Dictionary<(MapPeer Source, MapPeer Destination), ConnectionSet> L7Restricted { get; } = new();

    public IEnumerable<IpRange> AddressBoundaries => addressEntries.SelectMany(e => (e.SourceAddresses?.Ranges ?? Array.Empty<IpRange>()).Concat(e.DestinationAddresses?.Ranges ?? Array.Empty<IpRange>()));

    public void Add(MapPeer source, MapPeer destination, ConnectionSet connections)
    {
        if (connections.IsEmpty)
        {
            return;
        }

        entries[(source, destination)] = entries.TryGetValue((source, destination), out var c) ? c.Union(connections) : connections;
    }

    public void AddAddresses(MapPeer? sourceWorkload, IpSet? sourceAddresses, MapPeer? destinationWorkload, IpSet? destinationAddresses, ConnectionSet connections)
    {
        if (!connections.IsEmpty)
        {
            addressEntries.Add((sourceWorkload, sourceAddresses, destinationWorkload, destinationAddresses, connections));
        }
    }

    /// <summary>The pairs with their connections, address sides cut at <paramref name="cuts"/> (the intervals both maps share) and limited to the families compared.</summary>
    public Dictionary<(MapPeer Source, MapPeer Destination), ConnectionSet> Resolve(IReadOnlyList<IpRange> cuts, ISet<int> families)
    {
        var result = new Dictionary<(MapPeer, MapPeer), ConnectionSet>(entries);
        void Put(MapPeer s, MapPeer d, ConnectionSet c) => result[(s, d)] = result.TryGetValue((s, d), out var x) ? x.Union(c) : c;
        foreach (var (sw, sa, dw, da, conns) in addressEntries)
        {
            var addresses = sa ?? da!;
            foreach (var interval in cuts.Where(i => families.Contains(i.Family) && addresses.Contains(i)))
            {
                if (sa is not null)
                {
                    Put(MapPeer.Address(interval), dw!.Value, conns);
                }
                else
                {
                    Put(sw!.Value, MapPeer.Address(interval), conns);
                }
            }
        }

        return result;
    }

    // ------------------------------------------------------------------ NCA side

    /// <summary>The map an NCA expected output states for one configuration (its sections unioned).</summary>
    public static ConnectivityMap FromNca(IEnumerable<NcaSection> sections, ClusterModel model, NcaPeerResolver resolver)
    {
        var map = new ConnectivityMap();
        foreach (var rule in sections.SelectMany(s => s.Rules))
        {
            var l4 = rule.Connections.Allowed;
            switch (rule.Source, rule.Destination)
            {
                case (NcaSide.Addresses src, _):
                    foreach (var d in resolver.Pods(rule.Destination).Select(p => p.Workload).Distinct())
                    {
                        map.AddAddresses(null, src.Set, MapPeer.Workload(d), null, l4);
                    }

                    break;
                case (_, NcaSide.Addresses dst):
                    foreach (var s in resolver.SourcePeers(rule.Source))
                    {
                        map.AddAddresses(s, null, null, dst.Set, l4);
                    }

                    break;
                case (_, NcaSide.DnsNames names):
                    foreach (var s in resolver.SourcePeers(rule.Source))
                    {
                        foreach (var n in names.Names)
                        {
                            map.Add(s, MapPeer.Dns(n), l4);
                        }
                    }

                    break;
                default:
                    var destinations = resolver.Pods(rule.Destination);
                    foreach (var (source, sourcePods) in resolver.SourceGroups(rule.Source))
                    {
                        foreach (var d in destinations)
                        {
                            // Pairs of one pod with itself are loopback, in neither map.
                            if (sourcePods.Count == 1 && ReferenceEquals(sourcePods[0], d))
                            {
                                continue;
                            }

                            map.Add(source, MapPeer.Workload(d.Workload), l4);
                            if (!rule.Connections.L7Restricted.IsEmpty)
                            {
                                var key = (source, MapPeer.Workload(d.Workload));
                                map.L7Restricted[key] = map.L7Restricted.TryGetValue(key, out var r) ? r.Union(rule.Connections.L7Restricted) : rule.Connections.L7Restricted;
                            }
                        }
                    }

                    break;
            }
        }

        return map;
    }

    // ------------------------------------------------------------------ NetSecPS side

    /// <summary>
    /// NetSecPS's map: the flow list (workloads, external ranges and the ingress controller), and
    /// for workloads of two or more pods the connections between their own pods, which the flow
    /// list leaves out (it has no self-flows).
    /// </summary>
    public static ConnectivityMap FromEngine(ConnectivityEngine engine, NcaPeerResolver resolver)
    {
        var map = new ConnectivityMap();
        var exact = ((IConnectivityQuery)engine).Policies.NamesNonPortProtocols;
        var workloads = engine.Model.Workloads.ToDictionary(w => w.Peer, StringComparer.Ordinal);
        foreach (var f in engine.Flows)
        {
            if (f.SourceKind == PeerKind.Workload && resolver.IsIngressControllerPeer(f.Source))
            {
                // NCA's ingress layer leaves the controller's pods only what Ingress objects route: compared as {ingress-controller} below.
                continue;
            }

            var connections = FlowConnections(f, exact);
            var source = f.SourceKind switch
            {
                PeerKind.IngressController => MapPeer.IngressController,
                PeerKind.External => (MapPeer?)null,
                _ => MapPeer.Workload(workloads[f.Source]),
            };
            if (f.DestinationKind == PeerKind.External)
            {
                Assert.True(IpRange.TryParsePeer(f.Destination, out var range), f.Destination);
                map.AddAddresses(source, null, null, IpSet.Of(new[] { range }), connections);
            }
            else if (source is null)
            {
                Assert.True(IpRange.TryParsePeer(f.Source, out var range), f.Source);
                map.AddAddresses(null, IpSet.Of(new[] { range }), MapPeer.Workload(workloads[f.Destination]), null, connections);
            }
            else
            {
                map.Add(source.Value, MapPeer.Workload(workloads[f.Destination]), connections);
            }
        }

        foreach (var w in engine.Model.Workloads.Where(w => w.Pods.Count > 1 && !resolver.IsIngressControllerPeer(w.Peer)))
        {
            map.Add(MapPeer.Workload(w), MapPeer.Workload(w), engine.Between(w, w));
        }

        return map;
    }

    /// <summary>
    /// A flow's connections as a set. Where some rule names ICMP or an IP protocol the text lists
    /// every protocol; otherwise the text follows netpol-analyzer (TCP, UDP, SCTP only) and the
    /// structured ranges, which cover every protocol, are read instead.
    /// </summary>
    private static ConnectionSet FlowConnections(Flow f, bool textIsExact)
    {
        if (textIsExact)
        {
            Assert.True(ConnectionSet.TryParse(f.Connections, out var parsed), f.Connections);
            return parsed;
        }

        var set = ConnectionSet.None;
        foreach (var p in f.Ports)
        {
            set = set.Union(p.Protocol switch
            {
                "ICMP" => Range(t => ConnectionSet.IcmpMessages(4, t, null), p.From, p.To),
                "ICMPv6" => Range(t => ConnectionSet.IcmpMessages(6, t, null), p.From, p.To),
                "IP" => Range(ConnectionSet.IpProtocol, p.From, p.To),
                _ => ConnectionSet.Ports(p.Protocol, p.From, p.To),
            });
        }

        return set;
    }

    private static ConnectionSet Range(Func<int, ConnectionSet> one, int from, int to)
    {
        var set = ConnectionSet.None;
        for (var i = from; i <= to; i++)
        {
            set = set.Union(one(i));
        }

        return set;
    }

    // ------------------------------------------------------------------ comparison

    /// <summary>The differences between an expected and an actual map, one line per pair; empty when they are equal.</summary>
    public static IReadOnlyList<string> Compare(ConnectivityMap expected, ConnectivityMap actual, bool includeIpv6)
    {
        var cuts = IpSet.Cut(expected.AddressBoundaries.Concat(actual.AddressBoundaries).Append(IpRange.All(4)));
        // IPv6 rows: NetSecPS lists IPv6 ranges only where a rule names an IPv6 CIDR (as netpol-analyzer's connlist does).
        var families = new HashSet<int> { 4 };
        if (includeIpv6 && actual.AddressBoundaries.Any(r => r.Family == 6))
        {
            families.Add(6);
        }

        var e = expected.Resolve(cuts, families);
        var a = actual.Resolve(cuts, families);
        var lines = new List<string>();
        foreach (var key in e.Keys.Union(a.Keys).OrderBy(k => k.Item1.Name, StringComparer.Ordinal).ThenBy(k => k.Item2.Name, StringComparer.Ordinal))
        {
            var x = e.TryGetValue(key, out var ex) ? ex : ConnectionSet.None;
            var y = a.TryGetValue(key, out var ac) ? ac : ConnectionSet.None;
            if (!x.Equals(y))
            {
                lines.Add($"{key.Item1} => {key.Item2}: NCA {Text(x)}; NetSecPS {Text(y)}");
            }
        }

        return lines;
    }

    private static string Text(ConnectionSet c) => c.IsEmpty ? "No Connections" : c.Format(true);

    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (var ((s, d), c) in entries.OrderBy(k => k.Key.Source.Name, StringComparer.Ordinal).ThenBy(k => k.Key.Destination.Name, StringComparer.Ordinal))
        {
            sb.Append(s).Append(" => ").Append(d).Append(" : ").AppendLine(Text(c));
        }

        return sb.ToString();
    }
}

/// <summary>
/// Resolves the sides of NCA rules to the pods and workloads of the NetSecPS model: namespaces
/// and pod groups (owner names, pod names, label expressions), and the ingress controller.
/// </summary>
internal sealed class NcaPeerResolver
{
    private readonly ClusterModel model;
    private readonly Dictionary<PodInfo, HashSet<string>> names = new();
    private readonly HashSet<string> controllerPeers;

    /// <param name="controller">
    /// Which detected controller workloads are the Ingress objects' controller (all of them when
    /// null); NCA takes the pods of services named like <c>ingress-nginx</c>, not mesh gateways.
    /// </param>
    public NcaPeerResolver(ClusterModel model, ConnectivityEngine engine, bool hasIngressLayer, Func<Workload, bool>? controller = null)
    {
        this.model = model;
        foreach (var pod in model.Pods)
        {
            var set = new HashSet<string>(StringComparer.Ordinal) { pod.Name, pod.Namespace + "/" + pod.Name, pod.Workload.Name, pod.Workload.Namespace + "/" + pod.Workload.Name };
            if (pod.Source?.Typed is k8s.Models.V1Pod { Metadata.OwnerReferences: { } owners })
            {
                foreach (var o in owners)
                {
                    set.Add(o.Name);
                }
            }

            names[pod] = set;
        }

        // NCA's ingress layer (present when the configuration has Ingress objects) restricts the
        // controller's pods to what those objects route; NetSecPS reports that as {ingress-controller}.
        controllerPeers = hasIngressLayer
            ? engine.IngressControllerClasses.Where(c => c.Kind == PeerClassKind.Pod).SelectMany(c => c.Workloads).Where(w => controller?.Invoke(w) ?? true).Select(w => w.Peer).ToHashSet(StringComparer.Ordinal)
            : new HashSet<string>(StringComparer.Ordinal);
    }

    public bool IsIngressControllerPeer(string peer) => controllerPeers.Contains(peer);

    /// <summary>The pods of a pods side (namespaces and groups, or names).</summary>
    public IReadOnlyList<PodInfo> Pods(NcaSide side) => side switch
    {
        NcaSide.Pods p => model.Pods.Where(pod => p.Namespaces.Contains(pod.Namespace) && p.Groups.Any(g => g.Matches(pod.Labels, names[pod]))).ToList(),
        NcaSide.PodNames n => model.Pods.Where(pod => n.Names.Any(names[pod].Contains)).ToList(),
        _ => throw new InvalidOperationException($"{side} is not a pods side"),
    };

    /// <summary>The source peers of a pods side: workloads, the ingress controller for the controller's own pods.</summary>
    public IEnumerable<MapPeer> SourcePeers(NcaSide side) => SourceGroups(side).Select(g => g.Peer).Distinct();

    /// <summary>Source peers with the pods each stands for on this side (to leave out a pod's traffic to itself).</summary>
    public IEnumerable<(MapPeer Peer, IReadOnlyList<PodInfo> Pods)> SourceGroups(NcaSide side) =>
        Pods(side).GroupBy(p => IsIngressControllerPeer(p.Workload.Peer) ? MapPeer.IngressController : MapPeer.Workload(p.Workload))
            .Select(g => (g.Key, (IReadOnlyList<PodInfo>)g.ToList()));
}
