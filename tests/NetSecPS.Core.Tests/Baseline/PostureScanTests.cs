using NetSecPS.Core.Baseline;
using NetSecPS.Core.Checks;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Tests.Baseline;

/// <summary>The whole path: manifests → engine → audit with exceptions → posture → sealed baseline → drift.</summary>
public class PostureScanTests
{
    private static readonly DateTimeOffset Today = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private static Posture Scan(string fixture, string? exceptions = null) =>
        Scan(fixture, exceptions is null ? null : ExceptionsInForce.Load(TestPaths.Fixture("baseline", exceptions)));

    private static Posture Scan(string fixture, ExceptionsInForce? exceptions) =>
        PostureScan.Run(ManifestSource.Read(new[] { TestPaths.Fixture("baseline", fixture) }), AuditProfile.BuiltInDefault, exceptions, new CollectingSink(), Today);

    [Fact]
    public void The_same_cluster_in_other_manifests_and_exceptions_spelled_as_json_has_the_same_posture_digest()
    {
        var a = Scan("shop-v1", "exceptions.yaml");
        var b = Scan("shop-v1-reformatted", "exceptions-reformatted.json");
        Assert.NotEmpty(a.Findings);
        Assert.NotEmpty(a.Flows);
        Assert.Equal(BaselineFile.ContentDigest(a), BaselineFile.ContentDigest(b));
        Assert.Empty(DriftAnalyzer.Compare(a, b));
    }

    [Fact]
    public void Suppressions_are_part_of_the_baseline_digest()
    {
        Assert.NotEqual(BaselineFile.ContentDigest(Scan("shop-v1")), BaselineFile.ContentDigest(Scan("shop-v1", "exceptions.yaml")));
    }

    [Fact]
    public void A_baseline_applies_its_own_exceptions_again_so_an_unchanged_cluster_has_no_drift()
    {
        var approved = BaselineFile.Read(BaselineFile.Serialize(Scan("shop-v1", "exceptions.yaml"), new BaselineProvenance { CreatedAt = Today }), "shop.baseline.json");
        Assert.True(approved.Posture.Findings.Single(f => f.CheckId == "NP-002").Suppressed);

        var again = Scan("shop-v1", ExceptionsInForce.FromBaseline(approved.Posture.Exceptions!, "shop.baseline.json"));
        Assert.Empty(DriftAnalyzer.Compare(approved.Posture, again));
    }

    [Fact]
    public void Dropping_the_exceptions_file_reports_the_finding_as_no_longer_suppressed()
    {
        var drift = DriftAnalyzer.Compare(Scan("shop-v1", "exceptions.yaml"), Scan("shop-v1"));
        var finding = Assert.Single(drift);
        Assert.Equal((DriftCategory.Finding, DriftChange.Changed, "NP-002 Namespace/shop", Severity.Medium), (finding.Category, finding.Change, finding.Subject, finding.Severity));
        Assert.Equal("Medium, open", finding.After);
    }

    [Fact]
    public void A_new_data_store_open_to_the_internet_shows_as_workload_flows_exposure_and_findings()
    {
        var drift = DriftAnalyzer.Compare(Scan("shop-v1"), Scan("shop-v2"));
        Assert.Contains(drift, d => d is { Category: DriftCategory.Workload, Change: DriftChange.Added, Subject: "shop/cache[Deployment]" });
        Assert.Contains(drift, d => d is { Category: DriftCategory.Flow, Change: DriftChange.Added, Severity: Severity.Critical, Subject: "0.0.0.0-255.255.255.255[External] => shop/cache[Deployment]" });
        Assert.Contains(drift, d => d is { Category: DriftCategory.Flow, Severity: Severity.High, Subject: "{ingress-controller} => shop/web[Deployment]" });
        Assert.Contains(drift, d => d is { Category: DriftCategory.Exposure, Change: DriftChange.Added, Subject: "Ingress/shop/web", Severity: Severity.High });
        Assert.Contains(drift, d => d is { Category: DriftCategory.Finding, Change: DriftChange.Added, Subject: "LAT-001 Deployment/shop/cache", Severity: Severity.High });
    }
}
