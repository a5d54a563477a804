using System.Net;
using NetSecPS.Core.Connectivity;

namespace NetSecPS.Core.Tests;

public class AdminPolicyAndHostNetworkTests
{
    [Fact]
    public void Traffic_an_admin_policy_passes_is_decided_by_NetworkPolicy_where_one_isolates_the_pod()
    {
        var f = new ConnectivityFixture("admin-layers/cluster.yaml");
        Assert.Equal("TCP 80", f.Between("pass/client[Pod]", "pass/server[Pod]"));
        Assert.Equal("No Connections", f.Between("other/client2[Pod]", "pass/server[Pod]"));
    }

    [Fact]
    public void Traffic_an_admin_policy_passes_falls_to_the_baseline_where_no_NetworkPolicy_isolates_the_pod()
    {
        var f = new ConnectivityFixture("admin-layers/cluster.yaml");
        Assert.Equal("All Connections", f.Between("pass/client[Pod]", "pass/server2[Pod]"));
        Assert.Equal("No Connections", f.Between("other/client2[Pod]", "pass/server2[Pod]"));
        // The baseline does not select namespace other: its pods keep the default.
        Assert.Equal("All Connections", f.Between("pass/server2[Pod]", "other/client2[Pod]"));
    }

    [Fact]
    public void Lower_priority_numbers_and_earlier_rules_take_precedence()
    {
        var f = new ConnectivityFixture("admin-layers/priorities.yaml");
        // ordered-rules (priority 5): UDP denied, TCP 443 allowed before all TCP is denied;
        // allow-all-late (priority 20) only decides what is left: SCTP.
        Assert.Equal("SCTP 1-65535,TCP 443", f.Between("other/client[Pod]", "prio/server[Pod]"));
        Assert.Contains(f.Sink.Diagnostics, d => d.Code == "UnsupportedPeer" && d.Severity == DiagnosticSeverity.Warning && d.Message.Contains("ordered-rules", StringComparison.Ordinal));
        Assert.DoesNotContain(f.Sink.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
    }

    [Fact]
    public void An_admin_policy_network_peer_denies_one_address_and_cuts_the_destinations()
    {
        var f = new ConnectivityFixture("admin-layers/priorities.yaml");
        var server = f.Workload("prio/server[Pod]");
        Assert.True(f.Engine.ToAddress(server, IPAddress.Parse("169.254.169.254")).IsEmpty);
        Assert.True(f.Engine.ToAddress(server, IPAddress.Parse("169.254.169.253")).IsAll);
        Assert.Contains("169.254.169.254-169.254.169.254", f.Engine.ExternalDestinationRanges.Select(r => r.ToString()));
        Assert.DoesNotContain(f.Lines, l => l.StartsWith("prio/server[Pod] => 169.254.169.254-169.254.169.254", StringComparison.Ordinal));
        Assert.Contains("prio/server[Pod] => 169.254.169.255-255.255.255.255[External] : All Connections", f.Lines);
    }

    [Fact]
    public void Host_network_pods_are_not_selected_by_policies_and_count_as_their_node_address()
    {
        var f = new ConnectivityFixture("hostnetwork/cluster.yaml");
        var agent = f.Workload("infra/agent[DaemonSet]");
        Assert.False(f.Engine.IsIsolated(agent, TrafficDirection.Ingress));
        // The default deny of infra does not apply to the host-network agent.
        Assert.Equal("All Connections", f.Between("infra/web[Pod]", "infra/agent[DaemonSet]"));
        // As a peer the agent is node 192.168.1.10: a podSelector does not match it, an ipBlock does.
        Assert.Equal("No Connections", f.Between("infra/agent[DaemonSet]", "infra/web[Pod]"));
        Assert.Equal("All Connections", f.Between("infra/agent[DaemonSet]", "infra/api[Pod]"));
    }

    [Fact]
    public void With_netpol_analyzer_semantics_host_network_pods_are_evaluated_like_other_pods()
    {
        var f = new ConnectivityFixture(ConnectivityOptions.NetpolAnalyzerCompatible, "hostnetwork/cluster.yaml");
        Assert.True(f.Engine.IsIsolated(f.Workload("infra/agent[DaemonSet]"), TrafficDirection.Ingress));
        Assert.Equal("No Connections", f.Between("infra/web[Pod]", "infra/agent[DaemonSet]"));
        Assert.Equal("All Connections", f.Between("infra/agent[DaemonSet]", "infra/web[Pod]"));
        Assert.Equal("No Connections", f.Between("infra/agent[DaemonSet]", "infra/api[Pod]"));
    }

    [Fact]
    public void Ingress_Route_and_Gateway_routes_expose_their_backends_to_the_ingress_controller_on_resolved_ports()
    {
        var f = new ConnectivityFixture("exposure/cluster.yaml");
        var fromController = f.Lines.Where(l => l.StartsWith("{ingress-controller}", StringComparison.Ordinal)).ToList();
        Assert.Equal(new[]
        {
            "{ingress-controller} => front/api[Deployment] : TCP 7000",
            "{ingress-controller} => front/dns[Deployment] : TCP 8053,UDP 53",
            "{ingress-controller} => front/web[Deployment] : TCP 8080",
        }, fromController);
        Assert.Equal("TCP 8080", f.Engine.FromIngressController(f.Workload("front/web[Deployment]")).ToString());
        Assert.Contains(f.Engine.ExposureOf(f.Workload("front/dns[Deployment]")), e => e.Kind == "UDPRoute" && e.Name == "dns");
    }

    [Fact]
    public void The_arbitrary_peer_is_an_unlabelled_pod_of_an_unknown_namespace_or_an_address_outside_every_non_zero_cidr()
    {
        var f = new ConnectivityFixture("exposure/cluster.yaml");
        var web = f.Workload("front/web[Deployment]");
        // namespaceSelector {} matches namespaces outside the snapshot too; no ipBlock admits the internet.
        Assert.Equal("TCP 8080", f.Engine.FromArbitraryPod(web).ToString());
        Assert.True(f.Engine.FromInternet(web).IsEmpty);
        Assert.True(f.Engine.ToInternet(web).IsAll);

        var g = new ConnectivityFixture("ipblock-except/cluster.yaml");
        var api = g.Workload("edge/api[Deployment]");
        Assert.True(g.Engine.FromInternet(api).IsEmpty, "10.0.0.0/8 is not the open internet");
        Assert.True(g.Engine.FromArbitraryPod(api).IsEmpty);
    }

    [Fact]
    public void The_policies_that_govern_a_workload_are_listed_per_direction_in_evaluation_order()
    {
        var f = new ConnectivityFixture("admin-layers/cluster.yaml");
        Assert.Equal(new[] { "AdminNetworkPolicy pass-everything", "NetworkPolicy pass/server-from-client" },
            f.Engine.PoliciesApplyingTo(f.Workload("pass/server[Pod]"), TrafficDirection.Ingress));
        Assert.Equal(new[] { "AdminNetworkPolicy pass-everything", "BaselineAdminNetworkPolicy default" },
            f.Engine.PoliciesApplyingTo(f.Workload("pass/server2[Pod]"), TrafficDirection.Ingress));
        Assert.Empty(f.Engine.PoliciesApplyingTo(f.Workload("pass/server[Pod]"), TrafficDirection.Egress));
    }

    [Fact]
    public void An_ingress_controller_found_in_the_snapshot_connects_as_its_own_pods()
    {
        var f = new ConnectivityFixture("exposure-controller/cluster.yaml");
        Assert.Equal("ingress-nginx/ingress-nginx-controller[Deployment]", Assert.Single(f.Engine.IngressControllerClasses).Workloads.Single().Peer);
        Assert.Contains("{ingress-controller} => app/web[Deployment] : TCP 8080", f.Lines);
        var v = f.Test("{ingress-controller}", "app/web", 8080);
        Assert.True(v.Allowed);
        Assert.Contains(v.Steps, s => s.Contains("the ingress controller is ingress-nginx/ingress-nginx-controller[Deployment]", StringComparison.Ordinal));

        // As netpol-analyzer models it, the controller is an unlabelled pod that this policy does not admit.
        var g = new ConnectivityFixture(ConnectivityOptions.NetpolAnalyzerCompatible, "exposure-controller/cluster.yaml");
        Assert.DoesNotContain(g.Lines, l => l.StartsWith("{ingress-controller}", StringComparison.Ordinal));
        Assert.Contains(g.Sink.Warnings, w => w.Contains("Ingress app/web exposes app/web[Deployment], but policies block every connection", StringComparison.Ordinal));
    }
}
