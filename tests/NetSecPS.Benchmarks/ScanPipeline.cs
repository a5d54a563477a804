using System.Diagnostics;
using System.Globalization;
using NetSecPS.Core;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;
using NetSecPS.Core.Sources;
using NetSecPS.Reports;

namespace NetSecPS.Benchmarks;

/// <summary>One measured stage of a whole scan.</summary>
internal sealed record StageResult(string Stage, double? Seconds, double CpuSeconds, double AllocatedMiB, double HeapAfterMiB, double PeakWorkingSetMiB, string? Note, bool InScan)
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
    private ScanResult? scan;

    public ScanPipeline(Dataset dataset, string input)
    {
        this.dataset = dataset;
        this.input = input;
    }

    private sealed record Stage(string Name, Action? Run, bool InScan, string? Note = null);

    private IEnumerable<Stage> Stages()
    {
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
            var flows = engine.Flows;
            facts["classes"] = engine.Classes.Count.ToString(CultureInfo.InvariantCulture);
            facts["flows"] = flows.Count.ToString(CultureInfo.InvariantCulture);
            facts["externalRanges"] = (engine.ExternalSourceRanges.Count + engine.ExternalDestinationRanges.Count).ToString(CultureInfo.InvariantCulture);
        }, InScan: true);
        yield return new Stage("audit", null, InScan: true);
        yield return new Stage("baseline compare", null, InScan: true);
        yield return new Stage("scan result (inventory, flows summary)", () => scan = PartialScan(data!, model!, engine!), InScan: true,
            "until Invoke-NetSecScan lands: inventory and flows only, no findings");
        yield return new Stage("Excel report", () => WriteReport(ReportFormat.Excel, ".xlsx"), InScan: false, "no findings until the audit lands");
        yield return new Stage("PDF report", () => WriteReport(ReportFormat.Pdf, ".pdf"), InScan: false, "no findings until the audit lands");
    }

    private static TimeSpan CpuTime()
    {
        using var p = Process.GetCurrentProcess();
        return p.TotalProcessorTime;
    }

    /// <summary>The machine's 1-minute load average: on a shared machine, wall times are only comparable at similar loads.</summary>
    internal static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";

    /// <summary>
    /// What <c>Invoke-NetSecScan</c> would hand the writers, from the stages built so far (the
    /// scan itself is not on main yet).
    /// </summary>
    private static ScanResult PartialScan(ClusterData data, ClusterModel model, ConnectivityEngine engine)
    {
        var inventory = InventoryBuilder.Build(model).ToList();
        var flows = engine.Flows;
        var namespaceFlows = flows.Where(f => f.SourceNamespace is not null && f.DestinationNamespace is not null)
            .GroupBy(f => (f.SourceNamespace!, f.DestinationNamespace!))
            .Select(g => new NamespaceFlowSummary(g.Key.Item1, g.Key.Item2, g.Count(), true))
            .OrderBy(n => n.SourceNamespace, StringComparer.Ordinal).ThenBy(n => n.DestinationNamespace, StringComparer.Ordinal)
            .ToList();
        return new ScanResult
        {
            Provenance = data.Provenance,
            Coverage = data.Coverage,
            Diagnostics = data.Diagnostics,
            Profile = new ProfileInfo { Name = "default" },
            Inventory = data.KindCounts(),
            Workloads = inventory.OfType<WorkloadItem>().ToList(),
            Services = inventory.OfType<ServiceItem>().ToList(),
            Exposures = inventory.OfType<ExposureItem>().ToList(),
            Policies = inventory.OfType<PolicyItem>().ToList(),
            Score = new ScoreDetails { Score = 100, EvaluatedWorkloads = model.Workloads.Count },
            Flows = flows,
            NamespaceFlows = namespaceFlows,
            ScannedAt = data.Provenance.CollectedAt,
            Snapshot = data.ToSnapshot(),
        };
    }

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

            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            var cpuBefore = CpuTime();
            var sw = Stopwatch.StartNew();
            stage.Run();
            sw.Stop();
            var cpu = CpuTime() - cpuBefore;
            var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
            // Live data the stage leaves behind (after a full collection, outside the timing).
            var heap = GC.GetTotalMemory(forceFullCollection: true);
            using var process = Process.GetCurrentProcess();
            results.Add(new StageResult(stage.Name, sw.Elapsed.TotalSeconds, cpu.TotalSeconds, allocated / 1048576.0, heap / 1048576.0,
                process.PeakWorkingSet64 / 1048576.0, stage.Note, stage.InScan));
        }

        facts["loadAverage"] = LoadAverage();
        facts["sinkWarnings"] = sink.Warnings.ToString(CultureInfo.InvariantCulture);
        using var self = Process.GetCurrentProcess();
        return new ScanMeasurement(dataset.Shape.Pods, dataset.Shape.Workloads, dataset.Shape.Policies, input, results,
            self.PeakWorkingSet64 / 1048576.0, facts);
    }
}
