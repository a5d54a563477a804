namespace NetSecPS.ClusterGenerator;

/// <summary>Where a workload sits in its application; policies select pods by it.</summary>
public enum Tier
{
    Frontend,
    Backend,
    Database,
    Platform,
}

/// <summary>How a tenant namespace is isolated by its first NetworkPolicy.</summary>
public enum DenyMode
{
    /// <summary><c>default-deny-all</c>: an empty pod selector with both policy types.</summary>
    IngressAndEgress,
    /// <summary><c>default-deny-ingress</c>: only ingress is isolated; egress is open.</summary>
    IngressOnly,
    /// <summary>No default deny: only the allow policies isolate the pods they select (a gap the checks should find).</summary>
    None,
}

/// <summary>A container port; named ports are what NetworkPolicies refer to.</summary>
public sealed record PortSpec(string Name, int Number, string Protocol = "TCP");

/// <summary>One workload to generate, with how many running pods it has.</summary>
public sealed class WorkloadPlan
{
    public required string Name { get; init; }
    /// <summary>Deployment, StatefulSet, DaemonSet, CronJob or Pod (a bare pod).</summary>
    public required string Kind { get; init; }
    public required Tier Tier { get; init; }
    public int Replicas { get; set; }
    public required IReadOnlyList<PortSpec> Ports { get; init; }
    public bool HostNetwork { get; init; }
    /// <summary>Pods still on the previous ReplicaSet (a rollout in progress): same workload, other pod-template-hash.</summary>
    public int PodsOnPreviousReplicaSet { get; set; }
    /// <summary>An older ReplicaSet scaled to zero, as revisionHistoryLimit keeps them.</summary>
    public bool KeepsIdleReplicaSet { get; init; }
    public bool HasSidecar { get; init; }
    /// <summary>Platform workloads use their upstream labels (k8s-app, app.kubernetes.io/name) instead of the tenant scheme.</summary>
    public IReadOnlyDictionary<string, string>? UpstreamLabels { get; init; }
    public string Image { get; init; } = string.Empty;
    public double Weight { get; init; } = 1;

    public bool RunsPods => Kind is not "CronJob";
}

/// <summary>One namespace: a platform component or a tenant application with its tiers.</summary>
public sealed class NamespacePlan
{
    public required int Index { get; init; }
    public required string Name { get; init; }
    public required string App { get; init; }
    public required string Team { get; init; }
    public required string Env { get; init; }
    public bool IsPlatform { get; init; }
    public DenyMode Deny { get; init; }
    public bool MonitoringEnabled { get; init; }
    public List<WorkloadPlan> Workloads { get; } = new();
    public int PolicyCount { get; set; }
    /// <summary>Index of this namespace's first scheduled pod among all tenant/platform Deployment and StatefulSet pods; decides nodes and IPs.</summary>
    public int PodOffset { get; set; }
    /// <summary>Index of this namespace's first Service, for cluster IPs.</summary>
    public int ServiceOffset { get; set; }
    /// <summary>Teams whose backends may call this namespace's backends (cross-namespace flows).</summary>
    public IReadOnlyList<string> TrustedTeams { get; set; } = Array.Empty<string>();

    public int ScheduledPods => Workloads.Where(w => w.Kind != "DaemonSet").Sum(w => w.Replicas);
    public int ServiceCount => Workloads.Sum(ServicesOf);

    internal static int ServicesOf(WorkloadPlan w) => w.Kind switch
    {
        "Deployment" when w.Ports.Any(p => p.Name != "metrics") => 1,
        "StatefulSet" => 2, // the headless governing service and a client service
        _ => 0,
    };
}

/// <summary>
/// The whole cluster before any object is written: nodes, namespaces, workloads with replica
/// counts, and how many NetworkPolicies each namespace gets. Everything random comes from the
/// shape's seed, so the same shape always plans the same cluster.
/// </summary>
public sealed class ClusterPlan
{
    /// <summary>Pods one node runs on average; with three DaemonSets that is about 43 per node, a common kubelet load.</summary>
    public const int PodsPerNode = 40;

    internal static readonly string[] Apps =
    {
        "shop", "payments", "orders", "catalog", "search", "identity", "billing", "crm", "hr", "analytics", "ledger", "shipping",
        "inventory", "pricing", "loyalty", "support", "marketing", "content", "media", "booking", "claims", "risk", "fraud", "kyc",
        "notifications", "reporting", "warehouse", "fleet", "telemetry", "gateway", "partners", "forecast",
    };

    internal static readonly string[] FrontendNames = { "web", "storefront", "admin-ui", "portal", "mobile-bff" };

    internal static readonly string[] BackendNames =
    {
        "api", "worker", "auth", "search-indexer", "notifier", "scheduler", "graphql", "reporting", "sync", "pricing-engine",
        "events", "audit-log", "exporter", "importer", "rules", "ledger-writer", "webhooks", "cache-warmer", "media-resizer", "mailer",
    };

    internal static readonly (string Name, PortSpec[] Ports)[] Databases =
    {
        ("postgres", new[] { new PortSpec("postgres", 5432), new PortSpec("metrics", 9187) }),
        ("redis", new[] { new PortSpec("redis", 6379), new PortSpec("metrics", 9121) }),
        ("mongodb", new[] { new PortSpec("mongodb", 27017), new PortSpec("metrics", 9216) }),
        ("kafka", new[] { new PortSpec("kafka", 9092), new PortSpec("controller", 9093), new PortSpec("metrics", 9308) }),
        ("elasticsearch", new[] { new PortSpec("http", 9200), new PortSpec("transport", 9300), new PortSpec("metrics", 9114) }),
    };

    private ClusterPlan(ClusterShape shape, int nodes, List<NamespacePlan> namespaces, int adminPolicies)
    {
        Shape = shape;
        Nodes = nodes;
        Namespaces = namespaces;
        AdminPolicies = adminPolicies;
    }

    public ClusterShape Shape { get; }
    public int Nodes { get; }
    public IReadOnlyList<NamespacePlan> Namespaces { get; }
    /// <summary>AdminNetworkPolicies (one BaselineAdminNetworkPolicy comes on top).</summary>
    public int AdminPolicies { get; }

    public int Pods => Namespaces.Sum(n => n.Workloads.Sum(w => w.Kind == "DaemonSet" ? Nodes : w.Replicas));
    public int Workloads => Namespaces.Sum(n => n.Workloads.Count);
    public int Policies => Namespaces.Sum(n => n.PolicyCount);

    public static ClusterPlan Create(ClusterShape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var random = new Random(shape.Seed);
        var nodes = Math.Max(3, (int)Math.Ceiling(shape.Pods / (double)PodsPerNode));
        if (shape.Cilium && shape.Calico)
        {
            throw new ArgumentException($"{shape} asks for two CNIs: Cilium and Calico do not enforce policy in one cluster.", nameof(shape));
        }

        var namespaces = PlatformNamespaces(nodes, shape.Cilium, shape.Calico);
        var platformWorkloads = namespaces.Sum(n => n.Workloads.Count);
        var platformPods = namespaces.Sum(n => n.Workloads.Sum(w => w.Kind == "DaemonSet" ? nodes : w.Replicas));
        var tenantWorkloads = shape.Workloads - platformWorkloads;
        var tenantPods = shape.Pods - platformPods;
        if (tenantWorkloads < 4 || tenantPods < tenantWorkloads)
        {
            throw new ArgumentException(
                $"{shape} is too small: the platform alone runs {platformWorkloads} workloads and {platformPods} pods on {nodes} nodes, " +
                "and every tenant workload needs at least one pod.", nameof(shape));
        }

        PlanTenants(shape, random, namespaces, tenantWorkloads, tenantPods);
        PlanPolicies(shape, namespaces);

        var podOffset = 0;
        var serviceOffset = 0;
        foreach (var ns in namespaces)
        {
            ns.PodOffset = podOffset;
            ns.ServiceOffset = serviceOffset;
            podOffset += ns.ScheduledPods;
            serviceOffset += ns.ServiceCount;
        }

        return new ClusterPlan(shape, nodes, namespaces, 4 + (shape.Policies / 1000));
    }

    /// <summary>
    /// The platform every cluster runs: DNS, kube-proxy and node agents (DaemonSets, some on the
    /// host network), an ingress controller, monitoring, logging and cert-manager. Replicas of the
    /// cluster-wide services grow with the node count.
    /// </summary>
    private static List<NamespacePlan> PlatformNamespaces(int nodes, bool cilium, bool calico)
    {
        var perFifty = Math.Max(2, nodes / 50);
        NamespacePlan Ns(int index, string name) => new()
        {
            Index = index, Name = name, App = name, Team = "platform", Env = "prod", IsPlatform = true, MonitoringEnabled = true,
        };
        WorkloadPlan W(string name, string kind, int replicas, string image, IReadOnlyDictionary<string, string> labels, bool host = false, params PortSpec[] ports) => new()
        {
            Name = name, Kind = kind, Tier = Tier.Platform, Replicas = replicas, Ports = ports, HostNetwork = host, UpstreamLabels = labels, Image = image,
        };
        static Dictionary<string, string> L(params string[] kv)
        {
            var d = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < kv.Length; i += 2)
            {
                d[kv[i]] = kv[i + 1];
            }

            return d;
        }

        var kubeSystem = Ns(0, "kube-system");
        kubeSystem.Workloads.Add(W("coredns", "Deployment", perFifty, "registry.k8s.io/coredns/coredns:v1.11.3", L("k8s-app", "kube-dns"), false,
            new PortSpec("dns", 53, "UDP"), new PortSpec("dns-tcp", 53), new PortSpec("metrics", 9153)));
        // With Cilium as the CNI, its agent replaces kube-proxy (same pods per node, same host network).
        kubeSystem.Workloads.Add(cilium
            ? W("cilium", "DaemonSet", 0, "quay.io/cilium/cilium:v1.18.4", L("k8s-app", "cilium"), true, new PortSpec("health", 9879))
            : W("kube-proxy", "DaemonSet", 0, "registry.k8s.io/kube-proxy:v1.31.4", L("k8s-app", "kube-proxy"), true, new PortSpec("metrics", 10249)));
        kubeSystem.Workloads.Add(W("metrics-server", "Deployment", 1, "registry.k8s.io/metrics-server/metrics-server:v0.7.2", L("k8s-app", "metrics-server"), false,
            new PortSpec("https", 10250)));

        var ingress = Ns(1, "ingress-nginx");
        ingress.Workloads.Add(W("ingress-nginx-controller", "Deployment", perFifty, "registry.k8s.io/ingress-nginx/controller:v1.11.3",
            L("app.kubernetes.io/name", "ingress-nginx", "app.kubernetes.io/component", "controller"), false,
            new PortSpec("http", 80), new PortSpec("https", 443), new PortSpec("metrics", 10254)));

        var monitoring = Ns(2, "monitoring");
        monitoring.Workloads.Add(W("prometheus", "StatefulSet", 2, "quay.io/prometheus/prometheus:v2.54.1", L("app.kubernetes.io/name", "prometheus"), false,
            new PortSpec("web", 9090)));
        monitoring.Workloads.Add(W("grafana", "Deployment", 1, "docker.io/grafana/grafana:11.3.0", L("app.kubernetes.io/name", "grafana"), false,
            new PortSpec("http", 3000)));
        monitoring.Workloads.Add(W("kube-state-metrics", "Deployment", 1, "registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.13.0",
            L("app.kubernetes.io/name", "kube-state-metrics"), false, new PortSpec("http-metrics", 8080)));
        monitoring.Workloads.Add(W("node-exporter", "DaemonSet", 0, "quay.io/prometheus/node-exporter:v1.8.2", L("app.kubernetes.io/name", "node-exporter"), true,
            new PortSpec("metrics", 9100)));

        var logging = Ns(3, "logging");
        logging.Workloads.Add(W("fluent-bit", "DaemonSet", 0, "cr.fluentbit.io/fluent/fluent-bit:3.1.9", L("app.kubernetes.io/name", "fluent-bit"), false,
            new PortSpec("http", 2020)));

        var certManager = Ns(4, "cert-manager");
        certManager.Workloads.Add(W("cert-manager", "Deployment", 1, "quay.io/jetstack/cert-manager-controller:v1.16.1", L("app.kubernetes.io/name", "cert-manager"), false,
            new PortSpec("http-metrics", 9402)));
        certManager.Workloads.Add(W("cert-manager-webhook", "Deployment", 1, "quay.io/jetstack/cert-manager-webhook:v1.16.1",
            L("app.kubernetes.io/name", "webhook", "app.kubernetes.io/instance", "cert-manager"), false, new PortSpec("https", 10250)));

        var platform = new List<NamespacePlan> { kubeSystem, ingress, monitoring, logging, certManager };
        if (calico)
        {
            // Calico as the operator installs it: the node agent on the host network of every node, kube-proxy stays.
            var calicoSystem = Ns(5, "calico-system");
            calicoSystem.Workloads.Add(W("calico-node", "DaemonSet", 0, "quay.io/calico/node:v3.30.3", L("k8s-app", "calico-node"), true,
                new PortSpec("http-metrics", 9091)));
            calicoSystem.Workloads.Add(W("calico-kube-controllers", "Deployment", 1, "quay.io/calico/kube-controllers:v3.30.3",
                L("k8s-app", "calico-kube-controllers"), false, new PortSpec("metrics-port", 9094)));
            platform.Add(calicoSystem);
        }

        return platform;
    }

    /// <summary>
    /// Tenant namespaces of 5 to 11 workloads each: one or two frontends, one or two databases
    /// (StatefulSets), backends for the rest, now and then a CronJob (no running pod) or a bare
    /// debug pod. Pods are shared out by weight (frontends run more replicas), databases run
    /// 1 to 3 replicas, and the totals land exactly on the shape.
    /// </summary>
    private static void PlanTenants(ClusterShape shape, Random random, List<NamespacePlan> namespaces, int tenantWorkloads, int tenantPods)
    {
        var remaining = tenantWorkloads;
        var envs = new[] { "prod", "prod", "prod", "prod", "prod", "staging", "staging", "staging", "dev", "dev" };
        while (remaining > 0)
        {
            var size = Math.Min(remaining, random.Next(5, 12));
            if (remaining - size is > 0 and < 4)
            {
                size = remaining;
            }

            remaining -= size;
            var index = namespaces.Count;
            var app = Apps[random.Next(Apps.Length)];
            var env = envs[random.Next(envs.Length)];
            var roll = random.NextDouble();
            var ns = new NamespacePlan
            {
                Index = index,
                Name = $"{app}-{env}-{index:D4}",
                App = app,
                Team = "team-" + (char)('a' + random.Next(26)) + (char)('a' + random.Next(26)),
                Env = env,
                Deny = roll < 0.7 ? DenyMode.IngressAndEgress : roll < 0.9 ? DenyMode.IngressOnly : DenyMode.None,
                MonitoringEnabled = random.NextDouble() < 0.9,
            };
            PlanApplication(ns, size, random);
            namespaces.Add(ns);
        }

        var teams = namespaces.Where(n => !n.IsPlatform).Select(n => n.Team).Distinct().OrderBy(t => t, StringComparer.Ordinal).ToArray();
        foreach (var ns in namespaces.Where(n => !n.IsPlatform))
        {
            ns.TrustedTeams = new[] { teams[random.Next(teams.Length)], teams[random.Next(teams.Length)] }.Distinct().ToArray();
        }

        SharePods(namespaces, tenantPods, random);
    }

    private static void PlanApplication(NamespacePlan ns, int size, Random random)
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        string Unique(string name)
        {
            var candidate = name;
            for (var i = 2; !used.Add(candidate); i++)
            {
                candidate = $"{name}-{i}";
            }

            return candidate;
        }

        var slots = size;
        if (size >= 5 && random.NextDouble() < 0.03)
        {
            ns.Workloads.Add(new WorkloadPlan
            {
                Name = Unique("debug-" + Suffix(random, 5)), Kind = "Pod", Tier = Tier.Backend, Replicas = 1,
                Ports = Array.Empty<PortSpec>(), Image = "docker.io/nicolaka/netshoot:v0.13",
            });
            slots--;
        }

        if (size >= 5 && random.NextDouble() < 0.3)
        {
            ns.Workloads.Add(new WorkloadPlan
            {
                Name = Unique("nightly-report"), Kind = "CronJob", Tier = Tier.Backend, Replicas = 0,
                Ports = Array.Empty<PortSpec>(), Image = $"registry.example.com/{ns.App}/report:1.{random.Next(20)}.0",
            });
            slots--;
        }

        var databases = size >= 9 && random.NextDouble() < 0.5 ? 2 : 1;
        var frontends = size >= 8 && random.NextDouble() < 0.4 ? 2 : 1;
        var backends = slots - databases - frontends;
        if (backends < 1)
        {
            databases = 1;
            frontends = 1;
            backends = slots - 2;
        }

        for (var i = 0; i < frontends; i++)
        {
            var name = Unique(FrontendNames[random.Next(FrontendNames.Length)]);
            ns.Workloads.Add(new WorkloadPlan
            {
                Name = name, Kind = "Deployment", Tier = Tier.Frontend,
                Ports = new[] { new PortSpec("http", new[] { 8080, 3000, 8000, 80 }[random.Next(4)]), new PortSpec("metrics", 9102) },
                KeepsIdleReplicaSet = random.NextDouble() < 0.5, HasSidecar = random.NextDouble() < 0.2,
                Image = $"registry.example.com/{ns.App}/{name}:2.{random.Next(30)}.{random.Next(10)}", Weight = 1.5 + (1.5 * random.NextDouble()),
            });
        }

        for (var i = 0; i < backends; i++)
        {
            var name = Unique(BackendNames[random.Next(BackendNames.Length)]);
            var ports = new List<PortSpec>();
            if (name != "worker")
            {
                ports.Add(new PortSpec("http", new[] { 8080, 8000, 9000, 5000 }[random.Next(4)]));
            }

            if (random.NextDouble() < 0.5)
            {
                ports.Add(new PortSpec("grpc", 9090));
            }

            if (random.NextDouble() < 0.1)
            {
                ports.Add(new PortSpec("statsd", 8125, "UDP"));
            }

            if (random.NextDouble() < 0.02)
            {
                ports.Add(new PortSpec("sctp-signal", 9899, "SCTP"));
            }

            ports.Add(new PortSpec("metrics", 9102));
            ns.Workloads.Add(new WorkloadPlan
            {
                Name = name, Kind = "Deployment", Tier = Tier.Backend, Ports = ports,
                KeepsIdleReplicaSet = random.NextDouble() < 0.5, HasSidecar = random.NextDouble() < 0.2,
                Image = $"registry.example.com/{ns.App}/{name}:1.{random.Next(30)}.{random.Next(10)}", Weight = 0.5 + (2 * random.NextDouble()),
            });
        }

        for (var i = 0; i < databases; i++)
        {
            var (dbName, dbPorts) = Databases[random.Next(Databases.Length)];
            ns.Workloads.Add(new WorkloadPlan
            {
                Name = Unique(dbName), Kind = "StatefulSet", Tier = Tier.Database, Replicas = random.Next(1, 4), Ports = dbPorts,
                Image = $"docker.io/bitnami/{dbName}:{random.Next(6, 17)}.{random.Next(5)}.0",
            });
        }
    }

    /// <summary>Shares the tenant pods out: StatefulSets and bare pods keep theirs, Deployments split the rest by weight.</summary>
    private static void SharePods(List<NamespacePlan> namespaces, int tenantPods, Random random)
    {
        var tenants = namespaces.Where(n => !n.IsPlatform).SelectMany(n => n.Workloads).ToList();
        var deployments = tenants.Where(w => w.Kind == "Deployment").ToList();
        var fixedPods = tenants.Where(w => w.Kind is "StatefulSet" or "Pod").Sum(w => w.Replicas);
        if (tenantPods - fixedPods < deployments.Count)
        {
            foreach (var s in tenants.Where(w => w.Kind == "StatefulSet"))
            {
                s.Replicas = 1;
            }

            fixedPods = tenants.Count(w => w.Kind is "StatefulSet" or "Pod");
        }

        var spare = tenantPods - fixedPods - deployments.Count;
        if (spare < 0)
        {
            throw new ArgumentException($"{tenantPods} tenant pods cannot give each of {tenants.Count} workloads a pod.");
        }

        var totalWeight = deployments.Sum(d => d.Weight);
        var given = 0;
        foreach (var d in deployments)
        {
            var extra = (int)Math.Floor(spare * d.Weight / totalWeight);
            d.Replicas = 1 + extra;
            given += extra;
        }

        for (var i = 0; given < spare; i = (i + 1) % deployments.Count)
        {
            deployments[i].Replicas++;
            given++;
        }

        foreach (var d in deployments)
        {
            if (d.Replicas >= 2 && random.NextDouble() < 0.04)
            {
                d.PodsOnPreviousReplicaSet = d.Replicas / 2;
            }
        }
    }

    /// <summary>
    /// Shares the NetworkPolicy budget: the platform namespaces get their few fixed policies first,
    /// tenant namespaces split the rest evenly (each takes its policy templates in order, then
    /// per-workload allow rules once the templates run out).
    /// </summary>
    private static void PlanPolicies(ClusterShape shape, List<NamespacePlan> namespaces)
    {
        var budget = shape.Policies;
        foreach (var ns in namespaces.Where(n => n.IsPlatform))
        {
            var wanted = SyntheticCluster.PlatformPolicyCount(ns.Name);
            ns.PolicyCount = Math.Min(wanted, budget);
            budget -= ns.PolicyCount;
        }

        var tenants = namespaces.Where(n => !n.IsPlatform).ToList();
        var each = budget / tenants.Count;
        var extra = budget % tenants.Count;
        for (var i = 0; i < tenants.Count; i++)
        {
            tenants[i].PolicyCount = each + (i < extra ? 1 : 0);
        }
    }

    internal const string NameAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    /// <summary>A random suffix in the alphabet Kubernetes uses for generated names.</summary>
    internal static string Suffix(Random random, int length)
    {
        Span<char> chars = stackalloc char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = NameAlphabet[random.Next(NameAlphabet.Length)];
        }

        return new string(chars);
    }
}
