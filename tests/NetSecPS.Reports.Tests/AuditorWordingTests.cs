using ClosedXML.Excel;
using NetSecPS.Core;
using NetSecPS.Core.Scanning;
using NetSecPS.Core.Sources;
using NetSecPS.Reports.Excel;
using UglyToad.PdfPig;

namespace NetSecPS.Reports.Tests;

/// <summary>
/// What an auditor reads in the printed reports: yes and no rather than TRUE/FALSE or 1/0, coverage
/// in words rather than enum names, a flow matrix whose diagonal says what it is, and, where Istio
/// runs, the overall share of mutual TLS on the first pages. Each is read back from the written files.
/// </summary>
public class AuditorWordingTests
{
    private static readonly string MeshFixture = Path.Combine(TestFiles.RepoRoot, "tests", "fixtures", "connectivity", "istio", "peer-authentication.yaml");

    /// <summary>The demo cluster with its Hubble log: host-network workloads, exposures with and without TLS, a staged Calico policy, and observed flows where the datapath disagrees.</summary>
    private static readonly Lazy<ScanResult> Demo = TestFiles.DemoWithFlowLog;

    private static readonly Lazy<ScanResult> Mesh = new(() =>
        Scanner.Run(ManifestSource.Read(new[] { MeshFixture }), new ScanOptions { Now = SampleScan.ScannedAt }, new CollectingSink()));

    private static readonly Lazy<string> DemoWorkbook = new(() => TestFiles.Write(Demo.Value, "wording-demo.xlsx"));
    private static readonly Lazy<string> DemoPdf = new(() => TestFiles.Write(Demo.Value, "wording-demo.pdf"));
    /// <summary>The Cilium demo cluster (samples/cilium-cluster), which runs no service mesh.</summary>
    private static readonly Lazy<ScanResult> NoMesh = new(() =>
        Scanner.Run(ManifestSource.Read(new[] { Path.Combine(TestFiles.RepoRoot, "samples", "cilium-cluster") }), new ScanOptions { Now = SampleScan.ScannedAt }, new CollectingSink()));

    private static readonly Lazy<string> MeshWorkbook = new(() => TestFiles.Write(Mesh.Value, "wording-mesh.xlsx"));
    private static readonly Lazy<string> MeshPdf = new(() => TestFiles.Write(Mesh.Value, "wording-mesh.pdf"));

    private static List<string> Column(IXLWorksheet ws, string header)
    {
        var table = ws.Tables.Single();
        var index = table.HeadersRow().Cells().Single(c => c.GetString() == header).Address.ColumnNumber;
        return table.DataRange.Rows().Select(r => r.Cell(index - table.RangeAddress.FirstAddress.ColumnNumber + 1).GetString()).ToList();
    }

    private static string PdfText(string path)
    {
        using var pdf = PdfDocument.Open(path);
        return string.Join("\n", pdf.GetPages().Select(p => string.Join(" ", p.GetWords().Select(w => w.Text))));
    }

    [Fact]
    public void No_cell_of_the_workbook_is_a_boolean_and_yes_or_no_columns_read_as_words_that_match_the_scan()
    {
        var scan = Demo.Value;
        using var wb = new XLWorkbook(DemoWorkbook.Value);

        // Excel shows a boolean cell as TRUE/FALSE and LibreOffice as 1/0; neither is what an auditor reads.
        foreach (var ws in wb.Worksheets)
        {
            Assert.DoesNotContain(ws.CellsUsed(), c => c.DataType == XLDataType.Boolean);
        }

        static string Word(bool b) => b ? "yes" : "no";
        var workloads = scan.Workloads.OrderBy(w => w.Namespace, StringComparer.Ordinal).ThenBy(w => w.Name, StringComparer.Ordinal).Select(w => Word(w.HostNetwork));
        Assert.Equal(workloads, Column(wb.Worksheet("Workloads"), "Host network"));
        Assert.Contains("yes", Column(wb.Worksheet("Workloads"), "Host network"));

        var policies = scan.Policies.OrderBy(p => p.Kind, StringComparer.Ordinal).ThenBy(p => p.Namespace, StringComparer.Ordinal).ThenBy(p => p.Name, StringComparer.Ordinal).Select(p => Word(p.Enforced));
        Assert.Equal(policies, Column(wb.Worksheet("Policies"), "Enforced"));

        // Services have no TLS column of their own: their cells stay empty, an Ingress's say yes or no.
        var tls = Column(wb.Worksheet("Exposure"), "TLS");
        Assert.All(tls, t => Assert.Contains(t, new[] { "yes", "no", string.Empty }));
        Assert.Equal(scan.Exposures.Count(e => !e.Tls), tls.Count(t => t == "no"));
        Assert.Equal(scan.Exposures.Count(e => e.Tls), tls.Count(t => t == "yes"));

        var denied = wb.Worksheet("Observed denied");
        var disagrees = Column(denied, "Datapath disagrees");
        Assert.Equal(scan.ObservedTraffic!.ObservedDenied.Select(d => Word(d.DatapathDisagrees)), disagrees);
        Assert.Contains("yes", disagrees);
        // The highlight compares with the word the cells hold, and the filter still covers the column.
        Assert.Contains(denied.ConditionalFormats.SelectMany(cf => cf.Values.Values.Select(v => v.Value)), v => v == "\"yes\"");
        var table = denied.Tables.Single();
        Assert.True(table.ShowAutoFilter);
        Assert.Contains("Datapath disagrees", table.AutoFilter.Range.FirstRow().Cells().Select(c => c.GetString()));
    }

    [Fact]
    public void Coverage_reads_in_words_in_the_workbook_and_the_pdf()
    {
        var scan = Demo.Value;
        Assert.Contains(scan.Coverage, c => c.Status == CoverageStatus.NotInInput);
        Assert.Contains(scan.Coverage, c => c.Status == CoverageStatus.Read);

        using (var wb = new XLWorkbook(DemoWorkbook.Value))
        {
            var statuses = Column(wb.Worksheet("Coverage"), "Status");
            Assert.Equal(scan.Coverage.Count(c => c.Status == CoverageStatus.NotInInput), statuses.Count(s => s == "not in the input"));
            Assert.Equal(scan.Coverage.Count(c => c.Status == CoverageStatus.Read), statuses.Count(s => s == "read"));
            Assert.DoesNotContain("NotInInput", statuses);

            // The summary counts kinds per status in the same words.
            var summary = wb.Worksheet("Summary");
            var notInInput = summary.CellsUsed().Single(c => c.GetString() == "not in the input");
            Assert.Equal(scan.Coverage.Count(c => c.Status == CoverageStatus.NotInInput), notInInput.CellRight().GetDouble());
            Assert.DoesNotContain(wb.Worksheets.SelectMany(w => w.CellsUsed()), c => c.GetString() is "NotInInput" or "Read");
        }

        var text = PdfText(DemoPdf.Value);
        Assert.Contains("not in the input", text, StringComparison.Ordinal);
        Assert.DoesNotContain("NotInInput", text, StringComparison.Ordinal);

        // Kinds the API server refused, in the sample scan of a live cluster: named for what stopped them, and still marked red.
        var live = SampleScan.Create();
        using (var wb = new XLWorkbook(TestFiles.Write(live, "wording-forbidden.xlsx")))
        {
            var ws = wb.Worksheet("Coverage");
            Assert.Equal(live.Coverage.Count(c => c.Status == CoverageStatus.Forbidden), Column(ws, "Status").Count(s => s == "forbidden by RBAC"));
            Assert.Contains(ws.ConditionalFormats.SelectMany(cf => cf.Values.Values.Select(v => v.Value)), v => v == "\"forbidden by RBAC\"");
            Assert.DoesNotContain(ws.ConditionalFormats.SelectMany(cf => cf.Values.Values.Select(v => v.Value)), v => v == "\"Forbidden\"");
        }

        var appendix = PdfText(TestFiles.Write(live, "wording-forbidden.pdf"));
        Assert.Contains("ClusterRoleBinding rbac.authorization.k8s.io/v1 forbidden by RBAC", appendix, StringComparison.Ordinal);
    }

    [Fact]
    public void The_flow_matrix_diagonal_is_shaded_apart_and_explained_in_the_workbook()
    {
        var scan = Demo.Value;
        Assert.Contains(scan.NamespaceFlows, n => n.SourceNamespace == n.DestinationNamespace && n.Flows > 0);
        using var wb = new XLWorkbook(DemoWorkbook.Value);
        var ws = wb.Worksheet("Flow matrix");
        var names = ws.Row(1).CellsUsed().Skip(1).Select(c => c.GetString()).ToList();
        Assert.Equal(names, ws.Column(1).CellsUsed().Skip(1).Take(names.Count).Select(c => c.GetString()));

        // Every diagonal cell, with flows or without, has the fill of its own; no other cell has it.
        for (var r = 0; r < names.Count; r++)
        {
            for (var d = 0; d < names.Count; d++)
            {
                var fill = ws.Cell(r + 2, d + 2).Style.Fill.BackgroundColor;
                Assert.True((r == d) == (fill == ExcelReport.MatrixDiagonalFill), $"{names[r]} -> {names[d]} has fill {fill}");
            }
        }

        // The colour scale of the other cells leaves the diagonal alone (a conditional format would paint over its fill) and covers every other cell.
        var scaled = ws.ConditionalFormats.Where(cf => cf.ConditionalFormatType == XLConditionalFormatType.ColorScale).SelectMany(cf => cf.Ranges.SelectMany(r => r.Cells()))
            .Select(c => (c.Address.RowNumber, c.Address.ColumnNumber)).ToHashSet();
        for (var i = 0; i < names.Count; i++)
        {
            Assert.DoesNotContain((i + 2, i + 2), scaled);
        }

        Assert.Equal(names.Count * (names.Count - 1), scaled.Count);

        // A legend says what the diagonal counts, in a cell of its shade.
        var legend = ws.CellsUsed().Single(c => c.GetString() == "Same namespace");
        Assert.True(legend.Address.RowNumber > names.Count + 1);
        Assert.Equal(ExcelReport.MatrixDiagonalFill, legend.Style.Fill.BackgroundColor);
        Assert.StartsWith("The shaded diagonal: the row's and the column's namespace are the same", legend.CellRight().GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_flow_matrix_diagonal_is_shaded_apart_and_explained_in_the_pdf()
    {
        var scan = Demo.Value;
        using var pdf = PdfDocument.Open(DemoPdf.Value);
        var page = pdf.GetPages().Single(p => p.Text.Contains("Diagonal: flows inside one namespace", StringComparison.Ordinal));
        var text = string.Join(" ", page.GetWords().Select(w => w.Text));
        Assert.Contains("The grey diagonal, where row and column are the same namespace, counts the flows between workloads inside that namespace", text, StringComparison.Ordinal);

        // One filled square per namespace of the matrix, and the legend's swatch, in the diagonal's colour.
        var diagonal = Pdf.PdfReport.DiagonalColor;
        bool IsDiagonal(UglyToad.PdfPig.Graphics.PdfPath p)
        {
            if (!p.IsFilled || p.FillColor is null)
            {
                return false;
            }

            var (r, g, b) = p.FillColor.ToRGBValues();
            return Math.Abs((r * 255) - diagonal.R) < 1 && Math.Abs((g * 255) - diagonal.G) < 1 && Math.Abs((b * 255) - diagonal.B) < 1;
        }

        var squares = page.Paths.Where(IsDiagonal).Select(p => p.GetBoundingRectangle()).OfType<UglyToad.PdfPig.Core.PdfRectangle>().ToList();
        var namespaces = scan.NamespaceFlows.SelectMany(n => new[] { n.SourceNamespace, n.DestinationNamespace }).Distinct().Count();
        Assert.Equal(Math.Min(namespaces, 22) + 1, squares.Count);

        // The matrix's squares run down the diagonal, each one right of and below the one before; the legend's swatch, smaller, sits below them.
        var ordered = squares.OrderByDescending(s => s.Top).ToList();
        var (cells, swatch) = (ordered.SkipLast(1).ToList(), ordered[^1]);
        Assert.All(cells, c => Assert.True(c.Width > swatch.Width, "the legend's swatch is not below the matrix"));
        for (var i = 1; i < cells.Count; i++)
        {
            Assert.True(cells[i].Left > cells[i - 1].Left && cells[i].Top < cells[i - 1].Top, $"square {i} is off the diagonal");
        }
    }

    private static (int Flows, int Mutual, int Plaintext) MeshCounts(ScanResult scan)
    {
        // The sidecars' channel to istiod is the mesh's infrastructure, not counted.
        var flows = scan.Flows.Where(f => f.SourceKind == PeerKind.Workload && f.DestinationKind == PeerKind.Workload && f.Mtls != MtlsState.ControlPlane).ToList();
        return (flows.Count, flows.Count(f => f.MutuallyAuthenticated),
            flows.Count(f => f.Mtls is MtlsState.SourceWithoutSidecar or MtlsState.DestinationWithoutSidecar or MtlsState.Disable));
    }

    [Fact]
    public void The_workbook_summary_states_the_overall_mtls_share_of_a_meshed_cluster()
    {
        var (flows, mutual, plaintext) = MeshCounts(Mesh.Value);
        Assert.True(flows > mutual && mutual > 0);
        using var wb = new XLWorkbook(MeshWorkbook.Value);
        var ws = wb.Worksheet("Summary");
        IXLCell Find(string text) => ws.CellsUsed().Single(c => c.GetString() == text);
        var heading = Find("Mutual TLS in the mesh");
        Assert.True(heading.Style.Font.Bold);
        var share = (double)mutual / flows;
        Assert.Equal($"{mutual} of {flows} allowed flows between workloads are mutually authenticated ({share.ToString("0.0%", ReportText.Culture)}); {plaintext} cross in plaintext although one end runs a sidecar.",
            heading.CellBelow().GetString());

        Assert.Equal(flows, Find("Allowed flows between workloads").CellRight().GetDouble());
        Assert.Equal(mutual, Find("Mutually authenticated").CellRight().GetDouble());
        var shareCell = Find("Share mutual TLS").CellRight();
        Assert.Equal(XLDataType.Number, shareCell.DataType);
        Assert.Equal(share, shareCell.GetDouble(), 9);
        Assert.Equal("0.0%", shareCell.Style.NumberFormat.Format);
        Assert.Equal(plaintext, Find("Plaintext (one end runs a sidecar)").CellRight().GetDouble());

        // The same counts as the Mesh mTLS sheet's total row, and a link to it.
        var total = wb.Worksheet(MeshTlsSheet.Name).RowsUsed().Single(r => r.Cell(1).GetString() == MeshTlsSheet.TotalLabel);
        Assert.Equal((total.Cell(2).GetDouble(), total.Cell(3).GetDouble()), ((double)flows, (double)mutual));
        Assert.Contains(ws.CellsUsed(), c => c.HasHyperlink && c.GetHyperlink().InternalAddress == $"'{MeshTlsSheet.Name}'!A1");

        // The demo cluster, whose Istio meshes shop and payments, states its share too.
        var (demoFlows, demoMutual, _) = MeshCounts(Demo.Value);
        using (var demo = new XLWorkbook(DemoWorkbook.Value))
        {
            Assert.StartsWith($"{demoMutual} of {demoFlows} allowed flows between workloads are mutually authenticated",
                demo.Worksheet("Summary").CellsUsed().Single(c => c.GetString() == "Mutual TLS in the mesh").CellBelow().GetString(), StringComparison.Ordinal);
        }

        // A cluster without Istio says nothing about mutual TLS.
        using var none = new XLWorkbook(TestFiles.Write(NoMesh.Value, "wording-no-mesh.xlsx"));
        Assert.DoesNotContain(none.Worksheet("Summary").CellsUsed(), c => c.GetString().Contains("mutual", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void The_pdf_executive_summary_states_the_overall_mtls_share_of_a_meshed_cluster()
    {
        var (flows, mutual, plaintext) = MeshCounts(Mesh.Value);
        var share = ((double)mutual / flows).ToString("0.0%", ReportText.Culture);
        using var pdf = PdfDocument.Open(MeshPdf.Value);
        Assert.True(pdf.TryGetBookmarks(out var bookmarks));
        var pages = pdf.GetPages().Select(p => string.Join(" ", p.GetWords().Select(w => w.Text))).ToList();
        var summary = pages.FindIndex(p => p.Contains("Executive summary", StringComparison.Ordinal) && p.Contains("Top risks", StringComparison.Ordinal));
        var section = pages.FindIndex(p => p.Contains($"{Pdf.MeshTlsSection.Title} {mutual} of {flows}", StringComparison.Ordinal));
        Assert.True(summary >= 0 && section > summary, $"summary on page {summary + 1}, section on page {section + 1}");
        Assert.Contains($"Mutual TLS in the mesh: {mutual} of {flows} allowed flows between workloads are mutually authenticated ({share}); {plaintext} cross in plaintext although one end runs a sidecar.",
            pages[summary], StringComparison.Ordinal);
        Assert.Contains($"Flows between workloads with mutual TLS {mutual} of {flows} ({share})", pages[summary], StringComparison.Ordinal);

        var (demoFlows, demoMutual, _) = MeshCounts(Demo.Value);
        Assert.Contains($"Mutual TLS in the mesh: {demoMutual} of {demoFlows} allowed flows between workloads are mutually authenticated", PdfText(DemoPdf.Value), StringComparison.Ordinal);

        var none = PdfText(TestFiles.Write(NoMesh.Value, "wording-no-mesh.pdf"));
        Assert.DoesNotContain("Mutual TLS in the mesh", none, StringComparison.Ordinal);
        Assert.DoesNotContain("with mutual TLS", none, StringComparison.Ordinal);
    }
}
