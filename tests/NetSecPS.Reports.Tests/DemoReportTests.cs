using System.Globalization;
using ClosedXML.Excel;
using UglyToad.PdfPig;

namespace NetSecPS.Reports.Tests;

/// <summary>
/// The reports of a real scan of the demo cluster (samples/cluster with samples/exceptions.yaml):
/// what an auditor keeps. Each part the reports promise is read back from the file.
/// </summary>
public class DemoReportTests
{
    private static readonly Lazy<ScanResult> Demo = new(() => Scan());

    private static ScanResult Scan(string? history = null) => TestFiles.ScanDemo(history);

    private static readonly Lazy<string> Workbook = new(() => TestFiles.Write(Demo.Value, "demo.xlsx"));
    private static readonly Lazy<string> Pdf = new(() => TestFiles.Write(Demo.Value, "demo.pdf"));

    [Fact]
    public void The_workbook_has_the_per_check_compliance_table_with_the_scan_s_numbers()
    {
        using var wb = new XLWorkbook(Workbook.Value);
        var table = wb.Worksheet("Compliance").Tables.Single();
        var headers = table.HeadersRow().Cells().Select(c => c.GetString()).ToList();
        Assert.Equal(Demo.Value.Score.Checks.Count, table.DataRange.RowCount());
        foreach (var row in table.DataRange.Rows())
        {
            var id = row.Cell(headers.IndexOf("Check") + 1).GetString();
            var c = Demo.Value.Score.Checks.Single(x => x.CheckId == id);
            Assert.Equal(c.Evaluated, row.Cell(headers.IndexOf("Evaluated") + 1).GetValue<int>());
            Assert.Equal(c.Passed, row.Cell(headers.IndexOf("Passed") + 1).GetValue<int>());
            Assert.Equal(c.Failed, row.Cell(headers.IndexOf("Failed") + 1).GetValue<int>());
            Assert.Equal(c.Accepted, row.Cell(headers.IndexOf("Accepted") + 1).GetValue<int>());
            if (c.Applicable)
            {
                Assert.Equal(c.Compliance, row.Cell(headers.IndexOf("Compliance") + 1).GetValue<double>(), 9);
            }
        }

        // Sorted by what each check costs the score, so the first row is the fix that helps most.
        var lost = table.DataRange.Rows().Select(r => r.Cell(headers.IndexOf("Points lost") + 1).GetValue<double>()).ToList();
        Assert.Equal(lost.OrderByDescending(x => x), lost);
        Assert.True(lost[0] > 0);
    }

    [Fact]
    public void The_workbook_ranks_namespaces_by_score_lowest_first()
    {
        using var wb = new XLWorkbook(Workbook.Value);
        var table = wb.Worksheet("Namespaces").Tables.Single();
        var headers = table.HeadersRow().Cells().Select(c => c.GetString()).ToList();
        var rows = table.DataRange.Rows().Select(r => (Ns: r.Cell(headers.IndexOf("Namespace") + 1).GetString(), Score: r.Cell(headers.IndexOf("Score") + 1).GetValue<double>())).ToList();
        Assert.Equal(Demo.Value.Score.Namespaces.Select(n => n.Namespace), rows.Select(r => r.Ns));
        Assert.Equal(rows.Select(r => r.Score).Order(), rows.Select(r => r.Score));
        Assert.Contains(rows, r => r.Ns == "shop");
    }

    [Fact]
    public void The_workbook_lists_every_evaluated_subject_passed_ones_included()
    {
        using var wb = new XLWorkbook(Workbook.Value);
        var table = wb.Worksheet("Subjects").Tables.Single();
        Assert.Equal(Demo.Value.Subjects.Count, table.DataRange.RowCount());
        var outcomes = table.DataRange.Rows().Select(r => r.Cell(5).GetString()).ToList();
        Assert.Contains("Passed", outcomes);
        Assert.Contains("Failed", outcomes);
        Assert.Contains("Accepted", outcomes);
    }

    [Fact]
    public void Every_sheet_prints_landscape_one_page_wide_with_its_header_on_every_page()
    {
        using var wb = new XLWorkbook(Workbook.Value);
        foreach (var ws in wb.Worksheets)
        {
            Assert.Equal(XLPageOrientation.Landscape, ws.PageSetup.PageOrientation);
            Assert.Equal(1, ws.PageSetup.PagesWide);
            if (ws.Tables.Any())
            {
                Assert.Equal(1, ws.PageSetup.FirstRowToRepeatAtTop);
            }
        }

        // A wide sheet prints the columns an auditor reads, wrapped, and says where the rest are.
        var findings = wb.Worksheet("Findings");
        var area = Assert.Single(findings.PageSetup.PrintAreas);
        Assert.Equal((1, 8), (area.FirstColumn().ColumnNumber(), area.LastColumn().ColumnNumber()));
        Assert.Equal("Remediation", findings.Cell(1, 8).GetString());
        var table = findings.Tables.Single();
        var evidence = table.HeadersRow().Cells().First(c => c.GetString() == "Evidence").Address.ColumnNumber;
        Assert.Contains(table.DataRange.Rows(), r => r.Cell(evidence).Style.Alignment.WrapText && r.WorksheetRow().Height > 15);
    }

    [Fact]
    public void The_flow_matrix_shows_whole_headers_and_counts_as_numbers()
    {
        using var wb = new XLWorkbook(Workbook.Value);
        var ws = wb.Worksheet("Flow matrix");
        var names = ws.Row(1).CellsUsed().Skip(1).Select(c => c.GetString()).ToList();
        Assert.Contains("{ingress-controller}", names);
        // A rotated header needs about 6 points per character to show whole.
        Assert.True(ws.Row(1).Height >= names.Max(n => n.Length) * 6, $"row height {ws.Row(1).Height} clips '{names.MaxBy(n => n.Length)}'");
        var cells = ws.Range(2, 2, names.Count + 1, names.Count + 1).CellsUsed().ToList();
        Assert.NotEmpty(cells);
        Assert.All(cells, c => Assert.Equal(XLDataType.Number, c.DataType));
    }

    [Fact]
    public void No_cell_of_the_workbook_holds_a_number_as_text()
    {
        using var wb = new XLWorkbook(Workbook.Value);
        foreach (var ws in wb.Worksheets)
        {
            // A formula (the totals) is a number once Excel computes it.
            foreach (var cell in ws.CellsUsed(c => c.DataType == XLDataType.Text && !c.HasFormula))
            {
                var text = cell.GetString();
                Assert.False(double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _) && text.Trim().Length > 0,
                    $"{ws.Name}!{cell.Address} holds the number {text} as text");
            }
        }
    }

    [Fact]
    public void The_pdf_names_the_cluster_by_its_folder_and_shows_compliance_and_connectivity()
    {
        using var pdf = PdfDocument.Open(Pdf.Value);
        var pages = pdf.GetPages().ToList();
        var text = string.Join("\n", pages.Select(p => p.Text));
        Assert.DoesNotContain(TestFiles.RepoRoot, pages[0].Text + pages[1].Text, StringComparison.Ordinal);
        Assert.Contains("cluster", pages[0].Text, StringComparison.Ordinal);
        Assert.Contains("Pointslost", Squeeze(text), StringComparison.Ordinal);
        Assert.Contains("Checksfullypassing", Squeeze(text), StringComparison.Ordinal);
        Assert.Contains("Checksfailing", Squeeze(text), StringComparison.Ordinal);
        Assert.Contains("Connectivity", text, StringComparison.Ordinal);
        Assert.Contains("Entry points", text, StringComparison.Ordinal);
        foreach (var entry in Demo.Value.EntryPoints)
        {
            Assert.Contains(entry.Workload.Replace(" ", string.Empty, StringComparison.Ordinal), Squeeze(text), StringComparison.Ordinal);
        }

        // Every check's compliance, as a percentage, next to its id.
        Assert.Contains("LAT-002", text, StringComparison.Ordinal);
        Assert.Contains(ReportText.Score(Demo.Value.Score.Score), pages[0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_baseline_or_history_drift_and_trend_are_a_paragraph_of_the_summary_not_pages()
    {
        using var pdf = PdfDocument.Open(Pdf.Value);
        var text = string.Join("\n", pdf.GetPages().Select(p => p.Text));
        Assert.DoesNotContain("Drift since the baseline", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Trend across scans", text, StringComparison.Ordinal);
        Assert.Contains("Drift and trend", pdf.GetPage(2).Text, StringComparison.Ordinal);
    }

    [Fact]
    public void With_two_scans_of_the_current_formula_the_trend_has_its_page_and_leaves_old_scores_out()
    {
        var history = Path.Combine(Path.GetTempPath(), $"netsecps-{Guid.NewGuid():N}.jsonl");
        try
        {
            // A record written before the score had a version: the former formula's 0.0.
            File.WriteAllText(history, """{"time":"2026-11-20T02:00:00+00:00","score":0,"critical":0,"high":20,"medium":15,"low":3,"info":3,"suppressed":0,"flows":132}""" + "\n");
            _ = Scan(history);
            var scan = Scan(history);
            Assert.Equal(3, scan.History.Count);
            Assert.False(scan.History[0].HasCurrentScore);
            Assert.True(scan.History[^1].HasCurrentScore);
            var path = TestFiles.Write(scan, "demo-trend.pdf");
            using var pdf = PdfDocument.Open(path);
            var text = string.Join("\n", pdf.GetPages().Select(p => p.Text));
            Assert.Contains("Trend across scans", text, StringComparison.Ordinal);
            Assert.Contains("former formula", text, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(history);
        }
    }

    [Fact]
    public void An_audit_summary_makes_a_report_with_the_score_and_findings_alone_make_one_without()
    {
        var findingsOnly = new ScanResult
        {
            Content = ScanContent.Findings,
            Provenance = new Provenance { SourceKind = "findings" },
            Profile = new ProfileInfo { Name = "(findings only)" },
            Findings = Demo.Value.Findings,
            Checks = Demo.Value.Checks.Where(c => Demo.Value.Findings.Any(f => f.CheckId == c.Id)).ToList(),
            Score = new ScoreDetails { Version = 0 },
        };
        using (var wb = new XLWorkbook(TestFiles.Write(findingsOnly, "findings-only.xlsx")))
        {
            Assert.Equal(Demo.Value.Findings.Count, wb.Worksheet("Findings").Tables.Single().DataRange.RowCount());
            Assert.False(wb.TryGetWorksheet("Compliance", out _));
            Assert.False(wb.TryGetWorksheet("Flows", out _));
            Assert.Contains("findings alone", wb.Worksheet("Summary").CellsUsed().Select(c => c.GetString()).First(s => s.Contains("findings alone", StringComparison.Ordinal)), StringComparison.Ordinal);
        }

        using var pdf = PdfDocument.Open(TestFiles.Write(findingsOnly, "findings-only.pdf"));
        Assert.Contains("no score", pdf.GetPage(1).Text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Pointslost", Squeeze(string.Join("\n", pdf.GetPages().Select(p => p.Text))), StringComparison.Ordinal);
    }

    [Fact]
    public void The_junit_report_lists_passed_subjects_as_passing_cases()
    {
        var path = TestFiles.Write(Demo.Value, "demo.junit.xml");
        var doc = System.Xml.Linq.XDocument.Load(path);
        var np001 = doc.Descendants("testsuite").Single(s => ((string)s.Attribute("name")!).StartsWith("NP-001", StringComparison.Ordinal));
        var cases = np001.Elements("testcase").ToList();
        Assert.Contains(cases, c => (string)c.Attribute("name")! == "Namespace/shop" && !c.Elements().Any());
        Assert.Contains(cases, c => (string)c.Attribute("name")! == "Namespace/ingress-nginx" && c.Element("failure") is not null);
        Assert.Equal(Demo.Value.Subjects.Count(s => s.CheckId == "NP-001"), cases.Count);
    }

    private static string Squeeze(string s) => string.Concat(s.Where(c => !char.IsWhiteSpace(c)));
}
