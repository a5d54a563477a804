using System.Diagnostics;
using System.Globalization;
using NetSecPS.Core;
using NetSecPS.Core.Baseline;
using NetSecPS.Core.Checks;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Scanning;
using NetSecPS.Core.Model;
using NetSecPS.Core.Sources;
using NetSecPS.Reports;

namespace NetSecPS.Benchmarks;

/// <summary>One measured stage of a whole scan.</summary>
internal sealed record StageResult(string Stage, double? Seconds, double CpuSeconds, double AllocatedMiB, double HeapAfterMiB, double PeakWorkingSetMiB, string? Note, bool InScan,
    double StagePeakHeapMiB = 0, double StagePeakWorkingSetMiB = 0)
{
    public bool Built => Seconds is not null;
}

/// <summary>What one child process measured for one cluster size and one input.</summary>
internal sealed record ScanMeasurement(int Pods, int Workloads, int Policies, string Input, List<StageResult> Stages, double PeakWorkingSetMiB,
    Dictionary<string, string> Facts);

/// <summary>An engine sink that drops everything: the benchmark measures work, not console output.</summary>
internal sealed class NullSink : IOutputSink
{
    public int Warnings { get; private set; }
    public int Diagnostics { get; private set; }

    public void Verbose(string message) { }
    public void Warning(string message) => Warnings++;
    public void Diagnostic(InputDiagnostic diagnostic) => Diagnostics++;
    public void Progress(ProgressUpdate update) { }
}

/// <summary>
/// The stages of <c>Invoke-NetSecScan</c> followed by the report writers, each timed with a
/// Stopwatch after a full garbage collection, with the bytes it allocated, the managed heap it
/// left and the process's peak working set so far. Stages whose code is not on main yet are
/// listed as not built; they are wired here as they land.
/// </summary>
internal sealed class ScanPipeline
{
    private readonly Dataset dataset;
    private readonly string input;
    private readonly NullSink sink = new();
    private readonly Dictionary<string, string> facts = new(StringComparer.Ordinal);
    private ClusterData? data;
    private ClusterModel? model;
    private ConnectivityEngine? engine;
    private IReadOnlyList<Flow>? flows;
    private AuditResult? audit;
    private byte[] baselineBytes = Array.Empty<byte>();
    private ScanResult? scan;

    public ScanPipeline(Dataset dataset, string input)
    {
        this.dataset = dataset;
        this.input = input;
    }

    private sealed record Stage(string Name, Action? Run, bool InScan, string? Note = null, Action? Prepare = null);

    private IEnumerable<Stage> Stages()
    {
        if (input == "cmdlet")
        {
            // What one `Invoke-NetSecScan -Path … -Baseline … | Export-NetSecReport x.xlsx, x.pdf` does, in its order.
            VerifiedBaseline? baseline = null;
            yield return new Stage("read baseline (-Baseline)", () => baseline = BaselineFile.ReadFile(dataset.BaselinePath, default, sink), InScan: true);
            yield return new Stage("snapshot load (manifests)", () => data = SnapshotSources.FromPaths(new[] { dataset.ManifestsFolder }, sink, CancellationToken.None), InScan: true);
            yield return new Stage("Invoke-NetSecScan (one call)", () =>
                scan = Scanner.Run(data!, new ScanOptions { Baseline = baseline, BaselinePath = dataset.BaselinePath, Now = Now }, sink, CancellationToken.None), InScan: true);
            yield return new Stage("Excel report", () => WriteReport(ReportFormat.Excel, ".xlsx"), InScan: false);
            yield return new Stage("PDF report", () => WriteReport(ReportFormat.Pdf, ".pdf"), InScan: false);
            yield break;
        }

        if (input == "snapshot")
        {
            yield return new Stage("snapshot load (saved .json.gz)", () =>
            {
                data = SnapshotSources.FromPaths(new[] { dataset.SnapshotPath }, sink, CancellationToken.None);
                facts["objects"] = data.Objects.Count.ToString(CultureInfo.InvariantCulture);
            }, InScan: true);
        }
        else
        {
            yield return new Stage("snapshot load (manifests)", () =>
            {
                data = SnapshotSources.FromPaths(new[] { dataset.ManifestsFolder }, sink, CancellationToken.None);
                facts["objects"] = data.Objects.Count.ToString(CultureInfo.InvariantCulture);
                facts["diagnostics"] = data.Diagnostics.Count.ToString(CultureInfo.InvariantCulture);
            }, InScan: true);
        }

        yield return new Stage("model (workloads)", () =>
        {
            model = ClusterModel.Build(data!);
            facts["workloads"] = model.Workloads.Count.ToString(CultureInfo.InvariantCulture);
            facts["pods"] = model.Pods.Count.ToString(CultureInfo.InvariantCulture);
        }, InScan: true);

        if (input == "snapshot")
        {
            yield break;
        }

        yield return new Stage("connectivity", () =>
        {
            engine = ConnectivityEngine.Build(model!, sink);
            flows = engine.GetFlows(CancellationToken.None);
            facts["classes"] = engine.Classes.Count.ToString(CultureInfo.InvariantCulture);
            facts["flows"] = flows.Count.ToString(CultureInfo.InvariantCulture);
            facts["externalRanges"] = (engine.ExternalSourceRanges.Count + engine.ExternalDestinationRanges.Count).ToString(CultureInfo.InvariantCulture);
        }, InScan: true);
        yield return new Stage("audit", () =>
        {
            audit = Auditor.Run(model!, engine, AuditProfile.BuiltInDefault, null, sink, new AuditOptions { Now = Now }, CancellationToken.None);
            facts["findings"] = audit.Findings.Count.ToString(CultureInfo.InvariantCulture);
            facts["checks"] = audit.Checks.Count.ToString(CultureInfo.InvariantCulture);
        }, InScan: true);
        yield return new Stage("inventory and namespace matrix", () =>
        {
            var inventory = InventoryBuilder.Build(model!).ToList();
            facts["inventory"] = inventory.Count.ToString(CultureInfo.InvariantCulture);
            facts["namespacePairs"] = Scanner.NamespaceMatrix(flows!).Count.ToString(CultureInfo.InvariantCulture);
        }, InScan: true);
        yield return new Stage("baseline compare", () =>
        {
            var baseline = BaselineFile.Read(baselineBytes, "yesterday.baseline.json", default, sink);
            var current = PostureBuilder.Build(model!, flows!, audit!.Findings, audit.Profile);
            var drift = DriftAnalyzer.Compare(baseline.Posture, current);
            facts["driftRecords"] = drift.Count.ToString(CultureInfo.InvariantCulture);
        }, InScan: true, Prepare: PrepareBaseline);
        yield return new Stage("Invoke-NetSecScan (one call)", () =>
        {
            var baseline = BaselineFile.Read(baselineBytes, "yesterday.baseline.json", default, sink);
            scan = Scanner.Run(data!, new ScanOptions { Baseline = baseline, BaselinePath = "yesterday.baseline.json", Now = Now }, sink, CancellationToken.None);
        }, InScan: false, Note: "Scanner.Run with the baseline: the stages above in one call, after them (not added to the scan total)", Prepare: ReleaseStages);
        yield return new Stage("Excel report", () => WriteReport(ReportFormat.Excel, ".xlsx"), InScan: false);
        yield return new Stage("PDF report", () => WriteReport(ReportFormat.Pdf, ".pdf"), InScan: false);
    }

    private static readonly DateTimeOffset Now = new(2025, 4, 2, 6, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// Yesterday's baseline: this cluster's posture with one flow in fifty and one finding in
    /// fifty missing, so the comparison finds drift as a real day would.
    /// </summary>
    private void PrepareBaseline()
    {
        var posture = PostureBuilder.Build(model!, flows!, audit!.Findings, audit.Profile);
        posture = posture with
        {
            Flows = posture.Flows.Where((_, i) => i % 50 != 7).ToList(),
            Findings = posture.Findings.Where((_, i) => i % 50 != 7).ToList(),
        };
        baselineBytes = BaselineFile.Serialize(posture, new BaselineProvenance { CreatedAt = Now.AddDays(-1), Source = data!.Provenance });
        facts["baselineBytes"] = baselineBytes.Length.ToString(CultureInfo.InvariantCulture);
        File.WriteAllBytes(dataset.BaselinePath, baselineBytes);
    }

    /// <summary>Drops the stage-by-stage results so the one-call scan starts from the snapshot alone.</summary>
    private void ReleaseStages()
    {
        model = null;
        engine = null;
        flows = null;
        audit = null;
    }

    private static TimeSpan CpuTime()
    {
        using var p = Process.GetCurrentProcess();
        return p.TotalProcessorTime;
    }

    /// <summary>The machine's 1-minute load average: on a shared machine, wall times are only comparable at similar loads.</summary>
    internal static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";

    private void WriteReport(ReportFormat format, string extension)
    {
        var path = Path.Combine(Path.GetTempPath(), $"netsecps-bench-{Environment.ProcessId}{extension}");
        try
        {
            ReportWriter.WriteFile(scan!, path, format, null, sink);
            facts[format + "Bytes"] = new FileInfo(path).Length.ToString(CultureInfo.InvariantCulture);
        }
        finally
        {
            File.Delete(path);
        }
    }

    public ScanMeasurement Run()
    {
        var results = new List<StageResult>();
        foreach (var stage in Stages())
        {
            if (stage.Run is null)
            {
                results.Add(new StageResult(stage.Name, null, 0, 0, 0, 0, stage.Note ?? "n/a (not built yet)", stage.InScan));
                continue;
            }

            stage.Prepare?.Invoke();
            if (input != "cmdlet")
            {
                // Each stage measured from a clean heap; the one-process run keeps the runtime's own rhythm.
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
                GC.WaitForPendingFinalizers();
            }

            var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            var cpuBefore = CpuTime();
            var sampler = new PeakSampler();
            var sw = Stopwatch.StartNew();
            stage.Run();
            sw.Stop();
            var (peakHeap, peakWorkingSet) = sampler.Stop();
            var cpu = CpuTime() - cpuBefore;
            var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
            // Live data the stage leaves behind (after a full collection, outside the timing).
            var heap = input == "cmdlet" ? GC.GetTotalMemory(forceFullCollection: false) : GC.GetTotalMemory(forceFullCollection: true);
            using var process = Process.GetCurrentProcess();
            results.Add(new StageResult(stage.Name, sw.Elapsed.TotalSeconds, cpu.TotalSeconds, allocated / 1048576.0, heap / 1048576.0,
                process.PeakWorkingSet64 / 1048576.0, stage.Note, stage.InScan, peakHeap / 1048576.0, peakWorkingSet / 1048576.0));
        }

        facts["loadAverage"] = LoadAverage();
        facts["sinkWarnings"] = sink.Warnings.ToString(CultureInfo.InvariantCulture);
        using var self = Process.GetCurrentProcess();
        return new ScanMeasurement(dataset.Shape.Pods, dataset.Shape.Workloads, dataset.Shape.Policies, input, results,
            self.PeakWorkingSet64 / 1048576.0, facts);
    }
}

/// <summary>
/// The highest managed heap (live data and garbage not yet collected) and working set seen while
/// one stage ran, sampled every 20 ms: the process's peak working set only ever grows, so it
/// cannot say which stage raised it.
/// </summary>
internal sealed class PeakSampler
{
    private readonly Thread thread;
    private volatile bool stop;
    private long peakHeap;
    private long peakWorkingSet;

    public PeakSampler()
    {
        thread = new Thread(Sample) { IsBackground = true, Name = "peak sampler" };
        thread.Start();
    }

    private void Sample()
    {
        while (!stop)
        {
            peakHeap = Math.Max(peakHeap, GC.GetTotalMemory(false));
            peakWorkingSet = Math.Max(peakWorkingSet, Environment.WorkingSet);
            Thread.Sleep(20);
        }
    }

    public (long Heap, long WorkingSet) Stop()
    {
        stop = true;
        thread.Join();
        return (Math.Max(peakHeap, GC.GetTotalMemory(false)), Math.Max(peakWorkingSet, Environment.WorkingSet));
    }
}
