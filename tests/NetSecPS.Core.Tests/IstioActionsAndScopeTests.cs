namespace NetSecPS.Core.Tests;

/// <summary>
/// CUSTOM (not decidable: reported), AUDIT (no effect) and the scope of a policy in the root
/// namespace. Fixture (written from the Istio documentation it cites): istio/custom-audit-scope.yaml.
/// </summary>
public class IstioActionsAndScopeTests
{
    private static readonly Lazy<ConnectivityFixture> Fixture = new(() => new ConnectivityFixture("istio/custom-audit-scope.yaml"));

    private static ConnectivityFixture F => Fixture.Value;

    [Fact]
    public void A_root_namespace_policy_with_a_selector_applies_in_every_namespace_and_allowing_nothing_denies_all_tcp()
    {
        Assert.Equal("SCTP 1-65535,UDP 1-65535", F.Between("baz/store[Deployment]", "baz/reports[Deployment]"));
        Assert.Equal("All Connections", F.Between("baz/reports[Deployment]", "baz/store[Deployment]"));
        var v = F.Test("baz/store", "baz/reports", 8080);
        Assert.False(v.Allowed);
        Assert.Equal("ALLOW", v.Tier);
        Assert.Equal("istio-system/allow-nothing-v1", v.Policy);
        Assert.Contains("AuthorizationPolicy istio-system/allow-nothing-v1 (ALLOW) applies to baz/reports[Deployment] and no rule: it allows nothing", v.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void An_allow_policy_of_the_workload_adds_to_the_root_namespace_policy()
    {
        Assert.Equal("All Connections", F.Between("foo/curl[Deployment]", "foo/httpbin[Deployment]"));
        Assert.Equal("SCTP 1-65535,UDP 1-65535", F.Between("baz/store[Deployment]", "foo/httpbin[Deployment]"));
    }

    [Fact]
    public void A_custom_policy_is_reported_as_not_decidable_and_an_audit_policy_changes_nothing()
    {
        var v = F.Test("foo/curl", "foo/httpbin", 8000);
        Assert.True(v.Allowed);
        Assert.Contains(v.Undecided, u => u.Contains("CUSTOM action: the external authorizer sample-ext-authz-http decides", StringComparison.Ordinal));
        Assert.Contains(F.Engine.Undecided, u => u.Contains("AuthorizationPolicy foo/ext-authz (CUSTOM, provider sample-ext-authz-http)", StringComparison.Ordinal));
        Assert.DoesNotContain(v.Decisions, d => d.Tier is "AUDIT" or "CUSTOM");
        Assert.Contains(v.Decisions, d => d.Layer == PolicyLayer.Mesh && d.Tier == "ALLOW" && d.Policy == "foo/httpbin-from-curl");
    }
}
