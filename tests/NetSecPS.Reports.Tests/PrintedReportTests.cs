using ClosedXML.Excel;
using UglyToad.PdfPig;

namespace NetSecPS.Reports.Tests;

/// <summary>
/// What the reports of the demo cluster look like on paper: the defects found by rendering the
/// PDF and the workbook page by page (tests/tools/Render-ReportPages.ps1), each read back here.
/// </summary>
public class PrintedReportTests
{
    private static readonly Lazy<ScanResult> Demo = new(() => Scan());
    private static readonly Lazy<string> Workbook = new(() => TestFiles.Write(Demo.Value, "printed-demo.xlsx"));
    private static readonly Lazy<string> Pdf = new(() => TestFiles.Write(Demo.Value, "printed-demo.pdf"));

    private static ScanResult Scan(string? history = null) => TestFiles.ScanDemo(history);

    [Fact]
    public void A_fix_manifest_in_the_pdf_is_monospace_text_that_copies_out_word_for_word()
    {
        using var pdf = PdfDocument.Open(Pdf.Value);
        var pages = pdf.GetPages().ToList();
        Assert.Contains(pages, p => p.Text.Contains("A manifest that fixes", StringComparison.Ordinal));
        var words = pages.SelectMany(p => p.GetWords()).Select(w => w.Text).ToList();
        // Drawn a character at a time, "kind: NetworkPolicy" came out as "k i n d :" and could not be searched or copied.
        Assert.Contains("kind:", words);
        Assert.Contains("NetworkPolicy", words);
        Assert.Contains("default-deny-ingress", words);
        var code = pages.SelectMany(p => p.Letters).Where(l => l.Value == "k" && (l.FontName ?? string.Empty).Contains("Mono", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(code);
    }

    [Fact]
    public void Input_files_in_the_pdf_are_named_relative_to_the_input_path_with_each_digest_on_one_line()
    {
        using var pdf = PdfDocument.Open(Pdf.Value);
        var pages = pdf.GetPages().ToList();
        var words = pages.SelectMany(p => p.GetWords()).Select(w => w.Text).ToHashSet(StringComparer.Ordinal);
        var text = string.Join("\n", pages.Select(p => p.Text));
        var inputs = Demo.Value.Provenance.Inputs;
        Assert.NotEmpty(inputs);
        foreach (var input in inputs)
        {
            // A digest broken over two lines cannot be compared with sha256sum at a glance.
            Assert.Contains(input.Sha256, words);
        }

        Assert.Contains("shop/frontend.yaml", words);
        var root = Demo.Value.Provenance.Paths.Single();
        Assert.DoesNotContain(Path.Combine(root, "shop", "frontend.yaml"), text.Replace("\n", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void No_page_before_the_appendices_is_left_mostly_empty()
    {
        using var pdf = PdfDocument.Open(Pdf.Value);
        var pages = pdf.GetPages().ToList();
        var appendix = pages.FindIndex(p => p.Text.Contains("Appendix A. Check catalogue", StringComparison.Ordinal));
        Assert.True(appendix > 2);
        // The cover is a page of its own; every page after it and before the appendices reaches its lower half.
        for (var i = 1; i < appendix - 1; i++)
        {
            var page = pages[i];
            var footer = 60.0;
            var lowest = page.GetWords().Where(w => w.BoundingBox.Bottom > footer).Min(w => w.BoundingBox.Bottom);
            Assert.True(lowest < page.Height / 2, $"page {i + 1} ends at {page.Height - lowest:0} of {page.Height:0} points: '{page.GetWords().Where(w => w.BoundingBox.Bottom > footer).MinBy(w => w.BoundingBox.Bottom)!.Text}'");
        }
    }

    [Fact]
    public void A_trend_whose_open_findings_did_not_change_says_they_stayed()
    {
        var history = Path.Combine(Path.GetTempPath(), $"netsecps-{Guid.NewGuid():N}.jsonl");
        try
        {
            _ = Scan(history);
            var scan = Scan(history);
            using var pdf = PdfDocument.Open(TestFiles.Write(scan, "printed-demo-trend.pdf"));
            var text = string.Join(" ", pdf.GetPages().Select(p => string.Join(" ", p.GetWords().Select(w => w.Text))));
            var open = scan.Findings.Count(f => !f.Suppressed);
            Assert.Contains($"open findings stayed at {open}", text, StringComparison.Ordinal);
            Assert.DoesNotContain($"went from {open} to {open}", text, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(history);
            File.Delete(history + ".lock");
        }
    }

    [Fact]
    public void Every_wrapped_cell_has_a_row_tall_enough_for_its_words()
    {
        using var wb = new XLWorkbook(Workbook.Value);
        var checkedCells = 0;
        foreach (var ws in wb.Worksheets)
        {
            // The printed columns: a fix manifest beyond the print area stays one line high on purpose.
            var printed = ws.PageSetup.PrintAreas.SingleOrDefault()?.LastColumn().ColumnNumber() ?? int.MaxValue;
            foreach (var cell in ws.CellsUsed(c => c.Address.ColumnNumber <= printed && c.Style.Alignment.WrapText && !c.IsMerged() && c.DataType == XLDataType.Text))
            {
                // Calibri's average character is about as wide as the digit a column width counts;
                // words wrap whole, and a line is 15 points.
                var lines = WrappedLines(cell.GetString(), (int)cell.WorksheetColumn().Width - 1);
                var height = cell.WorksheetRow().Height;
                Assert.True(height >= Math.Min(409, lines * 15) - 0.01,
                    $"{ws.Name}!{cell.Address}: {lines} lines in a row of {height} points: '{cell.GetString()}'");
                checkedCells++;
            }
        }

        Assert.True(checkedCells > 20, $"only {checkedCells} wrapped cells");
    }

    [Fact]
    public void Wide_sheets_print_the_columns_an_auditor_reads_at_a_legible_size()
    {
        using var wb = new XLWorkbook(Workbook.Value);
        foreach (var ws in wb.Worksheets.Where(w => w.Tables.Any()))
        {
            var table = ws.Tables.Single();
            var area = ws.PageSetup.PrintAreas.SingleOrDefault();
            var last = area?.LastColumn().ColumnNumber() ?? table.LastColumn().ColumnNumber();
            var width = Enumerable.Range(1, last).Sum(c => ws.Column(c).Width);
            // About 145 width units fit A4 landscape; more than 260 prints below 55%.
            Assert.True(width <= 260, $"{ws.Name} prints {width:0} units wide");
            if (area is not null && last < table.LastColumn().ColumnNumber())
            {
                Assert.Contains("the workbook holds all", ws.PageSetup.Footer.Left.GetText(XLHFOccurrence.OddPages), StringComparison.Ordinal);
            }
        }

        string[] Printed(string sheet)
        {
            var ws = wb.Worksheet(sheet);
            var last = ws.PageSetup.PrintAreas.SingleOrDefault()?.LastColumn().ColumnNumber() ?? ws.LastColumnUsed()!.ColumnNumber();
            return Enumerable.Range(1, last).Select(c => ws.Cell(1, c).GetString()).ToArray();
        }

        Assert.True(wb.Worksheet("Workloads").PageSetup.PrintAreas.Any(), "the Workloads sheet of 12 columns prints them all at about 40%");
        Assert.Subset(Printed("Workloads").ToHashSet(), new HashSet<string> { "Namespace", "Name", "Kind", "Ports", "Host network", "Service account", "Open findings" });
        Assert.Subset(Printed("Policies").ToHashSet(), new HashSet<string> { "Kind", "Namespace", "Name", "Policy types", "Applies to", "Open findings" });
        Assert.Subset(Printed("Exposure").ToHashSet(), new HashSet<string> { "Kind", "Namespace", "Name", "Type", "Hosts / external IPs", "TLS", "Source ranges", "Open findings" });
    }

    [Fact]
    public void An_exposure_without_tls_is_marked_in_its_cell_and_the_sheet_has_no_rule_that_cannot_match()
    {
        using var wb = new XLWorkbook(Workbook.Value);
        var ws = wb.Worksheet("Exposure");
        var table = ws.Tables.Single();
        var tls = table.HeadersRow().Cells().First(c => c.GetString() == "TLS").Address.ColumnNumber;
        var withoutTls = table.DataRange.Rows().Select(r => r.Cell(tls)).Where(c => c.GetString() == "no").ToList();
        Assert.NotEmpty(withoutTls);
        Assert.All(withoutTls, c =>
        {
            Assert.True(c.Style.Font.Bold);
            Assert.Equal(XLColor.FromArgb(0xC0, 0x2B, 0x2B), c.Style.Font.FontColor);
        });
        // A rule comparing with the text "FALSE" never matches a boolean cell in Excel, and LibreOffice fails to print the sheet.
        Assert.DoesNotContain(ws.ConditionalFormats.SelectMany(cf => cf.Values.Values.Select(v => v.Value)), v => v == "\"FALSE\"");
    }

    [Fact]
    public void Summary_dates_sit_left_like_the_text_beside_them()
    {
        using var wb = new XLWorkbook(Workbook.Value);
        var ws = wb.Worksheet("Summary");
        var collected = ws.CellsUsed(c => c.GetString() == "Collected (UTC)").Single();
        var value = collected.CellRight();
        Assert.Equal(XLDataType.DateTime, value.DataType);
        Assert.Equal(XLAlignmentHorizontalValues.Left, value.Style.Alignment.Horizontal);
    }

    private static int WrappedLines(string text, int perLine)
    {
        perLine = Math.Max(1, perLine);
        var lines = 0;
        foreach (var line in text.Split('\n'))
        {
            var current = 0;
            lines++;
            foreach (var word in line.Split(' '))
            {
                if (current > 0 && current + 1 + word.Length > perLine)
                {
                    lines++;
                    current = 0;
                }

                current += (current > 0 ? 1 : 0) + word.Length;
                while (current > perLine)
                {
                    lines++;
                    current -= perLine;
                }
            }
        }

        return lines;
    }
}
