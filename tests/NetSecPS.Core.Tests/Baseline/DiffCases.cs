namespace NetSecPS.Core.Tests.Baseline;

/// <summary>The diff cases of the shared netpol-analyzer conformance data.</summary>
internal static class DiffCases
{
    public static string DiffDirectory => Path.Combine(TestPaths.Conformance, "expected", "diff");

    public static IEnumerable<(string Name, string Baseline, string Current)> All() =>
        File.ReadAllLines(Path.Combine(DiffDirectory, "cases.tsv"))
            .Skip(1)
            .Where(l => l.Trim().Length > 0)
            .Select(l => l.Split('\t'))
            .Select(p => (p[0], p[1], p[2]));

    public static string Connlist(string scenario) => Path.Combine(TestPaths.Conformance, "expected", "connlist", scenario + ".txt");

    public static string Scenario(string scenario) => Path.Combine(TestPaths.Conformance, "scenarios", scenario);

    public static IReadOnlyList<string> Expected(string name) =>
        File.ReadAllLines(Path.Combine(DiffDirectory, name + ".txt")).Where(l => l.Trim().Length > 0).ToList();

    /// <summary>Golden files compare as sets of lines; a failure names what is missing and what is extra.</summary>
    public static void AssertSameLines(IReadOnlyList<string> expected, IReadOnlyList<string> actual)
    {
        var missing = expected.Except(actual, StringComparer.Ordinal).ToList();
        var extra = actual.Except(expected, StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0 && expected.Count == actual.Count,
            $"{missing.Count} expected line(s) missing, {extra.Count} unexpected:\n- " + string.Join("\n- ", missing.Take(10))
            + "\n+ " + string.Join("\n+ ", extra.Take(10)));
    }
}
