using System.Text.Json.Nodes;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;
using NetSecPS.Core.Sources;
using NetSecPS.Core.Traffic;

namespace NetSecPS.Core.Tests.Traffic;

/// <summary>
/// Least-privilege policies from the demo cluster's traffic, applied to a copy of samples/cluster
/// and read back as manifests: connectivity recomputed from the files, as a user would after
/// <c>kubectl apply</c>.
/// </summary>
public sealed class PolicyRecommendationTests : IDisposable
{
    private static readonly string Samples = Path.Combine(TestPaths.RepoRoot, "samples", "cluster");
    private readonly string copy = Path.Combine(Path.GetTempPath(), "netsecps-recommend-" + Guid.NewGuid().ToString("N"));
    private readonly string variant = Path.Combine(Path.GetTempPath(), "netsecps-recommend-cilium-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        foreach (var folder in new[] { copy, variant })
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    /// <summary>
    /// The demo cluster as the kind needs it: it runs Calico, so NetworkPolicy and Calico
    /// recommendations go to it as it is; for Cilium's, a copy whose CNI is Cilium (the Cilium
    /// demo's agent, cilium-config and Hubble in place of calico-node).
    /// </summary>
    private string ClusterFor(PolicyRecommendationKind kind)
    {
        if (kind != PolicyRecommendationKind.CiliumNetworkPolicy)
        {
            return Samples;
        }

        if (!Directory.Exists(variant))
        {
            CopyDirectory(Samples, variant);
            File.Delete(Path.Combine(variant, "kube-system", "calico.yaml"));
            File.Copy(Path.Combine(TestPaths.RepoRoot, "samples", "cilium-cluster", "kube-system", "cilium.yaml"), Path.Combine(variant, "kube-system", "cilium.yaml"));
        }

        return variant;
    }

    private static ConnectivityEngine Load(string folder)
    {
        var data = ManifestSource.Read(new[] { folder });
        Assert.DoesNotContain(data.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        return ConnectivityEngine.Build(ClusterModel.Build(data));
    }

    private static (TrafficComparison Comparison, IReadOnlyList<PolicyRecommendation> Recommendations, CollectingSink Sink) Recommend(
        ConnectivityEngine engine, string log, RecommendationOptions? options = null)
    {
        var (comparison, _) = TrafficComparisonTests.Compare(log, engine);
        var sink = new CollectingSink();
        var recs = new PolicyRecommender(engine, comparison, options ?? new RecommendationOptions(), sink).Recommend();
        return (comparison, recs, sink);
    }

    private static bool Allowed(ConnectivityEngine e, string from, string to, string protocol, int port) =>
        e.Test(e.ResolveEndpoint(from), e.ResolveEndpoint(to), protocol, port).Allowed;

    private static double Weighted(ConnectivityEngine e) => PolicyRecommender.AllowedSize(e).Connections;

    [Theory]
    [InlineData("hubble-observe.json", PolicyRecommendationKind.NetworkPolicy)]
    [InlineData("calico-flows.log", PolicyRecommendationKind.NetworkPolicy)]
    [InlineData("flows.csv", PolicyRecommendationKind.NetworkPolicy)]
    [InlineData("hubble-observe.json", PolicyRecommendationKind.CiliumNetworkPolicy)]
    [InlineData("hubble-observe.jsonpb", PolicyRecommendationKind.CiliumNetworkPolicy)]
    [InlineData("calico-flows.log", PolicyRecommendationKind.CalicoNetworkPolicy)]
    [InlineData("flows.csv", PolicyRecommendationKind.CalicoNetworkPolicy)]
    public void Applied_to_a_copy_of_the_demo_cluster_they_keep_every_observed_flow_close_paths_and_break_no_Ingress_or_DNS_path(string log, PolicyRecommendationKind kind)
    {
        var cluster = ClusterFor(kind);
        var before = Load(cluster);
        var (comparison, recs, _) = Recommend(before, log, new RecommendationOptions { Kind = kind });
        Assert.NotEmpty(recs);
        Assert.All(recs, r => Assert.Equal(kind, r.Kind));
        Assert.All(recs, r => Assert.Contains(kind == PolicyRecommendationKind.CiliumNetworkPolicy ? "\nkind: CiliumNetworkPolicy\n" : "\nkind: NetworkPolicy\n", r.Manifest, StringComparison.Ordinal));
        Assert.All(recs, r => Assert.Contains(kind switch
        {
            PolicyRecommendationKind.CiliumNetworkPolicy => "apiVersion: cilium.io/v2\n",
            PolicyRecommendationKind.CalicoNetworkPolicy => "apiVersion: projectcalico.org/v3\n",
            _ => "apiVersion: networking.k8s.io/v1\n",
        }, r.Manifest, StringComparison.Ordinal));

        CopyDirectory(cluster, copy);
        var folder = Path.Combine(copy, "recommended");
        Directory.CreateDirectory(folder);
        foreach (var r in recs)
        {
            File.WriteAllText(Path.Combine(folder, $"{r.Namespace}-{r.Name}.yaml"), r.Manifest);
        }

        var after = Load(copy);
        Assert.Equal(before.Model.Data.Objects.Count + recs.Count, after.Model.Data.Objects.Count);

        // Every observed flow policy allowed is still allowed, line by line of the log, at the addresses it was seen
        // (a flow the log shows dropped is not traffic to keep).
        var resolver = new TrafficAnalyzer(before, new CollectingSink());
        var checkedFlows = 0;
        foreach (var flow in new FlowLogReader(FlowLogFormat.Auto, new CollectingSink()).Read(new[] { TestPaths.Fixture("flows", log) }))
        {
            var r = resolver.Resolve(flow);
            if (r.Verdict == FlowVerdict.Dropped || r.SourcePeer is null || r.DestinationPeer is null || !FlowProtocols.IsPolicyProtocol(r.Protocol))
            {
                continue;
            }

            var from = r.SourcePeer.EndsWith("[External]", StringComparison.Ordinal) ? flow.Source.Address! : r.SourcePeer;
            var to = r.DestinationPeer.EndsWith("[External]", StringComparison.Ordinal) ? flow.Destination.Address! : r.DestinationPeer;
            if (Allowed(before, from, to, r.Protocol, r.Port))
            {
                Assert.True(Allowed(after, from, to, r.Protocol, r.Port), $"{flow} ({from} => {to}) is no longer allowed");
                checkedFlows++;
            }
        }

        Assert.True(checkedFlows >= comparison.ObservedAllowed.Count(o => o.LogVerdict != FlowVerdict.Dropped), $"{checkedFlows} flows checked");

        // Fewer allowed: peer pairs inside the cluster, and connections weighted by the addresses of external ranges.
        var (pairsBefore, _) = PolicyRecommender.AllowedSize(before);
        var (pairsAfter, _) = PolicyRecommender.AllowedSize(after);
        Assert.True(pairsAfter < pairsBefore, $"{pairsBefore} -> {pairsAfter} pairs");
        Assert.True(Weighted(after) < Weighted(before));
        Assert.True(recs.Sum(r => r.ClosesPaths) > 0);

        // No Ingress path breaks: what {ingress-controller} reaches stays exactly the same.
        Assert.Equal(before.FlowsFrom(ConnectivityEngine.IngressControllerPeer).Select(f => f.ToString()),
            after.FlowsFrom(ConnectivityEngine.IngressControllerPeer).Select(f => f.ToString()));

        // No DNS path breaks: every workload that could resolve names still can, on UDP and TCP 53.
        var dns = before.Model.Workloads.Single(w => w.Peer == "kube-system/coredns[Deployment]");
        foreach (var w in before.Model.Workloads.Where(w => w != dns && !w.HostNetwork))
        {
            foreach (var protocol in new[] { "UDP", "TCP" })
            {
                if (Allowed(before, w.Peer, dns.Peer, protocol, 53))
                {
                    Assert.True(Allowed(after, w.Peer, dns.Peer, protocol, 53), $"{w.Peer} lost DNS over {protocol}");
                }
            }
        }
    }

    [Fact]
    public void Each_recommendation_closes_what_it_says_selects_by_stable_labels_and_names_ports_as_the_pods_do()
    {
        var before = Load(Samples);
        var (_, recs, sink) = Recommend(before, "hubble-observe.json");
        var byName = recs.ToDictionary(r => $"{r.Workload} {r.Direction}");

        // Only workloads and directions no NetworkPolicy isolates: shop and payments are isolated both ways, data and monitoring for ingress.
        Assert.DoesNotContain(recs, r => r.Namespace is "shop" or "payments" or "kube-system");
        Assert.DoesNotContain(recs, r => r.Namespace is "data" or "monitoring" && r.Direction == PolicyDirection.Ingress);
        Assert.Contains(sink.Verbose, v => v.StartsWith("shop/cart[Deployment] is already isolated for egress by ", StringComparison.Ordinal) && v.Contains("NetworkPolicy shop/default-deny-all", StringComparison.Ordinal));
        Assert.Contains(sink.Verbose, v => v.StartsWith("monitoring/node-exporter[DaemonSet] uses the host network", StringComparison.Ordinal));

        var backup = byName["data/postgres-backup[CronJob] Egress"];
        Assert.Equal(("data", "postgres-backup-egress-from-traffic", PolicyRecommendationKind.NetworkPolicy), (backup.Namespace, backup.Name, backup.Kind));
        Assert.Contains("  podSelector:\n    matchLabels:\n      app: postgres-backup\n  policyTypes:\n    - Egress\n", backup.Manifest, StringComparison.Ordinal);
        Assert.DoesNotContain("job-name", backup.Manifest, StringComparison.Ordinal);
        Assert.DoesNotContain("controller-uid", backup.Manifest, StringComparison.Ordinal);
        // The database by its stable labels and its named port; object storage by the address seen; DNS by the names CoreDNS gives its ports.
        Assert.Contains("        - podSelector:\n            matchLabels:\n              app: postgres\n              tier: database\n      ports:\n        - protocol: TCP\n          port: postgres\n", backup.Manifest, StringComparison.Ordinal);
        Assert.Contains("        - ipBlock:\n            cidr: 52.95.145.10/32\n      ports:\n        - protocol: TCP\n          port: 443\n", backup.Manifest, StringComparison.Ordinal);
        Assert.Contains("              kubernetes.io/metadata.name: kube-system\n          podSelector:\n            matchLabels:\n              k8s-app: kube-dns\n      ports:\n        - protocol: TCP\n          port: dns-tcp\n        - protocol: UDP\n          port: dns\n", backup.Manifest, StringComparison.Ordinal);
        Assert.Contains("DNS kept: kube-system/coredns[Deployment] on UDP and TCP 53", backup.Notes);
        Assert.Equal(3, backup.KeepsObserved);
        Assert.Equal(backup.ClosesPaths, backup.ClosedPaths.Count);
        Assert.Contains("data/postgres-backup[CronJob] => ingress-nginx/ingress-nginx-controller[Deployment] : All Connections", backup.ClosedPaths);
        Assert.Contains("data/postgres-backup[CronJob] => kube-system/coredns[Deployment] : SCTP 1-65535,TCP 1-52,54-65535,UDP 1-52,54-65535", backup.ClosedPaths);
        Assert.StartsWith("---\n# Least-privilege egress for data/postgres-backup[CronJob], written by NetSecPS from the flows seen 2026-11-27 09:00 to 2026-11-27 09:55 UTC.\n", backup.Manifest, StringComparison.Ordinal);
        Assert.Contains("# Rule 2 allows observed: data/postgres[StatefulSet].\n", backup.Manifest, StringComparison.Ordinal);

        // The exposed controller: its observed clients (more than 16: the block holding them), Prometheus on the named metrics port.
        var controller = byName["ingress-nginx/ingress-nginx-controller[Deployment] Ingress"];
        Assert.Contains("            cidr: 198.51.100.0/24\n      ports:\n        - protocol: TCP\n          port: https\n", controller.Manifest, StringComparison.Ordinal);
        Assert.Contains("          port: metrics\n", controller.Manifest, StringComparison.Ordinal);
        Assert.Contains(controller.Notes, n => n.Contains("the smallest block holding them", StringComparison.Ordinal));

        // The flow the log shows dropped is not kept: the cache's egress closes its path to the database.
        var cache = byName["data/redis[Deployment] Egress"];
        Assert.Contains("data/redis[Deployment] => data/postgres[StatefulSet] : TCP 5432", cache.ClosedPaths);
        Assert.Equal(0, cache.KeepsObserved);

        // Each recommendation alone closes exactly what it lists.
        foreach (var r in recs)
        {
            CopyDirectory(Samples, copy);
            File.WriteAllText(Path.Combine(copy, "one.yaml"), r.Manifest);
            var after = Load(copy);
            var lost = Lost(before, after, r.Workload, r.Direction);
            Assert.Equal(r.ClosedPaths.Order(StringComparer.Ordinal), lost.Order(StringComparer.Ordinal));
            Directory.Delete(copy, recursive: true);
        }
    }

    [Fact]
    public void Named_namespaces_limit_the_recommendations_and_one_direction_can_be_asked_for()
    {
        var engine = Load(Samples);
        var (_, recs, _) = Recommend(engine, "hubble-observe.json", new RecommendationOptions { Namespaces = new[] { "monitoring" }, Directions = new[] { PolicyDirection.Egress } });
        Assert.Equal(new[] { "monitoring/grafana[Deployment]", "monitoring/prometheus[Deployment]" }, recs.Select(r => r.Workload));
        Assert.All(recs, r => Assert.Equal(PolicyDirection.Egress, r.Direction));
        var prometheus = recs[1];
        // Prometheus reaches the node exporter at its node's address (the snapshot holds no pod addresses).
        Assert.Contains("            cidr: 10.0.1.11/32\n      ports:\n        - protocol: TCP\n          port: 9100\n", prometheus.Manifest, StringComparison.Ordinal);
        // Eight destinations observed; the scrape of payments-api is refused by payments' STRICT mTLS (Prometheus runs no
        // sidecar), so no egress policy can keep it: seven are kept.
        Assert.Equal(7, prometheus.KeepsObserved);
    }

    [Fact]
    public void A_recommendation_that_would_cut_an_observed_flow_is_not_returned_and_the_warning_says_which()
    {
        // The host-network node agent's address is unknown in manifests: no rule can name it, so the client's egress would cut it.
        var engine = Load(TestPaths.Fixture("flows", "live-snapshot", "cluster.yaml"));
        var file = Path.Combine(Path.GetTempPath(), $"netsecps-{Guid.NewGuid():N}.csv");
        File.WriteAllLines(file, new[] { "source,destination,port,protocol,verdict", "web/client,web/node-agent[DaemonSet],9100,TCP,forwarded", "web/client,web/api,8080,TCP,forwarded" });
        try
        {
            var sink = new CollectingSink();
            var analyzer = new TrafficAnalyzer(engine, sink);
            analyzer.AddLogs(new[] { file }, FlowLogFormat.Csv);
            var recs = new PolicyRecommender(engine, analyzer.Compare(), new RecommendationOptions(), sink).Recommend();
            // Live pods carry their node's address, so the agent is named by it and the flow is kept.
            var client = Assert.Single(recs, r => r.Workload == "web/client[Pod]" && r.Direction == PolicyDirection.Egress);
            Assert.Contains("cidr: 192.168.0.10/32", client.Manifest, StringComparison.Ordinal);
            Assert.True(Allowed(engine, "web/client", "web/node-agent[DaemonSet]", "TCP", 9100));

            // Without the pods (the same workloads as templates only), nothing can name the agent: no policy, and a warning.
            var templates = new ClusterData(engine.Model.Data.Objects.Where(o => o.Kind != "Pod" || o.Name == "client").ToList(), engine.Model.Data.Provenance, engine.Model.Data.Coverage, engine.Model.Data.Diagnostics);
            var manifests = ConnectivityEngine.Build(ClusterModel.Build(templates));
            var sink2 = new CollectingSink();
            var analyzer2 = new TrafficAnalyzer(manifests, sink2);
            analyzer2.AddLogs(new[] { file }, FlowLogFormat.Csv);
            var none = new PolicyRecommender(manifests, analyzer2.Compare(), new RecommendationOptions { Directions = new[] { PolicyDirection.Egress } }, sink2).Recommend();
            Assert.DoesNotContain(none, r => r.Workload == "web/client[Pod]");
            Assert.Contains(sink2.Warnings, w => w.StartsWith("No egress policy is recommended for web/client[Pod]: it would cut the observed flow web/client[Pod] => web/node-agent[DaemonSet] : TCP 9100", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Hostile_names_from_the_cluster_stay_strings_of_exactly_the_intended_policy()
    {
        // Namespaces, workload names and labels holding line breaks, "---" and a ClusterRoleBinding,
        // "@", ":", "#", quotes and words YAML reads as booleans (tests/fixtures/remediations).
        var engine = ConnectivityEngine.Build(ClusterModel.Build(ManifestSource.Read(new[] { TestPaths.Fixture("remediations", "hostile-names.yaml") })));
        var web = engine.Model.Workloads.Single(w => w.Kind == "Deployment" && w.Name.StartsWith("web\n", StringComparison.Ordinal));
        var db = engine.Model.Workloads.Single(w => w.Kind == "StatefulSet");
        var app = engine.Model.Workloads.Single(w => w.Namespace == "no");
        var file = Path.Combine(Path.GetTempPath(), $"netsecps-hostile-{Guid.NewGuid():N}.json");
        File.WriteAllLines(file, new[]
        {
            HubbleFlow(World("203.0.113.10"), Of(db), 5432),
            HubbleFlow(Of(app), Of(db), 5432),
        });
        try
        {
            var sink = new CollectingSink();
            var analyzer = new TrafficAnalyzer(engine, sink);
            analyzer.AddLogs(new[] { file }, FlowLogFormat.Auto);
            var recs = new PolicyRecommender(engine, analyzer.Compare(), new RecommendationOptions(), sink).Recommend();
            Assert.Contains(recs, r => r.Workload == web.Peer && r.Direction == PolicyDirection.Ingress);
            Assert.Contains(recs, r => r.Workload == web.Peer && r.Direction == PolicyDirection.Egress);

            // The database keeps both observed clients; the one in namespace "no" by its labels, which stay the strings "yes" and "1.10".
            var dbIngress = Assert.Single(recs, r => r.Workload == db.Peer && r.Direction == PolicyDirection.Ingress);
            Assert.Equal(2, dbIngress.KeepsObserved);
            var fromApp = Assert.Single(Assert.IsType<JsonObject>(Assert.Single(YamlJsonReader.ReadDocuments(new StringReader(dbIngress.Manifest))).Root)["spec"]!["ingress"]!.AsArray(),
                rule => rule!["from"]![0]!["namespaceSelector"] is not null)!["from"]![0]!;
            Assert.Equal("no", fromApp["namespaceSelector"]!["matchLabels"]![ClusterModel.NamespaceNameLabel]!.GetValue<string>());
            Assert.Equal(app.Labels.OrderBy(l => l.Key).Select(l => $"{l.Key}={l.Value}"), fromApp["podSelector"]!["matchLabels"]!.AsObject().Select(l => $"{l.Key}={l.Value!.GetValue<string>()}"));
            var namespaces = engine.Model.Namespaces.Keys.Append("kube-system").ToHashSet(StringComparer.Ordinal);
            foreach (var r in recs)
            {
                var doc = Assert.Single(YamlJsonReader.ReadDocuments(new StringReader(r.Manifest)));
                var policy = Assert.IsType<JsonObject>(doc.Root);
                Assert.Equal("NetworkPolicy", policy["kind"]!.GetValue<string>());
                Assert.Equal(r.Namespace, policy["metadata"]!["namespace"]!.GetValue<string>());
                Assert.Equal(r.Name, policy["metadata"]!["name"]!.GetValue<string>());
                Assert.Matches("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$", r.Name);
                Assert.Equal(r.Workload, policy["metadata"]!["annotations"]!["netsecps.io/recommended-for"]!.GetValue<string>());

                // The pod selector is the workload's own labels, hostile values included, as strings.
                var w = engine.Model.Workloads.Single(x => x.Peer == r.Workload);
                foreach (var (key, value) in policy["spec"]!["podSelector"]!["matchLabels"]!.AsObject())
                {
                    Assert.Equal(w.Labels[key], value!.GetValue<string>());
                }

                // Every namespace a rule names is a namespace of the cluster, whole (or where DNS is kept).
                foreach (var rule in policy["spec"]![r.Direction == PolicyDirection.Egress ? "egress" : "ingress"]!.AsArray())
                {
                    foreach (var peer in rule![r.Direction == PolicyDirection.Egress ? "to" : "from"]!.AsArray())
                    {
                        if (peer!["namespaceSelector"]?["matchLabels"]?[ClusterModel.NamespaceNameLabel] is { } ns)
                        {
                            Assert.Contains(ns.GetValue<string>(), namespaces);
                        }
                    }
                }

                // Read from the text as kubectl would, it is a valid NetworkPolicy.
                Assert.NotNull(ObjectFactory.Create(policy, new SourceLocation("recommendation", 1, 1)).Object);
            }
        }
        finally
        {
            File.Delete(file);
        }

        static JsonObject Of(Workload w) => new()
        {
            ["namespace"] = w.Namespace,
            ["pod_name"] = $"{w.Name}-0",
            ["workloads"] = new JsonArray(new JsonObject { ["name"] = w.Name, ["kind"] = w.Kind }),
        };

        static JsonObject World(string address) => new() { ["identity"] = 2, ["labels"] = new JsonArray("reserved:world"), ["address"] = address };
    }

    /// <summary>One forwarded TCP flow in Hubble's JSON, every string escaped by the JSON writer.</summary>
    private static string HubbleFlow(JsonObject source, JsonObject destination, int port)
    {
        var sourceIp = source["address"]?.GetValue<string>() ?? "10.244.1.10";
        source.Remove("address");
        return new JsonObject
        {
            ["time"] = "2026-11-27T09:00:40Z",
            ["verdict"] = "FORWARDED",
            ["IP"] = new JsonObject { ["source"] = sourceIp, ["destination"] = "10.244.1.20", ["ipVersion"] = "IPv4" },
            ["l4"] = new JsonObject { ["TCP"] = new JsonObject { ["source_port"] = 40000, ["destination_port"] = port, ["flags"] = new JsonObject { ["SYN"] = true } } },
            ["source"] = source,
            ["destination"] = destination,
            ["Type"] = "L3_L4",
            ["traffic_direction"] = "INGRESS",
            ["is_reply"] = false,
        }.ToJsonString();
    }

    [Fact]
    public void Cilium_and_Calico_policies_select_the_workload_its_peers_and_named_ports_in_the_CNI_own_terms()
    {
        var (_, cilium, _) = Recommend(Load(ClusterFor(PolicyRecommendationKind.CiliumNetworkPolicy)), "hubble-observe.json", new RecommendationOptions { Kind = PolicyRecommendationKind.CiliumNetworkPolicy });
        var backup = Assert.Single(cilium, r => r.Workload == "data/postgres-backup[CronJob]" && r.Direction == PolicyDirection.Egress);
        var backupPolicy = ReadBack(backup);
        Assert.Equal("cilium.io/v2", backupPolicy["apiVersion"]!.GetValue<string>());
        Assert.Equal("CiliumNetworkPolicy", backupPolicy["kind"]!.GetValue<string>());
        AssertJson("""{"matchLabels":{"app":"postgres-backup"}}""", backupPolicy["spec"]!["endpointSelector"]);
        AssertHasRule(backupPolicy, "egress", """{"toEndpoints":[{"matchLabels":{"app":"postgres","tier":"database"}}],"toPorts":[{"ports":[{"port":"postgres","protocol":"TCP"}]}]}""");
        AssertHasRule(backupPolicy, "egress", """{"toCIDR":["52.95.145.10/32"],"toPorts":[{"ports":[{"port":"443","protocol":"TCP"}]}]}""");
        AssertHasRule(backupPolicy, "egress", """{"toEndpoints":[{"matchLabels":{"k8s-app":"kube-dns","k8s:io.kubernetes.pod.namespace":"kube-system"}}],"toPorts":[{"ports":[{"port":"dns-tcp","protocol":"TCP"},{"port":"dns","protocol":"UDP"}]}]}""");
        // The host-network node exporter answers at its node's address, which Cilium knows as a node: by entity as well as by the address seen.
        var prometheus = ReadBack(Assert.Single(cilium, r => r.Workload == "monitoring/prometheus[Deployment]" && r.Direction == PolicyDirection.Egress));
        AssertHasRule(prometheus, "egress", """{"toCIDR":["10.0.1.11/32"],"toPorts":[{"ports":[{"port":"9100","protocol":"TCP"}]}]}""");
        AssertHasRule(prometheus, "egress", """{"toEntities":["host","remote-node"],"toPorts":[{"ports":[{"port":"9100","protocol":"TCP"}]}]}""");

        var (_, calico, _) = Recommend(Load(Samples), "hubble-observe.json", new RecommendationOptions { Kind = PolicyRecommendationKind.CalicoNetworkPolicy });
        var calicoBackup = ReadBack(Assert.Single(calico, r => r.Workload == "data/postgres-backup[CronJob]" && r.Direction == PolicyDirection.Egress));
        Assert.Equal("projectcalico.org/v3", calicoBackup["apiVersion"]!.GetValue<string>());
        Assert.Equal("app == 'postgres-backup'", calicoBackup["spec"]!["selector"]!.GetValue<string>());
        AssertJson("""["Egress"]""", calicoBackup["spec"]!["types"]);
        AssertHasRule(calicoBackup, "egress", """{"action":"Allow","protocol":"TCP","destination":{"selector":"app == 'postgres' && tier == 'database'","ports":["postgres"]}}""");
        AssertHasRule(calicoBackup, "egress", """{"action":"Allow","protocol":"UDP","destination":{"namespaceSelector":"kubernetes.io/metadata.name == 'kube-system'","selector":"k8s-app == 'kube-dns'","ports":["dns"]}}""");
        var controller = ReadBack(Assert.Single(calico, r => r.Workload == "ingress-nginx/ingress-nginx-controller[Deployment]" && r.Direction == PolicyDirection.Ingress));
        AssertHasRule(controller, "ingress", """{"action":"Allow","protocol":"TCP","source":{"nets":["198.51.100.0/24"]},"destination":{"ports":["https"]}}""");

        // The same workloads and directions as NetworkPolicy recommendations, each closing paths.
        var (_, plain, _) = Recommend(Load(Samples), "hubble-observe.json");
        Assert.Equal(plain.Select(r => $"{r.Workload} {r.Direction}"), calico.Select(r => $"{r.Workload} {r.Direction}"));
        Assert.All(calico.Concat(cilium), r => Assert.True(r.ClosesPaths > 0));
    }

    /// <summary>A recommendation's manifest read back as kubectl would read it: one document.</summary>
    private static JsonObject ReadBack(PolicyRecommendation r) =>
        Assert.IsType<JsonObject>(Assert.Single(YamlJsonReader.ReadDocuments(new StringReader(r.Manifest))).Root);

    private static void AssertJson(string expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), $"expected {expected}\nactual   {actual?.ToJsonString()}");

    private static void AssertHasRule(JsonObject policy, string section, string rule)
    {
        var rules = policy["spec"]![section]!.AsArray();
        var expected = JsonNode.Parse(rule);
        Assert.True(rules.Any(r => JsonNode.DeepEquals(r, expected)), $"no {section} rule {rule} among\n{string.Join("\n", rules.Select(r => r!.ToJsonString()))}");
    }

    [Theory]
    [InlineData(PolicyRecommendationKind.NetworkPolicy, "from", """{"namespaceSelector":{}}""")]
    [InlineData(PolicyRecommendationKind.CiliumNetworkPolicy, "fromEndpoints", """{"matchExpressions":[{"key":"k8s:io.kubernetes.pod.namespace","operator":"Exists"}]}""")]
    [InlineData(PolicyRecommendationKind.CalicoNetworkPolicy, "source", """{"namespaceSelector":"all()","selector":"all()"}""")]
    public void The_DNS_server_named_with_Namespace_keeps_every_namespace_on_port_53(PolicyRecommendationKind kind, string peerField, string everyNamespace)
    {
        var engine = Load(ClusterFor(kind));
        var (_, recs, sink) = Recommend(engine, "hubble-observe.json", new RecommendationOptions { Kind = kind, Namespaces = new[] { "kube-system" }, Directions = new[] { PolicyDirection.Ingress } });
        var dns = Assert.Single(recs, r => r.Workload == "kube-system/coredns[Deployment]");
        Assert.Contains("DNS kept: every pod may query this DNS server on UDP and TCP 53", dns.Notes);
        var expected = JsonNode.Parse(everyNamespace);
        Assert.Contains(ReadBack(dns)["spec"]!["ingress"]!.AsArray(), rule => rule![peerField] is JsonArray peers
            ? peers.Any(p => JsonNode.DeepEquals(p, expected))
            : JsonNode.DeepEquals(rule[peerField], expected));

        // Applied: every workload that could resolve names still can, from every namespace.
        CopyDirectory(ClusterFor(kind), copy);
        File.WriteAllText(Path.Combine(copy, "dns.yaml"), dns.Manifest);
        var after = Load(copy);
        var clients = engine.Model.Workloads.Where(w => w.Peer != dns.Workload && !w.HostNetwork && Allowed(engine, w.Peer, dns.Workload, "UDP", 53)).ToList();
        Assert.Contains(clients, w => w.Namespace != "kube-system");
        Assert.All(clients, w => Assert.True(Allowed(after, w.Peer, dns.Workload, "UDP", 53), $"{w.Peer} lost DNS"));
        Assert.True(dns.ClosesPaths > 0, string.Join("\n", sink.Warnings));
    }

    [Fact]
    public void A_Calico_tier_that_passes_traffic_on_does_not_count_as_isolating_the_workloads_it_selects()
    {
        // A security tier before the default tier selects every pod and passes all egress on: it denies nothing, so the
        // workloads the default tier leaves open still get their recommendations, verified with the tier in place.
        CopyDirectory(Samples, variant);
        File.WriteAllText(Path.Combine(variant, "cluster-wide", "calico-security-tier.yaml"), string.Join("\n",
            "apiVersion: projectcalico.org/v3", "kind: Tier", "metadata: {name: security}", "spec: {order: 100}", "---",
            "apiVersion: projectcalico.org/v3", "kind: GlobalNetworkPolicy", "metadata: {name: security.pass-egress}",
            "spec:", "  tier: security", "  order: 10", "  selector: all()", "  types: [Egress]", "  egress:", "  - action: Pass", string.Empty));
        var engine = Load(variant);
        var (_, recs, sink) = Recommend(engine, "hubble-observe.json", new RecommendationOptions { Kind = PolicyRecommendationKind.CalicoNetworkPolicy, Directions = new[] { PolicyDirection.Egress } });
        var (_, plain, _) = Recommend(Load(Samples), "hubble-observe.json", new RecommendationOptions { Kind = PolicyRecommendationKind.CalicoNetworkPolicy, Directions = new[] { PolicyDirection.Egress } });
        Assert.NotEmpty(plain);
        Assert.Equal(plain.Select(r => r.Workload), recs.Select(r => r.Workload));
        Assert.Contains(recs, r => r.Workload == "data/postgres-backup[CronJob]");
        Assert.DoesNotContain(sink.Verbose, v => v.Contains("security.pass-egress", StringComparison.Ordinal));
    }

    [Fact]
    public void A_CNI_kind_is_refused_where_the_snapshot_does_not_run_that_CNI()
    {
        var calicoCluster = Load(Samples);
        var (comparison, _) = TrafficComparisonTests.Compare("hubble-observe.json", calicoCluster);
        var ex = Assert.Throws<NotSupportedException>(() =>
            new PolicyRecommender(calicoCluster, comparison, new RecommendationOptions { Kind = PolicyRecommendationKind.CiliumNetworkPolicy }, new CollectingSink()).Recommend());
        Assert.StartsWith("The snapshot does not run Cilium", ex.Message, StringComparison.Ordinal);
        Assert.Null(RecommendationKinds.WhyNot(PolicyRecommendationKind.CalicoNetworkPolicy, calicoCluster.Model));
        Assert.Null(RecommendationKinds.WhyNot(PolicyRecommendationKind.NetworkPolicy, calicoCluster.Model));

        var ciliumCluster = Load(Path.Combine(TestPaths.RepoRoot, "samples", "cilium-cluster"));
        Assert.StartsWith("The snapshot does not run Calico", RecommendationKinds.WhyNot(PolicyRecommendationKind.CalicoNetworkPolicy, ciliumCluster.Model), StringComparison.Ordinal);
        Assert.Null(RecommendationKinds.WhyNot(PolicyRecommendationKind.CiliumNetworkPolicy, ciliumCluster.Model));
    }

    [Fact]
    public void A_workload_a_Cilium_policy_already_isolates_gets_no_recommendation()
    {
        // The Cilium demo isolates every application pod with CiliumClusterwideNetworkPolicy and CiliumNetworkPolicies, without a single NetworkPolicy.
        var engine = Load(Path.Combine(TestPaths.RepoRoot, "samples", "cilium-cluster"));
        var file = Path.Combine(Path.GetTempPath(), $"netsecps-{Guid.NewGuid():N}.csv");
        File.WriteAllLines(file, new[] { "source,destination,port,protocol,verdict", "shop/cart,shop/postgres,5432,TCP,forwarded" });
        try
        {
            var sink = new CollectingSink();
            var analyzer = new TrafficAnalyzer(engine, sink);
            analyzer.AddLogs(new[] { file }, FlowLogFormat.Csv);
            var recs = new PolicyRecommender(engine, analyzer.Compare(), new RecommendationOptions { Kind = PolicyRecommendationKind.CiliumNetworkPolicy, Namespaces = new[] { "shop" } }, sink).Recommend();
            Assert.Empty(recs);
            var isolated = Assert.Single(sink.Verbose, v => v.StartsWith("shop/cart[Deployment] is already isolated for ingress by ", StringComparison.Ordinal));
            Assert.Contains("CiliumClusterwideNetworkPolicy baseline-default-deny", isolated, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>The connections the workload's side lost, as connlist lines (what a recommendation claims to close).</summary>
    private static List<string> Lost(ConnectivityEngine before, ConnectivityEngine after, string workload, PolicyDirection direction)
    {
        bool Mine(Flow f) => direction == PolicyDirection.Egress ? f.Source == workload : f.Destination == workload;
        var now = after.Flows.Where(Mine).ToDictionary(f => (f.Source, f.Destination), f => f.Connections);
        var lost = new List<string>();
        foreach (var f in before.Flows.Where(Mine))
        {
            Assert.True(ConnectionSet.TryParse(f.Connections, out var was));
            var remaining = now.TryGetValue((f.Source, f.Destination), out var text) && ConnectionSet.TryParse(text, out var a) ? a : ConnectionSet.None;
            if (was.Subtract(remaining) is { IsEmpty: false } gone)
            {
                lost.Add($"{f.Source} => {f.Destination} : {gone}");
            }
        }

        return lost;
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        }

        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)), overwrite: true);
        }
    }
}
