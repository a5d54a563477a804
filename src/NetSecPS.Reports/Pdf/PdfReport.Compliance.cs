using PdfSharp.Drawing;

namespace NetSecPS.Reports.Pdf;

/// <summary>The compliance section: what each check verified, per framework and per namespace.</summary>
internal static partial class PdfReport
{
    private static void Compliance(PdfComposer c, ReportView view, CancellationToken ct)
    {
        if (!view.HasScore)
        {
            return;
        }

        var score = view.Scan.Score;
        var applied = score.Checks.Where(x => x.Applicable).ToList();
        var weights = applied.Sum(x => x.Weight);
        c.Section("Compliance", minSpace: PdfReport.FlowingSectionRoom);
        c.Paragraph($"{ReportText.Plural(applied.Count, "check", "checks")} had subjects to evaluate: {ReportText.Plural(score.EvaluatedSubjects, "subject", "subjects")} in all, " +
            $"{ReportText.Number(view.Scan.Subjects.Count(s => s.Outcome == SubjectOutcome.Passed))} passed, {ReportText.Number(view.Scan.Subjects.Count(s => s.Outcome == SubjectOutcome.Failed))} failed and " +
            $"{ReportText.Number(view.Scan.Subjects.Count(s => s.Outcome == SubjectOutcome.Accepted))} accepted by exceptions. " +
            $"{ReportText.Plural(applied.Count(x => x.Failed == 0), "check is", "checks are")} fully compliant. The table lists the checks by the points they cost the score, so the first rows are the fixes that raise it most.",
            c.Fonts.Body, c.MutedBrush, after: 6);

        double Lost(CheckCompliance x) => weights == 0 ? 0 : 100.0 * x.Weight * (1 - x.Compliance) / weights;
        c.Table(new PdfTable(new[] { "Check", "Severity", "Title", "Evaluated", "Passed", "Failed", "Accepted", "Compliance", "Points lost" }, new[] { 0.75, 0.85, 2.6, 0.75, 0.65, 0.6, 0.7, 0.85, 0.7 })
        {
            Caption = "Compliance per check",
            Style = (row, col) => col == 1 ? SeverityPill(c, row[1])
                : col == 7 && row[7] != "100%" ? new CellStyle(Text: SeverityBrush(Severity.High), Font: c.Fonts.SmallBold)
                : col == 7 ? new CellStyle(Text: PassBrush)
                : null,
        }, applied.OrderByDescending(Lost).ThenBy(x => x.CheckId, StringComparer.Ordinal).Select(x => new[]
        {
            x.CheckId, x.Severity.ToString(), x.Title, ReportText.Number(x.Evaluated), ReportText.Number(x.Passed), ReportText.Number(x.Failed),
            ReportText.Number(x.Accepted), ReportText.Percent(x.Compliance), Lost(x).ToString("0.0", ReportText.Culture),
        }));

        var notApplicable = score.Checks.Where(x => !x.Applicable && !view.NotEvaluated.ContainsKey(x.CheckId)).Select(x => x.CheckId).ToList();
        if (notApplicable.Count > 0)
        {
            c.Paragraph($"Not applicable in this cluster, so not counted: {string.Join(", ", notApplicable)} (nothing in their scope, such as the mesh checks where no mesh runs).", c.Fonts.SmallItalic, c.MutedBrush);
        }

        ct.ThrowIfCancellationRequested();
        if (score.Frameworks.Count > 0)
        {
            c.Heading("Frameworks", c.Fonts.H3);
            c.Paragraph("Each framework and control: the score formula over the checks mapped to it, and how many of those checks fully pass (no failed subject; accepted ones count as passing).", c.Fonts.Body, c.MutedBrush);
            c.Table(new PdfTable(new[] { "Control", "Name", "Checks fully passing", "Compliance" }, new[] { 1.6, 3.4, 1.2, 0.9 })
            {
                Caption = "Compliance per framework",
                Style = (row, col) => row[0] is "CIS" or "NSA" or "MITRE" ? new CellStyle(Font: c.Fonts.SmallBold) : null,
            }, score.Frameworks.Select(f => new[]
            {
                f.Control, f.Name ?? string.Empty,
                $"{ReportText.Number(f.FullyPassing)} of {ReportText.Number(f.Checks)}" + (f.NotApplicable > 0 ? $" ({f.NotApplicable} n/a)" : string.Empty),
                f.Checks == 0 ? "n/a" : ReportText.Score(f.Compliance),
            }));
        }

        ct.ThrowIfCancellationRequested();
        if (score.Namespaces.Count > 0)
        {
            c.Heading("Namespaces", c.Fonts.H3);
            c.Paragraph("The score of each namespace over its own subjects, lowest first. Cluster-level checks count in the cluster's score only.", c.Fonts.Body, c.MutedBrush);
            c.Table(new PdfTable(new[] { "Namespace", "Score", "Band", "Checks failing", "Failing" }, new[] { 1.6, 0.6, 0.6, 0.9, 3.2 })
            {
                Caption = "Score per namespace",
                Style = (row, col) => col == 1 && double.TryParse(row[1], System.Globalization.NumberStyles.Float, ReportText.Culture, out var v)
                    ? new CellStyle(Text: new XSolidBrush(PdfCharts.Color(ReportText.ScoreColor(v))), Font: c.Fonts.SmallBold)
                    : null,
            }, score.Namespaces.Select(n => new[]
            {
                n.Namespace, ReportText.Score(n.Score), n.Band, $"{ReportText.Number(n.FailingChecks)} of {ReportText.Number(n.Checks)}", string.Join(", ", n.FailingCheckIds),
            }));
        }
    }
}
