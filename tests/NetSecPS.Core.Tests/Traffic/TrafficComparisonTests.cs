using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;
using NetSecPS.Core.Sources;
using NetSecPS.Core.Traffic;

namespace NetSecPS.Core.Tests.Traffic;

/// <summary>
/// The demo cluster's flow logs (tests/fixtures/flows, described in its README) compared with its
/// policies, in each of the three formats.
/// </summary>
public class TrafficComparisonTests
{
    private static readonly Lazy<ConnectivityEngine> Demo = new(() =>
        ConnectivityEngine.Build(ClusterModel.Build(ManifestSource.Read(new[] { Path.Combine(TestPaths.RepoRoot, "samples", "cluster") }))));

    internal static (TrafficComparison Comparison, CollectingSink Sink) Compare(string file, ConnectivityEngine? engine = null)
    {
        var sink = new CollectingSink();
        var analyzer = new TrafficAnalyzer(engine ?? Demo.Value, sink);
        analyzer.AddLogs(new[] { TestPaths.Fixture("flows", file) }, FlowLogFormat.Auto);
        return (analyzer.Compare(), sink);
    }

    private static FlowComparison One(IEnumerable<FlowComparison> records, string source, string destination, string connections) =>
        Assert.Single(records, r => r.Source == source && r.Destination == destination && r.Connections == connections);

    public static TheoryData<string> Formats => new() { "hubble-observe.json", "hubble-observe.jsonpb", "calico-flows.log", "flows.csv" };

    [Theory]
    [MemberData(nameof(Formats))]
    public void Every_category_is_found_including_a_forwarded_flow_that_policy_denies(string file)
    {
        var (c, _) = Compare(file);
        Assert.NotEmpty(c.ObservedAllowed);
        Assert.NotEmpty(c.ObservedDenied);
        Assert.NotEmpty(c.UnusedAllowed);
        Assert.NotEmpty(c.Unresolved);

        var forwarded = One(c.ObservedDenied, "shop/frontend[Deployment]", "payments/payments-api[Deployment]", "TCP 8443");
        Assert.Equal(FlowVerdict.Forwarded, forwarded.LogVerdict);
        Assert.True(forwarded.DatapathDisagrees);
        Assert.Equal(3, forwarded.Observed);
        Assert.Equal(("NetworkPolicy", "shop/default-deny-all"), (forwarded.PolicyKind, forwarded.Policy));
        Assert.StartsWith("denied: pod shop/frontend[Deployment] is isolated for egress by shop/default-deny-all", forwarded.Explanation, StringComparison.Ordinal);
        Assert.NotNull(forwarded.Evidence);
        Assert.Equal(c.ObservedDenied[0], c.ObservedDenied.First(r => r.DatapathDisagrees));

        var dropped = One(c.ObservedDenied, "shop/netshoot[Pod]", "data/postgres[StatefulSet]", "TCP 5432");
        Assert.Equal((FlowVerdict.Dropped, false, 3L), (dropped.LogVerdict, dropped.DatapathDisagrees, dropped.Observed));
        var baseline = One(c.ObservedDenied, "monitoring/grafana[Deployment]", "data/postgres[StatefulSet]", "TCP 5432");
        Assert.Equal(("BaselineAdminNetworkPolicy", "default", "deny-data-tier-by-default"), (baseline.PolicyKind, baseline.Policy, baseline.Rule));
        var metadata = One(c.ObservedDenied, "shop/cart[Deployment]", "169.254.169.254-169.254.169.254[External]", "TCP 80");
        // The mesh layer: Prometheus runs no sidecar, and payments-api's STRICT mTLS refuses its scrape.
        var strict = One(c.ObservedDenied, "monitoring/prometheus[Deployment]", "payments/payments-api[Deployment]", "TCP 9090");
        Assert.Equal(("PeerAuthentication", "payments/payments-api", "STRICT mTLS"), (strict.PolicyKind, strict.Policy, strict.Rule));
        // The log shows it forwarded, as it must: the CNI forwards it and the sidecar refuses it, which a flow log does not see.
        Assert.Equal((PolicyLayer.Mesh, FlowVerdict.Forwarded, false), (strict.Layer, strict.LogVerdict, strict.DatapathDisagrees));
        Assert.Equal(("AdminNetworkPolicy", "cluster-deny-cloud-metadata"), (metadata.PolicyKind, metadata.Policy));

        // Allowed by policy, dropped by the datapath: the other disagreement.
        var cache = One(c.ObservedAllowed, "data/redis[Deployment]", "data/postgres[StatefulSet]", "TCP 5432");
        Assert.Equal((FlowVerdict.Dropped, true), (cache.LogVerdict, cache.DatapathDisagrees));
        Assert.Equal("data/postgres-from-all-namespaces", cache.Policy);

        var unknown = Assert.Single(c.Unresolved, r => r.Source.StartsWith("shop/legacy-checkout", StringComparison.Ordinal));
        Assert.Equal("shop/cart[Deployment]", unknown.Destination);
        Assert.Contains("no workload of the snapshot matches pod shop/legacy-checkout-84d5f6c7b9-", unknown.Reason, StringComparison.Ordinal);
        Assert.Single(c.Unresolved, r => r.Protocol == "ICMPv4" && r.Reason!.StartsWith("ICMPv4: policies name TCP, UDP and SCTP ports", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("hubble-observe.json")]
    [InlineData("hubble-observe.jsonpb")]
    [InlineData("calico-flows.log")]
    public void Hubble_and_Calico_give_the_same_comparison_of_the_same_connections(string file)
    {
        static string[] Lines(TrafficComparison c) => c.ObservedAllowed.Concat(c.ObservedDenied)
            .Select(r => $"{r.Category} {r.Source} => {r.Destination} : {r.Connections} {r.LogVerdict} {r.DatapathDisagrees} {r.PolicyKind} {r.Policy}").Order().ToArray();
        var reference = Compare("hubble-observe.json").Comparison;
        var (c, _) = Compare(file);
        Assert.Equal(Lines(reference), Lines(c));
        Assert.Equal(reference.UnusedAllowed.Select(r => r.ToString()), c.UnusedAllowed.Select(r => r.ToString()));
    }

    [Fact]
    public void A_connection_seen_leaving_its_source_and_arriving_at_its_destination_counts_once()
    {
        // 14 connections from the controller's two pods to the frontend's two, each logged twice by Hubble.
        var (c, _) = Compare("hubble-observe.json");
        var toFrontend = One(c.ObservedAllowed, "ingress-nginx/ingress-nginx-controller[Deployment]", "shop/frontend[Deployment]", "TCP 8080");
        Assert.Equal((14L, 14L, 0L), (toFrontend.Observed, toFrontend.Forwarded, toFrontend.Dropped));
        Assert.Equal(("NetworkPolicy", "shop/frontend-from-ingress-controller", "ingress rule #1"), (toFrontend.PolicyKind, toFrontend.Policy, toFrontend.Rule));
        Assert.Equal(237, c.Statistics.Records);
        Assert.Equal(c.Statistics.From, c.ObservedAllowed.Concat(c.ObservedDenied).Concat(c.Unresolved).Min(r => r.FirstSeen));
    }

    [Fact]
    public void Addresses_outside_the_cluster_are_named_by_the_external_range_that_holds_them()
    {
        var (c, _) = Compare("hubble-observe.json");
        // The ranges are cut at every CIDR a policy names: 10.0.0.0/24 (istio-system's API server) and 203.0.113.0/24 (the partner).
        var clients = One(c.ObservedAllowed, "10.0.1.0-203.0.112.255[External]", "ingress-nginx/ingress-nginx-controller[Deployment]", "TCP 443");
        Assert.Equal(40, clients.Observed);
        var partner = One(c.ObservedAllowed, "203.0.113.0-203.0.113.255[External]", "payments/payments-api[Deployment]", "TCP 8443");
        Assert.Equal("ingress rule #2", partner.Rule);
        var psp = One(c.ObservedAllowed, "payments/payments-api[Deployment]", "10.0.1.0-169.254.169.253[External]", "TCP 443");
        Assert.Equal("payments/payments-api-to-psp", psp.Policy);
        Assert.Contains("api.stripe.com (54.187.216.72)", psp.ObservedDestination, StringComparison.Ordinal);
    }

    [Fact]
    public void Unused_allowed_connections_are_listed_by_port_range_with_the_rule_that_opens_them()
    {
        var (c, _) = Compare("hubble-observe.json");
        // The ingress controller's clients used 80 and 443; the rest of TCP (and UDP, SCTP) is open for nothing.
        var tcp = c.UnusedAllowed.Where(r => r.Source == "10.0.1.0-203.0.112.255[External]" && r.Destination == "ingress-nginx/ingress-nginx-controller[Deployment]").Select(r => r.Connections).ToList();
        Assert.Equal(new[] { "SCTP 1-65535", "TCP 1-79", "TCP 81-442", "TCP 444-65535", "UDP 1-65535" }, tcp);
        var anyNamespace = One(c.UnusedAllowed, "ingress-nginx/ingress-nginx-controller[Deployment]", "data/postgres[StatefulSet]", "TCP 5432");
        Assert.Equal(("NetworkPolicy", "data/postgres-from-all-namespaces"), (anyNamespace.PolicyKind, anyNamespace.Policy));
        Assert.Equal(0, anyNamespace.Observed);
        // Used paths are not listed as unused: the cart's calls, and {ingress-controller} through the controller's own pods.
        Assert.DoesNotContain(c.UnusedAllowed, r => r.Source == "shop/cart[Deployment]" && r.Destination == "data/redis[Deployment]");
        Assert.Contains(Demo.Value.Flows, f => f.Source == ConnectivityEngine.IngressControllerPeer && f.Destination == "shop/frontend[Deployment]");
        Assert.DoesNotContain(c.UnusedAllowed, r => r.Source == ConnectivityEngine.IngressControllerPeer);
    }

    [Fact]
    public void Every_unused_connection_is_allowed_and_no_observed_port_is_called_unused()
    {
        var engine = Demo.Value;
        var (c, _) = Compare("calico-flows.log");
        foreach (var r in c.UnusedAllowed)
        {
            var flow = Assert.Single(engine.Flows, f => f.Source == r.Source && f.Destination == r.Destination);
            Assert.True(ConnectionSet.TryParse(flow.Connections, out var allowed));
            Assert.True(ConnectionSet.Ports(r.Protocol, r.Port, r.EndPort).IsSubsetOf(allowed), r.ToString());
            Assert.DoesNotContain(c.ObservedAllowed, o => o.Source == r.Source && o.Destination == r.Destination && o.Protocol == r.Protocol && o.Port >= r.Port && o.Port <= r.EndPort);
        }
    }

    [Fact]
    public void The_nodes_own_traffic_and_addresses_Calico_aggregated_away_are_unresolved_with_the_reason()
    {
        var (hubble, sink) = Compare("hubble-observe.json");
        var probe = Assert.Single(hubble.Unresolved, r => r.Destination == "shop/frontend[Deployment]");
        Assert.Contains("traffic from a node to its own pods", probe.Reason, StringComparison.Ordinal);
        Assert.Contains(sink.Warnings, w => w.StartsWith("Cannot resolve shop/legacy-checkout[Deployment] against the snapshot", StringComparison.Ordinal));
        Assert.Equal(1, sink.Warnings.Count(w => w.Contains("legacy-checkout", StringComparison.Ordinal)));

        var (calico, _) = Compare("calico-flows.log");
        var pub = Assert.Single(calico.Unresolved, r => r.Destination == "pub");
        Assert.Equal(("monitoring/grafana[Deployment]", 4L), (pub.Source, pub.Observed));
        Assert.Contains("Calico aggregated the address away", pub.Reason, StringComparison.Ordinal);
        Assert.Equal(calico.Unresolved.Sum(r => r.Observed), calico.UnresolvedFlows);
    }

    [Fact]
    public void A_live_snapshot_resolves_pods_by_address_and_host_network_pods_by_the_port_they_declare()
    {
        var engine = ConnectivityEngine.Build(ClusterModel.Build(ManifestSource.Read(new[] { TestPaths.Fixture("flows", "live-snapshot", "cluster.yaml") })));
        var (c, sink) = Compare(Path.Combine("live-snapshot", "flows-by-address.csv"), engine);
        Assert.Empty(sink.Warnings);
        var api = One(c.ObservedAllowed, "web/client[Pod]", "web/api[Deployment]", "TCP 8080");
        Assert.Equal((5L, "web/api-from-client"), (api.Observed, api.Policy));
        Assert.Single(c.ObservedAllowed, r => r.Destination == "web/node-agent[DaemonSet]" && r.Connections == "TCP 9100");
        Assert.Single(c.ObservedAllowed, r => r.Destination == "web/log-agent[DaemonSet]" && r.Connections == "TCP 2020");
        var between = One(c.ObservedDenied, "web/api[Deployment]", "web/api[Deployment]", "TCP 8080");
        Assert.Equal((FlowVerdict.Dropped, false, "web/api-from-client"), (between.LogVerdict, between.DatapathDisagrees, between.Policy));
    }

    [Fact]
    public void Ends_logged_by_namespace_and_labels_only_resolve_to_the_workload_whose_stable_labels_they_carry()
    {
        // An exporter that gives no pod name: the pod's namespace and labels (Cilium's k8s: labels, with pod-template-hash and the like) are all there is.
        static string Line(string source, string destination, int port, string verdict) =>
            $"{{\"time\":\"2026-11-27T09:30:00Z\",\"verdict\":\"{verdict}\",\"IP\":{{\"source\":\"10.244.9.1\",\"destination\":\"10.244.9.2\",\"ipVersion\":\"IPv4\"}},\"l4\":{{\"TCP\":{{\"source_port\":40000,\"destination_port\":{port}}}}}," +
            $"\"source\":{{\"namespace\":\"data\",\"labels\":[{source}]}},\"destination\":{{\"namespace\":\"data\",\"labels\":[{destination}]}},\"Type\":\"L3_L4\",\"traffic_direction\":\"EGRESS\",\"is_reply\":false}}";
        var file = Path.Combine(Path.GetTempPath(), $"netsecps-{Guid.NewGuid():N}.json");
        File.WriteAllLines(file, new[]
        {
            Line("\"k8s:app=postgres-backup\",\"k8s:controller-uid=4f1c\",\"k8s:batch.kubernetes.io/job-name=postgres-backup-29410\"", "\"k8s:app=postgres\",\"k8s:tier=database\",\"k8s:apps.kubernetes.io/pod-index=0\"", 5432, "FORWARDED"),
            Line("\"k8s:app=postgres-backup\"", "\"k8s:app=mysql\",\"k8s:tier=database\"", 3306, "FORWARDED"),
        });
        try
        {
            var sink = new CollectingSink();
            var analyzer = new TrafficAnalyzer(Demo.Value, sink);
            analyzer.AddLogs(new[] { file }, FlowLogFormat.Hubble);
            var c = analyzer.Compare();
            var backup = One(c.ObservedAllowed, "data/postgres-backup[CronJob]", "data/postgres[StatefulSet]", "TCP 5432");
            Assert.Equal((1L, FlowVerdict.Forwarded), (backup.Observed, backup.LogVerdict));
            var mysql = Assert.Single(c.Unresolved);
            Assert.Equal(("data/postgres-backup[CronJob]", 1L), (mysql.Source, mysql.Observed));
            Assert.Contains("no workload of the snapshot matches a pod in data (labels app=mysql,tier=database)", mysql.Reason, StringComparison.Ordinal);
            Assert.Contains(sink.Warnings, w => w.Contains("app=mysql", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void The_scan_part_names_data_stores_exposed_workloads_and_their_widest_unused_paths()
    {
        var engine = Demo.Value;
        var (c, _) = Compare("hubble-observe.json");
        var t = ObservedTrafficReport.Build(c, engine);
        Assert.Contains("data/postgres[StatefulSet]: PostgreSQL (image docker.io/library/postgres:16.4)", t.DataStores);
        Assert.Contains(t.DataStores, s => s.StartsWith("data/redis[Deployment]: Redis", StringComparison.Ordinal));
        Assert.DoesNotContain(t.DataStores, s => s.StartsWith("monitoring/prometheus", StringComparison.Ordinal));
        Assert.Contains("shop/frontend[Deployment]: Ingress, Route or Gateway (TCP 8080); Service shop/frontend-legacy (externalIPs)", t.ExposedWorkloads);
        Assert.Contains("payments/payments-api[Deployment]: Service payments/payments-partner (LoadBalancer)", t.ExposedWorkloads);
        Assert.NotEmpty(t.TopUnusedIntoDataStores);
        Assert.All(t.TopUnusedIntoDataStores, r => Assert.StartsWith("data/", r.Destination, StringComparison.Ordinal));
        Assert.Contains(t.TopUnusedIntoDataStores, r => r.Source == "ingress-nginx/ingress-nginx-controller[Deployment]" && r.Destination == "data/postgres[StatefulSet]");
        Assert.All(t.TopUnusedFromExposed, r => Assert.Contains(t.ExposedWorkloads, e => e.StartsWith(r.Source + ":", StringComparison.Ordinal)));
        Assert.True(t.TopUnusedFromExposed.Count <= ObservedTrafficReport.Top);
        // frontend => payments-api and redis => postgres (the datapath against NetworkPolicy). Prometheus' scrape of
        // payments-api is no disagreement: the CNI forwards it and payments-api's sidecar refuses it (STRICT mTLS).
        Assert.Equal((c.Disagreements, 2), (t.Disagreements, c.Disagreements));
        Assert.Equal(237, t.Flows);
    }
}
