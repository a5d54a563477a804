using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace NetSecPS.Core.Sources;

/// <summary>
/// Saved snapshots: gzip-compressed JSON with a schema name and version. A file of another
/// schema, or of a newer version than this module knows, is refused with a clear message.
/// </summary>
internal static class SnapshotFile
{
    public const string SchemaName = "netsecps.snapshot";

    /// <summary>Measured (docs/performance.md): what the generated 50,000-pod cluster's snapshot inflates to.</summary>
    internal const long TypicalSnapshotBytesAt50000Pods = 300L << 20;

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
            ObjectReader.WriteJson(writer, o);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>
    /// Reads the saved snapshot at <paramref name="path"/>: only a regular file (a FIFO would block
    /// the read), within <paramref name="limits"/>.
    /// </summary>
    public static ClusterData ReadFile(string path, InputLimits? limits = null)
    {
        InputFiles.EnsureRegularFile(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Read(stream, path, limits);
    }

    /// <summary>
    /// Reads a saved snapshot; throws <see cref="InvalidDataException"/> for a file that is not one
    /// this module can read. The file is read as a stream, one object at a time, so reading it
    /// takes little more memory than the objects themselves; it may inflate to at most
    /// <see cref="InputLimits.MaxSnapshotBytes"/>, so a small file that inflates a thousandfold
    /// (a gzip bomb) stops at the limit, whatever it holds.
    /// </summary>
    public static ClusterData Read(Stream source, string displayPath, InputLimits? limits = null)
    {
        limits ??= InputLimits.Default;
        try
        {
            using var gz = new GZipStream(source, CompressionMode.Decompress, leaveOpen: true);
            using var inflated = new BoundedReadStream(gz, limits.MaxSnapshotBytes);
            return ReadDocument(new JsonStreamReader(inflated, limits.MaxSnapshotValueBytes), displayPath);
        }
        catch (RefusedSnapshotException ex)
        {
            throw new InvalidDataException(ex.Message, ex.InnerException);
        }
        catch (InputLimitException ex) when (ex.Code == "SnapshotTooLarge")
        {
            throw new InvalidDataException(
                $"{displayPath} inflates to more than {InputLimits.Size(limits.MaxSnapshotBytes)} (-MaximumSnapshotSize); a snapshot of 50,000 pods inflates to about {InputLimits.Size(TypicalSnapshotBytesAt50000Pods)}. Reading stopped there: the file is damaged or not a NetSecPS snapshot, or give a larger -MaximumSnapshotSize.",
                ex);
        }
        catch (InputLimitException ex)
        {
            throw new InvalidDataException(
                $"{displayPath} holds one value larger than {InputLimits.Size(limits.MaxSnapshotValueBytes)}, more than any object of a cluster: the file is damaged or not a NetSecPS snapshot.", ex);
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
    }

    /// <summary>A file this module refuses, with the reason; kept apart from the decompressor's own InvalidDataException.</summary>
    private sealed class RefusedSnapshotException(string message, Exception? inner = null) : Exception(message, inner);

    private static ClusterData ReadDocument(JsonStreamReader json, string displayPath)
    {
        if (json.ReadToken().Type != JsonTokenType.StartObject)
        {
            throw new RefusedSnapshotException($"{displayPath} is not a NetSecPS snapshot: it holds no JSON object.");
        }

        string? schema = null;
        string? versionText = null;
        var checkedHeader = false;
        var provenance = new Provenance();
        var builder = new SnapshotBuilder();
        var reader = new ObjectReader();
        void CheckHeader()
        {
            if (checkedHeader)
            {
                return;
            }

            checkedHeader = true;
            if (schema != SchemaName)
            {
                throw new RefusedSnapshotException(
                    $"{displayPath} is not a NetSecPS snapshot: its schema is '{schema ?? "(none)"}', not '{SchemaName}'.");
            }

            var version = int.TryParse(versionText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : 0;
            if (version > Snapshot.CurrentSchemaVersion)
            {
                throw new RefusedSnapshotException(
                    $"{displayPath} is a snapshot of schema version {version}, newer than this NetSecPS reads ({Snapshot.CurrentSchemaVersion}). Update NetSecPS to read it.");
            }

            if (version < 1)
            {
                throw new RefusedSnapshotException($"{displayPath} has no valid snapshot schema version ('{versionText ?? "(none)"}').");
            }
        }

        T Section<T>(string name)
            where T : class
        {
            CheckHeader();
            if (!json.TryReadValue(out var value))
            {
                throw new RefusedSnapshotException($"{displayPath} is a damaged NetSecPS snapshot: '{name}' has no value.");
            }

            try
            {
                return JsonSerializer.Deserialize<T>(value, Options) ?? throw new JsonException($"'{name}' is null.");
            }
            catch (JsonException ex)
            {
                throw new RefusedSnapshotException($"{displayPath} is a damaged NetSecPS snapshot: {ex.Message}", ex);
            }
        }

        while (true)
        {
            var (type, name) = json.ReadToken();
            if (type == JsonTokenType.EndObject)
            {
                break;
            }

            switch (name)
            {
                case "schema":
                    schema = ScalarText(json);
                    break;
                case "schemaVersion":
                    versionText = ScalarText(json);
                    break;
                case "provenance":
                    provenance = Section<Provenance>(name);
                    break;
                case "coverage":
                    foreach (var c in Section<List<CoverageEntry>>(name))
                    {
                        builder.SetCoverage(c);
                    }

                    break;
                case "diagnostics":
                    foreach (var d in Section<List<InputDiagnostic>>(name))
                    {
                        builder.AddDiagnostic(d);
                    }

                    break;
                case "objects":
                    CheckHeader();
                    ReadObjects(json, reader, builder, displayPath);
                    break;
                default:
                    json.TryReadValue(out _);
                    break;
            }
        }

        CheckHeader();
        return builder.Build(provenance);
    }

    /// <summary>The text of a scalar value (a string's content, a number's digits); null for anything else.</summary>
    private static string? ScalarText(JsonStreamReader json)
    {
        if (!json.TryReadValue(out var value))
        {
            return null;
        }

        var reader = new Utf8JsonReader(value);
        reader.Read();
        return reader.TokenType switch
        {
            JsonTokenType.String => reader.GetString(),
            JsonTokenType.Number => System.Text.Encoding.UTF8.GetString(reader.ValueSpan),
            _ => System.Text.Encoding.UTF8.GetString(value),
        };
    }

    private static void ReadObjects(JsonStreamReader json, ObjectReader reader, SnapshotBuilder builder, string displayPath)
    {
        if (json.ReadToken().Type != JsonTokenType.StartArray)
        {
            throw new RefusedSnapshotException($"{displayPath} is a damaged NetSecPS snapshot: 'objects' is not a list.");
        }

        while (json.TryReadValue(out var item))
        {
            var entry = new Utf8JsonReader(item);
            if (!entry.Read() || entry.TokenType != JsonTokenType.StartObject)
            {
                continue;
            }

            SourceLocation? source = null;
            var objectStart = -1;
            var objectLength = 0;
            while (entry.Read() && entry.TokenType == JsonTokenType.PropertyName)
            {
                if (entry.ValueTextEquals("object"u8))
                {
                    entry.Read();
                    objectStart = (int)entry.TokenStartIndex;
                    entry.Skip();
                    objectLength = (int)entry.BytesConsumed - objectStart;
                }
                else if (entry.ValueTextEquals("source"u8))
                {
                    entry.Read();
                    source = ReadSource(ref entry);
                }
                else
                {
                    entry.Read();
                    entry.Skip();
                }
            }

            if (objectStart < 0)
            {
                continue;
            }

            var result = reader.Create(item.Slice(objectStart, objectLength), source);
            if (result.Object is not null)
            {
                builder.Add(result.Object);
            }
            else if (!result.Withheld)
            {
                builder.AddDiagnostic(new InputDiagnostic(DiagnosticSeverity.Error, "InvalidObject", result.Error ?? result.Warning ?? "not a Kubernetes object", displayPath, null, null));
            }
        }
    }

    private static SourceLocation? ReadSource(ref Utf8JsonReader entry)
    {
        if (entry.TokenType != JsonTokenType.StartObject)
        {
            entry.Skip();
            return null;
        }

        string? file = null;
        int line = 0, column = 0;
        while (entry.Read() && entry.TokenType == JsonTokenType.PropertyName)
        {
            var isFile = entry.ValueTextEquals("file"u8);
            var isLine = entry.ValueTextEquals("line"u8);
            var isColumn = entry.ValueTextEquals("column"u8);
            entry.Read();
            if (isFile && entry.TokenType == JsonTokenType.String)
            {
                file = entry.GetString();
            }
            else if (isLine && entry.TokenType == JsonTokenType.Number && entry.TryGetInt32(out var l))
            {
                line = l;
            }
            else if (isColumn && entry.TokenType == JsonTokenType.Number && entry.TryGetInt32(out var c))
            {
                column = c;
            }
            else
            {
                entry.Skip();
            }
        }

        return file is null ? null : new SourceLocation(file, line, column);
    }

    public static bool LooksLikeSnapshotPath(string path) =>
        path.EndsWith(".json.gz", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".snapshot.gz", StringComparison.OrdinalIgnoreCase);

    /// <summary>A read-only view of a stream that refuses to yield more than a given number of bytes.</summary>
    private sealed class BoundedReadStream(Stream inner, long maxBytes) : Stream
    {
        private long position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override int Read(Span<byte> buffer) => Count(inner.Read(buffer));

        private int Count(int read)
        {
            position += read;
            if (position > maxBytes)
            {
                throw new InputLimitException("SnapshotTooLarge", $"The snapshot inflates to more than {InputLimits.Size(maxBytes)}.");
            }

            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
