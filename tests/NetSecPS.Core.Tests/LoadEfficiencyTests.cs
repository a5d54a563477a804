using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Tests;

/// <summary>
/// The loading paths that large clusters depend on: equal strings held once, saved snapshots
/// read as a stream (objects larger than the read buffer included), and objects read straight
/// from JSON text exactly as from a JSON tree.
/// </summary>
public sealed class LoadEfficiencyTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("netsecps-load-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void Replicas_read_together_hold_their_equal_labels_images_and_port_names_once()
    {
        var data = ManifestSource.Read(new[] { TestPaths.Fixture("sources", "replicas.yaml") });
        var pods = data.Typed<V1Pod>().ToList();
        Assert.Equal(2, pods.Count);
        var (a, b) = (pods[0], pods[1]);
        Assert.Same(a.Metadata.Labels["tier"], b.Metadata.Labels["tier"]);
        Assert.Same(a.Metadata.Labels.Keys.First(), b.Metadata.Labels.Keys.First());
        Assert.Same(a.Spec.Containers[0].Image, b.Spec.Containers[0].Image);
        Assert.Same(a.Spec.Containers[0].Ports[0].Name, b.Spec.Containers[0].Ports[0].Name);
        Assert.NotEqual(a.Metadata.Name, b.Metadata.Name);
        Assert.NotEqual(a.Status.PodIP, b.Status.PodIP);
    }

    [Fact]
    public void A_saved_snapshot_with_an_object_larger_than_the_read_buffer_reads_back_whole()
    {
        // A ConfigMap of 300 KB (a mesh configuration with a bundled CA) outgrows the 64 KB read buffer.
        var big = new string('x', 300_000);
        var manifest = Path.Combine(dir, "mesh.yaml");
        File.WriteAllText(manifest, $"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: istio\n  namespace: istio-system\ndata:\n  mesh: {big}\n" +
                                    "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: istio-system\n");
        var original = ManifestSource.Read(new[] { manifest, TestPaths.Fixture("sources", "replicas.yaml") });
        var path = Path.Combine(dir, "big.json.gz");
        using (var stream = File.Create(path))
        {
            SnapshotFile.Write(original, stream);
        }

        ClusterData loaded;
        using (var stream = File.OpenRead(path))
        {
            loaded = SnapshotFile.Read(stream, path);
        }

        Assert.Equal(original.Objects.Select(o => o.Key), loaded.Objects.Select(o => o.Key));
        Assert.Equal(big, loaded.Objects.Single(o => o.Kind == "ConfigMap").As<V1ConfigMap>()!.Data["mesh"]);
        Assert.Equal(original.Objects.Select(o => o.Source), loaded.Objects.Select(o => o.Source));
    }

    [Fact]
    public void Objects_read_from_json_text_equal_those_read_from_a_json_tree()
    {
        var data = ManifestSource.Read(new[] { Path.Combine(TestPaths.RepoRoot, "samples", "cluster") });
        var reader = new ObjectReader();
        foreach (var o in data.Objects)
        {
            var json = ObjectFactory.ToJson(o);
            var fromText = reader.Create(Encoding.UTF8.GetBytes(json.ToJsonString()), o.Source);
            Assert.NotNull(fromText.Object);
            Assert.Equal(o.Key, fromText.Object!.Key);
            Assert.Equal(o.Typed?.GetType(), fromText.Object.Typed?.GetType());
            Assert.True(JsonNode.DeepEquals(json, ObjectFactory.ToJson(fromText.Object)), $"{o.Key} differs when read from text");
        }
    }

    [Fact]
    public void A_secret_read_from_json_text_keeps_no_value()
    {
        using var list = JsonDocument.Parse(File.ReadAllBytes(TestPaths.Fixture("manifests", "list.json")));
        var secret = list.RootElement.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("kind").GetString() == "Secret");
        var result = new ObjectReader().Create(Encoding.UTF8.GetBytes(secret.GetRawText()), null);
        Assert.Equal("Secret/payments/db-password", result.Object!.Key);
        Assert.DoesNotContain("c3VwZXItc2VjcmV0", ObjectFactory.ToJson(result.Object).ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void An_invalid_object_read_from_json_text_is_explained_in_the_manifest_s_terms()
    {
        var text = """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"bad","namespace":"shop"},"spec":{"containers":"web"}}""";
        var result = new ObjectReader().Create(Encoding.UTF8.GetBytes(text), null);
        Assert.Null(result.Object);
        Assert.Contains("spec.containers must be a list, not a string", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Items_of_a_json_list_point_at_the_line_and_column_their_object_starts_on()
    {
        var data = ManifestSource.Read(new[] { TestPaths.Fixture("manifests", "list.json") });
        Assert.Equal(new[] { (5, 5), (11, 5) }, data.Objects.Select(o => (o.Source!.Line, o.Source.Column)));
    }

    [Theory]
    [InlineData("dumps", "kubectl-get-pods.json")]
    [InlineData("dumps", "podlist.json")]
    [InlineData("manifests", "escapes.json")]
    public void A_json_dump_reads_the_same_as_through_the_yaml_reader(string folder, string name)
    {
        // A comment line first makes the file YAML-only, so the YAML reader reads the same JSON.
        var yamlPath = Path.Combine(dir, name + ".yaml");
        File.WriteAllText(yamlPath, "# the same dump, read as YAML\n" + File.ReadAllText(TestPaths.Fixture(folder, name)));
        var json = ManifestSource.Read(new[] { TestPaths.Fixture(folder, name) });
        var yaml = ManifestSource.Read(new[] { yamlPath });
        Assert.Equal(yaml.Objects.Select(o => o.Key), json.Objects.Select(o => o.Key));
        Assert.Equal(yaml.Objects.Select(o => o.Source!.Line - 1), json.Objects.Select(o => o.Source!.Line));
        foreach (var (a, b) in yaml.Objects.Zip(json.Objects))
        {
            Assert.True(JsonNode.DeepEquals(ObjectFactory.ToJson(a), ObjectFactory.ToJson(b)), $"{a.Key} differs");
        }
    }

    [Fact]
    public void A_json_file_with_a_key_given_twice_is_refused_naming_the_key_and_line()
    {
        var path = Path.Combine(dir, "twice.json");
        File.WriteAllText(path, "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"Namespace\",\n  \"metadata\": {\"name\": \"a\", \"name\": \"b\"}\n}\n");
        var data = ManifestSource.Read(new[] { path });
        Assert.Empty(data.Objects);
        var error = Assert.Single(data.Diagnostics);
        Assert.Equal("MalformedYaml", error.Code);
        Assert.Contains("Duplicate key 'name'", error.Message, StringComparison.Ordinal);
        Assert.Equal(4, error.Line);
    }
}
