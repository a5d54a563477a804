namespace NetSecPS.Core.Tests.Nca;

/// <summary>
/// Every Calico connectivity-map case of the network-config-analyzer data: NCA's expected map
/// and NetSecPS's flows, compared as (source, destination, connections) sets for every
/// configuration of the case.
/// </summary>
public class NcaCalicoConformanceTests
{
    private const string Group = "calico";

    public static TheoryData<string> Cases()
    {
        var skipped = ConformanceSkips.Under(NcaCase.Suite + "/");
        var data = new TheoryData<string>();
        foreach (var name in NcaCase.ConnectivityMapCases(Group).Where(n => !skipped.ContainsKey(n)).Order(StringComparer.Ordinal))
        {
            data.Add(name);
        }

        return data;
    }

    [ConformanceTheory(NcaCase.Suite)]
    [MemberData(nameof(Cases))]
    public void NetSecPS_allows_exactly_the_connections_NCA_expects(string name)
    {
        var ncaCase = NcaCase.Get(name);
        var results = NcaComparison.Run(ncaCase);
        Assert.NotEmpty(results);
        Assert.True(results.All(r => r.Differences.Count == 0 && r.Errors.Count == 0), NcaComparison.Describe(ncaCase, results));
    }

    [ConformanceFact(NcaCase.Suite)]
    public void Every_Calico_case_runs_or_is_skipped_with_a_reason()
    {
        var cases = NcaCase.ConnectivityMapCases(Group).ToHashSet(StringComparer.Ordinal);
        Assert.True(cases.Count >= 15, $"expected the 15 Calico connectivity-map cases under {NcaCase.Root}");
        var all = NcaCase.All().Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var (key, reason) in ConformanceSkips.Under(NcaCase.Suite + "/"))
        {
            // nca/<case> skips a case, nca/<case>:<config> one configuration of it.
            Assert.Contains(key.Split(':')[0], all);
            Assert.False(string.IsNullOrWhiteSpace(reason), $"{key} is skipped without a reason");
        }
    }
}
