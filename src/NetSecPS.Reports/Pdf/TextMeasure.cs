using PdfSharp.Drawing;

namespace NetSecPS.Reports.Pdf;

/// <summary>
/// Widths of text in one font, from a per-character cache: PDFsharp lays text out without kerning,
/// so a string is as wide as the sum of its characters, and measuring each character once keeps a
/// report of thousands of rows fast.
/// </summary>
internal sealed class TextMeasure
{
    private readonly XGraphics measure;
    private readonly XFont font;
    private readonly double[] widths = new double[char.MaxValue + 1];

    public TextMeasure(XGraphics measure, XFont font)
    {
        this.measure = measure;
        this.font = font;
        Array.Fill(widths, double.NaN);
        LineHeight = font.Size * 1.3;
    }

    public XFont Font => font;

    public double LineHeight { get; }

    public double Width(char c)
    {
        var w = widths[c];
        if (double.IsNaN(w))
        {
            w = char.IsSurrogate(c) ? measure.MeasureString("?", font).Width / 2 : measure.MeasureString(c.ToString(), font).Width;
            widths[c] = w;
        }

        return w;
    }

    public double Width(ReadOnlySpan<char> s)
    {
        var sum = 0.0;
        foreach (var c in s)
        {
            sum += Width(c);
        }

        return sum;
    }

    /// <summary>
    /// Breaks text into lines no wider than <paramref name="width"/>: at spaces where it can, after
    /// '/', '-', '.', ',', ':' or '=' inside a long token (resource names, CIDR lists), between the
    /// words of a camel-case name (kinds), and between any two characters as a last resort, so
    /// nothing ever runs past its column.
    /// </summary>
    public List<string> Wrap(string? text, double width, int maxLines = int.MaxValue)
    {
        var lines = new List<string>();
        if (string.IsNullOrEmpty(text))
        {
            lines.Add(string.Empty);
            return lines;
        }

        foreach (var raw in text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            WrapParagraph(raw.Replace('\t', ' ').TrimEnd(), width, lines);
            if (lines.Count >= maxLines)
            {
                break;
            }
        }

        if (lines.Count > maxLines)
        {
            lines.RemoveRange(maxLines, lines.Count - maxLines);
        }

        return lines;
    }

    private void WrapParagraph(string p, double width, List<string> lines)
    {
        if (p.Length == 0 || Width(p) <= width)
        {
            lines.Add(p);
            return;
        }

        var start = 0;
        while (start < p.Length)
        {
            while (start < p.Length && p[start] == ' ')
            {
                start++;
            }

            if (start >= p.Length)
            {
                break;
            }

            var w = 0.0;
            var end = start;
            var lastSpace = -1;
            var lastSoft = -1;
            var lastWord = -1;
            while (end < p.Length)
            {
                var cw = Width(p[end]);
                if (w + cw > width && end > start)
                {
                    break;
                }

                w += cw;
                if (p[end] == ' ')
                {
                    lastSpace = end;
                }
                else if (p[end] is '/' or '-' or '.' or ',' or ':' or '=' or ']' or ';' or '_')
                {
                    lastSoft = end;
                }
                else if (end > start && char.IsUpper(p[end]) && char.IsLower(p[end - 1]))
                {
                    // Kind names are words joined in camel case: BaselineAdmin|NetworkPolicy breaks between them, never inside one.
                    lastWord = end;
                }

                end++;
            }

            if (end >= p.Length)
            {
                lines.Add(p[start..]);
                break;
            }

            int cut;
            if (lastSpace > start)
            {
                cut = lastSpace;
            }
            else if (lastSoft >= start && lastSoft + 1 > start + ((end - start) / 3))
            {
                // Break after the separator, but not so early that the line is mostly empty.
                cut = lastSoft + 1;
            }
            else if (lastWord > start)
            {
                cut = lastWord;
            }
            else
            {
                cut = end;
            }

            lines.Add(p[start..cut].TrimEnd());
            start = cut;
        }
    }

    /// <summary>Shortens text with an ellipsis so it fits on one line.</summary>
    public string Fit(string text, double width)
    {
        if (Width(text) <= width)
        {
            return text;
        }

        var ell = Width('…');
        var w = 0.0;
        var i = 0;
        while (i < text.Length && w + Width(text[i]) + ell <= width)
        {
            w += Width(text[i]);
            i++;
        }

        return string.Concat(text.AsSpan(0, i), "…");
    }
}
