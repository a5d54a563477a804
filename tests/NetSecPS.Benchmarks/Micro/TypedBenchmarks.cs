using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using k8s;
using k8s.Models;
using NetSecPS.ClusterGenerator;

namespace NetSecPS.Benchmarks.Micro;

/// <summary>Ways to turn one running pod's JSON into the client's typed model.</summary>
[MemoryDiagnoser]
public class TypedBenchmarks
{
    private JsonObject node = null!;
    private byte[] utf8 = System.Array.Empty<byte>();
    private JsonSerializerOptions options = null!;

    [GlobalSetup]
    public void Setup()
    {
        node = new SyntheticCluster(ClusterShape.Small).Groups().Skip(6).First().Objects.First(o => (string?)o["kind"] == "Pod");
        utf8 = Encoding.UTF8.GetBytes(node.ToJsonString());
        JsonSerializerOptions? captured = null;
        KubernetesJson.AddJsonOptions(o => captured = o);
        options = captured!;
    }

    [Benchmark]
    public V1Pod PodFromJsonTree() => KubernetesJson.Deserialize<V1Pod>(node);

    [Benchmark]
    public V1Pod? PodFromUtf8Text() => JsonSerializer.Deserialize<V1Pod>(utf8, options);

    [Benchmark]
    public byte[] PodJsonTreeToText() => JsonSerializer.SerializeToUtf8Bytes(node);

    [Benchmark]
    public JsonNode? PodTextToJsonTree() => JsonNode.Parse(utf8);
}
