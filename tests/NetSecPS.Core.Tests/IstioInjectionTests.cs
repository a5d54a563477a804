namespace NetSecPS.Core.Tests;

/// <summary>
/// Which workloads run an Istio sidecar, read from the mutual TLS of the flow plain/client (no
/// sidecar) sends each of them: a sidecar destination accepts the plaintext (PERMISSIVE by
/// default: SourceWithoutSidecar), a destination without one leaves the mesh out of it (None),
/// ambient mode is reported and not evaluated. Fixture (written from the Istio documentation and
/// its injection webhook, cited there): istio/injection.yaml.
/// </summary>
public class IstioInjectionTests
{
    private static readonly Lazy<ConnectivityFixture> Fixture = new(() => new ConnectivityFixture("istio/injection.yaml"));

    private static ConnectivityFixture F => Fixture.Value;

    private static MtlsState FromClient(string destination) =>
        Assert.Single(F.Engine.Flows, f => f.Source == "plain/client[Deployment]" && f.Destination == destination).Mtls;

    [Theory]
    [InlineData("injected/web[Deployment]")]
    [InlineData("revision/app[Deployment]")]
    [InlineData("plain/labelled[Deployment]")]
    [InlineData("plain/pinned[Deployment]")]
    [InlineData("plain/running[Pod]")]
    public void Namespace_labels_pod_labels_and_a_running_istio_proxy_give_a_sidecar(string destination) =>
        Assert.Equal(MtlsState.SourceWithoutSidecar, FromClient(destination));

    [Theory]
    [InlineData("injected/opt-out[Deployment]")]
    [InlineData("injected/opt-out-no[Deployment]")]
    [InlineData("plain/annotated[Deployment]")]
    public void A_pod_that_opts_out_or_only_carries_the_annotation_runs_no_sidecar(string destination) =>
        Assert.Equal(MtlsState.None, FromClient(destination));

    [Fact]
    public void A_namespace_labelled_disabled_is_not_injected_although_its_pod_asks_for_it() =>
        Assert.Equal(MtlsState.None, FromClient("disabled/asks[Deployment]"));

    [Fact]
    public void Ambient_mode_is_reported_as_not_evaluated()
    {
        var flow = Assert.Single(F.Engine.Flows, f => f.Source == "plain/client[Deployment]" && f.Destination == "zt/ledger[Deployment]");
        Assert.Equal(MtlsState.Ambient, flow.Mtls);
        Assert.Contains("not evaluated", flow.MtlsDetail, StringComparison.Ordinal);
        Assert.Contains(F.Engine.Undecided, u => u.Contains("ambient mode (zt/ledger[Deployment])", StringComparison.Ordinal) && u.Contains("is not evaluated", StringComparison.Ordinal));
    }
}
