using NetSecPS.Core.Model;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Tests;

/// <summary>The records Get-NetSecInventory shows.</summary>
public class InventoryBuilderTests
{
    private static List<InventoryItem> Inventory(params string[] paths) =>
        InventoryBuilder.Build(ClusterModel.Build(ManifestSource.Read(paths))).ToList();

    private static readonly string Demo = Path.Combine(TestPaths.RepoRoot, "samples", "cluster");

    [Fact]
    public void Admin_policies_show_their_priority_subject_and_directions()
    {
        var items = Inventory(Demo).OfType<PolicyItem>().ToList();
        var metadata = items.Single(p => p.Name == "cluster-deny-cloud-metadata");
        Assert.Equal(10, metadata.Priority);
        Assert.Equal("pods in namespaces: all", metadata.Subject);
        Assert.Equal(new[] { "Egress" }, metadata.PolicyTypes);
        Assert.Equal(1, metadata.EgressRules);

        Assert.Equal("Admin", metadata.Tier);
        var baseline = items.Single(p => p.Kind == "BaselineAdminNetworkPolicy");
        Assert.Equal("Baseline", baseline.Tier);
        Assert.Null(baseline.Priority);
        Assert.Equal("pods in namespaces: netsec.example.com/baseline=enforced", baseline.Subject);
    }

    [Fact]
    public void Cluster_network_policies_show_their_tier_priority_and_subject()
    {
        var items = Inventory(TestPaths.Fixture("connectivity", "cluster-network-policy", "networks-match-pods.yaml")).OfType<PolicyItem>().ToList();
        var admin = items.Single(p => p.Name == "lab-no-egress");
        Assert.Equal("ClusterNetworkPolicy", admin.Kind);
        Assert.Equal("Admin", admin.Tier);
        Assert.Equal(10, admin.Priority);
        Assert.Equal(2, admin.EgressRules);
        Assert.Contains("Admin tier", admin.Details, StringComparison.Ordinal);
        Assert.Equal("Baseline", items.Single(p => p.Name == "vault-closed").Tier);
        Assert.Equal("Admin", items.Single(p => p.Kind == "AdminNetworkPolicy").Tier);
    }

    [Fact]
    public void Network_policies_show_their_effective_policy_types()
    {
        var items = Inventory(Demo).OfType<PolicyItem>().Where(p => p.Kind == "NetworkPolicy").ToList();
        Assert.Equal(new[] { "Ingress", "Egress" }, items.Single(p => p.Resource == "NetworkPolicy/shop/default-deny-all").PolicyTypes);
        var allowAll = items.Single(p => p.Resource == "NetworkPolicy/monitoring/allow-scraping");
        Assert.Equal("all pods", allowAll.Subject);
        Assert.Equal(1, allowAll.IngressRules);
    }

    [Fact]
    public void Istio_policies_show_their_action_scope_mutual_tls_egress_hosts_and_service_entries()
    {
        var items = Inventory(TestPaths.Fixture("connectivity", "istio", "authorization.yaml"), TestPaths.Fixture("connectivity", "istio", "peer-authentication.yaml"),
            TestPaths.Fixture("connectivity", "istio", "sidecar-egress.yaml"));
        var deny = items.OfType<PolicyItem>().Single(p => p.Resource == "AuthorizationPolicy/shop/cache-deny-post");
        Assert.Equal("DENY", deny.Action);
        Assert.Equal("workloads app=cache in namespace shop", deny.Subject);
        Assert.Equal(1, deny.IngressRules);
        Assert.StartsWith("DENY; Ingress; rules: 1 ingress", deny.Details, StringComparison.Ordinal);

        var finance = Assert.IsType<OtherItem>(items.Single(i => i.Resource == "PeerAuthentication/foo/finance"));
        Assert.Equal("mTLS STRICT; port 8080 DISABLE; applies to workloads app=finance in namespace foo", finance.Summary);
        Assert.Contains("in every namespace", items.OfType<OtherItem>().Single(i => i.Resource == "PeerAuthentication/istio-system/default").Summary, StringComparison.Ordinal);

        var sidecar = Assert.IsType<OtherItem>(items.Single(i => i.Resource == "Sidecar/pay/default"));
        Assert.Equal("egress hosts ./*, shop/api.shop.svc.cluster.local, */partner.example.com, */docs.example.com; outbound REGISTRY_ONLY; applies to every workload in namespace pay", sidecar.Summary);
        var entry = Assert.IsType<OtherItem>(items.Single(i => i.Resource == "ServiceEntry/pay/partner"));
        Assert.Equal("hosts partner.example.com; addresses 203.0.113.0/24; ports 443/HTTPS; MESH_EXTERNAL", entry.Summary);
    }

    [Fact]
    public void Namespaces_count_their_workloads_and_network_policies()
    {
        var namespaces = Inventory(Demo).OfType<NamespaceItem>().ToDictionary(n => n.Name);
        Assert.Equal(0, namespaces["ingress-nginx"].NetworkPolicies);
        Assert.Equal(7, namespaces["shop"].NetworkPolicies);
        Assert.Equal(3, namespaces["data"].Workloads);
        Assert.Equal(1, namespaces["shop"].Pods);
    }

    [Fact]
    public void Services_and_ingresses_show_their_exposure()
    {
        var items = Inventory(Demo);
        var partner = items.OfType<ServiceItem>().Single(s => s.Name == "payments-partner");
        Assert.Equal("LoadBalancer", partner.Type);
        Assert.Equal(new[] { "203.0.113.0/24" }, partner.LoadBalancerSourceRanges);
        Assert.Equal("Local", partner.ExternalTrafficPolicy);
        Assert.Equal(new[] { "198.51.100.20" }, items.OfType<ServiceItem>().Single(s => s.Name == "frontend-legacy").ExternalIPs);
        Assert.Equal(new[] { "3000:30300->http/TCP" }, items.OfType<ServiceItem>().Single(s => s.Name == "grafana").Ports);
        var exposures = items.OfType<ExposureItem>().ToDictionary(e => e.Name);
        Assert.True(exposures["storefront"].Tls);
        Assert.False(exposures["grafana"].Tls);
        Assert.Equal(new[] { "frontend:http" }, exposures["storefront"].Backends);
    }

    [Fact]
    public void Workloads_named_only_by_owner_references_get_the_api_version_of_their_kind()
    {
        var workloads = Inventory(TestPaths.Fixture("dumps", "podlist.json")).OfType<WorkloadItem>().ToDictionary(w => w.Peer);
        Assert.Equal("batch/v1", workloads["payments/migrate-28930080[Job]"].ApiVersion);
        Assert.Equal("apps/v1", workloads["payments/api-5f6c9d7b8[ReplicaSet]"].ApiVersion);
        Assert.Equal(1, workloads["payments/api-5f6c9d7b8[ReplicaSet]"].Pods);
        Assert.Equal(new[] { "https:8443/TCP" }, workloads["payments/api-5f6c9d7b8[ReplicaSet]"].Ports);
    }

    [Fact]
    public void Unknown_kinds_appear_as_other_items_and_calico_policies_as_policies()
    {
        var items = Inventory(TestPaths.Fixture("manifests", "unknown-kinds.yaml"));
        Assert.IsType<OtherItem>(items.Single(i => i.Kind == "Certificate"));
        var calico = Assert.IsType<PolicyItem>(items.Single(i => i.Kind == "GlobalNetworkPolicy"));
        Assert.Equal(100, calico.Priority);
        Assert.Equal("all()", calico.Subject);
        Assert.Equal(new[] { "Egress" }, calico.PolicyTypes);
    }

    [Fact]
    public void Every_record_has_one_line_of_details_for_the_mixed_table()
    {
        var items = Inventory(Demo);
        Assert.All(items.Where(i => i is not OtherItem), i => Assert.False(string.IsNullOrWhiteSpace(i.Details), i.Resource));
        Assert.Equal("3 workloads, 7 NetworkPolicies; team=storefront,netsec.example.com/baseline=enforced,istio-injection=enabled",
            items.OfType<NamespaceItem>().Single(n => n.Name == "shop").Details);
        Assert.Equal("metrics:9100/TCP; hostNetwork", items.OfType<WorkloadItem>().Single(w => w.Name == "node-exporter").Details);
        Assert.Equal("LoadBalancer 443->https/TCP; sources 203.0.113.0/24; selects app=payments-api",
            items.OfType<ServiceItem>().Single(w => w.Name == "payments-partner").Details);
        Assert.Equal("Admin tier; priority 10; Egress; rules: 0 ingress, 1 egress; applies to pods in namespaces: all",
            items.OfType<PolicyItem>().Single(w => w.Name == "cluster-deny-cloud-metadata").Details);
        Assert.Equal("no TLS; grafana.example.com; -> grafana:3000", items.OfType<ExposureItem>().Single(w => w.Name == "grafana").Details);
    }
}
