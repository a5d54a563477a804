namespace NetSecPS.Tests;

/// <summary>
/// tests/conformance-skips.txt: conformance cases that are skipped, one per line as
/// <c>suite/case&lt;TAB&gt;reason</c> (for example <c>netpol-analyzer/connlist/&lt;name&gt;</c>,
/// <c>netpol-analyzer/diff/&lt;name&gt;</c>, <c>clusternetworkpolicy/&lt;case&gt;</c>). A reason cites
/// the documentation or upstream code it rests on.
/// </summary>
internal static class ConformanceSkips
{
    public static string File => Path.Combine(TestPaths.RepoRoot, "tests", "conformance-skips.txt");

    public static IReadOnlyDictionary<string, string> All { get; } = Load();

    /// <summary>The skipped cases under one prefix (<c>netpol-analyzer/connlist/</c>), keyed by the rest of their name.</summary>
    public static IReadOnlyDictionary<string, string> Under(string prefix) =>
        All.Where(s => s.Key.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(s => s.Key[prefix.Length..], s => s.Value, StringComparer.Ordinal);

    private static Dictionary<string, string> Load() =>
        System.IO.File.ReadAllLines(File)
            .Where(l => l.Trim().Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split('\t', 2))
            .ToDictionary(p => p[0].Trim(), p => p.Length > 1 ? p[1].Trim() : string.Empty, StringComparer.Ordinal);
}
