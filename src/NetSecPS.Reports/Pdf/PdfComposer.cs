using PdfSharp;
using PdfSharp.Drawing;
using PdfSharp.Pdf;

namespace NetSecPS.Reports.Pdf;

/// <summary>How one table cell is drawn, when it differs from the table's default.</summary>
internal sealed record CellStyle(XBrush? Fill = null, XBrush? Text = null, XFont? Font = null, bool Pill = false);

/// <summary>A table: columns by relative width, an optional caption repeated when it continues on a new page.</summary>
internal sealed record PdfTable(IReadOnlyList<string> Headers, IReadOnlyList<double> Weights)
{
    public string? Caption { get; init; }
    public Func<string[], int, CellStyle?>? Style { get; init; }
    public bool Zebra { get; init; } = true;
}

/// <summary>
/// Flows content down A4 pages: paragraphs and tables that break across pages (a table repeats its
/// header on every page it reaches), text that wraps inside its column, and code drawn on a fixed
/// grid. Running headers and page numbers are drawn in a second pass, once the page count is known.
/// </summary>
internal sealed class PdfComposer : IDisposable
{
    public static readonly XColor Ink = XColor.FromArgb(0x22, 0x26, 0x2B);
    public static readonly XColor Muted = XColor.FromArgb(0x5F, 0x66, 0x6D);
    public static readonly XColor Rule = XColor.FromArgb(0xD5, 0xD9, 0xDE);
    public static readonly XColor Accent = XColor.FromArgb(0x1F, 0x3A, 0x5F);
    public static readonly XColor ZebraColor = XColor.FromArgb(0xF3, 0xF5, 0xF8);
    public static readonly XColor CodeBack = XColor.FromArgb(0xF6, 0xF6, 0xF2);

    public readonly XBrush InkBrush = new XSolidBrush(Ink);
    public readonly XBrush MutedBrush = new XSolidBrush(Muted);
    public readonly XBrush AccentBrush = new XSolidBrush(Accent);
    public readonly XBrush White = XBrushes.White;
    private readonly XBrush zebra = new XSolidBrush(ZebraColor);
    private readonly XBrush codeBack = new XSolidBrush(CodeBack);
    private readonly XPen rulePen = new(Rule, 0.5);
    private readonly XPen accentPen = new(Accent, 1.2);

    private const double CellPadX = 3.5;
    private const double CellPadY = 2.2;

    private readonly XGraphics measureContext;
    private readonly Dictionary<XFont, TextMeasure> measures = new(ReferenceEqualityComparer.Instance);
    private XGraphics? graphics;

    public PdfComposer()
    {
        Fonts = new PdfFonts();
        Document = new PdfDocument();
        Document.PageLayout = PdfPageLayout.SinglePage;
        Document.PageMode = PdfPageMode.UseOutlines;
        measureContext = XGraphics.CreateMeasureContext(new XSize(PageWidth, PageHeight), XGraphicsUnit.Point, XPageDirection.Downwards);
    }

    public const double PageWidth = 595.28;
    public const double PageHeight = 841.89;
    public const double Left = 50;
    public const double Right = PageWidth - 50;
    public const double Top = 62;
    public const double Bottom = PageHeight - 54;
    public const double Width = Right - Left;

    public PdfDocument Document { get; }
    public PdfFonts Fonts { get; }
    public PdfPage Page { get; private set; } = null!;
    public XGraphics G => graphics ?? throw new InvalidOperationException("No page yet.");
    public double Y { get; set; }

    /// <summary>Whether the cursor is at the top of a page with nothing drawn yet.</summary>
    public bool AtTop => graphics is not null && Y <= Top + 0.01;

    public TextMeasure M(XFont font)
    {
        if (!measures.TryGetValue(font, out var m))
        {
            m = new TextMeasure(measureContext, font);
            measures[font] = m;
        }

        return m;
    }

    public void NewPage()
    {
        graphics?.Dispose();
        Page = Document.AddPage();
        Page.Size = PageSize.A4;
        Page.Orientation = PageOrientation.Portrait;
        graphics = XGraphics.FromPdfPage(Page);
        Y = Top;
    }

    /// <summary>Starts a new page unless <paramref name="height"/> still fits on this one.</summary>
    public void Ensure(double height)
    {
        if (graphics is null || Y + height > Bottom)
        {
            NewPage();
        }
    }

    public void Space(double h)
    {
        Y += h;
    }

    public void Text(string text, XFont font, XBrush brush, double x, double y) =>
        G.DrawString(text, font, brush, x, y, XStringFormats.TopLeft);

    /// <summary>
    /// A section: a large title over an accent rule, and a bookmark. It starts a new page, unless
    /// <paramref name="minSpace"/> is given and that much room is left on this one (short sections
    /// such as the appendices then share pages instead of leaving them mostly empty).
    /// </summary>
    public PdfOutline Section(string title, double? minSpace = null)
    {
        if (minSpace is { } room && graphics is not null && Y + room <= Bottom)
        {
            Y += 18;
        }
        else if (!AtTop)
        {
            NewPage();
        }

        Text(title, Fonts.H1, AccentBrush, Left, Y);
        Y += Fonts.H1.Size * 1.35;
        G.DrawLine(accentPen, Left, Y, Right, Y);
        Y += 10;
        return Document.Outlines.Add(title, Page, true);
    }

    /// <summary>A sub-heading kept with at least the first lines that follow it.</summary>
    public void Heading(string title, XFont? font = null, PdfOutline? outline = null, XBrush? brush = null)
    {
        font ??= Fonts.H2;
        var m = M(font);
        var lines = m.Wrap(title, Width);
        Ensure((lines.Count * m.LineHeight) + 48);
        Y += 4;
        foreach (var line in lines)
        {
            Text(line, font, brush ?? InkBrush, Left, Y);
            Y += m.LineHeight;
        }

        outline?.Outlines.Add(title, Page);
        Y += 3;
    }

    /// <summary>The height <see cref="Paragraph"/> would take, to keep a block of paragraphs on one page.</summary>
    public double ParagraphHeight(string text, XFont? font = null, double indent = 0, double after = 5)
    {
        var m = M(font ?? Fonts.Body);
        return (m.Wrap(text, Width - indent).Count * m.LineHeight) + after;
    }

    public void Paragraph(string text, XFont? font = null, XBrush? brush = null, double indent = 0, double after = 5)
    {
        font ??= Fonts.Body;
        var m = M(font);
        foreach (var line in m.Wrap(text, Width - indent))
        {
            Ensure(m.LineHeight);
            Text(line, font, brush ?? InkBrush, Left + indent, Y);
            Y += m.LineHeight;
        }

        Y += after;
    }

    /// <summary>A paragraph that opens with a bold label, e.g. "Remediation: ...".</summary>
    public void Labelled(string label, string text, XFont? font = null, double after = 4)
    {
        font ??= Fonts.Body;
        var bold = font.Size < Fonts.Body.Size ? Fonts.SmallBold : Fonts.BodyBold;
        var labelWidth = M(bold).Width(label + " ");
        var m = M(font);
        var lines = m.Wrap(text, Width - labelWidth);
        Ensure(m.LineHeight);
        Text(label, bold, InkBrush, Left, Y);
        foreach (var line in lines)
        {
            Ensure(m.LineHeight);
            Text(line, font, InkBrush, Left + labelWidth, Y);
            Y += m.LineHeight;
        }

        Y += after;
    }

    public void Bullets(IEnumerable<string> items, XFont? font = null)
    {
        font ??= Fonts.Body;
        var m = M(font);
        foreach (var item in items)
        {
            var lines = m.Wrap(item, Width - 12);
            for (var i = 0; i < lines.Count; i++)
            {
                Ensure(m.LineHeight);
                if (i == 0)
                {
                    Text("•", font, MutedBrush, Left + 2, Y);
                }

                Text(lines[i], font, InkBrush, Left + 12, Y);
                Y += m.LineHeight;
            }

            Y += 1.5;
        }

        Y += 3;
    }

    /// <summary>A shaded note with a coloured bar on its left, for warnings and caps the reader must see.</summary>
    public void Callout(string text, XColor color, XFont? font = null)
    {
        font ??= Fonts.Body;
        var m = M(font);
        var lines = m.Wrap(text, Width - 20);
        var h = (lines.Count * m.LineHeight) + 10;
        if (h > Bottom - Top)
        {
            Paragraph(text, font);
            return;
        }

        Ensure(h + 4);
        G.DrawRectangle(new XSolidBrush(XColor.FromArgb(28, color.R, color.G, color.B)), Left, Y, Width, h);
        G.DrawRectangle(new XSolidBrush(color), Left, Y, 3, h);
        var y = Y + 5;
        foreach (var line in lines)
        {
            Text(line, font, InkBrush, Left + 12, y);
            y += m.LineHeight;
        }

        Y += h + 6;
    }

    /// <summary>
    /// Draws a table. Rows wrap inside their columns; a row that does not fit goes to the next page,
    /// where the caption and header are repeated; a row taller than a page is split between pages.
    /// </summary>
    public void Table(PdfTable table, IEnumerable<string[]> rows, double left = Left, double width = Width)
    {
        var font = Fonts.Small;
        var m = M(font);
        var lh = m.LineHeight;
        var total = table.Weights.Sum();
        var widths = table.Weights.Select(w => w / total * width).ToArray();
        var xs = new double[widths.Length];
        for (var i = 1; i < xs.Length; i++)
        {
            xs[i] = xs[i - 1] + widths[i - 1];
        }

        var headerMeasure = M(Fonts.SmallBold);
        var headerLines = table.Headers.Select((h, i) => headerMeasure.Wrap(h, widths[i] - (2 * CellPadX))).ToArray();
        var headerHeight = (headerLines.Max(l => l.Count) * lh) + (2 * CellPadY);
        var captionHeight = table.Caption is null ? 0 : M(Fonts.SmallItalic).LineHeight + 2;
        var freshCapacity = (int)((Bottom - Top - headerHeight - captionHeight - (2 * CellPadY)) / lh);

        void DrawHeader(bool continued)
        {
            if (continued && table.Caption is not null)
            {
                Text(table.Caption + " (continued)", Fonts.SmallItalic, MutedBrush, left, Y);
                Y += captionHeight;
            }

            G.DrawRectangle(AccentBrush, left, Y, width, headerHeight);
            for (var c = 0; c < widths.Length; c++)
            {
                var y = Y + CellPadY;
                foreach (var line in headerLines[c])
                {
                    Text(line, Fonts.SmallBold, White, left + xs[c] + CellPadX, y);
                    y += lh;
                }
            }

            Y += headerHeight;
        }

        (CellStyle?[] Styles, List<string>[] Cells, int Lines) Prepare(string[] row)
        {
            var styles = new CellStyle?[widths.Length];
            var cells = new List<string>[widths.Length];
            var n = 1;
            for (var c = 0; c < widths.Length; c++)
            {
                var text = c < row.Length ? row[c] : string.Empty;
                styles[c] = table.Style?.Invoke(row, c);
                var cm = styles[c]?.Font is { } f ? M(f) : m;
                cells[c] = cm.Wrap(ReportText.Clean(text), widths[c] - (2 * CellPadX) - (styles[c]?.Pill == true ? 6 : 0));
                n = Math.Max(n, cells[c].Count);
            }

            return (styles, cells, n);
        }

        var prepared = rows.Select(Prepare);
        using var next = prepared.GetEnumerator();
        var any = next.MoveNext();

        // The header never stands alone at the foot of a page: it moves on with (the start of) its first row.
        var firstLines = any ? Math.Min(next.Current.Lines, Math.Max(2, freshCapacity / 2)) : 1;
        Ensure(headerHeight + (firstLines * lh) + (2 * CellPadY));
        DrawHeader(false);
        var index = 0;
        for (; any; any = next.MoveNext())
        {
            var (styles, cells, n) = next.Current;

            var drawn = 0;
            while (drawn < n)
            {
                var remaining = n - drawn;
                var fit = (int)((Bottom - Y - (2 * CellPadY)) / lh);
                if (fit < remaining && (fit < 1 || (drawn == 0 && remaining <= freshCapacity) || fit < 2))
                {
                    NewPage();
                    DrawHeader(true);
                    continue;
                }

                var take = Math.Min(fit, remaining);
                var h = (take * lh) + (2 * CellPadY);
                if (table.Zebra && index % 2 == 1)
                {
                    G.DrawRectangle(zebra, left, Y, width, h);
                }

                for (var c = 0; c < widths.Length; c++)
                {
                    var style = styles[c];
                    if (style?.Fill is { } fill && !style.Pill)
                    {
                        G.DrawRectangle(fill, left + xs[c], Y, widths[c], h);
                    }

                    var cf = style?.Font ?? font;
                    var brush = style?.Text ?? InkBrush;
                    var y = Y + CellPadY;
                    for (var l = drawn; l < Math.Min(drawn + take, cells[c].Count); l++)
                    {
                        var x = left + xs[c] + CellPadX;
                        if (style?.Pill == true && style.Fill is { } pillFill)
                        {
                            var pw = M(cf).Width(cells[c][l]) + 6;
                            G.DrawRoundedRectangle(pillFill, x, y - 0.6, pw, lh, 4, 4);
                            x += 3;
                        }

                        Text(cells[c][l], cf, brush, x, y);
                        y += lh;
                    }
                }

                Y += h;
                G.DrawLine(rulePen, left, Y, left + width, Y);
                drawn += take;
            }

            index++;
        }

        Y += 8;
    }

    /// <summary>
    /// Code (YAML) in the monospace face, one string per line, so indentation is exact and the
    /// text copies out of the PDF as it was written; long lines continue on the next line,
    /// indented, after a small hook.
    /// </summary>
    public void Code(string text)
    {
        var font = Fonts.Code;
        var cw = M(font).Width('M');
        var lh = font.Size * 1.45;
        const double pad = 6;
        var columns = (int)((Width - (2 * pad) - 10) / cw);
        var lines = new List<(string Text, int Indent, bool Continued)>();
        foreach (var raw in ReportText.Clean(text).Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n').Split('\n'))
        {
            var line = raw.Replace("\t", "  ", StringComparison.Ordinal);
            var indent = line.Length - line.TrimStart(' ').Length;
            if (line.Length <= columns)
            {
                lines.Add((line, 0, false));
                continue;
            }

            lines.Add((line[..columns], 0, false));
            var rest = line[columns..];
            var contIndent = Math.Min(indent + 2, columns / 2);
            while (rest.Length > 0)
            {
                var take = Math.Min(rest.Length, columns - contIndent);
                lines.Add((rest[..take], contIndent, true));
                rest = rest[take..];
            }
        }

        var i = 0;
        Y += 2;
        while (i < lines.Count)
        {
            var fit = (int)((Bottom - Y - (2 * pad)) / lh);
            if (fit < Math.Min(3, lines.Count - i))
            {
                NewPage();
                continue;
            }

            var take = Math.Min(fit, lines.Count - i);
            var h = (take * lh) + (2 * pad);
            G.DrawRectangle(codeBack, Left, Y, Width, h);
            G.DrawRectangle(new XSolidBrush(Rule), Left, Y, 2, h);
            var y = Y + pad;
            for (var k = i; k < i + take; k++)
            {
                var (line, indent, continued) = lines[k];
                var x0 = Left + pad + 6;
                if (continued)
                {
                    var hx = x0 + ((indent - 1.2) * cw);
                    G.DrawLines(new XPen(Muted, 0.5), new[] { new XPoint(hx, y + 1), new XPoint(hx, y + (lh * 0.45)), new XPoint(hx + (cw * 0.8), y + (lh * 0.45)) });
                }

                if (line.Length > 0)
                {
                    Text(line, font, InkBrush, x0 + (indent * cw), y);
                }

                y += lh;
            }

            Y += h + 6;
            i += take;
        }
    }

    /// <summary>Runs <paramref name="decorate"/> over every page once all exist, for headers and "Page N of M".</summary>
    public void Decorate(Action<XGraphics, int, int> decorate)
    {
        graphics?.Dispose();
        graphics = null;
        var count = Document.PageCount;
        for (var i = 0; i < count; i++)
        {
            using var g = XGraphics.FromPdfPage(Document.Pages[i], XGraphicsPdfPageOptions.Append);
            decorate(g, i + 1, count);
        }
    }

    public void Dispose()
    {
        graphics?.Dispose();
        measureContext.Dispose();
        Document.Dispose();
    }
}
