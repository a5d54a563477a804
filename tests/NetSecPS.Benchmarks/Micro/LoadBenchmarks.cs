using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using NetSecPS.ClusterGenerator;
using NetSecPS.Core.Model;
using NetSecPS.Core.Sources;

namespace NetSecPS.Benchmarks.Micro;

/// <summary>
/// The loading hot path, from the outside in: one namespace file read end to end, its YAML
/// parsed to JSON nodes, one pod turned into the typed client model, a saved snapshot read,
/// and the workload model built.
/// </summary>
[MemoryDiagnoser]
public class LoadBenchmarks
{
    private string namespaceFile = string.Empty;
    private string namespaceYaml = string.Empty;
    private string podJson = string.Empty;
    private byte[] snapshot = System.Array.Empty<byte>();
    private ClusterData data = null!;

    [GlobalSetup]
    public void Setup()
    {
        var dataset = BenchData.Ensure(ClusterShape.Small, TextWriter.Null);
        // A typical tenant namespace: the median file by size.
        var files = Directory.GetFiles(dataset.ManifestsFolder, "*.yaml").Where(f => !f.EndsWith("00-cluster.yaml", StringComparison.Ordinal))
            .OrderBy(f => new FileInfo(f).Length).ToList();
        namespaceFile = files[files.Count / 2];
        namespaceYaml = File.ReadAllText(namespaceFile);
        var pod = new SyntheticCluster(ClusterShape.Small).Groups().Skip(6).First().Objects.First(o => (string?)o["kind"] == "Pod");
        podJson = pod.ToJsonString();
        snapshot = File.ReadAllBytes(dataset.SnapshotPath);
        data = ManifestSource.Read(new[] { dataset.ManifestsFolder });
    }

    [Benchmark]
    public int ReadOneNamespaceFile() => ManifestSource.Read(new[] { namespaceFile }).Objects.Count;

    [Benchmark]
    public int YamlToJsonTextOneNamespace() => YamlJsonReader.ReadDocumentsAsJson(new StringReader(namespaceYaml)).Count();

    [Benchmark]
    public int YamlToJsonTreeOneNamespace() => YamlJsonReader.ReadDocuments(new StringReader(namespaceYaml)).Count();

    [Benchmark]
    public object? PodJsonTreeToTyped() => ObjectFactory.Create(JsonNode.Parse(podJson)!.AsObject(), null).Object;

    [Benchmark]
    public int ReadSavedSnapshot1k() => SnapshotFile.Read(new MemoryStream(snapshot), "bench.json.gz").Objects.Count;

    [Benchmark]
    public int BuildWorkloadModel1k() => ClusterModel.Build(data).Workloads.Count;
}
