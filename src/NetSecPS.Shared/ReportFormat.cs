namespace NetSecPS;

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

/// <summary>
/// The report formats' file extensions. In NetSecPS.Shared (the module's default load context)
/// so scripts read the one map too: the compliance job takes its formats from it.
/// </summary>
public static class ReportFormats
{
    /// <summary>
    /// The one map from formats to file extensions, in the order help and errors list them; the
    /// first extension of a format is the one NetSecPS names its files with.
    /// </summary>
    public static IReadOnlyList<(ReportFormat Format, IReadOnlyList<string> Extensions)> Extensions { get; } = new (ReportFormat, IReadOnlyList<string>)[]
    {
        (ReportFormat.Excel, new[] { ".xlsx" }),
        (ReportFormat.Pdf, new[] { ".pdf" }),
        (ReportFormat.Json, new[] { ".json" }),
        (ReportFormat.Csv, new[] { ".csv" }),
        (ReportFormat.Sarif, new[] { ".sarif", ".sarif.json" }),
        (ReportFormat.JUnit, new[] { ".junit.xml" }),
    };

    /// <summary>The extension NetSecPS names a file of <paramref name="format"/> with.</summary>
    public static string ExtensionOf(ReportFormat format) => Extensions.First(e => e.Format == format).Extensions[0];

    /// <summary>The extensions as a sentence lists them: ".xlsx, .pdf, ... or .junit.xml".</summary>
    public static string ExtensionList
    {
        get
        {
            var names = Extensions.Select(e => e.Extensions[0]).ToList();
            return string.Join(", ", names.Take(names.Count - 1)) + " or " + names[^1];
        }
    }

    /// <summary>The format for a path, or null when the extension is not one NetSecPS writes. The longest matching extension wins (.sarif.json is SARIF, not JSON).</summary>
    public static ReportFormat? FromPath(string path)
    {
        var p = path.ToLowerInvariant();
        return Extensions.SelectMany(e => e.Extensions.Select(x => (e.Format, Extension: x)))
            .Where(e => p.EndsWith(e.Extension, StringComparison.Ordinal))
            .OrderByDescending(e => e.Extension.Length)
            .Select(e => (ReportFormat?)e.Format)
            .FirstOrDefault();
    }
}
