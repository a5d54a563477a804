using NetSecPS.Core.Baseline;

namespace NetSecPS.Core.Tests.Baseline;

public class DriftAnalyzerTests
{
    private static readonly string[] CacheFlows =
    {
        "0.0.0.0-255.255.255.255[External] => shop/cache[Deployment] : All Connections",
        "shop/web[Deployment] => shop/cache[Deployment] : TCP 6379",
        "shop/cache[Deployment] => shop/db[StatefulSet] : TCP 5432",
        "shop/cache[Deployment] => 0.0.0.0-255.255.255.255[External] : All Connections",
    };

    [Fact]
    public void The_same_cluster_written_differently_gives_no_drift()
    {
        var findings = new[] { Postures.Finding("NP-002", "Namespace/shop", Severity.Medium) };
        var baseline = Postures.Build("shop-v1", Postures.ShopV1Flows, findings);
        var current = Postures.Build("shop-v1-reformatted", Postures.ShopV1Flows.Reverse(), findings);
        Assert.Empty(DriftAnalyzer.Compare(baseline, current));
        Assert.Empty(DriftAnalyzer.ContextNotes(baseline, current));
    }

    [Fact]
    public void A_baseline_read_back_from_its_file_gives_no_drift_against_the_same_cluster()
    {
        var posture = Postures.Build("shop-v1", Postures.ShopV1Flows, new[] { Postures.Finding("EX-001", "Service/shop/web", Severity.High, suppressed: true) });
        var file = BaselineFile.Serialize(posture, new BaselineProvenance { CreatedAt = DateTimeOffset.UnixEpoch });
        var read = BaselineFile.Read(file, "shop.baseline.json");
        Assert.Empty(DriftAnalyzer.Compare(read.Posture, Postures.Build("shop-v1-reformatted", Postures.ShopV1Flows, new[] { Postures.Finding("EX-001", "Service/shop/web", Severity.High, suppressed: true) })));
    }

    [Fact]
    public void A_workload_added_with_its_flows_is_reported_once_as_a_workload_and_once_per_flow()
    {
        var baseline = Postures.Build("shop-v1", Postures.ShopV1Flows);
        var current = Postures.Build("shop-v2", Postures.ShopV1Flows.Concat(CacheFlows));
        var drift = DriftAnalyzer.Compare(baseline, current);

        var workload = Assert.Single(drift, d => d.Category == DriftCategory.Workload);
        Assert.Equal((DriftChange.Added, "shop/cache[Deployment]"), (workload.Change, workload.Subject));

        var flows = drift.Where(d => d.Category == DriftCategory.Flow).ToList();
        Assert.Equal(CacheFlows.Length, flows.Count);
        Assert.All(flows, f =>
        {
            Assert.Equal(DriftChange.Added, f.Change);
            Assert.Null(f.Before);
            Assert.Equal("workload shop/cache[Deployment] added", f.Detail);
        });

        // The same records as diff lines, as the golden files write a new workload's flows.
        Assert.Contains(
            "diff-type: added, source: shop/web[Deployment], destination: shop/cache[Deployment], ref1: No Connections, ref2: TCP 6379, workloads-diff-info: workload shop/cache[Deployment] added",
            ConnlistDiff.Render(drift));
    }

    [Fact]
    public void New_flows_into_a_data_store_or_from_the_internet_rank_high_and_removed_flows_low()
    {
        var baseline = Postures.Build("shop-v1", Postures.ShopV1Flows);
        var current = Postures.Build("shop-v2", Postures.ShopV1Flows.Where(f => !f.StartsWith("shop/db[StatefulSet] => shop/web", StringComparison.Ordinal)).Concat(CacheFlows));
        var bySubject = DriftAnalyzer.Compare(baseline, current).Where(d => d.Category == DriftCategory.Flow).ToDictionary(d => d.Subject, d => d.Severity);

        Assert.Equal(Severity.Critical, bySubject["0.0.0.0-255.255.255.255[External] => shop/cache[Deployment]"]);
        Assert.Equal(Severity.High, bySubject["shop/web[Deployment] => shop/cache[Deployment]"]);
        Assert.Equal(Severity.High, bySubject["shop/cache[Deployment] => shop/db[StatefulSet]"]);
        Assert.Equal(Severity.Medium, bySubject["shop/cache[Deployment] => 0.0.0.0-255.255.255.255[External]"]);
        Assert.Equal(Severity.Low, bySubject["shop/db[StatefulSet] => shop/web[Deployment]"]);
    }

    [Fact]
    public void A_changed_flow_ranks_by_whether_it_opened_or_narrowed()
    {
        var baseline = Postures.Build("shop-v1", new[] { "shop/web[Deployment] => shop/db[StatefulSet] : TCP 5432", "shop/db[StatefulSet] => shop/web[Deployment] : TCP 8080,UDP 53" });
        var current = Postures.Build("shop-v1", new[] { "shop/web[Deployment] => shop/db[StatefulSet] : All Connections", "shop/db[StatefulSet] => shop/web[Deployment] : TCP 8080" });
        var drift = DriftAnalyzer.Compare(baseline, current).ToDictionary(d => d.Subject);

        var widened = drift["shop/web[Deployment] => shop/db[StatefulSet]"];
        Assert.Equal((DriftChange.Changed, "TCP 5432", "All Connections", Severity.High), (widened.Change, widened.Before, widened.After, widened.Severity));
        Assert.Equal(Severity.Low, drift["shop/db[StatefulSet] => shop/web[Deployment]"].Severity);
    }

    [Fact]
    public void A_new_exposure_ranks_high_and_a_widened_policy_is_a_policy_change()
    {
        var drift = DriftAnalyzer.Compare(Postures.Build("shop-v1"), Postures.Build("shop-v2"));

        var exposure = Assert.Single(drift, d => d.Category == DriftCategory.Exposure);
        Assert.Equal((DriftChange.Added, "Ingress/shop/web", Severity.High), (exposure.Change, exposure.Subject, exposure.Severity));
        Assert.Contains("no TLS", exposure.After, StringComparison.Ordinal);

        var policy = Assert.Single(drift, d => d.Category == DriftCategory.Policy);
        Assert.Equal((DriftChange.Changed, "NetworkPolicy/shop/db-from-web"), (policy.Change, policy.Subject));
        Assert.NotEqual(policy.Before, policy.After);
    }

    [Fact]
    public void Findings_drift_new_resolved_newly_suppressed_and_no_longer_suppressed()
    {
        var baseline = Postures.Build("shop-v1", findings: new[]
        {
            Postures.Finding("NP-002", "Namespace/shop", Severity.Medium),
            Postures.Finding("EX-001", "Service/shop/web", Severity.High, suppressed: true),
            Postures.Finding("NP-003", "StatefulSet/shop/db", Severity.High),
            Postures.Finding("NP-004", "Deployment/shop/web", Severity.Medium),
        });
        var current = Postures.Build("shop-v1", findings: new[]
        {
            Postures.Finding("NP-002", "Namespace/shop", Severity.Medium, suppressed: true),
            Postures.Finding("EX-001", "Service/shop/web", Severity.High),
            Postures.Finding("LAT-001", "StatefulSet/shop/db", Severity.High),
            Postures.Finding("NP-011", "NetworkPolicy/shop/db-from-web", Severity.Low, suppressed: true),
            Postures.Finding("NP-004", "Deployment/shop/web", Severity.Medium),
        });
        var drift = DriftAnalyzer.Compare(baseline, current).Where(d => d.Category == DriftCategory.Finding).ToDictionary(d => d.Subject);

        Assert.Equal(5, drift.Count);
        var newlySuppressed = drift["NP-002 Namespace/shop"];
        Assert.Equal((DriftChange.Changed, "Medium, open", Severity.Medium), (newlySuppressed.Change, newlySuppressed.Before, newlySuppressed.Severity));
        Assert.StartsWith("Medium, suppressed by platform@example.com", newlySuppressed.After, StringComparison.Ordinal);

        var unsuppressed = drift["EX-001 Service/shop/web"];
        Assert.Equal((DriftChange.Changed, "High, open", Severity.High), (unsuppressed.Change, unsuppressed.After, unsuppressed.Severity));

        var resolved = drift["NP-003 StatefulSet/shop/db"];
        Assert.Equal((DriftChange.Removed, (string?)null, Severity.Info), (resolved.Change, resolved.After, resolved.Severity));

        var added = drift["LAT-001 StatefulSet/shop/db"];
        Assert.Equal((DriftChange.Added, Severity.High, "LAT-001 title"), (added.Change, added.Severity, added.Detail));

        Assert.Equal(Severity.Low, drift["NP-011 NetworkPolicy/shop/db-from-web"].Severity);
    }

    [Fact]
    public void A_changed_exceptions_file_is_noted_as_context()
    {
        var before = PostureBuilder.FromExceptionsContent(System.Text.Json.Nodes.JsonNode.Parse("""{"exceptions":[{"checkId":"EX-001","resource":"Service/shop/*"}]}"""));
        var after = PostureBuilder.FromExceptionsContent(System.Text.Json.Nodes.JsonNode.Parse("""{"exceptions":[{"checkId":"EX-001","resource":"Service/*/*"}]}"""));
        var notes = DriftAnalyzer.ContextNotes(Postures.Build("shop-v1", exceptions: before), Postures.Build("shop-v1", exceptions: after));
        Assert.Contains("exceptions file differs", Assert.Single(notes), StringComparison.Ordinal);
    }

    [Fact]
    public void Flow_drift_records_render_to_the_same_lines_as_the_diff_itself()
    {
        var baseline = Postures.Build("shop-v1", Postures.ShopV1Flows);
        var current = Postures.Build("shop-v2", Postures.ShopV1Flows.Skip(1).Concat(CacheFlows));
        Assert.Equal(ConnlistDiff.Render(DriftAnalyzer.FlowDiffs(baseline, current)), ConnlistDiff.Render(DriftAnalyzer.Compare(baseline, current)));
    }

    [Fact]
    public void Data_stores_are_recognised_as_the_audit_recognises_them()
    {
        var workloads = Postures.Build("shop-v2").Workloads.ToDictionary(w => w.Peer, w => w.DataStore);
        Assert.Equal("postgres", workloads["shop/db[StatefulSet]"]);
        Assert.Equal("redis", workloads["shop/cache[Deployment]"]);
        Assert.Null(workloads["shop/web[Deployment]"]);
    }
}

public class DriftContextTests
{
    [Fact]
    public void A_different_profile_is_noted_with_what_differs()
    {
        var baseline = Postures.Build("shop-v1", profile: new ProfileInfo { Name = "default", Checks = new[] { "NP-001", "NP-002" } });
        var current = Postures.Build("shop-v1", profile: new ProfileInfo { Name = "default", Checks = new[] { "NP-001" }, ExcludedNamespaces = new[] { "shop" } });
        var note = Assert.Single(DriftAnalyzer.ContextNotes(baseline, current));
        Assert.Contains("2 → 1 checks", note, StringComparison.Ordinal);
        Assert.Contains("excluded namespaces [] → [shop]", note, StringComparison.Ordinal);
        Assert.DoesNotContain("name default", note, StringComparison.Ordinal);
    }
}
