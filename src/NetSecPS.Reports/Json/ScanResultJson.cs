using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace NetSecPS.Reports.Json;

/// <summary>
/// The whole <see cref="ScanResult"/> as JSON: camelCase names in declaration order, enums as
/// their names, dictionaries sorted by key, and a schema name and version first, so two scans of
/// the same cluster diff cleanly. The engine's snapshot is left out (it has its own file format).
/// </summary>
internal static class ScanResultJson
{
    public const string SchemaName = "netsecps.scanresult";
    public const int SchemaVersion = 1;

    public static JsonSerializerOptions Options { get; } = CreateOptions();

    public static void Write(ScanResult scan, Stream stream, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = Options.Encoder });
        JsonSerializer.Serialize(writer, scan, Options);
    }

    /// <summary>Reads a scan result written by <see cref="Write"/> (the snapshot does not come back).</summary>
    public static ScanResult Read(Stream stream)
    {
        var scan = JsonSerializer.Deserialize<ScanResult>(stream, Options)
            ?? throw new InvalidDataException("The file holds no scan result.");
        return scan;
    }

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            DictionaryKeyPolicy = null,
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
            // Readable evidence ("a => b", quotes, non-ASCII names) without unsafe HTML escaping concerns: this is a data file.
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { ShapeScanResult } },
        };
        options.Converters.Add(new JsonStringEnumConverter());
        options.Converters.Add(new SortedDictionaryConverterFactory());
        options.MakeReadOnly();
        return options;
    }

    private static void ShapeScanResult(JsonTypeInfo info)
    {
        if (info.Type == typeof(ScanResult))
        {
            for (var i = info.Properties.Count - 1; i >= 0; i--)
            {
                if (info.Properties[i].Name == "snapshot")
                {
                    info.Properties.RemoveAt(i);
                }
            }

            var schema = info.CreateJsonPropertyInfo(typeof(string), "schema");
            schema.Get = _ => SchemaName;
            schema.Order = -2;
            var version = info.CreateJsonPropertyInfo(typeof(int), "schemaVersion");
            version.Get = _ => SchemaVersion;
            version.Order = -1;
            info.Properties.Add(schema);
            info.Properties.Add(version);
        }
    }

    /// <summary>Writes string-keyed dictionaries in key order, so the output is stable whatever order the scan filled them in.</summary>
    private sealed class SortedDictionaryConverterFactory : JsonConverterFactory
    {
        public override bool CanConvert(Type typeToConvert) =>
            typeToConvert.IsGenericType && typeToConvert.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>)
            && typeToConvert.GetGenericArguments()[0] == typeof(string);

        public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
            (JsonConverter)Activator.CreateInstance(typeof(SortedDictionaryConverter<>).MakeGenericType(typeToConvert.GetGenericArguments()[1]))!;
    }

    private sealed class SortedDictionaryConverter<TValue> : JsonConverter<IReadOnlyDictionary<string, TValue>>
    {
        public override IReadOnlyDictionary<string, TValue>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            JsonSerializer.Deserialize<Dictionary<string, TValue>>(ref reader, options);

        public override void Write(Utf8JsonWriter writer, IReadOnlyDictionary<string, TValue> value, JsonSerializerOptions options)
        {
            writer.WriteStartObject();
            foreach (var pair in value.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                writer.WritePropertyName(pair.Key);
                JsonSerializer.Serialize(writer, pair.Value, options);
            }

            writer.WriteEndObject();
        }
    }
}
