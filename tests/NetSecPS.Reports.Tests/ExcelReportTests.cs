using ClosedXML.Excel;

namespace NetSecPS.Reports.Tests;

public class ExcelReportTests
{
    private static readonly ScanResult Scan = SampleScan.Create(extraFindings: 40);
    private static readonly Lazy<string> Workbook = new(() => TestFiles.Write(Scan, "sample.xlsx"));

    private static XLWorkbook Open() => new(Workbook.Value);

    [Fact]
    public void The_findings_sheet_has_one_row_per_finding_with_its_evidence_and_remediation()
    {
        using var wb = Open();
        var table = wb.Worksheet("Findings").Tables.Single();
        var headers = table.HeadersRow().Cells().Select(c => c.GetString()).ToList();
        Assert.Equal(Scan.Findings.Count, table.DataRange.RowCount());

        string Cell(IXLTableRow row, string header) => row.Cell(headers.IndexOf(header) + 1).GetString();
        var rows = table.DataRange.Rows().Select(r => (Check: Cell(r, "Check"), Resource: Cell(r, "Resource"), Status: Cell(r, "Status"))).OrderBy(x => x.ToString(), StringComparer.Ordinal);
        var expected = Scan.Findings.Select(f => (Check: f.CheckId, f.Resource, Status: f.Suppressed ? "Suppressed" : "Open")).OrderBy(x => x.ToString(), StringComparer.Ordinal);
        Assert.Equal(expected, rows);

        var storefront = table.DataRange.Rows().Single(r => Cell(r, "Resource") == "Service/shop/storefront");
        Assert.Equal("type LoadBalancer, no loadBalancerSourceRanges, no internal annotation.", Cell(storefront, "Evidence"));
        Assert.Equal("Set loadBalancerSourceRanges.", Cell(storefront, "Remediation"));
        var legacy = table.DataRange.Rows().Single(r => Cell(r, "Resource") == "Namespace/legacy");
        Assert.Equal("Isolated by the VPC firewall; decommissioned in Q1", Cell(legacy, "Justification"));
        var shop = table.DataRange.Rows().Single(r => Cell(r, "Resource") == "Namespace/shop");
        Assert.Contains("kind: NetworkPolicy", Cell(shop, "Fix manifest"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_findings_table_has_a_filter_and_a_frozen_bold_header()
    {
        using var wb = Open();
        var ws = wb.Worksheet("Findings");
        var table = ws.Tables.Single();
        Assert.True(table.ShowAutoFilter);
        Assert.Equal(1, ws.SheetView.SplitRow);
        Assert.All(table.HeadersRow().Cells(), c => Assert.True(c.Style.Font.Bold, c.GetString() + " is not bold"));
        Assert.Equal("Severity", table.HeadersRow().FirstCell().GetString());
    }

    [Fact]
    public void Every_topic_has_its_sheet_and_data_sheets_are_filterable_tables_with_frozen_headers()
    {
        using var wb = Open();
        var names = wb.Worksheets.Select(w => w.Name).ToList();
        Assert.Equal(new[] { "Summary", "Findings", "Compliance", "Namespaces", "Frameworks", "Checks", "Subjects", "Workloads", "Exposure", "Policies", "Flows", "Flow matrix", "Drift", "History", "Coverage", "Diagnostics" }, names);
        foreach (var name in new[] { "Findings", "Checks", "Workloads", "Exposure", "Policies", "Flows", "Drift", "History", "Coverage", "Diagnostics" })
        {
            var ws = wb.Worksheet(name);
            Assert.True(ws.Tables.Count() == 1, name + " has no table");
            Assert.True(ws.Tables.Single().ShowAutoFilter, name + " has no filter");
            Assert.Equal(1, ws.SheetView.SplitRow);
        }

        Assert.Equal(Scan.Workloads.Count, wb.Worksheet("Workloads").Tables.Single().DataRange.RowCount());
        Assert.Equal(Scan.Flows.Count, wb.Worksheet("Flows").Tables.Single().DataRange.RowCount());
        Assert.Equal(Scan.Checks.Count, wb.Worksheet("Checks").Tables.Single().DataRange.RowCount());
        var diagnostic = wb.Worksheet("Diagnostics").Tables.Single().DataRange.FirstRow();
        Assert.Equal(("Warning", "UnknownKind"), (diagnostic.Cell(1).GetString(), diagnostic.Cell(2).GetString()));
    }

    [Fact]
    public void Severity_cells_are_coloured_by_conditional_formats()
    {
        using var wb = Open();
        var ws = wb.Worksheet("Findings");
        var rules = ws.ConditionalFormats.SelectMany(cf => cf.Values.Values.Select(v => v.Value)).ToList();
        foreach (var s in new[] { "Critical", "High", "Medium", "Low", "Info" })
        {
            Assert.Contains($"\"{s}\"", rules);
        }
    }

    [Fact]
    public void Column_widths_fit_the_text_without_running_wide()
    {
        using var wb = Open();
        var ws = wb.Worksheet("Findings");
        var headers = ws.Row(1).CellsUsed().Select(c => c.GetString()).ToList();
        double Width(string header) => ws.Column(headers.IndexOf(header) + 1).Width;
        Assert.InRange(Width("Severity"), "Severity".Length + 2, 14);
        Assert.InRange(Width("Resource"), "Namespace/shop".Length, 36.01);
        Assert.Equal(36, Width("Resource"), 1);
        Assert.InRange(Width("Evidence"), 40, 60.01);
    }

    [Fact]
    public void Text_that_looks_like_a_formula_stays_text()
    {
        using var wb = Open();
        var evidence = wb.Worksheet("Findings").CellsUsed().Single(c => c.GetString().StartsWith("=HYPERLINK", StringComparison.Ordinal));
        Assert.False(evidence.HasFormula);
        Assert.Equal(XLDataType.Text, evidence.DataType);
    }

    [Fact]
    public void The_summary_shows_score_severity_counts_coverage_gaps_and_drift_totals()
    {
        using var wb = Open();
        var ws = wb.Worksheet("Summary");
        IXLCell Find(string text) => ws.CellsUsed().First(c => c.GetString() == text);
        Assert.Equal(57.4, Find("Posture score").CellRight().GetDouble(), 1);
        var high = Find("High");
        Assert.Equal(Scan.Findings.Count(f => f.Severity == Severity.High && !f.Suppressed), high.CellRight().GetDouble());
        Assert.Equal(Scan.Findings.Count(f => f.Severity == Severity.High && f.Suppressed), high.CellRight().CellRight().GetDouble());
        Assert.Contains(ws.CellsUsed(), c => c.GetString() == "ClusterRoleBinding" && c.CellRight().GetString() == "forbidden by RBAC" && c.CellRight().CellRight().GetString().StartsWith("rbac.authorization.k8s.io/v1: ", StringComparison.Ordinal));
        var flow = Find("Flow");
        Assert.Equal(1, flow.CellRight().GetDouble());
        Assert.Contains(ws.CellsUsed(), c => c.GetString() == "Compliance by framework");
    }

    [Fact]
    public void The_checks_sheet_gives_each_check_its_result_and_says_which_could_not_be_evaluated()
    {
        using var wb = Open();
        var table = wb.Worksheet("Checks").Tables.Single();
        var headers = table.HeadersRow().Cells().Select(c => c.GetString()).ToList();
        string Cell(IXLTableRow row, string header) => row.Cell(headers.IndexOf(header) + 1).GetString();
        var status = table.DataRange.Rows().ToDictionary(r => Cell(r, "Check"), r => (Status: Cell(r, "Status"), Why: Cell(r, "Not evaluated because"), Open: Cell(r, "Open")));
        Assert.Equal(("Fail", string.Empty, "1"), status["CNI-001"]);
        Assert.Equal("Suppressed", status["EX-004"].Status);
        Assert.Equal("Pass", status["EX-003"].Status);
        Assert.Equal("Not evaluated", status["RBAC-002"].Status);
        Assert.StartsWith("ClusterRoleBinding could not be read", status["RBAC-002"].Why, StringComparison.Ordinal);
        Assert.Contains(wb.Worksheet("Summary").CellsUsed(), c => c.GetString() == "RBAC-002" && c.CellRight().GetString().StartsWith("ClusterRoleBinding", StringComparison.Ordinal));
    }

    [Fact]
    public void Coverage_marks_forbidden_kinds()
    {
        using var wb = Open();
        var table = wb.Worksheet("Coverage").Tables.Single();
        var forbidden = table.DataRange.Rows().Where(r => r.Cell(3).GetString() == "forbidden by RBAC").Select(r => r.Cell(1).GetString()).ToList();
        Assert.Equal(new[] { "ClusterRoleBinding", "PeerAuthentication" }, forbidden);
    }

    [Fact]
    public void Every_flow_is_a_row_of_the_flows_table_in_connlist_order_and_the_workbook_is_valid_open_xml()
    {
        // Past its first row the Flows table is streamed into the saved workbook; it must read back like any other sheet.
        var scan = NetSecPS.Tests.SyntheticScan.Create(workloads: 600, findings: 50, flows: 5_000, namespaces: 12);
        var path = TestFiles.Write(scan, "many-flows.xlsx");
        using (var wb = new XLWorkbook(path))
        {
            var ws = wb.Worksheet("Flows");
            var table = ws.Tables.Single();
            Assert.Equal(new[] { "Source", "Destination", "Source namespace", "Destination namespace", "Connections" }, table.HeadersRow().Cells().Select(c => c.GetString()));
            var rows = table.DataRange.Rows().Select(r => (r.Cell(1).GetString(), r.Cell(2).GetString(), r.Cell(3).GetString(), r.Cell(4).GetString(), r.Cell(5).GetString())).ToList();
            Assert.Equal(scan.Flows.Select(f => (f.Source, f.Destination, f.SourceNamespace ?? string.Empty, f.DestinationNamespace ?? string.Empty, f.Connections)), rows);
            Assert.Equal(scan.Flows.Count + 1, ws.LastRowUsed().RowNumber());
            Assert.True(ws.Column(1).Width > "Source".Length + 4, "the source column is sized from the streamed rows too");
            Assert.Equal(ws.Cell(2, 1).Style.Alignment.Vertical, ws.Cell(scan.Flows.Count + 1, 1).Style.Alignment.Vertical);
        }

        using var document = DocumentFormat.OpenXml.Packaging.SpreadsheetDocument.Open(path, isEditable: false);
        var errors = new DocumentFormat.OpenXml.Validation.OpenXmlValidator().Validate(document).Select(e => $"{e.Part?.Uri} {e.Path?.XPath}: {e.Description}").ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors.Take(10)));
    }

    [Fact]
    public void A_scan_of_many_subjects_lists_each_in_the_subjects_sheet_with_its_outcome_coloured_on_every_row()
    {
        // Past 2,000 rows the Subjects table is streamed (at 50,000 pods it holds 150,000 rows): it must read back whole.
        var outcomes = new[] { SubjectOutcome.Passed, SubjectOutcome.Failed, SubjectOutcome.Accepted };
        var subjects = Enumerable.Range(0, 3_000).Select(i => new SubjectResult
        {
            CheckId = i % 2 == 0 ? "NP-001" : "NP-002",
            Resource = $"Namespace/ns-{i:D4}",
            Namespace = $"ns-{i:D4}",
            Outcome = outcomes[i % 3],
        }).ToList();
        var scan = Copy(Scan);
        typeof(ScanResult).GetProperty(nameof(ScanResult.Subjects))!.SetValue(scan, subjects);
        var path = TestFiles.Write(scan, "many-subjects.xlsx");
        using (var wb = new XLWorkbook(path))
        {
            var ws = wb.Worksheet("Subjects");
            var table = ws.Tables.Single();
            var rows = table.DataRange.Rows().Select(r => (r.Cell(1).GetString(), r.Cell(4).GetString(), r.Cell(5).GetString())).ToList();
            var expected = subjects.OrderBy(s => s.CheckId, StringComparer.Ordinal).ThenBy(s => s.Outcome).ThenBy(s => s.Resource, StringComparer.Ordinal)
                .Select(s => (s.CheckId, s.Resource, s.Outcome.ToString())).ToList();
            Assert.Equal(expected, rows);
            var titles = table.DataRange.Rows().GroupBy(r => r.Cell(1).GetString()).ToDictionary(g => g.Key, g => g.Select(r => r.Cell(2).GetString()).Distinct().ToList());
            Assert.All(titles.Values, t => Assert.True(t.Count == 1 && t[0].Length > 0, "every row of a check, streamed or not, has the check's title"));
            var formats = ws.ConditionalFormats.Where(f => f.Range.FirstColumn().ColumnNumber() == 5).ToList();
            Assert.Equal(3, formats.Count);
            Assert.All(formats, f => Assert.Equal(subjects.Count + 1, f.Range.LastRow().RowNumber()));
        }

        using var document = DocumentFormat.OpenXml.Packaging.SpreadsheetDocument.Open(path, isEditable: false);
        var errors = new DocumentFormat.OpenXml.Validation.OpenXmlValidator().Validate(document).Select(e => $"{e.Part?.Uri} {e.Path?.XPath}: {e.Description}").ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors.Take(10)));
    }

    /// <summary>A copy of every property of a scan, to change one.</summary>
    private static ScanResult Copy(ScanResult s)
    {
        var copy = new ScanResult { Provenance = s.Provenance, Profile = s.Profile, Score = s.Score };
        foreach (var property in typeof(ScanResult).GetProperties().Where(p => p.CanWrite))
        {
            property.SetValue(copy, property.GetValue(s));
        }

        return copy;
    }

    [Fact]
    public void A_huge_flow_list_is_capped_with_a_note_and_the_matrix_still_counts_every_flow()
    {
        var path = TestFiles.Write(Scan, "capped-flows.xlsx", new ReportOptions { MaxFlowRows = 10 });
        using var wb = new XLWorkbook(path);
        var ws = wb.Worksheet("Flows");
        Assert.Equal(10, ws.Tables.Single().DataRange.RowCount());
        Assert.Contains(ws.CellsUsed(), c => c.GetString().StartsWith($"Only the first 10 of {Scan.Flows.Count} allowed flows", StringComparison.Ordinal));

        var matrix = wb.Worksheet("Flow matrix");
        var shopToPayments = Scan.NamespaceFlows.Single(n => n.SourceNamespace == "shop" && n.DestinationNamespace == "payments").Flows;
        var col = matrix.Row(1).CellsUsed().Single(c => c.GetString() == "payments").Address.ColumnNumber;
        var row = matrix.Column(1).CellsUsed().Single(c => c.GetString() == "shop").Address.RowNumber;
        Assert.Equal(shopToPayments, matrix.Cell(row, col).GetDouble());
    }

    [Fact]
    public void Text_longer_than_an_excel_cell_is_cut_with_a_note_instead_of_breaking_the_file()
    {
        var scan = SampleScan.Create();
        var huge = new Finding { CheckId = "NP-001", Title = "Namespace has no effective default-deny ingress", Resource = "Namespace/huge", Evidence = new string('x', 40_000) };
        var path = TestFiles.Write(WithFindings(scan, scan.Findings.Append(huge).ToArray()), "huge-cell.xlsx");
        using var wb = new XLWorkbook(path);
        var cell = wb.Worksheet("Findings").CellsUsed().Single(c => c.GetString().StartsWith("xxxx", StringComparison.Ordinal));
        Assert.Equal(32_767, cell.GetString().Length);
        Assert.EndsWith("the JSON report has the full text]", cell.GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_scan_without_findings_or_baseline_still_writes_a_workbook_that_says_so()
    {
        var path = TestFiles.Write(new ScanResult
        {
            Provenance = new Provenance { Paths = new[] { "manifests/" } },
            Profile = new ProfileInfo { Name = "default" },
            Score = new ScoreDetails { Score = 100 },
        }, "empty.xlsx");
        using var wb = new XLWorkbook(path);
        Assert.Empty(wb.Worksheet("Findings").Tables);
        Assert.Equal("No findings: every check passed.", wb.Worksheet("Findings").Cell(2, 1).GetString());
        Assert.StartsWith("No baseline was given", wb.Worksheet("Drift").Cell(1, 1).GetString(), StringComparison.Ordinal);
        Assert.Equal(1, wb.Worksheet("Findings").SheetView.SplitRow);
    }

    internal static ScanResult WithFindings(ScanResult s, IReadOnlyList<Finding> findings) => new()
    {
        Provenance = s.Provenance, Profile = s.Profile, Score = s.Score, Checks = s.Checks, Findings = findings, Coverage = s.Coverage, ScannedAt = s.ScannedAt,
        Workloads = s.Workloads, Flows = s.Flows, NamespaceFlows = s.NamespaceFlows, Drift = s.Drift, History = s.History,
    };
}
