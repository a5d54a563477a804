using System.Diagnostics;
using System.Globalization;
using NetSecPS.ClusterGenerator;
using NetSecPS.Core.Baseline;
using NetSecPS.Core.Checks;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;
using NetSecPS.Core.Scanning;
using NetSecPS.Core.Sources;
using NetSecPS.Reports;

namespace NetSecPS.Benchmarks;

/// <summary>
/// <c>profile-memory</c>: the scan in finer steps than the whole-scan table (the baseline compare
/// split into writing, reading and comparing; the reports from a finished scan), each with the
/// live data it leaves, its peak managed heap and working set, and what it allocated. Finds which
/// step raises the peak.
/// </summary>
internal static class MemoryProfile
{
    public static int Run(ClusterShape shape)
    {
        var dataset = BenchData.Ensure(shape, Console.Out);
        var sink = new NullSink();
        var now = new DateTimeOffset(2025, 4, 2, 6, 0, 0, TimeSpan.Zero);
        ClusterData? data = null;
        ClusterModel? model = null;
        ConnectivityEngine? engine = null;
        IReadOnlyList<Flow>? flows = null;
        AuditResult? audit = null;
        Posture? posture = null;
        byte[]? baselineBytes = null;
        VerifiedBaseline? baseline = null;
        ScanResult? scan = null;

        Step("read saved snapshot", () => data = SnapshotSources.FromPaths(new[] { dataset.SnapshotPath }, sink, CancellationToken.None));
        Step("model", () => model = ClusterModel.Build(data!));
        Step("engine: classes, compiled policies", () => engine = ConnectivityEngine.Build(model!, sink));
        Step("engine: flows (rows + pairs)", () => flows = engine!.GetFlows(CancellationToken.None));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {engine!.Classes.Count:N0} peer classes, {flows!.Count:N0} flows"));
        Step("audit", () => audit = Auditor.Run(model!, engine, AuditProfile.BuiltInDefault, null, sink, new AuditOptions { Now = now }, CancellationToken.None));
        Step("posture of the scan", () => posture = PostureBuilder.Build(model!, flows!, audit!.Findings, audit.Profile));
        Step("baseline: write (Export-NetSecBaseline)", () => baselineBytes = BaselineFile.Serialize(posture!, new BaselineProvenance { CreatedAt = now, Source = data!.Provenance }));
        posture = null;
        Step("baseline: read and verify", () => baseline = BaselineFile.Read(baselineBytes!, "baseline.json", default, sink));
        Step("baseline: posture now + drift", () => DriftAnalyzer.Compare(baseline!.Posture, PostureBuilder.Build(model!, flows!, audit!.Findings, audit.Profile)));
        model = null;
        engine = null;
        flows = null;
        audit = null;
        Step("Invoke-NetSecScan in one call (stages released)", () => scan = Scanner.Run(data!, new ScanOptions { Baseline = baseline, Now = now }, sink, CancellationToken.None));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {scan!.Findings.Count:N0} findings, {scan.Subjects.Count:N0} subjects"));
        Step("Excel report", () => ReportWriter.Write(scan!, ReportFormat.Excel, Stream.Null));
        Step("PDF report", () => ReportWriter.Write(scan!, ReportFormat.Pdf, Stream.Null));
        GC.KeepAlive(scan);
        return 0;
    }

    private static void Step(string name, Action action)
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        var allocated = GC.GetTotalAllocatedBytes(true);
        var sampler = new PeakSampler();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        action();
        sw.Stop();
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        var (heap, workingSet) = sampler.Stop();
        var live = GC.GetTotalMemory(forceFullCollection: true);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-48} {sw.Elapsed.TotalSeconds,7:0.00} s (cpu {cpu.TotalSeconds,6:0.00} s)  alloc {(GC.GetTotalAllocatedBytes(true) - allocated) / 1048576.0,7:N0} MiB  " +
            $"live after {live / 1048576.0,6:N0} MiB  peak heap {heap / 1048576.0,6:N0} MiB  peak WS {workingSet / 1048576.0,6:N0} MiB"));
    }
}
