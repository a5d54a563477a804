using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace NetSecPS.Core.Sources;

/// <summary>
/// Saved snapshots: gzip-compressed JSON with a schema name and version. A file of another
/// schema, or of a newer version than this module knows, is refused with a clear message.
/// </summary>
public static class SnapshotFile
{
    public const string SchemaName = "netsecps.snapshot";

    // Enums as names, so a saved file stays readable when an enum gains a member.
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = false,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
    };

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
        JsonNode? parsed;
        try
        {
            using var gz = new GZipStream(source, CompressionMode.Decompress, leaveOpen: true);
            parsed = JsonNode.Parse(gz);
        }
        catch (InvalidDataException ex)
        {
            // GZipStream's own message ("unsupported compression method") does not say what is wrong.
            throw new InvalidDataException($"{displayPath} is not a NetSecPS snapshot: it is not gzip-compressed (Export-NetSecSnapshot writes .json.gz files).", ex);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{displayPath} is not a NetSecPS snapshot: its content is not JSON ({ex.Message}).", ex);
        }

        if (parsed is not JsonObject root)
        {
            throw new InvalidDataException($"{displayPath} is not a NetSecPS snapshot: it holds no JSON object.");
        }

        var schema = root["schema"] is JsonValue sv && sv.TryGetValue<string>(out var sn) ? sn : root["schema"]?.ToJsonString();
        if (schema != SchemaName)
        {
            throw new InvalidDataException(
                $"{displayPath} is not a NetSecPS snapshot: its schema is '{schema ?? "(none)"}', not '{SchemaName}'.");
        }

        var version = root["schemaVersion"] is JsonValue vv && vv.TryGetValue<int>(out var v) ? v : 0;
        if (version > Snapshot.CurrentSchemaVersion)
        {
            throw new InvalidDataException(
                $"{displayPath} is a snapshot of schema version {version}, newer than this NetSecPS reads ({Snapshot.CurrentSchemaVersion}). Update NetSecPS to read it.");
        }

        if (version < 1)
        {
            throw new InvalidDataException($"{displayPath} has no valid snapshot schema version ('{root["schemaVersion"]?.ToJsonString() ?? "(none)"}').");
        }

        Provenance provenance;
        List<CoverageEntry> coverage;
        List<InputDiagnostic> diagnostics;
        JsonArray objects;
        try
        {
            provenance = root["provenance"].Deserialize<Provenance>(Options) ?? new Provenance();
            coverage = root["coverage"].Deserialize<List<CoverageEntry>>(Options) ?? new List<CoverageEntry>();
            diagnostics = root["diagnostics"].Deserialize<List<InputDiagnostic>>(Options) ?? new List<InputDiagnostic>();
            objects = root["objects"] as JsonArray ?? new JsonArray();
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{displayPath} is a damaged NetSecPS snapshot: {ex.Message}", ex);
        }

        var builder = new SnapshotBuilder();
        foreach (var d in diagnostics)
        {
            builder.AddDiagnostic(d);
        }

        foreach (var c in coverage)
        {
            builder.SetCoverage(c);
        }

        foreach (var item in objects)
        {
            if (item?["object"] is not JsonObject obj)
            {
                continue;
            }

            obj.Parent?.AsObject().Remove("object");
            var src = item["source"] is JsonObject s && s["file"] is JsonValue f && f.TryGetValue<string>(out var file)
                ? new SourceLocation(file, IntOrZero(s["line"]), IntOrZero(s["column"]))
                : null;
            var result = ObjectFactory.Create(obj, src);
            if (result.Object is not null)
            {
                builder.Add(result.Object);
            }
            else
            {
                builder.AddDiagnostic(new InputDiagnostic("Error", "InvalidObject", result.Error ?? result.Warning ?? "not a Kubernetes object", displayPath, null, null));
            }
        }

        return builder.Build(provenance);
    }

    private static int IntOrZero(JsonNode? node) => node is JsonValue v && v.TryGetValue<int>(out var i) ? i : 0;

    public static bool LooksLikeSnapshotPath(string path) =>
        path.EndsWith(".json.gz", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".snapshot.gz", StringComparison.OrdinalIgnoreCase);
}
