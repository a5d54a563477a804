using ClosedXML.Excel;

namespace NetSecPS.Reports.Excel;

/// <summary>The compliance sheets: per check, per namespace, per framework, and every subject the checks evaluated.</summary>
internal static partial class ExcelReport
{
    private const string PercentFormat = "0%";

    /// <summary>One check's share of the score: the points it costs out of 100, so the sheet sorts by what to fix first.</summary>
    private static double ScoreCost(ScoreDetails score, CheckCompliance c)
    {
        var weights = score.Checks.Where(x => x.Applicable).Sum(x => x.Weight);
        return !c.Applicable || weights == 0 ? 0 : Math.Round(100.0 * c.Weight * (1 - c.Compliance) / weights, 2);
    }

    private static void Compliance(IXLWorksheet ws, ReportView view, CancellationToken ct)
    {
        var score = view.Scan.Score;
        var columns = new SheetColumn<CheckCompliance>[]
        {
            new("Check", c => c.CheckId, 10),
            new("Severity", c => c.Severity.ToString(), 10),
            new("Title", c => c.Title, 44),
            new("Weight", c => c.Weight, 8),
            new("Evaluated", c => c.Evaluated, 10),
            new("Passed", c => c.Passed, 8),
            new("Failed", c => c.Failed, 8),
            new("Accepted", c => c.Accepted, 10),
            new("Compliance", c => c.Applicable ? c.Compliance : null, 12, PercentFormat),
            new("Points lost", c => ScoreCost(score, c), 12, "0.00"),
            new("Applies to", c => c.Scope, 50),
            new("Frameworks", c => string.Join("; ", c.Frameworks), 36),
        };
        var rows = score.Checks
            .OrderByDescending(c => ScoreCost(score, c))
            .ThenByDescending(c => c.Applicable)
            .ThenBy(c => c.CheckId, StringComparer.Ordinal);
        var table = SheetTable.Write(ws, "Compliance", columns, rows, "The scan carried no compliance per check.", ct, printColumns: 10);
        if (DataColumn(table, "Severity") is { } sev)
        {
            SeverityColours(sev);
        }

        if (DataColumn(table, "Compliance") is { } compliance)
        {
            compliance.AddConditionalFormat().WhenLessThan(0.7).Font.SetFontColor(Rgb(ReportText.ScoreColor(0))).Font.SetBold();
            compliance.AddConditionalFormat().WhenEqualOrGreaterThan(0.9).Font.SetFontColor(Rgb(ReportText.ScoreColor(100)));
        }

        Note(ws, score.Checks.Count + 3, "Compliance = (passed + accepted) ÷ evaluated subjects. Points lost: what the check costs the score of " +
            $"{ReportText.Score(score.Score)}, so the rows at the top are the fixes that raise it most. A check with no subject in its scope is not applicable and does not count.");
    }

    private static void Namespaces(IXLWorksheet ws, ReportView view, CancellationToken ct)
    {
        var columns = new SheetColumn<NamespaceScore>[]
        {
            new("Namespace", n => n.Namespace, 30),
            new("Score", n => Math.Round(n.Score, 1), 8, "0.0"),
            new("Band", n => n.Band, 8),
            new("Without exceptions", n => Math.Round(n.ScoreWithoutExceptions, 1), 12, "0.0"),
            new("Checks", n => n.Checks, 8),
            new("Failing checks", n => n.FailingChecks, 10),
            new("Evaluated", n => n.Evaluated, 10),
            new("Passed", n => n.Passed, 8),
            new("Failed", n => n.Failed, 8),
            new("Accepted", n => n.Accepted, 10),
            new("Failing", n => string.Join(", ", n.FailingCheckIds), 60),
        };
        var table = SheetTable.Write(ws, "Namespaces", columns, view.Scan.Score.Namespaces, "No namespace had a subject to evaluate.", ct);
        if (DataColumn(table, "Score") is { } s)
        {
            s.AddConditionalFormat().WhenLessThan(70).Font.SetFontColor(Rgb(ReportText.ScoreColor(0))).Font.SetBold();
            s.AddConditionalFormat().WhenBetween(70, 89.99).Font.SetFontColor(Rgb(ReportText.ScoreColor(70)));
            s.AddConditionalFormat().WhenEqualOrGreaterThan(90).Font.SetFontColor(Rgb(ReportText.ScoreColor(100)));
        }

        Note(ws, view.Scan.Score.Namespaces.Count + 3, "Ranked by score, lowest first: the same formula as the cluster's score, over the subjects of each namespace. Cluster-level checks count in the cluster's score only.");
    }

    private static void Frameworks(IXLWorksheet ws, ReportView view, CancellationToken ct)
    {
        var columns = new SheetColumn<FrameworkCompliance>[]
        {
            new("Framework", f => f.Framework, 10),
            new("Control", f => f.Control, 40),
            new("Name", f => f.Name, 60),
            new("Checks", f => f.Checks, 8),
            new("Fully passing", f => f.FullyPassing, 10),
            new("Not applicable", f => f.NotApplicable, 10),
            new("Compliance", f => f.Checks == 0 ? null : Math.Round(f.Compliance, 1), 12, "0.0"),
            new("Check ids", f => string.Join(", ", f.CheckIds), 50),
        };
        var table = SheetTable.Write(ws, "Frameworks", columns, view.Scan.Score.Frameworks, "No check of the scan maps to a framework control.", ct);
        if (table is not null)
        {
            // The framework rows (CIS, NSA, MITRE) head their controls; bold tells them apart.
            var r = 2;
            foreach (var f in view.Scan.Score.Frameworks)
            {
                if (f.Control == f.Framework)
                {
                    ws.Row(r).Style.Font.Bold = true;
                }

                r++;
            }
        }

        Note(ws, view.Scan.Score.Frameworks.Count + 3, "Compliance: the score formula over the checks mapped to the framework or control. Fully passing: checks with no failed subject (accepted ones count as passing).");
    }

    /// <summary>Above this many rows the Subjects sheet is streamed (<see cref="StreamedRows"/>): at 50,000 pods it holds hundreds of thousands.</summary>
    internal const int StreamSubjectsAbove = 2_000;

    private static void Subjects(IXLWorksheet ws, ReportView view, List<StreamedRows> streamed, CancellationToken ct)
    {
        var titles = view.Catalogue.ToDictionary(c => c.Id, c => c.Title, StringComparer.OrdinalIgnoreCase);
        var columns = new SheetColumn<SubjectResult>[]
        {
            new("Check", s => s.CheckId, 10),
            new("Title", s => titles.GetValueOrDefault(s.CheckId), 44),
            new("Namespace", s => s.Namespace, 24),
            new("Resource", s => s.Resource, 60),
            new("Outcome", s => s.Outcome.ToString(), 10),
        };
        var rows = view.Scan.Subjects.OrderBy(s => s.CheckId, StringComparer.Ordinal).ThenBy(s => s.Outcome).ThenBy(s => s.Resource, StringComparer.Ordinal).ToList();
        var (table, _) = SheetTable.WriteMany(ws, "Subjects", columns, rows, "The scan carried no evaluated subjects.", "subjects", StreamSubjectsAbove, streamed, ct);
        if (DataColumn(table, "Outcome") is { } outcome)
        {
            outcome.AddConditionalFormat().WhenEquals("\"Failed\"").Font.SetFontColor(Rgb(ReportText.ScoreColor(0))).Font.SetBold();
            outcome.AddConditionalFormat().WhenEquals("\"Passed\"").Font.SetFontColor(Rgb(ReportText.ScoreColor(100)));
            outcome.AddConditionalFormat().WhenEquals("\"Accepted\"").Font.SetFontColor(XLColor.Gray).Font.SetItalic();
        }
    }

    /// <summary>An italic note below a table, wrapped across the table's first columns so it prints whole.</summary>
    internal static void Note(IXLWorksheet ws, int row, string text, int columns = 6)
    {
        var range = ws.Range(row, 1, row, columns).Merge();
        range.FirstCell().SetValue(text);
        range.Style.Font.Italic = true;
        range.Style.Alignment.WrapText = true;
        range.Style.Alignment.Horizontal = XLAlignmentHorizontalValues.Left;
        var width = Enumerable.Range(1, columns).Sum(c => ws.Column(c).Width);
        ws.Row(row).Height = Math.Min(409, SheetTable.LineHeight * SheetTable.EstimateLines(text, width));
    }
}
