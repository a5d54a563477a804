namespace NetSecPS.Core.Tests;

/// <summary>
/// Istio AuthorizationPolicy as the mesh layer: it intersects with the CNI layer for pods with a
/// sidecar; principals and namespaces need mutual TLS; HTTP-only fields make a rule L7-restricted
/// on HTTP ports and follow Istio's TCP rules on ports declared TCP. Fixture: istio/authorization.yaml.
/// </summary>
public class IstioAuthorizationTests
{
    private static readonly Lazy<ConnectivityFixture> Fixture = new(() => new ConnectivityFixture("istio/authorization.yaml"));

    private static ConnectivityFixture F => Fixture.Value;

    [Fact]
    public void An_allow_policy_admits_the_named_principal_on_its_ports_and_leaves_other_protocols_to_the_cni()
    {
        Assert.Equal("SCTP 1-65535,TCP 8080,9090,UDP 1-65535", F.Between("shop/web[Deployment]", "shop/api[Deployment]"));
        var flow = Assert.Single(F.Engine.Flows, f => f.Source == "shop/web[Deployment]" && f.Destination == "shop/api[Deployment]");
        Assert.Equal("TCP 8080", flow.L7Restricted);
        Assert.Equal(MtlsState.Permissive, flow.Mtls);
        Assert.True(flow.MutuallyAuthenticated);
    }

    [Fact]
    public void A_caller_without_a_sidecar_matches_no_principal_or_namespace()
    {
        Assert.Equal("SCTP 1-65535,UDP 1-65535", F.Between("legacy/batch[Deployment]", "shop/api[Deployment]"));
        var v = F.Test("legacy/batch", "shop/api", 9090);
        Assert.False(v.Allowed);
        Assert.Equal(PolicyLayer.Mesh, v.Layer);
        Assert.Equal("AuthorizationPolicy", v.PolicyKind);
        Assert.Equal("shop/api", v.Policy);
        Assert.Contains(v.Decisions, d => d.Layer == PolicyLayer.Cni && d.Allowed);
        Assert.Contains(v.Decisions, d => d.Layer == PolicyLayer.Mesh && !d.Allowed && d.Direction == TrafficDirection.Ingress);
    }

    [Fact]
    public void The_explanation_names_the_mesh_rule_and_its_l7_condition_beside_the_cni_decision()
    {
        var v = F.Test("shop/web", "shop/api", 8080);
        Assert.True(v.Allowed);
        var mesh = Assert.Single(v.Decisions, d => d.Layer == PolicyLayer.Mesh);
        Assert.Equal("ALLOW", mesh.Tier);
        Assert.Equal("shop/api", mesh.Policy);
        Assert.Equal("rule 1", mesh.Rule);
        Assert.Equal(RuleAction.Allow, mesh.Action);
        Assert.Contains("only requests with methods GET", mesh.Text, StringComparison.Ordinal);
        Assert.Contains(v.Undecided, u => u.Contains("admits only requests with methods GET", StringComparison.Ordinal));
        Assert.Equal(MtlsState.Permissive, v.Mtls);
    }

    [Fact]
    public void An_allow_rule_with_http_fields_on_a_port_declared_tcp_is_ignored_as_istio_ignores_it()
    {
        Assert.Equal("SCTP 1-65535,TCP 5432,UDP 1-65535", F.Between("shop/api[Deployment]", "shop/db[Deployment]"));
        Assert.Equal("SCTP 1-65535,UDP 1-65535", F.Between("shop/web[Deployment]", "shop/db[Deployment]"));
        Assert.Contains(F.Sink.Diagnostics, d => d.Code == "HttpFieldsOnTcp" && d.Message.Contains("AuthorizationPolicy shop/db", StringComparison.Ordinal));
        var flow = Assert.Single(F.Engine.Flows, f => f.Source == "shop/api[Deployment]" && f.Destination == "shop/db[Deployment]");
        Assert.Null(flow.L7Restricted);
    }

    [Fact]
    public void A_deny_rule_with_http_fields_on_a_port_declared_tcp_denies_all_of_that_port()
    {
        Assert.Equal("SCTP 1-65535,TCP 1-6378,6380-65535,UDP 1-65535", F.Between("shop/web[Deployment]", "shop/cache[Deployment]"));
        var v = F.Test("shop/web", "shop/cache", 6379);
        Assert.False(v.Allowed);
        Assert.Equal("DENY", v.Tier);
        Assert.Equal("shop/cache-deny-post", v.Policy);
    }

    [Fact]
    public void A_deny_on_not_namespaces_refuses_plaintext_callers_which_have_no_namespace()
    {
        Assert.Equal("SCTP 1-65535,UDP 1-65535", F.Between("legacy/batch[Deployment]", "shop/web[Deployment]"));
        Assert.Equal("All Connections", F.Between("shop/api[Deployment]", "shop/web[Deployment]"));
    }

    [Fact]
    public void Pods_without_a_sidecar_are_not_restricted_by_the_mesh_layer()
    {
        Assert.Equal("All Connections", F.Between("shop/web[Deployment]", "legacy/batch[Deployment]"));
        var flow = Assert.Single(F.Engine.Flows, f => f.Source == "shop/web[Deployment]" && f.Destination == "legacy/batch[Deployment]");
        Assert.Equal(MtlsState.DestinationWithoutSidecar, flow.Mtls);
        Assert.False(flow.MutuallyAuthenticated);
    }

    [Fact]
    public void Only_the_mesh_condition_marks_a_flow_restricted_by_the_mesh_and_cilium_l7_rules_keep_their_own_wording()
    {
        var f = new ConnectivityFixture("istio/cilium-l7.yaml");
        var flow = Assert.Single(f.Engine.Flows, x => x.Source == "shop/web[Deployment]" && x.Destination == "shop/api[Deployment]");
        Assert.Equal("TCP 8080,9090", flow.Connections);
        Assert.Equal("TCP 9090", flow.L7Restricted);

        // Cilium's L7 rule: the proxy of the CNI refuses other requests; the mesh admits every request on 8080.
        var cilium = f.Test("shop/web", "shop/api", 8080);
        Assert.True(cilium.Allowed);
        Assert.Contains(cilium.Undecided, u => u.Contains("for L7-restricted traffic only", StringComparison.Ordinal) && u.Contains("GET /public", StringComparison.Ordinal));
        Assert.DoesNotContain(cilium.Undecided, u => u.Contains("admits only requests with", StringComparison.Ordinal));
        Assert.DoesNotContain(cilium.Decisions, d => d.Text.Contains("only requests with", StringComparison.Ordinal));

        // Istio's condition: named on the mesh's decision and among what is undecided.
        var istio = f.Test("shop/web", "shop/api", 9090);
        Assert.True(istio.Allowed);
        Assert.Contains(istio.Undecided, u => u.Contains("admits only requests with methods GET", StringComparison.Ordinal));
        Assert.DoesNotContain(istio.Undecided, u => u.Contains("L7-restricted", StringComparison.Ordinal));
        Assert.Contains(istio.Decisions, d => d.Layer == PolicyLayer.Mesh && d.Text.Contains("only requests with methods GET", StringComparison.Ordinal));
    }
}
