using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using k8s.Models;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Tests;

/// <summary>Saved snapshots: what is written is read back unchanged; what cannot be read is refused clearly.</summary>
public sealed class SnapshotFileTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("netsecps-snapshot-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static ClusterData ReadDemoWithProblems() => ManifestSource.Read(new[]
    {
        Path.Combine(TestPaths.RepoRoot, "samples", "cluster"),
        TestPaths.Fixture("manifests", "not-k8s.yaml"),
        TestPaths.Fixture("manifests", "malformed.yaml"),
        TestPaths.Fixture("manifests", "unknown-kinds.yaml"),
    });

    private string Save(ClusterData data)
    {
        var path = Path.Combine(dir, "cluster.json.gz");
        using (var stream = File.Create(path))
        {
            SnapshotFile.Write(data, stream);
        }

        return path;
    }

    private static ClusterData Load(string path)
    {
        using var stream = File.OpenRead(path);
        return SnapshotFile.Read(stream, path);
    }

    [Fact]
    public void A_saved_snapshot_reads_back_with_the_same_objects_coverage_provenance_and_diagnostics()
    {
        var original = ReadDemoWithProblems();
        var loaded = Load(Save(original));

        Assert.Equal(original.Objects.Select(o => o.Key), loaded.Objects.Select(o => o.Key));
        foreach (var (a, b) in original.Objects.Zip(loaded.Objects))
        {
            Assert.Equal(a.ApiVersion, b.ApiVersion);
            Assert.Equal(a.Source, b.Source);
            Assert.Equal(a.Typed?.GetType(), b.Typed?.GetType());
            Assert.True(JsonNode.DeepEquals(ObjectFactory.ToJson(a), ObjectFactory.ToJson(b)), $"{a.Key} changed in the round trip");
        }

        Assert.Equal(original.Coverage, loaded.Coverage);
        Assert.Equal(original.Diagnostics, loaded.Diagnostics);
        Assert.Equal(original.Provenance.SourceKind, loaded.Provenance.SourceKind);
        Assert.Equal(original.Provenance.CollectedAt, loaded.Provenance.CollectedAt);
        Assert.Equal(original.Provenance.Paths, loaded.Provenance.Paths);
        Assert.Equal(original.Provenance.Inputs, loaded.Provenance.Inputs);
        Assert.Equal(original.KindCounts(), loaded.KindCounts());
    }

    [Fact]
    public void Typed_fields_and_raw_kinds_survive_the_round_trip()
    {
        var loaded = Load(Save(ReadDemoWithProblems()));
        var grafana = loaded.Objects.Single(o => o.Key == "Service/monitoring/grafana").As<V1Service>()!;
        Assert.Equal(30300, grafana.Spec.Ports.Single().NodePort);
        var anp = loaded.Objects.Single(o => o.Key == "AdminNetworkPolicy/cluster-deny-cloud-metadata");
        Assert.Equal(10, anp.Raw!["spec"]!["priority"]!.GetValue<int>());
        Assert.Equal("169.254.169.254/32", anp.Raw["spec"]!["egress"]![0]!["to"]![0]!["networks"]![0]!.GetValue<string>());
    }

    [Fact]
    public void Secret_values_are_not_in_the_saved_file()
    {
        var path = Save(ReadDemoWithProblems());
        using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        var text = new StreamReader(gz).ReadToEnd();
        Assert.Contains("payments-db-credentials", text, StringComparison.Ordinal);
        Assert.DoesNotContain("change-me", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Y2hhbmdlLW1l", text, StringComparison.Ordinal);
    }

    private string WriteGzip(string name, string json)
    {
        var path = Path.Combine(dir, name);
        using var gz = new GZipStream(File.Create(path), CompressionLevel.Fastest);
        gz.Write(Encoding.UTF8.GetBytes(json));
        return path;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Diagnostic_severities_saved_as_strings_by_earlier_versions_still_load(int schemaVersion)
    {
        // Written by hand the way 0.x modules saved them, before the severity was an enum.
        var path = WriteGzip("earlier.json.gz", $$"""
            {"schema":"netsecps.snapshot","schemaVersion":{{schemaVersion}},
             "provenance":{"sourceKind":"files","collectedAt":"2026-01-05T08:00:00+00:00"},
             "coverage":[],
             "diagnostics":[
               {"severity":"Error","code":"MalformedYaml","message":"bad indentation","file":"/in/a.yaml","line":3,"column":1},
               {"severity":"Warning","code":"UnknownKind","message":"skipped","file":null,"line":null,"column":null,"kind":"Widget","name":"w"},
               {"severity":"Information","code":"HostEndpointPolicy","message":"applies to host endpoints","file":"/in/b.yaml","line":1,"column":1}],
             "objects":[]}
            """);

        var loaded = Load(path);

        Assert.Equal(
            new[] { (DiagnosticSeverity.Error, "MalformedYaml"), (DiagnosticSeverity.Warning, "UnknownKind"), (DiagnosticSeverity.Information, "HostEndpointPolicy") },
            loaded.Diagnostics.Select(d => (d.Severity, d.Code)));
        Assert.Equal("/in/a.yaml:3:1: bad indentation", loaded.Diagnostics[0].ToString());
    }

    [Fact]
    public void Diagnostic_severities_are_saved_as_their_names_not_numbers()
    {
        var path = Save(ReadDemoWithProblems());
        using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        var diagnostics = JsonNode.Parse(gz)!["diagnostics"]!.AsArray();

        Assert.NotEmpty(diagnostics);
        Assert.All(diagnostics, d => Assert.Contains(d!["severity"]!.GetValue<string>(), new[] { "Error", "Warning", "Information" }));
        Assert.Contains(diagnostics, d => d!["severity"]!.GetValue<string>() == "Error");
    }

    [Fact]
    public void A_snapshot_of_a_newer_schema_version_is_refused_with_a_message_to_update()
    {
        var path = WriteGzip("future.json.gz", $$"""{"schema":"netsecps.snapshot","schemaVersion":{{Snapshot.CurrentSchemaVersion + 1}},"objects":[]}""");
        var ex = Assert.Throws<InvalidDataException>(() => Load(path));
        Assert.Contains("future.json.gz", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"schema version {Snapshot.CurrentSchemaVersion + 1}", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Update NetSecPS", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_gzip_json_file_of_another_schema_is_refused()
    {
        var path = WriteGzip("baseline.json.gz", """{"schema":"netsecps.baseline","schemaVersion":1}""");
        var ex = Assert.Throws<InvalidDataException>(() => Load(path));
        Assert.Contains("is not a NetSecPS snapshot", ex.Message, StringComparison.Ordinal);
        Assert.Contains("netsecps.baseline", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_not_gzip_is_refused_saying_so()
    {
        var path = Path.Combine(dir, "plain.json.gz");
        File.WriteAllText(path, """{"schema":"netsecps.snapshot","schemaVersion":1}""");
        var ex = Assert.Throws<InvalidDataException>(() => Load(path));
        Assert.Contains("plain.json.gz", ex.Message, StringComparison.Ordinal);
        Assert.Contains("not gzip-compressed", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[1, 2, 3]")]
    [InlineData("{\"schema\": 7}")]
    [InlineData("{\"schema\":\"netsecps.snapshot\",\"schemaVersion\":\"one\"}")]
    [InlineData("{\"schema\":\"netsecps.snapshot\",\"schemaVersion\":1,\"coverage\":\"all\"}")]
    [InlineData("not json at all")]
    public void Damaged_content_is_refused_as_invalid_data_not_a_crash(string content)
    {
        var path = WriteGzip("damaged.json.gz", content);
        var ex = Assert.Throws<InvalidDataException>(() => Load(path));
        Assert.Contains("damaged.json.gz", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SnapshotSources_reads_a_saved_snapshot_given_as_the_only_path()
    {
        var path = Save(ManifestSource.Read(new[] { TestPaths.Fixture("owners", "templates-only.yaml") }));
        var data = SnapshotSources.FromPaths(new[] { path }, new CollectingSink(), CancellationToken.None);
        Assert.Equal(7, data.Objects.Count);
        Assert.Equal("files", data.Provenance.SourceKind);
    }
}
