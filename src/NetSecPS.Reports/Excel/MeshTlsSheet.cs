using ClosedXML.Excel;

namespace NetSecPS.Reports.Excel;

/// <summary>The "Mesh mTLS" sheet: per namespace, the share of allowed flows that are mutually authenticated (only where Istio runs).</summary>
internal static class MeshTlsSheet
{
    public const string Name = "Mesh mTLS";

    /// <summary>Adds the sheet when some flow of the scan meets the Istio mesh; otherwise the workbook has no such sheet.</summary>
    public static void Write(XLWorkbook wb, ReportView view, CancellationToken ct)
    {
        if (!MeshTls.Applies(view.Scan))
        {
            return;
        }

        var ws = wb.Worksheets.Add(Name);
        var columns = new SheetColumn<MeshTlsRow>[]
        {
            new("Namespace", r => r.Namespace),
            new("Flows in", r => r.Flows),
            new("Mutual TLS", r => r.MutuallyAuthenticated),
            new("Share mutual TLS", r => r.Share, NumberFormat: "0.0%"),
            new("STRICT", r => r.Strict),
            new("PERMISSIVE (auto mTLS)", r => r.Permissive),
            new("Plaintext", r => r.Plaintext),
            new("Outside the mesh", r => r.OutsideMesh),
            new("Ambient (not evaluated)", r => r.Ambient),
        };
        SheetTable.Write(ws, "MeshTls", columns, MeshTls.Rows(view.Scan), "No flow between workloads.", ct);
        ws.Cell(1, columns.Length + 2).SetValue(MeshTls.Explanation);
        ws.Cell(1, columns.Length + 2).Style.Alignment.WrapText = true;
        ws.Column(columns.Length + 2).Width = 60;
    }
}
