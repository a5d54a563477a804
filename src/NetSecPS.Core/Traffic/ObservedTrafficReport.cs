using System.Globalization;
using k8s.Models;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;

namespace NetSecPS.Core.Traffic;

/// <summary>
/// Turns a comparison into the "Observed traffic" part of a scan, with what an auditor asks first:
/// which unused allowed paths lead into data stores, and which start at workloads exposed outside
/// the cluster (the first hop of lateral movement).
/// </summary>
internal static class ObservedTrafficReport
{
    /// <summary>How many paths each "top" list holds.</summary>
    public const int Top = 10;

    private static readonly (string Image, string What)[] DataStoreImages =
    {
        ("postgres", "PostgreSQL"), ("postgis", "PostgreSQL"), ("timescaledb", "TimescaleDB"), ("mysql", "MySQL"), ("mariadb", "MariaDB"), ("percona", "MySQL"),
        ("mongo", "MongoDB"), ("redis", "Redis"), ("valkey", "Valkey"), ("keydb", "KeyDB"), ("memcached", "Memcached"), ("cassandra", "Cassandra"),
        ("scylla", "ScyllaDB"), ("elasticsearch", "Elasticsearch"), ("opensearch", "OpenSearch"), ("kafka", "Kafka"), ("zookeeper", "ZooKeeper"),
        ("rabbitmq", "RabbitMQ"), ("nats", "NATS"), ("etcd", "etcd"), ("clickhouse", "ClickHouse"), ("cockroach", "CockroachDB"), ("minio", "MinIO"),
        ("couchdb", "CouchDB"), ("couchbase", "Couchbase"), ("neo4j", "Neo4j"), ("influxdb", "InfluxDB"), ("vitess", "Vitess"), ("tidb", "TiDB"),
    };

    private static readonly Dictionary<int, string> DataStorePorts = new()
    {
        [5432] = "PostgreSQL", [3306] = "MySQL", [27017] = "MongoDB", [6379] = "Redis", [11211] = "Memcached", [9042] = "Cassandra",
        [9200] = "Elasticsearch", [9092] = "Kafka", [2181] = "ZooKeeper", [5672] = "RabbitMQ", [4222] = "NATS", [2379] = "etcd",
        [26257] = "CockroachDB", [7687] = "Neo4j", [8086] = "InfluxDB", [5984] = "CouchDB", [9000] = "ClickHouse or MinIO",
    };

    public static ObservedTraffic Build(TrafficComparison comparison, ConnectivityEngine engine)
    {
        ArgumentNullException.ThrowIfNull(comparison);
        ArgumentNullException.ThrowIfNull(engine);
        var stores = DataStores(engine.Model);
        var exposed = Exposed(engine);
        var s = comparison.Statistics;
        return new ObservedTraffic
        {
            Files = s.Files.ToList(),
            Lines = s.Lines,
            Records = s.Records,
            Flows = s.Flows,
            BadLines = s.BadLines,
            Skipped = new Dictionary<string, long>(s.Skipped, StringComparer.Ordinal),
            From = s.From,
            To = s.To,
            UnresolvedFlows = comparison.UnresolvedFlows,
            ObservedAllowed = comparison.ObservedAllowed,
            ObservedDenied = comparison.ObservedDenied,
            UnusedAllowed = comparison.UnusedAllowed,
            Unresolved = comparison.Unresolved,
            Disagreements = comparison.Disagreements,
            DataStores = stores.Select(p => $"{p.Key}: {p.Value}").ToList(),
            ExposedWorkloads = exposed.Select(p => $"{p.Key}: {p.Value}").ToList(),
            TopUnusedIntoDataStores = Widest(comparison.UnusedAllowed.Where(r => stores.ContainsKey(r.Destination))),
            TopUnusedFromExposed = Widest(comparison.UnusedAllowed.Where(r => exposed.ContainsKey(r.Source))),
            Diagnostics = s.Diagnostics.ToList(),
        };
    }

    /// <summary>
    /// The widest paths first: from outside the cluster (external ranges, the ingress controller),
    /// then across namespaces, then by how many ports they leave open.
    /// </summary>
    private static List<FlowComparison> Widest(IEnumerable<FlowComparison> paths) => paths
        .OrderByDescending(r => r.Source.EndsWith("[External]", StringComparison.Ordinal) || r.Source == ConnectivityEngine.IngressControllerPeer)
        .ThenByDescending(r => r.SourceNamespace != r.DestinationNamespace)
        .ThenByDescending(r => r.EndPort - r.Port)
        .ThenBy(r => r.Source, StringComparer.Ordinal)
        .ThenBy(r => r.Destination, StringComparer.Ordinal)
        .ThenBy(r => r.Protocol, StringComparer.Ordinal)
        .Take(Top)
        .ToList();

    /// <summary>Workloads that hold data: a data store's image (exporters aside) or a data store's well-known port.</summary>
    public static SortedDictionary<string, string> DataStores(ClusterModel model)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var w in model.Workloads)
        {
            var spec = w.Spec;
            var images = spec?.Containers?.Select(c => c.Image ?? string.Empty).Where(i => !i.Contains("exporter", StringComparison.OrdinalIgnoreCase)).ToList() ?? new List<string>();
            var byImage = images.Select(i => (Image: i, Match: DataStoreImages.FirstOrDefault(d => ImageName(i).Contains(d.Image, StringComparison.OrdinalIgnoreCase))))
                .FirstOrDefault(x => x.Match.Image is not null);
            if (byImage.Match.Image is not null)
            {
                result[w.Peer] = $"{byImage.Match.What} (image {byImage.Image})";
                continue;
            }

            var port = w.Pods.SelectMany(p => p.Ports).FirstOrDefault(p => p.Protocol == "TCP" && DataStorePorts.ContainsKey(p.Port));
            if (port is not null)
            {
                result[w.Peer] = string.Create(CultureInfo.InvariantCulture, $"{DataStorePorts[port.Port]} (port {port.Port})");
            }
        }

        return result;
    }

    /// <summary>The last path segment of an image without its tag or digest.</summary>
    private static string ImageName(string image)
    {
        var name = image.Split('@')[0];
        var slash = name.LastIndexOf('/');
        name = slash >= 0 ? name[(slash + 1)..] : name;
        var colon = name.IndexOf(':', StringComparison.Ordinal);
        return colon >= 0 ? name[..colon] : name;
    }

    /// <summary>Workloads reachable from outside the cluster: exposed by Ingress, Route or Gateway, or selected by a LoadBalancer, NodePort or externalIPs Service.</summary>
    public static SortedDictionary<string, string> Exposed(ConnectivityEngine engine)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var f in engine.FlowsFrom(ConnectivityEngine.IngressControllerPeer))
        {
            result[f.Destination] = $"Ingress, Route or Gateway ({f.Connections})";
        }

        foreach (var (obj, svc) in engine.Model.Data.TypedWithSource<V1Service>())
        {
            var type = svc.Spec?.Type ?? "ClusterIP";
            var external = type is "LoadBalancer" or "NodePort" || svc.Spec?.ExternalIPs is { Count: > 0 };
            if (!external || svc.Spec?.Selector is not { Count: > 0 } selector)
            {
                continue;
            }

            foreach (var w in engine.Model.Workloads)
            {
                if (w.Namespace == obj.Namespace && w.Pods.Any(p => selector.All(l => p.Labels.TryGetValue(l.Key, out var v) && v == l.Value)))
                {
                    var why = $"Service {obj.Namespace}/{obj.Name} ({(svc.Spec?.ExternalIPs is { Count: > 0 } && type == "ClusterIP" ? "externalIPs" : type)})";
                    result[w.Peer] = result.TryGetValue(w.Peer, out var earlier) ? earlier + "; " + why : why;
                }
            }
        }

        return result;
    }
}
