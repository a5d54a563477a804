using System.Globalization;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Tests;

/// <summary>
/// Every case of the ClusterNetworkPolicy v1alpha2 conformance data (translated from the upstream
/// network-policy-api conformance suite): each probe of <c>expect.tsv</c> is decided twice, by the
/// flow list (the connections between the two pods' workloads) and by the explainer, and both must
/// give upstream's verdict.
/// </summary>
public class ClusterNetworkPolicyConformanceTests
{
    private const string Suite = "clusternetworkpolicy";

    private static string Cases => Path.Combine(TestPaths.ConformanceSuite(Suite), "cases");

    public static TheoryData<string> CaseNames()
    {
        var skipped = ConformanceSkips.Under(Suite + "/");
        var data = new TheoryData<string>();
        foreach (var dir in Directory.EnumerateDirectories(Cases).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(dir);
            if (!skipped.ContainsKey(name))
            {
                data.Add(name);
            }
        }

        return data;
    }

    [ConformanceTheory(Suite)]
    [MemberData(nameof(CaseNames))]
    public void Every_probe_of_the_case_gets_upstreams_verdict(string name)
    {
        var dir = Path.Combine(Cases, name);
        var sink = new CollectingSink();
        var data = ManifestSource.Read(new[] { dir });
        Assert.DoesNotContain(data.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        var model = ClusterModel.Build(data);
        var engine = ConnectivityEngine.Build(model, sink);
        Assert.DoesNotContain(sink.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);

        var failures = new List<string>();
        var probes = 0;
        foreach (var line in File.ReadAllLines(Path.Combine(dir, "expect.tsv")).Where(l => l.Length > 0 && !l.StartsWith('#')))
        {
            var f = line.Split('\t');
            var (source, destination, port, protocol, expected) = (f[0], f[1], int.Parse(f[2], CultureInfo.InvariantCulture), f[3], f[4] == "allow");
            probes++;
            var from = engine.ResolveEndpoint(source);
            var to = engine.ResolveEndpoint(destination);
            var verdict = engine.Test(from, to, protocol, port);
            var flows = engine.Between(from.Workload!, to.Workload!);
            if (verdict.Allowed != expected || flows.Contains(protocol, port) != expected)
            {
                failures.Add($"{source} -> {destination} {protocol} {port}: expected {(expected ? "allow" : "deny")}, " +
                    $"explainer says {(verdict.Allowed ? "allow" : "deny")} ({verdict.Explanation}), flows say {flows}");
            }
        }

        Assert.True(probes > 0, $"{name} has no probes");
        Assert.True(failures.Count == 0, $"{name}: {failures.Count} of {probes} probes differ\n" + string.Join("\n", failures));
    }

    [ConformanceFact(Suite)]
    public void Every_case_runs_or_is_skipped_with_a_reason()
    {
        var cases = Directory.EnumerateDirectories(Cases).Select(Path.GetFileName).ToHashSet(StringComparer.Ordinal);
        Assert.True(cases.Count >= 59, $"expected the 59 ClusterNetworkPolicy cases under {Cases}");
        foreach (var (key, reason) in ConformanceSkips.Under(Suite + "/"))
        {
            Assert.Contains(key, cases);
            Assert.False(string.IsNullOrWhiteSpace(reason), $"{key} is skipped without a reason");
        }
    }
}
