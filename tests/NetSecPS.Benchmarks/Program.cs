using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using NetSecPS.ClusterGenerator;

namespace NetSecPS.Benchmarks;

/// <summary>
/// Entry point of <c>build.ps1 bench</c>.
/// <code>
/// (no command)  whole-scan table at 1,000 / 10,000 / 50,000 pods, the targets, then a short BenchmarkDotNet run
///   --full               the long BenchmarkDotNet run (default job, in process)
///   --sizes 1000,10000   whole-scan sizes (pods; 1,000 / 10,000 / 50,000 are the reference shapes)
///   --no-scan, --no-bdn  skip one half
///   --scaling            also: the 10,000-pod cluster with pods, workloads, policies or ipBlocks grown one at a time
///   --no-cilium          skip the 10,000-pod Cilium variant (run whenever the sizes include 10,000)
///   --cilium-only        with --no-scan: only the Cilium variant and its 10,000-pod targets
///   --no-calico          skip the 10,000-pod Calico variant (run whenever the sizes include 10,000)
///   --calico-only        with --no-scan: only the Calico variant and its 10,000-pod targets
///   --no-flows           skip the flow log benchmark (a million Hubble lines against the 10,000-pod cluster)
///   --filter PATTERN     BenchmarkDotNet filter (default *)
///   --strict             exit 1 when a target FAILs
/// generate --pods N [--workloads N] [--policies N] [--seed S] [--extra-ipblocks K] [--cilium | --calico] --out DIR [--format yaml|json] [--snapshot FILE.json.gz]
/// profile-load [--pods N]  where manifest reading spends its time, phase by phase
/// profile-memory [--pods N]  which step of a scan (baseline and reports split up) raises the peak memory
/// load PATH...           times one read of manifests or a saved snapshot (three runs in one process)
/// engine [--runs N] [--keep]  the engine's own load/connectivity benchmark on thin manifests
/// flows [--pods N] [--lines N]  only the flow log benchmark: import and compare Hubble lines
/// flows-one ...          (internal) the flow log measurement in a fresh process
/// reports [--workloads N] [--findings N] [--flows N] [--namespaces N]  every report format of a synthetic scan, timed
/// scan-one ...           (internal) one measured scan in a fresh process
/// </code>
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);

        // build.ps1 passes -BenchArgs through `pwsh -File`, where one quoted string is the easy way
        // to give several arguments: '--sizes 10000 --no-bdn'.
        args = args.SelectMany(a => a.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
        var options = Options.Parse(args);
        return options.Command switch
        {
            "generate" => Generate(options),
            "profile-load" => LoadProfile.Run(options.Shape()),
            "profile-memory" => MemoryProfile.Run(options.Shape()),
            "engine" => EngineBenchmark.Run(args),
            "reports" => ReportTimes.Run(options.Get("--workloads"), options.Get("--findings"), options.Get("--flows"), options.Get("--namespaces")),
            "load" => LoadOnce(args.Skip(1).Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToList()),
            "scan-one" => WholeScan.RunOne(options.Shape(), options.Get("--input") ?? "manifests", options.Get("--result")!),
            "flows" => Flows(options),
            "flows-one" => FlowBench.RunOne(options.Shape().Pods, options.Lines(), options.Get("--result")!),
            _ => Bench(options),
        };
    }

    private static int Generate(Options o)
    {
        var shape = o.Shape();
        var folder = o.Get("--out") ?? throw new ArgumentException("generate needs --out <folder>");
        var format = string.Equals(o.Get("--format"), "json", StringComparison.OrdinalIgnoreCase) ? ManifestFormat.ListJson : ManifestFormat.Yaml;
        var generator = new SyntheticCluster(shape);
        var summary = ClusterOutput.WriteManifests(generator, folder, format);
        Console.WriteLine(summary);
        if (o.Get("--snapshot") is { } snapshot)
        {
            ClusterOutput.WriteSnapshot(NetSecPS.Core.Sources.ManifestSource.Read(new[] { folder }), snapshot);
            Console.WriteLine($"snapshot: {snapshot}");
        }

        return 0;
    }

    private static int LoadOnce(IReadOnlyList<string> paths)
    {
        for (var run = 1; run <= 3; run++)
        {
            GC.Collect();
            var alloc = GC.GetTotalAllocatedBytes(true);
            using var p = System.Diagnostics.Process.GetCurrentProcess();
            var cpu = p.TotalProcessorTime;
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var data = NetSecPS.Core.Sources.SnapshotSources.FromPaths(paths, new NullSink(), CancellationToken.None);
            sw.Stop();
            p.Refresh();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"run {run}: {data.Objects.Count:N0} objects, {data.Diagnostics.Count} diagnostics in {sw.Elapsed.TotalSeconds:0.00} s (CPU {(p.TotalProcessorTime - cpu).TotalSeconds:0.00} s), " +
                $"allocated {(GC.GetTotalAllocatedBytes(true) - alloc) / 1048576.0:N0} MiB, live {GC.GetTotalMemory(true) / 1048576.0:N0} MiB, peak working set {p.PeakWorkingSet64 / 1048576.0:N0} MiB"));
        }

        return 0;
    }

    private static int Bench(Options o)
    {
        var output = Path.Combine(BenchData.OutFolder, "bench");
        Directory.CreateDirectory(output);
        var report = new StringBuilder();
        report.AppendLine("# NetSecPS benchmark results").AppendLine();
        report.AppendLine(Machine()).AppendLine();
        var failed = false;

        if (!o.Has("--no-scan"))
        {
            var sizes = (o.Get("--sizes") ?? "1000,10000,50000").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToList();
            var results = WholeScan.Run(sizes, Console.Out);
            var table = WholeScan.Table(results);
            var memory = WholeScan.MemoryTable(results);
            var targets = Targets.Evaluate(results);
            var cpuTargets = Targets.Evaluate(results, cpu: true);
            failed = targets.Any(t => t.Verdict == "FAIL");
            Console.WriteLine();
            Console.WriteLine(Machine());
            Console.WriteLine();
            Console.WriteLine(table);
            Console.WriteLine(memory);
            Console.WriteLine("Targets (wall clock, as measured on this machine):");
            foreach (var t in targets)
            {
                Console.WriteLine("  " + t);
            }

            Console.WriteLine("Targets on CPU seconds (what a busy shared machine inflates least):");
            foreach (var t in cpuTargets)
            {
                Console.WriteLine("  " + t);
            }

            report.AppendLine("## Whole scan").AppendLine().AppendLine(table);
            report.AppendLine("## Memory").AppendLine().AppendLine(memory);
            report.AppendLine("## Targets (wall clock)").AppendLine();
            foreach (var t in targets)
            {
                report.AppendLine(CultureInfo.InvariantCulture, $"- **{t.Verdict}** {t.Target}: {t.Detail}");
            }

            report.AppendLine().AppendLine("## Targets on CPU seconds").AppendLine();
            foreach (var t in cpuTargets)
            {
                report.AppendLine(CultureInfo.InvariantCulture, $"- **{t.Verdict}** {t.Target}: {t.Detail}");
            }

            report.AppendLine();
            foreach (var r in results.Where(r => r.Input == "manifests"))
            {
                report.AppendLine(CultureInfo.InvariantCulture, $"- {r.Pods:N0} pods: {string.Join(", ", r.Facts.Select(f => $"{f.Key} {f.Value}"))}");
            }
        }

        var sizesRun = o.Has("--no-scan") ? new List<int>() : (o.Get("--sizes") ?? "1000,10000,50000").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToList();
        // The same 10,000-pod cluster segmented with a CNI's own policies must meet the plain cluster's targets.
        void Variant(string name, ClusterShape shape, Func<TextWriter, ScanMeasurement> run)
        {
            var measured = run(Console.Out);
            var table = WholeScan.Table(new[] { measured });
            var targets = Targets.Evaluate(new[] { measured }).Where(t => t.Target.Contains("at 10k", StringComparison.Ordinal)).ToList();
            var cpuTargets = Targets.Evaluate(new[] { measured }, cpu: true).Where(t => t.Target.Contains("at 10k", StringComparison.Ordinal)).ToList();
            failed |= targets.Any(t => t.Verdict == "FAIL");
            Console.WriteLine();
            Console.WriteLine($"{name} variant: {shape}");
            Console.WriteLine(table);
            Console.WriteLine($"Targets, {name} variant (wall clock):");
            foreach (var t in targets)
            {
                Console.WriteLine("  " + t);
            }

            Console.WriteLine($"Targets, {name} variant (CPU seconds):");
            foreach (var t in cpuTargets)
            {
                Console.WriteLine("  " + t);
            }

            report.AppendLine(CultureInfo.InvariantCulture, $"## {name} variant (10,000 pods segmented with {name}'s policies)").AppendLine().AppendLine(table);
            foreach (var t in targets)
            {
                report.AppendLine(CultureInfo.InvariantCulture, $"- **{t.Verdict}** {t.Target}: {t.Detail}");
            }

            foreach (var t in cpuTargets)
            {
                report.AppendLine(CultureInfo.InvariantCulture, $"- **{t.Verdict}** {t.Target} (CPU): {t.Detail}");
            }

            report.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"- {string.Join(", ", measured.Facts.Select(f => $"{f.Key} {f.Value}"))}").AppendLine();
        }

        var onlyOne = o.Has("--cilium-only") || o.Has("--calico-only");
        if ((sizesRun.Contains(10_000) && !o.Has("--no-cilium") && !onlyOne) || o.Has("--cilium-only"))
        {
            Variant("Cilium", ClusterShape.Medium with { Cilium = true }, WholeScan.RunCilium);
        }

        if ((sizesRun.Contains(10_000) && !o.Has("--no-calico") && !onlyOne) || o.Has("--calico-only"))
        {
            Variant("Calico", ClusterShape.Medium with { Calico = true }, WholeScan.RunCalico);
        }

        if (!o.Has("--no-flows"))
        {
            var m = FlowBench.Run(o.Shape().Pods, o.Lines(), Console.Out);
            var table = FlowBench.Table(m);
            var targets = FlowBench.Targets(m);
            failed |= targets.Any(t => t.Verdict == "FAIL");
            Console.WriteLine();
            Console.WriteLine(table);
            foreach (var t in targets.Concat(FlowBench.Targets(m, cpu: true).Select(t => t with { Target = t.Target + " (CPU seconds)" })))
            {
                Console.WriteLine("  " + t);
            }

            report.AppendLine("## Flow logs (issue 21)").AppendLine().AppendLine(table);
            foreach (var t in targets)
            {
                report.AppendLine(CultureInfo.InvariantCulture, $"- **{t.Verdict}** {t.Target}: {t.Detail}");
            }

            report.AppendLine();
        }

        if (o.Has("--scaling"))
        {
            var scaling = WholeScan.Scaling(Console.Out);
            Console.WriteLine();
            Console.WriteLine(scaling);
            report.AppendLine("## How cost grows").AppendLine().AppendLine(scaling);
        }

        if (!o.Has("--no-bdn"))
        {
            var job = o.Has("--full")
                ? Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithId("full")
                : Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithLaunchCount(1).WithWarmupCount(1).WithIterationCount(3)
                    .WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(250)).WithId("short");
            var config = ManualConfig.CreateEmpty()
                .AddJob(job)
                .AddDiagnoser(MemoryDiagnoser.Default)
                .AddColumnProvider(BenchmarkDotNet.Columns.DefaultColumnProviders.Instance)
                .AddLogger(BenchmarkDotNet.Loggers.ConsoleLogger.Default)
                .AddExporter(MarkdownExporter.GitHub)
                .WithArtifactsPath(Path.Combine(output, "BenchmarkDotNet.Artifacts"));
            var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(new[] { "--filter", o.Get("--filter") ?? "*" }, config);
            report.AppendLine("## Micro-benchmarks (BenchmarkDotNet, " + (o.Has("--full") ? "default job" : "short job: 1 warm-up, 3 iterations of 250 ms") + ")").AppendLine();
            foreach (var s in summaries)
            {
                var type = s.BenchmarksCases.FirstOrDefault()?.Descriptor.Type.FullName;
                var md = type is null ? null : Path.Combine(s.ResultsDirectoryPath, type + "-report-github.md");
                if (md is not null && File.Exists(md))
                {
                    report.AppendLine(File.ReadAllText(md));
                }
            }
        }

        var reportPath = Path.Combine(output, "results.md");
        File.WriteAllText(reportPath, report.ToString());
        Console.WriteLine($"Results written to {reportPath}");
        return failed && o.Has("--strict") ? 1 : 0;
    }

    private static int Flows(Options o)
    {
        var m = FlowBench.Run(o.Shape().Pods, o.Lines(), Console.Out);
        Console.WriteLine();
        Console.WriteLine(Machine());
        Console.WriteLine(FlowBench.Table(m));
        var targets = FlowBench.Targets(m);
        foreach (var t in targets.Concat(FlowBench.Targets(m, cpu: true).Select(t => t with { Target = t.Target + " (CPU seconds)" })))
        {
            Console.WriteLine("  " + t);
        }

        return targets.Any(t => t.Verdict == "FAIL") && o.Has("--strict") ? 1 : 0;
    }

    /// <summary>The machine, as docs/performance.md describes it.</summary>
    internal static string Machine()
    {
        var cpu = "unknown CPU";
        if (File.Exists("/proc/cpuinfo"))
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
        }

        var memory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1024.0 / 1024 / 1024;
        return $"Machine: {Environment.ProcessorCount} cores ({cpu}), {memory:0.0} GiB memory, {RuntimeInformation.OSDescription}, " +
               $".NET {Environment.Version}, workstation GC{(System.Runtime.GCSettings.IsServerGC ? " (server!)" : string.Empty)}.";
    }

    private sealed class Options
    {
        private readonly Dictionary<string, string?> values = new(StringComparer.OrdinalIgnoreCase);

        public string Command { get; private set; } = "bench";

        public static Options Parse(string[] args)
        {
            var o = new Options();
            var i = 0;
            if (args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal))
            {
                o.Command = args[0];
                i = 1;
            }

            for (; i < args.Length; i++)
            {
                var key = args[i];
                string? value = null;
                if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    value = args[++i];
                }

                o.values[key] = value;
            }

            return o;
        }

        public bool Has(string key) => values.ContainsKey(key);

        public string? Get(string key) => values.TryGetValue(key, out var v) ? v : null;

        private int? Int(string key) => Get(key) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : null;

        public int Lines() => Int("--lines") ?? FlowBench.DefaultLines;

        public ClusterShape Shape()
        {
            var pods = Int("--pods") ?? 10_000;
            var preset = ClusterShape.ForPods(pods);
            return new ClusterShape(pods, Int("--workloads") ?? preset.Workloads, Int("--policies") ?? preset.Policies, Int("--seed") ?? ClusterShape.DefaultSeed)
            {
                ExtraIpBlocks = Int("--extra-ipblocks") ?? 0,
                Cilium = Has("--cilium"),
                Calico = Has("--calico"),
            };
        }
    }
}
