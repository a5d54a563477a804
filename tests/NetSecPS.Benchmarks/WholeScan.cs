using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using NetSecPS.ClusterGenerator;

namespace NetSecPS.Benchmarks;

/// <summary>
/// Whole-scan timings: for each size, one fresh child process per input (manifests, saved
/// snapshot) so each size's peak memory is its own, after a warm-up scan of a small cluster in
/// the same process so JIT time is not counted. The parent prints the table and the targets.
/// </summary>
internal static class WholeScan
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    /// <summary>The warm-up cluster: every stage's code runs once before anything is timed.</summary>
    private static readonly ClusterShape WarmUpShape = new(300, 60, 60);

    public static IReadOnlyList<ScanMeasurement> Run(IReadOnlyList<int> sizes, TextWriter log)
    {
        BenchData.Ensure(WarmUpShape, log);
        var datasets = sizes.Select(s => BenchData.Ensure(ClusterShape.ForPods(s), log)).ToList();
        GC.Collect();
        var results = new List<ScanMeasurement>();
        foreach (var d in datasets)
        {
            // "cmdlet" last: it reads the baseline the stage-by-stage run wrote.
            // "cmdlet-2gib" repeats the one-process run with the heap limit .NET sets itself in a
            // container limited to 2 GiB (75%: 1,536 MiB), to show the job fits such a container.
            foreach (var input in new[] { "manifests", "snapshot", "cmdlet", Container2GiB })
            {
                log.WriteLine($"Scanning {d.Shape} from {input} ...");
                var m = RunChild(d, input);
                results.Add(m);
                foreach (var s in m.Stages.Where(s => s.Built))
                {
                    log.WriteLine($"  {s.Stage,-40} {s.Seconds,8:0.000} s (cpu {s.CpuSeconds,7:0.000} s)  alloc {s.AllocatedMiB,7:0} MiB  live after {s.HeapAfterMiB,6:0} MiB  peak heap {s.StagePeakHeapMiB,6:0} MiB  peak WS {s.StagePeakWorkingSetMiB,6:0} MiB");
                }
            }
        }

        return results;
    }

    /// <summary>The one-process run under the heap limit of a container limited to 2 GiB.</summary>
    public const string Container2GiB = "cmdlet-2gib";

    /// <summary>75% of 2 GiB: the GC heap limit .NET takes from a container's memory limit.</summary>
    public const long Container2GiBHeapLimit = 1_536L * 1024 * 1024;

    private static ScanMeasurement RunChild(Dataset dataset, string input)
    {
        if (input == Container2GiB)
        {
            try
            {
                return RunChild(dataset, "cmdlet", Container2GiBHeapLimit) with { Input = Container2GiB };
            }
            catch (InvalidOperationException ex)
            {
                // Out of memory is a result here, not a failure of the benchmark.
                return new ScanMeasurement(dataset.Shape.Pods, dataset.Shape.Workloads, dataset.Shape.Policies, Container2GiB, new List<StageResult>(), double.NaN,
                    new Dictionary<string, string> { ["failed"] = ex.Message });
            }
        }

        return RunChild(dataset, input, heapLimit: null);
    }

    private static ScanMeasurement RunChild(Dataset dataset, string input, long? heapLimit)
    {
        var resultFile = Path.Combine(Path.GetTempPath(), $"netsecps-bench-{Environment.ProcessId}-{dataset.Shape.Id}-{input}.json");
        var exe = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot find the benchmark executable.");
        var start = new ProcessStartInfo(exe) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(exe).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            start.ArgumentList.Add(typeof(WholeScan).Assembly.Location);
        }

        foreach (var a in new[] { "scan-one", "--pods", dataset.Shape.Pods.ToString(CultureInfo.InvariantCulture),
                     "--workloads", dataset.Shape.Workloads.ToString(CultureInfo.InvariantCulture),
                     "--policies", dataset.Shape.Policies.ToString(CultureInfo.InvariantCulture),
                     "--seed", dataset.Shape.Seed.ToString(CultureInfo.InvariantCulture),
                     "--extra-ipblocks", dataset.Shape.ExtraIpBlocks.ToString(CultureInfo.InvariantCulture), "--input", input, "--result", resultFile })
        {
            start.ArgumentList.Add(a);
        }

        if (dataset.Shape.Cilium)
        {
            start.ArgumentList.Add("--cilium");
        }

        if (dataset.Shape.Calico)
        {
            start.ArgumentList.Add("--calico");
        }

        if (heapLimit is { } limit)
        {
            start.Environment["DOTNET_GCHeapHardLimit"] = "0x" + limit.ToString("X", CultureInfo.InvariantCulture);
        }

        using var child = Process.Start(start) ?? throw new InvalidOperationException("Cannot start the scan process.");
        child.WaitForExit();
        if (child.ExitCode != 0 || !File.Exists(resultFile))
        {
            throw new InvalidOperationException($"The scan of {dataset.Shape} from {input} failed (exit code {child.ExitCode}).");
        }

        var m = JsonSerializer.Deserialize<ScanMeasurement>(File.ReadAllText(resultFile))!;
        File.Delete(resultFile);
        return m;
    }

    /// <summary>
    /// The 10,000-pod reference cluster segmented with Cilium's policies (the generator's Cilium
    /// variant), scanned from manifests in its own process: it must meet the plain cluster's
    /// 10,000-pod targets.
    /// </summary>
    public static ScanMeasurement RunCilium(TextWriter log) => RunVariant(ClusterShape.Medium with { Cilium = true }, log);

    /// <summary>
    /// The 10,000-pod reference cluster segmented with Calico's policies (the generator's Calico
    /// variant: Calico NetworkPolicies, GlobalNetworkPolicies in tiers, network sets), scanned from
    /// manifests in its own process: it must meet the plain cluster's 10,000-pod targets.
    /// </summary>
    public static ScanMeasurement RunCalico(TextWriter log) => RunVariant(ClusterShape.Medium with { Calico = true }, log);

    private static ScanMeasurement RunVariant(ClusterShape shape, TextWriter log)
    {
        BenchData.Ensure(WarmUpShape, log);
        var dataset = BenchData.Ensure(shape, log);
        log.WriteLine($"Scanning {dataset.Shape} from manifests ...");
        var m = RunChild(dataset, "manifests");
        foreach (var s in m.Stages.Where(s => s.Built))
        {
            log.WriteLine($"  {s.Stage,-40} {s.Seconds,8:0.000} s (cpu {s.CpuSeconds,7:0.000} s)  alloc {s.AllocatedMiB,7:0} MiB  live after {s.HeapAfterMiB,6:0} MiB  peak WS {s.StagePeakWorkingSetMiB,6:0} MiB");
        }

        return m;
    }

    /// <summary>
    /// How cost grows: the 10,000-pod reference cluster with one dimension grown at a time
    /// (pods per workload, workloads, policies, ipBlocks), each scanned from manifests in its own process.
    /// </summary>
    public static string Scaling(TextWriter log)
    {
        var reference = ClusterShape.Medium;
        var variants = new (string Name, ClusterShape Shape)[]
        {
            ("reference", reference),
            ("pods x2 (replicas)", reference with { Pods = 20_000 }),
            ("workloads x2", reference with { Workloads = 4_000 }),
            ("policies x2", reference with { Policies = 4_000 }),
            ("ipBlocks x5", reference with { ExtraIpBlocks = 4 }),
        };
        BenchData.Ensure(WarmUpShape, log);
        var sb = new StringBuilder();
        sb.AppendLine("| variant | pods | workloads | policies | distinct CIDRs | classes | flows | external ranges | load s (CPU) | model + connectivity s (CPU) | full scan s (CPU) | peak WS MiB |");
        sb.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (name, shape) in variants)
        {
            var dataset = BenchData.Ensure(shape, log);
            log.WriteLine($"Scanning {shape} ({name}) ...");
            var m = RunChild(dataset, "manifests");
            var load = m.Stages[0];
            var one = m.Stages.Where(x => x.Built && x.Stage.StartsWith("Invoke-NetSecScan", StringComparison.Ordinal)).ToList();
            var scan = one.Count > 0 ? new[] { load }.Concat(one).ToList() : m.Stages.Where(x => x.Built && x.InScan).ToList();
            var connectivity = m.Stages.Where(x => x.Built && (x.Stage.StartsWith("model", StringComparison.Ordinal) || x.Stage == "connectivity")).ToList();
            string Pair(IEnumerable<StageResult> stages) => string.Create(CultureInfo.InvariantCulture,
                $"{stages.Sum(x => x.Seconds!.Value):0.00} ({stages.Sum(x => x.CpuSeconds):0.00})");
            string Fact(string key) => m.Facts.TryGetValue(key, out var v) ? v : "-";
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| {name} | {shape.Pods:N0} | {shape.Workloads:N0} | {shape.Policies:N0} | {dataset.Summary.IpBlocks:N0} | {Fact("classes")} | {Fact("flows")} | {Fact("externalRanges")} | " +
                $"{Pair(new[] { load })} | {Pair(connectivity)} | {Pair(scan)} | {m.PeakWorkingSetMiB:N0} |");
        }

        return sb.ToString();
    }

    /// <summary>The child process: warm up on the small cluster, then measure one size from one input.</summary>
    public static int RunOne(ClusterShape shape, string input, string resultFile)
    {
        var log = TextWriter.Null;
        var warmUp = BenchData.Ensure(WarmUpShape, log);
        new ScanPipeline(warmUp, input).Run();
        var dataset = BenchData.Ensure(shape, log);
        var m = new ScanPipeline(dataset, input).Run();
        File.WriteAllText(resultFile, JsonSerializer.Serialize(m, JsonOptions));
        return 0;
    }

    /// <summary>The table: one row per stage, one column pair (seconds, allocated) per size.</summary>
    public static string Table(IReadOnlyList<ScanMeasurement> results)
    {
        var sizes = results.Select(r => r.Pods).Distinct().Order().ToList();
        var manifests = results.Where(r => r.Input == "manifests").ToDictionary(r => r.Pods);
        var snapshots = results.Where(r => r.Input == "snapshot").ToDictionary(r => r.Pods);
        var sb = new StringBuilder();
        sb.Append("| stage |");
        foreach (var s in sizes)
        {
            var m = manifests[s];
            sb.Append(CultureInfo.InvariantCulture, $" {s:N0} pods / {m.Workloads:N0} wl / {m.Policies:N0} pol: seconds (CPU s) | allocated MiB |");
        }

        sb.AppendLine();
        sb.Append("| --- |");
        foreach (var _ in sizes)
        {
            sb.Append(" ---: | ---: |");
        }

        sb.AppendLine();
        void Row(string name, Func<int, (string Seconds, string Alloc)> cell)
        {
            sb.Append(CultureInfo.InvariantCulture, $"| {name} |");
            foreach (var s in sizes)
            {
                var (sec, alloc) = cell(s);
                sb.Append(CultureInfo.InvariantCulture, $" {sec} | {alloc} |");
            }

            sb.AppendLine();
        }

        static (string, string) Cell(StageResult? r) => r is null ? ("-", "-") :
            r.Built ? (r.Seconds!.Value.ToString("0.00", CultureInfo.InvariantCulture) + " (" + r.CpuSeconds.ToString("0.00", CultureInfo.InvariantCulture) + ")", r.AllocatedMiB.ToString("N0", CultureInfo.InvariantCulture))
                    : (r.Note ?? "n/a", "-");

        var stageNames = manifests.Values.First().Stages.Select(s => s.Stage).ToList();
        var snapshotLoad = snapshots.Values.FirstOrDefault()?.Stages.FirstOrDefault()?.Stage;
        if (snapshotLoad is not null)
        {
            Row(snapshotLoad, s => snapshots.TryGetValue(s, out var m) ? Cell(m.Stages[0]) : ("-", "-"));
        }

        foreach (var name in stageNames)
        {
            Row(name, s => Cell(manifests[s].Stages.FirstOrDefault(x => x.Stage == name)));
        }

        Row("**full scan** (load + Invoke-NetSecScan in one call)", s =>
        {
            var m = manifests[s];
            var one = m.Stages.FirstOrDefault(x => x.Stage.StartsWith("Invoke-NetSecScan", StringComparison.Ordinal));
            return one is { Built: true }
                ? (FullScanSeconds(m)!.Value.ToString("0.00", CultureInfo.InvariantCulture) + " (" + (m.Stages[0].CpuSeconds + one.CpuSeconds).ToString("0.00", CultureInfo.InvariantCulture) + ")",
                   (m.Stages[0].AllocatedMiB + one.AllocatedMiB).ToString("N0", CultureInfo.InvariantCulture))
                : ("n/a", "-");
        });
        Row("scan total, stage by stage (load + the stages above)", s =>
        {
            var m = manifests[s];
            return (ScanSeconds(m).ToString("0.00", CultureInfo.InvariantCulture),
                m.Stages.Where(x => x.InScan && x.Built).Sum(x => x.AllocatedMiB).ToString("N0", CultureInfo.InvariantCulture));
        });
        var cmdlets = results.Where(r => r.Input == "cmdlet").ToDictionary(r => r.Pods);
        Row("**one process: `Invoke-NetSecScan -Path -Baseline \\| Export-NetSecReport x.xlsx, x.pdf`**: seconds (CPU) / peak working set MiB", s =>
            cmdlets.TryGetValue(s, out var c)
                ? (c.Stages.Where(x => x.Built).Sum(x => x.Seconds!.Value).ToString("0.00", CultureInfo.InvariantCulture) + " (" +
                   c.Stages.Where(x => x.Built).Sum(x => x.CpuSeconds).ToString("0.00", CultureInfo.InvariantCulture) + ")",
                   c.PeakWorkingSetMiB.ToString("N0", CultureInfo.InvariantCulture))
                : ("-", "-"));
        var contained = results.Where(r => r.Input == Container2GiB).ToDictionary(r => r.Pods);
        Row("the same in a container limited to 2 GiB (GC heap limit 1,536 MiB): seconds / peak working set MiB", s =>
            !contained.TryGetValue(s, out var c) ? ("-", "-")
            : c.Stages.Count == 0 ? ("did not finish (out of memory)", "-")
            : (c.Stages.Where(x => x.Built).Sum(x => x.Seconds!.Value).ToString("0.00", CultureInfo.InvariantCulture), c.PeakWorkingSetMiB.ToString("N0", CultureInfo.InvariantCulture)));
        Row("peak working set, MiB (stage-by-stage process; saved-snapshot load)", s =>
            (manifests[s].PeakWorkingSetMiB.ToString("N0", CultureInfo.InvariantCulture),
             snapshots.TryGetValue(s, out var sm) ? sm.PeakWorkingSetMiB.ToString("N0", CultureInfo.InvariantCulture) : "-"));
        var notes = manifests.Values.First().Stages.Where(x => x.Built && x.Note is not null).ToList();
        if (notes.Count > 0)
        {
            sb.AppendLine();
            foreach (var n in notes)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"- {n.Stage}: {n.Note}");
            }
        }

        return sb.ToString();
    }

    /// <summary>Memory per stage and size: live data left after the stage, and the highest working set while it ran.</summary>
    public static string MemoryTable(IReadOnlyList<ScanMeasurement> results)
    {
        var manifests = results.Where(r => r.Input == "manifests").OrderBy(r => r.Pods).ToList();
        var sb = new StringBuilder();
        sb.Append("| stage (from manifests) |");
        foreach (var m in manifests)
        {
            sb.Append(CultureInfo.InvariantCulture, $" {m.Pods:N0} pods: live after, MiB | peak WS during, MiB |");
        }

        sb.AppendLine().Append("| --- |");
        foreach (var _ in manifests)
        {
            sb.Append(" ---: | ---: |");
        }

        sb.AppendLine();
        foreach (var name in manifests[0].Stages.Where(x => x.Built).Select(x => x.Stage))
        {
            sb.Append(CultureInfo.InvariantCulture, $"| {name} |");
            foreach (var m in manifests)
            {
                var st = m.Stages.FirstOrDefault(x => x.Stage == name && x.Built);
                sb.Append(st is null ? " - | - |" : string.Create(CultureInfo.InvariantCulture, $" {st.HeapAfterMiB:N0} | {st.StagePeakWorkingSetMiB:N0} |"));
            }

            sb.AppendLine();
        }

        return sb.ToString();
    }

    public static double ScanSeconds(ScanMeasurement m, bool cpu = false) => m.Stages.Where(x => x.InScan && x.Built).Sum(x => Time(x, cpu));

    /// <summary>Wall-clock seconds, or CPU seconds (which a busy shared machine inflates far less).</summary>
    public static double Time(StageResult stage, bool cpu) => cpu ? stage.CpuSeconds : stage.Seconds ?? 0;

    /// <summary>What a user waits for: the load plus Invoke-NetSecScan's one call; null until the scan is built.</summary>
    public static double? FullScanSeconds(ScanMeasurement m, bool cpu = false) =>
        m.Stages.FirstOrDefault(x => x.Stage.StartsWith("Invoke-NetSecScan", StringComparison.Ordinal)) is { Built: true } one
            ? Time(m.Stages[0], cpu) + Time(one, cpu)
            : null;

    public static double? StageSeconds(ScanMeasurement m, string prefix, bool cpu = false) =>
        m.Stages.FirstOrDefault(x => x.Stage.StartsWith(prefix, StringComparison.Ordinal)) is { Built: true } stage ? Time(stage, cpu) : null;
}
