using System.Net;

namespace NetSecPS.Core.Tests.Calico;

/// <summary>The criteria of Calico rules on calico/rules.yaml, each as the Calico policy reference states it.</summary>
public class CalicoRuleTests
{
    private static ConnectivityFixture Rules() => new("calico/rules.yaml");

    [Theory]
    [InlineData("203.0.113.5", "ICMP 8/0,TCP 80,443")]
    [InlineData("198.51.100.10", "ICMP 8/0,TCP 80,8443")]
    [InlineData("8.8.8.8", "ICMP 8/0,TCP 80")]
    [InlineData("10.1.2.3", "ICMP 8/0")]
    public void Network_sets_nets_notNets_and_ICMP_type_and_code_decide_egress_to_addresses(string address, string connections)
    {
        var f = Rules();
        Assert.Equal(connections, f.Engine.ToAddress(f.Workload("apps/frontend[Pod]"), IPAddress.Parse(address)).ToString());
    }

    [Fact]
    public void The_flow_list_names_the_ranges_the_rules_cut_and_lists_ICMP_where_a_rule_names_it()
    {
        var lines = Rules().Lines;
        Assert.Contains("apps/frontend[Pod] => 203.0.113.0-203.0.113.255[External] : ICMP 8/0,TCP 80,443", lines);
        Assert.Contains("apps/frontend[Pod] => 172.16.0.0-172.31.255.255[External] : ICMP 8/0", lines);
        Assert.Contains("tools/toolbox[Pod] => apps/backend[Pod] : ICMP,ICMPv6,TCP 1-9089,9091-65535,UDP 1-65535,other protocols", lines);
    }

    [Fact]
    public void Named_ports_port_ranges_and_notPorts_resolve_on_the_destination()
    {
        // Egress allows the backend's http (8080) and 9000:9002; its ingress allows TCP but metrics (9090) and 1:1023.
        Assert.Equal("TCP 8080,9000-9002", Rules().Between("apps/frontend[Pod]", "apps/backend[Pod]"));
        var f = Rules();
        Assert.False(f.Test("apps/frontend", "apps/backend", 9090).Allowed);
    }

    [Fact]
    public void Service_account_names_tell_apart_pods_of_equal_labels()
    {
        var f = Rules();
        Assert.Equal("No Connections", f.Between("apps/frontend-legacy[Pod]", "apps/backend[Pod]"));
        Assert.NotEqual(f.Engine.ClassesOf(f.Workload("apps/frontend[Pod]"))[0].Index, f.Engine.ClassesOf(f.Workload("apps/frontend-legacy[Pod]"))[0].Index);
        Assert.True(f.Test("apps/frontend", "apps/backend", 8080).Allowed);
        Assert.False(f.Test("apps/frontend-legacy", "apps/backend", 8080).Allowed);
    }

    [Fact]
    public void Service_account_selectors_read_the_service_accounts_labels_in_rules_and_policies()
    {
        var f = Rules();
        // backend-ingress rule 3: service accounts labelled admin, every namespace, all but SCTP;
        // admin-accounts (serviceAccountSelector role == 'admin') denies the toolbox TCP 9090 first.
        var denied = f.Test("tools/toolbox", "apps/backend", 9090);
        Assert.False(denied.Allowed);
        Assert.Equal(("default", "admin-accounts", "#1", RuleAction.Deny), (denied.Tier!, denied.Policy!, denied.Rule!, denied.Action!.Value));
        Assert.True(f.Test("tools/toolbox", "apps/backend", 53, "UDP").Allowed);
        Assert.False(f.Test("tools/toolbox", "apps/backend", 53, "SCTP").Allowed);
    }

    [Fact]
    public void A_protocol_given_by_number_is_that_protocol()
    {
        var f = Rules();
        // protocol: 17 on the named port dns (UDP 5353) for the web service account.
        var ingress = f.Test("apps/frontend", "apps/backend", 5353, "UDP").Decisions.Single(d => d.Direction == TrafficDirection.Ingress);
        Assert.True(ingress.Allowed);
        Assert.Equal("#2", ingress.Rule);
        Assert.DoesNotContain(f.Sink.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
    }
}
