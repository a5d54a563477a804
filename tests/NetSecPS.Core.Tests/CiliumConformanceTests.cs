using System.Globalization;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Tests;

/// <summary>
/// Every case of the Cilium conformance data (policy scenarios of Cilium's own connectivity test
/// suite): each line of <c>expect.tsv</c> is decided twice, by the explainer and by the flow
/// computation between the two ends, and both must give the expected verdict. The cases assume
/// Cilium is the CNI, so each is read with the Cilium agent's DaemonSet beside it. A derived line
/// may be skipped only by naming it in tests/conformance-skips.txt (<c>cilium/&lt;case&gt;</c>,
/// <c>line: src dst port protocol verdict</c>, with the citation); a probed line never.
/// </summary>
public class CiliumConformanceTests
{
    private const string Suite = "cilium";

    private static string Cases => Path.Combine(TestPaths.ConformanceSuite(Suite), "cases");

    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (var dir in Directory.EnumerateDirectories(Cases).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(dir));
        }

        return data;
    }

    /// <summary>One line of expect.tsv.</summary>
    private sealed record Expectation(string Source, string Destination, int Port, string Protocol, bool Allow, bool Probed)
    {
        public string Key => $"{Source} {Destination} {Port.ToString(CultureInfo.InvariantCulture)} {Protocol} {(Allow ? "allow" : "deny")}";
    }

    private static List<Expectation> Read(string dir)
    {
        var result = new List<Expectation>();
        var probed = false;
        foreach (var line in File.ReadAllLines(Path.Combine(dir, "expect.tsv")))
        {
            if (line.StartsWith('#'))
            {
                var marker = line.TrimStart('#').Trim();
                probed = marker == "probed" || (marker != "derived" && probed);
                continue;
            }

            if (line.Trim().Length == 0)
            {
                continue;
            }

            var f = line.Split('\t');
            Assert.True(f.Length == 5, $"{Path.GetFileName(dir)}: malformed line '{line}'");
            result.Add(new Expectation(f[0], f[1], int.Parse(f[2], CultureInfo.InvariantCulture), f[3], f[4] == "allow", probed));
        }

        return result;
    }

    /// <summary>The lines of a case that conformance-skips.txt skips (<c>line: src dst port protocol verdict</c> in its reason).</summary>
    private static HashSet<string> SkippedLines(string name) =>
        ConformanceSkips.Under(Suite + "/").TryGetValue(name, out var reason)
            ? reason.Split("line:", StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split('|')[0].Trim()).ToHashSet(StringComparer.Ordinal)
            : new HashSet<string>(StringComparer.Ordinal);

    private static ConnectionEndpoint Resolve(ConnectivityEngine engine, string peer) =>
        engine.ResolveEndpoint(peer.StartsWith("external/", StringComparison.Ordinal) ? peer["external/".Length..] : peer);

    [ConformanceTheory(Suite)]
    [MemberData(nameof(CaseNames))]
    public void Every_line_of_the_case_gets_its_verdict(string name)
    {
        var dir = Path.Combine(Cases, name);
        var data = ManifestSource.Read(new[] { dir, TestPaths.Fixture("cilium", "agent") });
        Assert.DoesNotContain(data.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        var sink = new CollectingSink();
        var engine = ConnectivityEngine.Build(ClusterModel.Build(data), sink);
        Assert.DoesNotContain(sink.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);

        var expectations = Read(dir);
        var skipped = SkippedLines(name);
        var failures = new List<string>();
        foreach (var e in expectations)
        {
            var from = Resolve(engine, e.Source);
            var to = Resolve(engine, e.Destination);
            // The data writes pings as ICMP port 0, an echo request: ICMP type 8.
            var port = e.Protocol == "ICMP" ? 8 : e.Port;
            var verdict = engine.Test(from, to, e.Protocol, port);
            var flows = engine.Between(from, to);
            var agrees = verdict.Allowed == e.Allow && flows.Contains(e.Protocol, port) == e.Allow;
            if (skipped.Contains(e.Key))
            {
                Assert.False(e.Probed, $"{name}: the probed line '{e.Key}' is skipped; only derived lines may be.");
                Assert.False(agrees, $"{name}: the skipped line '{e.Key}' now passes; remove it from conformance-skips.txt.");
                continue;
            }

            if (!agrees)
            {
                failures.Add($"{(e.Probed ? "probed" : "derived")} {e.Key}: explainer says {(verdict.Allowed ? "allow" : "deny")} ({verdict.Explanation}), flows say {flows}");
            }
        }

        Assert.True(expectations.Count > 0, $"{name} has no lines");
        Assert.True(failures.Count == 0, $"{name}: {failures.Count} of {expectations.Count} lines differ\n" + string.Join("\n", failures));
        Assert.All(skipped, s => Assert.Contains(expectations, e => e.Key == s));
    }

    [ConformanceFact(Suite)]
    public void Every_case_is_read_and_every_skip_names_a_case()
    {
        var cases = Directory.EnumerateDirectories(Cases).Select(Path.GetFileName).ToHashSet(StringComparer.Ordinal);
        Assert.True(cases.Count >= 24, $"expected the 24 Cilium cases under {Cases}");
        Assert.Equal(566, cases.Sum(c => Read(Path.Combine(Cases, c!)).Count));
        foreach (var (key, reason) in ConformanceSkips.Under(Suite + "/"))
        {
            Assert.Contains(key, cases);
            Assert.Contains("line:", reason, StringComparison.Ordinal);
        }
    }
}
