using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Tests;

/// <summary>
/// Every connlist golden file of netpol-analyzer, run against its scenario and compared as a set
/// of lines. The engine runs with its default options, except for scenarios with host-network
/// pods: netpol-analyzer evaluates those like other pods, where NetSecPS by default follows the
/// Kubernetes documentation (policies do not select them), so those scenarios run with
/// <see cref="ConnectivityOptions.NetpolAnalyzerCompatible"/>.
/// </summary>
public class ConformanceTests
{
    private static readonly string Golden = Path.Combine(TestPaths.Conformance, "expected", "connlist");

    public static TheoryData<string> Cases()
    {
        var skipped = Skips();
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(Golden, "*.txt").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileNameWithoutExtension(file);
            if (!skipped.ContainsKey(name))
            {
                data.Add(name);
            }
        }

        return data;
    }

    private static IReadOnlyDictionary<string, string> Skips() => ConformanceSkips.Under("netpol-analyzer/connlist/");

    [ConformanceTheory]
    [MemberData(nameof(Cases))]
    public void Connlist_matches_the_netpol_analyzer_golden_file(string name)
    {
        var expected = File.ReadAllLines(Path.Combine(Golden, name + ".txt")).Select(l => l.Trim()).Where(l => l.Length > 0).ToHashSet(StringComparer.Ordinal);
        var data = ManifestSource.Read(new[] { Path.Combine(TestPaths.Conformance, "scenarios", name) });
        var model = ClusterModel.Build(data);
        var options = model.Pods.Any(p => p.HostNetwork) ? ConnectivityOptions.NetpolAnalyzerCompatible : ConnectivityOptions.Default;
        var engine = ConnectivityEngine.Build(model, new CollectingSink(), options);
        var actual = engine.Flows.Select(f => f.ToString()).ToHashSet(StringComparer.Ordinal);

        var missing = expected.Except(actual).Order(StringComparer.Ordinal).ToList();
        var extra = actual.Except(expected).Order(StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0,
            $"{name}: {missing.Count} missing, {extra.Count} unexpected of {expected.Count} lines\n" +
            string.Join("\n", missing.Take(15).Select(l => "- " + l)) + "\n" + string.Join("\n", extra.Take(15).Select(l => "+ " + l)));
    }

    [ConformanceFact]
    public void Every_skipped_case_names_a_golden_file_and_gives_its_reason()
    {
        foreach (var (name, reason) in Skips())
        {
            Assert.True(File.Exists(Path.Combine(Golden, name + ".txt")), $"{name} is skipped but has no golden file");
            Assert.False(string.IsNullOrWhiteSpace(reason), $"{name} is skipped without a reason");
        }
    }
}
