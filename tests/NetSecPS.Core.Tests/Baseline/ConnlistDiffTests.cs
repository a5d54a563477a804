using NetSecPS.Core.Baseline;

namespace NetSecPS.Core.Tests.Baseline;

/// <summary>
/// The diff algorithm against netpol-analyzer's golden diff files, for the cases whose two
/// scenarios both have a golden connlist: the connlists stand in for the engine's flows.
/// </summary>
public class ConnlistDiffTests
{
    public static TheoryData<string, string, string> CasesWithGoldenConnlists()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var (name, baseline, current) in DiffCases.All())
        {
            if (File.Exists(DiffCases.Connlist(baseline)) && File.Exists(DiffCases.Connlist(current)))
            {
                data.Add(name, baseline, current);
            }
        }

        return data;
    }

    [ConformanceTheory]
    [MemberData(nameof(CasesWithGoldenConnlists))]
    public void Diff_of_the_golden_connlists_matches_the_golden_diff(string name, string baseline, string current)
    {
        var before = ConnlistText.ParseLines(File.ReadAllLines(DiffCases.Connlist(baseline)));
        var after = ConnlistText.ParseLines(File.ReadAllLines(DiffCases.Connlist(current)));
        var lines = ConnlistDiff.Render(ConnlistDiff.Compute(before, after, WorkloadsOf(before), WorkloadsOf(after)));
        DiffCases.AssertSameLines(DiffCases.Expected(name), lines);
    }

    [ConformanceFact]
    public void There_are_golden_connlist_cases_to_run()
    {
        Assert.True(CasesWithGoldenConnlists().Count >= 7);
    }

    [Fact]
    public void A_new_workload_open_to_everything_shows_the_whole_range_while_an_old_one_compares_over_refined_ranges()
    {
        var baseline = Flows(
            "0.0.0.0-127.255.255.255[External] => shop/web[Deployment] : All Connections",
            "128.0.0.0-255.255.255.255[External] => shop/web[Deployment] : TCP 80");
        var current = Flows(
            // the same rights for shop/web, cut finer by a new ipBlock
            "0.0.0.0-63.255.255.255[External] => shop/web[Deployment] : All Connections",
            "64.0.0.0-127.255.255.255[External] => shop/web[Deployment] : All Connections",
            "128.0.0.0-255.255.255.255[External] => shop/web[Deployment] : TCP 80,TCP 81",
            // a new workload without policy
            "0.0.0.0-63.255.255.255[External] => shop/cache[Deployment] : All Connections",
            "64.0.0.0-127.255.255.255[External] => shop/cache[Deployment] : All Connections",
            "128.0.0.0-255.255.255.255[External] => shop/cache[Deployment] : All Connections");
        var diff = ConnlistDiff.Render(ConnlistDiff.Compute(baseline, current,
            Set("shop/web[Deployment]"), Set("shop/web[Deployment]", "shop/cache[Deployment]")));

        Assert.Equal(new[]
        {
            "Connectivity diff:",
            "diff-type: changed, source: 128.0.0.0-255.255.255.255[External], destination: shop/web[Deployment], ref1: TCP 80, ref2: TCP 80-81",
            "diff-type: added, source: 0.0.0.0-255.255.255.255[External], destination: shop/cache[Deployment], ref1: No Connections, ref2: All Connections, workloads-diff-info: workload shop/cache[Deployment] added",
        }, diff);
    }

    [Fact]
    public void Ranges_that_do_not_touch_are_never_joined_even_with_the_same_change()
    {
        var baseline = Flows(
            "0.0.0.0-9.255.255.255[External] => db/pg[StatefulSet] : UDP 53",
            "11.0.0.0-255.255.255.255[External] => db/pg[StatefulSet] : UDP 53");
        var current = Flows(
            "0.0.0.0-9.255.255.255[External] => db/pg[StatefulSet] : TCP 53",
            "11.0.0.0-255.255.255.255[External] => db/pg[StatefulSet] : TCP 53");
        var lines = ConnlistDiff.Compute(baseline, current, Set("db/pg[StatefulSet]"), Set("db/pg[StatefulSet]")).Select(d => d.ToDiffLine());
        Assert.Equal(new[]
        {
            "diff-type: changed, source: 0.0.0.0-9.255.255.255[External], destination: db/pg[StatefulSet], ref1: UDP 53, ref2: TCP 53",
            "diff-type: changed, source: 11.0.0.0-255.255.255.255[External], destination: db/pg[StatefulSet], ref1: UDP 53, ref2: TCP 53",
        }, lines);
    }

    [Fact]
    public void A_flow_between_two_new_workloads_names_both_source_first()
    {
        var current = Flows("ns/a[Deployment] => ns/b[Deployment] : TCP 8080");
        var d = Assert.Single(ConnlistDiff.Compute(Array.Empty<PostureFlow>(), current, Set(), Set("ns/a[Deployment]", "ns/b[Deployment]")));
        Assert.Equal("diff-type: added, source: ns/a[Deployment], destination: ns/b[Deployment], ref1: No Connections, ref2: TCP 8080, workloads-diff-info: workload ns/a[Deployment] and ns/b[Deployment] added", d.ToDiffLine());
    }

    [Fact]
    public void The_ingress_controller_is_never_named_as_an_added_workload_and_its_lines_come_last()
    {
        var current = Flows(
            "{ingress-controller} => web/blog[Deployment] : TCP 8080",
            "web/blog[Deployment] => web/api[Deployment] : TCP 80");
        var lines = ConnlistDiff.Render(ConnlistDiff.Compute(Array.Empty<PostureFlow>(), current, Set("web/api[Deployment]"), Set("web/api[Deployment]", "web/blog[Deployment]")));
        Assert.Equal(new[]
        {
            "Connectivity diff:",
            "diff-type: added, source: web/blog[Deployment], destination: web/api[Deployment], ref1: No Connections, ref2: TCP 80, workloads-diff-info: workload web/blog[Deployment] added",
            "diff-type: added, source: {ingress-controller}, destination: web/blog[Deployment], ref1: No Connections, ref2: TCP 8080, workloads-diff-info: workload web/blog[Deployment] added",
        }, lines);
    }

    [Fact]
    public void Connections_compare_by_meaning_not_spelling_and_an_empty_diff_has_no_header()
    {
        var baseline = Flows("a/x[Pod] => a/y[Pod] : TCP 80,TCP 81,UDP 53", "a/x[Pod] => a/z[Pod] : SCTP 1-65535,TCP 1-65535,UDP 1-65535");
        var current = Flows("a/x[Pod] => a/y[Pod] : TCP 80-81,UDP 53", "a/x[Pod] => a/z[Pod] : All Connections");
        Assert.Empty(ConnlistDiff.Render(ConnlistDiff.Compute(baseline, current, Set("a/x[Pod]", "a/y[Pod]", "a/z[Pod]"), Set("a/x[Pod]", "a/y[Pod]", "a/z[Pod]"))));
    }

    internal static IReadOnlySet<string> WorkloadsOf(IEnumerable<PostureFlow> flows) =>
        flows.SelectMany(f => new[] { f.Source, f.Destination }).Where(ConnlistDiff.IsWorkload).ToHashSet(StringComparer.Ordinal);

    private static IReadOnlyList<PostureFlow> Flows(params string[] lines) => ConnlistText.ParseLines(lines);

    private static HashSet<string> Set(params string[] peers) => new(peers, StringComparer.Ordinal);
}
