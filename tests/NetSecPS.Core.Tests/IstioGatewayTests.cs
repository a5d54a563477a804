namespace NetSecPS.Core.Tests;

/// <summary>
/// PeerAuthentication configures sidecars, not gateways: under mesh-wide STRICT an ingress gateway
/// still takes plaintext from outside the mesh, while the sidecars behind it refuse it. Fixture
/// (written from the Istio documentation it cites): istio/gateway-strict.yaml.
/// </summary>
public class IstioGatewayTests
{
    private static readonly Lazy<ConnectivityFixture> Fixture = new(() => new ConnectivityFixture("istio/gateway-strict.yaml"));

    private static ConnectivityFixture F => Fixture.Value;

    [Fact]
    public void Mesh_wide_strict_mtls_leaves_the_ingress_gateway_open_to_external_clients()
    {
        var v = F.Test("198.51.100.1", "istio-system/istio-ingressgateway", 8080);
        Assert.True(v.Allowed);
        Assert.DoesNotContain(v.Decisions, d => d.PolicyKind == "PeerAuthentication");
        Assert.Equal(MtlsState.SourceWithoutSidecar, v.Mtls);
        Assert.Contains(v.Steps, s => s.Contains("an Istio gateway: PeerAuthentication does not apply to it", StringComparison.Ordinal));
    }

    [Fact]
    public void The_sidecar_behind_the_gateway_refuses_external_clients_and_takes_the_gateways_mutual_tls()
    {
        var external = F.Test("198.51.100.1", "shop/web", 8080);
        Assert.False(external.Allowed);
        Assert.Equal("PeerAuthentication", external.PolicyKind);
        var flow = Assert.Single(F.Engine.Flows, f => f.Source == "istio-system/istio-ingressgateway[Deployment]" && f.Destination == "shop/web[Deployment]");
        Assert.Equal(MtlsState.Strict, flow.Mtls);
    }
}
