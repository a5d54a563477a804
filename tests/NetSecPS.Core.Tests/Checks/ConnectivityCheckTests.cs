using NetSecPS.Core.Checks;
using static NetSecPS.Core.Tests.Checks.CheckHarness;

namespace NetSecPS.Core.Tests.Checks;

/// <summary>
/// The semantic checks, decided by the real connectivity engine over manifest fixtures:
/// NP-001..NP-004, NP-009, NP-010, EX-005, LAT-001, LAT-002.
/// </summary>
public class ConnectivityCheckTests
{
    [Fact]
    public void A_namespace_with_a_default_deny_and_an_allow_all_policy_fails_NP_001()
    {
        var f = Assert.Single(Fails("NP-001", "default-deny-plus-allow-all.yaml", "Namespace/payments"));
        Assert.Contains(f.EvidenceData, e => e.Subject == "NetworkPolicy payments/allow-all ingress[0]");
        Assert.Contains(f.EvidenceData, e => e.Kind == "Policy" && e.Subject == "NetworkPolicy payments/default-deny-ingress");
        Assert.Contains("payments/allow-all ingress[0]", f.Remediation, StringComparison.Ordinal);
        Assert.Null(f.RemediationManifest);
        Assert.Equal(new[] { "CIS 5.3.2", "NSA Network policies" }, f.Frameworks);
    }

    [Fact]
    public void A_namespace_whose_only_ingress_comes_from_a_named_slash_24_passes_NP_001() => Passes("NP-001", "only-named-range.yaml");

    [Fact]
    public void A_namespace_without_any_policy_fails_NP_001_and_its_default_deny_manifest_fixes_it()
    {
        var f = Assert.Single(Fails("NP-001", "no-policy.yaml", "Namespace/shop"));
        Assert.NotNull(f.RemediationManifest);
        var fixedResult = AuditWithManifest(FixturePath("NP-001", "fail", "no-policy.yaml"), f.RemediationManifest!, "NP-001");
        Assert.Empty(fixedResult.Findings);
    }

    [Fact]
    public void A_default_deny_with_a_rule_for_same_namespace_callers_passes_NP_001() => Passes("NP-001", "default-deny-with-named-callers.yaml");

    [Fact]
    public void A_namespace_isolated_for_ingress_only_fails_NP_002() => Fails("NP-002", "no-egress-policy.yaml", "Namespace/batch");

    [Fact]
    public void A_default_deny_egress_whose_only_opening_is_dns_passes_NP_002() => Passes("NP-002", "default-deny-egress-with-dns.yaml");

    [Fact]
    public void A_workload_no_policy_selects_fails_NP_003_while_its_protected_neighbour_passes() =>
        Fails("NP-003", "not-selected.yaml", "Deployment/shop/admin");

    [Fact]
    public void A_namespace_default_deny_passes_NP_003() => Passes("NP-003", "default-deny.yaml");

    [Fact]
    public void An_admin_network_policy_applying_to_the_workload_isolates_it_and_passes_NP_003() => Passes("NP-003", "admin-policy-isolates.yaml");

    [Fact]
    public void An_admin_network_policy_that_only_allows_does_not_isolate_and_NP_003_fails_naming_it()
    {
        var f = Assert.Single(Fails("NP-003", "admin-policy-that-only-allows.yaml", "Deployment/shop/api"));
        Assert.Contains(f.EvidenceData, e => e.Kind == "AdminPolicy" && e.Subject == "AdminNetworkPolicy/allow-prometheus-scrape");
        Assert.NotEmpty(Audit(Read(FixturePath("NP-003", "fail", "admin-policy-that-only-allows.yaml")), new[] { "NP-001" }).Findings);
    }

    [Fact]
    public void An_ingress_only_policy_leaves_the_workload_open_for_egress_and_fails_NP_004()
    {
        var f = Assert.Single(Fails("NP-004", "ingress-only-policy.yaml", "Deployment/shop/api"));
        // One policy: deny egress by default, keep name resolution through the cluster DNS.
        var policy = Assert.IsType<System.Text.Json.Nodes.JsonObject>(Assert.Single(NetSecPS.Core.Sources.YamlJsonReader.ReadDocuments(new StringReader(f.RemediationManifest!))).Root);
        Assert.Equal("NetworkPolicy", policy["kind"]!.GetValue<string>());
        Assert.Equal("default-deny-egress", policy["metadata"]!["name"]!.GetValue<string>());
        var dns = Assert.Single(policy["spec"]!["egress"]!.AsArray());
        Assert.Equal("kube-dns", dns!["to"]![0]!["podSelector"]!["matchLabels"]!["k8s-app"]!.GetValue<string>());
        Assert.Equal(new[] { "UDP 53", "TCP 53" }, dns["ports"]!.AsArray().Select(p => $"{p!["protocol"]} {p["port"]}"));
    }

    [Fact]
    public void A_policy_with_egress_rules_and_no_policy_types_isolates_egress_and_passes_NP_004() => Passes("NP-004", "egress-policy.yaml");

    [Fact]
    public void Internet_egress_that_excepts_the_private_ranges_still_reaches_the_metadata_endpoint_and_fails_NP_009()
    {
        var f = Assert.Single(Fails("NP-009", "internet-egress-includes-metadata.yaml", "Deployment/feeds/fetcher"));
        Assert.Contains("169.254.169.254/32", f.Remediation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_workload_not_isolated_for_egress_fails_NP_009_and_the_manifest_blocks_the_endpoint()
    {
        var f = Assert.Single(Fails("NP-009", "not-isolated-for-egress.yaml", "Deployment/shop/api"));
        var fixedResult = AuditWithManifest(FixturePath("NP-009", "fail", "not-isolated-for-egress.yaml"), f.RemediationManifest!, "NP-009");
        Assert.Empty(fixedResult.Findings);
    }

    [Fact]
    public void Excepting_the_metadata_endpoint_passes_NP_009_and_host_network_agents_are_left_to_HN_001() => Passes("NP-009", "metadata-excepted.yaml");

    [Fact]
    public void Egress_isolation_without_a_dns_exception_fails_NP_010_and_udp_alone_fails_for_tcp()
    {
        var findings = Fails("NP-010", "default-deny-forgot-dns.yaml", "Deployment/batch/worker", "Deployment/batch/api");
        Assert.Contains("cannot reach TCP 53 of kube-system/coredns[Deployment]", findings.Single(f => f.Resource == "Deployment/batch/api").Evidence, StringComparison.Ordinal);
        Assert.Contains("cannot reach UDP and TCP 53", findings.Single(f => f.Resource == "Deployment/batch/worker").Evidence, StringComparison.Ordinal);
        var fixedResult = AuditWithManifest(FixturePath("NP-010", "fail", "default-deny-forgot-dns.yaml"), findings[0].RemediationManifest!, "NP-010");
        Assert.Empty(fixedResult.Findings);
    }

    [Fact]
    public void A_dns_exception_to_the_coredns_pods_on_udp_and_tcp_passes_NP_010() => Passes("NP-010", "dns-exception.yaml");

    [Fact]
    public void A_load_balanced_workload_without_an_ingress_policy_fails_EX_005() =>
        Fails("EX-005", "load-balancer-no-policy.yaml", "Deployment/edge/storefront");

    [Fact]
    public void An_ingress_exposed_workload_admitting_only_the_ingress_controller_namespace_passes_EX_005() =>
        Passes("EX-005", "ingress-controller-only.yaml");

    [Fact]
    public void A_postgres_without_policy_reachable_from_another_namespace_fails_LAT_001()
    {
        var f = Assert.Single(Fails("LAT-001", "postgres-open-to-all.yaml", "StatefulSet/shop/db"));
        Assert.Contains(f.EvidenceData, e => e.Kind == "Flow" && e.Subject == "reporting/dashboards[Deployment] => shop/db[StatefulSet]" && e.Detail == "TCP 5432");
    }

    [Fact]
    public void A_database_open_only_to_its_own_namespace_on_its_data_port_passes_LAT_001_even_with_metrics_open_to_monitoring() =>
        Passes("LAT-001", "same-namespace-clients-only.yaml");

    [Fact]
    public void A_public_frontend_in_a_flat_network_reaches_every_workload_and_fails_LAT_002()
    {
        var f = Assert.Single(Fails("LAT-002", "flat-network.yaml", "Deployment/shop/frontend"));
        Assert.Contains("3 of 3 other workloads (100%)", f.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void A_segmented_frontend_passes_LAT_002_because_paths_do_not_pass_through_excluded_namespaces() =>
        Passes("LAT-002", "segmented.yaml");

    [Fact]
    public void The_same_frontend_fails_LAT_002_when_no_namespace_is_excluded_since_coredns_then_becomes_a_pivot()
    {
        var data = Read(FixturePath("LAT-002", "pass", "segmented.yaml"));
        var result = Audit(data, new[] { "LAT-002" }, Profiles.Cis);
        var f = Assert.Single(result.Findings);
        Assert.Contains("can reach 4 of 5 other workloads", f.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_connectivity_engine_the_semantic_checks_are_reported_as_not_evaluated_with_a_warning()
    {
        var data = Read(FixturePath("NP-001", "fail", "no-policy.yaml"));
        var sink = new CollectingSink();
        var result = Auditor.Run(NetSecPS.Core.Model.ClusterModel.Build(data), null, Profiles.Default, null, sink, new AuditOptions { Now = ScanDate });
        Assert.Equal(CheckCatalogue.All.Where(c => c.NeedsConnectivity).Select(c => c.Info.Id), result.NotEvaluated.Select(n => n.CheckId));
        Assert.Contains(sink.Warnings, w => w.StartsWith("Not evaluated without the connectivity engine: NP-001", StringComparison.Ordinal));
        Assert.DoesNotContain(result.Findings, f => f.CheckId == "NP-001");
    }

    /// <summary>Applies a remediation manifest next to the fixture (as kubectl apply would) and audits again.</summary>
    private static AuditResult AuditWithManifest(string fixture, string manifest, string checkId)
    {
        var path = Path.Combine(Path.GetTempPath(), $"netsecps-fix-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, manifest);
        try
        {
            return Audit(Read(fixture, path), new[] { checkId });
        }
        finally
        {
            File.Delete(path);
        }
    }
}
