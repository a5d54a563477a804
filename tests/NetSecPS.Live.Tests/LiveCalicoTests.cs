using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;
using NetSecPS.Core.Sources;

namespace NetSecPS.Live.Tests;

/// <summary>A live cluster's Calico objects are read from both Calico API groups and evaluated once.</summary>
public sealed class LiveCalicoTests
{
    private static string Calico(string file) => TestPaths.Fixture("connectivity", "calico", file);

    [Fact]
    public async Task Calico_policies_tiers_and_staged_policies_are_read_from_both_API_groups_and_evaluated_as_from_files()
    {
        await using var h = await LiveHarness.StartAsync(new[] { Calico("tiers.yaml"), Calico("tiers-crd.yaml"), Calico("edge.yaml") });

        var data = await h.CollectAsync();

        foreach (var apiVersion in new[] { "projectcalico.org/v3", "crd.projectcalico.org/v1" })
        {
            Assert.Equal(CoverageStatus.Read, data.Coverage.Single(c => c.Kind == "GlobalNetworkPolicy" && c.ApiVersion == apiVersion).Status);
            Assert.Equal(3, data.Coverage.Single(c => c.Kind == "Tier" && c.ApiVersion == apiVersion).Count);
        }

        Assert.Single(data.OfKind("StagedNetworkPolicy"));
        var live = ConnectivityEngine.Build(ClusterModel.Build(data)).Flows.Select(f => f.ToString()).ToList();
        var files = ConnectivityEngine.Build(ClusterModel.Build(ManifestSource.Read(new[] { Calico("tiers.yaml"), Calico("edge.yaml") }))).Flows.Select(f => f.ToString()).ToList();
        Assert.Equal(files, live);
        Assert.Contains("stage/worker[Pod] => stage/web[Pod] : SCTP 1-65535,TCP 1-21,23-65535,UDP 1-65535", live);
    }
}
