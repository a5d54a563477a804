using System.Diagnostics;
using NetSecPS.Core;
using NetSecPS.Core.Model;
using NetSecPS.Core.Sources;

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
                facts["objects"] = data.Objects.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }, InScan: true);
        }
        else
        {
            yield return new Stage("snapshot load (manifests)", () =>
            {
                data = SnapshotSources.FromPaths(new[] { dataset.ManifestsFolder }, sink, CancellationToken.None);
                facts["objects"] = data.Objects.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
                facts["diagnostics"] = data.Diagnostics.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }, InScan: true);
        }

        yield return new Stage("model (workloads)", () =>
        {
            model = ClusterModel.Build(data!);
            facts["workloads"] = model.Workloads.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            facts["pods"] = model.Pods.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }, InScan: true);

        if (input == "snapshot")
        {
            yield break;
        }

        yield return new Stage("connectivity", null, InScan: true);
        yield return new Stage("audit", null, InScan: true);
        yield return new Stage("baseline compare", null, InScan: true);
        yield return new Stage("Excel report", null, InScan: false);
        yield return new Stage("PDF report", null, InScan: false);
    }

    private static TimeSpan CpuTime()
    {
        using var p = Process.GetCurrentProcess();
        return p.TotalProcessorTime;
    }

    /// <summary>The machine's 1-minute load average: on a shared machine, wall times are only comparable at similar loads.</summary>
    internal static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";

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
            var heap = GC.GetGCMemoryInfo(GCKind.Any).HeapSizeBytes;
            using var process = Process.GetCurrentProcess();
            results.Add(new StageResult(stage.Name, sw.Elapsed.TotalSeconds, cpu.TotalSeconds, allocated / 1048576.0, heap / 1048576.0,
                process.PeakWorkingSet64 / 1048576.0, stage.Note, stage.InScan));
        }

        facts["loadAverage"] = LoadAverage();
        facts["sinkWarnings"] = sink.Warnings.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var self = Process.GetCurrentProcess();
        return new ScanMeasurement(dataset.Shape.Pods, dataset.Shape.Workloads, dataset.Shape.Policies, input, results,
            self.PeakWorkingSet64 / 1048576.0, facts);
    }
}
