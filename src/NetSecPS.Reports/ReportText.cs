using System.Globalization;
using System.Text;

namespace NetSecPS.Reports;

/// <summary>Wording and colours every report shares, so the workbook and the PDF say the same thing the same way.</summary>
internal static class ReportText
{
    public static readonly CultureInfo Culture = CultureInfo.InvariantCulture;

    /// <summary>The score as every report prints it.</summary>
    public static string Score(double score) => score.ToString("0.0", Culture);

    public static string Time(DateTimeOffset t) => t.Year < 1900 ? "unknown" : t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", Culture);

    public static string Number(int n) => n.ToString("#,0", Culture);

    public static string Plural(int n, string one, string many) => $"{Number(n)} {(n == 1 ? one : many)}";

    /// <summary>RGB of a severity, the same in the workbook and the PDF.</summary>
    public static (byte R, byte G, byte B) SeverityColor(Severity s) => s switch
    {
        Severity.Critical => (0x8B, 0x00, 0x1A),
        Severity.High => (0xD6, 0x3A, 0x2F),
        Severity.Medium => (0xF0, 0x8C, 0x1A),
        Severity.Low => (0xE8, 0xC5, 0x2A),
        _ => (0x6C, 0x8E, 0xBF),
    };

    /// <summary>Text colour that reads on <see cref="SeverityColor"/>.</summary>
    public static bool SeverityTextIsDark(Severity s) => s is Severity.Low;

    /// <summary>RGB of a score band (docs/checks.md): green from 90 (good), amber from 70 (fair), red below (poor).</summary>
    public static (byte R, byte G, byte B) ScoreColor(double score) => score switch
    {
        >= 90 => (0x2E, 0x8B, 0x57),
        >= 70 => (0xC9, 0xA0, 0x00),
        _ => (0xC0, 0x2B, 0x2B),
    };

    public static string ScoreBand(double score) => ScoreDetails.BandOf(score);

    /// <summary>A compliance fraction as a percentage without false precision: 99.6 % stays below 100 %.</summary>
    public static string Percent(double fraction) => fraction >= 1 ? "100%" : Math.Min(99, Math.Floor(fraction * 100)).ToString("0", Culture) + "%";

    /// <summary>
    /// A coverage status in the words the workbook and the PDF print (the enum's names, such as
    /// <c>NotInInput</c>, are for scripts and the JSON report).
    /// </summary>
    public static string Coverage(CoverageStatus status) => status switch
    {
        CoverageStatus.Read => "read",
        CoverageStatus.Forbidden => "forbidden by RBAC",
        CoverageStatus.Absent => "API not served",
        CoverageStatus.Error => "read failed",
        CoverageStatus.Partial => "read in part",
        CoverageStatus.NotInInput => "not in the input",
        _ => status.ToString(),
    };

    /// <summary>A yes-or-no cell as a word: spreadsheets show a boolean as TRUE/FALSE (Excel) or 1/0 (LibreOffice).</summary>
    public static string? YesNo(bool? value) => value switch
    {
        true => "yes",
        false => "no",
        null => null,
    };

    /// <summary>Definitions as docs/checks.md states them, for the method appendix.</summary>
    public const string ArbitraryPeer = Core.Checks.CatalogueDocument.ArbitraryPeer;

    public const string Exposed = Core.Checks.CatalogueDocument.Exposed;

    public const string Suppressions = Core.Checks.CatalogueDocument.Suppressions;

    public const string ScoreMethod = Core.Checks.CatalogueDocument.ScoreMethod + " " + Core.Checks.CatalogueDocument.ScoreBands;

    /// <summary>Removes characters that no report format can carry (control characters other than tab and newlines).</summary>
    public static string Clean(string? s)
    {
        if (string.IsNullOrEmpty(s))
        {
            return string.Empty;
        }

        var ok = true;
        foreach (var c in s)
        {
            if (IsUnwanted(c))
            {
                ok = false;
                break;
            }
        }

        if (ok)
        {
            return s;
        }

        var sb = new StringBuilder(s.Length);
        foreach (var c in s)
        {
            if (!IsUnwanted(c))
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    private static bool IsUnwanted(char c) =>
        (c < 0x20 && c is not '\t' and not '\n' and not '\r') || c is '\uFFFE' or '\uFFFF';
}
