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

    /// <summary>RGB of a score band: green from 90, amber from 70, orange from 50, red below.</summary>
    public static (byte R, byte G, byte B) ScoreColor(double score) => score switch
    {
        >= 90 => (0x2E, 0x8B, 0x57),
        >= 70 => (0xC9, 0xA0, 0x00),
        >= 50 => (0xE0, 0x7B, 0x17),
        _ => (0xC0, 0x2B, 0x2B),
    };

    public static string ScoreBand(double score) => score switch
    {
        >= 90 => "good",
        >= 70 => "fair",
        >= 50 => "weak",
        _ => "poor",
    };

    /// <summary>Definition of the arbitrary peer, as docs/checks.md states it, for the method appendix.</summary>
    public const string ArbitraryPeer =
        "An arbitrary peer is a pod with no labels, in a namespace with no labels, that exists nowhere in the scanned cluster, " +
        "or an external address outside every ipBlock or network CIDR of the cluster's policies other than the /0 ones (the open internet). " +
        "\"X accepts ingress from an arbitrary peer\" means the connectivity engine allows some connection from such a peer to X. " +
        "That is what default deny really means: a policy that admits only 198.51.100.0/24 passes; one that admits 0.0.0.0/0, " +
        "or has a rule without 'from', fails.";

    public const string Exposed =
        "Exposed means reachable from outside the cluster through a Service of type LoadBalancer or NodePort, externalIPs, " +
        "an Ingress, an OpenShift Route or a Gateway API route.";

    public const string Suppressions =
        "Suppressed findings come from the exceptions file: each names a check, a resource pattern, a justification, an owner and an expiry date. " +
        "They stay in every report, marked with their justification, and do not lower the score. An expired suppression stops suppressing.";

    public const string ScoreMethod =
        "Each open finding costs a weight by severity (Critical 10, High 5, Medium 2, Low 1, Info 0); suppressed findings cost nothing. " +
        "The penalty is normalized by the number of evaluated workloads, so a bigger cluster is not punished for its size, " +
        "and the formula turns it into a score from 0 (worst) to 100 (no open finding).";

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
