using ClosedXML.Excel;

namespace NetSecPS.Reports.Excel;

/// <summary>The "Mesh mTLS" sheet: per namespace, the share of allowed flows that are mutually authenticated (only where Istio runs).</summary>
internal static class MeshTlsSheet
{
    public const string Name = "Mesh mTLS";

    public const string TotalLabel = MeshTls.TotalLabel;

    private static readonly SheetColumn<MeshTlsRow>[] Columns =
    {
        new("Namespace", r => r.Namespace, 40),
        new("Flows in", r => r.Flows, 10),
        new("Mutual TLS", r => r.MutuallyAuthenticated, 10),
        new("Share mutual TLS", r => r.Share, 10, "0.0%"),
        new("STRICT", r => r.Strict, 10),
        new("PERMISSIVE (auto mTLS)", r => r.Permissive, 10),
        new("Plaintext", r => r.Plaintext, 10),
        new("Caller without sidecar", r => r.CallerWithoutSidecar, 10),
        new("Destination without sidecar", r => r.DestinationWithoutSidecar, 10),
        new("DISABLE", r => r.Disable, 10),
        new("No TCP (not intercepted)", r => r.NoTcp, 10),
        new("Outside the mesh", r => r.OutsideMesh, 10),
        new("Ambient (not evaluated)", r => r.Ambient, 10),
    };

    /// <summary>Adds the sheet when some flow of the scan meets the Istio mesh; otherwise the workbook has no such sheet.</summary>
    public static void Write(XLWorkbook wb, ReportView view, CancellationToken ct)
    {
        if (view.MeshTlsCounts(ct) is not (var rows, var total))
        {
            return;
        }

        var ws = wb.Worksheets.Add(Name);
        SheetTable.Write(ws, "MeshTls", Columns, rows, "No allowed flow between workloads.", ct);
        WrapCountHeaders(ws);
        var row = rows.Count + 3;
        if (rows.Count > 0)
        {
            // Below the table, not in it: a total would sort and filter with the namespaces.
            for (var c = 0; c < Columns.Length; c++)
            {
                var cell = ws.Cell(row, c + 1);
                SheetTable.SetCell(cell, Columns[c].Value(total));
                if (Columns[c].NumberFormat is { } format)
                {
                    cell.Style.NumberFormat.Format = format;
                }
            }

            ws.Column(1).Width = Math.Max(ws.Column(1).Width, TotalLabel.Length + 2);
            ws.Range(row, 1, row, Columns.Length).Style.Font.Bold = true;
            ws.Range(row, 1, row, Columns.Length).Style.Border.TopBorder = XLBorderStyleValues.Thin;
            row += 2;
        }

        ExcelReport.Note(ws, row, MeshTls.Explanation, Columns.Length);
        ExcelReport.Note(ws, row + 1, "The Flows sheet gives each flow's mTLS state and the PeerAuthentication that decides it. MESH-001 findings name the flows that reach a meshed workload in plaintext, MESH-002 findings the workloads outside the mesh and their plaintext flows into it.", Columns.Length);
    }

    /// <summary>Width of a count column: its longest header word and the filter button fit on one line.</summary>
    internal const double CountColumnWidth = 15;

    /// <summary>
    /// The counts are narrow and their headers long. Sized to the headers, the thirteen columns are too
    /// wide to print on one page at a legible size, and a print area would leave out the last buckets,
    /// so a printed row would no longer add up to its flows. The count headers wrap instead, the header
    /// row grows to show them whole, and every column, the total and the notes print.
    /// </summary>
    private static void WrapCountHeaders(IXLWorksheet ws)
    {
        var lines = 1;
        for (var c = 1; c < Columns.Length; c++)
        {
            ws.Column(c + 1).Width = CountColumnWidth;
            ws.Cell(1, c + 1).Style.Alignment.WrapText = true;
            // Two characters of the width are the filter button's.
            lines = Math.Max(lines, SheetTable.EstimateLines(Columns[c].Header, CountColumnWidth - 2));
        }

        ws.Row(1).Height = lines * SheetTable.LineHeight;
        ws.Row(1).Style.Alignment.Vertical = XLAlignmentVerticalValues.Bottom;
        ws.PageSetup.PrintAreas.Clear();
        ws.PageSetup.Footer.Left.Clear();
    }
}
