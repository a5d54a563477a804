namespace NetSecPS.Reports.Pdf;

/// <summary>The PDF section on mutual TLS: per namespace, the share of allowed flows the Istio mesh carries with mutual TLS.</summary>
internal static class MeshTlsSection
{
    public static void Write(PdfComposer c, ReportView view, CancellationToken ct)
    {
        if (!MeshTls.Applies(view.Scan))
        {
            return;
        }

        var rows = MeshTls.Rows(view.Scan);
        c.Section("Mutual TLS in the mesh");
        var total = rows.Sum(r => r.Flows);
        var mutual = rows.Sum(r => r.MutuallyAuthenticated);
        c.Paragraph(MeshTls.Explanation);
        c.Paragraph($"{ReportText.Number(mutual)} of {ReportText.Plural(total, "flow", "flows")} between workloads are mutually authenticated ({Percent(total == 0 ? 0 : (double)mutual / total)}).");
        ct.ThrowIfCancellationRequested();
        c.Table(new PdfTable(new[] { "Namespace", "Flows in", "Mutual TLS", "Share", "Plaintext", "Outside mesh" }, new[] { 2.4, 0.9, 0.9, 0.8, 0.9, 1.0 })
        {
            Caption = "Mutually authenticated flows per destination namespace",
        }, rows.Select(r => new[]
        {
            r.Namespace, ReportText.Number(r.Flows), ReportText.Number(r.MutuallyAuthenticated), Percent(r.Share), ReportText.Number(r.Plaintext), ReportText.Number(r.OutsideMesh),
        }));
    }

    private static string Percent(double share) => share.ToString("0.0%", System.Globalization.CultureInfo.InvariantCulture);
}
