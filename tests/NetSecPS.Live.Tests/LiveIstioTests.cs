using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;

namespace NetSecPS.Live.Tests;

/// <summary>
/// Istio read from a running cluster: its objects at whatever version the cluster serves, and
/// sidecars known from the pods themselves (the istio-proxy container the injector adds), not from
/// the namespace label a pod created before injection was switched on does not follow.
/// </summary>
public class LiveIstioTests
{
    [Fact]
    public async Task Istio_objects_are_read_at_the_served_version_and_the_running_pods_decide_who_has_a_sidecar()
    {
        await using var h = await LiveHarness.StartAsync(new[] { TestPaths.Fixture("live", "istio") });

        var data = await h.CollectAsync();

        Assert.Equal(new CoverageEntry("Sidecar", "networking.istio.io/v1beta1", CoverageStatus.Read, 1, null), data.Coverage.Single(c => c.Kind == "Sidecar"));
        Assert.Equal(new CoverageEntry("ServiceEntry", "networking.istio.io/v1alpha3", CoverageStatus.Read, 1, null), data.Coverage.Single(c => c.Kind == "ServiceEntry"));
        Assert.Equal(CoverageStatus.Read, data.Coverage.Single(c => c.Kind == "PeerAuthentication").Status);

        var model = ClusterModel.Build(data);
        Assert.All(model.Workloads.Where(w => w.Namespace == "shop"), w => Assert.All(w.Pods, p => Assert.False(p.FromTemplate)));
        var engine = ConnectivityEngine.Build(model);
        var api = engine.Flows.Single(f => f.Source == "shop/api[Deployment]" && f.Destination == "shop/web[Deployment]");
        Assert.Equal(MtlsState.Strict, api.Mtls);
        // legacy's pod has no istio-proxy although its namespace asks for injection: STRICT refuses its TCP.
        var legacy = engine.Flows.Single(f => f.Source == "shop/legacy[Deployment]" && f.Destination == "shop/web[Deployment]");
        Assert.Equal("SCTP 1-65535,UDP 1-65535", legacy.Connections);
        Assert.Equal(MtlsState.DestinationWithoutSidecar, engine.Flows.Single(f => f.Source == "shop/web[Deployment]" && f.Destination == "shop/legacy[Deployment]").Mtls);
        // REGISTRY_ONLY: only the ServiceEntry's addresses and ports leave the mesh.
        Assert.True(engine.ToAddress(model.Workloads.Single(w => w.Name == "web"), System.Net.IPAddress.Parse("203.0.113.7")).Contains("TCP", 443));
        Assert.False(engine.ToAddress(model.Workloads.Single(w => w.Name == "web"), System.Net.IPAddress.Parse("198.51.100.7")).Contains("TCP", 443));
    }
}
