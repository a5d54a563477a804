using NetSecPS.Core.Connectivity;

namespace NetSecPS.Core.Tests;

/// <summary>
/// PeerAuthentication gives every flow its mutual TLS: precedence workload over namespace over
/// mesh, the oldest of competing policies, UNSET inheriting, portLevelMtls per port, selector
/// policies in the root namespace ignored; STRICT refuses callers without a sidecar. Fixture
/// (written from the Istio documentation it cites): istio/peer-authentication.yaml.
/// </summary>
public class IstioPeerAuthenticationTests
{
    private static readonly Lazy<ConnectivityFixture> Fixture = new(() => new ConnectivityFixture("istio/peer-authentication.yaml"));

    private static ConnectivityFixture F => Fixture.Value;

    private static Flow FlowOf(string source, string destination) =>
        Assert.Single(F.Engine.Flows, f => f.Source == source && f.Destination == destination);

    [Fact]
    public void Strict_mesh_wide_mtls_inherited_through_an_unset_namespace_policy_refuses_a_caller_without_a_sidecar()
    {
        Assert.Equal("SCTP 1-65535,UDP 1-65535", F.Between("outside/legacy[Deployment]", "bar/api[Deployment]"));
        var v = F.Test("outside/legacy", "bar/api", 8080);
        Assert.False(v.Allowed);
        Assert.Equal(PolicyLayer.Mesh, v.Layer);
        Assert.Equal("PeerAuthentication", v.Tier);
        Assert.Equal("PeerAuthentication", v.PolicyKind);
        Assert.Equal("istio-system/default", v.Policy);
        Assert.Equal(RuleAction.Deny, v.Action);
        Assert.Equal(MtlsState.SourceWithoutSidecar, v.Mtls);

        Assert.Equal(MtlsState.Strict, FlowOf("bar/client[Deployment]", "bar/api[Deployment]").Mtls);
        Assert.Contains("istio-system/default (mesh level)", FlowOf("bar/client[Deployment]", "bar/api[Deployment]").MtlsDetail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_selector_policy_in_the_root_namespace_is_ignored_and_reported()
    {
        Assert.Contains(F.Sink.Diagnostics, d => d.Code == "IgnoredPolicy" && d.Message.Contains("root-selector", StringComparison.Ordinal));
        Assert.DoesNotContain(F.Engine.Flows, f => f.Destination == "bar/api[Deployment]" && f.Mtls == MtlsState.Disable);
    }

    [Fact]
    public void A_workload_policy_is_strict_except_the_port_its_port_level_mtls_disables()
    {
        Assert.Equal("SCTP 1-65535,TCP 8080,UDP 1-65535", F.Between("outside/legacy[Deployment]", "foo/finance[Deployment]"));
        var plaintext = FlowOf("outside/legacy[Deployment]", "foo/finance[Deployment]");
        Assert.Equal(MtlsState.Disable, plaintext.Mtls);

        var meshed = FlowOf("bar/client[Deployment]", "foo/finance[Deployment]");
        Assert.Equal("All Connections", meshed.Connections);
        Assert.Equal(MtlsState.Disable, meshed.Mtls);
        Assert.Contains("TCP 8080 DISABLE", meshed.MtlsDetail, StringComparison.Ordinal);
        Assert.Contains("STRICT: PeerAuthentication foo/finance (workload level)", meshed.MtlsDetail, StringComparison.Ordinal);
        Assert.Equal(MtlsState.Strict, F.Test("bar/client", "foo/finance", 9443).Mtls);
        Assert.Equal(MtlsState.Disable, F.Test("bar/client", "foo/finance", 8080).Mtls);
    }

    [Fact]
    public void The_older_of_two_workload_policies_wins_and_its_unset_mode_inherits_the_older_namespace_policy()
    {
        // ledger-ports (older) applies: PERMISSIVE from foo/default (the newer foo/newer is ignored), STRICT on 9000.
        Assert.Equal("SCTP 1-65535,TCP 1-8999,9001-65535,UDP 1-65535", F.Between("outside/legacy[Deployment]", "foo/ledger[Deployment]"));
        Assert.Equal(MtlsState.SourceWithoutSidecar, FlowOf("outside/legacy[Deployment]", "foo/ledger[Deployment]").Mtls);
        var meshed = FlowOf("bar/client[Deployment]", "foo/ledger[Deployment]");
        Assert.Equal(MtlsState.Permissive, meshed.Mtls);
        Assert.Contains("PeerAuthentication foo/default (namespace level)", meshed.MtlsDetail, StringComparison.Ordinal);
        Assert.Equal(MtlsState.Strict, F.Test("bar/client", "foo/ledger", 9000).Mtls);
    }

    [Fact]
    public void A_flow_leaving_the_mesh_says_its_destination_runs_no_sidecar()
    {
        var flow = FlowOf("bar/client[Deployment]", "outside/legacy[Deployment]");
        Assert.Equal(MtlsState.DestinationWithoutSidecar, flow.Mtls);
        Assert.False(flow.MutuallyAuthenticated);
    }

    [Fact]
    public void Without_peer_authentication_as_network_config_analyzer_models_istio_nothing_is_refused()
    {
        var f = new ConnectivityFixture(new ConnectivityOptions { IstioPeerAuthentication = false }, "istio/peer-authentication.yaml");
        Assert.Equal("All Connections", f.Between("outside/legacy[Deployment]", "bar/api[Deployment]"));
    }
}
