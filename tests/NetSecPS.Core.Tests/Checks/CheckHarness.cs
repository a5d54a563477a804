using NetSecPS.Core.Checks;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Tests.Checks;

/// <summary>Runs checks over the manifest fixtures in tests/fixtures/checks/&lt;check-id&gt;/{fail,pass}.</summary>
internal static class CheckHarness
{
    /// <summary>The scan date of every audit in the tests, so date-dependent checks do not drift.</summary>
    public static readonly DateTimeOffset ScanDate = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    public static string FixturePath(string checkId, string outcome, string file) => TestPaths.Fixture("checks", checkId, outcome, file);

    public static ClusterData Read(params string[] paths)
    {
        var data = ManifestSource.Read(paths);
        Assert.DoesNotContain(data.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        return data;
    }

    /// <summary>The real connectivity engine: the semantic checks are tested against what it computes.</summary>
    public static IConnectivityQuery Connectivity(ClusterModel model) => ConnectivityEngine.Build(model);

    public static AuditResult Audit(ClusterData data, IReadOnlyList<string>? checks = null, AuditProfile? profile = null, ExceptionsFile? exceptions = null,
        CollectingSink? sink = null, DateTimeOffset? now = null)
    {
        var model = ClusterModel.Build(data);
        return Auditor.Run(model, Connectivity(model), profile ?? Profiles.Default, exceptions, sink ?? new CollectingSink(),
            new AuditOptions { Checks = checks, Now = now ?? ScanDate });
    }

    /// <summary>The findings of one check on one fixture file.</summary>
    public static IReadOnlyList<Finding> Run(string checkId, string outcome, string file, AuditProfile? profile = null)
    {
        var result = Audit(Read(FixturePath(checkId, outcome, file)), new[] { checkId }, profile);
        Assert.DoesNotContain(result.NotEvaluated, n => n.CheckId == checkId);
        return result.Findings.Where(f => f.CheckId == checkId).ToList();
    }

    /// <summary>Asserts the fixture fails the check on exactly the named resources.</summary>
    public static IReadOnlyList<Finding> Fails(string checkId, string file, params string[] resources)
    {
        var findings = Run(checkId, "fail", file);
        Assert.NotEmpty(findings);
        Assert.Equal(resources.Order(StringComparer.Ordinal), findings.Select(f => f.Resource).Order(StringComparer.Ordinal));
        Assert.All(findings, f =>
        {
            Assert.False(string.IsNullOrWhiteSpace(f.Evidence));
            Assert.NotEmpty(f.EvidenceData);
            Assert.False(string.IsNullOrWhiteSpace(f.Remediation));
        });
        return findings;
    }

    public static void Passes(string checkId, string file)
    {
        var findings = Run(checkId, "pass", file);
        Assert.True(findings.Count == 0, $"{checkId} should pass {file} but reported: {string.Join("; ", findings.Select(f => f.Resource + ": " + f.Evidence))}");
    }
}

/// <summary>The profiles shipped in reports/profiles, read as the module reads them.</summary>
internal static class Profiles
{
    public static string Directory => Path.Combine(TestPaths.RepoRoot, "reports", "profiles");

    public static AuditProfile Default => AuditProfile.Resolve("default", Directory);

    public static AuditProfile Cis => AuditProfile.Resolve("cis", Directory);

    public static AuditProfile Nsa => AuditProfile.Resolve("nsa", Directory);
}
