namespace NetSecPS.Reports.Pdf;

/// <summary>The PDF section on mutual TLS: per namespace, the share of allowed flows the Istio mesh carries with mutual TLS.</summary>
internal static class MeshTlsSection
{
    public const string Title = "Mutual TLS in the mesh";

    public static void Write(PdfComposer c, ReportView view, CancellationToken ct)
    {
        if (view.MeshTlsCounts(ct) is not (var rows, var total))
        {
            return;
        }

        // It shares the page before it when its sentences and the table (a row per namespace and the total) fit there.
        var needed = 60 + c.ParagraphHeight(MeshTls.Sentence(total)) + c.ParagraphHeight(MeshTls.Explanation, after: 6) + ((rows.Count + 2) * 16);
        c.Section(Title, minSpace: Math.Max(needed, PdfReport.FlowingSectionRoom));
        c.Paragraph(MeshTls.Sentence(total));
        c.Paragraph(MeshTls.Explanation, c.Fonts.Body, c.MutedBrush, after: 6);
        ct.ThrowIfCancellationRequested();

        // Ambient gets a column only where it occurs, so the columns of a sidecar mesh add up at a glance.
        var ambient = total.Ambient > 0;
        var headers = new List<string> { "Namespace", "Flows in", "Mutual TLS", "Share", "Plaintext", "Not intercepted" };
        var weights = new List<double> { 2.6, 0.8, 0.9, 0.8, 0.9, 1.1 };
        if (ambient)
        {
            headers.Add("Ambient");
            weights.Add(0.8);
        }

        string[] Cells(MeshTlsRow r)
        {
            var cells = new List<string>
            {
                r.Namespace, ReportText.Number(r.Flows), ReportText.Number(r.MutuallyAuthenticated), MeshTls.Percent(r.Share),
                ReportText.Number(r.Plaintext), ReportText.Number(r.NotIntercepted),
            };
            if (ambient)
            {
                cells.Add(ReportText.Number(r.Ambient));
            }

            return cells.ToArray();
        }

        var full = new CellStyle(Text: new PdfSharp.Drawing.XSolidBrush(PdfCharts.Color(ReportText.ScoreColor(100))));
        var none = new CellStyle(Text: new PdfSharp.Drawing.XSolidBrush(PdfCharts.Color(ReportText.ScoreColor(0))));
        c.Table(new PdfTable(headers, weights)
        {
            Caption = "Mutually authenticated flows per destination namespace",
            Style = (row, col) => row[0] == MeshTlsSheetLabel ? new CellStyle(Font: c.Fonts.SmallBold)
                : col == 3 && row[2] == row[1] ? full
                : col == 3 && row[2] == "0" ? none
                : null,
        }, rows.Select(Cells).Append(Cells(total)));
        c.Paragraph("Plaintext counts flows whose caller or destination runs no sidecar, or whose destination's mode is DISABLE. MESH-001 findings name the flows that reach a meshed workload in plaintext, " +
            "MESH-002 findings the workloads outside the mesh and their plaintext flows into it; the workbook's Mesh mTLS sheet splits the counts by cause and its Flows sheet gives each flow's state.", c.Fonts.SmallItalic, c.MutedBrush, after: 8);
    }

    /// <summary>The total row's label; a namespace cannot be named so (names are lower case).</summary>
    private const string MeshTlsSheetLabel = MeshTls.TotalLabel;
}
