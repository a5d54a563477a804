using PdfSharp.Drawing;

namespace NetSecPS.Reports.Pdf;

/// <summary>The report's charts, drawn with XGraphics (PDFsharp's charting needs MigraDoc, which the module does not ship).</summary>
internal static class PdfCharts
{
    public static XColor Color((byte R, byte G, byte B) c) => XColor.FromArgb(c.R, c.G, c.B);

    /// <summary>A ring whose coloured arc is the score, the number in its middle.</summary>
    public static void ScoreGauge(PdfComposer c, XGraphics g, double cx, double cy, double r, double score)
    {
        var clamped = Math.Clamp(score, 0, 100);
        var ring = new XPen(XColor.FromArgb(0xE4, 0xE7, 0xEB), 11);
        g.DrawEllipse(ring, cx - r, cy - r, 2 * r, 2 * r);
        if (clamped > 0)
        {
            var arc = new XPen(Color(ReportText.ScoreColor(score)), 11) { LineCap = XLineCap.Round };
            g.DrawArc(arc, cx - r, cy - r, 2 * r, 2 * r, -90, 360 * clamped / 100);
        }

        var text = ReportText.Score(score);
        var w = c.M(c.Fonts.Huge).Width(text);
        g.DrawString(text, c.Fonts.Huge, c.InkBrush, cx - (w / 2), cy - (c.Fonts.Huge.Size * 0.72), XStringFormats.TopLeft);
        var sub = $"of 100 · {ReportText.ScoreBand(score)}";
        var sw = c.M(c.Fonts.Body).Width(sub);
        g.DrawString(sub, c.Fonts.Body, c.MutedBrush, cx - (sw / 2), cy + (c.Fonts.Huge.Size * 0.45), XStringFormats.TopLeft);
    }

    /// <summary>Open findings per severity as horizontal bars, suppressed ones as a pale extension.</summary>
    public static double SeverityBars(PdfComposer c, ReportView view, double x, double y, double width)
    {
        var g = c.G;
        const double barHeight = 15;
        const double gap = 6;
        const double labelWidth = 62;
        const double countWidth = 120;
        var max = Math.Max(1, ReportView.SeveritiesDescending.Max(s => view.OpenBySeverity[(int)s] + view.SuppressedBySeverity[(int)s]));
        var barArea = width - labelWidth - countWidth;
        var row = y;
        var axis = new XPen(PdfComposer.Rule, 0.7);
        foreach (var s in ReportView.SeveritiesDescending)
        {
            var open = view.OpenBySeverity[(int)s];
            var suppressed = view.SuppressedBySeverity[(int)s];
            var colour = Color(ReportText.SeverityColor(s));
            g.DrawString(s.ToString(), c.Fonts.Body, c.InkBrush, x, row + 1.5, XStringFormats.TopLeft);
            var ow = barArea * open / max;
            var sw = barArea * suppressed / max;
            if (open > 0)
            {
                g.DrawRectangle(new XSolidBrush(colour), x + labelWidth, row, Math.Max(ow, 1.5), barHeight);
            }

            if (suppressed > 0)
            {
                g.DrawRectangle(new XSolidBrush(XColor.FromArgb(70, colour.R, colour.G, colour.B)), x + labelWidth + ow, row, Math.Max(sw, 1.5), barHeight);
            }

            var label = ReportText.Number(open) + (suppressed > 0 ? $" open · {ReportText.Number(suppressed)} suppressed" : " open");
            g.DrawString(label, c.Fonts.Small, c.MutedBrush, x + labelWidth + ow + sw + 5, row + 3, XStringFormats.TopLeft);
            row += barHeight + gap;
        }

        g.DrawLine(axis, x + labelWidth, y - 3, x + labelWidth, row - gap + 3);
        return row - y;
    }

    /// <summary>Score (line, left axis 0–100) and open findings (bars, right axis) over the scans of the history.</summary>
    public static void Trend(PdfComposer c, IReadOnlyList<HistoryRecord> history, double x, double y, double width, double height)
    {
        var g = c.G;
        const double axisLeft = 30;
        const double axisRight = 40;
        const double axisBottom = 30;
        var plotX = x + axisLeft;
        var plotW = width - axisLeft - axisRight;
        var plotY = y + 8;
        var plotH = height - axisBottom - 8;
        var grid = new XPen(PdfComposer.Rule, 0.5);
        var small = c.Fonts.Small;
        var maxOpen = Math.Max(1, history.Max(Open));
        var niceMax = NiceCeiling(maxOpen);

        for (var i = 0; i <= 4; i++)
        {
            var gy = plotY + plotH - (plotH * i / 4);
            g.DrawLine(grid, plotX, gy, plotX + plotW, gy);
            var left = (i * 25).ToString(ReportText.Culture);
            g.DrawString(left, small, c.MutedBrush, plotX - 4 - c.M(small).Width(left), gy - 4, XStringFormats.TopLeft);
            g.DrawString(ReportText.Number(niceMax * i / 4), small, c.MutedBrush, plotX + plotW + 4, gy - 4, XStringFormats.TopLeft);
        }

        var n = history.Count;
        var step = plotW / n;
        var barBrush = new XSolidBrush(XColor.FromArgb(0x9A, 0xA8, 0xB8));
        var points = new XPoint[n];
        // Several scans a day are told apart by their time, so no two labels on the axis read the same.
        var format = TrendLabelFormat(history);
        var labelWidth = c.M(small).Width(DateTimeOffset.UnixEpoch.ToString(format, ReportText.Culture)) + 10;
        var labelEvery = Math.Max(1, (int)Math.Ceiling(n / (plotW / labelWidth)));
        string? lastLabel = null;
        for (var i = 0; i < n; i++)
        {
            var h = history[i];
            var cx = plotX + (step * (i + 0.5));
            var bh = plotH * Open(h) / niceMax;
            var bw = Math.Min(step * 0.55, 26);
            g.DrawRectangle(barBrush, cx - (bw / 2), plotY + plotH - bh, bw, bh);
            points[i] = new XPoint(cx, plotY + plotH - (plotH * Math.Clamp(h.Score, 0, 100) / 100));
            // Counted back from the newest scan, so the last label is always there and never crowded.
            var label = h.Time.ToUniversalTime().ToString(format, ReportText.Culture);
            if ((n - 1 - i) % labelEvery == 0 && label != lastLabel)
            {
                var lw = c.M(small).Width(label);
                g.DrawString(label, small, c.MutedBrush, cx - (lw / 2), plotY + plotH + 4, XStringFormats.TopLeft);
                lastLabel = label;
            }
        }

        var scorePen = new XPen(PdfComposer.Accent, 1.8) { LineJoin = XLineJoin.Round };
        if (n > 1)
        {
            g.DrawLines(scorePen, points);
        }

        foreach (var p in points)
        {
            g.DrawEllipse(XBrushes.White, p.X - 2.6, p.Y - 2.6, 5.2, 5.2);
            g.DrawEllipse(new XPen(PdfComposer.Accent, 1.4), p.X - 2.6, p.Y - 2.6, 5.2, 5.2);
        }

        var ly = y + height - 10;
        g.DrawLine(scorePen, plotX, ly + 4, plotX + 16, ly + 4);
        g.DrawString("Score (left axis)", small, c.InkBrush, plotX + 20, ly, XStringFormats.TopLeft);
        g.DrawRectangle(barBrush, plotX + 110, ly, 10, 8);
        g.DrawString("Open findings (right axis)", small, c.InkBrush, plotX + 124, ly, XStringFormats.TopLeft);
    }

    /// <summary>
    /// The date format of the trend's axis: the day when every scan has a day of its own, the
    /// minute or second when several scans share one, so no two points read the same; the year
    /// appears when the history spans more than one.
    /// </summary>
    public static string TrendLabelFormat(IReadOnlyList<HistoryRecord> history) =>
        new[] { history[0].Time.Year != history[^1].Time.Year ? "yyyy-MM-dd" : "MM-dd", "MM-dd HH:mm", "MM-dd HH:mm:ss" }
            .First(f => f.EndsWith("ss", StringComparison.Ordinal) || history.Select(h => h.Time.ToUniversalTime().ToString(f, ReportText.Culture)).Distinct(StringComparer.Ordinal).Count() == history.Count);

    public static int Open(HistoryRecord h) => h.Critical + h.High + h.Medium + h.Low + h.Info;

    private static int NiceCeiling(int value)
    {
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var f in new[] { 1, 2, 2.5, 5, 10 })
        {
            if (f * magnitude >= value)
            {
                return Math.Max(4, (int)Math.Ceiling(f * magnitude / 4) * 4);
            }
        }

        return value;
    }
}
