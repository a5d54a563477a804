using PdfSharp.Drawing;

namespace NetSecPS.Reports.Pdf;

/// <summary>The connectivity section: which namespaces may talk to which, and what each way in can reach.</summary>
internal static partial class PdfReport
{
    private const int MaxMatrixNamespaces = 22;

    private static void Connectivity(PdfComposer c, ReportView view, CancellationToken ct)
    {
        if (!view.IsFullScan)
        {
            return;
        }

        var scan = view.Scan;
        var intro = $"The cluster allows {ReportText.Plural(scan.Flows.Count, "flow", "flows")} between peers under every policy layer it enforces. " +
            "The matrix counts them from the workloads of each row's namespace to those of each column's; {ingress-controller} is traffic that Ingresses, Routes and Gateways bring in, (external) the addresses outside the cluster. " +
            "A row full of numbers is a namespace that can reach everything.";

        // The section follows the compliance tables on their last page when its title, its sentence and the whole matrix fit there.
        var matrix = MatrixLayout.Of(c, scan.NamespaceFlows);
        var matrixHeight = matrix is null ? 20 : matrix.Height + c.ParagraphHeight(matrix.Note, c.Fonts.SmallItalic, after: 8);
        c.Section("Connectivity", minSpace: 60 + c.ParagraphHeight(intro, c.Fonts.Body, after: 6) + matrixHeight);
        c.Paragraph(intro, c.Fonts.Body, c.MutedBrush, after: 6);
        NamespaceMatrix(c, scan.NamespaceFlows, matrix);
        ct.ThrowIfCancellationRequested();

        c.Heading("Entry points", c.Fonts.H3);
        if (scan.EntryPoints.Count == 0)
        {
            c.Paragraph("No workload is reachable from outside the cluster (no LoadBalancer, NodePort or externalIPs Service, Ingress, Route or Gateway API route reaches one).");
            return;
        }

        c.Paragraph("Each workload reachable from outside the cluster, how it is reached, and what an attacker who took it could reach next: directly, and in any number of hops through the workloads it can reach (not through excluded namespaces).",
            c.Fonts.Body, c.MutedBrush);
        var total = scan.Workloads.Count;
        c.Table(new PdfTable(new[] { "Entry point", "Reached through", "Reaches directly", "In any number of hops" }, new[] { 1.7, 2.2, 2.2, 1.5 })
        {
            Caption = "Entry points",
            Style = (row, col) => col == 3 && row[3].StartsWith("0 ", StringComparison.Ordinal) ? new CellStyle(Text: PassBrush) : null,
        }, scan.EntryPoints.Select(e => new[]
        {
            e.Workload,
            string.Join("\n", e.Via),
            e.Reaches.Count == 0 ? "nothing" : string.Join(", ", e.Reaches.Take(6)) + (e.Reaches.Count > 6 ? $" and {ReportText.Number(e.Reaches.Count - 6)} more" : string.Empty),
            $"{ReportText.Number(e.ReachableWorkloads)} of {ReportText.Plural(total, "workload", "workloads")}" + (e.ReachableNamespaces.Count > 0 ? $" in {string.Join(", ", e.ReachableNamespaces)}" : string.Empty),
        }));
    }

    /// <summary>The namespaces a matrix shows and the size of its parts, measured before it is drawn.</summary>
    private sealed record MatrixLayout(List<string> Names, int Namespaces, double LabelWidth, double Cell, double HeaderHeight)
    {
        public double Height => HeaderHeight + (Cell * Names.Count) + 50;

        public string Note => "Rows: from the workloads of the namespace. Columns: to the workloads of the namespace. A number counts the allowed flows between workload pairs. " +
            "The grey diagonal, where row and column are the same namespace, counts the flows between workloads inside that namespace; the blue cells count flows from one namespace into another, darker the more there are." +
            (Names.Count < Namespaces ? $" The {ReportText.Number(Names.Count)} busiest of {ReportText.Number(Namespaces)} namespaces are shown; the workbook's Flow matrix sheet holds them all." : string.Empty);

        /// <summary>Null when no flow crosses between namespaces.</summary>
        public static MatrixLayout? Of(PdfComposer c, IReadOnlyList<NamespaceFlowSummary> cells)
        {
            if (cells.Count == 0)
            {
                return null;
            }

            static int Rank(string n) => n.StartsWith('{') ? 1 : n.StartsWith('(') ? 2 : 0;
            var volume = cells.SelectMany(x => new[] { (x.SourceNamespace, x.Flows), (x.DestinationNamespace, x.Flows) })
                .GroupBy(x => x.Item1, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(x => x.Item2), StringComparer.Ordinal);
            var names = volume.Keys.OrderByDescending(n => volume[n]).Take(MaxMatrixNamespaces)
                .OrderBy(Rank).ThenBy(n => n, StringComparer.Ordinal).ToList();
            var m = c.M(c.Fonts.Small);
            var labelWidth = Math.Min(150, names.Max(n => m.Width(n)) + 10);
            return new MatrixLayout(names, volume.Count, labelWidth, Math.Min(30, (PdfComposer.Width - labelWidth) / names.Count), Math.Min(130, names.Max(n => m.Width(n)) + 10));
        }
    }

    /// <summary>A grid of flow counts, source namespaces down, destinations across, shaded by count.</summary>
    private static void NamespaceMatrix(PdfComposer c, IReadOnlyList<NamespaceFlowSummary> cells, MatrixLayout? layout)
    {
        if (layout is null)
        {
            c.Paragraph("No flow is allowed between namespaces.");
            return;
        }

        var (names, namespaces, labelWidth, cell, headerHeight) = layout;
        var counts = cells.ToDictionary(x => (x.SourceNamespace, x.DestinationNamespace), x => x.Flows);
        // The shading scales with the busiest cell off the diagonal: flows inside a namespace are shaded apart.
        var max = Math.Max(1, cells.Where(x => x.SourceNamespace != x.DestinationNamespace).Select(x => x.Flows).DefaultIfEmpty(0).Max());

        var font = c.Fonts.Small;
        var m = c.M(font);
        c.Ensure(Math.Min(layout.Height, PdfComposer.Bottom - PdfComposer.Top));
        var g = c.G;
        var x0 = PdfComposer.Left + labelWidth;
        var y0 = c.Y + headerHeight;

        for (var i = 0; i < names.Count; i++)
        {
            // Column labels read bottom to top, so a long namespace name is never cut.
            var cx = x0 + (i * cell) + (cell / 2) + (m.LineHeight / 3);
            var state = g.Save();
            g.RotateAtTransform(-90, new XPoint(cx, y0 - 4));
            g.DrawString(m.Fit(names[i], headerHeight - 8), font, c.InkBrush, cx, y0 - 4, XStringFormats.TopLeft);
            g.Restore(state);

            g.DrawString(m.Fit(names[i], labelWidth - 8), font, c.InkBrush, PdfComposer.Left, y0 + (i * cell) + ((cell - m.LineHeight) / 2), XStringFormats.TopLeft);
        }

        var grid = new XPen(PdfComposer.Rule, 0.5);
        for (var r = 0; r < names.Count; r++)
        {
            for (var col = 0; col < names.Count; col++)
            {
                var x = x0 + (col * cell);
                var y = y0 + (r * cell);
                var n = counts.GetValueOrDefault((names[r], names[col]));
                if (r == col)
                {
                    // Flows inside one namespace: a grey of its own and a darker edge, whatever the count.
                    g.DrawRectangle(DiagonalBrush, x, y, cell, cell);
                    if (n > 0)
                    {
                        var text = ReportText.Number(n);
                        g.DrawString(text, font, c.InkBrush, x + ((cell - m.Width(text)) / 2), y + ((cell - m.LineHeight) / 2), XStringFormats.TopLeft);
                    }
                }
                else if (n > 0)
                {
                    // From a pale tint to the report's accent colour, by the share of the busiest cell.
                    var t = 0.15 + (0.85 * Math.Sqrt((double)n / max));
                    var a = PdfComposer.Accent;
                    var fill = XColor.FromArgb((int)(255 - ((255 - a.R) * t)), (int)(255 - ((255 - a.G) * t)), (int)(255 - ((255 - a.B) * t)));
                    g.DrawRectangle(new XSolidBrush(fill), x, y, cell, cell);
                    var text = ReportText.Number(n);
                    g.DrawString(text, font, t > 0.55 ? XBrushes.White : c.InkBrush, x + ((cell - m.Width(text)) / 2), y + ((cell - m.LineHeight) / 2), XStringFormats.TopLeft);
                }

                g.DrawRectangle(grid, x, y, cell, cell);
            }
        }

        for (var i = 0; i < names.Count; i++)
        {
            g.DrawRectangle(DiagonalEdge, x0 + (i * cell), y0 + (i * cell), cell, cell);
        }

        c.Y = y0 + (cell * names.Count) + 6;
        MatrixLegend(c, font);
        c.Paragraph(layout.Note, c.Fonts.SmallItalic, c.MutedBrush, after: 8);
    }

    /// <summary>Fill of the matrix's diagonal (flows inside one namespace): a warm grey, apart from the blue of the cells between namespaces.</summary>
    internal static readonly XColor DiagonalColor = XColor.FromArgb(0xE2, 0xDD, 0xD3);

    private static readonly XBrush DiagonalBrush = new XSolidBrush(DiagonalColor);

    private static readonly XPen DiagonalEdge = new(XColor.FromArgb(0x6B, 0x64, 0x58), 1.0);

    /// <summary>Two swatches under the matrix: what the diagonal and the other cells count.</summary>
    private static void MatrixLegend(PdfComposer c, XFont font)
    {
        var m = c.M(font);
        var g = c.G;
        var size = m.LineHeight;
        var x = PdfComposer.Left;
        var y = c.Y;
        var across = PdfComposer.Accent;
        var mid = XColor.FromArgb((int)(255 - ((255 - across.R) * 0.5)), (int)(255 - ((255 - across.G) * 0.5)), (int)(255 - ((255 - across.B) * 0.5)));
        foreach (var (fill, edge, label) in new[]
        {
            (DiagonalBrush, DiagonalEdge, "Diagonal: flows inside one namespace"),
            ((XBrush)new XSolidBrush(mid), new XPen(PdfComposer.Rule, 0.5), "Other cells: flows from one namespace into another"),
        })
        {
            g.DrawRectangle(fill, x, y, size, size);
            g.DrawRectangle(edge, x, y, size, size);
            g.DrawString(label, font, c.InkBrush, x + size + 4, y, XStringFormats.TopLeft);
            x += size + 4 + m.Width(label) + 18;
        }

        c.Y = y + size + 6;
    }
}
