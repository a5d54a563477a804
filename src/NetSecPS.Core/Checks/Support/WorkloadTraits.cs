using k8s.Models;
using NetSecPS.Core.Model;

namespace NetSecPS.Core.Checks.Support;

/// <summary>What a workload is, recognised from its images, names, labels and declared ports.</summary>
internal static class WorkloadTraits
{
    /// <summary>The data stores of the catalogue with their well-known ports.</summary>
    public static IReadOnlyDictionary<string, int[]> DataStores { get; } = new Dictionary<string, int[]>(StringComparer.OrdinalIgnoreCase)
    {
        ["postgres"] = new[] { 5432 },
        ["postgresql"] = new[] { 5432 },
        ["postgis"] = new[] { 5432 },
        ["mysql"] = new[] { 3306 },
        ["mariadb"] = new[] { 3306 },
        ["mongo"] = new[] { 27017 },
        ["mongodb"] = new[] { 27017 },
        ["redis"] = new[] { 6379 },
        ["elasticsearch"] = new[] { 9200, 9300 },
        ["opensearch"] = new[] { 9200, 9300 },
        ["cassandra"] = new[] { 9042 },
        ["memcached"] = new[] { 11211 },
        ["couchdb"] = new[] { 5984 },
        ["etcd"] = new[] { 2379 },
    };

    private static readonly Dictionary<int, string> DataStorePorts = new()
    {
        [5432] = "postgres", [3306] = "mysql/mariadb", [27017] = "mongodb", [6379] = "redis", [9200] = "elasticsearch/opensearch",
        [9300] = "elasticsearch/opensearch", [9042] = "cassandra", [11211] = "memcached", [5984] = "couchdb", [2379] = "etcd",
    };

    /// <summary>Admin UIs of the catalogue, recognised by image, workload name or app label.</summary>
    private static readonly string[] AdminInterfaces = { "kubernetes-dashboard", "dashboard", "argocd-server", "jupyter", "jupyterhub", "kibana", "grafana", "prometheus" };

    private static readonly Dictionary<int, string> SensitivePorts = new() { [10250] = "kubelet API", [2375] = "Docker API (plaintext)", [2376] = "Docker API" };

    /// <summary>Image name parts that mark a helper next to a product rather than the product itself.</summary>
    private static readonly HashSet<string> HelperTokens = new(StringComparer.OrdinalIgnoreCase)
    {
        "exporter", "operator", "client", "cli", "proxy", "backup", "ui", "admin", "commander", "insight", "init", "tools", "agent",
    };

    /// <summary>The repository name of an image: <c>docker.io/bitnami/postgresql:15@sha..</c> → <c>postgresql</c>.</summary>
    public static string ImageName(string? image)
    {
        if (string.IsNullOrEmpty(image))
        {
            return string.Empty;
        }

        var s = image;
        var at = s.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            s = s[..at];
        }

        var slash = s.LastIndexOf('/');
        if (slash >= 0)
        {
            s = s[(slash + 1)..];
        }

        var colon = s.IndexOf(':', StringComparison.Ordinal);
        return (colon >= 0 ? s[..colon] : s).ToLowerInvariant();
    }

    public static IEnumerable<V1Container> Containers(Workload w) =>
        w.Pods.SelectMany(p => (p.Spec?.Containers ?? new List<V1Container>()).Concat(p.Spec?.InitContainers ?? new List<V1Container>()));

    /// <summary>
    /// Identifies a data store: an image whose name is a known product (optionally with a suffix
    /// such as <c>-server</c>, but not a helper such as <c>-exporter</c>), or a declared container
    /// port of a known product. Returns the product, the reason in words and the data ports.
    /// </summary>
    public static (string Product, string Reason, IReadOnlyList<int> Ports)? DataStore(Workload w)
    {
        var declared = w.Pods.SelectMany(p => p.Ports).Where(p => p.Protocol == "TCP").Select(p => p.Port).ToHashSet();
        foreach (var c in Containers(w))
        {
            var name = ImageName(c.Image);
            var tokens = name.Split('-', '_', '.');
            if (tokens.Length == 0 || !DataStores.TryGetValue(tokens[0], out var ports) || tokens.Skip(1).Any(HelperTokens.Contains))
            {
                continue;
            }

            var dataPorts = ports.Where(declared.Contains).ToList();
            if (dataPorts.Count == 0)
            {
                // The image is the product but declares its port differently (or not at all): every declared port, else the product's default.
                dataPorts = declared.Count > 0 ? declared.Order().ToList() : ports.ToList();
            }

            return (tokens[0], $"image {c.Image}", dataPorts);
        }

        var known = declared.Where(DataStorePorts.ContainsKey).Order().ToList();
        if (known.Count > 0)
        {
            return (DataStorePorts[known[0]], $"declares port {string.Join(", ", known)} ({string.Join(", ", known.Select(p => DataStorePorts[p]).Distinct())})", known);
        }

        return null;
    }

    /// <summary>Identifies an admin UI or a sensitive daemon port (kubelet, Docker).</summary>
    public static string? SensitiveInterface(Workload w)
    {
        foreach (var c in Containers(w))
        {
            var name = ImageName(c.Image);
            var hit = AdminInterfaces.FirstOrDefault(a => name == a || name.StartsWith(a + "-", StringComparison.Ordinal) && !name.Split('-').Skip(1).Any(HelperTokens.Contains));
            if (hit is not null && !(hit == "prometheus" && name != "prometheus"))
            {
                return $"admin interface {hit} (image {c.Image})";
            }
        }

        foreach (var candidate in new[] { w.Name, w.Labels.GetValueOrDefault("app.kubernetes.io/name"), w.Labels.GetValueOrDefault("app") })
        {
            if (candidate is not null && AdminInterfaces.Contains(candidate, StringComparer.OrdinalIgnoreCase))
            {
                return $"admin interface {candidate}";
            }
        }

        var port = w.Pods.SelectMany(p => p.Ports).FirstOrDefault(p => p.Protocol == "TCP" && SensitivePorts.ContainsKey(p.Port));
        return port is null ? null : $"{SensitivePorts[port.Port]} on port {port.Port}";
    }

    /// <summary>The cluster DNS servers: CoreDNS / kube-dns (label k8s-app=kube-dns) or OpenShift's dns-default.</summary>
    public static bool IsClusterDns(Workload w) =>
        w.Labels.TryGetValue("k8s-app", out var app) && app is "kube-dns" or "coredns"
        || w.Labels.ContainsKey("dns.operator.openshift.io/daemonset-dns")
        || w.Namespace is "kube-system" && w.Name is "coredns" or "kube-dns";

    /// <summary>The ports a DNS server listens on: its UDP and TCP container ports named for DNS or numbered 53.</summary>
    public static (IReadOnlyList<int> Udp, IReadOnlyList<int> Tcp) DnsPorts(Workload dns)
    {
        var ports = dns.Pods.SelectMany(p => p.Ports).ToList();
        static bool IsDns(ContainerPort p) => p.Port == 53 || (p.Name is { } n && n.StartsWith("dns", StringComparison.OrdinalIgnoreCase));
        var udp = ports.Where(p => p.Protocol == "UDP" && IsDns(p)).Select(p => p.Port).Distinct().ToList();
        var tcp = ports.Where(p => p.Protocol == "TCP" && IsDns(p) && !(p.Name ?? string.Empty).Contains("metrics", StringComparison.OrdinalIgnoreCase)).Select(p => p.Port).Distinct().ToList();
        return (udp.Count > 0 ? udp : new[] { 53 }, tcp.Count > 0 ? tcp : new[] { 53 });
    }
}
