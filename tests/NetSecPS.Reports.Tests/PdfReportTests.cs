using UglyToad.PdfPig;
using UglyToad.PdfPig.Content;

namespace NetSecPS.Reports.Tests;

public class PdfReportTests
{
    private static readonly ScanResult Scan = SampleScan.Create(extraFindings: 120);
    private static readonly Lazy<string> Report = new(() => TestFiles.Write(Scan, "sample.pdf"));

    private static List<Page> Pages(PdfDocument pdf) => pdf.GetPages().ToList();

    private static string Squeeze(string s) => string.Concat(s.Where(c => !char.IsWhiteSpace(c)));

    [Fact]
    public void The_pdf_names_the_score_every_failing_check_and_numbers_its_pages()
    {
        using var pdf = PdfDocument.Open(Report.Value);
        var pages = Pages(pdf);
        var text = string.Join("\n", pages.Select(p => p.Text));
        Assert.Contains("57.4", pages[0].Text);
        Assert.Contains("demo-eu-west-1", pages[0].Text);
        Assert.Contains("2026-11-27 09:15 UTC", pages[0].Text);
        foreach (var id in Scan.Findings.Where(f => !f.Suppressed).Select(f => f.CheckId).Distinct())
        {
            Assert.Contains(id, text);
        }

        Assert.True(pages.Count > 5);
        for (var i = 0; i < pages.Count; i++)
        {
            Assert.Contains($"Page {i + 1} of {pages.Count}", pages[i].Text);
        }
    }

    [Fact]
    public void Every_page_but_the_cover_has_the_running_header()
    {
        using var pdf = PdfDocument.Open(Report.Value);
        var pages = Pages(pdf);
        Assert.All(pages.Skip(1), p =>
        {
            var top = string.Concat(p.Letters.Where(l => l.BoundingBox.Bottom > p.Height - 45).Select(l => l.Value));
            Assert.Equal("Networksecurityauditdemo-eu-west-1", Squeeze(top));
        });
        var coverTop = pages[0].Letters.Where(l => l.BoundingBox.Bottom > pages[0].Height - 45);
        Assert.Empty(coverTop);
    }

    [Fact]
    public void No_text_runs_past_the_margins_even_for_very_long_names()
    {
        using var pdf = PdfDocument.Open(Report.Value);
        foreach (var page in Pages(pdf))
        {
            foreach (var letter in page.Letters)
            {
                Assert.True(letter.BoundingBox.Right <= page.Width - 45 && letter.BoundingBox.Left >= 45,
                    $"'{letter.Value}' at x={letter.BoundingBox.Left:0}..{letter.BoundingBox.Right:0} on page {page.Number} leaves the text area");
            }
        }

        var all = Squeeze(string.Concat(Pages(pdf).Select(p => p.Text)));
        Assert.Contains(SampleScan.LongWorkload, all);
    }

    [Fact]
    public void Tables_that_continue_on_a_new_page_repeat_their_header()
    {
        using var pdf = PdfDocument.Open(Report.Value);
        var continued = Pages(pdf).Where(p => p.Text.Contains("HN-001 findings (continued)", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(continued);
        Assert.All(continued, p => Assert.Contains("ResourceEvidenceStatus", p.Text, StringComparison.Ordinal));
    }

    [Fact]
    public void Findings_show_evidence_remediation_yaml_and_suppression_justifications()
    {
        using var pdf = PdfDocument.Open(Report.Value);
        var text = string.Join("\n", Pages(pdf).Select(p => p.Text));
        var squeezed = Squeeze(text);
        Assert.Contains("Flannel 0.25 is the CNI", text);
        Assert.Contains("Install a CNI that enforces NetworkPolicy", text);
        Assert.Contains("kind:NetworkPolicy", squeezed);
        Assert.Contains("podSelector:{}", squeezed);
        Assert.Contains("k8s-app:kube-dns", squeezed);
        Assert.Contains(Squeeze("Suppressed: Isolated by the VPC firewall; decommissioned in Q1 (jane.doe@example.com, until 2027-03-31)"), squeezed);
        Assert.Contains(Squeeze("in manifests/shop/policies.yaml, line 12"), squeezed);
    }

    [Fact]
    public void Diagnostics_are_listed_with_their_severity_in_words()
    {
        using var pdf = PdfDocument.Open(Report.Value);
        var squeezed = Squeeze(string.Join("\n", Pages(pdf).Select(p => p.Text)));
        Assert.Contains(Squeeze("Warning Widget/sprocket skipped an object of an unknown kind"), squeezed);
    }

    [Fact]
    public void The_summary_drift_trend_and_appendix_are_there()
    {
        using var pdf = PdfDocument.Open(Report.Value);
        var text = string.Join("\n", Pages(pdf).Select(p => p.Text));
        Assert.Contains("Top risks", text);
        Assert.Contains("CNI does not enforce NetworkPolicy (CNI-001, Critical)", text);
        Assert.Contains("Not verified: the scan could not read ClusterRoleBinding (forbidden by RBAC)", text);
        Assert.Contains("Drift since the baseline", text);
        Assert.Contains("NetworkPolicy/shop/default-deny", text);
        Assert.Contains(Squeeze("workload payments/postgres[StatefulSet] is a data store"), Squeeze(text));
        Assert.Contains(Squeeze("1 check was not evaluated, so its result is unknown, not a pass: RBAC-002 (ClusterRoleBinding could not be read"), Squeeze(text));
        Assert.Contains("Trend across scans", text);
        Assert.Contains("Appendix A. Check catalogue", text);
        Assert.Contains("RBAC-002", text);
        Assert.Contains("Appendix B. Coverage", text);
        Assert.Contains("An arbitrary peer is a pod with no labels", text);
        Assert.Contains(Scan.Score.Formula, text);
    }

    [Fact]
    public void Fonts_are_the_bundled_ones_and_are_embedded()
    {
        // Segoe WP ships inside PDFsharp; DejaVu Sans Mono (manifests) inside NetSecPS.Reports. No system font.
        using (var pdf = PdfDocument.Open(Report.Value))
        {
            var fonts = Pages(pdf).SelectMany(p => p.Letters.Select(l => l.FontName)).Distinct().ToList();
            Assert.All(fonts, f => Assert.True(f is not null && (f.Contains("Segoe WP", StringComparison.Ordinal) || f.Contains("DejaVu Sans Mono", StringComparison.Ordinal)), f));
            Assert.Contains(fonts, f => f?.Contains("DejaVu Sans Mono", StringComparison.Ordinal) == true);
        }

        // Every font of the file is a subset (XXXXXX+ prefix) with its font program embedded.
        var raw = System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(Report.Value));
        var baseFonts = System.Text.RegularExpressions.Regex.Matches(raw, @"/BaseFont\s*/([A-Z]{6}\+[^/\s>]+)").Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.NotEmpty(baseFonts);
        Assert.All(baseFonts, f => Assert.True(f.Contains("Segoe#20WP", StringComparison.Ordinal) || f.Contains("DejaVu#20Sans#20Mono", StringComparison.Ordinal), f));
        Assert.Equal(baseFonts.Count, System.Text.RegularExpressions.Regex.Matches(raw, "/FontFile2").Count);
    }

    [Fact]
    public void Long_finding_lists_are_capped_with_a_note_pointing_to_the_workbook()
    {
        var path = TestFiles.Write(Scan, "capped.pdf", new ReportOptions { MaxPdfFindingsPerCheck = 10 });
        using var pdf = PdfDocument.Open(path);
        var text = string.Join("\n", pdf.GetPages().Select(p => p.Text));
        var hn = Scan.Findings.Count(f => f.CheckId == "HN-001");
        Assert.Contains($"10 of {hn} findings of HN-001 are listed here", text);
    }

    [Fact]
    public void A_scan_without_baseline_history_or_findings_says_so()
    {
        var path = TestFiles.Write(new ScanResult
        {
            Provenance = new Provenance { Paths = new[] { "manifests/" }, CollectedAt = SampleScan.ScannedAt },
            Profile = new ProfileInfo { Name = "default" },
            Score = new ScoreDetails { Score = 100 },
            ScannedAt = SampleScan.ScannedAt,
        }, "empty.pdf");
        using var pdf = PdfDocument.Open(path);
        var text = string.Join("\n", pdf.GetPages().Select(p => p.Text));
        Assert.Contains("No baseline was given", text);
        Assert.Contains("No history", text);
        Assert.Contains("No findings: every evaluated check passed.", text);
        Assert.Contains("100.0", text);
    }
}

public class PdfLayoutTests
{
    [Fact]
    public void A_table_header_never_stands_alone_at_the_foot_of_a_page()
    {
        using var stream = new MemoryStream();
        using (var c = new Pdf.PdfComposer())
        {
            c.NewPage();
            c.Paragraph("Filler above the table.");
            c.Y = Pdf.PdfComposer.Bottom - 60;
            var tall = string.Join(" ", Enumerable.Repeat("evidence", 120));
            c.Table(new Pdf.PdfTable(new[] { "Resource", "Evidence" }, new[] { 1.0, 2.0 }), new[] { new[] { "Namespace/shop", tall } });
            c.Document.Save(stream, false);
        }

        using var pdf = PdfDocument.Open(stream.ToArray());
        var pages = pdf.GetPages().ToList();
        Assert.Equal(2, pages.Count);
        Assert.DoesNotContain("Resource", pages[0].Text, StringComparison.Ordinal);
        Assert.StartsWith("ResourceEvidenceNamespace/shop", pages[1].Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Manifest_paths_are_shown_relative_to_the_scanned_folder()
    {
        var root = Path.Combine(Path.GetTempPath(), "netsecps-input");
        var finding = new Finding
        {
            CheckId = "NP-001", Severity = Severity.High, Title = "Namespace has no effective default-deny ingress", Resource = "Namespace/shop",
            Evidence = "shop/frontend[Deployment] accepts TCP 8080 from an arbitrary peer.", SourceFile = Path.Combine(root, "shop", "policies.yaml"), SourceLine = 3,
        };
        var path = TestFiles.Write(new ScanResult
        {
            Provenance = new Provenance { Paths = new[] { root } },
            Profile = new ProfileInfo { Name = "default" },
            Score = new ScoreDetails { Score = 90 },
            Findings = new[] { finding },
        }, "relative-paths.pdf");
        using var pdf = PdfDocument.Open(path);
        var text = string.Concat(pdf.GetPages().Select(p => p.Text));
        Assert.Contains("in shop/policies.yaml, line 3", text, StringComparison.Ordinal);
        Assert.DoesNotContain(Path.Combine(root, "shop"), text, StringComparison.Ordinal);
    }
}
