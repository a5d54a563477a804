using System.Net;

namespace NetSecPS.Core.Tests;

/// <summary>
/// The source's sidecar: Sidecar egress hosts limit which services it reaches; REGISTRY_ONLY limits
/// external destinations to ServiceEntry addresses; ServiceEntry hosts named by DNS are reported.
/// Fixture (written from the Istio documentation it cites): istio/sidecar-egress.yaml.
/// </summary>
public class IstioSidecarEgressTests
{
    private static readonly Lazy<ConnectivityFixture> Fixture = new(() => new ConnectivityFixture("istio/sidecar-egress.yaml"));

    private static ConnectivityFixture F => Fixture.Value;

    [Fact]
    public void The_root_namespace_sidecar_keeps_each_namespace_to_its_own_services_for_tcp()
    {
        Assert.Equal("All Connections", F.Between("shop/web[Deployment]", "shop/api[Deployment]"));
        Assert.Equal("SCTP 1-65535,UDP 1-65535", F.Between("shop/web[Deployment]", "pay/processor[Deployment]"));
        var v = F.Test("shop/web", "pay/processor", 9000);
        Assert.False(v.Allowed);
        Assert.Equal(PolicyLayer.Mesh, v.Layer);
        Assert.Equal(TrafficDirection.Egress, Assert.Single(v.Decisions, d => !d.Allowed).Direction);
        Assert.Equal("Sidecar", v.PolicyKind);
        Assert.Equal("istio-system/default", v.Policy);
    }

    [Fact]
    public void Allow_any_leaves_external_addresses_open_and_registry_only_keeps_only_service_entry_addresses_and_ports()
    {
        Assert.True(F.Engine.ToAddress(F.Workload("shop/web[Deployment]"), IPAddress.Parse("8.8.8.8")).Contains("TCP", 443));
        var processor = F.Workload("pay/processor[Deployment]");
        Assert.False(F.Engine.ToAddress(processor, IPAddress.Parse("8.8.8.8")).Contains("TCP", 443));
        Assert.True(F.Engine.ToAddress(processor, IPAddress.Parse("8.8.8.8")).Contains("UDP", 53));
        Assert.True(F.Engine.ToAddress(processor, IPAddress.Parse("203.0.113.10")).Contains("TCP", 443));
        Assert.False(F.Engine.ToAddress(processor, IPAddress.Parse("203.0.113.10")).Contains("TCP", 80));
        Assert.Contains(F.Lines, l => l == "pay/processor[Deployment] => 203.0.113.0-203.0.113.255[External] : SCTP 1-65535,TCP 443,UDP 1-65535");
    }

    [Fact]
    public void A_sidecar_imports_the_services_it_names_and_a_workload_sidecar_overrides_the_namespace_default()
    {
        Assert.Equal("All Connections", F.Between("pay/processor[Deployment]", "shop/api[Deployment]"));
        Assert.Equal("SCTP 1-65535,UDP 1-65535", F.Between("pay/processor[Deployment]", "shop/web[Deployment]"));
        Assert.Equal("All Connections", F.Between("pay/worker[Deployment]", "shop/web[Deployment]"));
        Assert.True(F.Engine.ToAddress(F.Workload("pay/worker[Deployment]"), IPAddress.Parse("8.8.8.8")).Contains("TCP", 443));
    }

    [Fact]
    public void Service_entry_hosts_named_by_dns_are_reported_not_evaluated()
    {
        Assert.Contains(F.Engine.Undecided, u => u.Contains("docs.example.com", StringComparison.Ordinal) && u.Contains("Sidecar pay/default", StringComparison.Ordinal));
        var v = F.Test("pay/processor", "shop/web", 8080);
        Assert.Contains(v.Undecided, u => u.Contains("docs.example.com", StringComparison.Ordinal));
    }
}
