using System.Globalization;
using System.Text.Json.Nodes;
using static NetSecPS.ClusterGenerator.Json;

namespace NetSecPS.ClusterGenerator;

/// <summary>The objects of one output file: the cluster-scoped ones, or one namespace.</summary>
public sealed record ManifestGroup(string Name, IReadOnlyList<JsonObject> Objects);

/// <summary>
/// Generates a realistic cluster, deterministically from <see cref="ClusterShape.Seed"/>.
/// <para>The shape of what comes out (see <see cref="ClusterPlan"/> for the numbers):</para>
/// <list type="bullet">
/// <item>Nodes (one per 40 scheduled pods) with pod CIDRs from 10.64.0.0/10 and InternalIPs in 10.0.0.0/16.</item>
/// <item>Platform namespaces: kube-system (CoreDNS, kube-proxy on the host network, metrics-server),
/// ingress-nginx (a LoadBalancer controller), monitoring (Prometheus StatefulSet, Grafana, kube-state-metrics,
/// node-exporter on the host network), logging (fluent-bit DaemonSet), cert-manager.</item>
/// <item>Tenant namespaces <c>{app}-{env}-{nnnn}</c> labelled with team, env and pod-security level, each an
/// application in tiers: frontends and backends as Deployment → ReplicaSet → Pods (ownerReferences with
/// uids, pod-template-hash, pod IPs, a rollout in progress now and then, idle old ReplicaSets), databases as
/// StatefulSets with a headless service, sometimes a CronJob or a bare debug pod. Containers declare named
/// ports (<c>http</c> on a port that differs between workloads, <c>grpc</c>, <c>metrics</c>, UDP statsd,
/// rarely SCTP).</item>
/// <item>Services (ClusterIP; frontends also NodePort or LoadBalancer), an Ingress per application,
/// ServiceAccounts, Roles, RoleBindings, ConfigMaps; ClusterRoles and ClusterRoleBindings.</item>
/// <item>NetworkPolicies per tenant namespace: a default deny (both directions in 70% of namespaces,
/// ingress only in 20%, none in 10%), DNS egress, then allow rules in a per-namespace order — from the
/// ingress controller by named port, frontend → backend with matchExpressions, backend → database with
/// In/NotIn, Prometheus scraping by named port, same-namespace egress with endPort, internet egress by an
/// ipBlock with excepts, partner ingress from a public /24 with an excepted /28, cross-team access by
/// namespace matchExpressions, database replication, UDP telemetry with endPort — and, past those,
/// per-workload rules (pod matchExpressions, public /20 ipBlocks with an excepted /24, namespace
/// selectors).</item>
/// <item>AdminNetworkPolicies (Allow monitoring, protect kube-system, Deny the cloud metadata address,
/// Pass between prod namespaces, one per-team isolation policy per 1,000 NetworkPolicies) and one
/// BaselineAdminNetworkPolicy.</item>
/// </list>
/// </summary>
public sealed partial class SyntheticCluster
{
    /// <summary>Changes whenever the output changes, so cached clusters are made again.</summary>
    public const int Version = 1;

    private static readonly DateTimeOffset Epoch = new(2025, 1, 6, 8, 0, 0, TimeSpan.Zero);

    private static readonly int[] PublicFirstOctets = { 23, 34, 35, 44, 52, 54, 62, 81, 85, 91, 104, 130, 141, 146, 151, 185, 193, 194, 195, 198, 203, 212, 217 };

    public SyntheticCluster(ClusterShape shape)
    {
        Shape = shape ?? throw new ArgumentNullException(nameof(shape));
        Plan = ClusterPlan.Create(shape);
    }

    public ClusterShape Shape { get; }
    public ClusterPlan Plan { get; }

    /// <summary>The cluster-scoped objects first, then one group per namespace; made lazily, one group at a time.</summary>
    public IEnumerable<ManifestGroup> Groups()
    {
        yield return new ManifestGroup("cluster", ClusterScoped().ToList());
        foreach (var ns in Plan.Namespaces)
        {
            yield return new ManifestGroup(ns.Name, NamespaceObjects(ns).ToList());
        }
    }

    internal static int PlatformPolicyCount(string ns) => ns switch
    {
        "kube-system" => 1,
        "ingress-nginx" => 2,
        "monitoring" => 2,
        "cert-manager" => 1,
        _ => 0,
    };

    // ---------------------------------------------------------------- cluster scope

    private IEnumerable<JsonObject> ClusterScoped()
    {
        var random = new Random(unchecked((Shape.Seed * 31) + 7));
        for (var i = 0; i < Plan.Nodes; i++)
        {
            yield return Node(i, random);
        }

        yield return Map(
            ("apiVersion", "networking.k8s.io/v1"), ("kind", "IngressClass"),
            ("metadata", Meta(random, "nginx", null, Labels(new Dictionary<string, string> { ["app.kubernetes.io/name"] = "ingress-nginx" }))),
            ("spec", Map(("controller", "k8s.io/ingress-nginx"))));

        foreach (var o in ClusterRbac(random))
        {
            yield return o;
        }

        foreach (var o in Shape.Cilium ? CiliumClusterPolicies(random) : Shape.Calico && RewritesAsCalico ? CalicoClusterPolicies(random) : AdminPolicies(random))
        {
            yield return o;
        }

        if (Shape.ClusterNetworkPolicies)
        {
            foreach (var o in ClusterNetworkPolicies(random))
            {
                yield return o;
            }
        }
    }

    /// <summary>
    /// ClusterNetworkPolicy v1alpha2 in both tiers, beside the AdminNetworkPolicies: Accept, Deny
    /// and Pass; a networks rule over one node's pod range (so it matches the pods there by
    /// address) and one over every address; protocols with a range and a named port.
    /// </summary>
    private IEnumerable<JsonObject> ClusterNetworkPolicies(Random random)
    {
        const string api = "policy.networking.k8s.io/v1alpha2";
        JsonObject Cnp(string name, string tier, int priority, JsonObject subject, JsonArray? ingress, JsonArray? egress)
        {
            var spec = Map(("tier", tier), ("priority", priority), ("subject", subject));
            if (ingress is not null)
            {
                spec["ingress"] = ingress;
            }

            if (egress is not null)
            {
                spec["egress"] = egress;
            }

            return Map(("apiVersion", api), ("kind", "ClusterNetworkPolicy"), ("metadata", Meta(random, name, null)), ("spec", spec));
        }

        JsonObject Rule(string name, string action, string peerKey, JsonArray peers, JsonArray? protocols = null)
        {
            var r = Map(("name", name), ("action", action), (peerKey, peers));
            if (protocols is not null)
            {
                r["protocols"] = protocols;
            }

            return r;
        }

        JsonObject Number(string protocol, int port) => Map((protocol, Map(("destinationPort", Map(("number", port))))));
        JsonObject Range(string protocol, int start, int end) => Map((protocol, Map(("destinationPort", Map(("range", Map(("start", start), ("end", end))))))));
        JsonObject NsName(string ns) => MatchLabels(("kubernetes.io/metadata.name", ns));

        var teams = Plan.Namespaces.Where(n => !n.IsPlatform).Select(n => n.Team).Distinct().OrderBy(t => t, StringComparer.Ordinal).ToList();
        var team = teams.Count > 0 ? teams[0] : "none";
        yield return Cnp("cnp-monitoring-scrape", "Admin", 2, Map(("namespaces", MatchLabels(("team", team)))),
            Array(Rule("scrape", "Accept", "from",
                Array(Map(("pods", Map(("namespaceSelector", NsName("monitoring")), ("podSelector", MatchLabels(("app.kubernetes.io/name", "prometheus"))))))),
                Array(Range("tcp", 9100, 9200), Map(("destinationNamedPort", "http"))))),
            null);
        yield return Cnp("cnp-node-1-pods-closed", "Admin", 3, Map(("namespaces", MatchLabels(("team", team)))),
            null,
            Array(
                Rule("pass-dns", "Pass", "to", Array(Map(("namespaces", NsName("kube-system")))), Array(Number("udp", 53), Number("tcp", 53))),
                Rule("deny-node-1-pods", "Deny", "to", Array(Map(("networks", Strings(new[] { "10.64.1.0/24" }))))),
                Rule("deny-dev-sctp", "Deny", "to", Array(Map(("namespaces", MatchLabels(("env", "dev"))))), Array(Range("sctp", 1, 65535)))));
        yield return Cnp("cnp-baseline-dev", "Baseline", 10, Map(("namespaces", MatchLabels(("env", "dev")))),
            Array(Rule("deny-from-prod", "Deny", "from", Array(Map(("namespaces", MatchLabels(("env", "prod"))))))),
            Array(
                Rule("accept-pods", "Accept", "to", Array(Map(("networks", Strings(new[] { "10.64.0.0/12" })))), Array(Number("tcp", 443), Number("tcp", 8080))),
                Rule("deny-everything-else", "Deny", "to", Array(Map(("networks", Strings(new[] { "0.0.0.0/0" })))))));
    }

    private static string NodeName(int i) => $"node-{i:D4}";

    private static string NodeIp(int i)
    {
        var n = i + 10;
        return $"10.0.{n / 256}.{n % 256}";
    }

    private static string PodIp(int node, int host) => $"10.{64 + (node / 256)}.{node % 256}.{host}";

    private static string ServiceIp(int index)
    {
        var n = index + 10;
        return $"10.96.{n / 256}.{n % 256}";
    }

    private JsonObject Node(int i, Random random)
    {
        var zone = "eu-west-1" + (char)('a' + (i % 3));
        var labels = new Dictionary<string, string>
        {
            ["beta.kubernetes.io/arch"] = "amd64",
            ["beta.kubernetes.io/os"] = "linux",
            ["kubernetes.io/arch"] = "amd64",
            ["kubernetes.io/hostname"] = NodeName(i),
            ["kubernetes.io/os"] = "linux",
            ["node.kubernetes.io/instance-type"] = "m6i.2xlarge",
            ["topology.kubernetes.io/region"] = "eu-west-1",
            ["topology.kubernetes.io/zone"] = zone,
            ["node-role.kubernetes.io/worker"] = string.Empty,
        };
        var cidr = $"10.{64 + (i / 256)}.{i % 256}.0/24";
        var when = Time(random);
        JsonObject Condition(string type, string status, string reason) => Map(
            ("type", type), ("status", status), ("lastHeartbeatTime", when), ("lastTransitionTime", when), ("reason", reason), ("message", reason));
        return Map(
            ("apiVersion", "v1"), ("kind", "Node"),
            ("metadata", Meta(random, NodeName(i), null, Labels(labels), Map(("node.alpha.kubernetes.io/ttl", "0"), ("volumes.kubernetes.io/controller-managed-attach-detach", "true")))),
            ("spec", Map(("podCIDR", cidr), ("podCIDRs", Strings(new[] { cidr })), ("providerID", $"aws:///{zone}/i-0{Hex(random, 16)}"))),
            ("status", Map(
                ("addresses", Array(Map(("type", "InternalIP"), ("address", NodeIp(i))), Map(("type", "Hostname"), ("address", NodeName(i))))),
                ("allocatable", Map(("cpu", "7910m"), ("ephemeral-storage", "95551679124"), ("memory", "31482280Ki"), ("pods", "110"))),
                ("capacity", Map(("cpu", "8"), ("ephemeral-storage", "101430960Ki"), ("memory", "32408488Ki"), ("pods", "110"))),
                ("conditions", Array(
                    Condition("MemoryPressure", "False", "KubeletHasSufficientMemory"),
                    Condition("DiskPressure", "False", "KubeletHasNoDiskPressure"),
                    Condition("PIDPressure", "False", "KubeletHasSufficientPID"),
                    Condition("Ready", "True", "KubeletReady"))),
                ("daemonEndpoints", Map(("kubeletEndpoint", Map(("Port", 10250))))),
                ("nodeInfo", Map(
                    ("architecture", "amd64"), ("containerRuntimeVersion", "containerd://1.7.23"), ("kernelVersion", "6.1.115-126.197.amzn2023.x86_64"),
                    ("kubeProxyVersion", "v1.31.4"), ("kubeletVersion", "v1.31.4"), ("operatingSystem", "linux"), ("osImage", "Amazon Linux 2023.6.20241111"),
                    ("machineID", Hex(random, 32)), ("systemUUID", Uid(random)), ("bootID", Uid(random)))))));
    }

    private IEnumerable<JsonObject> ClusterRbac(Random random)
    {
        JsonObject Rule(string[] groups, string[] resources, string[] verbs) =>
            Map(("apiGroups", Strings(groups)), ("resources", Strings(resources)), ("verbs", Strings(verbs)));
        var reader = Map(("apiVersion", "rbac.authorization.k8s.io/v1"), ("kind", "ClusterRole"),
            ("metadata", Meta(random, "netsecps-reader", null)),
            ("rules", Array(
                Rule(new[] { string.Empty }, new[] { "namespaces", "nodes", "pods", "services", "serviceaccounts", "configmaps" }, new[] { "get", "list", "watch" }),
                Rule(new[] { "apps" }, new[] { "deployments", "replicasets", "statefulsets", "daemonsets" }, new[] { "get", "list", "watch" }),
                Rule(new[] { "networking.k8s.io" }, new[] { "networkpolicies", "ingresses", "ingressclasses" }, new[] { "get", "list", "watch" }),
                Rule(new[] { "policy.networking.k8s.io" }, new[] { "adminnetworkpolicies", "baselineadminnetworkpolicies" }, new[] { "get", "list", "watch" }))));
        if (Shape.Calico)
        {
            ((JsonArray)reader["rules"]!).Add(Rule(new[] { "projectcalico.org", "crd.projectcalico.org" },
                new[] { "networkpolicies", "globalnetworkpolicies", "tiers", "networksets", "globalnetworksets", "stagednetworkpolicies", "stagedglobalnetworkpolicies" },
                new[] { "get", "list", "watch" }));
        }

        yield return reader;
        yield return Map(("apiVersion", "rbac.authorization.k8s.io/v1"), ("kind", "ClusterRole"),
            ("metadata", Meta(random, "prometheus", null)),
            ("rules", Array(
                Rule(new[] { string.Empty }, new[] { "nodes", "nodes/metrics", "services", "endpoints", "pods" }, new[] { "get", "list", "watch" }))));
        yield return Map(("apiVersion", "rbac.authorization.k8s.io/v1"), ("kind", "ClusterRole"),
            ("metadata", Meta(random, "cluster-admin", null, Labels(new Dictionary<string, string> { ["kubernetes.io/bootstrapping"] = "rbac-defaults" }))),
            ("rules", Array(Rule(new[] { "*" }, new[] { "*" }, new[] { "*" }))));
        JsonObject Binding(string name, string role, string saNs, string sa) => Map(
            ("apiVersion", "rbac.authorization.k8s.io/v1"), ("kind", "ClusterRoleBinding"),
            ("metadata", Meta(random, name, null)),
            ("roleRef", Map(("apiGroup", "rbac.authorization.k8s.io"), ("kind", "ClusterRole"), ("name", role))),
            ("subjects", Array(Map(("kind", "ServiceAccount"), ("name", sa), ("namespace", saNs)))));
        yield return Binding("netsecps-reader", "netsecps-reader", "netsecps", "netsecps");
        yield return Binding("prometheus", "prometheus", "monitoring", "prometheus");
        var legacy = Plan.Namespaces.FirstOrDefault(n => !n.IsPlatform);
        if (legacy is not null)
        {
            // The kind of leftover a real cluster has: a CI account of one team bound to cluster-admin.
            yield return Binding("legacy-ci-admin", "cluster-admin", legacy.Name, legacy.Workloads[0].Name);
        }
    }

    private IEnumerable<JsonObject> AdminPolicies(Random random)
    {
        const string api = "policy.networking.k8s.io/v1alpha1";
        JsonObject Anp(string name, int priority, JsonObject subject, JsonArray? ingress, JsonArray? egress)
        {
            var spec = Map(("priority", priority), ("subject", subject));
            if (ingress is not null)
            {
                spec["ingress"] = ingress;
            }

            if (egress is not null)
            {
                spec["egress"] = egress;
            }

            return Map(("apiVersion", api), ("kind", "AdminNetworkPolicy"), ("metadata", Meta(random, name, null)), ("spec", spec));
        }

        JsonObject Rule(string name, string action, string peerKey, JsonArray peers, JsonArray? ports = null)
        {
            var r = Map(("name", name), ("action", action), (peerKey, peers));
            if (ports is not null)
            {
                r["ports"] = ports;
            }

            return r;
        }

        JsonObject PortNumber(string protocol, int port) => Map(("portNumber", Map(("protocol", protocol), ("port", port))));
        JsonObject PortRange(string protocol, int start, int end) => Map(("portRange", Map(("protocol", protocol), ("start", start), ("end", end))));
        JsonObject NsName(string ns) => MatchLabels(("kubernetes.io/metadata.name", ns));

        yield return Anp("cluster-allow-monitoring", 5, Map(("namespaces", Empty())),
            Array(Rule("allow-prometheus-scrape", "Allow", "from",
                Array(Map(("pods", Map(("namespaceSelector", NsName("monitoring")), ("podSelector", MatchLabels(("app.kubernetes.io/name", "prometheus"))))))),
                Array(PortNumber("TCP", 9102), PortRange("TCP", 9100, 9200)))),
            null);
        yield return Anp("protect-kube-system", 10, Map(("namespaces", NsName("kube-system"))),
            Array(
                Rule("allow-dns", "Allow", "from", Array(Map(("namespaces", Empty()))), Array(PortNumber("UDP", 53), PortNumber("TCP", 53))),
                Rule("allow-monitoring", "Allow", "from", Array(Map(("namespaces", NsName("monitoring"))))),
                Rule("deny-the-rest", "Deny", "from", Array(Map(("namespaces",
                    MatchExpressions(Requirement("kubernetes.io/metadata.name", "NotIn", "kube-system"))))))),
            null);
        yield return Anp("deny-cloud-metadata", 20,
            Map(("namespaces", MatchExpressions(Requirement("kubernetes.io/metadata.name", "NotIn", "kube-system")))),
            null,
            Array(Rule("deny-instance-metadata", "Deny", "to", Array(Map(("networks", Strings(new[] { "169.254.169.254/32", "fd00:ec2::254/128" })))))));
        yield return Anp("prod-namespaces", 30, Map(("namespaces", MatchLabels(("env", "prod")))),
            Array(
                Rule("pass-from-prod", "Pass", "from", Array(Map(("namespaces", MatchLabels(("env", "prod")))))),
                Rule("deny-from-dev", "Deny", "from", Array(Map(("namespaces", MatchLabels(("env", "dev"))))))),
            null);

        var teams = Plan.Namespaces.Where(n => !n.IsPlatform).Select(n => n.Team).Distinct().OrderBy(t => t, StringComparer.Ordinal).ToList();
        for (var i = 0; i < Plan.AdminPolicies - 4 && teams.Count > 0; i++)
        {
            var team = teams[(i * 7) % teams.Count];
            var (cidr, _) = PublicBlock(random, 16);
            yield return Anp($"{team}-isolation-{i}", 100 + i, Map(("namespaces", MatchLabels(("team", team)))),
                Array(
                    Rule("allow-own-team", "Allow", "from", Array(Map(("namespaces", MatchLabels(("team", team)))))),
                    Rule("pass-prod", "Pass", "from", Array(Map(("namespaces", MatchExpressions(Requirement("env", "In", "prod", "staging")))))),
                    Rule("deny-dev-sctp", "Deny", "from", Array(Map(("namespaces", MatchLabels(("env", "dev"))))), Array(PortRange("SCTP", 1, 65535)))),
                Array(Rule("deny-blocklisted-range", "Deny", "to", Array(Map(("networks", Strings(new[] { cidr })))))));
        }

        yield return Map(
            ("apiVersion", api), ("kind", "BaselineAdminNetworkPolicy"), ("metadata", Meta(random, "default", null)),
            ("spec", Map(
                ("subject", Map(("namespaces", MatchExpressions(Requirement("env", "In", "prod", "staging"))))),
                ("ingress", Array(Rule("deny-unlabelled-namespaces", "Deny", "from",
                    Array(Map(("namespaces", MatchExpressions(Requirement("env", "DoesNotExist")))))))),
                ("egress", Array(Rule("deny-internet", "Deny", "to", Array(Map(("networks", Strings(new[] { "0.0.0.0/0", "::/0" }))))))))));
    }

    // ---------------------------------------------------------------- namespaces

    private List<JsonObject> NamespaceObjects(NamespacePlan ns)
    {
        var random = new Random(unchecked((Shape.Seed * 31) + ((ns.Index + 1) * 1_000_003)));
        var output = new List<JsonObject> { NamespaceObject(ns, random) };
        foreach (var w in ns.Workloads)
        {
            output.Add(Map(("apiVersion", "v1"), ("kind", "ServiceAccount"), ("metadata", Meta(random, w.Name, ns.Name, Labels(SelectorOf(ns, w))))));
        }

        output.Add(Map(("apiVersion", "v1"), ("kind", "ConfigMap"), ("metadata", Meta(random, "kube-root-ca.crt", ns.Name)),
            ("data", Map(("ca.crt", "-----BEGIN CERTIFICATE-----\nMIIC5zCCAc+gAwIBAgIBADANBgkqhkiG9w0BAQsFADAVMRMwEQYDVQQDEwprdWJl\n-----END CERTIFICATE-----\n")))));
        if (!ns.IsPlatform)
        {
            output.Add(Map(("apiVersion", "v1"), ("kind", "ConfigMap"), ("metadata", Meta(random, ns.App + "-config", ns.Name)),
                ("data", Map(("LOG_LEVEL", "info"), ("FEATURE_FLAGS", "checkout-v2,search-suggest"), ("DB_HOST", ns.Workloads.FirstOrDefault(w => w.Tier == Tier.Database)?.Name ?? "db")))));
            output.AddRange(NamespaceRbac(ns, random));
        }

        var serviceIndex = ns.ServiceOffset;
        var podIndex = ns.PodOffset;
        var dsIndex = Plan.Namespaces.TakeWhile(n => n != ns).Sum(n => n.Workloads.Count(w => w.Kind == "DaemonSet"));
        var pods = new List<JsonObject>();
        var services = new List<JsonObject>();
        foreach (var w in ns.Workloads)
        {
            switch (w.Kind)
            {
                case "Deployment":
                    output.AddRange(Deployment(ns, w, random, ref podIndex, pods));
                    break;
                case "StatefulSet":
                    output.Add(StatefulSet(ns, w, random, ref podIndex, pods));
                    break;
                case "DaemonSet":
                    output.Add(DaemonSet(ns, w, random, dsIndex++, pods));
                    break;
                case "CronJob":
                    output.Add(CronJob(ns, w, random));
                    break;
                case "Pod":
                    pods.Add(Pod(ns, w, random, w.Name, null, PodLabelsOf(ns, w), null, podIndex % Plan.Nodes, 10 + (podIndex / Plan.Nodes)));
                    podIndex++;
                    break;
                default:
                    throw new InvalidOperationException($"Unknown workload kind {w.Kind}.");
            }

            services.AddRange(Services(ns, w, random, ref serviceIndex));
        }

        output.AddRange(pods);
        output.AddRange(services);
        output.AddRange(Ingresses(ns, random));
        output.AddRange(Shape.Cilium ? CiliumPolicies(ns, random) : Shape.Calico ? CalicoPolicies(ns, random) : NetworkPolicies(ns, random));
        return output;
    }

    private static JsonObject NamespaceObject(NamespacePlan ns, Random random)
    {
        var labels = new Dictionary<string, string>
        {
            ["kubernetes.io/metadata.name"] = ns.Name,
            ["team"] = ns.Team,
            ["env"] = ns.Env,
            ["monitoring"] = ns.MonitoringEnabled ? "enabled" : "disabled",
            ["pod-security.kubernetes.io/enforce"] = ns.IsPlatform ? "privileged" : ns.Env == "prod" ? "restricted" : "baseline",
        };
        if (!ns.IsPlatform)
        {
            labels["app.kubernetes.io/part-of"] = ns.App;
        }

        return Map(("apiVersion", "v1"), ("kind", "Namespace"),
            ("metadata", Meta(random, ns.Name, null, Labels(labels), Map(("owner", ns.Team + "@example.com")))),
            ("spec", Map(("finalizers", Strings(new[] { "kubernetes" })))),
            ("status", Map(("phase", "Active"))));
    }

    private static IEnumerable<JsonObject> NamespaceRbac(NamespacePlan ns, Random random)
    {
        yield return Map(("apiVersion", "rbac.authorization.k8s.io/v1"), ("kind", "Role"), ("metadata", Meta(random, ns.App + "-app", ns.Name)),
            ("rules", Array(
                Map(("apiGroups", Strings(new[] { string.Empty })), ("resources", Strings(new[] { "configmaps", "pods" })), ("verbs", Strings(new[] { "get", "list", "watch" }))),
                Map(("apiGroups", Strings(new[] { "coordination.k8s.io" })), ("resources", Strings(new[] { "leases" })), ("verbs", Strings(new[] { "get", "create", "update" }))))));
        var subjects = new JsonArray();
        foreach (var w in ns.Workloads)
        {
            subjects.Add(Map(("kind", "ServiceAccount"), ("name", w.Name), ("namespace", ns.Name)));
        }

        yield return Map(("apiVersion", "rbac.authorization.k8s.io/v1"), ("kind", "RoleBinding"), ("metadata", Meta(random, ns.App + "-app", ns.Name)),
            ("roleRef", Map(("apiGroup", "rbac.authorization.k8s.io"), ("kind", "Role"), ("name", ns.App + "-app"))),
            ("subjects", subjects));
        yield return Map(("apiVersion", "rbac.authorization.k8s.io/v1"), ("kind", "RoleBinding"), ("metadata", Meta(random, ns.Team + "-edit", ns.Name)),
            ("roleRef", Map(("apiGroup", "rbac.authorization.k8s.io"), ("kind", "ClusterRole"), ("name", "edit"))),
            ("subjects", Array(Map(("apiGroup", "rbac.authorization.k8s.io"), ("kind", "Group"), ("name", ns.Team)))));
    }

    // ---------------------------------------------------------------- workloads and pods

    /// <summary>The labels a workload selects its pods by.</summary>
    private static Dictionary<string, string> SelectorOf(NamespacePlan ns, WorkloadPlan w) =>
        w.UpstreamLabels is { } upstream
            ? new Dictionary<string, string>(upstream, StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["app.kubernetes.io/name"] = w.Name,
                ["app.kubernetes.io/instance"] = $"{ns.App}-{w.Name}",
            };

    /// <summary>The labels of the workload's pods: the selector plus the tier labels policies select by.</summary>
    private static Dictionary<string, string> PodLabelsOf(NamespacePlan ns, WorkloadPlan w)
    {
        var labels = SelectorOf(ns, w);
        if (w.Tier != Tier.Platform)
        {
            var tier = w.Tier.ToString().ToLowerInvariant();
            labels["app.kubernetes.io/part-of"] = ns.App;
            labels["app.kubernetes.io/component"] = tier;
            labels["tier"] = tier;
            labels["app.kubernetes.io/version"] = w.Image[(w.Image.LastIndexOf(':') + 1)..];
        }

        return labels;
    }

    private List<JsonObject> Deployment(NamespacePlan ns, WorkloadPlan w, Random random, ref int podIndex, List<JsonObject> pods)
    {
        var selector = SelectorOf(ns, w);
        var podLabels = PodLabelsOf(ns, w);
        var deploymentMeta = Meta(random, w.Name, ns.Name, Labels(selector), Map(("deployment.kubernetes.io/revision", w.PodsOnPreviousReplicaSet > 0 ? "4" : "3")));
        var deploymentUid = deploymentMeta["uid"]!.GetValue<string>();
        var current = w.Replicas - w.PodsOnPreviousReplicaSet;
        var output = new List<JsonObject>
        {
            Map(("apiVersion", "apps/v1"), ("kind", "Deployment"), ("metadata", deploymentMeta),
                ("spec", Map(
                    ("progressDeadlineSeconds", 600), ("replicas", w.Replicas), ("revisionHistoryLimit", 10),
                    ("selector", Map(("matchLabels", Labels(selector)))),
                    ("strategy", Map(("type", "RollingUpdate"), ("rollingUpdate", Map(("maxSurge", "25%"), ("maxUnavailable", "25%"))))),
                    ("template", Template(ns, w, podLabels)))),
                ("status", Map(
                    ("observedGeneration", 3), ("replicas", w.Replicas), ("readyReplicas", w.Replicas), ("availableReplicas", w.Replicas),
                    ("updatedReplicas", current),
                    ("conditions", Array(
                        Map(("type", "Available"), ("status", "True"), ("reason", "MinimumReplicasAvailable"), ("lastUpdateTime", Time(random)), ("lastTransitionTime", Time(random))),
                        Map(("type", "Progressing"), ("status", "True"), ("reason", w.PodsOnPreviousReplicaSet > 0 ? "ReplicaSetUpdated" : "NewReplicaSetAvailable"),
                            ("lastUpdateTime", Time(random)), ("lastTransitionTime", Time(random)))))))),
        };

        var replicaSets = new List<(string Hash, int Replicas)> { (ClusterPlan.Suffix(random, 10), current) };
        if (w.PodsOnPreviousReplicaSet > 0)
        {
            replicaSets.Add((ClusterPlan.Suffix(random, 10), w.PodsOnPreviousReplicaSet));
        }
        else if (w.KeepsIdleReplicaSet)
        {
            replicaSets.Add((ClusterPlan.Suffix(random, 9), 0));
        }

        foreach (var (hash, replicas) in replicaSets)
        {
            var rsName = $"{w.Name}-{hash}";
            var rsSelector = new Dictionary<string, string>(selector) { ["pod-template-hash"] = hash };
            var rsPodLabels = new Dictionary<string, string>(podLabels) { ["pod-template-hash"] = hash };
            var owner = OwnerReference("apps/v1", "Deployment", w.Name, deploymentUid);
            var rsMeta = Meta(random, rsName, ns.Name, Labels(rsPodLabels), Map(
                ("deployment.kubernetes.io/desired-replicas", w.Replicas.ToString(CultureInfo.InvariantCulture)),
                ("deployment.kubernetes.io/max-replicas", (w.Replicas + Math.Max(1, w.Replicas / 4)).ToString(CultureInfo.InvariantCulture)),
                ("deployment.kubernetes.io/revision", replicas == current ? "3" : "2")), owner);
            var rsUid = rsMeta["uid"]!.GetValue<string>();
            output.Add(Map(("apiVersion", "apps/v1"), ("kind", "ReplicaSet"), ("metadata", rsMeta),
                ("spec", Map(("replicas", replicas), ("selector", Map(("matchLabels", Labels(rsSelector)))), ("template", Template(ns, w, rsPodLabels)))),
                ("status", Map(("replicas", replicas), ("fullyLabeledReplicas", replicas), ("readyReplicas", replicas), ("availableReplicas", replicas), ("observedGeneration", 1)))));
            for (var i = 0; i < replicas; i++)
            {
                var rsOwner = OwnerReference("apps/v1", "ReplicaSet", rsName, rsUid);
                pods.Add(Pod(ns, w, random, $"{rsName}-{ClusterPlan.Suffix(random, 5)}", rsName + "-", rsPodLabels, rsOwner, podIndex % Plan.Nodes, 10 + (podIndex / Plan.Nodes)));
                podIndex++;
            }
        }

        return output;
    }

    private JsonObject StatefulSet(NamespacePlan ns, WorkloadPlan w, Random random, ref int podIndex, List<JsonObject> pods)
    {
        var selector = SelectorOf(ns, w);
        var podLabels = PodLabelsOf(ns, w);
        var meta = Meta(random, w.Name, ns.Name, Labels(selector));
        var revision = $"{w.Name}-{ClusterPlan.Suffix(random, 10)}";
        for (var i = 0; i < w.Replicas; i++)
        {
            var labels = new Dictionary<string, string>(podLabels)
            {
                ["apps.kubernetes.io/pod-index"] = i.ToString(CultureInfo.InvariantCulture),
                ["controller-revision-hash"] = revision,
                ["statefulset.kubernetes.io/pod-name"] = $"{w.Name}-{i}",
            };
            pods.Add(Pod(ns, w, random, $"{w.Name}-{i}", null, labels, OwnerReference("apps/v1", "StatefulSet", w.Name, meta["uid"]!.GetValue<string>()),
                podIndex % Plan.Nodes, 10 + (podIndex / Plan.Nodes)));
            podIndex++;
        }

        return Map(("apiVersion", "apps/v1"), ("kind", "StatefulSet"), ("metadata", meta),
            ("spec", Map(
                ("replicas", w.Replicas), ("serviceName", w.Name + "-headless"), ("podManagementPolicy", "OrderedReady"), ("revisionHistoryLimit", 10),
                ("selector", Map(("matchLabels", Labels(selector)))),
                ("template", Template(ns, w, podLabels)),
                ("updateStrategy", Map(("type", "RollingUpdate"), ("rollingUpdate", Map(("partition", 0))))),
                ("volumeClaimTemplates", Array(Map(
                    ("apiVersion", "v1"), ("kind", "PersistentVolumeClaim"), ("metadata", Map(("name", "data"))),
                    ("spec", Map(("accessModes", Strings(new[] { "ReadWriteOnce" })), ("storageClassName", "gp3"),
                        ("resources", Map(("requests", Map(("storage", "20Gi")))))))))))),
            ("status", Map(
                ("observedGeneration", 1), ("replicas", w.Replicas), ("readyReplicas", w.Replicas), ("availableReplicas", w.Replicas), ("currentReplicas", w.Replicas),
                ("updatedReplicas", w.Replicas), ("currentRevision", revision), ("updateRevision", revision), ("collisionCount", 0))));
    }

    private JsonObject DaemonSet(NamespacePlan ns, WorkloadPlan w, Random random, int dsIndex, List<JsonObject> pods)
    {
        var selector = SelectorOf(ns, w);
        var podLabels = PodLabelsOf(ns, w);
        var meta = Meta(random, w.Name, ns.Name, Labels(selector), Map(("deprecated.daemonset.template.generation", "1")));
        var revision = ClusterPlan.Suffix(random, 10);
        var labels = new Dictionary<string, string>(podLabels) { ["controller-revision-hash"] = revision, ["pod-template-generation"] = "1" };
        for (var node = 0; node < Plan.Nodes; node++)
        {
            pods.Add(Pod(ns, w, random, $"{w.Name}-{ClusterPlan.Suffix(random, 5)}", w.Name + "-", labels,
                OwnerReference("apps/v1", "DaemonSet", w.Name, meta["uid"]!.GetValue<string>()), node, 2 + dsIndex));
        }

        return Map(("apiVersion", "apps/v1"), ("kind", "DaemonSet"), ("metadata", meta),
            ("spec", Map(
                ("revisionHistoryLimit", 10), ("selector", Map(("matchLabels", Labels(selector)))),
                ("template", Template(ns, w, podLabels)),
                ("updateStrategy", Map(("type", "RollingUpdate"), ("rollingUpdate", Map(("maxSurge", 0), ("maxUnavailable", 1))))))),
            ("status", Map(
                ("currentNumberScheduled", Plan.Nodes), ("desiredNumberScheduled", Plan.Nodes), ("numberAvailable", Plan.Nodes), ("numberMisscheduled", 0),
                ("numberReady", Plan.Nodes), ("observedGeneration", 1), ("updatedNumberScheduled", Plan.Nodes))));
    }

    private static JsonObject CronJob(NamespacePlan ns, WorkloadPlan w, Random random)
    {
        var podLabels = PodLabelsOf(ns, w);
        return Map(("apiVersion", "batch/v1"), ("kind", "CronJob"), ("metadata", Meta(random, w.Name, ns.Name, Labels(SelectorOf(ns, w)))),
            ("spec", Map(
                ("schedule", $"{random.Next(60)} {random.Next(24)} * * *"), ("concurrencyPolicy", "Forbid"), ("suspend", false),
                ("successfulJobsHistoryLimit", 3), ("failedJobsHistoryLimit", 1),
                ("jobTemplate", Map(("spec", Map(("backoffLimit", 2), ("template", Template(ns, w, podLabels)))))))),
            ("status", Map(("lastScheduleTime", Time(random)), ("lastSuccessfulTime", Time(random)))));
    }

    private static JsonObject Template(NamespacePlan ns, WorkloadPlan w, Dictionary<string, string> labels) =>
        Map(("metadata", PodMetadataBody(w, labels)), ("spec", PodSpec(ns, w, null)));

    private static JsonObject PodMetadataBody(WorkloadPlan w, Dictionary<string, string> labels)
    {
        var meta = Map(("labels", Labels(labels)));
        var metrics = w.Ports.FirstOrDefault(p => p.Name == "metrics");
        if (metrics is not null)
        {
            meta["annotations"] = Map(("prometheus.io/scrape", "true"), ("prometheus.io/port", metrics.Number.ToString(CultureInfo.InvariantCulture)));
        }

        return meta;
    }

    private JsonObject Pod(NamespacePlan ns, WorkloadPlan w, Random random, string name, string? generateName, Dictionary<string, string> labels,
        JsonObject? owner, int node, int host)
    {
        var body = PodMetadataBody(w, labels);
        var meta = Meta(random, name, ns.Name, body["labels"]!.DeepClone().AsObject(), body["annotations"]?.DeepClone().AsObject(), owner);
        if (generateName is not null)
        {
            meta.Insert(0, "generateName", generateName);
        }

        var started = Time(random);
        var ip = w.HostNetwork ? NodeIp(node) : PodIp(node, host);
        var statuses = new JsonArray();
        foreach (var c in ContainerNames(w))
        {
            statuses.Add(Map(
                ("containerID", "containerd://" + Hex(random, 64)),
                ("image", c == w.Name ? w.Image : "cr.fluentbit.io/fluent/fluent-bit:3.1.9"),
                ("imageID", (c == w.Name ? w.Image[..w.Image.LastIndexOf(':')] : "cr.fluentbit.io/fluent/fluent-bit") + "@sha256:" + Hex(random, 64)),
                ("lastState", Empty()), ("name", c), ("ready", true), ("restartCount", random.Next(10) == 0 ? random.Next(1, 5) : 0), ("started", true),
                ("state", Map(("running", Map(("startedAt", started))))),
                ("volumeMounts", Array(Map(("mountPath", "/var/run/secrets/kubernetes.io/serviceaccount"), ("name", "kube-api-access"), ("readOnly", true), ("recursiveReadOnly", "Disabled"))))));
        }

        JsonObject Condition(string type) => Map(("type", type), ("status", "True"), ("lastProbeTime", null), ("lastTransitionTime", started));
        return Map(("apiVersion", "v1"), ("kind", "Pod"), ("metadata", meta),
            ("spec", PodSpec(ns, w, NodeName(node))),
            ("status", Map(
                ("conditions", Array(Condition("PodReadyToStartContainers"), Condition("Initialized"), Condition("Ready"), Condition("ContainersReady"), Condition("PodScheduled"))),
                ("containerStatuses", statuses),
                ("hostIP", NodeIp(node)), ("hostIPs", Array(Map(("ip", NodeIp(node))))),
                ("phase", "Running"),
                ("podIP", ip), ("podIPs", Array(Map(("ip", ip)))),
                ("qosClass", "Burstable"), ("startTime", started))));
    }

    private static IEnumerable<string> ContainerNames(WorkloadPlan w)
    {
        yield return w.Name;
        if (w.HasSidecar)
        {
            yield return "log-shipper";
        }
    }

    /// <summary>A pod spec; with a node name it is a running pod's spec with the fields the API server defaults.</summary>
    private static JsonObject PodSpec(NamespacePlan ns, WorkloadPlan w, string? nodeName)
    {
        var running = nodeName is not null;
        var ports = new JsonArray();
        foreach (var p in w.Ports)
        {
            var port = Map(("name", p.Name), ("containerPort", p.Number), ("protocol", p.Protocol));
            if (w.HostNetwork)
            {
                port["hostPort"] = p.Number;
            }

            ports.Add(port);
        }

        var mounts = new JsonArray();
        if (w.Tier == Tier.Database)
        {
            mounts.Add(Map(("name", "data"), ("mountPath", "/var/lib/data")));
        }

        if (running)
        {
            mounts.Add(Map(("name", "kube-api-access"), ("mountPath", "/var/run/secrets/kubernetes.io/serviceaccount"), ("readOnly", true)));
        }

        var probePort = w.Ports.FirstOrDefault(p => p.Protocol == "TCP");
        var main = Map(
            ("name", w.Name), ("image", w.Image), ("imagePullPolicy", "IfNotPresent"));
        if (w.Kind == "Pod")
        {
            main["command"] = Strings(new[] { "sleep", "infinity" });
        }

        main["env"] = Array(
            Map(("name", "POD_NAME"), ("valueFrom", Map(("fieldRef", Map(("apiVersion", "v1"), ("fieldPath", "metadata.name")))))),
            Map(("name", "LOG_FORMAT"), ("value", "json")),
            Map(("name", "OTEL_EXPORTER_OTLP_ENDPOINT"), ("value", "http://otel-collector.monitoring:4317")));
        if (!ns.IsPlatform)
        {
            main["envFrom"] = Array(Map(("configMapRef", Map(("name", ns.App + "-config")))));
        }

        if (ports.Count > 0)
        {
            main["ports"] = ports;
        }

        if (probePort is not null)
        {
            var probe = probePort.Name == "http"
                ? Map(("httpGet", Map(("path", "/healthz"), ("port", probePort.Name), ("scheme", "HTTP"))))
                : Map(("tcpSocket", Map(("port", probePort.Number))));
            probe["periodSeconds"] = 10;
            probe["timeoutSeconds"] = 1;
            probe["successThreshold"] = 1;
            probe["failureThreshold"] = 3;
            main["readinessProbe"] = probe;
            main["livenessProbe"] = probe.DeepClone();
        }

        main["resources"] = Map(("limits", Map(("cpu", "500m"), ("memory", "512Mi"))), ("requests", Map(("cpu", "100m"), ("memory", "128Mi"))));
        main["securityContext"] = w.Name is "kube-proxy"
            ? Map(("privileged", true))
            : Map(("allowPrivilegeEscalation", false), ("readOnlyRootFilesystem", true), ("runAsNonRoot", true),
                ("capabilities", Map(("drop", Strings(new[] { "ALL" })))));
        main["terminationMessagePath"] = "/dev/termination-log";
        main["terminationMessagePolicy"] = "File";
        if (mounts.Count > 0)
        {
            main["volumeMounts"] = mounts;
        }

        var containers = Array(main);
        if (w.HasSidecar)
        {
            containers.Add(Map(("name", "log-shipper"), ("image", "cr.fluentbit.io/fluent/fluent-bit:3.1.9"), ("imagePullPolicy", "IfNotPresent"),
                ("resources", Map(("requests", Map(("cpu", "10m"), ("memory", "32Mi"))))),
                ("terminationMessagePath", "/dev/termination-log"), ("terminationMessagePolicy", "File")));
        }

        var spec = Map(("containers", containers));
        if (running)
        {
            spec["nodeName"] = nodeName;
        }

        if (w.HostNetwork)
        {
            spec["hostNetwork"] = true;
        }

        spec["dnsPolicy"] = w.HostNetwork ? "ClusterFirstWithHostNet" : "ClusterFirst";
        spec["restartPolicy"] = w.Kind == "CronJob" ? "OnFailure" : "Always";
        spec["schedulerName"] = "default-scheduler";
        spec["securityContext"] = Map(("seccompProfile", Map(("type", "RuntimeDefault"))));
        spec["serviceAccount"] = w.Name;
        spec["serviceAccountName"] = w.Name;
        spec["terminationGracePeriodSeconds"] = 30;
        if (running)
        {
            spec["enableServiceLinks"] = true;
            spec["preemptionPolicy"] = "PreemptLowerPriority";
            spec["priority"] = 0;
            spec["tolerations"] = Array(
                Map(("effect", "NoExecute"), ("key", "node.kubernetes.io/not-ready"), ("operator", "Exists"), ("tolerationSeconds", 300)),
                Map(("effect", "NoExecute"), ("key", "node.kubernetes.io/unreachable"), ("operator", "Exists"), ("tolerationSeconds", 300)));
            spec["volumes"] = Array(Map(("name", "kube-api-access"), ("projected", Map(("defaultMode", 420), ("sources", Array(
                Map(("serviceAccountToken", Map(("expirationSeconds", 3607), ("path", "token")))),
                Map(("configMap", Map(("name", "kube-root-ca.crt"), ("items", Array(Map(("key", "ca.crt"), ("path", "ca.crt"))))))),
                Map(("downwardAPI", Map(("items", Array(Map(("path", "namespace"), ("fieldRef", Map(("apiVersion", "v1"), ("fieldPath", "metadata.namespace")))))))))))))));
        }

        return spec;
    }

    // ---------------------------------------------------------------- services and exposure

    private static IEnumerable<JsonObject> Services(NamespacePlan ns, WorkloadPlan w, Random random, ref int serviceIndex)
    {
        var count = NamespacePlan.ServicesOf(w);
        if (count == 0)
        {
            return Enumerable.Empty<JsonObject>();
        }

        var selector = SelectorOf(ns, w);
        var servicePorts = w.Ports.Where(p => p.Name != "metrics").ToList();
        JsonArray Ports(bool nodePorts)
        {
            var a = new JsonArray();
            foreach (var p in servicePorts)
            {
                var port = Map(("name", p.Name), ("port", p.Name == "http" ? 80 : p.Number), ("protocol", p.Protocol), ("targetPort", p.Name));
                if (nodePorts)
                {
                    port["nodePort"] = 30000 + random.Next(2768);
                }

                a.Add(port);
            }

            return a;
        }

        var list = new List<JsonObject>();
        if (w.Kind == "StatefulSet")
        {
            list.Add(Map(("apiVersion", "v1"), ("kind", "Service"), ("metadata", Meta(random, w.Name + "-headless", ns.Name, Labels(selector))),
                ("spec", Map(("clusterIP", "None"), ("clusterIPs", Strings(new[] { "None" })), ("internalTrafficPolicy", "Cluster"),
                    ("ipFamilies", Strings(new[] { "IPv4" })), ("ipFamilyPolicy", "SingleStack"), ("ports", Ports(false)), ("publishNotReadyAddresses", true),
                    ("selector", Labels(selector)), ("sessionAffinity", "None"), ("type", "ClusterIP"))),
                ("status", Map(("loadBalancer", Empty())))));
            serviceIndex++;
        }

        var type = w.Name == "ingress-nginx-controller" ? "LoadBalancer" : "ClusterIP";
        if (w.Tier == Tier.Frontend)
        {
            var roll = random.NextDouble();
            type = roll < 0.7 ? "ClusterIP" : roll < 0.9 ? "NodePort" : "LoadBalancer";
        }

        var clusterIp = ServiceIp(serviceIndex++);
        var spec = Map(("clusterIP", clusterIp), ("clusterIPs", Strings(new[] { clusterIp })), ("internalTrafficPolicy", "Cluster"),
            ("ipFamilies", Strings(new[] { "IPv4" })), ("ipFamilyPolicy", "SingleStack"), ("ports", Ports(type != "ClusterIP")),
            ("selector", Labels(selector)), ("sessionAffinity", "None"), ("type", type));
        var status = Map(("loadBalancer", Empty()));
        if (type == "LoadBalancer")
        {
            spec["allocateLoadBalancerNodePorts"] = true;
            spec["externalTrafficPolicy"] = "Cluster";
            status["loadBalancer"] = Map(("ingress", Array(Map(("ip", PublicAddress(random)), ("ipMode", "VIP")))));
        }

        list.Add(Map(("apiVersion", "v1"), ("kind", "Service"), ("metadata", Meta(random, w.Name, ns.Name, Labels(selector))), ("spec", spec), ("status", status)));
        return list;
    }

    private static IEnumerable<JsonObject> Ingresses(NamespacePlan ns, Random random)
    {
        var frontends = ns.IsPlatform
            ? ns.Workloads.Where(w => w.Name == "grafana").ToList()
            : ns.Workloads.Where(w => w.Tier == Tier.Frontend).ToList();
        if (frontends.Count == 0)
        {
            yield break;
        }

        var rules = new JsonArray();
        var hosts = new List<string>();
        foreach (var w in frontends)
        {
            var host = $"{w.Name}.{ns.Name}.example.com";
            hosts.Add(host);
            rules.Add(Map(("host", host), ("http", Map(("paths", Array(Map(
                ("path", "/"), ("pathType", "Prefix"),
                ("backend", Map(("service", Map(("name", w.Name), ("port", Map(("name", "http"))))))))))))));
        }

        yield return Map(("apiVersion", "networking.k8s.io/v1"), ("kind", "Ingress"),
            ("metadata", Meta(random, ns.App, ns.Name, null, Map(("cert-manager.io/cluster-issuer", "letsencrypt"), ("nginx.ingress.kubernetes.io/ssl-redirect", "true")))),
            ("spec", Map(("ingressClassName", "nginx"), ("rules", rules), ("tls", Array(Map(("hosts", Strings(hosts)), ("secretName", ns.App + "-tls")))))),
            ("status", Map(("loadBalancer", Map(("ingress", Array(Map(("ip", PublicAddress(random))))))))));
    }

    // ---------------------------------------------------------------- network policies

    private static JsonObject NetworkPolicy(string ns, string name, Random random, JsonObject podSelector, string[] types, JsonArray? ingress = null, JsonArray? egress = null)
    {
        var spec = Map(("podSelector", podSelector), ("policyTypes", Strings(types)));
        if (ingress is not null)
        {
            spec["ingress"] = ingress;
        }

        if (egress is not null)
        {
            spec["egress"] = egress;
        }

        return Map(("apiVersion", "networking.k8s.io/v1"), ("kind", "NetworkPolicy"), ("metadata", Meta(random, name, ns)), ("spec", spec));
    }

    private static JsonObject From(params JsonObject[] peers) => Map(("from", Array(peers)));

    private static JsonObject To(params JsonObject[] peers) => Map(("to", Array(peers)));

    private static JsonObject WithPorts(JsonObject rule, params JsonObject[] ports)
    {
        rule["ports"] = Array(ports);
        return rule;
    }

    private static JsonObject Port(JsonNode port, string protocol = "TCP", int? endPort = null)
    {
        var p = Map(("protocol", protocol), ("port", port));
        if (endPort is not null)
        {
            p["endPort"] = endPort.Value;
        }

        return p;
    }

    private static JsonObject NamespaceNamed(string ns) => MatchLabels(("kubernetes.io/metadata.name", ns));

    private static JsonObject PeerIn(JsonObject namespaceSelector, JsonObject podSelector) =>
        Map(("namespaceSelector", namespaceSelector), ("podSelector", podSelector));

    private static JsonObject IpBlock(string cidr, params string[] except)
    {
        var block = Map(("cidr", cidr));
        if (except.Length > 0)
        {
            block["except"] = Strings(except);
        }

        return Map(("ipBlock", block));
    }

    private IEnumerable<JsonObject> NetworkPolicies(NamespacePlan ns, Random random) =>
        (ns.IsPlatform ? PlatformPolicies(ns, random) : TenantPolicies(ns, random, Shape.ExtraIpBlocks)).Take(ns.PolicyCount);

    private static IEnumerable<JsonObject> PlatformPolicies(NamespacePlan ns, Random random)
    {
        switch (ns.Name)
        {
            case "kube-system":
                yield return NetworkPolicy(ns.Name, "allow-dns", random, MatchLabels(("k8s-app", "kube-dns")), new[] { "Ingress" },
                    Array(WithPorts(From(Map(("namespaceSelector", Empty()))), Port(53, "UDP"), Port(53))));
                break;
            case "ingress-nginx":
                yield return NetworkPolicy(ns.Name, "default-deny-ingress", random, Empty(), new[] { "Ingress" });
                yield return NetworkPolicy(ns.Name, "allow-web", random, MatchLabels(("app.kubernetes.io/name", "ingress-nginx")), new[] { "Ingress" },
                    Array(WithPorts(From(IpBlock("0.0.0.0/0")), Port(80), Port(443))));
                break;
            case "monitoring":
                yield return NetworkPolicy(ns.Name, "default-deny-ingress", random, Empty(), new[] { "Ingress" });
                yield return NetworkPolicy(ns.Name, "allow-grafana-from-ingress", random, MatchLabels(("app.kubernetes.io/name", "grafana")), new[] { "Ingress" },
                    Array(WithPorts(From(PeerIn(NamespaceNamed("ingress-nginx"), MatchLabels(("app.kubernetes.io/name", "ingress-nginx")))), Port("http"))));
                break;
            case "cert-manager":
                yield return NetworkPolicy(ns.Name, "allow-webhook-from-control-plane", random, MatchLabels(("app.kubernetes.io/name", "webhook")), new[] { "Ingress" },
                    Array(WithPorts(From(IpBlock("10.0.0.0/16")), Port(10250))));
                break;
        }
    }

    /// <summary>
    /// A tenant namespace's policies: default deny and DNS first, then the application's allow
    /// rules in an order that differs per namespace (so a small budget still shows every kind
    /// somewhere), then per-workload rules for as long as the budget asks.
    /// </summary>
    private static IEnumerable<JsonObject> TenantPolicies(NamespacePlan ns, Random random, int extraIpBlocks)
    {
        var n = ns.Name;
        var dbPorts = ns.Workloads.Where(w => w.Tier == Tier.Database).SelectMany(w => w.Ports).Where(p => p.Name != "metrics")
            .Select(p => p.Number).Distinct().Order().ToList();
        var frontendNames = ns.Workloads.Where(w => w.Tier == Tier.Frontend).Select(w => w.Name).ToArray();
        var callable = ns.Workloads.Where(w => w.RunsPods && w.Ports.Any(p => p.Name != "metrics")).ToList();
        var selected = ns.Workloads.Where(w => w.RunsPods).ToList();

        if (ns.Deny != DenyMode.None)
        {
            yield return NetworkPolicy(n, ns.Deny == DenyMode.IngressAndEgress ? "default-deny-all" : "default-deny-ingress", random, Empty(),
                ns.Deny == DenyMode.IngressAndEgress ? new[] { "Ingress", "Egress" } : new[] { "Ingress" });
        }

        yield return NetworkPolicy(n, "allow-dns", random, Empty(), new[] { "Egress" }, null,
            Array(WithPorts(To(PeerIn(NamespaceNamed("kube-system"), MatchLabels(("k8s-app", "kube-dns")))), Port(53, "UDP"), Port(53))));

        var templates = new List<Func<JsonObject>>
        {
            () => NetworkPolicy(n, "allow-from-ingress-controller", random, MatchLabels(("tier", "frontend")), new[] { "Ingress" },
                Array(WithPorts(From(PeerIn(NamespaceNamed("ingress-nginx"), MatchLabels(("app.kubernetes.io/name", "ingress-nginx")))), Port("http")))),
            () => NetworkPolicy(n, "allow-frontend-to-backend", random, MatchExpressions(Requirement("tier", "In", "backend")), new[] { "Ingress" },
                Array(WithPorts(From(Map(("podSelector", MatchLabels(("tier", "frontend"))))), Port("http"), Port("grpc")))),
            () => NetworkPolicy(n, "allow-backend-to-database", random, MatchLabels(("tier", "database")), new[] { "Ingress" },
                Array(WithPorts(From(Map(("podSelector", MatchExpressions(
                        Requirement("tier", "In", "backend"),
                        Requirement("app.kubernetes.io/name", "NotIn", "worker", "mailer"))))),
                    dbPorts.Select(p => Port(p)).DefaultIfEmpty(Port(5432)).ToArray()))),
            () => NetworkPolicy(n, "allow-prometheus-scrape", random, MatchExpressions(Requirement("app.kubernetes.io/name", "Exists")), new[] { "Ingress" },
                Array(WithPorts(From(PeerIn(NamespaceNamed("monitoring"), MatchLabels(("app.kubernetes.io/name", "prometheus")))), Port("metrics")))),
            () => NetworkPolicy(n, "allow-egress-within-namespace", random, MatchExpressions(Requirement("tier", "In", "frontend", "backend")), new[] { "Egress" }, null,
                Array(WithPorts(To(Map(("podSelector", Empty()))), new[] { Port(8000, "TCP", 9999), Port(80) }.Concat(dbPorts.Select(p => Port(p))).ToArray()))),
            () => NetworkPolicy(n, "allow-egress-https-internet", random, MatchLabels(("tier", "backend")), new[] { "Egress" }, null,
                Array(WithPorts(To(IpBlock("0.0.0.0/0", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.169.254/32")), Port(443)))),
            () =>
            {
                var partners = new List<JsonObject>();
                for (var i = 0; i <= extraIpBlocks; i++)
                {
                    var (cidr, except) = PublicBlock(random, 24);
                    partners.Add(IpBlock(cidr, except));
                }

                return NetworkPolicy(n, "allow-partner-ingress", random, MatchLabels(("tier", "backend")), new[] { "Ingress" },
                    Array(WithPorts(From(partners.ToArray()), Port("http"), Port(443))));
            },
            () => NetworkPolicy(n, "allow-trusted-teams", random, MatchLabels(("tier", "backend")), new[] { "Ingress" },
                Array(WithPorts(From(PeerIn(
                        MatchExpressions(Requirement("team", "In", ns.TrustedTeams.ToArray()), Requirement("env", "NotIn", "dev")),
                        MatchLabels(("tier", "backend")))),
                    Port("http")))),
            () => NetworkPolicy(n, "allow-database-replication", random, MatchLabels(("tier", "database")), new[] { "Ingress", "Egress" },
                Array(WithPorts(From(Map(("podSelector", MatchLabels(("tier", "database"))))), Port(5432, "TCP", 5433), Port(6379), Port(9093), Port(9300))),
                Array(WithPorts(To(Map(("podSelector", MatchLabels(("tier", "database"))))), Port(5432, "TCP", 5433), Port(6379), Port(9093), Port(9300)))),
            () => NetworkPolicy(n, "allow-telemetry-egress", random, Empty(), new[] { "Egress" }, null,
                Array(WithPorts(To(Map(("namespaceSelector", NamespaceNamed("monitoring")))), Port(8125, "UDP"), Port(4317, "TCP", 4318), Port(6831, "UDP", 6832)))),
        };
        for (var i = templates.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (templates[i], templates[j]) = (templates[j], templates[i]);
        }

        foreach (var t in templates)
        {
            yield return t();
        }

        // Past the templates: one rule per workload at a time, for as long as the budget asks.
        for (var k = 0; selected.Count > 0; k++)
        {
            var w = selected[k % selected.Count];
            var target = MatchLabels(("app.kubernetes.io/name", w.Name));
            var portSpec = w.Ports.FirstOrDefault(p => p.Name != "metrics") ?? w.Ports.FirstOrDefault();
            var port = portSpec is null ? Port(8080) : Port(portSpec.Number, portSpec.Protocol);
            switch (k % 3)
            {
                case 0:
                    var callers = callable.Where(c => c != w).OrderBy(_ => random.Next()).Take(2).Select(c => c.Name).DefaultIfEmpty(frontendNames.FirstOrDefault() ?? "web").ToArray();
                    yield return NetworkPolicy(n, $"allow-{w.Name}-from-peers-{k}", random, target, new[] { "Ingress" },
                        Array(WithPorts(From(Map(("podSelector", MatchExpressions(Requirement("app.kubernetes.io/name", "In", callers))))), port)));
                    break;
                case 1:
                    var (cidr, except) = PublicBlock(random, 20);
                    yield return NetworkPolicy(n, $"allow-{w.Name}-to-vendor-{k}", random, target, new[] { "Egress" }, null,
                        Array(WithPorts(To(IpBlock(cidr, except)), Port(443), Port(8443, "TCP", 8449))));
                    break;
                default:
                    yield return NetworkPolicy(n, $"allow-{w.Name}-from-team-{k}", random, target, new[] { "Ingress" },
                        Array(WithPorts(From(PeerIn(
                                MatchExpressions(Requirement("env", "In", "prod", "staging"), Requirement("team", "In", ns.Team)),
                                MatchExpressions(Requirement("tier", "NotIn", "database")))),
                            port)));
                    break;
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    private static JsonObject Meta(Random random, string name, string? ns, JsonObject? labels = null, JsonObject? annotations = null, JsonObject? owner = null)
    {
        var meta = Map(("name", name));
        if (ns is not null)
        {
            meta["namespace"] = ns;
        }

        meta["uid"] = Uid(random);
        meta["resourceVersion"] = random.Next(100_000, 99_999_999).ToString(CultureInfo.InvariantCulture);
        meta["creationTimestamp"] = Time(random);
        if (labels is { Count: > 0 })
        {
            meta["labels"] = labels;
        }

        if (annotations is { Count: > 0 })
        {
            meta["annotations"] = annotations;
        }

        if (owner is not null)
        {
            meta["ownerReferences"] = Array(owner);
        }

        return meta;
    }

    private static JsonObject OwnerReference(string apiVersion, string kind, string name, string uid) => Map(
        ("apiVersion", apiVersion), ("kind", kind), ("name", name), ("uid", uid), ("controller", true), ("blockOwnerDeletion", true));

    private static string Time(Random random) =>
        Epoch.AddMinutes(random.Next(0, 90 * 24 * 60)).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Uid(Random random)
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes).ToString();
    }

    private static string Hex(Random random, int length)
    {
        Span<byte> bytes = stackalloc byte[(length + 1) / 2];
        random.NextBytes(bytes);
        return Convert.ToHexString(bytes).ToLowerInvariant()[..length];
    }

    private static string PublicAddress(Random random) =>
        $"{PublicFirstOctets[random.Next(PublicFirstOctets.Length)]}.{random.Next(256)}.{random.Next(256)}.{random.Next(1, 255)}";

    /// <summary>A public block of the given prefix length and, inside it, an excepted block 4 bits longer.</summary>
    private static (string Cidr, string Except) PublicBlock(Random random, int prefix)
    {
        var a = PublicFirstOctets[random.Next(PublicFirstOctets.Length)];
        var address = ((uint)a << 24) | ((uint)random.Next(1 << 24) & ~((1u << (32 - prefix)) - 1) & 0x00FF_FFFF);
        var exceptPrefix = Math.Min(32, prefix + 4);
        var exceptSize = 1u << (32 - exceptPrefix);
        var exceptAddress = address + ((uint)random.Next(16) * exceptSize);
        static string Text(uint v) => $"{v >> 24}.{(v >> 16) & 255}.{(v >> 8) & 255}.{v & 255}";
        return ($"{Text(address)}/{prefix}", $"{Text(exceptAddress)}/{exceptPrefix}");
    }
}
