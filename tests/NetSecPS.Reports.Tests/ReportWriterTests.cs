using NetSecPS.Core;
using NetSecPS.Core.Scanning;

namespace NetSecPS.Reports.Tests;

public class ReportWriterTests
{
    [Theory]
    [InlineData("out/prod.xlsx", ReportFormat.Excel)]
    [InlineData("out/PROD.PDF", ReportFormat.Pdf)]
    [InlineData("scan.json", ReportFormat.Json)]
    [InlineData("findings.csv", ReportFormat.Csv)]
    [InlineData("results.sarif", ReportFormat.Sarif)]
    [InlineData("results.sarif.json", ReportFormat.Sarif)]
    [InlineData("tests.junit.xml", ReportFormat.JUnit)]
    public void The_format_follows_the_file_extension(string path, ReportFormat format) => Assert.Equal(format, ReportFormats.FromPath(path));

    [Fact]
    public void An_unknown_extension_has_no_format() => Assert.Null(ReportFormats.FromPath("report.docx"));

    [Fact]
    public void Every_format_has_the_extension_its_files_are_named_with_and_the_error_lists_them_all()
    {
        foreach (var format in Enum.GetValues<ReportFormat>())
        {
            Assert.Equal(format, ReportFormats.FromPath("scan" + ReportFormats.ExtensionOf(format)));
        }

        Assert.Equal(".xlsx, .pdf, .json, .csv, .sarif or .junit.xml", ReportFormats.ExtensionList);
    }

    [Theory]
    [InlineData("interrupted.xlsx")]
    [InlineData("interrupted.pdf")]
    public void A_cancelled_report_leaves_the_previous_file_and_no_temporary_file(string name)
    {
        var dir = Directory.CreateDirectory(Path.Combine(TestFiles.Directory, "cancel-" + Path.GetExtension(name).TrimStart('.'))).FullName;
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, "the previous report");
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => ReportWriter.WriteFile(SampleScan.Create(), path, ReportFormats.FromPath(name)!.Value, cancellationToken: cts.Token));
        Assert.Equal("the previous report", File.ReadAllText(path));
        Assert.Equal(new[] { name }, Directory.GetFiles(dir).Select(Path.GetFileName));
    }

    [Fact]
    public void The_workbook_and_pdf_report_their_progress_and_complete_it()
    {
        foreach (var format in new[] { ReportFormat.Excel, ReportFormat.Pdf })
        {
            var sink = new CollectingSink();
            using var stream = new MemoryStream();
            ReportWriter.Write(SampleScan.Create(), format, stream, sink: sink);
            Assert.Contains(sink.Progress, p => p.Status.Contains("Findings", StringComparison.Ordinal));
            Assert.True(sink.Progress[^1].Completed);
        }
    }
}

public class HistoryFileTests
{
    private static string NewPath() => Path.Combine(TestFiles.Directory, "history-" + Guid.NewGuid().ToString("N")[..8] + ".jsonl");

    [Fact]
    public void A_scan_record_counts_open_findings_by_severity_and_suppressed_ones_apart()
    {
        var scan = SampleScan.Create();
        var r = HistoryFile.RecordOf(scan);
        Assert.Equal(scan.ScannedAt, r.Time);
        Assert.Equal("demo-eu-west-1", r.Cluster);
        Assert.Equal(57.4, r.Score);
        Assert.Equal(1, r.Critical);
        Assert.Equal(scan.Findings.Count(f => f.Severity == Severity.High && !f.Suppressed), r.High);
        Assert.Equal(2, r.Suppressed);
        Assert.Equal(scan.Flows.Count, r.Flows);
    }

    [Fact]
    public void Appending_keeps_the_newest_runs_in_time_order()
    {
        var path = NewPath();
        var start = SampleScan.ScannedAt;
        for (var i = 0; i < 7; i++)
        {
            HistoryFile.Append(path, new HistoryRecord { Time = start.AddDays(i), Score = 50 + i, High = i }, keep: 5);
        }

        var history = HistoryFile.Read(path);
        Assert.Equal(Enumerable.Range(2, 5).Select(i => start.AddDays(i)), history.Select(h => h.Time));
        Assert.Equal(5, File.ReadAllLines(path).Length);
        Assert.StartsWith("{\"time\":", File.ReadAllLines(path)[0], StringComparison.Ordinal);
    }

    [Fact]
    public void A_damaged_line_is_skipped_with_a_warning_naming_the_line()
    {
        var path = NewPath();
        HistoryFile.Append(path, new HistoryRecord { Time = SampleScan.ScannedAt, Score = 80 });
        File.AppendAllText(path, "{not json\n");
        HistoryFile.Append(path, new HistoryRecord { Time = SampleScan.ScannedAt.AddDays(1), Score = 82 });
        var sink = new CollectingSink();
        var history = HistoryFile.Read(path, sink);
        Assert.Equal(new[] { 80.0, 82.0 }, history.Select(h => h.Score));
        Assert.Empty(sink.Diagnostics);
        File.AppendAllText(path, "garbage\n");
        Assert.Equal(2, HistoryFile.Read(path, sink).Count);
        var warning = Assert.Single(sink.Diagnostics);
        Assert.Equal(3, warning.Line);
        Assert.Equal(path, warning.File);
    }

    [Fact]
    public void A_missing_history_is_empty() => Assert.Empty(HistoryFile.Read(NewPath()));
}
