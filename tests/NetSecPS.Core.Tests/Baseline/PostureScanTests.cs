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
    public void Two_exports_of_the_demo_cluster_are_byte_identical_apart_from_time_and_provenance()
    {
        byte[] Export(DateTimeOffset at)
        {
            var data = ManifestSource.Read(new[] { Path.Combine(TestPaths.RepoRoot, "samples", "cluster") });
            var posture = PostureScan.Run(data, AuditProfile.BuiltInDefault, null, new CollectingSink(), Today);
            return BaselineFile.Serialize(posture, new BaselineProvenance { CreatedAt = at, Source = data.Provenance });
        }

        static string WithoutProvenance(byte[] file)
        {
            var doc = System.Text.Json.Nodes.JsonNode.Parse(file)!.AsObject();
            doc.Remove("provenance");
            ((System.Text.Json.Nodes.JsonObject)doc["integrity"]!).Remove("documentDigest");
            return CanonicalJson.Serialize(doc, indented: true);
        }

        var first = Export(Today);
        var second = Export(Today.AddHours(3));
        Assert.NotEqual(first, second);
        Assert.Equal(WithoutProvenance(first), WithoutProvenance(second));
        Assert.True(System.Text.Json.Nodes.JsonNode.Parse(first)!["posture"]!["flows"]!.AsArray().Count > 50);
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

public class PostureFromScanTests
{
    private static ScanResult Scan(Snapshot? snapshot, Posture posture) => new()
    {
        Provenance = new Provenance { Cluster = "prod" },
        Profile = new ProfileInfo { Name = "default", ExcludedNamespaces = new[] { "kube-system" } },
        Score = new ScoreDetails { Score = 80 },
        Snapshot = snapshot,
        Workloads = NetSecPS.Core.Model.InventoryBuilder.Build(Postures.Model("shop-v1")).OfType<WorkloadItem>().ToList(),
        Policies = NetSecPS.Core.Model.InventoryBuilder.Build(Postures.Model("shop-v1")).OfType<PolicyItem>().ToList(),
        Services = NetSecPS.Core.Model.InventoryBuilder.Build(Postures.Model("shop-v1")).OfType<ServiceItem>().ToList(),
        Flows = posture.Flows.Select(f => new Flow { Source = f.Source, Destination = f.Destination, Connections = f.Connections }).ToList(),
        Findings = new[] { Postures.Finding("NP-001", "Namespace/shop", Severity.High) },
    };

    [Fact]
    public void A_scan_with_its_snapshot_gives_the_posture_of_that_snapshot()
    {
        var expected = Postures.Build("shop-v1", Postures.ShopV1Flows, new[] { Postures.Finding("NP-001", "Namespace/shop", Severity.High) },
            new ProfileInfo { Name = "default", ExcludedNamespaces = new[] { "kube-system" } });
        var snapshot = ManifestSource.Read(new[] { TestPaths.Fixture("baseline", "shop-v1") }).ToSnapshot();
        Assert.Equal(BaselineFile.ContentDigest(expected), BaselineFile.ContentDigest(PostureBuilder.FromScan(Scan(snapshot, expected))));
    }

    [Fact]
    public void A_scan_without_its_snapshot_still_keeps_workloads_flows_findings_exposures_and_policies()
    {
        var expected = Postures.Build("shop-v1", Postures.ShopV1Flows);
        var posture = PostureBuilder.FromScan(Scan(null, expected));
        Assert.Equal(expected.Workloads.Select(w => w.Peer), posture.Workloads.Select(w => w.Peer));
        Assert.Equal(expected.Flows, posture.Flows);
        Assert.Equal(expected.Exposures.Select(e => e.Key), posture.Exposures.Select(e => e.Key));
        Assert.Equal("NetworkPolicy/shop/db-from-web", Assert.Single(posture.Policies).Key);
        Assert.Equal("NP-001 Namespace/shop", Assert.Single(posture.Findings).Key);
    }
}
