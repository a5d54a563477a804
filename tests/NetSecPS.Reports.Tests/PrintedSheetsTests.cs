using ClosedXML.Excel;
using NetSecPS.Core;
using NetSecPS.Core.Scanning;
using NetSecPS.Core.Sources;
using NetSecPS.Reports.Excel;

namespace NetSecPS.Reports.Tests;

/// <summary>
/// The workbook on paper: the Observed traffic and Mesh mTLS sheets print like the other data
/// sheets (landscape, one page wide, the header on every page), and no print area leaves out the
/// notes and totals below a table or the rows streamed into it.
/// </summary>
public class PrintedSheetsTests
{
    private static readonly Lazy<ScanResult> Observed = TestFiles.DemoWithFlowLog;

    private static readonly Lazy<ScanResult> Mesh = new(() => Scanner.Run(
        ManifestSource.Read(new[] { Path.Combine(TestFiles.RepoRoot, "tests", "fixtures", "connectivity", "istio", "peer-authentication.yaml") }),
        new ScanOptions { Now = SampleScan.ScannedAt },
        new CollectingSink()));

    private static readonly Lazy<string> ObservedWorkbook = new(() => TestFiles.Write(Observed.Value, "printed-observed.xlsx"));
    private static readonly Lazy<string> MeshWorkbook = new(() => TestFiles.Write(Mesh.Value, "printed-mesh.xlsx"));

    private static void PrintsLikeADataSheet(IXLWorksheet ws, bool header)
    {
        Assert.Equal(XLPageOrientation.Landscape, ws.PageSetup.PageOrientation);
        Assert.Equal(XLPaperSize.A4Paper, ws.PageSetup.PaperSize);
        Assert.Equal((1, 0), (ws.PageSetup.PagesWide, ws.PageSetup.PagesTall));
        if (header)
        {
            Assert.Equal((1, 1), (ws.PageSetup.FirstRowToRepeatAtTop, ws.PageSetup.LastRowToRepeatAtTop));
            Assert.Equal(1, ws.SheetView.SplitRow);
        }

        Assert.Contains("Page", ws.PageSetup.Footer.Right.GetText(XLHFOccurrence.OddPages), StringComparison.Ordinal);
    }

    [Fact]
    public void The_observed_traffic_and_mesh_sheets_print_landscape_one_page_wide_with_their_header_on_every_page()
    {
        using (var wb = new XLWorkbook(ObservedWorkbook.Value))
        {
            PrintsLikeADataSheet(wb.Worksheet("Observed traffic"), header: false);
            foreach (var name in new[] { "Observed allowed", "Observed denied", "Unused allowed", "Unresolved flows" })
            {
                PrintsLikeADataSheet(wb.Worksheet(name), header: true);
            }
        }

        using var mesh = new XLWorkbook(MeshWorkbook.Value);
        PrintsLikeADataSheet(mesh.Worksheet(MeshTlsSheet.Name), header: true);
    }

    [Fact]
    public void Every_print_area_reaches_the_last_row_of_its_sheet_so_notes_and_totals_print()
    {
        foreach (var path in new[] { ObservedWorkbook.Value, MeshWorkbook.Value })
        {
            using var wb = new XLWorkbook(path);
            var withArea = 0;
            foreach (var ws in wb.Worksheets)
            {
                if (ws.PageSetup.PrintAreas.SingleOrDefault() is { } area)
                {
                    withArea++;
                    Assert.True(area.LastRow().RowNumber() >= ws.LastRowUsed()!.RowNumber(),
                        $"{Path.GetFileName(path)} {ws.Name}: the print area ends at row {area.LastRow().RowNumber()}, the sheet at {ws.LastRowUsed()!.RowNumber()} ('{ws.LastRowUsed()!.FirstCellUsed().GetString()}')");
                }
            }

            // Wide sheets keep their printed columns: the check above looked at some.
            Assert.True(withArea >= 3, $"{Path.GetFileName(path)}: {withArea} sheets have a print area");
        }
    }

    [Fact]
    public void The_observed_traffic_summary_wraps_text_longer_than_its_column_so_the_print_does_not_cut_it()
    {
        using var wb = new XLWorkbook(ObservedWorkbook.Value);
        var ws = wb.Worksheet("Observed traffic");
        var lastColumn = ws.LastColumnUsed()!.ColumnNumber();
        var wide = ws.CellsUsed(c => c.Address.RowNumber > 2 && c.DataType == XLDataType.Text && c.GetString().Length >= ws.Column(c.Address.ColumnNumber).Width).ToList();
        Assert.Contains(wide, c => c.GetString().StartsWith("denied by policy but forwarded", StringComparison.Ordinal) && c.Address.ColumnNumber == lastColumn);
        Assert.Contains(wide, c => c.GetString().Contains(" => ", StringComparison.Ordinal));
        foreach (var cell in wide)
        {
            // Past its column, text is cut where the next cell begins, and the last column's at the edge of the printed page.
            Assert.True(cell.Style.Alignment.WrapText, $"{cell.Address} '{cell.GetString()}' does not wrap");
            var lines = SheetTable.EstimateLines(cell.GetString(), ws.Column(cell.Address.ColumnNumber).Width);
            Assert.True(cell.WorksheetRow().Height >= lines * SheetTable.LineHeight, $"{cell.Address} needs {lines} lines; its row is {cell.WorksheetRow().Height} high");
        }
    }

    [Fact]
    public void A_streamed_observed_sheet_prints_every_row_and_its_words()
    {
        // Past 20,000 records a category sheet is streamed into the saved workbook: its print area
        // was laid out with the first row and printed only that.
        var sample = SampleScan.Create();
        var denied = Enumerable.Range(0, 20_001).Select(i => new FlowComparison
        {
            Category = TrafficCategory.ObservedDenied,
            Source = $"shop/frontend-{i}[Deployment]",
            Destination = "payments/payments-api[Deployment]",
            SourceNamespace = "shop",
            DestinationNamespace = "payments",
            Protocol = "TCP",
            Port = 8443,
            EndPort = 8443,
            Observed = 3,
            Forwarded = 3,
            LogVerdict = FlowVerdict.Forwarded,
            DatapathDisagrees = i % 2 == 0,
            Layer = PolicyLayer.Cni,
            PolicyKind = "NetworkPolicy",
            Policy = "shop/default-deny-all",
            Explanation = "denied: no rule of the policies that isolate payments/payments-api admits shop/frontend on TCP 8443",
            Evidence = $"hubble.json:{i + 1}",
        }).ToList();
        var scan = new ScanResult
        {
            Provenance = sample.Provenance, Profile = sample.Profile, Score = sample.Score, Checks = sample.Checks, Findings = sample.Findings, Coverage = sample.Coverage,
            ScannedAt = sample.ScannedAt, Workloads = sample.Workloads, Flows = sample.Flows, NamespaceFlows = sample.NamespaceFlows,
            ObservedTraffic = new ObservedTraffic { ObservedDenied = denied, Records = denied.Count, Flows = denied.Count * 3, Disagreements = 10_001 },
        };

        using var wb = new XLWorkbook(TestFiles.Write(scan, "printed-streamed-observed.xlsx"));
        var ws = wb.Worksheet("Observed denied");
        PrintsLikeADataSheet(ws, header: true);
        var area = Assert.Single(ws.PageSetup.PrintAreas);
        Assert.Equal(denied.Count + 1, area.LastRow().RowNumber());
        Assert.Equal("Source", ws.Cell(1, area.FirstColumn().ColumnNumber()).GetString());

        // The streamed rows say yes and no too.
        var column = ws.Row(1).CellsUsed().Single(c => c.GetString() == "Datapath disagrees").Address.ColumnNumber;
        Assert.Equal(denied.Select(d => d.DatapathDisagrees ? "yes" : "no"), Enumerable.Range(2, denied.Count).Select(r => ws.Cell(r, column).GetString()));
    }
}
