using PdfSharp.Drawing;
using PdfSharp.Fonts;
using PdfSharp.Pdf;
using PdfSharp.WPFonts;

namespace NetSecPS.Reports.Pdf;

/// <summary>
/// Resolves every font request to the Segoe WP faces that PDFsharp ships inside its own
/// assemblies, so a report looks the same on any machine, needs no system font (none exists in a
/// slim container) and embeds what it uses.
/// </summary>
internal sealed class BundledFontResolver : IFontResolver
{
    public const string Family = "Segoe WP";
    public const string MonoFamily = "DejaVu Sans Mono";
    private const string Mono = "DejaVuSansMono";
    private const string Regular = "SegoeWP";
    private const string Semibold = "SegoeWP-Semibold";
    private const string Bold = "SegoeWP-Bold";
    private const string Light = "SegoeWP-Light";

    /// <summary>Any family maps to Segoe WP: the report asks for nothing else, and nothing may fall back to the system.</summary>
    public FontResolverInfo ResolveTypeface(string familyName, bool bold, bool italic)
    {
        if (string.Equals(familyName, MonoFamily, StringComparison.OrdinalIgnoreCase))
        {
            return new FontResolverInfo(Mono, bold, italic);
        }

        var face = bold ? Bold
            : familyName.EndsWith(" Semibold", StringComparison.OrdinalIgnoreCase) ? Semibold
            : familyName.EndsWith(" Light", StringComparison.OrdinalIgnoreCase) ? Light
            : Regular;
        return new FontResolverInfo(face, false, italic);
    }

    public byte[]? GetFont(string faceName) => faceName switch
    {
        Bold => FontDataHelper.SegoeWPBold,
        Semibold => FontDataHelper.SegoeWPSemibold,
        Light => FontDataHelper.SegoeWPLight,
        Mono => MonoData.Value,
        _ => FontDataHelper.SegoeWP,
    };

    /// <summary>DejaVu Sans Mono (Bitstream Vera licence, Pdf/Fonts), embedded in this assembly.</summary>
    private static readonly Lazy<byte[]> MonoData = new(() =>
    {
        using var stream = typeof(BundledFontResolver).Assembly.GetManifestResourceStream("NetSecPS.Reports.Pdf.Fonts.DejaVuSansMono.ttf")
            ?? throw new InvalidOperationException("The monospace font resource is missing from NetSecPS.Reports.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });

    private static readonly object Gate = new();

    /// <summary>
    /// PDFsharp takes its font resolver from one process-wide setting that must be set before the
    /// first font is made; every writer calls this first, and it sets the resolver only once.
    /// </summary>
    public static void EnsureRegistered()
    {
        lock (Gate)
        {
            if (GlobalFontSettings.FontResolver is not BundledFontResolver)
            {
                GlobalFontSettings.FontResolver = new BundledFontResolver();
            }
        }
    }
}

/// <summary>The fonts of a report, made once per document.</summary>
internal sealed class PdfFonts
{
    public PdfFonts()
    {
        BundledFontResolver.EnsureRegistered();
        Body = Make(BundledFontResolver.Family, 9, XFontStyleEx.Regular);
        BodyBold = Make(BundledFontResolver.Family, 9, XFontStyleEx.Bold);
        BodyItalic = Make(BundledFontResolver.Family, 9, XFontStyleEx.Italic);
        Small = Make(BundledFontResolver.Family, 7.6, XFontStyleEx.Regular);
        SmallBold = Make(BundledFontResolver.Family, 7.6, XFontStyleEx.Bold);
        SmallItalic = Make(BundledFontResolver.Family, 7.6, XFontStyleEx.Italic);
        Code = Make(BundledFontResolver.MonoFamily, 6.9, XFontStyleEx.Regular);
        H1 = Make(BundledFontResolver.Family, 18, XFontStyleEx.Bold);
        H2 = Make(BundledFontResolver.Family + " Semibold", 12.5, XFontStyleEx.Regular);
        H3 = Make(BundledFontResolver.Family, 10, XFontStyleEx.Bold);
        Header = Make(BundledFontResolver.Family, 7.5, XFontStyleEx.Regular);
        Display = Make(BundledFontResolver.Family + " Light", 30, XFontStyleEx.Regular);
        Huge = Make(BundledFontResolver.Family, 34, XFontStyleEx.Bold);
    }

    public XFont Body { get; }
    public XFont BodyBold { get; }
    public XFont BodyItalic { get; }
    public XFont Small { get; }
    public XFont SmallBold { get; }
    public XFont SmallItalic { get; }
    /// <summary>Monospace, so YAML indentation lines up and a manifest copied from the PDF keeps its words.</summary>
    public XFont Code { get; }
    public XFont H1 { get; }
    public XFont H2 { get; }
    public XFont H3 { get; }
    public XFont Header { get; }
    public XFont Display { get; }
    public XFont Huge { get; }

    public static XFont Make(string family, double size, XFontStyleEx style) =>
        new(family, size, style, new XPdfFontOptions(PdfFontEncoding.Unicode));
}
