using NetSecPS.Core;
using NetSecPS.Reports.Csv;
using NetSecPS.Reports.Excel;
using NetSecPS.Reports.JUnit;
using NetSecPS.Reports.Json;
using NetSecPS.Reports.Pdf;
using NetSecPS.Reports.Sarif;

namespace NetSecPS.Reports;

/// <summary>Writes a <see cref="ScanResult"/> in one of the report formats. Writers lay out what the scan holds; they never compute findings or scores.</summary>
internal static class ReportWriter
{
    public static void Write(ScanResult scan, ReportFormat format, Stream stream, ReportOptions? options = null, IOutputSink? sink = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scan);
        ArgumentNullException.ThrowIfNull(stream);
        options ??= new ReportOptions();
        switch (format)
        {
            case ReportFormat.Excel:
                ExcelReport.Write(scan, stream, options, sink, cancellationToken);
                break;
            case ReportFormat.Pdf:
                PdfReport.Write(scan, stream, options, sink, cancellationToken);
                break;
            case ReportFormat.Json:
                ScanResultJson.Write(scan, stream, cancellationToken);
                break;
            case ReportFormat.Csv:
                FindingsCsv.Write(scan, stream, cancellationToken);
                break;
            case ReportFormat.Sarif:
                SarifLog.Write(scan, stream, options, cancellationToken);
                break;
            case ReportFormat.JUnit:
                JUnitReport.Write(scan, stream, options, cancellationToken);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown report format.");
        }
    }

    /// <summary>Writes the report to <paramref name="path"/> through a temporary file, so a failure or a cancellation never leaves half a report.</summary>
    public static void WriteFile(ScanResult scan, string path, ReportFormat format, ReportOptions? options = null, IOutputSink? sink = null, CancellationToken cancellationToken = default) =>
        AtomicFile.Write(path, stream => Write(scan, format, stream, options, sink, cancellationToken));
}
