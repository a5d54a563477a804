using NetSecPS.Core;
using PdfSharp.Drawing;

namespace NetSecPS.Reports.Pdf;

/// <summary>
/// The PDF an auditor reads: a cover with the cluster, time and score; an executive summary with a
/// severity chart and the top risks in plain language; drift since the baseline; the trend across
/// the history; findings grouped by check with evidence, remediation and fixing YAML; and an appendix
/// with the check catalogue, the coverage, the method and the provenance.
/// </summary>
internal static partial class PdfReport
{
    private const int ProgressId = 7102;
    private const int TopRisks = 5;

    /// <summary>
    /// Room (points) a section of long tables needs to start on the page where the previous one
    /// ended: with less, it starts a new page; with more, the page is not left mostly empty.
    /// </summary>
    internal const double FlowingSectionRoom = 300;

    public static void Write(ScanResult scan, Stream stream, ReportOptions options, IOutputSink? sink = null, CancellationToken cancellationToken = default)
    {
        var view = new ReportView(scan, options);
        using var c = new PdfComposer();
        var doc = c.Document;
        doc.Info.Title = $"{view.Title}: {view.Cluster}";
        doc.Info.Subject = "Kubernetes network security";
        doc.Info.Author = view.Organization ?? scan.Provenance.Tool;
        doc.Info.Creator = $"{scan.Provenance.Tool} {scan.Provenance.ToolVersion}";
        doc.Info.CreationDate = scan.ScannedAt.UtcDateTime;

        var steps = new List<(string Name, Action<PdfComposer, ReportView, CancellationToken> Write)>
        {
            ("Cover", (x, v, _) => Cover(x, v)),
            ("Executive summary", (x, v, _) => Summary(x, v)),
            ("Compliance", Compliance),
        };

        // Drift and trend get pages of their own only when there is something to show; otherwise
        // the summary says in a sentence why they are missing.
        if (HasDrift(view))
        {
            steps.Add(("Drift", Drift));
        }

        steps.Add(("Observed traffic", ObservedTrafficSection.Write));

        if (HasTrend(view))
        {
            steps.Add(("Trend", (x, v, _) => Trend(x, v)));
        }

        steps.Add(("Connectivity", Connectivity));
        steps.Add(("Mutual TLS", MeshTlsSection.Write));
        steps.Add(("Findings", Findings));
        steps.Add(("Appendix", Appendix));
        for (var i = 0; i < steps.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            sink?.Progress(new ProgressUpdate(ProgressId, "Writing the PDF report", steps[i].Name, i * 90 / steps.Count));
            steps[i].Write(c, view, cancellationToken);
        }

        sink?.Progress(new ProgressUpdate(ProgressId, "Writing the PDF report", "Page numbers", 92));
        var scanned = $"{scan.Provenance.Tool} {scan.Provenance.ToolVersion} · scanned {ReportText.Time(scan.ScannedAt)}";
        c.Decorate((g, page, count) => Decorate(c, g, view, scanned, page, count));
        doc.Save(stream, false);
        sink?.Progress(new ProgressUpdate(ProgressId, "Writing the PDF report", "Done", 100, Completed: true));
    }

    private static bool HasDrift(ReportView view) => view.Scan.Drift is not null;

    /// <summary>A trend needs two scans whose scores the current formula computed.</summary>
    private static bool HasTrend(ReportView view) => view.IsFullScan && view.Scan.History.Count(h => h.HasCurrentScore) >= 2;

    private static void Decorate(PdfComposer c, XGraphics g, ReportView view, string scanned, int page, int count)
    {
        var font = c.Fonts.Header;
        var m = c.M(font);
        var rule = new XPen(PdfComposer.Rule, 0.5);
        if (page > 1)
        {
            var right = m.Fit(view.Cluster, (PdfComposer.Width / 2) - 10);
            var left = m.Fit(view.Title, PdfComposer.Width - m.Width(right) - 20);
            g.DrawString(left, font, c.MutedBrush, PdfComposer.Left, 32, XStringFormats.TopLeft);
            g.DrawString(right, font, c.MutedBrush, PdfComposer.Right - m.Width(right), 32, XStringFormats.TopLeft);
            g.DrawLine(rule, PdfComposer.Left, 44, PdfComposer.Right, 44);
        }

        var footY = PdfComposer.Bottom + 22;
        g.DrawLine(rule, PdfComposer.Left, footY - 6, PdfComposer.Right, footY - 6);
        var number = $"Page {page} of {count}";
        g.DrawString(m.Fit(scanned, PdfComposer.Width - m.Width(number) - 20), font, c.MutedBrush, PdfComposer.Left, footY, XStringFormats.TopLeft);
        g.DrawString(number, font, c.MutedBrush, PdfComposer.Right - m.Width(number), footY, XStringFormats.TopLeft);
    }

    private static readonly XBrush PassBrush = new XSolidBrush(PdfCharts.Color(ReportText.ScoreColor(100)));

    private static XBrush SeverityBrush(Severity s) => new XSolidBrush(PdfCharts.Color(ReportText.SeverityColor(s)));

    private static XBrush SeverityText(Severity s) => ReportText.SeverityTextIsDark(s) ? XBrushes.Black : XBrushes.White;

    private static CellStyle? SeverityPill(PdfComposer c, string text) =>
        Enum.TryParse<Severity>(text, out var s) ? new CellStyle(SeverityBrush(s), SeverityText(s), c.Fonts.SmallBold, Pill: true) : null;

    /// <summary>Height of the cover's coloured band; the score and the facts below are placed from it.</summary>
    private const double CoverBandHeight = 250;

    /// <summary>Width of the cover's left column (cluster and scan facts); the score is drawn on the right.</summary>
    private const double CoverColumnWidth = 300;

    private static void Cover(PdfComposer c, ReportView view)
    {
        c.NewPage();
        CoverTitle(c, view);
        var y = CoverFacts(c, view);
        CoverScore(c, view);
        CoverSeverityTiles(c, view, y);
        CoverNote(c, view);
        c.Document.Outlines.Add("Cover", c.Page, true);

        // The cover is drawn at fixed places; mark the page full so the next section starts a new one.
        c.Y = PdfComposer.Bottom;
    }

    /// <summary>The band with the report's title and the organization.</summary>
    private static void CoverTitle(PdfComposer c, ReportView view)
    {
        var g = c.G;
        g.DrawRectangle(c.AccentBrush, 0, 0, PdfComposer.PageWidth, CoverBandHeight);
        var light = new XSolidBrush(XColor.FromArgb(0xC9, 0xD6, 0xE6));
        g.DrawString("KUBERNETES NETWORK SECURITY", c.Fonts.SmallBold, light, PdfComposer.Left, 70, XStringFormats.TopLeft);
        var titleFont = PdfFonts.Make(BundledFontResolver.Family, 24, XFontStyleEx.Bold);
        var y = 92.0;
        foreach (var line in c.M(titleFont).Wrap(view.Title, PdfComposer.Width, 3))
        {
            g.DrawString(line, titleFont, c.White, PdfComposer.Left, y, XStringFormats.TopLeft);
            y += titleFont.Size * 1.25;
        }

        if (view.Organization is { } org)
        {
            g.DrawString(c.M(c.Fonts.H2).Fit(org, PdfComposer.Width), c.Fonts.H2, light, PdfComposer.Left, y + 6, XStringFormats.TopLeft);
        }
    }

    /// <summary>The cluster and the scan's facts in the left column; returns where they end.</summary>
    private static double CoverFacts(PdfComposer c, ReportView view)
    {
        var scan = view.Scan;
        var g = c.G;
        var y = CoverBandHeight + 40;
        g.DrawString("Cluster", c.Fonts.SmallBold, c.MutedBrush, PdfComposer.Left, y, XStringFormats.TopLeft);
        y += 12;
        var clusterFont = PdfFonts.Make(BundledFontResolver.Family + " Light", 22, XFontStyleEx.Regular);
        foreach (var line in c.M(clusterFont).Wrap(view.Cluster, CoverColumnWidth, 4))
        {
            g.DrawString(line, clusterFont, c.InkBrush, PdfComposer.Left, y, XStringFormats.TopLeft);
            y += clusterFont.Size * 1.25;
        }

        y += 14;
        var p = scan.Provenance;
        var facts = new List<(string, string)>
        {
            ("Scanned", ReportText.Time(scan.ScannedAt)),
            ("Source", p.SourceKind switch { "live" => "live cluster", "snapshot" => "saved snapshot", "findings" => "findings", _ => "manifest files" }),
            ("Profile", scan.Profile.Name + (scan.Profile.Framework is { } fw ? $" ({fw})" : string.Empty)),
        };
        if (p.ServerVersion is { } version)
        {
            facts.Add(("Kubernetes", version));
        }

        if (p.Context is { } context && context != view.Cluster)
        {
            facts.Add(("Context", context));
        }

        facts.Add(("Workloads", ReportText.Number(scan.Score.EvaluatedWorkloads > 0 ? scan.Score.EvaluatedWorkloads : scan.Workloads.Count)));
        foreach (var (label, value) in facts)
        {
            g.DrawString(label, c.Fonts.Body, c.MutedBrush, PdfComposer.Left, y, XStringFormats.TopLeft);
            foreach (var line in c.M(c.Fonts.Body).Wrap(value, CoverColumnWidth - 80, 2))
            {
                g.DrawString(line, c.Fonts.Body, c.InkBrush, PdfComposer.Left + 80, y, XStringFormats.TopLeft);
                y += 13;
            }

            y += 3;
        }

        return y;
    }

    /// <summary>The score gauge on the right, or why there is no score.</summary>
    private static void CoverScore(PdfComposer c, ReportView view)
    {
        var scan = view.Scan;
        var g = c.G;
        if (view.HasScore)
        {
            PdfCharts.ScoreGauge(c, g, PdfComposer.Right - 85, CoverBandHeight + 120, 68, scan.Score.Score);
            var scoreLabel = "Posture score";
            g.DrawString(scoreLabel, c.Fonts.SmallBold, c.MutedBrush, PdfComposer.Right - 85 - (c.M(c.Fonts.SmallBold).Width(scoreLabel) / 2), CoverBandHeight + 30, XStringFormats.TopLeft);
            if (Math.Abs(scan.Score.ScoreWithoutExceptions - scan.Score.Score) >= 0.05)
            {
                var without = $"{ReportText.Score(scan.Score.ScoreWithoutExceptions)} without exceptions";
                g.DrawString(without, c.Fonts.Small, c.MutedBrush, PdfComposer.Right - 85 - (c.M(c.Fonts.Small).Width(without) / 2), CoverBandHeight + 200, XStringFormats.TopLeft);
            }
        }
        else
        {
            var label = "Findings only: no score";
            g.DrawString(label, c.Fonts.H3, c.MutedBrush, PdfComposer.Right - 85 - (c.M(c.Fonts.H3).Width(label) / 2), CoverBandHeight + 110, XStringFormats.TopLeft);
        }
    }

    /// <summary>Open findings per severity as five tiles, below the facts.</summary>
    private static void CoverSeverityTiles(PdfComposer c, ReportView view, double y)
    {
        var g = c.G;
        var tileY = Math.Max(y + 30, 590);
        var tileW = (PdfComposer.Width - 20) / 5;
        var i = 0;
        foreach (var s in ReportView.SeveritiesDescending)
        {
            var x = PdfComposer.Left + (i++ * (tileW + 5));
            g.DrawRoundedRectangle(SeverityBrush(s), x, tileY, tileW, 58, 6, 6);
            var count = ReportText.Number(view.OpenBySeverity[(int)s]);
            var brush = SeverityText(s);
            g.DrawString(count, c.Fonts.H1, brush, x + 10, tileY + 8, XStringFormats.TopLeft);
            g.DrawString(s.ToString(), c.Fonts.Body, brush, x + 10, tileY + 36, XStringFormats.TopLeft);
        }

        g.DrawString("Open findings by severity" + (view.SuppressedFindings > 0 ? $"; {ReportText.Plural(view.SuppressedFindings, "more finding is", "more findings are")} suppressed by exceptions" : string.Empty),
            c.Fonts.Small, c.MutedBrush, PdfComposer.Left, tileY + 64, XStringFormats.TopLeft);
    }

    /// <summary>The note at the foot of the cover: what the report leaves out, or where its method is.</summary>
    private static void CoverNote(PdfComposer c, ReportView view)
    {
        var g = c.G;
        var p = view.Scan.Provenance;
        var note = view.PartialNote ?? $"Generated by {p.Tool} {p.ToolVersion}. The score's method, the check catalogue and the coverage of this scan are in the appendix.";
        var ny = PdfComposer.Bottom - 24;
        foreach (var line in c.M(c.Fonts.Small).Wrap(note, PdfComposer.Width))
        {
            g.DrawString(line, c.Fonts.Small, c.MutedBrush, PdfComposer.Left, ny, XStringFormats.TopLeft);
            ny += 10;
        }
    }

    private static void Summary(PdfComposer c, ReportView view)
    {
        c.Section("Executive summary");
        if (view.PartialNote is { } partial)
        {
            c.Callout(partial, PdfComposer.Accent);
        }

        c.Paragraph(SummarySentence(view), after: 8);
        if (view.MeshTlsCounts() is (_, var mesh))
        {
            // Where Istio runs, the overall share of mutual TLS; the section "Mutual TLS in the mesh" has it per namespace.
            c.Paragraph($"Mutual TLS in the mesh: {MeshTls.Sentence(mesh)}", after: 8);
        }

        UnverifiedCallouts(c, view);
        SeverityChartAndKeyFigures(c, view);
        DriftAndTrendNotes(c, view);
        TopRiskList(c, view);
    }

    /// <summary>The summary in words: score, checks, open findings, exceptions and the weakest namespace.</summary>
    private static string SummarySentence(ReportView view)
    {
        var scan = view.Scan;
        var failing = view.FailingGroups.Count();
        var applied = scan.Score.Checks.Where(ch => ch.Applicable).ToList();
        var sentence = view.HasScore
            ? $"{view.Cluster} scores {ReportText.Score(scan.Score.Score)} of 100 ({scan.Score.Band}). " +
              $"{ReportText.Plural(applied.Count, "check", "checks")} evaluated {ReportText.Plural(scan.Score.EvaluatedSubjects, "subject", "subjects")} " +
              $"(namespaces, workloads, services, policies, bindings and the cluster); {ReportText.Number(applied.Count(ch => ch.Failed == 0))} of them fully comply, " +
              $"and the scan found {ReportText.Plural(view.OpenFindings, "open finding", "open findings")} from {ReportText.Plural(failing, "failing check", "failing checks")}"
            : $"The findings of {view.Cluster} come from {ReportText.Plural(failing, "failing check", "failing checks")}: {ReportText.Plural(view.OpenFindings, "open finding", "open findings")}";
        var crit = view.OpenBySeverity[(int)Severity.Critical];
        var high = view.OpenBySeverity[(int)Severity.High];
        sentence += crit + high > 0 ? $", {ReportText.Number(crit)} of them critical and {ReportText.Number(high)} high." : ".";
        if (view.SuppressedFindings > 0)
        {
            sentence += $" {ReportText.Plural(view.SuppressedFindings, "finding is", "findings are")} suppressed by documented exceptions and listed with their justification"
                + (view.HasScore ? $"; without those exceptions the score would be {ReportText.Score(scan.Score.ScoreWithoutExceptions)}." : ".");
        }

        if (view.HasScore && scan.Score.Namespaces.Count > 1)
        {
            var lowest = scan.Score.Namespaces[0];
            sentence += $" The weakest namespace is {lowest.Namespace} ({ReportText.Score(lowest.Score)}).";
        }

        return sentence;
    }

    /// <summary>What the scan could not verify: kinds it could not read and checks it could not evaluate.</summary>
    private static void UnverifiedCallouts(PdfComposer c, ReportView view)
    {
        if (view.CoverageGaps.Count > 0)
        {
            var kinds = string.Join(", ", view.CoverageGaps.Select(g => $"{g.Kind} ({ReportText.Coverage(g.Status)})"));
            c.Callout($"Not verified: the scan could not read {kinds}. Checks that depend on these kinds may miss problems; see Appendix B.", PdfCharts.Color((0xC0, 0x2B, 0x2B)));
        }

        if (view.NotEvaluated.Count > 0)
        {
            var checks = string.Join("; ", view.NotEvaluated.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} ({p.Value})"));
            var one = view.NotEvaluated.Count == 1;
            c.Callout($"{ReportText.Plural(view.NotEvaluated.Count, "check was", "checks were")} not evaluated, so {(one ? "its" : "their")} result is unknown, not a pass: {checks}.", PdfCharts.Color((0xF0, 0x8C, 0x1A)));
        }
    }

    /// <summary>The key figures of the scan, as rows of the summary's table.</summary>
    private static List<string[]> KeyFigures(ReportView view)
    {
        var scan = view.Scan;
        var failing = view.FailingGroups.Count();
        var figures = new List<string[]>();
        if (view.IsFullScan)
        {
            figures.Add(new[] { "Workloads evaluated", ReportText.Number(scan.Score.EvaluatedWorkloads) });
        }

        if (scan.Inventory.TryGetValue("Namespace", out var namespaces))
        {
            figures.Add(new[] { "Namespaces", ReportText.Number(namespaces) });
        }

        if (view.IsFullScan)
        {
            figures.Add(new[] { "Network policies (all layers)", ReportText.Number(scan.Policies.Count) });
            figures.Add(new[] { "Workloads reachable from outside", ReportText.Number(scan.EntryPoints.Count) });
            figures.Add(new[] { "Allowed flows between peers", ReportText.Number(scan.Flows.Count) });
        }

        if (view.MeshTlsCounts() is (_, var mesh))
        {
            figures.Add(new[] { "Flows between workloads with mutual TLS", $"{ReportText.Number(mesh.MutuallyAuthenticated)} of {ReportText.Number(mesh.Flows)} ({MeshTls.Percent(mesh.Share)})" });
        }

        var passing = view.Catalogue.Count(ch => view.StatusOf(ch) == "Pass");
        figures.Add(new[] { "Checks failing / suppressed / passing", view.HasScore ? $"{failing} / {view.CheckGroups.Count - failing} / {passing}" : $"{failing} / {view.CheckGroups.Count - failing} / unknown" });
        if (view.NotEvaluated.Count > 0)
        {
            figures.Add(new[] { "Checks not evaluated", ReportText.Number(view.NotEvaluated.Count) });
        }

        if (scan.Drift is not null)
        {
            figures.Add(new[] { "Changes since the baseline", ReportText.Number(scan.Drift.Count) });
        }

        if (view.HasScore && scan.Score.Frameworks.Where(f => f.Control == f.Framework) is var families)
        {
            foreach (var fw in families)
            {
                figures.Add(new[] { $"{fw.Framework} checks fully passing", $"{fw.FullyPassing} of {fw.Checks}" });
            }
        }

        return figures;
    }

    /// <summary>The severity chart and the key figures side by side, so the summary and its top risks fit on one page.</summary>
    private static void SeverityChartAndKeyFigures(PdfComposer c, ReportView view)
    {
        var figures = KeyFigures(view);
        c.Ensure(150);
        const double gutter = 18;
        var chartWidth = (PdfComposer.Width - gutter) * 0.56;
        var blockTop = c.Y;
        c.Text("Open findings by severity", c.Fonts.H3, c.InkBrush, PdfComposer.Left, blockTop);
        c.Text("Key figures", c.Fonts.H3, c.InkBrush, PdfComposer.Left + chartWidth + gutter, blockTop);
        var chartHeight = PdfCharts.SeverityBars(c, view, PdfComposer.Left, blockTop + 20, chartWidth);
        c.Y = blockTop + 18;
        c.Table(new PdfTable(new[] { "Figure", "Value" }, new[] { 2.6, 1.0 }), figures, PdfComposer.Left + chartWidth + gutter, PdfComposer.Width - chartWidth - gutter);
        c.Y = Math.Max(c.Y, blockTop + 20 + chartHeight + 10);
    }

    /// <summary>Why a full scan shows no drift or trend, and how to get them.</summary>
    private static void DriftAndTrendNotes(PdfComposer c, ReportView view)
    {
        if (!view.IsFullScan || (HasDrift(view) && HasTrend(view)))
        {
            return;
        }

        var scan = view.Scan;
        var notes = new List<string>();
        if (!HasDrift(view))
        {
            notes.Add("No baseline was given, so drift was not computed. Save one with Export-NetSecBaseline and pass it to Invoke-NetSecScan -Baseline to see what changes between scans.");
        }

        if (!HasTrend(view))
        {
            var earlier = scan.History.Count(h => !h.HasCurrentScore);
            notes.Add(scan.History.Count == 0
                ? "No history: pass -HistoryPath to Invoke-NetSecScan so each scan adds a record and the report shows the score over time."
                : $"The history holds {ReportText.Plural(scan.History.Count(h => h.HasCurrentScore), "scan", "scans")} scored with the current formula" +
                  (earlier > 0 ? $" ({ReportText.Plural(earlier, "earlier record uses", "earlier records use")} the former formula and is not compared)" : string.Empty) +
                  "; the trend appears from the second.");
        }

        c.Heading("Drift and trend", c.Fonts.H3);
        foreach (var note in notes)
        {
            c.Paragraph(note, c.Fonts.Body, c.MutedBrush);
        }
    }

    /// <summary>The most severe failing checks, each as one block: what fails, why it matters, what to do.</summary>
    private static void TopRiskList(PdfComposer c, ReportView view)
    {
        c.Heading("Top risks", c.Fonts.H3);
        var top = view.FailingGroups.Take(TopRisks).ToList();
        if (top.Count == 0)
        {
            c.Paragraph("No check fails: every evaluated check passed or its findings are covered by documented exceptions.");
            return;
        }

        var n = 1;
        foreach (var g in top)
        {
            var ch = g.Check;
            var heading = $"{n++}. {ch.Title} ({ch.Id}, {ch.Severity})";
            var examples = g.Open.Select(f => f.Resource).Distinct(StringComparer.Ordinal).Take(3).ToList();
            var affected = $"{ReportText.Plural(g.OpenResources, "resource is", "resources are")} affected";
            affected += examples.Count > 0 ? $", for example {string.Join(", ", examples)}." : ".";
            var why = !string.IsNullOrWhiteSpace(ch.Rationale) ? ch.Rationale.Trim() : !string.IsNullOrWhiteSpace(ch.FailsWhen) ? $"It fails when {ch.FailsWhen.Trim()}." : string.Empty;
            var body = $"{affected} {why}".Trim();
            var fix = !string.IsNullOrWhiteSpace(ch.Remediation) ? ch.Remediation : g.Open[0].Remediation;
            var todo = string.IsNullOrWhiteSpace(fix) ? null : $"What to do: {fix.Trim()}";

            // A risk is read as one block: it moves to the next page whole rather than leaving a line behind.
            c.Ensure(c.ParagraphHeight(heading, c.Fonts.BodyBold, after: 1) + c.ParagraphHeight(body, indent: 12, after: 1) + (todo is null ? 0 : c.ParagraphHeight(todo, indent: 12, after: 6)));
            c.Paragraph(heading, c.Fonts.BodyBold, after: 1);
            c.Paragraph(body, indent: 12, after: todo is null ? 6 : 1);
            if (todo is not null)
            {
                c.Paragraph(todo, c.Fonts.Body, c.MutedBrush, indent: 12, after: 6);
            }
        }
    }

    private static void Drift(PdfComposer c, ReportView view, CancellationToken ct)
    {
        var scan = view.Scan;
        c.Section("Drift since the baseline");
        if (scan.Drift is null)
        {
            c.Paragraph("No baseline was given, so nothing is compared. Save one with Export-NetSecBaseline and pass it to Invoke-NetSecScan -Baseline to see what changes between scans.");
            return;
        }

        var taken = scan.BaselineCreatedAt is { } at ? $", taken {ReportText.Time(at)}" : string.Empty;
        c.Paragraph($"Compared with the baseline {(scan.BaselinePath is { } bp ? Path.GetFileName(bp) : "(unnamed)")}{taken}: {ReportText.Plural(scan.Drift.Count, "change", "changes")}.");
        if (scan.Drift.Count == 0)
        {
            c.Paragraph("The posture matches the baseline: no flow, exposure, finding, policy or workload changed.");
            return;
        }

        c.Table(new PdfTable(new[] { "Category", "Added", "Removed", "Changed" }, new[] { 2.0, 1, 1, 1 }),
            view.DriftTotals.Select(d => new[] { d.Category.ToString(), ReportText.Number(d.Added), ReportText.Number(d.Removed), ReportText.Number(d.Changed) }));

        var max = view.Options.MaxPdfDriftRecords;
        var rows = scan.Drift.OrderByDescending(d => d.Severity).ThenBy(d => d.Category).ThenBy(d => d.Subject, StringComparer.Ordinal).Take(max)
            .Select(d => new[] { d.Severity.ToString(), $"{d.Category} {d.Change.ToString().ToLowerInvariant()}", string.IsNullOrWhiteSpace(d.Detail) ? d.Subject : $"{d.Subject}\n({d.Detail})", d.Before ?? "—", d.After ?? "—" });
        ct.ThrowIfCancellationRequested();
        c.Heading("Changes, most severe first", c.Fonts.H3);
        c.Table(new PdfTable(new[] { "Severity", "Change", "Subject", "Baseline", "Now" }, new[] { 0.8, 1.35, 2.7, 1.45, 1.45 })
        {
            Caption = "Changes since the baseline",
            Style = (row, col) => col == 0 ? SeverityPill(c, row[0]) : null,
        }, rows);
        if (scan.Drift.Count > max)
        {
            c.Callout($"Only the {ReportText.Number(max)} most severe of {ReportText.Number(scan.Drift.Count)} changes are listed; the workbook's Drift sheet lists them all.", PdfComposer.Accent);
        }
    }

    private static void Trend(PdfComposer c, ReportView view)
    {
        // Scores of the former formula are not on the same scale: the trend starts at the first scan of this one.
        var history = view.Scan.History.Where(h => h.HasCurrentScore).OrderBy(h => h.Time).ToList();
        const int tableRows = 12;

        // Chart and table of recent scans stay on one page: heading, sentence, chart, table rows.
        var needed = 60 + 30 + 200 + ((Math.Min(tableRows, history.Count) + 2) * 13.5);
        c.Section("Trend across scans", minSpace: needed);
        if (history.Count < 2)
        {
            c.Paragraph(history.Count == 0
                ? "No history: pass -HistoryPath to Invoke-NetSecScan so each scan adds a record and this page shows the score and the findings over time."
                : "This is the first scan in the history; the trend appears from the second scan on.");
            return;
        }

        const int shown = 24;
        var recent = history.Skip(Math.Max(0, history.Count - shown)).ToList();
        var first = recent[0];
        var last = recent[^1];
        var delta = last.Score - first.Score;
        var direction = Math.Abs(delta) < 0.05 ? "held steady" : delta > 0 ? $"rose by {ReportText.Score(delta)} points" : $"fell by {ReportText.Score(-delta)} points";
        var earlier = view.Scan.History.Count(h => !h.HasCurrentScore);
        c.Paragraph($"Over the last {recent.Count} scans ({ReportText.Time(first.Time)} to {ReportText.Time(last.Time)}) the score {direction}, " +
            (PdfCharts.Open(first) == PdfCharts.Open(last)
                ? $"and open findings stayed at {ReportText.Number(PdfCharts.Open(last))}."
                : $"and open findings went from {ReportText.Number(PdfCharts.Open(first))} to {ReportText.Number(PdfCharts.Open(last))}.") +
            (earlier > 0 ? $" {ReportText.Plural(earlier, "earlier scan of the history was", "earlier scans of the history were")} scored with the former formula (findings per workload) and {(earlier == 1 ? "is" : "are")} left out: those scores are not on the same scale." : string.Empty));
        c.Ensure(200);
        PdfCharts.Trend(c, recent, PdfComposer.Left, c.Y, PdfComposer.Width, 190);
        c.Y += 200;
        var table = recent.AsEnumerable().Reverse().Take(tableRows).Select(h => new[]
        {
            ReportText.Time(h.Time), ReportText.Score(h.Score), ReportText.Number(h.Critical), ReportText.Number(h.High), ReportText.Number(h.Medium),
            ReportText.Number(h.Low), ReportText.Number(h.Info), ReportText.Number(h.Suppressed), ReportText.Number(h.Flows),
        });
        c.Table(new PdfTable(new[] { "Scan", "Score", "Critical", "High", "Medium", "Low", "Info", "Suppressed", "Flows" }, new[] { 2.2, 1, 1, 1, 1, 1, 1, 1.2, 1.2 }) { Caption = "Recent scans" }, table);
    }

    private static void Findings(PdfComposer c, ReportView view, CancellationToken ct)
    {
        var outline = c.Section("Findings by check", minSpace: FlowingSectionRoom);
        if (view.CheckGroups.Count == 0)
        {
            c.Paragraph("No findings: every evaluated check passed.");
            return;
        }

        c.Paragraph("Each failing check below states what it tests, why it matters and how to fix it, then lists the resources it failed on with the evidence. Suppressed findings are listed after the open ones with their justification. Checks are ordered by severity, then by the number of open findings.", c.Fonts.Body, c.MutedBrush, after: 6);
        var cap = Math.Max(1, view.Options.MaxPdfFindingsPerCheck);
        foreach (var g in view.CheckGroups)
        {
            ct.ThrowIfCancellationRequested();
            var ch = g.Check;
            c.Ensure(110);
            c.Space(6);
            c.Heading($"{ch.Id}  {ch.Title}", c.Fonts.H2, outline);

            // Severity pill, then category, frameworks and counts on one line.
            var pill = ch.Severity.ToString();
            var pw = c.M(c.Fonts.SmallBold).Width(pill) + 8;
            c.G.DrawRoundedRectangle(SeverityBrush(ch.Severity), PdfComposer.Left, c.Y - 1, pw, 11, 4, 4);
            c.Text(pill, c.Fonts.SmallBold, SeverityText(ch.Severity), PdfComposer.Left + 4, c.Y - 0.5);
            var meta = new List<string>();
            if (!string.IsNullOrEmpty(ch.Category))
            {
                meta.Add(ch.Category);
            }

            if (ch.Frameworks.Count > 0)
            {
                meta.Add(string.Join(", ", ch.Frameworks));
            }

            meta.Add($"{ReportText.Number(g.Open.Count)} open, {ReportText.Number(g.Suppressed.Count)} suppressed");
            var mm = c.M(c.Fonts.Small);
            var metaLines = mm.Wrap(string.Join("  ·  ", meta), PdfComposer.Width - pw - 8);
            foreach (var line in metaLines)
            {
                c.Text(line, c.Fonts.Small, c.MutedBrush, PdfComposer.Left + pw + 8, c.Y);
                c.Y += mm.LineHeight;
            }

            c.Space(4);
            if (!string.IsNullOrWhiteSpace(ch.FailsWhen))
            {
                c.Labelled("Fails when:", ch.FailsWhen.Trim());
            }

            if (!string.IsNullOrWhiteSpace(ch.Rationale))
            {
                c.Labelled("Why it matters:", ch.Rationale.Trim());
            }

            var remediation = !string.IsNullOrWhiteSpace(ch.Remediation) ? ch.Remediation : g.Open.Concat(g.Suppressed).First().Remediation;
            if (!string.IsNullOrWhiteSpace(remediation))
            {
                c.Labelled("Remediation:", remediation.Trim());
            }

            var manifests = g.Open.Where(f => !string.IsNullOrWhiteSpace(f.RemediationManifest))
                .GroupBy(f => f.RemediationManifest!.Trim(), StringComparer.Ordinal).ToList();
            foreach (var m in manifests.Take(view.Options.MaxPdfManifestsPerCheck))
            {
                c.Ensure(60);
                c.Paragraph($"A manifest that fixes {m.First().Resource}" + (m.Count() > 1 ? $" and {ReportText.Plural(m.Count() - 1, "other resource", "other resources")}:" : ":"), c.Fonts.SmallItalic, c.MutedBrush, after: 1);
                c.Code(m.Key);
            }

            if (manifests.Count > view.Options.MaxPdfManifestsPerCheck)
            {
                c.Paragraph($"{ReportText.Plural(manifests.Count - view.Options.MaxPdfManifestsPerCheck, "more manifest", "more manifests")} for the other resources are in the workbook (Fix manifest column) and the JSON report.", c.Fonts.SmallItalic, c.MutedBrush);
            }

            var listed = g.Open.Concat(g.Suppressed).Take(cap).Select(f => new[]
            {
                f.Resource + (f.SourceFile is null ? string.Empty : $"\nin {view.DisplayPath(f.SourceFile)}" + (f.SourceLine is { } line ? $", line {line}" : string.Empty)),
                string.IsNullOrWhiteSpace(f.Evidence) ? "—" : f.Evidence.Trim(),
                f.Suppressed ? "Suppressed: " + (f.Justification ?? "no justification given") + Owner(f) : "Open",
            });
            c.Table(new PdfTable(new[] { "Resource", "Evidence", "Status" }, new[] { 2.3, 3.6, 1.4 })
            {
                Caption = $"{ch.Id} findings",
                Style = (row, col) => col != 2 ? null
                    : row[2] == "Open" ? new CellStyle(Text: SeverityBrush(Severity.High), Font: c.Fonts.SmallBold)
                    : new CellStyle(Text: c.MutedBrush, Font: c.Fonts.SmallItalic),
            }, listed);
            if (g.Total > cap)
            {
                c.Callout($"{ReportText.Number(cap)} of {ReportText.Number(g.Total)} findings of {ch.Id} are listed here; the workbook's Findings sheet (filter Check = {ch.Id}), the CSV and the JSON report list every one.", PdfComposer.Accent, c.Fonts.Small);
            }
        }
    }

    private static string Owner(Finding f)
    {
        var parts = new List<string>();
        if (f.SuppressedBy is { } by)
        {
            parts.Add(by);
        }

        if (f.SuppressionExpires is { } until)
        {
            parts.Add("until " + until.ToString("yyyy-MM-dd", ReportText.Culture));
        }

        return parts.Count == 0 ? string.Empty : $" ({string.Join(", ", parts)})";
    }

    private static void Appendix(PdfComposer c, ReportView view, CancellationToken ct)
    {
        CheckCatalogueAppendix(c, view);
        ct.ThrowIfCancellationRequested();
        CoverageAppendix(c, view);
        MethodAppendix(c, view);
        ProvenanceAppendix(c, view);
    }

    /// <summary>Appendix A: every check of the profile, its framework mappings and its result.</summary>
    private static void CheckCatalogueAppendix(PdfComposer c, ReportView view)
    {
        c.Section("Appendix A. Check catalogue", minSpace: FlowingSectionRoom);
        c.Paragraph("Every check of the profile with its framework mappings and its result in this scan. Checks are semantic: they are decided from the computed connectivity and the model, not from the mere presence of an object.", c.Fonts.Body, c.MutedBrush);
        c.Table(new PdfTable(new[] { "Check", "Severity", "Title", "Frameworks", "Result" }, new[] { 0.8, 0.85, 3.0, 2.0, 0.9 })
        {
            Caption = "Check catalogue",
            Style = (row, col) => col == 1 ? SeverityPill(c, row[1])
                : col == 4 && row[4].StartsWith("Fail", StringComparison.Ordinal) ? new CellStyle(Text: SeverityBrush(Severity.High), Font: c.Fonts.SmallBold)
                : col == 4 && row[4] == "Pass" ? new CellStyle(Text: PassBrush)
                : col == 4 && row[4] == "Not evaluated" ? new CellStyle(Text: c.MutedBrush, Font: c.Fonts.SmallItalic)
                : null,
        }, view.Catalogue.Select(ch => new[]
        {
            ch.Id, ch.Severity.ToString(), ch.Title, string.Join(", ", ch.Frameworks),
            view.StatusOf(ch) switch { "Fail" => $"Fail ({ReportText.Number(view.OpenCount(ch.Id))})", var s => s },
        }));
    }

    /// <summary>Appendix B: checks not evaluated, what was read kind by kind, and the input diagnostics.</summary>
    private static void CoverageAppendix(PdfComposer c, ReportView view)
    {
        var scan = view.Scan;
        c.Section("Appendix B. Coverage", minSpace: 260);
        if (view.NotEvaluated.Count > 0)
        {
            c.Heading("Checks not evaluated", c.Fonts.H3);
            c.Table(new PdfTable(new[] { "Check", "Reason" }, new[] { 0.8, 5.0 }) { Caption = "Checks not evaluated" },
                view.NotEvaluated.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => new[] { p.Key, p.Value }));
        }

        c.Paragraph("What the scan could read, kind by kind. A kind that was forbidden, failed or was read in part is not verified: checks that depend on it may miss problems. A kind that is absent is an optional API the cluster does not serve.", c.Fonts.Body, c.MutedBrush);
        if (scan.Coverage.Count == 0)
        {
            c.Paragraph("The scan carried no coverage information.");
        }
        else
        {
            var critical = new CellStyle(Text: SeverityBrush(Severity.Critical), Font: c.Fonts.SmallBold);
            var medium = new CellStyle(Text: SeverityBrush(Severity.Medium), Font: c.Fonts.SmallBold);
            var styles = new Dictionary<string, CellStyle>(StringComparer.Ordinal)
            {
                [ReportText.Coverage(CoverageStatus.Forbidden)] = critical,
                [ReportText.Coverage(CoverageStatus.Error)] = critical,
                [ReportText.Coverage(CoverageStatus.Partial)] = medium,
            };
            c.Table(new PdfTable(new[] { "Kind", "API version", "Status", "Objects", "Message" }, new[] { 2.3, 1.9, 1.4, 0.6, 1.6 })
            {
                Caption = "Coverage",
                Style = (row, col) => col == 2 ? styles.GetValueOrDefault(row[2]) : null,
            }, scan.Coverage.OrderBy(e => e.Kind, StringComparer.Ordinal).Select(e => new[] { e.Kind, e.ApiVersion, ReportText.Coverage(e.Status), ReportText.Number(e.Count), e.Message ?? string.Empty }));
        }

        if (scan.Diagnostics.Count > 0)
        {
            c.Heading("Input diagnostics", c.Fonts.H3);
            const int maxDiagnostics = 200;
            c.Table(new PdfTable(new[] { "Severity", "Where", "Message" }, new[] { 0.8, 2.2, 3.5 }) { Caption = "Input diagnostics" },
                scan.Diagnostics.Take(maxDiagnostics).Select(d => new[] { d.Severity.ToString(), d.File is null ? $"{d.Kind}/{d.Name}" : d.Line is null ? d.File : $"{d.File}:{d.Line}", d.Message }));
            if (scan.Diagnostics.Count > maxDiagnostics)
            {
                c.Paragraph($"{ReportText.Number(maxDiagnostics)} of {ReportText.Number(scan.Diagnostics.Count)} diagnostics are listed; the workbook's Diagnostics sheet lists them all.", c.Fonts.SmallItalic, c.MutedBrush);
            }
        }
    }

    /// <summary>Appendix C: how the score is computed and what the report's terms mean.</summary>
    private static void MethodAppendix(PdfComposer c, ReportView view)
    {
        var scan = view.Scan;
        c.Section("Appendix C. Method", minSpace: 260);
        c.Heading("Score", c.Fonts.H3);
        c.Paragraph(ReportText.ScoreMethod);
        if (!string.IsNullOrWhiteSpace(scan.Score.Formula))
        {
            c.Labelled("Formula:", scan.Score.Formula.Trim());
        }

        c.Paragraph($"In this scan: {ReportText.Plural(scan.Score.EvaluatedSubjects, "subject", "subjects")} evaluated by {ReportText.Plural(scan.Score.Checks.Count(ch => ch.Applicable), "check", "checks")} give a score of {ReportText.Score(scan.Score.Score)}.");
        c.Table(new PdfTable(new[] { "Severity", "Weight of a check", "Checks applied in this scan" }, new[] { 1.0, 1.4, 1.6 })
        {
            Style = (row, col) => col == 0 ? SeverityPill(c, row[0]) : null,
        }, ReportView.SeveritiesDescending.Select(s => new[] { s.ToString(), Weight(s), ReportText.Number(scan.Score.Checks.Count(ch => ch.Applicable && ch.Severity == s)) }));
        c.Paragraph(Core.Checks.CatalogueDocument.ScoreConsequences, c.Fonts.Body, c.MutedBrush);
        c.Heading("Arbitrary peer", c.Fonts.H3);
        c.Paragraph(ReportText.ArbitraryPeer);
        c.Heading("Exposed", c.Fonts.H3);
        c.Paragraph(ReportText.Exposed);
        c.Heading("Suppressions", c.Fonts.H3);
        c.Paragraph(ReportText.Suppressions);
        if (scan.Profile.ExcludedNamespaces.Count > 0)
        {
            c.Heading("Excluded namespaces", c.Fonts.H3);
            c.Paragraph($"The profile {scan.Profile.Name} excludes {string.Join(", ", scan.Profile.ExcludedNamespaces)} from the coverage checks.");
        }
    }

    /// <summary>Appendix D: where the scan came from, with the input files' digests.</summary>
    private static void ProvenanceAppendix(PdfComposer c, ReportView view)
    {
        var scan = view.Scan;
        c.Section("Appendix D. Provenance", minSpace: 260);
        var p = scan.Provenance;
        var facts = new List<string[]>
        {
            new[] { "Source", p.SourceKind },
            new[] { "Cluster", view.Cluster },
            new[] { "Context", p.Context ?? "—" },
            new[] { "API server", p.Server ?? "—" },
            new[] { "Server version", p.ServerVersion ?? "—" },
            new[] { "Collected", ReportText.Time(p.CollectedAt) },
            new[] { "Scanned", ReportText.Time(scan.ScannedAt) },
            new[] { "Profile", scan.Profile.Name },
            new[] { "Tool", $"{p.Tool} {p.ToolVersion}" },
        };
        if (scan.BaselinePath is { } baseline)
        {
            facts.Add(new[] { "Baseline", baseline });
        }

        if (p.Paths.Count > 0)
        {
            facts.Add(new[] { "Input paths", string.Join("\n", p.Paths) });
        }

        c.Table(new PdfTable(new[] { "Fact", "Value" }, new[] { 1.0, 3.5 }), facts);
        if (p.Inputs.Count > 0)
        {
            const int maxInputs = 300;
            c.Heading("Input files and their SHA-256", c.Fonts.H3);
            // Paths relative to the input paths above, so a digest stays on one line for an auditor to compare.
            c.Table(new PdfTable(new[] { "File", "Bytes", "SHA-256" }, new[] { 2.2, 0.5, 3.6 }) { Caption = "Input files" },
                p.Inputs.Take(maxInputs).Select(i => new[] { view.DisplayPath(i.Path), ReportText.Number((int)Math.Min(int.MaxValue, i.Length)), i.Sha256 }));
            if (p.Inputs.Count > maxInputs)
            {
                c.Paragraph($"{ReportText.Number(maxInputs)} of {ReportText.Number(p.Inputs.Count)} input files are listed; the JSON report lists them all.", c.Fonts.SmallItalic, c.MutedBrush);
            }
        }
    }

    private static string Weight(Severity s) => s switch
    {
        Severity.Critical => "10",
        Severity.High => "5",
        Severity.Medium => "2",
        Severity.Low => "1",
        _ => "0",
    };
}
