using System.Globalization;
using System.Text.Json;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;

namespace NetSecPS.Benchmarks;

/// <summary>
/// Writes what <c>hubble observe -o jsonpb</c> would print for a generated cluster: one
/// GetFlowsResponse per line, with the pods' real names, addresses and labels (as Cilium labels
/// its endpoints), each connection seen leaving its source and arriving at its destination.
/// </summary>
/// <remarks>
/// The mix, by connection: mostly connections policy allows (a workload pair the engine lists,
/// on a port the destination's pods declare), DNS, connections policy denies (dropped), egress to
/// the internet, clients of the ingress controller, and pods of a namespace the snapshot does not
/// hold; with replies and L7 records the reader leaves out. Deterministic by seed.
/// </remarks>
internal sealed class HubbleLogGenerator
{
    /// <summary>Bumped when the lines change, so cached logs are written again.</summary>
    public const int Version = 1;

    private readonly Random random;
    private readonly List<(Workload Source, Workload Destination, ConnectionSet Allowed)> allowed = new();
    private readonly List<Workload> workloads;
    private readonly List<Workload> dns;
    private readonly List<Workload> controllers;
    private readonly Dictionary<Workload, Dictionary<string, string>> namespaceLabels = new();
    private DateTimeOffset time = new(2026, 11, 27, 6, 0, 0, TimeSpan.Zero);

    public HubbleLogGenerator(ConnectivityEngine engine, int seed = 21)
    {
        random = new Random(seed);
        var model = engine.Model;
        workloads = model.Workloads.Where(w => w.Pods.Any(p => p.IPs.Count > 0 && !p.FromTemplate)).ToList();
        var byPeer = workloads.ToDictionary(w => w.Peer, StringComparer.Ordinal);
        foreach (var f in engine.Flows)
        {
            if (f.SourceKind == PeerKind.Workload && f.DestinationKind == PeerKind.Workload && byPeer.TryGetValue(f.Source, out var s) && byPeer.TryGetValue(f.Destination, out var d) &&
                ConnectionSet.TryParse(f.Connections, out var set))
            {
                allowed.Add((s, d, set));
            }
        }

        dns = workloads.Where(w => w.Labels.TryGetValue("k8s-app", out var v) && v == "kube-dns").ToList();
        controllers = engine.FlowsFrom(ConnectivityEngine.IngressControllerPeer).Select(f => byPeer.GetValueOrDefault(f.Destination)).OfType<Workload>().Distinct().ToList();
        foreach (var w in workloads)
        {
            namespaceLabels[w] = model.Namespaces.TryGetValue(w.Namespace, out var ns) ? ns.Labels.ToDictionary(l => l.Key, l => l.Value) : new Dictionary<string, string>();
        }
    }

    /// <summary>Writes at least <paramref name="lines"/> lines.</summary>
    public void Write(string path, int lines)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        var buffer = new MemoryStream();
        var written = 0;
        while (written < lines)
        {
            written += Connection(buffer);
            if (buffer.Length > 1 << 20)
            {
                buffer.WriteTo(stream);
                buffer.SetLength(0);
            }
        }

        buffer.WriteTo(stream);
    }

    private int Connection(MemoryStream output)
    {
        time = time.AddMilliseconds(random.Next(1, 40));
        var roll = random.Next(100);
        if (roll < 70 && allowed.Count > 0)
        {
            var (s, d, set) = allowed[random.Next(allowed.Count)];
            var (protocol, port) = PortOf(d, set);
            return Both(output, Pod(s), Pod(d), protocol, port, "FORWARDED", reply: random.Next(20) == 0, l7: random.Next(100) == 0);
        }

        if (roll < 78 && dns.Count > 0)
        {
            var client = workloads[random.Next(workloads.Count)];
            return Both(output, Pod(client), Pod(dns[random.Next(dns.Count)]), "UDP", 53, "FORWARDED", reply: false, l7: false);
        }

        if (roll < 86)
        {
            // Denied: a pair the engine does not list, on a port the destination declares; dropped where it arrives.
            var s = workloads[random.Next(workloads.Count)];
            var d = workloads[random.Next(workloads.Count)];
            var port = d.Pods[0].Ports.FirstOrDefault(p => p.Protocol == "TCP")?.Port ?? 8080;
            Line(output, Pod(s), Pod(d), "TCP", port, "DROPPED", "INGRESS", reply: false);
            return 1;
        }

        if (roll < 92)
        {
            var s = workloads[random.Next(workloads.Count)];
            return Both(output, Pod(s), World(), "TCP", 443, "FORWARDED", reply: false, l7: false);
        }

        if (roll < 96 && controllers.Count > 0)
        {
            return Both(output, World(), Pod(controllers[random.Next(controllers.Count)]), "TCP", 443, "FORWARDED", reply: random.Next(10) == 0, l7: false);
        }

        // A namespace the snapshot does not hold: unresolved.
        var ghost = new End("legacy", $"billing-{random.Next(3)}-7f8d9c6b5-{random.Next(10000):D5}", $"10.250.{random.Next(256)}.{random.Next(256)}",
            new Dictionary<string, string> { ["app"] = "billing" }, new Dictionary<string, string>(), ("billing", "Deployment"), false, "node-0001");
        return Both(output, ghost, Pod(workloads[random.Next(workloads.Count)]), "TCP", 8080, "FORWARDED", reply: false, l7: false);
    }

    private (string Protocol, int Port) PortOf(Workload destination, ConnectionSet set)
    {
        var declared = destination.Pods[0].Ports.Where(p => set.Contains(p.Protocol, p.Port)).ToList();
        if (declared.Count > 0)
        {
            var p = declared[random.Next(declared.Count)];
            return (p.Protocol, p.Port);
        }

        var range = set.ToPortRanges()[0];
        return (range.Protocol, range.From);
    }

    private sealed record End(string? Namespace, string? Pod, string Address, IReadOnlyDictionary<string, string> Labels, IReadOnlyDictionary<string, string> NamespaceLabels,
        (string Name, string Kind)? Workload, bool Host, string? Node, string? Reserved = null);

    private End Pod(Workload w)
    {
        var pods = w.Pods.Where(p => p.IPs.Count > 0 && !p.FromTemplate).ToList();
        var pod = pods[random.Next(pods.Count)];
        return new End(w.Namespace, pod.Name, pod.IPs[0], pod.Labels, namespaceLabels[w], (w.Name, w.Kind), pod.HostNetwork, pod.Spec?.NodeName);
    }

    private End World() =>
        new(null, null, string.Create(CultureInfo.InvariantCulture, $"{random.Next(1, 223)}.{random.Next(256)}.{random.Next(256)}.{random.Next(1, 255)}"),
            new Dictionary<string, string>(), new Dictionary<string, string>(), null, false, null, "world");

    private int Both(MemoryStream output, End source, End destination, string protocol, int port, string verdict, bool reply, bool l7)
    {
        var n = 0;
        if (source.Reserved is null)
        {
            Line(output, source, destination, protocol, port, verdict, "EGRESS", reply: false);
            n++;
        }

        if (destination.Reserved is null)
        {
            Line(output, source, destination, protocol, port, verdict, "INGRESS", reply: false);
            n++;
        }

        if (reply)
        {
            Line(output, destination, source, protocol, 40000 + random.Next(20000), verdict, "INGRESS", reply: true);
            n++;
        }

        if (l7)
        {
            Line(output, source, destination, protocol, port, verdict, "EGRESS", reply: false, l7: true);
            n++;
        }

        return n;
    }

    private void Line(MemoryStream output, End source, End destination, string protocol, int port, string verdict, string direction, bool reply, bool l7 = false)
    {
        using (var w = new Utf8JsonWriter(output))
        {
            var stamp = time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff", CultureInfo.InvariantCulture) + "00Z";
            var node = "default/" + ((direction == "EGRESS" ? source.Node : destination.Node) ?? "node-0000");
            w.WriteStartObject();
            w.WriteStartObject("flow");
            w.WriteString("time", stamp);
            Span<byte> uuid = stackalloc byte[16];
            random.NextBytes(uuid);
            w.WriteString("uuid", new Guid(uuid).ToString());
            w.WriteString("verdict", verdict);
            if (verdict == "DROPPED")
            {
                w.WriteNumber("drop_reason", 133);
                w.WriteString("drop_reason_desc", "POLICY_DENIED");
            }

            w.WriteStartObject("ethernet");
            w.WriteString("source", "f2:4c:1d:6a:3b:0e");
            w.WriteString("destination", "ee:2d:79:84:c5:11");
            w.WriteEndObject();
            w.WriteStartObject("IP");
            w.WriteString("source", source.Address);
            w.WriteString("destination", destination.Address);
            w.WriteString("ipVersion", "IPv4");
            w.WriteEndObject();
            w.WriteStartObject("l4");
            w.WriteStartObject(protocol);
            w.WriteNumber("source_port", reply ? port : 32768 + random.Next(28000));
            w.WriteNumber("destination_port", reply ? 32768 + random.Next(28000) : port);
            if (protocol == "TCP")
            {
                w.WriteStartObject("flags");
                w.WriteBoolean("SYN", true);
                if (reply)
                {
                    w.WriteBoolean("ACK", true);
                }

                w.WriteEndObject();
            }

            w.WriteEndObject();
            w.WriteEndObject();
            Endpoint(w, "source", source);
            Endpoint(w, "destination", destination);
            w.WriteString("Type", l7 ? "L7" : "L3_L4");
            w.WriteString("node_name", node);
            w.WriteStartObject("event_type");
            w.WriteNumber("type", verdict == "DROPPED" ? 1 : 4);
            w.WriteNumber("sub_type", verdict == "DROPPED" ? 133 : direction == "INGRESS" ? 3 : 0);
            w.WriteEndObject();
            w.WriteString("traffic_direction", direction);
            if (verdict != "DROPPED")
            {
                w.WriteString("trace_observation_point", direction == "INGRESS" ? "TO_ENDPOINT" : "FROM_ENDPOINT");
            }

            w.WriteBoolean("is_reply", reply);
            w.WriteStartObject("interface");
            w.WriteNumber("index", 20 + random.Next(200));
            w.WriteString("name", "lxc" + random.Next(0x10000).ToString("x4", CultureInfo.InvariantCulture));
            w.WriteEndObject();
            w.WriteString("Summary", protocol == "TCP" ? (reply ? "TCP Flags: SYN, ACK" : "TCP Flags: SYN") : protocol);
            w.WriteEndObject();
            w.WriteString("node_name", node);
            w.WriteString("time", stamp);
            w.WriteEndObject();
        }

        output.WriteByte((byte)'\n');
    }

    private static void Endpoint(Utf8JsonWriter w, string name, End e)
    {
        w.WriteStartObject(name);
        if (e.Reserved is { } reserved)
        {
            w.WriteNumber("identity", reserved == "world" ? 2 : 1);
            w.WriteStartArray("labels");
            w.WriteStringValue("reserved:" + reserved);
            w.WriteEndArray();
            w.WriteEndObject();
            return;
        }

        if (e.Host)
        {
            w.WriteNumber("identity", 6);
            w.WriteStartArray("labels");
            w.WriteStringValue("reserved:remote-node");
            w.WriteEndArray();
            w.WriteEndObject();
            return;
        }

        w.WriteNumber("ID", (uint)e.Pod!.GetHashCode() % 4000);
        w.WriteNumber("identity", 10000 + ((uint)(e.Namespace + string.Join(",", e.Labels.Keys)).GetHashCode() % 50000));
        w.WriteString("cluster_name", "default");
        w.WriteString("namespace", e.Namespace);
        w.WriteStartArray("labels");
        var labels = new List<string>();
        foreach (var (k, v) in e.Labels)
        {
            if (k is not ("pod-template-hash" or "controller-revision-hash" or "statefulset.kubernetes.io/pod-name"))
            {
                labels.Add($"k8s:{k}={v}");
            }
        }

        foreach (var (k, v) in e.NamespaceLabels)
        {
            labels.Add($"k8s:io.cilium.k8s.namespace.labels.{k}={v}");
        }

        labels.Add("k8s:io.cilium.k8s.policy.cluster=default");
        labels.Add($"k8s:io.kubernetes.pod.namespace={e.Namespace}");
        labels.Sort(StringComparer.Ordinal);
        foreach (var l in labels)
        {
            w.WriteStringValue(l);
        }

        w.WriteEndArray();
        w.WriteString("pod_name", e.Pod);
        if (e.Workload is { } wl)
        {
            w.WriteStartArray("workloads");
            w.WriteStartObject();
            w.WriteString("name", wl.Name);
            w.WriteString("kind", wl.Kind);
            w.WriteEndObject();
            w.WriteEndArray();
        }

        w.WriteEndObject();
    }

    /// <summary>A log's size in the words the docs use.</summary>
    public static string Describe(string path) =>
        string.Create(CultureInfo.InvariantCulture, $"{new FileInfo(path).Length / 1048576.0:N0} MiB");
}
