using ClosedXML.Excel;
using NetSecPS.Core;
using NetSecPS.Core.Scanning;
using NetSecPS.Core.Sources;
using NetSecPS.Reports.Json;
using UglyToad.PdfPig;

namespace NetSecPS.Reports.Tests;

/// <summary>The "Observed traffic" part of the reports, from a scan of the demo cluster with its Hubble log.</summary>
public class ObservedTrafficReportTests
{
    private static readonly Lazy<ScanResult> Scan = TestFiles.DemoWithFlowLog;

    private static readonly Lazy<string> Workbook = new(() => TestFiles.Write(Scan.Value, "observed-traffic.xlsx"));
    private static readonly Lazy<string> Pdf = new(() => TestFiles.Write(Scan.Value, "observed-traffic.pdf"));

    private static List<Dictionary<string, string>> Rows(IXLWorksheet ws)
    {
        var headers = ws.Row(1).CellsUsed().Select(c => c.GetString()).ToList();
        return ws.RowsUsed().Skip(1).Select(r => headers.Select((h, i) => (h, r.Cell(i + 1).GetString())).ToDictionary(p => p.h, p => p.Item2)).ToList();
    }

    [Fact]
    public void The_workbook_has_a_summary_and_a_sheet_per_category_with_every_record()
    {
        var t = Scan.Value.ObservedTraffic!;
        using var wb = new XLWorkbook(Workbook.Value);
        Assert.Equal(new[] { "Observed traffic", "Observed allowed", "Observed denied", "Unused allowed", "Unresolved flows" },
            wb.Worksheets.Select(w => w.Name).SkipWhile(n => n != "Observed traffic"));

        var denied = Rows(wb.Worksheet("Observed denied"));
        Assert.Equal(t.ObservedDenied.Count, denied.Count);
        var first = denied[0];
        Assert.Equal(("shop/frontend[Deployment]", "payments/payments-api[Deployment]", "TCP 8443", "Forwarded", "yes", "shop/default-deny-all"),
            (first["Source"], first["Destination"], first["Connections"], first["Log verdict"], first["Datapath disagrees"], first["Policy"]));
        Assert.EndsWith("hubble-observe.json:" + t.ObservedDenied[0].Evidence!.Split(':')[^1], first["Evidence"], StringComparison.Ordinal);

        var allowed = Rows(wb.Worksheet("Observed allowed"));
        Assert.Equal(t.ObservedAllowed.Count, allowed.Count);
        var frontend = allowed.Single(r => r["Source"] == "ingress-nginx/ingress-nginx-controller[Deployment]" && r["Destination"] == "shop/frontend[Deployment]");
        Assert.Equal(("14", "NetworkPolicy", "shop/frontend-from-ingress-controller"), (frontend["Observed"], frontend["Policy kind"], frontend["Policy"]));

        var unused = Rows(wb.Worksheet("Unused allowed"));
        Assert.Equal(t.UnusedAllowed.Count, unused.Count);
        Assert.Contains(unused, r => r["Source"] == "ingress-nginx/ingress-nginx-controller[Deployment]" && r["Destination"] == "data/postgres[StatefulSet]" &&
            r["Connections"] == "TCP 5432" && r["Policy"] == "data/postgres-from-all-namespaces");

        var unresolved = Rows(wb.Worksheet("Unresolved flows"));
        Assert.Equal(t.Unresolved.Count, unresolved.Count);
        Assert.Contains(unresolved, r => r["Source"] == "shop/legacy-checkout[Deployment]" && r["Reason"].StartsWith("no workload of the snapshot matches", StringComparison.Ordinal));

        var summary = wb.Worksheet("Observed traffic");
        var text = string.Join("\n", summary.CellsUsed().Select(c => c.GetString()));
        Assert.Contains("Widest unused allowed paths into data stores", text, StringComparison.Ordinal);
        Assert.Contains("ingress-nginx/ingress-nginx-controller[Deployment] => data/postgres[StatefulSet]", text, StringComparison.Ordinal);
        Assert.Contains("data/postgres[StatefulSet]: PostgreSQL (image docker.io/library/postgres:16.4)", text, StringComparison.Ordinal);
        Assert.Contains(TestFiles.HubbleLog, text, StringComparison.Ordinal);
        Assert.Contains("hubble-observe.json:26", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_pdf_summarises_the_traffic_with_the_disagreements_and_the_widest_unused_paths()
    {
        using var pdf = PdfDocument.Open(Pdf.Value);
        var text = string.Join("\n", pdf.GetPages().Select(p => p.Text));
        var section = text[text.IndexOf("Observed traffic", StringComparison.Ordinal)..];
        Assert.Contains("show 237 flows", section, StringComparison.Ordinal);
        Assert.Contains("Where the datapath and the policies disagree", section, StringComparison.Ordinal);
        Assert.Contains("shop/frontend[Deployment]", section, StringComparison.Ordinal);
        Assert.Contains("payments/payments-api[Deployment]", section, StringComparison.Ordinal);
        Assert.Contains("Widest unused allowed paths into data stores", section, StringComparison.Ordinal);
        Assert.Contains("data/postgres[StatefulSet]", section, StringComparison.Ordinal);
        Assert.Contains("Widest unused allowed paths from exposed workloads", section, StringComparison.Ordinal);
        Assert.Contains("Flows not compared", section, StringComparison.Ordinal);
        Assert.Contains("1 line of the logs could not be read", section, StringComparison.Ordinal);
    }

    [Fact]
    public void The_json_report_carries_the_observed_traffic_and_reads_back()
    {
        var path = TestFiles.Write(Scan.Value, "observed-traffic.json");
        Assert.Contains("\"observedTraffic\": {", File.ReadAllText(path), StringComparison.Ordinal);
        using var stream = File.OpenRead(path);
        var back = ScanResultJson.Read(stream).ObservedTraffic!;
        var t = Scan.Value.ObservedTraffic!;
        Assert.Equal((t.ObservedAllowed.Count, t.ObservedDenied.Count, t.UnusedAllowed.Count, t.Unresolved.Count, t.Disagreements),
            (back.ObservedAllowed.Count, back.ObservedDenied.Count, back.UnusedAllowed.Count, back.Unresolved.Count, back.Disagreements));
        Assert.Equal(t.ObservedDenied[0], back.ObservedDenied[0] with { LogPolicies = t.ObservedDenied[0].LogPolicies });
    }

    [Fact]
    public void Without_flow_logs_the_reports_have_no_observed_traffic()
    {
        var scan = Scanner.Run(ManifestSource.Read(new[] { TestFiles.DemoCluster }), new ScanOptions { Now = SampleScan.ScannedAt }, new CollectingSink());
        Assert.Null(scan.ObservedTraffic);
        using (var wb = new XLWorkbook(TestFiles.Write(scan, "no-traffic.xlsx")))
        {
            Assert.DoesNotContain(wb.Worksheets, w => w.Name.StartsWith("Observed", StringComparison.Ordinal));
        }

        using var pdf = PdfDocument.Open(TestFiles.Write(scan, "no-traffic.pdf"));
        Assert.DoesNotContain("Observed traffic", string.Join("\n", pdf.GetPages().Select(p => p.Text)), StringComparison.Ordinal);
    }

    [Fact]
    public void A_category_of_many_records_is_streamed_into_the_workbook_whole()
    {
        var records = Enumerable.Range(0, 25_000).Select(i => new FlowComparison
        {
            Category = TrafficCategory.UnusedAllowed,
            Source = $"team-{i % 97}/app-{i}[Deployment]",
            Destination = "data/postgres[StatefulSet]",
            SourceNamespace = $"team-{i % 97}",
            DestinationNamespace = "data",
            Protocol = "TCP",
            Port = 5432,
            EndPort = 5432,
            Layer = PolicyLayer.Cni,
            PolicyKind = "NetworkPolicy",
            Policy = "data/postgres-from-all-namespaces",
        }).ToList();
        var scan = ExcelReportTests.WithFindings(SampleScan.Create(), SampleScan.Create().Findings);
        var withTraffic = new ScanResult
        {
            Provenance = scan.Provenance,
            Profile = scan.Profile,
            Score = scan.Score,
            Checks = scan.Checks,
            Findings = scan.Findings,
            ScannedAt = scan.ScannedAt,
            ObservedTraffic = new ObservedTraffic { UnusedAllowed = records, Files = new[] { "/logs/hubble.jsonpb" } },
        };
        using var wb = new XLWorkbook(TestFiles.Write(withTraffic, "observed-traffic-large.xlsx"));
        var sheet = wb.Worksheet("Unused allowed");
        Assert.Equal(records.Count + 1, sheet.LastRowUsed()!.RowNumber());
        Assert.Equal($"team-{24_999 % 97}/app-24999[Deployment]", sheet.Cell(records.Count + 1, 1).GetString());
        Assert.Equal(records.Count + 1, sheet.Tables.Single().RowCount());
    }
}
