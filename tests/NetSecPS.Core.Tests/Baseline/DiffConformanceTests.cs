using NetSecPS.Core.Baseline;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Tests.Baseline;

/// <summary>
/// Every diff case of netpol-analyzer: a baseline exported from the <c>baseline</c> scenario,
/// written to a sealed file, read back, and compared with the <c>current</c> scenario; the
/// flow drift, rendered as diff lines, must equal the golden file as a set of lines.
/// </summary>
public class DiffConformanceTests
{
    public static TheoryData<string, string, string> Cases()
    {
        var skipped = ConformanceSkips.Under("netpol-analyzer/diff/");
        var data = new TheoryData<string, string, string>();
        foreach (var (name, baseline, current) in DiffCases.All())
        {
            if (!skipped.ContainsKey(name))
            {
                data.Add(name, baseline, current);
            }
        }

        return data;
    }

    [ConformanceTheory]
    [MemberData(nameof(Cases))]
    public void Drift_from_the_baseline_scenario_to_the_current_one_matches_the_golden_diff(string name, string baseline, string current)
    {
        var file = BaselineFile.Serialize(PostureOf(baseline), new BaselineProvenance { CreatedAt = DateTimeOffset.UnixEpoch });
        var approved = BaselineFile.Read(file, baseline + ".baseline.json");

        var drift = DriftAnalyzer.Compare(approved.Posture, PostureOf(current));

        DiffCases.AssertSameLines(DiffCases.Expected(name), ConnlistDiff.Render(drift));
    }

    [ConformanceFact]
    public void Every_diff_case_runs_or_is_skipped_with_a_reason()
    {
        var cases = DiffCases.All().Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(34, cases.Count);
        foreach (var (key, reason) in ConformanceSkips.Under("netpol-analyzer/diff/"))
        {
            Assert.Contains(key, cases);
            Assert.False(string.IsNullOrWhiteSpace(reason), $"{key} is skipped without a reason");
        }
    }

    private static Posture PostureOf(string scenario)
    {
        var model = ClusterModel.Build(ManifestSource.Read(new[] { DiffCases.Scenario(scenario) }));
        var engine = ConnectivityEngine.Build(model, new CollectingSink(), ConnectivityOptions.NetpolAnalyzerCompatible);
        return PostureBuilder.Build(model, engine.Flows, Array.Empty<Finding>());
    }
}
