namespace NetSecPS.Core.Tests;

public class ExplainTests
{
    [Fact]
    public void Denied_by_NetworkPolicy_isolation_names_the_isolating_policies_and_what_no_rule_admits()
    {
        var f = new ConnectivityFixture("named-ports/cluster.yaml");
        var v = f.Test("shop/catalog", "shop/cart", 9090);
        Assert.False(v.Allowed);
        Assert.Equal(PolicyLayer.Cni, v.Layer);
        Assert.Equal("NetworkPolicy", v.Tier);
        Assert.Equal("NetworkPolicy", v.PolicyKind);
        Assert.Null(v.Action);
        Assert.Equal("shop/backends-http-from-client", v.Policy);
        Assert.Equal("denied: pod shop/cart[Deployment] is isolated for ingress by shop/backends-http-from-client; " +
            "no ingress rule of shop/backends-http-from-client admits shop/catalog[Deployment] on TCP 9090", v.Explanation);
    }

    [Fact]
    public void Allowed_by_a_NetworkPolicy_rule_names_the_rule_its_peers_and_ports()
    {
        var f = new ConnectivityFixture("named-ports/cluster.yaml");
        var v = f.Test("shop/client", "shop/cart", 9090);
        Assert.True(v.Allowed);
        Assert.Equal("NetworkPolicy", v.PolicyKind);
        Assert.Equal(RuleAction.Allow, v.Action);
        Assert.Equal("shop/backends-http-from-client", v.Policy);
        Assert.Equal("ingress rule #1", v.Rule);
        Assert.Equal(2, v.Decisions.Count);
        Assert.All(v.Decisions, d => Assert.True(d.Allowed));
        Assert.Contains("ingress rule #1 of NetworkPolicy shop/backends-http-from-client admits shop/client[Deployment] on TCP 9090", v.Explanation, StringComparison.Ordinal);
        Assert.Contains("egress rule #1 of NetworkPolicy shop/client-egress-http", v.Explanation, StringComparison.Ordinal);
        Assert.Equal(2, v.Steps.Count);
    }

    [Fact]
    public void Allowed_because_no_policy_restricts_either_side()
    {
        var f = new ConnectivityFixture("named-ports/cluster.yaml");
        var v = f.Test("shop/cart", "shop/client", 22);
        Assert.True(v.Allowed);
        Assert.Null(v.Tier);
        Assert.Null(v.PolicyKind);
        Assert.Null(v.Policy);
        Assert.Equal("allowed: no policy restricts egress of shop/cart[Deployment] or ingress of shop/client[Deployment]", v.Explanation);
    }

    [Fact]
    public void Denied_and_allowed_by_admin_policy_rules_in_priority_and_rule_order()
    {
        var f = new ConnectivityFixture("admin-layers/priorities.yaml");
        var denied = f.Test("other/client", "prio/server", 53, "UDP");
        Assert.False(denied.Allowed);
        Assert.Equal("AdminNetworkPolicy", denied.PolicyKind);
        Assert.Equal("Admin", denied.Tier);
        Assert.Equal(RuleAction.Deny, denied.Action);
        Assert.Equal("ordered-rules", denied.Policy);
        Assert.Equal("deny-udp", denied.Rule);
        Assert.Contains("AdminNetworkPolicy ordered-rules (Admin tier, priority 5) ingress rule \"deny-udp\" (Deny) denies other/client[Pod] on UDP 53", denied.Explanation, StringComparison.Ordinal);

        var allowed = f.Test("other/client", "prio/server", 443);
        Assert.True(allowed.Allowed);
        Assert.Equal("allow-https", allowed.Rule);

        var later = f.Test("other/client", "prio/server", 9, "SCTP");
        Assert.True(later.Allowed);
        Assert.Equal("allow-all-late", later.Policy);
    }

    [Fact]
    public void Passed_traffic_is_explained_through_to_the_baseline_deny()
    {
        var f = new ConnectivityFixture("admin-layers/cluster.yaml");
        var v = f.Test("other/client2", "pass/server2", 80);
        Assert.False(v.Allowed);
        Assert.Equal("BaselineAdminNetworkPolicy", v.PolicyKind);
        Assert.Equal("Baseline", v.Tier);
        Assert.Equal("default", v.Policy);
        Assert.Equal("deny-other", v.Rule);
        Assert.Contains(v.Steps, s => s.Contains("pass-everything", StringComparison.Ordinal) && s.Contains("passes", StringComparison.Ordinal));
        Assert.Contains(v.Steps, s => s.Contains("no NetworkPolicy isolates pass/server2[Pod]", StringComparison.Ordinal));

        var np = f.Test("pass/client", "pass/server", 81);
        Assert.False(np.Allowed);
        Assert.Equal("NetworkPolicy", np.PolicyKind);
        Assert.Equal("pass/server-from-client", np.Policy);
    }

    [Fact]
    public void Host_network_and_exposure_verdicts_say_why()
    {
        var h = new ConnectivityFixture("hostnetwork/cluster.yaml");
        var v = h.Test("infra/web", "infra/agent", 10250);
        Assert.True(v.Allowed);
        Assert.Null(v.PolicyKind);
        Assert.Contains("uses the host network", v.Explanation, StringComparison.Ordinal);
        var asPeer = h.Test("infra/agent", "infra/web", 80);
        Assert.False(asPeer.Allowed);
        Assert.Contains("only ipBlocks holding its node address 192.168.1.10", asPeer.Explanation, StringComparison.Ordinal);

        var e = new ConnectivityFixture("exposure/cluster.yaml");
        var notExposed = e.Test("{ingress-controller}", "front/web", 9000);
        Assert.False(notExposed.Allowed);
        Assert.Equal(PolicyLayer.Exposure, notExposed.Layer);
        Assert.Equal("denied: no Ingress, Route or Gateway API route exposes front/web[Deployment] on TCP 9000", notExposed.Explanation);
        var exposed = e.Test("{ingress-controller}", "front/web", 8080);
        Assert.True(exposed.Allowed);
        Assert.Contains(exposed.Steps, s => s.Contains("Ingress front/web (service web)", StringComparison.Ordinal));
    }

    [Fact]
    public void External_addresses_are_tested_against_ipBlocks()
    {
        var f = new ConnectivityFixture("ipblock-except/cluster.yaml");
        Assert.True(f.Test("10.0.0.7", "edge/api", 443).Allowed);
        var v = f.Test("10.1.0.7", "edge/api", 443);
        Assert.False(v.Allowed);
        Assert.Contains("10.1.0.7", v.Explanation, StringComparison.Ordinal);
        Assert.True(f.Test("10.1.2.7", "edge/api", 8443).Allowed);
    }

    [Theory]
    [InlineData("named-ports/cluster.yaml")]
    [InlineData("admin-layers/cluster.yaml")]
    [InlineData("admin-layers/priorities.yaml")]
    [InlineData("hostnetwork/cluster.yaml")]
    [InlineData("semantics/cluster.yaml")]
    [InlineData("selectors/cluster.yaml", "selectors/expressions.yaml")]
    public void Every_verdict_agrees_with_the_computed_connections(params string[] files)
    {
        var f = new ConnectivityFixture(files);
        var probes = new[] { ("TCP", 80), ("TCP", 443), ("UDP", 53), ("TCP", 8080), ("TCP", 9090), ("SCTP", 9), ("UDP", 5353), ("TCP", 32000) };
        foreach (var from in f.Model.Workloads)
        {
            foreach (var to in f.Model.Workloads)
            {
                var conns = f.Engine.Between(from, to);
                foreach (var (protocol, port) in probes)
                {
                    var v = f.Engine.Test(f.Engine.ResolveEndpoint(from.Peer), f.Engine.ResolveEndpoint(to.Peer), protocol, port);
                    Assert.True(conns.Contains(protocol, port) == v.Allowed, $"{from.Peer} -> {to.Peer} {protocol} {port}: flows say {conns}, verdict says {v.Explanation}");
                }
            }
        }
    }

    [Fact]
    public void Unknown_and_ambiguous_peers_are_refused_with_a_reason()
    {
        var f = new ConnectivityFixture("named-ports/cluster.yaml");
        var ex = Assert.Throws<ArgumentException>(() => f.Engine.ResolveEndpoint("shop/nothing"));
        Assert.Contains("shop/nothing", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => f.Engine.ResolveEndpoint("catalog"));
        Assert.Equal("shop/catalog[Deployment]", f.Engine.ResolveEndpoint("shop/catalog[Deployment]").Name);
        Assert.True(f.Engine.ResolveEndpoint("{ingress-controller}").IsIngressController);
    }
}
