using System.Text.Json;
using System.Text.Json.Nodes;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Tests;

/// <summary>
/// A copy of a folder of manifests that a test can change the way <c>kubectl</c> would (apply a
/// manifest: create the object or merge it into the one there; patch an object; delete one) and
/// then read back as a cluster. The demo cluster stays the fixture; a change is stated as what an
/// operator would do to it.
/// </summary>
internal sealed class ManifestCluster
{
    private readonly List<JsonObject> objects = new();

    private ManifestCluster()
    {
    }

    public static ManifestCluster Load(string folder)
    {
        var cluster = new ManifestCluster();
        foreach (var file in Directory.EnumerateFiles(folder, "*.yaml", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            cluster.ApplyText(File.ReadAllText(file));
        }

        return cluster;
    }

    /// <summary>A cluster without objects, for tests that apply their own.</summary>
    public static ManifestCluster Empty() => new();

    /// <summary>The demo cluster of samples/cluster.</summary>
    public static ManifestCluster Demo() => Load(Path.Combine(TestPaths.RepoRoot, "samples", "cluster"));

    public IReadOnlyList<JsonObject> Objects => objects;

    /// <summary>Applies every document of a YAML or JSON text, as <c>kubectl apply -f</c> would.</summary>
    public ManifestCluster ApplyText(string text)
    {
        foreach (var doc in YamlJsonReader.ReadDocuments(new StringReader(text)))
        {
            if (doc.Root is JsonObject o)
            {
                Apply(o);
            }
        }

        return this;
    }

    /// <summary>Creates the object, or merges it into the object of the same kind, namespace and name (a JSON merge patch, RFC 7386).</summary>
    public ManifestCluster Apply(JsonObject manifest)
    {
        var existing = Find(Kind(manifest), Namespace(manifest), Name(manifest));
        if (existing is null)
        {
            objects.Add((JsonObject)manifest.DeepClone());
        }
        else
        {
            MergePatch(existing, manifest);
        }

        return this;
    }

    public JsonObject? Find(string kind, string? ns, string name) =>
        objects.FirstOrDefault(o => Kind(o) == kind && Name(o) == name && (Namespace(o) ?? "default") == (ns ?? "default"));

    public ManifestCluster Patch(string kind, string? ns, string name, Action<JsonObject> change)
    {
        change(Find(kind, ns, name) ?? throw new InvalidOperationException($"{kind} {ns}/{name} is not in the cluster"));
        return this;
    }

    public ManifestCluster Delete(string kind, string? ns, string name)
    {
        objects.Remove(Find(kind, ns, name) ?? throw new InvalidOperationException($"{kind} {ns}/{name} is not in the cluster"));
        return this;
    }

    /// <summary>Writes the objects as JSON files into a new temporary folder named <paramref name="name"/> and reads them as a cluster.</summary>
    public ClusterData Read(string name = "cluster")
    {
        var dir = Path.Combine(Path.GetTempPath(), $"netsecps-{Guid.NewGuid():N}", name);
        Directory.CreateDirectory(dir);
        try
        {
            for (var i = 0; i < objects.Count; i++)
            {
                File.WriteAllText(Path.Combine(dir, $"{i:D4}-{Kind(objects[i])}.json"), objects[i].ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            }

            var data = ManifestSource.Read(new[] { dir });
            Assert.DoesNotContain(data.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
            return data;
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(dir)!, recursive: true);
        }
    }

    private static string Kind(JsonObject o) => o["kind"]?.GetValue<string>() ?? string.Empty;

    private static string Name(JsonObject o) => o["metadata"]?["name"]?.GetValue<string>() ?? string.Empty;

    private static string? Namespace(JsonObject o) => o["metadata"]?["namespace"]?.GetValue<string>();

    private static void MergePatch(JsonObject target, JsonObject patch)
    {
        foreach (var (key, value) in patch.ToList())
        {
            if (value is null)
            {
                target.Remove(key);
            }
            else if (value is JsonObject p && target[key] is JsonObject t)
            {
                MergePatch(t, p);
            }
            else
            {
                target[key] = value.DeepClone();
            }
        }
    }
}
