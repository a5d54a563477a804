using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using NetSecPS.ClusterGenerator;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;
using NetSecPS.Core.Sources;
using NetSecPS.Core.Traffic;

namespace NetSecPS.Benchmarks;

/// <summary>
/// Issue 21's benchmark: a million Hubble lines (<c>hubble observe -o jsonpb</c>) of the generated
/// 10,000-pod cluster, imported and compared with its policies (what
/// <c>Compare-NetSecFlowLog -Path … -FlowLog …</c> and <c>Invoke-NetSecScan -FlowLog</c> run), in a
/// fresh process so its peak working set is its own.
/// </summary>
internal static class FlowBench
{
    public const int DefaultLines = 1_000_000;
    private const double SecondsTarget = 60;
    private const double PeakTargetMiB = 1024;

    /// <summary>The log of a dataset, written once and cached beside its manifests.</summary>
    public static string EnsureLog(Dataset dataset, int lines, TextWriter log)
    {
        var path = Path.Combine(Path.GetDirectoryName(dataset.ManifestsFolder)!, $"hubble-{lines}-v{HubbleLogGenerator.Version}.jsonpb");
        if (File.Exists(path))
        {
            return path;
        }

        var sw = Stopwatch.StartNew();
        log.WriteLine($"Writing {lines:N0} Hubble lines for {dataset.Shape} ...");
        var data = SnapshotSources.FromPaths(new[] { dataset.SnapshotPath }, new NullSink(), CancellationToken.None);
        var engine = ConnectivityEngine.Build(ClusterModel.Build(data), new NullSink());
        var temp = path + ".tmp";
        new HubbleLogGenerator(engine).Write(temp, lines);
        File.Move(temp, path, overwrite: true);
        log.WriteLine($"  {HubbleLogGenerator.Describe(path)} in {sw.Elapsed.TotalSeconds:0.0} s");
        return path;
    }

    /// <summary>Runs the measurement in a child process and returns it.</summary>
    public static ScanMeasurement Run(int pods, int lines, TextWriter log)
    {
        var warmUp = BenchData.Ensure(new ClusterShape(300, 60, 60), log);
        EnsureLog(warmUp, 20_000, log);
        var dataset = BenchData.Ensure(ClusterShape.ForPods(pods), log);
        EnsureLog(dataset, lines, log);
        var resultFile = Path.Combine(Path.GetTempPath(), $"netsecps-flowbench-{Environment.ProcessId}-{pods}.json");
        var exe = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot find the benchmark executable.");
        var start = new ProcessStartInfo(exe) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(exe).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            start.ArgumentList.Add(typeof(FlowBench).Assembly.Location);
        }

        foreach (var a in new[] { "flows-one", "--pods", pods.ToString(CultureInfo.InvariantCulture), "--lines", lines.ToString(CultureInfo.InvariantCulture), "--result", resultFile })
        {
            start.ArgumentList.Add(a);
        }

        log.WriteLine($"Importing and comparing {lines:N0} Hubble lines against {dataset.Shape} ...");
        using var child = Process.Start(start) ?? throw new InvalidOperationException("Cannot start the flow benchmark process.");
        child.WaitForExit();
        if (child.ExitCode != 0 || !File.Exists(resultFile))
        {
            throw new InvalidOperationException($"The flow benchmark failed (exit code {child.ExitCode}).");
        }

        var m = JsonSerializer.Deserialize<ScanMeasurement>(File.ReadAllText(resultFile))!;
        File.Delete(resultFile);
        foreach (var s in m.Stages)
        {
            log.WriteLine($"  {s.Stage,-46} {s.Seconds,8:0.000} s (cpu {s.CpuSeconds,7:0.000} s)  alloc {s.AllocatedMiB,7:0} MiB  live after {s.HeapAfterMiB,6:0} MiB  peak WS {s.StagePeakWorkingSetMiB,6:0} MiB");
        }

        return m;
    }

    /// <summary>The child: a warm-up on the small cluster, then the measured run.</summary>
    public static int RunOne(int pods, int lines, string resultFile)
    {
        var log = TextWriter.Null;
        var warmUp = BenchData.Ensure(new ClusterShape(300, 60, 60), log);
        Measure(warmUp, EnsureLog(warmUp, 20_000, log));
        var dataset = BenchData.Ensure(ClusterShape.ForPods(pods), log);
        var m = Measure(dataset, EnsureLog(dataset, lines, log));
        File.WriteAllText(resultFile, JsonSerializer.Serialize(m));
        return 0;
    }

    private static ScanMeasurement Measure(Dataset dataset, string logFile)
    {
        var sink = new NullSink();
        var facts = new Dictionary<string, string>(StringComparer.Ordinal) { ["logBytes"] = new FileInfo(logFile).Length.ToString(CultureInfo.InvariantCulture) };
        ClusterData? data = null;
        ConnectivityEngine? engine = null;
        TrafficComparison? comparison = null;
        var stages = new List<StageResult>();

        void Stage(string name, Action run)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            using var before = Process.GetCurrentProcess();
            var cpu = before.TotalProcessorTime;
            var sampler = new PeakSampler();
            var sw = Stopwatch.StartNew();
            run();
            sw.Stop();
            var (peakHeap, peakWorkingSet) = sampler.Stop();
            using var after = Process.GetCurrentProcess();
            stages.Add(new StageResult(name, sw.Elapsed.TotalSeconds, (after.TotalProcessorTime - cpu).TotalSeconds,
                (GC.GetTotalAllocatedBytes(precise: true) - allocated) / 1048576.0, GC.GetTotalMemory(true) / 1048576.0, after.PeakWorkingSet64 / 1048576.0,
                null, InScan: true, peakHeap / 1048576.0, peakWorkingSet / 1048576.0));
        }

        Stage("snapshot load (saved .json.gz)", () => data = SnapshotSources.FromPaths(new[] { dataset.SnapshotPath }, sink, CancellationToken.None));
        Stage("model and connectivity (every flow)", () =>
        {
            engine = ConnectivityEngine.Build(ClusterModel.Build(data!), sink);
            facts["allowedFlows"] = engine.GetFlows(CancellationToken.None).Count.ToString(CultureInfo.InvariantCulture);
        });
        TrafficAnalyzer? analyzer = null;
        Stage("import: read, resolve and sum the log", () =>
        {
            analyzer = new TrafficAnalyzer(engine!, sink);
            analyzer.AddLogs(new[] { logFile }, FlowLogFormat.Auto, CancellationToken.None);
        });
        Stage("compare: every observed path and unused range", () => comparison = analyzer!.Compare(CancellationToken.None));
        Stage("observed traffic for the reports", () => _ = ObservedTrafficReport.Build(comparison!, engine!));

        var c = comparison!;
        var s = c.Statistics;
        facts["lines"] = s.Lines.ToString(CultureInfo.InvariantCulture);
        facts["records"] = s.Records.ToString(CultureInfo.InvariantCulture);
        facts["badLines"] = s.BadLines.ToString(CultureInfo.InvariantCulture);
        facts["skipped"] = s.Skipped.Values.Sum().ToString(CultureInfo.InvariantCulture);
        facts["observedAllowed"] = c.ObservedAllowed.Count.ToString(CultureInfo.InvariantCulture);
        facts["observedDenied"] = c.ObservedDenied.Count.ToString(CultureInfo.InvariantCulture);
        facts["disagreements"] = c.Disagreements.ToString(CultureInfo.InvariantCulture);
        facts["unusedAllowed"] = c.UnusedAllowed.Count.ToString(CultureInfo.InvariantCulture);
        facts["unresolved"] = c.Unresolved.Count.ToString(CultureInfo.InvariantCulture);
        facts["loadAverage"] = ScanPipeline.LoadAverage();
        using var self = Process.GetCurrentProcess();
        return new ScanMeasurement(dataset.Shape.Pods, dataset.Shape.Workloads, dataset.Shape.Policies, "hubble", stages, self.PeakWorkingSet64 / 1048576.0, facts);
    }

    public static string Table(ScanMeasurement m)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"{Fact(m, "lines")} lines ({double.Parse(Fact(m, "logBytes"), CultureInfo.InvariantCulture) / 1048576.0:N0} MiB) of `hubble observe -o jsonpb` against {m.Pods:N0} pods / {m.Workloads:N0} workloads / {m.Policies:N0} policies ({Fact(m, "allowedFlows")} allowed flows); load average {Fact(m, "loadAverage")}.");
        sb.AppendLine();
        sb.AppendLine("| stage | seconds (CPU s) | allocated MiB | live after MiB | peak WS during MiB |");
        sb.AppendLine("| --- | ---: | ---: | ---: | ---: |");
        foreach (var s in m.Stages)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {s.Stage} | {s.Seconds:0.00} ({s.CpuSeconds:0.00}) | {s.AllocatedMiB:N0} | {s.HeapAfterMiB:N0} | {s.StagePeakWorkingSetMiB:N0} |");
        }

        sb.AppendLine(CultureInfo.InvariantCulture, $"| **import and compare** (import, compare, report part) | **{ImportSeconds(m, false):0.00}** ({ImportSeconds(m, true):0.00}) | | | |");
        sb.AppendLine(CultureInfo.InvariantCulture, $"| peak working set of the process | | | | **{m.PeakWorkingSetMiB:N0}** |");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture,
            $"Records {Fact(m, "records")}, left out {Fact(m, "skipped")} (replies, L7), bad lines {Fact(m, "badLines")}; observed paths allowed {Fact(m, "observedAllowed")}, denied {Fact(m, "observedDenied")} ({Fact(m, "disagreements")} where the log disagrees); unused allowed port ranges {Fact(m, "unusedAllowed")}; unresolved {Fact(m, "unresolved")}.");
        return sb.ToString();
    }

    public static IReadOnlyList<TargetResult> Targets(ScanMeasurement m, bool cpu = false)
    {
        var seconds = ImportSeconds(m, cpu);
        return new[]
        {
            new TargetResult($"{DefaultLines / 1_000_000}M Hubble lines imported and compared < 60 s at 10k (issue 21)", seconds < SecondsTarget ? "PASS" : "FAIL",
                string.Create(CultureInfo.InvariantCulture, $"{seconds:0.00} s")),
            new TargetResult("peak memory < 1 GB importing and comparing them (issue 21)", m.PeakWorkingSetMiB < PeakTargetMiB ? "PASS" : "FAIL",
                string.Create(CultureInfo.InvariantCulture, $"peak working set {m.PeakWorkingSetMiB:N0} MiB for the whole process (snapshot, engine, log)")),
        };
    }

    private static double ImportSeconds(ScanMeasurement m, bool cpu) =>
        m.Stages.Where(s => s.Stage.StartsWith("import", StringComparison.Ordinal) || s.Stage.StartsWith("compare", StringComparison.Ordinal) || s.Stage.StartsWith("observed", StringComparison.Ordinal))
            .Sum(s => WholeScan.Time(s, cpu));

    private static string Fact(ScanMeasurement m, string key) => m.Facts.TryGetValue(key, out var v) ? v : "-";
}
