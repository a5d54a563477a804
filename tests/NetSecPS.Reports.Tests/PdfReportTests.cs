using UglyToad.PdfPig;

namespace NetSecPS.Reports.Tests;

public class PdfReportTests
{
    [Fact]
    public void The_pdf_names_the_score_every_failing_check_and_numbers_its_pages()
    {
        var scan = SampleScan.Create(extraFindings: 120);
        var path = TestFiles.Write(scan, "sample.pdf");

        using var pdf = PdfDocument.Open(path);
        var pages = pdf.GetPages().ToList();
        var text = string.Join("\n", pages.Select(p => p.Text));
        Assert.Contains("57.4", text);
        foreach (var id in scan.Findings.Where(f => !f.Suppressed).Select(f => f.CheckId).Distinct())
        {
            Assert.Contains(id, text);
        }

        for (var i = 0; i < pages.Count; i++)
        {
            Assert.Contains($"Page {i + 1} of {pages.Count}", pages[i].Text);
        }
    }
}
