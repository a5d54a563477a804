using System.Net;
using NetSecPS.Core.Connectivity;

namespace NetSecPS.Core.Tests.Calico;

/// <summary>
/// Calico tiers and <c>defaultAction: Pass</c>, which the NCA data does not cover: the fixture
/// calico/tiers.yaml is written from the Calico documentation it cites (tiered-policy page, Tier
/// reference, v3 API). The flows, the explainer and the crd.projectcalico.org/v1 form all give
/// the documented verdicts.
/// </summary>
public class CalicoTierTests
{
    private static ConnectivityFixture Tiers() => new("calico/tiers.yaml");

    [Theory]
    [InlineData(22, false, "security", "security.deny-ssh", "#2", RuleAction.Deny)]
    [InlineData(8443, true, "security", "security.a-allow-8443", "#1", RuleAction.Allow)]
    [InlineData(9100, true, "security", "security.metrics", "#1", RuleAction.Allow)]
    [InlineData(80, true, "default", "prod/api-from-client", "ingress rule #1", RuleAction.Allow)]
    [InlineData(8080, false, "default", "prod/deny-client-8080", "#1", RuleAction.Deny)]
    [InlineData(81, true, "default", "prod/allow-client-81", "#1", RuleAction.Allow)]
    public void Tiers_policies_and_rules_decide_in_Calicos_order(int port, bool allowed, string tier, string policy, string rule, RuleAction action)
    {
        var v = Tiers().Test("prod/client", "prod/api", port);
        Assert.Equal(allowed, v.Allowed);
        Assert.Equal(tier, v.Tier);
        Assert.Equal(policy, v.Policy);
        Assert.Equal(rule, v.Rule);
        Assert.Equal(action, v.Action);
    }

    [Fact]
    public void What_no_policy_of_the_default_tier_allows_is_denied_at_the_end_of_the_tier()
    {
        var v = Tiers().Test("prod/client", "prod/api", 82);
        Assert.False(v.Allowed);
        Assert.Equal("default", v.Tier);
        Assert.Null(v.Action);
        Assert.Contains("the tier's default action denies it", v.Explanation, StringComparison.Ordinal);
        Assert.Equal("TCP 80-81,8443,9100", Tiers().Between("prod/client[Pod]", "prod/api[Pod]"));
    }

    [Fact]
    public void A_tier_with_defaultAction_Pass_hands_what_its_policies_leave_to_the_next_tier()
    {
        var f = Tiers();
        // devops.api-monitor selects the API and allows only the monitor on 9090 ...
        Assert.True(f.Test("ops/monitor", "prod/api", 9090).Allowed);
        // ... the client's TCP 80 passes to the default tier, where the Kubernetes NetworkPolicy allows it,
        var passed = f.Test("prod/client", "prod/api", 80);
        Assert.True(passed.Allowed);
        Assert.Contains(passed.Steps, s => s.Contains("devops", StringComparison.Ordinal) && s.Contains("devops.api-monitor", StringComparison.Ordinal));
        // ... and the monitor's TCP 80, which no policy of the default tier allows, is denied there.
        var denied = f.Test("ops/monitor", "prod/api", 80);
        Assert.False(denied.Allowed);
        Assert.Equal("default", denied.Tier);
    }

    [Fact]
    public void A_tier_with_the_implicit_default_deny_denies_what_its_policies_leave()
    {
        var f = Tiers();
        Assert.True(f.Test("prod/admin", "prod/db", 5432).Allowed);
        // The Kubernetes NetworkPolicy of the default tier would allow the client; the platform tier ends in a deny first.
        var v = f.Test("prod/client", "prod/db", 5432);
        Assert.False(v.Allowed);
        Assert.Equal("platform", v.Tier);
        Assert.Equal("platform.db-admin", v.Policy);
        Assert.Contains("the tier's default action denies it", v.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_Pass_out_of_the_last_tier_that_applies_is_allowed_by_the_profiles()
    {
        var f = Tiers();
        var v = f.Test("stage/worker", "stage/web", 80);
        Assert.True(v.Allowed);
        Assert.Equal(RuleAction.Pass, v.Action);
        Assert.Contains("passed by GlobalNetworkPolicy devops.stage-env", v.Explanation, StringComparison.Ordinal);
        // SSH is still denied by the security tier; everything else passes through.
        Assert.Equal("SCTP 1-65535,TCP 1-21,23-65535,UDP 1-65535", f.Between("stage/worker[Pod]", "stage/web[Pod]"));
    }

    [Fact]
    public void The_stage_policy_of_the_documentation_isolates_stage_from_other_endpoints_but_not_from_addresses()
    {
        var f = Tiers();
        var ingress = f.Test("prod/client", "stage/web", 80);
        Assert.False(ingress.Allowed);
        Assert.Equal(("devops", "devops.stage-env", RuleAction.Deny), (ingress.Tier!, ingress.Policy!, ingress.Action!.Value));
        Assert.False(f.Test("stage/web", "prod/api", 80).Allowed);

        // "env != 'stage'" is a selector: it matches endpoints (those without env too), never an address.
        Assert.True(f.Engine.ToAddress(f.Workload("stage/web[Pod]"), IPAddress.Parse("8.8.8.8")).IsAll);

        // The security tier runs first: what it allows, the devops tier never sees.
        Assert.Equal("TCP 8443,9100", f.Between("ops/monitor[Pod]", "stage/web[Pod]"));
    }

    [Fact]
    public void A_tier_that_no_policy_applies_to_is_skipped()
    {
        // The monitor is selected only by the security tier's policies, which pass what they do not decide.
        var f = Tiers();
        Assert.True(f.Engine.IsIsolated(f.Workload("ops/monitor[Pod]"), TrafficDirection.Ingress));
        Assert.Equal("SCTP 1-65535,TCP 1-21,23-65535,UDP 1-65535", f.Between("prod/client[Pod]", "ops/monitor[Pod]"));
    }

    [Fact]
    public void Kubernetes_NetworkPolicy_joins_Calicos_default_tier_and_the_tiers_run_in_order()
    {
        var f = Tiers();
        IConnectivityQuery q = f.Engine;
        var tiers = q.Policies.Tiers.Select(t => (t.Name, t.Order)).ToList();
        Assert.Equal(new[] { ("security", 100d), ("platform", 200d), ("devops", 300d), ("default", 1_000_000d) }, tiers);
        var defaultTier = q.Policies.Tiers.Single(t => t.Name == "default");
        Assert.Equal(new[] { "NetworkPolicy prod/deny-client-8080", "NetworkPolicy prod/api-from-client", "NetworkPolicy prod/db-from-client", "NetworkPolicy prod/allow-client-81" },
            defaultTier.Policies.Select(p => p.ToString()));
        Assert.Equal(new double?[] { 500, 1000, 1000, null }, defaultTier.Policies.Select(p => p.Order));
        var security = q.Policies.Tiers.Single(t => t.Name == "security");
        Assert.Equal(new[] { "security.metrics", "security.a-allow-8443", "security.b-deny-8443", "security.deny-ssh", "security.z-no-order" },
            security.Policies.Select(p => p.Name));
        Assert.DoesNotContain(f.Sink.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
    }

    [Fact]
    public void The_same_policies_read_from_crd_projectcalico_org_give_the_same_flows()
    {
        Assert.Equal(Tiers().Lines, new ConnectivityFixture("calico/tiers-crd.yaml").Lines);
    }

    [Fact]
    public void A_policy_present_in_both_API_groups_is_read_once()
    {
        var both = new ConnectivityFixture("calico/tiers.yaml", "calico/tiers-crd.yaml");
        Assert.Equal(Tiers().Lines, both.Lines);
        IConnectivityQuery q = both.Engine;
        Assert.Equal(10, q.Policies.Policies.Count(p => p.Source.Group is "projectcalico.org" or "crd.projectcalico.org"));
        Assert.All(q.Policies.Policies.Where(p => p.Source.Group.Contains("projectcalico", StringComparison.Ordinal)), p => Assert.Equal("projectcalico.org", p.Source.Group));
        Assert.Contains(both.Sink.Verbose, m => m.Contains("GlobalNetworkPolicy security.deny-ssh is present in both", StringComparison.Ordinal));
    }
}
