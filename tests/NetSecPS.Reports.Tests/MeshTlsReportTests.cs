using System.Globalization;
using ClosedXML.Excel;
using NetSecPS.Core;
using NetSecPS.Core.Scanning;
using NetSecPS.Core.Sources;
using NetSecPS.Reports.Excel;
using NetSecPS.Reports.Json;
using NetSecPS.Reports.Pdf;
using UglyToad.PdfPig;

namespace NetSecPS.Reports.Tests;

/// <summary>
/// The reports' mutual TLS part, from scans of the Istio fixtures: per destination namespace, how
/// many allowed flows between workloads the mesh carries with mutual TLS, read back from the
/// workbook and the PDF and compared with the scan's own flows.
/// </summary>
public class MeshTlsReportTests
{
    private static readonly string Fixtures = Path.Combine(TestFiles.RepoRoot, "tests", "fixtures");

    /// <summary>
    /// PeerAuthentication precedence and portLevelMtls, written from the Istio documentation: mesh-wide
    /// STRICT (bar inherits it), foo PERMISSIVE with foo/finance STRICT but DISABLE on TCP 8080 and
    /// foo/ledger PERMISSIVE (STRICT on 9000 only), and outside/legacy without a sidecar. No
    /// NetworkPolicy: every pair of workloads is allowed, the mesh decides how.
    /// </summary>
    private static readonly Lazy<ScanResult> Mesh = new(() => Scan(Path.Combine(Fixtures, "connectivity", "istio", "peer-authentication.yaml")));

    /// <summary>A sidecar namespace, an ambient namespace and a Linkerd namespace.</summary>
    private static readonly Lazy<ScanResult> Ambient = new(() => Scan(Path.Combine(Fixtures, "checks", "MESH-002", "pass", "sidecar-ambient-and-linkerd.yaml")));

    /// <summary>The Cilium demo cluster (samples/cilium-cluster): no service mesh.</summary>
    private static readonly Lazy<ScanResult> NoMesh = new(() => Scan(Path.Combine(TestFiles.RepoRoot, "samples", "cilium-cluster")));

    /// <summary>The demo cluster (samples/cluster): Istio sidecars in shop and payments, STRICT in payments.</summary>
    private static readonly Lazy<ScanResult> Demo = new(() => Scan(TestFiles.DemoCluster));

    private static readonly Lazy<string> Workbook = new(() => TestFiles.Write(Mesh.Value, "mesh-tls.xlsx"));
    private static readonly Lazy<string> Pdf = new(() => TestFiles.Write(Mesh.Value, "mesh-tls.pdf"));

    private static ScanResult Scan(string path) =>
        Scanner.Run(ManifestSource.Read(new[] { path }), new ScanOptions { Now = SampleScan.ScannedAt }, new CollectingSink());

    /// <summary>
    /// What the mesh does to each namespace's incoming flows, worked out by hand from the fixture:
    /// (flows in, mutual TLS, STRICT, PERMISSIVE, plaintext, caller without sidecar,
    /// destination without sidecar, DISABLE, no TCP, outside the mesh, ambient).
    /// </summary>
    private static readonly Dictionary<string, int[]> Expected = new()
    {
        // bar/api and bar/client, mesh-wide STRICT: the six calls among bar and foo are STRICT; outside/legacy
        // keeps only UDP and SCTP (STRICT refuses its TCP), which no sidecar intercepts.
        ["bar"] = new[] { 8, 6, 6, 0, 0, 0, 0, 0, 2, 0, 0 },
        // foo/finance is DISABLE on TCP 8080, the weakest port of every call into it (4 flows); foo/ledger
        // is PERMISSIVE: three meshed callers get automatic mTLS, outside/legacy calls in plaintext.
        ["foo"] = new[] { 8, 3, 0, 3, 5, 1, 0, 4, 0, 0, 0 },
        // outside/legacy runs no sidecar: the meshed callers' sidecars send plaintext.
        ["outside"] = new[] { 4, 0, 0, 0, 4, 0, 4, 0, 0, 0, 0 },
    };

    private static readonly Dictionary<string, string> ExpectedShare = new() { ["bar"] = "75.0%", ["foo"] = "37.5%", ["outside"] = "0.0%" };

    /// <summary>Allowed flows between workloads into <paramref name="ns"/>, the sidecars' channel to istiod (infrastructure) left out.</summary>
    private static List<Flow> WorkloadFlowsInto(ScanResult scan, string ns) => scan.Flows
        .Where(f => f.SourceKind == PeerKind.Workload && f.DestinationKind == PeerKind.Workload && f.Mtls != MtlsState.ControlPlane && f.DestinationNamespace == ns).ToList();

    private static List<Dictionary<string, IXLCell>> TableRows(IXLWorksheet ws)
    {
        var table = ws.Tables.Single();
        var headers = table.HeadersRow().Cells().Select(c => c.GetString()).ToList();
        return table.DataRange.Rows().Select(r => headers.Select((h, i) => (h, r.Cell(i + 1))).ToDictionary(p => p.h, p => p.Item2)).ToList();
    }

    [Fact]
    public void The_hand_worked_counts_are_what_the_scan_s_flows_hold()
    {
        // Guards the expectations below against a fixture or engine change: each namespace's flows, by state.
        foreach (var (ns, e) in Expected)
        {
            var flows = WorkloadFlowsInto(Mesh.Value, ns);
            Assert.Equal(e[0], flows.Count);
            Assert.Equal(e[1], flows.Count(f => f.MutuallyAuthenticated));
            Assert.Equal(e[2], flows.Count(f => f.Mtls == MtlsState.Strict));
            Assert.Equal(e[3], flows.Count(f => f.Mtls == MtlsState.Permissive));
            Assert.Equal(e[5], flows.Count(f => f.Mtls == MtlsState.SourceWithoutSidecar));
            Assert.Equal(e[6], flows.Count(f => f.Mtls == MtlsState.DestinationWithoutSidecar));
            Assert.Equal(e[7], flows.Count(f => f.Mtls == MtlsState.Disable));
            Assert.Equal(e[8], flows.Count(f => f.Mtls == MtlsState.None && !f.Ports.Any(p => p.Protocol == "TCP")));
        }

        Assert.Equal(Expected.Keys.Order(StringComparer.Ordinal), Mesh.Value.Flows.Where(f => f.SourceKind == PeerKind.Workload && f.DestinationKind == PeerKind.Workload)
            .Select(f => f.DestinationNamespace!).Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_workbook_has_a_mesh_mtls_sheet_after_the_flow_matrix_with_each_namespace_s_counts_and_share()
    {
        using var wb = new XLWorkbook(Workbook.Value);
        var names = wb.Worksheets.Select(w => w.Name).ToList();
        Assert.Equal(names.IndexOf("Flow matrix") + 1, names.IndexOf(MeshTlsSheet.Name));

        var ws = wb.Worksheet(MeshTlsSheet.Name);
        var rows = TableRows(ws);
        Assert.Equal(new[] { "bar", "foo", "outside" }, rows.Select(r => r["Namespace"].GetString()));
        var columns = new[]
        {
            "Flows in", "Mutual TLS", "STRICT", "PERMISSIVE (auto mTLS)", "Plaintext", "Caller without sidecar", "Destination without sidecar", "DISABLE",
            "No TCP (not intercepted)", "Outside the mesh", "Ambient (not evaluated)",
        };
        foreach (var row in rows)
        {
            var ns = row["Namespace"].GetString();
            var flows = WorkloadFlowsInto(Mesh.Value, ns);
            Assert.Equal(Expected[ns], columns.Select(c => (int)row[c].GetDouble()).ToArray());
            Assert.Equal(flows.Count, (int)row["Flows in"].GetDouble());
            Assert.Equal(flows.Count(f => f.MutuallyAuthenticated), (int)row["Mutual TLS"].GetDouble());

            // The share is a number Excel can sort and chart, shown as a percentage.
            var share = row["Share mutual TLS"];
            Assert.Equal(XLDataType.Number, share.DataType);
            Assert.Equal((double)flows.Count(f => f.MutuallyAuthenticated) / flows.Count, share.GetDouble(), 9);
            Assert.Equal("0.0%", share.Style.NumberFormat.Format);
            Assert.Equal(ExpectedShare[ns], share.GetDouble().ToString("0.0%", CultureInfo.InvariantCulture));
        }

        // The total sits below the table, so sorting and filtering the namespaces leaves it alone.
        var totalRow = ws.RowsUsed().Single(r => r.Cell(1).GetString() == MeshTlsSheet.TotalLabel);
        Assert.True(totalRow.RowNumber() > ws.Tables.Single().RangeAddress.LastAddress.RowNumber);
        Assert.Equal((20, 9, 0.45), ((int)totalRow.Cell(2).GetDouble(), (int)totalRow.Cell(3).GetDouble(), Math.Round(totalRow.Cell(4).GetDouble(), 9)));
        Assert.True(totalRow.Cell(1).Style.Font.Bold);

        var text = string.Join("\n", ws.CellsUsed().Select(c => c.GetString()));
        Assert.Contains("PERMISSIVE (Istio's automatic mTLS then encrypts and authenticates the flow)", text, StringComparison.Ordinal);
        Assert.Contains("MESH-001 findings name the flows", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_mesh_mtls_sheet_prints_like_the_others_with_every_column_the_total_and_the_notes()
    {
        using var wb = new XLWorkbook(Workbook.Value);
        var ws = wb.Worksheet(MeshTlsSheet.Name);
        Assert.Equal(XLPageOrientation.Landscape, ws.PageSetup.PageOrientation);
        Assert.Equal(XLPaperSize.A4Paper, ws.PageSetup.PaperSize);
        Assert.Equal(1, ws.PageSetup.PagesWide);
        Assert.Equal(1, ws.PageSetup.FirstRowToRepeatAtTop);
        Assert.Equal(1, ws.SheetView.SplitRow);

        // The buckets add up to the flows only with every column: a print area that kept the first
        // eleven and stopped at the table's last row left out two buckets, the total and the notes.
        var headers = ws.Tables.Single().HeadersRow().Cells().ToList();
        Assert.Equal(13, headers.Count);
        var printed = ws.PageSetup.PrintAreas.SingleOrDefault();
        if (printed is not null)
        {
            Assert.Equal(headers.Count, printed.LastColumn().ColumnNumber());
            Assert.Equal(ws.LastRowUsed()!.RowNumber(), printed.LastRow().RowNumber());
        }

        // ... at a legible size: the columns are no wider than the widest a printed sheet may be.
        var width = Enumerable.Range(1, headers.Count).Sum(c => ws.Column(c).Width);
        Assert.True(width <= SheetTable.MaxPrintWidth, $"the sheet is {width} wide");

        // AdjustToContents does not work on Linux: every header shows whole, on one line or wrapped in a row tall enough for it.
        foreach (var cell in headers)
        {
            var header = cell.GetString();
            var column = ws.Column(cell.Address.ColumnNumber).Width;
            Assert.True(header.Split(' ').Max(w => w.Length) + 2 <= column, $"a word of '{header}' is cut in a column {column} wide");
            if (header.Length + 2 > column)
            {
                Assert.True(cell.Style.Alignment.WrapText, $"'{header}' does not wrap");
                Assert.True(ws.Row(1).Height >= SheetTable.LineHeight * SheetTable.EstimateLines(header, column - 2), $"the header row is too low for '{header}'");
            }
        }

        Assert.True(ws.Column(1).Width >= MeshTlsSheet.TotalLabel.Length, "the total's label is cut");

        // The explanation spans the table's width and its row is tall enough for its lines.
        var note = ws.CellsUsed().Single(c => c.GetString().StartsWith("Allowed flows between workloads", StringComparison.Ordinal));
        Assert.True(note.IsMerged());
        Assert.True(note.WorksheetRow().Height >= 45, $"the explanation's row is {note.WorksheetRow().Height} high");
        Assert.True(note.Style.Alignment.WrapText);
    }

    [Fact]
    public void The_flows_sheet_gives_each_flow_s_mtls_state_and_the_peer_authentication_that_decides_it()
    {
        using var wb = new XLWorkbook(Workbook.Value);
        var ws = wb.Worksheet("Flows");
        var headers = ws.Row(1).CellsUsed().Select(c => c.GetString()).ToList();
        Assert.Equal(new[] { "Source", "Destination", "Source namespace", "Destination namespace", "Connections", "mTLS", "mTLS decided by" }, headers);
        var rows = ws.RowsUsed().Skip(1).Select(r => headers.Select((h, i) => (h, r.Cell(i + 1).GetString())).ToDictionary(p => p.h, p => p.Item2)).ToList();
        Assert.Equal(Mesh.Value.Flows.Count, rows.Count);
        foreach (var f in Mesh.Value.Flows)
        {
            var row = rows.Single(r => r["Source"] == f.Source && r["Destination"] == f.Destination);
            Assert.Equal(f.Mtls == MtlsState.None ? string.Empty : f.Mtls.ToString(), row["mTLS"]);
            Assert.Equal(f.MtlsDetail ?? string.Empty, row["mTLS decided by"]);
        }

        var finance = rows.Single(r => r["Source"] == "bar/api[Deployment]" && r["Destination"] == "foo/finance[Deployment]");
        Assert.Equal("Disable", finance["mTLS"]);
        Assert.Contains("TCP 8080 DISABLE: PeerAuthentication foo/finance (port level)", finance["mTLS decided by"], StringComparison.Ordinal);
    }

    [Fact]
    public void The_pdf_has_a_mutual_tls_section_after_connectivity_with_each_namespace_s_share()
    {
        using var pdf = PdfDocument.Open(Pdf.Value);
        Assert.True(pdf.TryGetBookmarks(out var bookmarks));
        var sections = bookmarks.Roots.Select(b => b.Title).ToList();
        Assert.Equal(sections.IndexOf("Connectivity") + 1, sections.IndexOf(MeshTlsSection.Title));

        var words = pdf.GetPages().Select(p => string.Join(" ", p.GetWords().Select(w => w.Text))).ToList();
        // The executive summary states the overall share too ("Mutual TLS in the mesh: ..."); the section's title heads its own sentence.
        var page = words.FindIndex(p => p.Contains($"{MeshTlsSection.Title} 9 of 20", StringComparison.Ordinal));
        Assert.True(page >= 0, "no page holds the section");
        var section = words[page];
        Assert.Contains("9 of 20 allowed flows between workloads are mutually authenticated (45.0%); 9 cross in plaintext although one end runs a sidecar.", section, StringComparison.Ordinal);

        // Namespace, flows in, mutual TLS, share, plaintext, not intercepted; no ambient column where no flow is ambient.
        Assert.Contains("Namespace Flows in Mutual TLS Share Plaintext Not intercepted", section, StringComparison.Ordinal);
        Assert.DoesNotContain("Not intercepted Ambient", section, StringComparison.Ordinal);
        foreach (var (ns, e) in Expected)
        {
            var plaintext = e[5] + e[6] + e[7];
            Assert.Contains($"{ns} {e[0]} {e[1]} {ExpectedShare[ns]} {plaintext} {e[8] + e[9]}", section, StringComparison.Ordinal);
        }

        Assert.Contains("All namespaces 20 9 45.0% 9 2", section, StringComparison.Ordinal);
    }

    [Fact]
    public void Ambient_flows_count_against_the_share_and_get_a_column_of_their_own()
    {
        var scan = Ambient.Value;
        var into = WorkloadFlowsInto(scan, "billing");
        Assert.NotEmpty(into);
        Assert.All(into, f => Assert.Equal(MtlsState.Ambient, f.Mtls));

        using (var wb = new XLWorkbook(TestFiles.Write(scan, "mesh-tls-ambient.xlsx")))
        {
            var billing = TableRows(wb.Worksheet(MeshTlsSheet.Name)).Single(r => r["Namespace"].GetString() == "billing");
            Assert.Equal((into.Count, into.Count, 0, 0.0), ((int)billing["Flows in"].GetDouble(), (int)billing["Ambient (not evaluated)"].GetDouble(), (int)billing["Mutual TLS"].GetDouble(), billing["Share mutual TLS"].GetDouble()));
        }

        using var pdf = PdfDocument.Open(TestFiles.Write(scan, "mesh-tls-ambient.pdf"));
        var text = string.Join("\n", pdf.GetPages().Select(p => string.Join(" ", p.GetWords().Select(w => w.Text))));
        Assert.Contains("Namespace Flows in Mutual TLS Share Plaintext Not intercepted Ambient", text, StringComparison.Ordinal);
        var ambient = scan.Flows.Count(f => f.SourceKind == PeerKind.Workload && f.DestinationKind == PeerKind.Workload && f.Mtls == MtlsState.Ambient);
        Assert.Contains($"and {ambient} in ambient mode were not evaluated.", text, StringComparison.Ordinal);
        Assert.Contains($"billing {into.Count} 0 0.0% 0 0 {into.Count}", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_report_made_from_the_saved_json_shows_the_same_counts()
    {
        // Export-NetSecReport takes a scan saved as JSON: each flow's mTLS state travels with it.
        using var stream = new MemoryStream();
        ScanResultJson.Write(Mesh.Value, stream);
        stream.Position = 0;
        var back = ScanResultJson.Read(stream);
        Assert.Equal(Mesh.Value.Flows.Select(f => (f.Source, f.Destination, f.Mtls, f.MtlsDetail)), back.Flows.Select(f => (f.Source, f.Destination, f.Mtls, f.MtlsDetail)));

        using var wb = new XLWorkbook(TestFiles.Write(back, "mesh-tls-from-json.xlsx"));
        var rows = TableRows(wb.Worksheet(MeshTlsSheet.Name));
        Assert.Equal(new[] { ("bar", 8, 6), ("foo", 8, 3), ("outside", 4, 0) },
            rows.Select(r => (r["Namespace"].GetString(), (int)r["Flows in"].GetDouble(), (int)r["Mutual TLS"].GetDouble())));
    }

    [Fact]
    public void The_mesh_findings_name_the_plaintext_flows_the_report_counts()
    {
        // MESH-001 on foo/ledger: PERMISSIVE lets outside/legacy in without a certificate; the finding names that flow.
        var findings = Mesh.Value.Findings.Where(f => f.CheckId == "MESH-001").ToList();
        var ledger = Assert.Single(findings, f => f.Resource.Contains("ledger", StringComparison.Ordinal));
        Assert.Contains(ledger.EvidenceData, e => e.Kind == "Flow" && e.Subject == "outside/legacy[Deployment] => foo/ledger[Deployment]" && e.Detail.Contains("SourceWithoutSidecar", StringComparison.Ordinal));

        // Every flow MESH-001 names is one the report counts as plaintext.
        var named = findings.SelectMany(f => f.EvidenceData).Where(e => e.Kind == "Flow").Select(e => e.Subject).ToHashSet();
        Assert.NotEmpty(named);
        var plaintext = Mesh.Value.Flows.Where(f => f.Mtls is MtlsState.SourceWithoutSidecar or MtlsState.Disable).Select(f => $"{f.Source} => {f.Destination}").ToHashSet();
        Assert.Subset(plaintext, named);
    }

    /// <summary>
    /// The demo's flows into the namespaces its mesh reaches, worked out from samples/cluster:
    /// (flows in, mutual TLS, share, plaintext, not intercepted).
    /// </summary>
    private static readonly Dictionary<string, (int Flows, int Mutual, string Share, int Plaintext, int NotIntercepted)> DemoExpected = new()
    {
        // cart => payments-api on 8443 (PERMISSIVE on that port: automatic mTLS). Prometheus' scrape is refused (STRICT), frontend's call denied.
        ["payments"] = (1, 1, "100.0%", 0, 0),

        // frontend => cart carries mTLS; ingress-nginx => frontend and Prometheus => frontend, cart arrive in plaintext (mesh-wide PERMISSIVE).
        ["shop"] = (4, 1, "25.0%", 3, 0),

        // The sidecars of frontend, cart and payments-api reach istiod on TCP 15012, which istiod secures itself: not counted.
        // The debug pod (no sidecar) reaches it too, outside the mesh: not intercepted.
        ["istio-system"] = (1, 0, "0.0%", 0, 1),
    };

    [Fact]
    public void The_demo_s_workbook_and_pdf_show_each_namespace_s_share_of_mutually_authenticated_flows()
    {
        var scan = Demo.Value;
        var flows = scan.Flows.Where(f => f.SourceKind == PeerKind.Workload && f.DestinationKind == PeerKind.Workload && f.Mtls != MtlsState.ControlPlane).ToList();
        var mutual = flows.Count(f => f.MutuallyAuthenticated);
        Assert.Equal(2, mutual);

        // The three sidecars' connections to istiod are its control-plane channel, each named so in its detail.
        var controlPlane = scan.Flows.Where(f => f.Mtls == MtlsState.ControlPlane).ToList();
        Assert.Equal(new[] { "payments/payments-api[Deployment]", "shop/cart[Deployment]", "shop/frontend[Deployment]" }, controlPlane.Select(f => f.Source).Order(StringComparer.Ordinal));
        Assert.All(controlPlane, f => Assert.Equal(("istio-system/istiod[Deployment]", "TCP 15012"), (f.Destination, f.Connections)));
        Assert.All(controlPlane, f => Assert.StartsWith("the Istio control plane on TCP 15012", f.MtlsDetail, StringComparison.Ordinal));

        using (var wb = new XLWorkbook(TestFiles.Write(scan, "mesh-tls-demo.xlsx")))
        {
            var rows = TableRows(wb.Worksheet(MeshTlsSheet.Name)).ToDictionary(r => r["Namespace"].GetString());
            Assert.Equal(flows.Select(f => f.DestinationNamespace!).Distinct().Order(StringComparer.Ordinal), rows.Keys.Order(StringComparer.Ordinal));
            foreach (var (ns, row) in rows)
            {
                var into = WorkloadFlowsInto(scan, ns);
                Assert.Equal((into.Count, into.Count(f => f.MutuallyAuthenticated)), ((int)row["Flows in"].GetDouble(), (int)row["Mutual TLS"].GetDouble()));
            }

            foreach (var (ns, e) in DemoExpected)
            {
                var row = rows[ns];
                Assert.Equal((e.Flows, e.Mutual, e.Share), ((int)row["Flows in"].GetDouble(), (int)row["Mutual TLS"].GetDouble(), row["Share mutual TLS"].GetDouble().ToString("0.0%", CultureInfo.InvariantCulture)));
            }

            // shop's plaintext is its callers without a sidecar; payments' one flow is PERMISSIVE on the API port, not STRICT.
            Assert.Equal((3, 0, 1), ((int)rows["shop"]["Caller without sidecar"].GetDouble(), (int)rows["shop"]["STRICT"].GetDouble(), (int)rows["shop"]["PERMISSIVE (auto mTLS)"].GetDouble()));
            Assert.Equal((1, 0), ((int)rows["payments"]["PERMISSIVE (auto mTLS)"].GetDouble(), (int)rows["payments"]["STRICT"].GetDouble()));
            Assert.Equal(0, (int)rows["istio-system"]["Destination without sidecar"].GetDouble());
        }

        using var pdf = PdfDocument.Open(TestFiles.Write(scan, "mesh-tls-demo.pdf"));
        var text = string.Join("\n", pdf.GetPages().Select(p => string.Join(" ", p.GetWords().Select(w => w.Text))));
        Assert.Contains($"{MeshTlsSection.Title} {mutual} of {flows.Count} allowed flows between workloads are mutually authenticated", text, StringComparison.Ordinal);
        foreach (var (ns, e) in DemoExpected)
        {
            Assert.Contains($"{ns} {e.Flows} {e.Mutual} {e.Share} {e.Plaintext} {e.NotIntercepted}", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_cluster_without_istio_gets_neither_the_sheet_nor_the_section()
    {
        var scan = NoMesh.Value;
        Assert.NotEmpty(scan.Flows);
        Assert.All(scan.Flows, f => Assert.Equal(MtlsState.None, f.Mtls));
        using (var wb = new XLWorkbook(TestFiles.Write(scan, "mesh-tls-none.xlsx")))
        {
            Assert.DoesNotContain(MeshTlsSheet.Name, wb.Worksheets.Select(w => w.Name));
            Assert.Equal(new[] { "Source", "Destination", "Source namespace", "Destination namespace", "Connections" }, wb.Worksheet("Flows").Row(1).CellsUsed().Select(c => c.GetString()));
        }

        using var pdf = PdfDocument.Open(TestFiles.Write(scan, "mesh-tls-none.pdf"));
        Assert.True(pdf.TryGetBookmarks(out var bookmarks));
        Assert.DoesNotContain(MeshTlsSection.Title, bookmarks.Roots.Select(b => b.Title));
        Assert.DoesNotContain(MeshTlsSection.Title, string.Join("\n", pdf.GetPages().Select(p => p.Text)), StringComparison.Ordinal);
    }
}
