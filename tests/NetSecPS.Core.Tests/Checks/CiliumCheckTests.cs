using static NetSecPS.Core.Tests.Checks.CheckHarness;

namespace NetSecPS.Core.Tests.Checks;

/// <summary>
/// The checks on clusters segmented with Cilium's own policies: a cluster-wide default deny
/// counts as default deny, the world and all entities are what they open, and a policy that turns
/// default deny off does not isolate.
/// </summary>
public class CiliumCheckTests
{
    [Fact]
    public void A_cluster_wide_cilium_default_deny_passes_NP_001_and_NP_002_without_any_network_policy()
    {
        Passes("NP-001", "cilium-clusterwide-default-deny.yaml");
        Passes("NP-002", "cilium-clusterwide-default-deny.yaml");
    }

    [Fact]
    public void The_all_entity_admits_arbitrary_peers_and_fails_NP_001_naming_the_rule()
    {
        var f = Assert.Single(Fails("NP-001", "cilium-from-entities-all.yaml", "Namespace/shop"));
        Assert.Contains("1 of 1 workload(s) accept ingress from an arbitrary peer: shop/api[Deployment]", f.Evidence, StringComparison.Ordinal);
        var rule = Assert.Single(f.EvidenceData, e => e.Kind == "Rule");
        Assert.Equal("CiliumNetworkPolicy shop/api-open ingress rule 'ingress[0]'", rule.Subject);
        Assert.Contains("entity world (0.0.0.0/0)", rule.Detail, StringComparison.Ordinal);
        Assert.Contains("from the internet: TCP 8080", f.EvidenceData.Single(e => e.Kind == "Reachability").Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void World_entity_egress_fails_NP_002_and_NP_008_with_a_remediation_in_cilium_terms()
    {
        Assert.Single(Fails("NP-002", "cilium-to-entities-world.yaml", "Namespace/batch"));
        var f = Assert.Single(Fails("NP-008", "cilium-to-entities-world.yaml", "CiliumNetworkPolicy/batch/worker-egress"));
        Assert.Contains("entity world (0.0.0.0/0), TCP 443; not excepted: 10.0.0.0/8", f.Evidence, StringComparison.Ordinal);
        Assert.Contains("Replace the world (or all) entity with toCIDRSet", f.Remediation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cidr_set_that_excepts_the_internal_ranges_passes_NP_008() => Passes("NP-008", "cilium-cidrset-excepting-internal.yaml");

    [Fact]
    public void A_cilium_policy_with_an_ingress_section_isolates_and_passes_NP_003() => Passes("NP-003", "cilium-policy-isolates.yaml");

    [Fact]
    public void A_cilium_policy_that_turns_default_deny_off_does_not_isolate_and_fails_NP_003() =>
        Fails("NP-003", "cilium-default-deny-disabled.yaml", "Deployment/shop/api");
}
