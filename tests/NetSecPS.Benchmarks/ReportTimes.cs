using System.Diagnostics;
using System.Globalization;
using NetSecPS.Reports;
using NetSecPS.Tests;

namespace NetSecPS.Benchmarks;

/// <summary>
/// The <c>reports</c> command: every report format of one synthetic scan (<see cref="SyntheticScan"/>),
/// by default 10,000 workloads, 20,000 findings and 100,000 flows, so the report writers are timed
/// on more findings than a generated cluster's scan produces.
/// </summary>
internal static class ReportTimes
{
    public static int Run(string? workloads, string? findings, string? flows, string? namespaces)
    {
        static int Parse(string? value, int fallback) => value is null ? fallback : int.Parse(value, CultureInfo.InvariantCulture);
        var scan = SyntheticScan.Create(Parse(workloads, 10_000), Parse(findings, 20_000), Parse(flows, 100_000), Parse(namespaces, 100));
        var directory = Path.Combine(BenchData.OutFolder, "bench", "reports");
        Console.WriteLine($"synthetic scan: {scan.Workloads.Count:N0} workloads, {scan.Findings.Count:N0} findings, {scan.Flows.Count:N0} flows -> {directory}");
        foreach (var (format, time) in WriteAll(scan, directory))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {format,-6} {time.TotalSeconds,7:0.00} s"));
        }

        return 0;
    }

    /// <summary>Writes <c>scan.xlsx</c>, <c>scan.pdf</c>, <c>scan.json</c>, <c>scan.csv</c>, <c>scan.sarif</c> and <c>scan.junit.xml</c> into <paramref name="directory"/>.</summary>
    public static IReadOnlyDictionary<ReportFormat, TimeSpan> WriteAll(ScanResult scan, string directory, ReportOptions? options = null)
    {
        Directory.CreateDirectory(directory);
        var times = new Dictionary<ReportFormat, TimeSpan>();
        foreach (var (format, name) in new[]
        {
            (ReportFormat.Excel, "scan.xlsx"), (ReportFormat.Pdf, "scan.pdf"), (ReportFormat.Json, "scan.json"),
            (ReportFormat.Csv, "scan.csv"), (ReportFormat.Sarif, "scan.sarif"), (ReportFormat.JUnit, "scan.junit.xml"),
        })
        {
            var watch = Stopwatch.StartNew();
            ReportWriter.WriteFile(scan, Path.Combine(directory, name), format, options);
            times[format] = watch.Elapsed;
        }

        return times;
    }
}
