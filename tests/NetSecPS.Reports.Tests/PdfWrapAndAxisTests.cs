using NetSecPS.Reports.Pdf;

namespace NetSecPS.Reports.Tests;

public class PdfWrapAndAxisTests
{
    private static readonly PdfComposer Composer = new();

    [Theory]
    [InlineData("BaselineAdminNetworkPolicy")]
    [InlineData("CiliumClusterwideNetworkPolicy")]
    [InlineData("ReplicationController")]
    public void A_kind_name_in_a_narrow_column_breaks_between_its_words_never_inside_one(string kind)
    {
        var m = Composer.M(Composer.Fonts.Small);
        var lines = m.Wrap(kind, m.Width(kind) * 0.6);
        Assert.True(lines.Count > 1);
        Assert.Equal(kind, string.Concat(lines));
        Assert.All(lines, l => Assert.True(char.IsUpper(l[0]), $"'{l}' starts inside a word of {kind}"));
    }

    [Fact]
    public void The_trend_axis_never_shows_the_same_label_twice()
    {
        static HistoryRecord At(string t) => new() { Time = DateTimeOffset.Parse(t, System.Globalization.CultureInfo.InvariantCulture), ScoreVersion = 2 };
        Assert.Equal("MM-dd", PdfCharts.TrendLabelFormat(new[] { At("2026-11-01T02:00Z"), At("2026-11-02T02:00Z") }));
        Assert.Equal("MM-dd HH:mm", PdfCharts.TrendLabelFormat(new[] { At("2026-11-01T02:00Z"), At("2026-11-01T14:00Z"), At("2026-11-02T02:00Z") }));
        Assert.Equal("MM-dd HH:mm:ss", PdfCharts.TrendLabelFormat(new[] { At("2026-11-01T02:00:05Z"), At("2026-11-01T02:00:40Z") }));
        Assert.Equal("yyyy-MM-dd", PdfCharts.TrendLabelFormat(new[] { At("2025-12-30T02:00Z"), At("2026-01-02T02:00Z") }));
    }
}
