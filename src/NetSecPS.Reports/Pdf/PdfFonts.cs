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
    private const string Regular = "SegoeWP";
    private const string Semibold = "SegoeWP-Semibold";
    private const string Bold = "SegoeWP-Bold";
    private const string Light = "SegoeWP-Light";

    /// <summary>Any family maps to Segoe WP: the report asks for nothing else, and nothing may fall back to the system.</summary>
    public FontResolverInfo ResolveTypeface(string familyName, bool bold, bool italic)
    {
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
        _ => FontDataHelper.SegoeWP,
    };

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
        Code = Make(BundledFontResolver.Family, 7.2, XFontStyleEx.Regular);
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
    /// <summary>Drawn on a fixed grid (see <see cref="PdfComposer.Code"/>): no monospace face ships with PDFsharp.</summary>
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
