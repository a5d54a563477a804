using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace NetSecPS.Core.Sources;

/// <summary>
/// Saved snapshots: gzip-compressed JSON with a schema name and version. A file of another
/// schema, or of a newer version than this module knows, is refused with a clear message.
/// </summary>
public static class SnapshotFile
{
    public const string SchemaName = "netsecps.snapshot";

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = false, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static void Write(ClusterData data, Stream destination)
    {
        using var gz = new GZipStream(destination, CompressionLevel.Optimal, leaveOpen: true);
        using var writer = new Utf8JsonWriter(gz);
        writer.WriteStartObject();
        writer.WriteString("schema", SchemaName);
        writer.WriteNumber("schemaVersion", Snapshot.CurrentSchemaVersion);
        writer.WritePropertyName("provenance");
        JsonSerializer.Serialize(writer, data.Provenance, Options);
        writer.WritePropertyName("coverage");
        JsonSerializer.Serialize(writer, data.Coverage, Options);
        writer.WritePropertyName("diagnostics");
        JsonSerializer.Serialize(writer, data.Diagnostics, Options);
        writer.WriteStartArray("objects");
        foreach (var o in data.Objects)
        {
            writer.WriteStartObject();
            if (o.Source is { } s)
            {
                writer.WriteStartObject("source");
                writer.WriteString("file", s.File);
                writer.WriteNumber("line", s.Line);
                writer.WriteNumber("column", s.Column);
                writer.WriteEndObject();
            }

            writer.WritePropertyName("object");
            ObjectFactory.ToJson(o).WriteTo(writer);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>Reads a saved snapshot; throws <see cref="InvalidDataException"/> for a file that is not one this module can read.</summary>
    public static ClusterData Read(Stream source, string displayPath)
    {
        JsonObject root;
        try
        {
            using var gz = new GZipStream(source, CompressionMode.Decompress, leaveOpen: true);
            root = JsonNode.Parse(gz)?.AsObject() ?? throw new InvalidDataException($"{displayPath} is empty.");
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            throw new InvalidDataException($"{displayPath} is not a NetSecPS snapshot (not gzip-compressed JSON): {ex.Message}", ex);
        }

        if (root["schema"]?.GetValue<string>() != SchemaName)
        {
            throw new InvalidDataException($"{displayPath} is not a NetSecPS snapshot (schema '{root["schema"]}').");
        }

        var version = root["schemaVersion"]?.GetValue<int>() ?? 0;
        if (version > Snapshot.CurrentSchemaVersion || version < 1)
        {
            throw new InvalidDataException($"{displayPath} has snapshot schema version {version}; this NetSecPS reads version {Snapshot.CurrentSchemaVersion}. Update NetSecPS to read it.");
        }

        var provenance = root["provenance"].Deserialize<Provenance>(Options) ?? new Provenance();
        var coverage = root["coverage"].Deserialize<List<CoverageEntry>>(Options) ?? new List<CoverageEntry>();
        var diagnostics = root["diagnostics"].Deserialize<List<InputDiagnostic>>(Options) ?? new List<InputDiagnostic>();
        var builder = new SnapshotBuilder();
        foreach (var d in diagnostics)
        {
            builder.AddDiagnostic(d);
        }

        foreach (var c in coverage)
        {
            builder.SetCoverage(c);
        }

        foreach (var item in root["objects"]?.AsArray() ?? new JsonArray())
        {
            if (item?["object"] is not JsonObject obj)
            {
                continue;
            }

            obj.Parent?.AsObject().Remove("object");
            var src = item["source"] is JsonObject s
                ? new SourceLocation(s["file"]!.GetValue<string>(), s["line"]!.GetValue<int>(), s["column"]!.GetValue<int>())
                : null;
            var result = ObjectFactory.Create(obj, src);
            if (result.Object is not null)
            {
                builder.Add(result.Object);
            }
            else
            {
                builder.AddDiagnostic(new InputDiagnostic("Error", "InvalidObject", $"{displayPath}: {result.Error ?? result.Warning}", displayPath, null, null));
            }
        }

        return builder.Build(provenance);
    }

    public static bool LooksLikeSnapshotPath(string path) =>
        path.EndsWith(".json.gz", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".snapshot.gz", StringComparison.OrdinalIgnoreCase);
}
