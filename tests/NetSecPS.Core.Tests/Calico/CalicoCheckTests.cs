using static NetSecPS.Core.Tests.Checks.CheckHarness;

namespace NetSecPS.Core.Tests.Calico;

/// <summary>The checks see Calico policy through the policy model: default deny from a GlobalNetworkPolicy, holes in earlier tiers, allow-all rules.</summary>
public class CalicoCheckTests
{
    [Fact]
    public void A_Calico_GlobalNetworkPolicy_default_deny_makes_the_namespace_default_deny_for_ingress() => Passes("NP-001", "calico-global-default-deny.yaml");

    [Fact]
    public void A_Calico_GlobalNetworkPolicy_default_deny_with_DNS_makes_the_namespace_default_deny_for_egress() => Passes("NP-002", "calico-global-default-deny.yaml");

    [Fact]
    public void An_Allow_in_an_earlier_tier_opens_a_hole_in_the_default_deny_and_NP_001_names_the_rule()
    {
        var f = Assert.Single(Fails("NP-001", "calico-allow-in-earlier-tier.yaml", "Namespace/shop"));
        Assert.Contains(f.EvidenceData, e => e.Kind == "Rule" && e.Subject == "GlobalNetworkPolicy security.allow-http ingress rule '#1'");
        Assert.Contains(f.EvidenceData, e => e.Kind == "Reachability" && e.Subject == "shop/web[Deployment]" && e.Detail.Contains("TCP 80", StringComparison.Ordinal));
        Assert.DoesNotContain(f.EvidenceData, e => e.Subject == "shop/api[Deployment]");
    }

    [Fact]
    public void A_Calico_rule_that_allows_without_source_fails_NP_005()
    {
        var f = Assert.Single(Fails("NP-005", "calico-allow-without-source.yaml", "NetworkPolicy/shop/open"));
        Assert.Contains(f.EvidenceData, e => e.Subject == "NetworkPolicy shop/open ingress rule '#2'");
        Assert.DoesNotContain(f.EvidenceData, e => e.Subject.EndsWith("'#1'", StringComparison.Ordinal));
    }

    [Fact]
    public void A_Calico_global_rule_that_allows_every_egress_fails_NP_006()
    {
        var f = Assert.Single(Fails("NP-006", "calico-global-allow-egress.yaml", "GlobalNetworkPolicy/egress-open"));
        Assert.Contains(f.EvidenceData, e => e.Subject == "GlobalNetworkPolicy egress-open egress rule '#1'");
    }

    [Fact]
    public void A_Calico_namespaceSelector_all_fails_NP_007()
    {
        var f = Assert.Single(Fails("NP-007", "calico-every-namespace.yaml", "NetworkPolicy/shop/metrics-from-any-namespace"));
        Assert.Contains("pods app == 'monitor' in every namespace", f.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void Calico_policy_objects_identify_Calico_as_the_CNI_when_calico_node_is_not_in_the_snapshot()
    {
        Passes("CNI-002", "calico-objects-only.yaml");
        var result = Audit(Read(FixturePath("CNI-002", "pass", "calico-objects-only.yaml")), new[] { "CNI-001", "CNI-002" });
        Assert.DoesNotContain(result.Findings, f => f.CheckId is "CNI-001" or "CNI-002");
    }
}
