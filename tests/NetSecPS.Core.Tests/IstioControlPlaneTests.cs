namespace NetSecPS.Core.Tests;

/// <summary>
/// A sidecar's connection to istiod on TCP 15012 is the control plane's own TLS channel, not a
/// plaintext flow to a workload without a sidecar; its other ports are plaintext. Fixture
/// (written from the Istio documentation it cites): istio/control-plane.yaml.
/// </summary>
public class IstioControlPlaneTests
{
    private static readonly Lazy<ConnectivityFixture> Fixture = new(() => new ConnectivityFixture("istio/control-plane.yaml"));

    private static ConnectivityFixture F => Fixture.Value;

    [Fact]
    public void A_sidecar_reaches_istiod_on_15012_over_the_control_plane_channel()
    {
        var v = F.Test("shop/web", "istio-system/istiod", 15012);
        Assert.True(v.Allowed);
        Assert.Equal(MtlsState.ControlPlane, v.Mtls);
        Assert.False(v.Mtls is MtlsState.Strict or MtlsState.Permissive, "the channel is istiod's own TLS, not mutual TLS between sidecars");
    }

    [Fact]
    public void Istiod_s_other_ports_are_plaintext_and_the_flow_counts_as_its_weakest_port()
    {
        Assert.Equal(MtlsState.DestinationWithoutSidecar, F.Test("shop/web", "istio-system/istiod", 15014).Mtls);
        var flow = Assert.Single(F.Engine.Flows, f => f.Source == "shop/web[Deployment]" && f.Destination == "istio-system/istiod[Deployment]");
        Assert.Equal(MtlsState.DestinationWithoutSidecar, flow.Mtls);
        Assert.Contains("TCP 15014 reach istiod, which runs no sidecar, in plaintext", flow.MtlsDetail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_caller_without_a_sidecar_is_outside_the_mesh_at_istiod_too()
    {
        var flow = Assert.Single(F.Engine.Flows, f => f.Source == "shop/legacy[Deployment]" && f.Destination == "istio-system/istiod[Deployment]");
        Assert.Equal(MtlsState.None, flow.Mtls);
    }
}
