using System.Text;

namespace NetSecPS.Reports.Csv;

/// <summary>
/// Findings as RFC 4180 CSV: a header line, CRLF line ends, fields quoted when they hold a comma,
/// a quote or a line break, quotes doubled. UTF-8 with a byte order mark so Excel reads names right.
/// </summary>
/// <remarks>
/// A field that starts with <c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>, a tab or a carriage return is
/// written with a leading apostrophe, as OWASP advises against CSV injection: a spreadsheet that
/// opens the file would otherwise run it as a formula. Such text reaches findings from
/// annotations, exception justifications and file paths, which whoever controls the cluster or
/// the repository writes.
/// </remarks>
internal static class FindingsCsv
{
    public static readonly string[] Header =
    {
        "CheckId", "Severity", "Title", "Namespace", "Resource", "Evidence", "Remediation", "RemediationManifest",
        "Frameworks", "Suppressed", "Justification", "SuppressedBy", "SuppressionExpires", "SourceFile", "SourceLine",
    };

    public static void Write(ScanResult scan, Stream stream, CancellationToken cancellationToken = default)
    {
        using var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true), 1 << 16, leaveOpen: true);
        WriteRecord(writer, Header);
        var fields = new string[Header.Length];
        var n = 0;
        foreach (var f in scan.Findings)
        {
            if (++n % 1000 == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            fields[0] = f.CheckId;
            fields[1] = f.Severity.ToString();
            fields[2] = f.Title;
            fields[3] = f.Namespace ?? string.Empty;
            fields[4] = f.Resource;
            fields[5] = f.Evidence;
            fields[6] = f.Remediation;
            fields[7] = f.RemediationManifest ?? string.Empty;
            fields[8] = string.Join("; ", f.Frameworks);
            fields[9] = f.Suppressed ? "true" : "false";
            fields[10] = f.Justification ?? string.Empty;
            fields[11] = f.SuppressedBy ?? string.Empty;
            fields[12] = f.SuppressionExpires?.ToString("yyyy-MM-dd", ReportText.Culture) ?? string.Empty;
            fields[13] = f.SourceFile ?? string.Empty;
            fields[14] = f.SourceLine?.ToString(ReportText.Culture) ?? string.Empty;
            WriteRecord(writer, fields);
        }
    }

    private static void WriteRecord(TextWriter writer, IReadOnlyList<string> fields)
    {
        for (var i = 0; i < fields.Count; i++)
        {
            if (i > 0)
            {
                writer.Write(',');
            }

            WriteField(writer, Defused(ReportText.Clean(fields[i])));
        }

        writer.Write("\r\n");
    }

    /// <summary>The field with a leading apostrophe when a spreadsheet would take it for a formula.</summary>
    internal static string Defused(string value) =>
        value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + value : value;

    private static void WriteField(TextWriter writer, string value)
    {
        if (value.AsSpan().IndexOfAny(",\"\r\n") < 0)
        {
            writer.Write(value);
            return;
        }

        writer.Write('"');
        writer.Write(value.Replace("\"", "\"\"", StringComparison.Ordinal));
        writer.Write('"');
    }
}
