using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using NetSecPS.Core.Sources;

namespace NetSecPS.ClusterGenerator;

/// <summary>How manifests are laid out on disk.</summary>
public enum ManifestFormat
{
    /// <summary>One multi-document YAML file per namespace (<c>kubectl get -o yaml</c> style), plus <c>00-cluster.yaml</c>.</summary>
    Yaml,
    /// <summary>One <c>kind: List</c> JSON file per namespace (<c>kubectl get -o json</c> style), plus <c>00-cluster.json</c>.</summary>
    ListJson,
}

/// <summary>What was generated: object counts by kind, files and bytes.</summary>
public sealed record GenerationSummary(ClusterShape Shape, IReadOnlyDictionary<string, int> Kinds, int Files, long Bytes, int Nodes, int Namespaces,
    int IpBlocks)
{
    public int Count(string kind) => Kinds.TryGetValue(kind, out var n) ? n : 0;

    public override string ToString() =>
        $"{Shape}: {Kinds.Values.Sum():N0} objects in {Files} files ({Bytes / 1024.0 / 1024.0:N1} MiB); " +
        string.Join(", ", Kinds.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => $"{k.Key} {k.Value:N0}"));
}

/// <summary>Writes a generated cluster as manifests or as a saved snapshot, or builds it in memory.</summary>
public static class ClusterOutput
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Writes one file per group into <paramref name="folder"/> (created; existing manifest files of the same names are replaced).</summary>
    public static GenerationSummary WriteManifests(SyntheticCluster generator, string folder, ManifestFormat format = ManifestFormat.Yaml)
    {
        ArgumentNullException.ThrowIfNull(generator);
        Directory.CreateDirectory(folder);
        var counter = new Counter();
        var files = 0;
        long bytes = 0;
        foreach (var group in generator.Groups())
        {
            counter.Add(group.Objects);
            var name = group.Name == "cluster" ? "00-cluster" : group.Name;
            var path = Path.Combine(folder, name + (format == ManifestFormat.Yaml ? ".yaml" : ".json"));
            using (var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            {
                if (format == ManifestFormat.Yaml)
                {
                    using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16);
                    YamlEmitter.WriteDocuments(writer, group.Objects);
                }
                else
                {
                    var list = new JsonObject
                    {
                        ["apiVersion"] = "v1",
                        ["kind"] = "List",
                        ["items"] = new JsonArray(group.Objects.Select(o => (JsonNode?)o).ToArray()),
                        ["metadata"] = new JsonObject { ["resourceVersion"] = string.Empty },
                    };
                    using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
                    list.WriteTo(writer, Indented);
                }
            }

            files++;
            bytes += new FileInfo(path).Length;
        }

        return counter.Summary(generator, files, bytes);
    }

    /// <summary>
    /// The cluster as the engine sees it after reading (every object through the same factory the
    /// manifest reader uses), without touching the disk. Objects carry no source location.
    /// </summary>
    internal static ClusterData ToClusterData(SyntheticCluster generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        var builder = new SnapshotBuilder();
        foreach (var group in generator.Groups())
        {
            foreach (var obj in group.Objects)
            {
                var result = ObjectFactory.Create(obj, null);
                if (result.Withheld)
                {
                    // A ConfigMap no check reads: snapshots do not keep it (Retention).
                    continue;
                }

                if (result.Object is null)
                {
                    throw new InvalidOperationException($"The generator made an object the reader refuses: {result.Error ?? result.Warning}");
                }

                builder.Add(result.Object);
            }
        }

        builder.SetManifestCoverage();
        return builder.Build(new Provenance
        {
            SourceKind = "files",
            Cluster = $"generated-{generator.Shape.Id}",
            CollectedAt = new DateTimeOffset(2025, 4, 1, 0, 0, 0, TimeSpan.Zero),
        });
    }

    /// <summary>Writes the cluster as a saved snapshot (<c>.json.gz</c>), as <c>Export-NetSecSnapshot</c> would.</summary>
    internal static void WriteSnapshot(ClusterData data, string path)
    {
        ArgumentNullException.ThrowIfNull(data);
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null)
        {
            Directory.CreateDirectory(dir);
        }

        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        SnapshotFile.Write(data, stream);
    }

    /// <summary>Counts what goes out, without holding it.</summary>
    private sealed class Counter
    {
        private readonly Dictionary<string, int> kinds = new(StringComparer.Ordinal);
        private readonly HashSet<string> ipBlocks = new(StringComparer.Ordinal);

        public void Add(IEnumerable<JsonObject> objects)
        {
            foreach (var o in objects)
            {
                var kind = o["kind"]!.GetValue<string>();
                kinds[kind] = kinds.TryGetValue(kind, out var n) ? n + 1 : 1;
                if (kind is "NetworkPolicy" or "AdminNetworkPolicy" or "BaselineAdminNetworkPolicy")
                {
                    CollectCidrs(o["spec"]);
                }
            }
        }

        private void CollectCidrs(JsonNode? node)
        {
            switch (node)
            {
                case JsonObject obj:
                    foreach (var (key, value) in obj)
                    {
                        if (key == "cidr" && value is JsonValue v)
                        {
                            ipBlocks.Add(v.GetValue<string>());
                        }
                        else if (key == "networks" && value is JsonArray networks)
                        {
                            foreach (var n in networks)
                            {
                                ipBlocks.Add(n!.GetValue<string>());
                            }
                        }
                        else
                        {
                            CollectCidrs(value);
                        }
                    }

                    break;
                case JsonArray arr:
                    foreach (var item in arr)
                    {
                        CollectCidrs(item);
                    }

                    break;
            }
        }

        public GenerationSummary Summary(SyntheticCluster generator, int files, long bytes) =>
            new(generator.Shape, new Dictionary<string, int>(kinds, StringComparer.Ordinal), files, bytes, generator.Plan.Nodes,
                generator.Plan.Namespaces.Count, ipBlocks.Count);
    }
}
