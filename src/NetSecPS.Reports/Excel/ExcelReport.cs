using ClosedXML.Excel;
using NetSecPS.Core;

namespace NetSecPS.Reports.Excel;

/// <summary>
/// The workbook: a Summary sheet, then one sheet per topic (findings, checks, workloads, exposure,
/// policies, flows, the namespace flow matrix, drift, history, coverage, input diagnostics), each a
/// filterable table with a frozen bold header and colour by severity or status.
/// </summary>
internal static partial class ExcelReport
{
    private const string DateFormat = "yyyy-mm-dd hh:mm";
    private const int ProgressId = 7101;

    public static void Write(ScanResult scan, Stream stream, ReportOptions options, IOutputSink? sink = null, CancellationToken cancellationToken = default)
    {
        var view = new ReportView(scan, options);
        var streamed = new List<StreamedRows>();
        using var saved = new MemoryStream();
        using (var wb = new XLWorkbook())
        {
            Build(wb, view, streamed, sink, cancellationToken);
            sink?.Progress(new ProgressUpdate(ProgressId, "Writing the workbook", "Saving", 92));
            wb.SaveAs(streamed.Count == 0 ? stream : saved);
        }

        // The workbook and its cells are gone before the large tables are streamed in.
        if (streamed.Count > 0)
        {
            WriteStreamed(saved, stream, streamed, sink, cancellationToken);
        }

        sink?.Progress(new ProgressUpdate(ProgressId, "Writing the workbook", "Done", 100, Completed: true));
    }

    /// <summary>Copies the saved workbook to the output with the large tables' rows streamed in (after ClosedXML has let go of its cells).</summary>
    private static void WriteStreamed(MemoryStream saved, Stream stream, List<StreamedRows> streamed, IOutputSink? sink, CancellationToken cancellationToken)
    {
        sink?.Progress(new ProgressUpdate(ProgressId, "Writing the workbook",
            string.Join(", ", streamed.Select(r => $"Sheet {r.SheetName}: {ReportText.Number(r.RowCount + 1)} rows")), 95));
        saved.Position = 0;
        StreamedWorkbook.Write(saved, streamed, stream, cancellationToken);
    }

    private static void Build(XLWorkbook wb, ReportView view, List<StreamedRows> streamed, IOutputSink? sink, CancellationToken cancellationToken)
    {
        var scan = view.Scan;
        wb.Author = scan.Provenance.Tool;
        wb.Properties.Title = $"{view.Title}: {view.Cluster}";
        wb.Properties.Subject = "Kubernetes network security";
        wb.Properties.Company = view.Organization ?? string.Empty;

        var steps = new List<(string Name, Action Write)>
        {
            ("Summary", () => Summary(wb.Worksheets.Add("Summary"), view)),
            ("Findings", () => Findings(wb.Worksheets.Add("Findings"), view, cancellationToken)),
        };
        if (view.HasScore)
        {
            steps.Add(("Compliance", () => Compliance(wb.Worksheets.Add("Compliance"), view, cancellationToken)));
            steps.Add(("Namespaces", () => Namespaces(wb.Worksheets.Add("Namespaces"), view, cancellationToken)));
            steps.Add(("Frameworks", () => Frameworks(wb.Worksheets.Add("Frameworks"), view, cancellationToken)));
        }

        steps.Add(("Checks", () => Checks(wb.Worksheets.Add("Checks"), view, cancellationToken)));
        if (view.HasScore)
        {
            steps.Add(("Subjects", () => Subjects(wb.Worksheets.Add("Subjects"), view, streamed, cancellationToken)));
        }

        // An audit summary or findings alone have no inventory, connectivity, drift or history to lay out.
        if (view.IsFullScan)
        {
            steps.AddRange(new (string, Action)[]
            {
                ("Workloads", () => Workloads(wb.Worksheets.Add("Workloads"), view, cancellationToken)),
                ("Exposure", () => Exposure(wb.Worksheets.Add("Exposure"), view, cancellationToken)),
                ("Policies", () => Policies(wb.Worksheets.Add("Policies"), view, cancellationToken)),
                ("Flows", () => streamed.AddRange(Flows(wb.Worksheets.Add("Flows"), view, cancellationToken) is { } rows ? new[] { rows } : Array.Empty<StreamedRows>())),
                ("Flow matrix", () => FlowMatrix(wb.Worksheets.Add("Flow matrix"), view, cancellationToken)),
                (MeshTlsSheet.Name, () => MeshTlsSheet.Write(wb, view, cancellationToken)),
                ("Drift", () => Drift(wb.Worksheets.Add("Drift"), view, cancellationToken)),
                ("History", () => History(wb.Worksheets.Add("History"), view, cancellationToken)),
                ("Coverage", () => Coverage(wb.Worksheets.Add("Coverage"), view, cancellationToken)),
            });
        }

        steps.Add(("Diagnostics", () => Diagnostics(wb, view, cancellationToken)));

        for (var i = 0; i < steps.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            sink?.Progress(new ProgressUpdate(ProgressId, "Writing the workbook", $"Sheet {steps[i].Name}", i * 90 / steps.Count));
            steps[i].Write();
        }

        ObservedTrafficSheets.Write(wb, view, streamed, cancellationToken);
        SheetTable.ExtendPrintAreas(wb, streamed);

        // Sheets that hold a note rather than a table print like the others.
        foreach (var ws in wb.Worksheets.Where(w => w.PageSetup.PageOrientation != XLPageOrientation.Landscape))
        {
            SheetTable.PrintSetup(ws, repeatHeader: false);
        }

        wb.Worksheet("Summary").SetTabActive();
    }

    private static XLColor Rgb((byte R, byte G, byte B) c) => XLColor.FromArgb(c.R, c.G, c.B);

    private static void SeverityColours(IXLRange range)
    {
        foreach (var s in ReportView.SeveritiesDescending)
        {
            var font = ReportText.SeverityTextIsDark(s) ? XLColor.Black : XLColor.White;
            range.AddConditionalFormat().WhenEquals($"\"{s}\"").Fill.SetBackgroundColor(Rgb(ReportText.SeverityColor(s))).Font.SetFontColor(font);
        }
    }

    private static IXLRange? DataColumn(IXLTable? table, string header)
    {
        if (table is null)
        {
            return null;
        }

        var field = table.Fields.FirstOrDefault(f => f.Name == header);
        return field is null ? null : table.DataRange.Column(field.Index + 1).AsRange();
    }

    private static void Summary(IXLWorksheet ws, ReportView view)
    {
        ws.Column(1).Width = 34;
        // Wide enough for a coverage status in words ("forbidden by RBAC").
        ws.Column(2).Width = 18;
        ws.Column(3).Width = 16;
        ws.Column(4).Width = 16;
        ws.Column(5).Width = 60;

        var row = SummaryTitle(ws, view);
        row = SummaryScore(ws, row, view);
        row = SummarySeverities(ws, row, view);
        row = SummaryFrameworks(ws, row, view);
        if (view.IsFullScan)
        {
            row = SummaryMeshTls(ws, row, view);
            row = SummaryDrift(ws, row, view);
            row = SummaryCoverage(ws, row, view);
            row = SummaryInventory(ws, row, view);
            row = SummaryProvenance(ws, row, view);
            SummarySheetLinks(ws, row, view);
        }

        SheetTable.PrintSetup(ws, repeatHeader: false);
    }

    /// <summary>Title, organization, cluster and the note of a partial report; returns the next free row.</summary>
    private static int SummaryTitle(IXLWorksheet ws, ReportView view)
    {
        ws.Cell(1, 1).SetValue(view.Title);
        ws.Cell(1, 1).Style.Font.Bold = true;
        ws.Cell(1, 1).Style.Font.FontSize = 16;
        var row = 2;
        if (view.Organization is { } org)
        {
            ws.Cell(row++, 1).SetValue(org);
        }

        ws.Cell(row, 1).SetValue(view.Cluster);
        ws.Cell(row, 1).Style.Font.FontSize = 12;
        row += 2;

        if (view.PartialNote is { } partial)
        {
            ws.Cell(row, 1).SetValue(partial);
            ws.Cell(row, 1).Style.Font.Italic = true;
            ws.Range(row, 1, row, 5).Merge().Style.Alignment.WrapText = true;
            ws.Row(row).Height = 45;
            row += 2;
        }

        return row;
    }

    /// <summary>The posture score and how it was reached, when the report has one.</summary>
    private static int SummaryScore(IXLWorksheet ws, int row, ReportView view)
    {
        var scan = view.Scan;
        if (!view.HasScore)
        {
            return row;
        }

        ws.Cell(row, 1).SetValue("Posture score");
        ws.Cell(row, 1).Style.Font.Bold = true;
        var score = ws.Cell(row, 2);
        score.SetValue(Math.Round(scan.Score.Score, 1));
        score.Style.NumberFormat.Format = "0.0";
        score.Style.Font.Bold = true;
        score.Style.Font.FontSize = 18;
        score.Style.Font.FontColor = Rgb(ReportText.ScoreColor(scan.Score.Score));
        ws.Cell(row, 3).SetValue($"of 100 ({scan.Score.Band})");
        row++;
        var applied = scan.Score.Checks.Where(c => c.Applicable).ToList();
        row = Pairs(ws, row, new (string, object?)[]
        {
            ("Without exceptions", Math.Round(scan.Score.ScoreWithoutExceptions, 1)),
            ("Checks applied", applied.Count),
            ("Checks fully compliant", applied.Count(c => c.Failed == 0)),
            ("Subjects evaluated", scan.Score.EvaluatedSubjects),
            ("Evaluated workloads", scan.Score.EvaluatedWorkloads),
            ("Formula", string.IsNullOrEmpty(scan.Score.Formula) ? ReportText.ScoreMethod : scan.Score.Formula),
        });

        return row;
    }

    /// <summary>Open and suppressed findings per severity, with a total row of formulas.</summary>
    private static int SummarySeverities(IXLWorksheet ws, int row, ReportView view)
    {
        row = Heading(ws, row + 1, "Findings by severity", "Severity", "Open", "Suppressed");
        var sevStart = row;
        foreach (var s in ReportView.SeveritiesDescending)
        {
            ws.Cell(row, 1).SetValue(s.ToString());
            ws.Cell(row, 1).Style.Fill.BackgroundColor = Rgb(ReportText.SeverityColor(s));
            ws.Cell(row, 1).Style.Font.FontColor = ReportText.SeverityTextIsDark(s) ? XLColor.Black : XLColor.White;
            ws.Cell(row, 2).SetValue(view.OpenBySeverity[(int)s]);
            ws.Cell(row, 3).SetValue(view.SuppressedBySeverity[(int)s]);
            row++;
        }

        ws.Cell(row, 1).SetValue("Total");
        ws.Cell(row, 2).FormulaA1 = $"SUM(B{sevStart}:B{row - 1})";
        ws.Cell(row, 3).FormulaA1 = $"SUM(C{sevStart}:C{row - 1})";
        ws.Range(row, 1, row, 3).Style.Font.Bold = true;
        return row + 1;
    }

    /// <summary>Compliance per framework (with a score) or findings per framework control (without).</summary>
    private static int SummaryFrameworks(IXLWorksheet ws, int row, ReportView view)
    {
        var scan = view.Scan;
        if (view.HasScore)
        {
            row = Heading(ws, row + 1, "Compliance by framework", "Framework", "Checks", "Fully passing", "Compliance");
            var families = scan.Score.Frameworks.Where(f => f.Control == f.Framework).ToList();
            if (families.Count == 0)
            {
                ws.Cell(row++, 1).SetValue("No check of the scan maps to a framework control.");
            }

            foreach (var fw in families)
            {
                ws.Cell(row, 1).SetValue(fw.Name ?? fw.Framework);
                ws.Cell(row, 2).SetValue(fw.Checks);
                ws.Cell(row, 3).SetValue(fw.FullyPassing);
                ws.Cell(row, 4).SetValue(Math.Round(fw.Compliance, 1));
                ws.Cell(row, 4).Style.NumberFormat.Format = "0.0";
                row++;
            }
        }
        else
        {
            row = Heading(ws, row + 1, "Findings by framework control", "Control", "Open", "Suppressed");
            foreach (var fw in view.Frameworks)
            {
                ws.Cell(row, 1).SetValue(fw.Framework);
                ws.Cell(row, 2).SetValue(fw.Open);
                ws.Cell(row, 3).SetValue(fw.Suppressed);
                row++;
            }
        }

        return row;
    }

    /// <summary>Where Istio runs, the overall share of allowed flows between workloads that mutual TLS carries; the Mesh mTLS sheet has it per namespace.</summary>
    private static int SummaryMeshTls(IXLWorksheet ws, int row, ReportView view)
    {
        if (view.MeshTlsCounts() is not (_, var total))
        {
            return row;
        }

        row = Heading(ws, row + 1, "Mutual TLS in the mesh");
        var sentence = ws.Range(row, 1, row, 5).Merge();
        sentence.FirstCell().SetValue(MeshTls.Sentence(total));
        sentence.Style.Alignment.WrapText = true;
        sentence.Style.Alignment.Vertical = XLAlignmentVerticalValues.Top;
        ws.Row(row).Height = Math.Min(409, SheetTable.LineHeight * SheetTable.EstimateLines(MeshTls.Sentence(total), Enumerable.Range(1, 5).Sum(c => ws.Column(c).Width)));
        row++;
        var share = row + 2;
        row = Pairs(ws, row, new (string, object?)[]
        {
            ("Allowed flows between workloads", total.Flows),
            ("Mutually authenticated", total.MutuallyAuthenticated),
            ("Share mutual TLS", total.Share),
            ("Plaintext (one end runs a sidecar)", total.Plaintext),
            ("Not intercepted by the mesh", total.NotIntercepted),
            ("Ambient (not evaluated)", total.Ambient > 0 ? total.Ambient : null),
        });
        ws.Cell(share, 2).Style.NumberFormat.Format = "0.0%";
        var link = ws.Cell(row++, 1);
        link.SetValue($"Per namespace: sheet {MeshTlsSheet.Name}");
        link.Hyperlink = new XLHyperlink($"'{MeshTlsSheet.Name}'!A1");
        link.Style.Font.FontColor = XLColor.FromArgb(0x1F, 0x5F, 0xA8);
        link.Style.Font.Underline = XLFontUnderlineValues.Single;
        return row;
    }

    /// <summary>Drift totals per category, or why there are none.</summary>
    private static int SummaryDrift(IXLWorksheet ws, int row, ReportView view)
    {
        var scan = view.Scan;
        row = Heading(ws, row + 1, "Drift since the baseline");
        if (scan.Drift is null)
        {
            ws.Cell(row++, 1).SetValue("No baseline was given, so drift was not computed.");
        }
        else
        {
            ws.Cell(row++, 1).SetValue($"Baseline: {scan.BaselinePath ?? "(unnamed)"}" + (scan.BaselineCreatedAt is { } at ? $", taken {ReportText.Time(at)}" : string.Empty));
            row = HeaderRow(ws, row, "Category", "Added", "Removed", "Changed");
            if (view.DriftTotals.Count == 0)
            {
                ws.Cell(row++, 1).SetValue("No change since the baseline.");
            }

            foreach (var d in view.DriftTotals)
            {
                ws.Cell(row, 1).SetValue(d.Category.ToString());
                ws.Cell(row, 2).SetValue(d.Added);
                ws.Cell(row, 3).SetValue(d.Removed);
                ws.Cell(row, 4).SetValue(d.Changed);
                row++;
            }
        }

        return row;
    }

    /// <summary>What was read, per coverage status; the kinds that could not be read and the checks not evaluated.</summary>
    private static int SummaryCoverage(IXLWorksheet ws, int row, ReportView view)
    {
        var scan = view.Scan;
        row = Heading(ws, row + 1, "Coverage", "Status", "Kinds", "Objects");
        foreach (var g in scan.Coverage.GroupBy(c => c.Status).OrderBy(g => g.Key))
        {
            ws.Cell(row, 1).SetValue(ReportText.Coverage(g.Key));
            ws.Cell(row, 2).SetValue(g.Count());
            ws.Cell(row, 3).SetValue(g.Sum(c => c.Count));
            row++;
        }

        if (view.CoverageGaps.Count > 0)
        {
            row = Heading(ws, row + 1, "Not verified: kinds the scan could not read");
            row = HeaderRow(ws, row, "Kind", "Status");
            foreach (var gap in view.CoverageGaps)
            {
                ws.Cell(row, 1).SetValue(gap.Kind);
                ws.Cell(row, 2).SetValue(ReportText.Coverage(gap.Status));
                ws.Cell(row, 2).Style.Alignment.Horizontal = XLAlignmentHorizontalValues.Right;
                ws.Cell(row, 3).SetValue($"{gap.ApiVersion}: {gap.Message ?? ReportText.Coverage(gap.Status)}");
                ws.Range(row, 1, row, 3).Style.Font.FontColor = XLColor.FromArgb(0xC0, 0x2B, 0x2B);
                row++;
            }
        }

        if (view.NotEvaluated.Count > 0)
        {
            row = Heading(ws, row + 1, "Checks not evaluated");
            row = HeaderRow(ws, row, "Check", "Reason");
            foreach (var (id, why) in view.NotEvaluated.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                ws.Cell(row, 1).SetValue(id);
                ws.Cell(row, 2).SetValue(why);
                row++;
            }
        }

        return row;
    }

    /// <summary>Objects per kind and how many flows are allowed and listed.</summary>
    private static int SummaryInventory(IXLWorksheet ws, int row, ReportView view)
    {
        var scan = view.Scan;
        row = Heading(ws, row + 1, "Inventory", "Kind", "Objects");
        foreach (var pair in scan.Inventory.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            ws.Cell(row, 1).SetValue(pair.Key);
            ws.Cell(row, 2).SetValue(pair.Value);
            row++;
        }

        var flowsListed = FlowsListed(view);
        row = Pairs(ws, row, new (string, object?)[]
        {
            ("Allowed flows", scan.Flows.Count),
            ("Flows listed on the Flows sheet", flowsListed < scan.Flows.Count ? $"{ReportText.Number(flowsListed)} (capped; the JSON report lists all {ReportText.Number(scan.Flows.Count)})" : flowsListed),
        });

        return row;
    }

    /// <summary>Where the scan came from, with each input file's digest.</summary>
    private static int SummaryProvenance(IXLWorksheet ws, int row, ReportView view)
    {
        var scan = view.Scan;
        row = Heading(ws, row + 1, "Provenance");
        var p = scan.Provenance;
        row = Pairs(ws, row, new (string, object?)[]
        {
            ("Source", p.SourceKind),
            ("Cluster", view.Cluster),
            ("Context", p.Context),
            ("API server", p.Server),
            ("Server version", p.ServerVersion),
            ("Collected (UTC)", p.CollectedAt),
            ("Scanned (UTC)", scan.ScannedAt),
            ("Profile", scan.Profile.Name),
            ("Excluded namespaces", string.Join(", ", scan.Profile.ExcludedNamespaces)),
            ("Tool", $"{p.Tool} {p.ToolVersion}"),
            ("Input paths", string.Join(", ", p.Paths)),
        });
        foreach (var input in p.Inputs)
        {
            ws.Cell(row, 1).SetValue(view.DisplayPath(input.Path));
            ws.Cell(row, 2).SetValue($"SHA-256 {input.Sha256}");
            ws.Range(row, 2, row, 5).Merge();
            row++;
        }

        return row;
    }

    /// <summary>Links to the data sheets.</summary>
    private static void SummarySheetLinks(IXLWorksheet ws, int row, ReportView view)
    {
        row = Heading(ws, row + 1, "Sheets");
        var names = new List<string> { "Findings", "Compliance", "Namespaces", "Frameworks", "Checks", "Subjects", "Workloads", "Exposure", "Policies", "Flows", "Flow matrix", "Drift", "History", "Coverage" };
        if (view.HasMesh)
        {
            names.Insert(names.IndexOf("Flow matrix") + 1, MeshTlsSheet.Name);
        }

        foreach (var name in names)
        {
            var cell = ws.Cell(row++, 1);
            cell.SetValue(name);
            cell.Hyperlink = new XLHyperlink($"'{name}'!A1");
            cell.Style.Font.FontColor = XLColor.FromArgb(0x1F, 0x5F, 0xA8);
            cell.Style.Font.Underline = XLFontUnderlineValues.Single;
        }
    }

    private static int Heading(IXLWorksheet ws, int row, string title, params string[] headers)
    {
        ws.Cell(row, 1).SetValue(title);
        ws.Cell(row, 1).Style.Font.Bold = true;
        ws.Cell(row, 1).Style.Font.FontSize = 12;
        row++;
        if (headers.Length > 0)
        {
            row = HeaderRow(ws, row, headers);
        }

        return row;
    }

    /// <summary>A bold, underlined header row; every column after the first holds counts, so its header sits right like the numbers.</summary>
    private static int HeaderRow(IXLWorksheet ws, int row, params string[] headers)
    {
        for (var i = 0; i < headers.Length; i++)
        {
            ws.Cell(row, i + 1).SetValue(headers[i]);
        }

        var h = ws.Range(row, 1, row, headers.Length);
        h.Style.Font.Bold = true;
        h.Style.Border.BottomBorder = XLBorderStyleValues.Thin;
        if (headers.Length > 1)
        {
            ws.Range(row, 2, row, headers.Length).Style.Alignment.Horizontal = XLAlignmentHorizontalValues.Right;
        }

        return row + 1;
    }

    private static int Pairs(IXLWorksheet ws, int row, IEnumerable<(string Label, object? Value)> pairs)
    {
        foreach (var (label, value) in pairs)
        {
            if (value is null || (value is string s && s.Length == 0))
            {
                continue;
            }

            ws.Cell(row, 1).SetValue(label);
            ws.Cell(row, 1).Style.Alignment.Vertical = XLAlignmentVerticalValues.Top;
            SheetTable.SetCell(ws.Cell(row, 2), value);
            if (value is DateTimeOffset)
            {
                ws.Cell(row, 2).Style.NumberFormat.Format = DateFormat;
                // A date sits left like the text values beside it, not right like a count.
                ws.Cell(row, 2).Style.Alignment.Horizontal = XLAlignmentHorizontalValues.Left;
            }

            // Long text (the formula, input paths) wraps across the summary's columns so it prints whole.
            if (value is string text && text.Length > 40)
            {
                var range = ws.Range(row, 2, row, 5).Merge();
                range.Style.Alignment.WrapText = true;
                range.Style.Alignment.Vertical = XLAlignmentVerticalValues.Top;
                ws.Row(row).Height = Math.Min(409, SheetTable.LineHeight * SheetTable.EstimateLines(text, Enumerable.Range(2, 4).Sum(c => ws.Column(c).Width)));
            }

            row++;
        }

        return row;
    }

    private static void Findings(IXLWorksheet ws, ReportView view, CancellationToken ct)
    {
        var rows = view.Scan.Findings
            .OrderBy(f => f.Suppressed)
            .ThenByDescending(f => f.Severity)
            .ThenBy(f => f.CheckId, StringComparer.Ordinal)
            .ThenBy(f => f.Namespace, StringComparer.Ordinal)
            .ThenBy(f => f.Resource, StringComparer.Ordinal);
        var columns = new SheetColumn<Finding>[]
        {
            new("Severity", f => f.Severity.ToString(), 10),
            new("Check", f => f.CheckId, 10),
            new("Title", f => f.Title, 30),
            new("Namespace", f => f.Namespace, 16),
            new("Resource", f => f.Resource, 36),
            new("Status", f => f.Suppressed ? "Suppressed" : "Open", 11),
            new("Evidence", f => f.Evidence, 60),
            new("Remediation", f => f.Remediation, 50),
            new("Fix manifest", f => f.RemediationManifest, 30, OneLine: true),
            new("Frameworks", f => string.Join("; ", f.Frameworks), 30),
            new("Justification", f => f.Justification, 40),
            new("Suppressed by", f => f.SuppressedBy, 20),
            new("Suppression expires", f => f.SuppressionExpires, 18, "yyyy-mm-dd"),
            new("Source file", f => f.SourceFile is null ? null : view.DisplayPath(f.SourceFile), 30),
            new("Line", f => f.SourceLine, 6),
        };
        var table = SheetTable.Write(ws, "Findings", columns, rows, "No findings: every check passed.", ct, printColumns: 8);
        if (DataColumn(table, "Severity") is { } sev)
        {
            SeverityColours(sev);
        }

        if (DataColumn(table, "Status") is { } status)
        {
            status.AddConditionalFormat().WhenEquals("\"Suppressed\"").Font.SetFontColor(XLColor.Gray).Font.SetItalic();
        }
    }

    private static void Checks(IXLWorksheet ws, ReportView view, CancellationToken ct)
    {
        var columns = new SheetColumn<CheckInfo>[]
        {
            new("Check", c => c.Id, 10),
            new("Severity", c => c.Severity.ToString(), 10),
            new("Title", c => c.Title, 34),
            new("Status", c => view.StatusOf(c), 14),
            new("Open", c => view.OpenCount(c.Id), 8),
            new("Suppressed", c => view.SuppressedCount(c.Id), 11),
            new("Fails when", c => c.FailsWhen, 56),
            new("Remediation", c => c.Remediation, 56),
            new("Category", c => c.Category, 16),
            new("Frameworks", c => string.Join("; ", c.Frameworks), 36),
            new("Applies to", c => c.AppliesTo, 40),
            new("Rationale", c => c.Rationale, 50),
            new("Not evaluated because", c => view.NotEvaluatedReason(c.Id), 40),
            new("Notes", c => c.Notes, 50),
        };
        var table = SheetTable.Write(ws, "Checks", columns, view.Catalogue, "The scan carried no check catalogue.", ct, printColumns: 8);
        if (DataColumn(table, "Severity") is { } sev)
        {
            SeverityColours(sev);
        }

        if (DataColumn(table, "Status") is { } status)
        {
            status.AddConditionalFormat().WhenEquals("\"Fail\"").Font.SetFontColor(XLColor.FromArgb(0xC0, 0x2B, 0x2B)).Font.SetBold();
            status.AddConditionalFormat().WhenEquals("\"Pass\"").Font.SetFontColor(XLColor.FromArgb(0x2E, 0x8B, 0x57));
            status.AddConditionalFormat().WhenEquals("\"Not evaluated\"").Font.SetFontColor(XLColor.Gray).Font.SetItalic();
            status.AddConditionalFormat().WhenEquals("\"Not applicable\"").Font.SetFontColor(XLColor.Gray);
        }
    }

    private static void Workloads(IXLWorksheet ws, ReportView view, CancellationToken ct)
    {
        var columns = new SheetColumn<WorkloadItem>[]
        {
            // What an auditor reads on paper comes first: the print area keeps the leading columns.
            new("Namespace", w => w.Namespace, 24),
            new("Name", w => w.Name, 40),
            new("Kind", w => w.Kind, 14),
            new("Pods", w => w.Pods, 6),
            new("Ports", w => string.Join(", ", w.Ports), 30),
            new("Host network", w => ReportText.YesNo(w.HostNetwork), 8),
            new("Service account", w => w.ServiceAccount, 24),
            new("Open findings", w => view.OpenByResource.GetValueOrDefault(w.Resource), 8),
            new("Labels", w => Labels(w.Labels), 50),
            new("Images", w => string.Join(", ", w.Images), 50),
            new("Peer", w => w.Peer, 50),
            new("Source file", w => w.SourceFile is null ? null : view.DisplayPath(w.SourceFile), 40),
        };
        var rows = view.Scan.Workloads.OrderBy(w => w.Namespace, StringComparer.Ordinal).ThenBy(w => w.Name, StringComparer.Ordinal);
        var table = SheetTable.Write(ws, "Workloads", columns, rows, "The scan holds no workloads.", ct);
        if (DataColumn(table, "Open findings") is { } open)
        {
            open.AddConditionalFormat().WhenGreaterThan(0).Font.SetFontColor(XLColor.FromArgb(0xC0, 0x2B, 0x2B)).Font.SetBold();
        }
    }

    private sealed record ExposureRow(string Kind, string? Namespace, string Name, string Type, string Addresses, string Ports, string Backends, bool? Tls, string SourceRanges, string? TrafficPolicy, string Resource);

    private static void Exposure(IXLWorksheet ws, ReportView view, CancellationToken ct)
    {
        var rows = new List<ExposureRow>();
        foreach (var s in view.Scan.Services)
        {
            // A ClusterIP Service without externalIPs is not reachable from outside the cluster.
            if (s.Type is "LoadBalancer" or "NodePort" || s.ExternalIPs.Count > 0)
            {
                rows.Add(new ExposureRow("Service", s.Namespace, s.Name, s.Type, string.Join(", ", s.ExternalIPs), string.Join(", ", s.Ports),
                    Labels(s.Selector), null, string.Join(", ", s.LoadBalancerSourceRanges), s.ExternalTrafficPolicy, s.Resource));
            }
        }

        foreach (var e in view.Scan.Exposures)
        {
            rows.Add(new ExposureRow(e.Kind, e.Namespace, e.Name, e.Kind, string.Join(", ", e.Hosts), string.Empty, string.Join(", ", e.Backends), e.Tls, string.Empty, null, e.Resource));
        }

        var columns = new SheetColumn<ExposureRow>[]
        {
            new("Kind", r => r.Kind, 16),
            new("Namespace", r => r.Namespace, 24),
            new("Name", r => r.Name, 36),
            new("Type", r => r.Type, 14),
            new("Hosts / external IPs", r => r.Addresses, 40),
            new("Ports", r => r.Ports, 30),
            new("TLS", r => ReportText.YesNo(r.Tls), 6),
            new("Source ranges", r => r.SourceRanges, 30),
            new("Open findings", r => view.OpenByResource.GetValueOrDefault(r.Resource), 8),
            new("Backends / selector", r => r.Backends, 40),
            new("Traffic policy", r => r.TrafficPolicy, 12),
        };
        var ordered = rows.OrderBy(r => r.Namespace, StringComparer.Ordinal).ThenBy(r => r.Kind, StringComparer.Ordinal).ThenBy(r => r.Name, StringComparer.Ordinal);
        var table = SheetTable.Write(ws, "Exposure", columns, ordered, "Nothing is exposed outside the cluster.", ct);
        // Exposed without TLS stands out; the column holds words, so the filter offers "yes" and "no".
        if (DataColumn(table, "TLS") is { } tls)
        {
            foreach (var cell in tls.Cells().Where(c => c.GetString() == ReportText.YesNo(false)))
            {
                cell.Style.Font.SetFontColor(XLColor.FromArgb(0xC0, 0x2B, 0x2B)).Font.SetBold();
            }
        }
    }

    private static void Policies(IXLWorksheet ws, ReportView view, CancellationToken ct)
    {
        var columns = new SheetColumn<PolicyItem>[]
        {
            new("Kind", p => p.Kind, 26),
            new("Namespace", p => p.Namespace, 24),
            new("Name", p => p.Name, 40),
            new("Policy types", p => string.Join(", ", p.PolicyTypes), 16),
            new("Ingress rules", p => p.IngressRules, 8),
            new("Egress rules", p => p.EgressRules, 8),
            new("Applies to", p => p.Subject, 50),
            new("Open findings", p => view.OpenByResource.GetValueOrDefault(p.Resource), 8),
            new("Tier", p => p.Tier, 14),
            new("Priority", p => p.Priority, 8),
            new("Enforced", p => ReportText.YesNo(p.Enforced), 9),
            new("Source file", p => p.SourceFile is null ? null : view.DisplayPath(p.SourceFile), 40),
            new("Line", p => p.SourceLine, 6),
        };
        var rows = view.Scan.Policies.OrderBy(p => p.Kind, StringComparer.Ordinal).ThenBy(p => p.Namespace, StringComparer.Ordinal).ThenBy(p => p.Name, StringComparer.Ordinal);
        SheetTable.Write(ws, "Policies", columns, rows, "The scan holds no network policies.", ct);
    }

    /// <summary>Most flows the Flows sheet can list: Excel's rows less the header and the note below the table.</summary>
    internal const int MaxFlowSheetRows = SheetTable.MaxSheetRows - 3;

    private static StreamedRows? Flows(IXLWorksheet ws, ReportView view, CancellationToken ct)
    {
        var flows = view.Scan.Flows;
        var listed = FlowsListed(view);
        var columns = new SheetColumn<Flow>[]
        {
            new("Source", f => f.Source, 50),
            new("Destination", f => f.Destination, 50),
            new("Source namespace", f => f.SourceNamespace, 22),
            new("Destination namespace", f => f.DestinationNamespace, 22),
            new("Connections", f => f.Connections, 40),
        };
        if (view.HasMesh)
        {
            columns = columns.Concat(new SheetColumn<Flow>[]
            {
                new("mTLS", f => f.Mtls == MtlsState.None ? null : f.Mtls.ToString(), 26),
                new("mTLS decided by", f => f.MtlsDetail, 60),
            }).ToArray();
        }

        var rows = SheetTable.WriteLarge(ws, "Flows", columns, flows, listed, "No flow is allowed.", ct);
        if (flows.Count > listed)
        {
            var row = Math.Max(listed, 1) + 3;
            ws.Cell(row, 1).SetValue($"Only the first {ReportText.Number(listed)} of {ReportText.Number(flows.Count)} allowed flows are listed here; the Flow matrix sheet counts them all and the JSON report lists every one.");
            ws.Cell(row, 1).Style.Font.Bold = true;
            ws.Cell(row, 1).Style.Font.FontColor = XLColor.FromArgb(0xC0, 0x2B, 0x2B);
        }

        return rows;
    }

    private static int FlowsListed(ReportView view) => Math.Min(view.Scan.Flows.Count, Math.Clamp(view.Options.MaxFlowRows, 0, MaxFlowSheetRows));

    private static void FlowMatrix(IXLWorksheet ws, ReportView view, CancellationToken ct)
    {
        var cells = view.Scan.NamespaceFlows;
        var all = cells.Select(c => c.SourceNamespace).Concat(cells.Select(c => c.DestinationNamespace)).Distinct(StringComparer.Ordinal).OrderBy(n => n, StringComparer.Ordinal).ToList();
        ws.Cell(1, 1).SetValue("Source \\ Destination");
        ws.Cell(1, 1).Style.Font.Bold = true;
        ws.Column(1).Width = 30;
        if (all.Count == 0)
        {
            ws.Cell(2, 1).SetValue("No flow between namespaces.");
            return;
        }

        var shown = all.Take(Math.Max(1, view.Options.MaxMatrixNamespaces)).ToList();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < shown.Count; i++)
        {
            index[shown[i]] = i;
            ws.Cell(1, i + 2).SetValue(shown[i]);
            ws.Cell(i + 2, 1).SetValue(shown[i]);
        }

        var n = 0;
        var (low, high) = (int.MaxValue, 0);
        foreach (var c in cells)
        {
            if ((++n & 1023) == 0)
            {
                ct.ThrowIfCancellationRequested();
            }

            if (c.Flows > 0 && index.TryGetValue(c.SourceNamespace, out var r) && index.TryGetValue(c.DestinationNamespace, out var d))
            {
                ws.Cell(r + 2, d + 2).SetValue(c.Flows);
                if (r != d)
                {
                    (low, high) = (Math.Min(low, c.Flows), Math.Max(high, c.Flows));
                }
            }
        }

        var header = ws.Range(1, 1, 1, shown.Count + 1);
        header.Style.Font.Bold = true;
        header.Style.Alignment.TextRotation = 90;
        // A rotated header is as tall as its longest name; the row grows to show it whole.
        ws.Row(1).Height = Math.Min(409, (shown.Max(n => n.Length) * 6.6) + 12);
        ws.Cell(1, 1).Style.Alignment.TextRotation = 0;
        ws.Cell(1, 1).Style.Alignment.Vertical = XLAlignmentVerticalValues.Bottom;
        ws.Range(2, 1, shown.Count + 1, 1).Style.Font.Bold = true;
        for (var i = 0; i < shown.Count; i++)
        {
            ws.Column(i + 2).Width = 5;
        }

        ws.Column(1).Width = Math.Clamp(shown.Max(s => s.Length) + 2, 22, 50);
        ws.SheetView.Freeze(1, 1);
        MatrixShading(ws, shown.Count, high > 0 ? (low, high) : null);
        var note = shown.Count + 3;
        // Notes span at least eight columns, so a small matrix does not fold them into tall rows.
        var span = Math.Clamp(shown.Count + 1, 8, 12);
        Note(ws, note, "Each cell counts the allowed flows from workloads of the row's namespace to workloads of the column's namespace.", span);
        MatrixLegend(ws, note + 1, MatrixDiagonalFill, "Same namespace",
            "The shaded diagonal: the row's and the column's namespace are the same, so the cell counts the flows between workloads inside that namespace, which no namespace boundary separates.", span);
        MatrixLegend(ws, note + 2, MatrixScaleHigh, "Across namespaces",
            "Every other cell counts flows from one namespace into another, shaded darker the more there are (the diagonal is left out of that scale).", span);
        ws.Cell(note + 2, 1).Style.Font.FontColor = XLColor.White;
        if (shown.Count < all.Count)
        {
            Note(ws, note + 3, $"Only the first {ReportText.Number(shown.Count)} of {ReportText.Number(all.Count)} namespaces (by name) are shown; the JSON report holds the whole matrix.", span);
            ws.Cell(note + 3, 1).Style.Font.Bold = true;
        }

        SheetTable.PrintSetup(ws, repeatHeader: true);
    }

    /// <summary>Fill of the flow matrix's diagonal (flows inside one namespace): a cool grey, apart from the warm scale of the other cells.</summary>
    internal static readonly XLColor MatrixDiagonalFill = XLColor.FromArgb(0xD9, 0xE1, 0xEA);

    private static readonly XLColor MatrixScaleLow = XLColor.FromArgb(0xFF, 0xF4, 0xE5);

    private static readonly XLColor MatrixScaleHigh = XLColor.FromArgb(0xD6, 0x3A, 0x2F);

    /// <summary>
    /// The diagonal gets a fill and border of its own; the cells off it are shaded by one colour scale
    /// from the smallest to the largest count off the diagonal. A conditional format would paint over
    /// the diagonal's fill, so the scale is laid on the cells left and right of it, row by row, with
    /// the same bounds.
    /// </summary>
    private static void MatrixShading(IXLWorksheet ws, int count, (int Low, int High)? scale)
    {
        for (var i = 0; i < count; i++)
        {
            var diagonal = ws.Cell(i + 2, i + 2);
            diagonal.Style.Fill.BackgroundColor = MatrixDiagonalFill;
            diagonal.Style.Border.OutsideBorder = XLBorderStyleValues.Thin;
            diagonal.Style.Border.OutsideBorderColor = XLColor.FromArgb(0x5A, 0x6B, 0x80);
            diagonal.Style.Font.Italic = true;
        }

        if (scale is not (var low, var high))
        {
            return;
        }

        foreach (var range in Enumerable.Range(0, count).SelectMany(i => new[]
        {
            i > 0 ? ws.Range(i + 2, 2, i + 2, i + 1) : null,
            i < count - 1 ? ws.Range(i + 2, i + 3, i + 2, count + 1) : null,
        }).OfType<IXLRange>())
        {
            range.AddConditionalFormat().ColorScale()
                .Minimum(XLCFContentType.Number, low, MatrixScaleLow)
                .Maximum(XLCFContentType.Number, high, MatrixScaleHigh);
        }
    }

    /// <summary>A legend line below the matrix: a swatch cell holding a short label, and what it means beside it.</summary>
    private static void MatrixLegend(IXLWorksheet ws, int row, XLColor fill, string label, string text, int span)
    {
        var swatch = ws.Cell(row, 1);
        swatch.SetValue(label);
        swatch.Style.Fill.BackgroundColor = fill;
        swatch.Style.Font.Bold = true;
        swatch.Style.Alignment.Vertical = XLAlignmentVerticalValues.Top;
        var range = ws.Range(row, 2, row, span).Merge();
        range.FirstCell().SetValue(text);
        range.Style.Font.Italic = true;
        range.Style.Alignment.WrapText = true;
        range.Style.Alignment.Vertical = XLAlignmentVerticalValues.Top;
        var width = Enumerable.Range(2, span - 1).Sum(c => ws.Column(c).Width);
        ws.Row(row).Height = Math.Min(409, SheetTable.LineHeight * SheetTable.EstimateLines(text, width));
    }

    private static void Drift(IXLWorksheet ws, ReportView view, CancellationToken ct)
    {
        if (view.Scan.Drift is null)
        {
            ws.Cell(1, 1).SetValue("No baseline was given, so drift was not computed. Pass -Baseline to Invoke-NetSecScan.");
            ws.Cell(1, 1).Style.Font.Italic = true;
            ws.Column(1).Width = 90;
            return;
        }

        var columns = new SheetColumn<DriftRecord>[]
        {
            new("Category", d => d.Category.ToString(), 12),
            new("Change", d => d.Change.ToString(), 10),
            new("Severity", d => d.Severity.ToString(), 10),
            new("Namespace", d => d.Namespace, 24),
            new("Subject", d => d.Subject, 60),
            new("Baseline", d => d.Before, 40),
            new("Now", d => d.After, 40),
            new("Detail", d => d.Detail, 50),
        };
        var rows = view.Scan.Drift.OrderByDescending(d => d.Severity).ThenBy(d => d.Category).ThenBy(d => d.Subject, StringComparer.Ordinal);
        var table = SheetTable.Write(ws, "Drift", columns, rows, "No change since the baseline.", ct);
        if (DataColumn(table, "Severity") is { } sev)
        {
            SeverityColours(sev);
        }
    }

    private static void History(IXLWorksheet ws, ReportView view, CancellationToken ct)
    {
        var columns = new SheetColumn<HistoryRecord>[]
        {
            new("Time (UTC)", h => h.Time, 18, DateFormat),
            new("Cluster", h => h.Cluster, 30),
            new("Score", h => Math.Round(h.Score, 1), 8, "0.0"),
            new("Score formula", h => h.HasCurrentScore ? "current" : "earlier, not comparable", 14),
            new("Critical", h => h.Critical, 8),
            new("High", h => h.High, 8),
            new("Medium", h => h.Medium, 8),
            new("Low", h => h.Low, 8),
            new("Info", h => h.Info, 8),
            new("Suppressed", h => h.Suppressed, 10),
            new("Flows", h => h.Flows, 10),
        };
        SheetTable.Write(ws, "History", columns, view.Scan.History.OrderBy(h => h.Time), "No history: pass -HistoryPath to Invoke-NetSecScan to keep one.", ct);
    }

    private static void Coverage(IXLWorksheet ws, ReportView view, CancellationToken ct)
    {
        var columns = new SheetColumn<CoverageEntry>[]
        {
            new("Kind", c => c.Kind, 30),
            new("API version", c => c.ApiVersion, 36),
            new("Status", c => ReportText.Coverage(c.Status), 18),
            new("Objects", c => c.Count, 8),
            new("Message", c => c.Message, 80),
        };
        var table = SheetTable.Write(ws, "Coverage", columns, view.Scan.Coverage.OrderBy(c => c.Kind, StringComparer.Ordinal), "The scan carried no coverage.", ct);
        if (DataColumn(table, "Status") is { } status)
        {
            foreach (var bad in new[] { CoverageStatus.Forbidden, CoverageStatus.Error })
            {
                status.AddConditionalFormat().WhenEquals($"\"{ReportText.Coverage(bad)}\"").Fill.SetBackgroundColor(XLColor.FromArgb(0xC0, 0x2B, 0x2B)).Font.SetFontColor(XLColor.White);
            }

            status.AddConditionalFormat().WhenEquals($"\"{ReportText.Coverage(CoverageStatus.Partial)}\"").Fill.SetBackgroundColor(XLColor.FromArgb(0xF0, 0x8C, 0x1A));
            status.AddConditionalFormat().WhenEquals($"\"{ReportText.Coverage(CoverageStatus.Read)}\"").Font.SetFontColor(XLColor.FromArgb(0x2E, 0x8B, 0x57));
        }
    }

    private static void Diagnostics(XLWorkbook wb, ReportView view, CancellationToken ct)
    {
        if (view.Scan.Diagnostics.Count == 0)
        {
            return;
        }

        var columns = new SheetColumn<InputDiagnostic>[]
        {
            new("Severity", d => d.Severity.ToString(), 10),
            new("Code", d => d.Code, 20),
            new("File", d => d.File, 50),
            new("Line", d => d.Line, 6),
            new("Column", d => d.Column, 6),
            new("Kind", d => d.Kind, 20),
            new("Name", d => d.Name, 30),
            new("Message", d => d.Message, 80),
        };
        SheetTable.Write(wb.Worksheets.Add("Diagnostics"), "Diagnostics", columns, view.Scan.Diagnostics, string.Empty, ct);
    }

    private static string Labels(IReadOnlyDictionary<string, string> labels) =>
        string.Join(", ", labels.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
}
