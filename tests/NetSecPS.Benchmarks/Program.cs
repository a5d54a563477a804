using System.Diagnostics;
using System.Globalization;
using NetSecPS.Core;
using NetSecPS.Core.Checks;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;
using NetSecPS.Core.Sources;
using NetSecPS.Benchmarks;

// The connectivity benchmark of issue 3: a generated cluster of 10,000 pods, 2,000 workloads and
// 2,000 policies; reports snapshot load time and connectivity time (connectivity must stay
// within twice the load time), and the time of a full audit (Invoke-NetSecAudit's engine). Arguments: [--keep] [--runs N] [--open].
var keep = args.Contains("--keep");
// --open: no NetworkPolicy at all, the worst case for the number of flows (every pair connects).
var open = args.Contains("--open");
var runs = args.SkipWhile(a => a != "--runs").Skip(1).Select(a => int.Parse(a, CultureInfo.InvariantCulture)).FirstOrDefault(3);
var dir = Path.Combine(Path.GetTempPath(), "netsecps-bench-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
var (pods, workloads, policies) = new ClusterGenerator { PoliciesPerNamespace = open ? 0 : 20, AdminPolicies = !open }.Write(dir);
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
        var modelTime = sw.Elapsed.TotalSeconds;
        var engine = ConnectivityEngine.Build(model, new CollectingSink());
        var compileTime = sw.Elapsed.TotalSeconds - modelTime;
        var flows = engine.Flows;
        var conn = sw.Elapsed.TotalSeconds;
        bestLoad = Math.Min(bestLoad, load);
        bestConn = Math.Min(bestConn, conn);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"run {run}: load {load:F2} s ({data.Objects.Count} objects); model + connectivity {conn:F2} s (model {modelTime:F2}, compile {compileTime:F2}, flows {conn - modelTime - compileTime:F2}; {engine.Classes.Count - 2} classes, {flows.Count} flows)"));


        // The audit of issue 4: every check of the catalogue over the same model and engine.
        sw.Restart();
        var audit = Auditor.Run(model, engine, AuditProfile.BuiltInDefault, null, new CollectingSink());
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"run {run}: audit {sw.Elapsed.TotalSeconds:F2} s ({audit.Checks.Count} checks, {audit.Findings.Count} findings, score {audit.Score.Score:F1})"));
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
