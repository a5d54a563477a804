using NetSecPS.Core.Sources;
using static NetSecPS.Core.Tests.Checks.CheckHarness;

namespace NetSecPS.Core.Tests.Checks;

/// <summary>The exposure checks that read Services, Ingresses, Routes and Gateways: EX-001..EX-004, EX-006..EX-008.</summary>
public class ExposureTests
{
    [Fact]
    public void A_load_balancer_without_source_ranges_fails_EX_001_with_a_source_ranges_patch()
    {
        var f = Assert.Single(Fails("EX-001", "public-load-balancer.yaml", "Service/edge/storefront"));
        Assert.Contains("edge/storefront[Deployment]", f.Evidence, StringComparison.Ordinal);
        Assert.NotNull(f.RemediationManifest);
        var patch = ReadYaml(f.RemediationManifest!);
        var svc = Assert.IsType<k8s.Models.V1Service>(Assert.Single(patch.Objects).Typed);
        Assert.Equal("storefront", svc.Metadata.Name);
        Assert.NotEmpty(svc.Spec.LoadBalancerSourceRanges);
    }

    [Fact]
    public void Source_ranges_of_zero_slash_zero_limit_nothing_and_fail_EX_001() =>
        Fails("EX-001", "source-range-is-everything.yaml", "Service/edge/admin-api");

    [Fact]
    public void A_load_balancer_with_an_office_range_and_internal_load_balancers_on_aws_azure_and_gcp_pass_EX_001() =>
        Passes("EX-001", "limited-and-internal.yaml");

    [Fact]
    public void A_node_port_service_fails_EX_002() => Fails("EX-002", "node-port.yaml", "Service/ops/legacy-admin");

    [Fact]
    public void A_cluster_ip_service_and_a_load_balancer_without_node_ports_pass_EX_002() => Passes("EX-002", "cluster-ip-and-lb-without-node-ports.yaml");

    [Fact]
    public void A_service_claiming_external_ips_fails_EX_003() => Fails("EX-003", "external-ips.yaml", "Service/tenant-a/intercept");

    [Fact]
    public void A_service_without_external_ips_passes_EX_003() => Passes("EX-003", "no-external-ips.yaml");

    [Fact]
    public void An_ingress_host_missing_from_its_tls_section_fails_EX_004_for_that_host_only()
    {
        var f = Assert.Single(Fails("EX-004", "ingress-host-without-tls.yaml", "Ingress/shop/shop"));
        Assert.Equal(new[] { "admin.example.com" }, f.EvidenceData.Select(e => e.Subject));
    }

    [Fact]
    public void A_route_without_tls_and_a_gateway_http_listener_serving_content_fail_EX_004() =>
        Fails("EX-004", "route-and-gateway-plain-http.yaml", "Route/media/blog", "Gateway/gateways/public");

    [Fact]
    public void A_wildcard_certificate_a_redirecting_route_and_an_http_listener_that_only_redirects_pass_EX_004() =>
        Passes("EX-004", "tls-everywhere.yaml");

    [Fact]
    public void Grafana_behind_an_ingress_and_redis_on_a_node_port_fail_EX_006()
    {
        var findings = Fails("EX-006", "grafana-and-redis-exposed.yaml", "Deployment/monitoring/grafana", "StatefulSet/shop/cache");
        Assert.Contains("admin interface grafana", findings.Single(f => f.Resource == "Deployment/monitoring/grafana").Evidence, StringComparison.Ordinal);
        Assert.Contains("data store redis", findings.Single(f => f.Resource == "StatefulSet/shop/cache").Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void An_internal_grafana_and_an_exposed_app_with_a_redis_exporter_sidecar_pass_EX_006() =>
        Passes("EX-006", "sensitive-only-internal.yaml");

    [Fact]
    public void A_load_balancer_with_the_default_cluster_traffic_policy_fails_EX_007_with_a_patch()
    {
        var f = Assert.Single(Fails("EX-007", "cluster-traffic-policy.yaml", "Service/edge/api"));
        Assert.Contains("externalTrafficPolicy: Local", f.RemediationManifest, StringComparison.Ordinal);
    }

    [Fact]
    public void A_load_balancer_with_the_local_traffic_policy_passes_EX_007() => Passes("EX-007", "local-traffic-policy.yaml");

    [Fact]
    public void An_ingress_path_to_a_missing_service_and_a_service_selecting_no_pod_fail_EX_008() =>
        Fails("EX-008", "missing-backend-and-empty-selector.yaml", "Ingress/shop/shop", "Service/shop/search");

    [Fact]
    public void Backends_that_exist_and_select_pods_pass_EX_008_and_a_selectorless_service_is_not_judged() =>
        Passes("EX-008", "backends-resolve.yaml");

    [Fact]
    public void Exposure_findings_are_reported_in_namespaces_the_profile_excludes()
    {
        var data = Read(FixturePath("EX-003", "fail", "external-ips.yaml"));
        var profile = Profiles.Default with { ExcludedNamespaces = new[] { "tenant-a" } };
        var result = Audit(data, new[] { "EX-003" }, profile);
        Assert.Single(result.Findings);
    }

    /// <summary>Reads a remediation manifest the way a user's kubectl would get it: as a YAML file.</summary>
    internal static ClusterData ReadYaml(string yaml)
    {
        var path = Path.Combine(Path.GetTempPath(), $"netsecps-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, yaml);
        try
        {
            return Read(path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
