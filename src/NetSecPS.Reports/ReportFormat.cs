namespace NetSecPS.Reports;

/// <summary>The report formats, chosen from a file's extension.</summary>
public enum ReportFormat
{
    Excel,
    Pdf,
    Json,
    Csv,
    Sarif,
    JUnit,
}

public static class ReportFormats
{
    /// <summary>The format for a path, or null when the extension is not one NetSecPS writes.</summary>
    public static ReportFormat? FromPath(string path)
    {
        var p = path.ToLowerInvariant();
        if (p.EndsWith(".junit.xml", StringComparison.Ordinal))
        {
            return ReportFormat.JUnit;
        }

        if (p.EndsWith(".xlsx", StringComparison.Ordinal))
        {
            return ReportFormat.Excel;
        }

        if (p.EndsWith(".pdf", StringComparison.Ordinal))
        {
            return ReportFormat.Pdf;
        }

        if (p.EndsWith(".sarif", StringComparison.Ordinal) || p.EndsWith(".sarif.json", StringComparison.Ordinal))
        {
            return ReportFormat.Sarif;
        }

        if (p.EndsWith(".json", StringComparison.Ordinal))
        {
            return ReportFormat.Json;
        }

        if (p.EndsWith(".csv", StringComparison.Ordinal))
        {
            return ReportFormat.Csv;
        }

        return null;
    }
}
