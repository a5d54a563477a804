using System.Text.Json.Nodes;
using NetSecPS.Core.Baseline;
using NetSecPS.Core.Checks;
using NetSecPS.Core.Scanning;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Tests.Baseline;

/// <summary>Files written with the former score (a penalty per workload) still load and compare.</summary>
public class ScoreVersionTests
{
    private static string Fixture(string name) => TestPaths.Fixture("baseline", "score-v1", name);

    [Fact]
    public void A_baseline_made_with_the_old_score_verifies_and_compares_with_the_cluster_it_was_taken_of()
    {
        var sink = new CollectingSink();
        var old = BaselineFile.ReadFile(Fixture("demo.baseline.json"), default, sink);
        Assert.NotEmpty(old.Posture.Findings);
        var now = PostureScan.Run(DemoAsTaken(), AuditProfile.BuiltInDefault, null, new CollectingSink(), DateTimeOffset.Now);
        var drift = DriftAnalyzer.Compare(old.Posture, now);
        Assert.True(drift.Count == 0, string.Join("; ", drift.Select(d => $"{d.Category} {d.Change} {d.Subject}")));
    }

    /// <summary>
    /// samples/cluster as it was when the baseline was taken, before Istio was added to it: the
    /// operator's steps undone (istio-system and the Istio policies deleted, the sidecars' egress to
    /// istiod deleted, the injection labels removed).
    /// </summary>
    private static ClusterData DemoAsTaken()
    {
        var cluster = ManifestCluster.Demo();
        static string? Meta(JsonObject o, string key) => o["metadata"]?[key]?.GetValue<string>();
        var istio = cluster.Objects.Where(o => Meta(o, "namespace") == "istio-system" || (o["kind"]!.GetValue<string>() == "Namespace" && Meta(o, "name") == "istio-system")
            || o["apiVersion"]!.GetValue<string>().StartsWith("security.istio.io/", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(istio);
        foreach (var o in istio)
        {
            cluster.Delete(o["kind"]!.GetValue<string>(), Meta(o, "namespace"), Meta(o, "name")!);
        }

        foreach (var ns in new[] { "shop", "payments" })
        {
            cluster.Delete("NetworkPolicy", ns, "allow-istiod-egress");
            cluster.Patch("Namespace", null, ns, o => Assert.True(((JsonObject)o["metadata"]!["labels"]!).Remove("istio-injection")));
        }

        cluster.Patch("Pod", "shop", "netshoot", o => Assert.True(((JsonObject)o["metadata"]!["labels"]!).Remove("sidecar.istio.io/inject")));
        return cluster.Read();
    }

    [Fact]
    public void A_scan_against_the_old_baseline_runs_and_reports_the_new_score()
    {
        var baseline = BaselineFile.ReadFile(Fixture("demo.baseline.json"), default, new CollectingSink());
        var scan = Scanner.Run(ManifestSource.Read(new[] { Path.Combine(TestPaths.RepoRoot, "samples", "cluster") }),
            new ScanOptions { Baseline = baseline, BaselinePath = Fixture("demo.baseline.json") }, new CollectingSink());
        Assert.NotNull(scan.Drift);
        Assert.Equal(ScoreDetails.CurrentVersion, scan.Score.Version);
        Assert.InRange(scan.Score.Score, 1, 99);
    }

    [Fact]
    public void A_history_written_with_the_old_score_is_read_as_the_former_formula_and_new_records_carry_theirs()
    {
        var path = Path.Combine(Path.GetTempPath(), $"netsecps-{Guid.NewGuid():N}.jsonl");
        File.Copy(Fixture("history.jsonl"), path);
        try
        {
            var old = Assert.Single(HistoryFile.Read(path));
            Assert.Equal(0, old.ScoreVersion);
            Assert.False(old.HasCurrentScore);
            var scan = Scanner.Run(ManifestSource.Read(new[] { Path.Combine(TestPaths.RepoRoot, "samples", "cluster") }), new ScanOptions { HistoryPath = path }, new CollectingSink());
            Assert.Equal(2, scan.History.Count);
            Assert.True(scan.History[^1].HasCurrentScore);
            Assert.Equal(Math.Round(scan.Score.Score, 2), scan.History[^1].Score);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
