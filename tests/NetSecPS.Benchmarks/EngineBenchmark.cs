using System.Diagnostics;
using System.Globalization;
using NetSecPS.Core;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;
using NetSecPS.Core.Sources;

namespace NetSecPS.Benchmarks;

/// <summary>
/// <c>engine</c>: the connectivity engine's own benchmark of issue 3 (written with the engine):
/// a cluster of thin manifests (pods without status detail) from <see cref="ClusterGenerator"/>,
/// loaded and analysed several times; reports the best load and connectivity times and their
/// ratio. Arguments: [--keep] [--runs N].
/// </summary>
internal static class EngineBenchmark
{
    public static int Run(string[] args)
    {
        var keep = args.Contains("--keep");
        var runs = args.SkipWhile(a => a != "--runs").Skip(1).Select(a => int.Parse(a, CultureInfo.InvariantCulture)).FirstOrDefault(3);
        var dir = Path.Combine(Path.GetTempPath(), "netsecps-bench-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        var (pods, workloads, policies) = new ClusterGenerator().Write(dir);
        Console.WriteLine($"Generated {pods} pods, {workloads} workloads, {policies} policies in {dir}");
        try
        {
            double bestLoad = double.MaxValue, bestConn = double.MaxValue;
            for (var run = 1; run <= runs; run++)
            {
                var sw = Stopwatch.StartNew();
                var data = ManifestSource.Read(new[] { dir });
                var load = sw.Elapsed.TotalSeconds;

                sw.Restart();
                var model = ClusterModel.Build(data);
                var engine = ConnectivityEngine.Build(model, new CollectingSink());
                var flows = engine.Flows;
                var conn = sw.Elapsed.TotalSeconds;
                bestLoad = Math.Min(bestLoad, load);
                bestConn = Math.Min(bestConn, conn);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"run {run}: load {load:F2} s ({data.Objects.Count} objects); model + connectivity {conn:F2} s ({engine.Classes.Count - 2} classes, {flows.Count} flows)"));
            }

            var ratio = bestConn / bestLoad;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"best: load {bestLoad:F2} s, connectivity {bestConn:F2} s, ratio {ratio:F2} (limit 2.00): {(ratio <= 2 ? "OK" : "TOO SLOW")}"));
            return ratio <= 2 ? 0 : 1;
        }
        finally
        {
            if (!keep)
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }
}
