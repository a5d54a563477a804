namespace NetSecPS.Core.Tests;

/// <summary>
/// AuthorizationPolicy targetRefs (a Gateway's pods; a Service target is a waypoint's, not
/// evaluated), ipBlocks with notIpBlocks for external callers, notPrincipals, and when conditions: an HTTP-only
/// key makes an ALLOW rule L7-restricted, a key that is not evaluated leaves a DENY refusing no
/// connection and is reported. Fixture (written from the Istio documentation it cites):
/// istio/targets-and-conditions.yaml.
/// </summary>
public class IstioTargetsAndConditionsTests
{
    private static readonly Lazy<ConnectivityFixture> Fixture = new(() => new ConnectivityFixture("istio/targets-and-conditions.yaml"));

    private static ConnectivityFixture F => Fixture.Value;

    [Fact]
    public void A_policy_targeting_a_gateway_denies_the_blocks_it_names_except_its_not_ip_blocks()
    {
        var denied = F.Test("203.0.113.7", "edge/public-istio", 8080);
        Assert.False(denied.Allowed);
        Assert.Equal(PolicyLayer.Mesh, denied.Layer);
        Assert.Equal("DENY", denied.Tier);
        Assert.Equal("edge/gateway-deny-range", denied.Policy);
        Assert.True(F.Test("203.0.113.200", "edge/public-istio", 8080).Allowed);
        Assert.True(F.Test("198.51.100.1", "edge/public-istio", 8080).Allowed);

        // The Gateway's policy does not apply to the other workloads of its namespace.
        Assert.DoesNotContain(F.Test("203.0.113.7", "edge/app", 8080).Decisions, d => d.Policy == "edge/gateway-deny-range");
    }

    [Fact]
    public void A_policy_targeting_a_service_is_a_waypoints_and_reported_as_not_evaluated()
    {
        Assert.Contains(F.Engine.Undecided, u => u.Contains("AuthorizationPolicy edge/app-waypoint targets Service app", StringComparison.Ordinal) && u.Contains("not evaluated", StringComparison.Ordinal));
        Assert.True(F.Test("edge/client", "edge/app", 8080).Allowed);
    }

    [Fact]
    public void A_policy_targeting_a_gateway_class_is_reported_as_not_evaluated_for_every_gateway_of_the_class()
    {
        Assert.Contains(F.Engine.Undecided, u => u.Contains("AuthorizationPolicy istio-system/every-istio-gateway targets GatewayClass istio: every Gateway of that class, which is not evaluated", StringComparison.Ordinal));
        Assert.True(F.Test("198.51.100.1", "edge/public-istio", 8080).Allowed);
    }

    [Fact]
    public void An_http_when_condition_restricts_the_allow_at_l7_and_an_unevaluated_one_leaves_the_deny_undecided()
    {
        var flow = Assert.Single(F.Engine.Flows, f => f.Source == "edge/client[Deployment]" && f.Destination == "edge/app[Deployment]");
        Assert.Equal("TCP 1-65535", flow.L7Restricted);

        var v = F.Test("edge/client", "edge/app", 8080);
        Assert.True(v.Allowed);
        Assert.Contains(v.Undecided, u => u.Contains("admits only requests with when request.headers[x-team] in blue", StringComparison.Ordinal));
        Assert.Contains(v.Undecided, u => u.Contains("denies requests with when connection.sni in *.internal.example.com (not evaluated); the connection itself is allowed", StringComparison.Ordinal));
        Assert.DoesNotContain(v.Decisions, d => d.Policy == "edge/app-deny-sni");

        // Without a sidecar a caller has no principal: the ALLOW policy admits it on no TCP port.
        Assert.False(F.Test("203.0.113.7", "edge/app", 8080).Allowed);
    }

    [Fact]
    public void Not_principals_matches_every_other_identity_and_every_caller_without_one()
    {
        Assert.True(F.Test("edge/app", "edge/client", 8080).Allowed);
        var meshed = F.Test("edge/public-istio", "edge/client", 8080);
        Assert.False(meshed.Allowed);
        Assert.Equal("edge/client-deny-strangers", meshed.Policy);
        var external = F.Test("198.51.100.1", "edge/client", 8080);
        Assert.False(external.Allowed);
        Assert.Equal("edge/client-deny-strangers", external.Policy);
    }
}
