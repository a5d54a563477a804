using static NetSecPS.Core.Tests.Checks.CheckHarness;

namespace NetSecPS.Core.Tests.Checks;

/// <summary>The rule-level segmentation checks: NP-005..NP-008 and NP-011..NP-014.</summary>
public class SegmentationRuleTests
{
    [Fact]
    public void An_ingress_rule_written_as_an_empty_object_fails_NP_005_and_names_the_rule()
    {
        var f = Assert.Single(Fails("NP-005", "empty-ingress-rule.yaml", "NetworkPolicy/shop/allow-everything"));
        Assert.Contains(f.EvidenceData, e => e.Subject == "NetworkPolicy shop/allow-everything ingress[0]");
        Assert.Contains("shop/web[Deployment]", f.Evidence, StringComparison.Ordinal);
        Assert.EndsWith("empty-ingress-rule.yaml", f.SourceFile, StringComparison.Ordinal);
        Assert.Equal(25, f.SourceLine);
    }

    [Fact]
    public void A_rule_admitting_every_namespace_and_the_whole_internet_without_ports_fails_NP_005() =>
        Fails("NP-005", "every-namespace-and-internet.yaml", "NetworkPolicy/shop/open-api");

    [Fact]
    public void Ingress_from_named_pods_on_a_port_or_from_the_same_namespace_passes_NP_005() =>
        Passes("NP-005", "named-callers-and-port.yaml");

    [Fact]
    public void An_empty_egress_rule_beside_a_default_deny_egress_fails_NP_006() =>
        Fails("NP-006", "empty-egress-rule.yaml", "NetworkPolicy/batch/worker-anywhere");

    [Fact]
    public void Egress_to_named_destinations_and_dns_passes_NP_006() => Passes("NP-006", "named-destinations.yaml");

    [Fact]
    public void An_empty_namespace_selector_with_a_pod_selector_still_admits_every_namespace_and_fails_NP_007()
    {
        var f = Assert.Single(Fails("NP-007", "prometheus-from-any-namespace.yaml", "NetworkPolicy/payments/allow-scrape"));
        Assert.Contains("in every namespace", f.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void Naming_the_monitoring_namespace_passes_NP_007() => Passes("NP-007", "monitoring-namespace-by-name.yaml");

    [Fact]
    public void A_slash_zero_egress_block_without_exceptions_fails_NP_008_listing_every_private_range()
    {
        var f = Assert.Single(Fails("NP-008", "internet-egress-without-except.yaml", "NetworkPolicy/feeds/fetcher-internet"));
        Assert.Contains("10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16", f.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void Excepting_only_ten_slash_eight_still_fails_NP_008_for_the_other_private_ranges()
    {
        var f = Assert.Single(Fails("NP-008", "partial-except.yaml", "NetworkPolicy/feeds/fetcher-internet"));
        Assert.Contains("172.16.0.0/12, 192.168.0.0/16", f.Evidence, StringComparison.Ordinal);
        Assert.DoesNotContain("10.0.0.0/8;", f.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void An_internet_block_that_excepts_the_private_ranges_and_a_narrow_partner_range_pass_NP_008() =>
        Passes("NP-008", "private-ranges-excepted.yaml");

    [Fact]
    public void A_policy_whose_selector_has_a_label_typo_selects_no_pods_and_fails_NP_011()
    {
        var f = Assert.Single(Fails("NP-011", "selector-typo.yaml", "NetworkPolicy/shop/frontend-ingress"));
        Assert.Contains("app=web-frontend", f.Evidence, StringComparison.Ordinal);
        Assert.Contains("app=frontend", f.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void A_policy_selecting_pods_by_a_match_expression_passes_NP_011() => Passes("NP-011", "selector-matches.yaml");

    [Fact]
    public void A_namespace_label_typo_and_a_pod_selector_matching_no_controller_pod_fail_NP_012()
    {
        var f = Assert.Single(Fails("NP-012", "namespace-label-typo.yaml", "NetworkPolicy/payments/ledger-ingress"));
        Assert.Equal(2, f.EvidenceData.Count);
        Assert.Contains(f.EvidenceData, e => e.Detail == "namespaceSelector team=payment matches no namespace");
        Assert.Contains(f.EvidenceData, e => e.Detail.StartsWith("podSelector app=gateway matches no pod", StringComparison.Ordinal));
    }

    [Fact]
    public void Peers_that_match_a_namespace_by_name_label_and_the_controller_pods_pass_NP_012() => Passes("NP-012", "peers-resolve.yaml");

    [Fact]
    public void A_named_port_no_selected_container_declares_fails_NP_013()
    {
        var f = Assert.Single(Fails("NP-013", "port-name-typo.yaml", "NetworkPolicy/shop/web-ingress"));
        Assert.Contains("'http-web'", f.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void An_egress_named_port_is_looked_up_on_the_destination_pods_and_fails_NP_013_when_they_lack_it() =>
        Fails("NP-013", "egress-named-port-on-destination.yaml", "NetworkPolicy/shop/api-to-db");

    [Fact]
    public void Named_ports_declared_by_the_destination_containers_pass_NP_013() => Passes("NP-013", "declared-names.yaml");

    [Fact]
    public void A_rule_contained_in_a_wider_rule_for_the_same_pods_fails_NP_014_and_names_the_wider_one()
    {
        var f = Assert.Single(Fails("NP-014", "narrow-rule-inside-wide-one.yaml", "NetworkPolicy/shop/web-from-frontend"));
        Assert.Contains("contained in NetworkPolicy shop/allow-shop ingress[0]", f.Evidence, StringComparison.Ordinal);
        Assert.Equal(NetSecPS.Severity.Info, f.Severity);
    }

    [Fact]
    public void Rules_with_different_callers_and_ports_are_not_redundant_and_pass_NP_014() => Passes("NP-014", "distinct-rules.yaml");
}
