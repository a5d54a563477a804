using NetSecPS.Core.Checks;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;
using NetSecPS.Core.Sources;
using static NetSecPS.Core.Tests.Checks.CheckHarness;

namespace NetSecPS.Core.Tests;

/// <summary>
/// The demo cluster's Istio mesh (samples/cluster/README.md): injection in shop and payments,
/// mesh-wide PERMISSIVE, STRICT in payments with the partner's port left PERMISSIVE, an ALLOW and a
/// DENY AuthorizationPolicy in payments. Its MESH findings are decided from each flow's mutual TLS.
/// </summary>
public class DemoClusterMeshTests
{
    private static readonly Lazy<ClusterData> Data = new(() => ManifestSource.Read(new[] { Path.Combine(TestPaths.RepoRoot, "samples", "cluster") }));

    private static readonly Lazy<ConnectivityEngine> Engine = new(() => ConnectivityEngine.Build(ClusterModel.Build(Data.Value)));

    private static readonly Lazy<AuditResult> Result = new(() => Audit(Data.Value));

    /// <summary>Deployment/shop/cart as a peer: shop/cart[Deployment].</summary>
    private static string Peer(string resource) => resource.Split('/') is [var kind, var ns, var name] ? $"{ns}/{name}[{kind}]" : resource;

    [Fact]
    public void Prometheus_without_a_sidecar_is_refused_by_payments_strict_mtls_and_mesh_002_names_that_flow()
    {
        var engine = Engine.Value;

        // The network lets the scrape through (the AdminNetworkPolicy allow-prometheus-scrape), the sidecar does not.
        var scrape = engine.Test(engine.ResolveEndpoint("monitoring/prometheus"), engine.ResolveEndpoint("payments/payments-api"), "TCP", 9090);
        Assert.False(scrape.Allowed);
        Assert.Contains("STRICT mTLS", scrape.Explanation, StringComparison.Ordinal);
        Assert.Contains("PeerAuthentication payments/payments-api", scrape.Explanation, StringComparison.Ordinal);
        Assert.DoesNotContain(engine.Flows, f => f.Source == "monitoring/prometheus[Deployment]" && f.Destination == "payments/payments-api[Deployment]");

        // The cart runs a sidecar: its calls to the API carry mutual TLS (the API port is PERMISSIVE, Istio's automatic mTLS).
        var cart = Assert.Single(engine.Flows, f => f.Source == "shop/cart[Deployment]" && f.Destination == "payments/payments-api[Deployment]");
        Assert.True(cart.MutuallyAuthenticated);

        var outside = Assert.Single(Result.Value.Findings, f => f.CheckId == "MESH-002" && f.Resource == "Deployment/monitoring/prometheus");
        Assert.Contains("refuse connections the network allows it", outside.Evidence, StringComparison.Ordinal);
        Assert.Contains("payments/payments-api[Deployment] (TCP 9090)", outside.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void Each_mesh_001_finding_names_the_flows_that_reach_it_without_mutual_tls_and_no_other_workload_receives_one()
    {
        var plaintext = Engine.Value.Flows.Where(f => f.Mtls is MtlsState.SourceWithoutSidecar or MtlsState.Disable)
            .GroupBy(f => f.Destination).ToDictionary(g => g.Key, g => g.Select(f => $"{f.Source} => {f.Destination}").Order(StringComparer.Ordinal).ToList());
        var findings = Result.Value.Findings.Where(f => f.CheckId == "MESH-001").ToList();

        // The ingress controller and Prometheus into shop (mesh-wide PERMISSIVE), the partner into payments-api (port 8443 PERMISSIVE).
        Assert.Equal(new[] { "payments/payments-api[Deployment]", "shop/cart[Deployment]", "shop/frontend[Deployment]" }, plaintext.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(plaintext.Keys.Order(StringComparer.Ordinal), findings.Select(f => Peer(f.Resource)).Order(StringComparer.Ordinal));
        foreach (var f in findings)
        {
            var named = f.EvidenceData.Where(e => e.Kind == "Flow").Select(e => e.Subject).Order(StringComparer.Ordinal);
            Assert.Equal(plaintext[Peer(f.Resource)], named);
        }

        Assert.Contains("ingress-nginx/ingress-nginx-controller[Deployment] => shop/frontend[Deployment]", plaintext["shop/frontend[Deployment]"]);
        Assert.Contains("203.0.113.0-203.0.113.255[External] => payments/payments-api[Deployment]", plaintext["payments/payments-api[Deployment]"]);
    }

    [Fact]
    public void Mesh_005_passes_because_flows_between_sidecars_carry_mutual_tls_and_mesh_003_fails_where_no_allow_policy_names_the_callers()
    {
        Assert.Contains(Engine.Value.Flows, f => f.MutuallyAuthenticated);
        Assert.DoesNotContain(Result.Value.Findings, f => f.CheckId == "MESH-005");

        // payments-api admits the cart's principal (and the partner's range) only; shop has no AuthorizationPolicy.
        Assert.Equal(new[] { "Deployment/shop/cart", "Deployment/shop/frontend" },
            Result.Value.Findings.Where(f => f.CheckId == "MESH-003").Select(f => f.Resource).Order(StringComparer.Ordinal));
    }
}
