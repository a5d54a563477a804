using BenchmarkDotNet.Attributes;
using k8s.Models;
using NetSecPS.ClusterGenerator;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;
using NetSecPS.Core.Sources;

namespace NetSecPS.Benchmarks.Micro;

/// <summary>
/// The engine's hot paths on the 1,000-pod cluster: label selectors (matchLabels and
/// matchExpressions) against every pod's labels, and the whole engine (peer classes, policy
/// compilation, exposure, every flow).
/// </summary>
[MemoryDiagnoser]
public class EngineBenchmarks
{
    private ClusterModel model = null!;
    private LabelSelector[] selectors = System.Array.Empty<LabelSelector>();
    private IReadOnlyDictionary<string, string>[] labels = System.Array.Empty<IReadOnlyDictionary<string, string>>();

    [GlobalSetup]
    public void Setup()
    {
        var dataset = BenchData.Ensure(ClusterShape.Small, TextWriter.Null);
        var data = SnapshotSources.FromPaths(new[] { dataset.SnapshotPath }, new NullSink(), CancellationToken.None);
        model = ClusterModel.Build(data);
        selectors = data.Typed<V1NetworkPolicy>().Select(p => LabelSelector.Parse(p.Spec.PodSelector, out _)).ToArray();
        labels = model.Pods.Select(p => p.Labels).ToArray();
    }

    [Benchmark]
    public int PodSelectorsOf200PoliciesOn1000Pods()
    {
        var n = 0;
        foreach (var s in selectors)
        {
            foreach (var l in labels)
            {
                n += s.Matches(l) ? 1 : 0;
            }
        }

        return n;
    }

    [Benchmark]
    public int EngineWithEveryFlow1k() => ConnectivityEngine.Build(model, new NullSink()).Flows.Count;
}
