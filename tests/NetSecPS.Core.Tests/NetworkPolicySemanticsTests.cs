namespace NetSecPS.Core.Tests;

public class NetworkPolicySemanticsTests
{
    [Fact]
    public void A_namespaceSelector_and_an_empty_podSelector_in_one_peer_admit_only_pods_of_the_matching_namespaces()
    {
        var f = new ConnectivityFixture("selectors/cluster.yaml", "selectors/same-peer.yaml");
        Assert.Equal("All Connections", f.Between("team-b/worker[Pod]", "data/store[Pod]"));
        Assert.Equal("No Connections", f.Between("data/cache[Pod]", "data/store[Pod]"));
        Assert.Equal("No Connections", f.Between("team-a/web[Pod]", "data/store[Pod]"));
    }

    [Fact]
    public void The_same_selectors_in_two_peers_also_admit_every_pod_of_the_policy_namespace()
    {
        var f = new ConnectivityFixture("selectors/cluster.yaml", "selectors/two-peers.yaml");
        Assert.Equal("All Connections", f.Between("team-b/worker[Pod]", "data/store[Pod]"));
        Assert.Equal("All Connections", f.Between("data/cache[Pod]", "data/store[Pod]"));
        Assert.Equal("No Connections", f.Between("team-a/web[Pod]", "data/store[Pod]"));
    }

    [Fact]
    public void Match_expressions_evaluate_In_NotIn_Exists_and_DoesNotExist()
    {
        var f = new ConnectivityFixture("selectors/cluster.yaml", "selectors/expressions.yaml");
        // team-a has the label team (Exists) and web is not a worker (NotIn).
        Assert.Equal("All Connections", f.Between("team-a/web[Pod]", "data/store[Pod]"));
        Assert.Equal("No Connections", f.Between("team-b/worker[Pod]", "data/store[Pod]"));
        // cache: same namespace, no tier label (DoesNotExist), app In (cache).
        Assert.Equal("All Connections", f.Between("data/cache[Pod]", "data/store[Pod]"));
        // The policy selects store (app In (store, vault)) and not cache.
        Assert.Equal("All Connections", f.Between("team-b/worker[Pod]", "data/cache[Pod]"));
    }

    [Fact]
    public void An_except_splits_an_allowed_range_in_two_while_another_policy_allows_part_of_the_excepted_range()
    {
        var f = new ConnectivityFixture("ipblock-except/cluster.yaml");
        Assert.Equal(new[]
        {
            "0.0.0.0-9.255.255.255", "10.0.0.0-10.0.255.255", "10.1.0.0-10.1.1.255", "10.1.2.0-10.1.2.255",
            "10.1.3.0-10.1.255.255", "10.2.0.0-10.255.255.255", "11.0.0.0-255.255.255.255",
        }, f.Engine.ExternalSourceRanges.Select(r => r.ToString()));
        Assert.Equal(new[]
        {
            "10.0.0.0-10.0.255.255[External] => edge/api[Deployment] : TCP 443",
            "10.1.2.0-10.1.2.255[External] => edge/api[Deployment] : TCP 8443",
            "10.2.0.0-10.255.255.255[External] => edge/api[Deployment] : TCP 443",
            "edge/api[Deployment] => 0.0.0.0-255.255.255.255[External] : All Connections",
        }, f.Lines.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_named_port_resolves_on_each_destination_pod_with_the_rule_protocol()
    {
        var f = new ConnectivityFixture("named-ports/cluster.yaml");
        Assert.Equal("TCP 8080", f.Between("shop/client[Deployment]", "shop/catalog[Deployment]"));
        // cart names http 9090; its port "dns" is UDP, so the ingress rule's TCP "dns" does not resolve.
        Assert.Equal("TCP 9090", f.Between("shop/client[Deployment]", "shop/cart[Deployment]"));
        Assert.Equal("No Connections", f.Between("shop/catalog[Deployment]", "shop/cart[Deployment]"));
        Assert.Equal("All Connections", f.Between("shop/cart[Deployment]", "shop/client[Deployment]"));
        Assert.Equal(f.Engine.Flows.Where(x => x.Source == "shop/client[Deployment]").Select(x => x.ToString()),
            f.Engine.FlowsFrom("shop/client[Deployment]").Select(x => x.ToString()));
        Assert.Equal(2, f.Engine.FlowsFrom("shop/client[Deployment]").Count);
        Assert.Empty(f.Engine.FlowsFrom("shop/nobody[Pod]"));
    }

    [Fact]
    public void Without_policyTypes_a_policy_with_egress_rules_isolates_both_directions()
    {
        var f = new ConnectivityFixture("semantics/cluster.yaml");
        Assert.Equal("UDP 53", f.Between("defaults/a[Pod]", "defaults/b[Pod]"));
        Assert.Equal("No Connections", f.Between("defaults/b[Pod]", "defaults/a[Pod]"));
        Assert.True(f.Engine.IsIsolated(f.Workload("defaults/a[Pod]"), TrafficDirection.Ingress));
        Assert.True(f.Engine.IsIsolated(f.Workload("defaults/a[Pod]"), TrafficDirection.Egress));
        Assert.False(f.Engine.IsIsolated(f.Workload("defaults/b[Pod]"), TrafficDirection.Ingress));
    }

    [Fact]
    public void An_empty_rule_admits_everything_and_an_empty_rule_list_admits_nothing()
    {
        var f = new ConnectivityFixture("semantics/cluster.yaml");
        Assert.Equal("All Connections", f.Between("rules/closed[Pod]", "rules/open[Pod]"));
        Assert.Equal("All Connections", f.Engine.FromInternet(f.Workload("rules/open[Pod]")).ToString());
        Assert.Equal("No Connections", f.Between("rules/open[Pod]", "rules/closed[Pod]"));
        Assert.True(f.Engine.FromArbitraryPod(f.Workload("rules/closed[Pod]")).IsEmpty);
    }

    [Fact]
    public void Ports_without_a_number_cover_the_protocol_endPort_makes_a_range_and_policies_add_up()
    {
        var f = new ConnectivityFixture("semantics/cluster.yaml");
        Assert.Equal("SCTP 1-65535,TCP 32000-32768", f.Between("rules/closed[Pod]", "rules/ranges[Pod]"));
        Assert.Equal("SCTP 1-65535,TCP 32000-32768,UDP 53", f.Between("rules/open[Pod]", "rules/ranges[Pod]"));
    }

    [Fact]
    public void Pods_with_the_same_namespace_labels_and_ports_share_one_class()
    {
        var f = new ConnectivityFixture("admin-layers/cluster.yaml");
        var client = f.Engine.ClassesOf(f.Workload("pass/client[Pod]")).Single();
        var client2 = f.Engine.ClassesOf(f.Workload("other/client2[Pod]")).Single();
        Assert.NotSame(client, client2);
        var g = new ConnectivityFixture("named-ports/cluster.yaml");
        // Three deployments with distinct labels: three classes, plus the arbitrary pod and the ingress controller.
        Assert.Equal(5, g.Engine.Classes.Count);
    }

    [Fact]
    public void Invalid_selectors_cidrs_and_actions_are_reported_with_the_policy_and_the_rest_still_counts()
    {
        var f = new ConnectivityFixture("invalid/cluster.yaml");
        var errors = f.Sink.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.Contains(errors, d => d.Code == "InvalidCidr" && d.Message.Contains("NetworkPolicy broken/db-mixed", StringComparison.Ordinal) && d.Message.Contains("10.0.0.0/33", StringComparison.Ordinal));
        Assert.Contains(errors, d => d.Code == "InvalidSelector" && d.Message.Contains("db-mixed", StringComparison.Ordinal) && d.Message.Contains("Equals", StringComparison.Ordinal));
        Assert.Contains(errors, d => d.Code == "InvalidSelector" && d.Message.Contains("bad-subject", StringComparison.Ordinal) && d.Message.Contains("policy is ignored", StringComparison.Ordinal));
        Assert.Contains(errors, d => d.Code == "InvalidRule" && d.Message.Contains("AdminNetworkPolicy bad-action", StringComparison.Ordinal) && d.Message.Contains("Perhaps", StringComparison.Ordinal));
        Assert.All(errors, d => Assert.EndsWith("cluster.yaml", d.File));
        // The valid peer of db-mixed still admits app on 5432; the ignored bad-subject policy isolates nothing.
        Assert.Equal("TCP 5432", f.Between("broken/app[Pod]", "broken/db[Pod]"));
        Assert.Equal("All Connections", f.Between("broken/db[Pod]", "broken/app[Pod]"));
    }
}
