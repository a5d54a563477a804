using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace NetSecPS.Core.Sources;

/// <summary>
/// One YAML document as UTF-8 JSON text, with where it starts and where each item of its
/// <c>items</c> list starts. <see cref="Json"/> is valid until the next document is read.
/// </summary>
internal readonly record struct YamlJsonText(ReadOnlyMemory<byte> Json, bool IsEmpty, bool IsObject, Mark Start, IReadOnlyList<Mark?> ItemMarks);

internal static partial class YamlJsonReader
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    /// <summary>
    /// Reads YAML documents straight into JSON text, without a JSON tree in between: typed
    /// objects are then read from the text directly. Documents that use anchors, aliases, merge
    /// keys or non-scalar keys take the tree path (<see cref="ReadDocuments"/>'s semantics) and are
    /// then written as text too, so both paths give the same JSON.
    /// </summary>
    public static IEnumerable<YamlJsonText> ReadDocumentsAsJson(TextReader reader, InputLimits? limits = null)
    {
        limits ??= InputLimits.Default;
        var parser = new CheckedParser(reader, limits);
        parser.Consume<StreamStart>();
        var events = new List<ParsingEvent>();
        var buffer = new ArrayBufferWriter<byte>(16 * 1024);
        using var writer = new Utf8JsonWriter(buffer, WriterOptions);
        var keySets = new List<HashSet<string>>();
        var itemMarks = new List<Mark?>();
        while (!parser.Accept<StreamEnd>(out _))
        {
            var start = parser.Consume<DocumentStart>();
            events.Clear();
            while (!parser.Accept<DocumentEnd>(out _))
            {
                events.Add(parser.Current!);
                parser.MoveNext();
            }

            parser.Consume<DocumentEnd>();
            itemMarks.Clear();
            if (events.Count == 0 || (events.Count == 1 && events[0] is Scalar only && Classify(only, out _, out _) == ScalarKind.Null))
            {
                yield return new YamlJsonText(ReadOnlyMemory<byte>.Empty, true, false, start.Start, itemMarks);
                continue;
            }

            buffer.Clear();
            writer.Reset(buffer);
            var index = 0;
            ReadOnlyMemory<byte> json;
            if (TryWrite(events, ref index, writer, 0, keySets, itemMarks, isItems: false))
            {
                writer.Flush();
                json = buffer.WrittenMemory;
            }
            else
            {
                var marks = new Dictionary<JsonNode, Mark>(ReferenceEqualityComparer.Instance);
                var root = ReadNode(new EventList(events), marks, new AliasBudget(limits), 0);
                itemMarks.Clear();
                if (root is JsonObject { } obj && obj["items"] is JsonArray items)
                {
                    itemMarks.AddRange(items.Select(i => i is JsonObject o && marks.TryGetValue(o, out var m) ? m : (Mark?)null));
                }

                if (root is null)
                {
                    yield return new YamlJsonText(ReadOnlyMemory<byte>.Empty, true, false, start.Start, itemMarks);
                    continue;
                }

                json = JsonSerializer.SerializeToUtf8Bytes(root);
            }

            yield return new YamlJsonText(json, false, events[0] is MappingStart, events[0].Start, itemMarks);
        }
    }

    /// <summary>Writes one node; false when the document needs the tree path.</summary>
    private static bool TryWrite(List<ParsingEvent> events, ref int index, Utf8JsonWriter writer, int depth, List<HashSet<string>> keySets, List<Mark?> itemMarks, bool isItems)
    {
        var e = events[index];
        if (depth > 200)
        {
            throw new YamlException(e.Start, e.End, "Nesting is deeper than 200 levels.");
        }

        if (e is NodeEvent { Anchor.IsEmpty: false } or AnchorAlias)
        {
            return false;
        }

        switch (e)
        {
            case Scalar scalar:
                WriteScalar(writer, scalar);
                index++;
                return true;

            case SequenceStart:
                writer.WriteStartArray();
                index++;
                while (events[index] is not SequenceEnd)
                {
                    if (isItems)
                    {
                        itemMarks.Add(events[index] is MappingStart m ? m.Start : null);
                    }

                    if (!TryWrite(events, ref index, writer, depth + 1, keySets, itemMarks, isItems: false))
                    {
                        return false;
                    }
                }

                writer.WriteEndArray();
                index++;
                return true;

            case MappingStart:
                writer.WriteStartObject();
                index++;
                while (keySets.Count <= depth)
                {
                    keySets.Add(new HashSet<string>(StringComparer.Ordinal));
                }

                var keys = keySets[depth];
                keys.Clear();
                while (events[index] is not MappingEnd)
                {
                    if (events[index] is not Scalar keyScalar || keyScalar.Anchor.IsEmpty is false)
                    {
                        return false;
                    }

                    var key = KeyText(keyScalar);
                    if (key == "<<" && keyScalar.Style == ScalarStyle.Plain)
                    {
                        return false;
                    }

                    if (!keys.Add(key))
                    {
                        throw new YamlException(keyScalar.Start, keyScalar.End, $"Duplicate key '{key}'.");
                    }

                    writer.WritePropertyName(key);
                    index++;
                    var valueIsItems = depth == 0 && key == "items" && events[index] is SequenceStart;
                    if (!TryWrite(events, ref index, writer, depth + 1, keySets, itemMarks, valueIsItems))
                    {
                        return false;
                    }
                }

                writer.WriteEndObject();
                index++;
                return true;

            default:
                throw new YamlException(e.Start, e.End, $"Unexpected YAML event {e.GetType().Name}.");
        }
    }

    private static void WriteScalar(Utf8JsonWriter writer, Scalar scalar)
    {
        switch (Classify(scalar, out var integer, out var real))
        {
            case ScalarKind.Null:
                writer.WriteNullValue();
                break;
            case ScalarKind.True:
                writer.WriteBooleanValue(true);
                break;
            case ScalarKind.False:
                writer.WriteBooleanValue(false);
                break;
            case ScalarKind.Integer:
                writer.WriteNumberValue(integer);
                break;
            case ScalarKind.Float:
                writer.WriteRawValue(real.ToString("R", CultureInfo.InvariantCulture), skipInputValidation: true);
                break;
            default:
                writer.WriteStringValue(scalar.Value);
                break;
        }
    }

    /// <summary>A mapping key as the tree path names it: the scalar's value as it resolves, written as text.</summary>
    private static string KeyText(Scalar scalar) => Classify(scalar, out var integer, out var real) switch
    {
        ScalarKind.Null => "null",
        ScalarKind.True => "true",
        ScalarKind.False => "false",
        ScalarKind.Integer => integer.ToString(CultureInfo.InvariantCulture),
        ScalarKind.Float => real.ToString("R", CultureInfo.InvariantCulture),
        _ => scalar.Value,
    };

    /// <summary>Replays buffered events to the tree reader.</summary>
    private sealed class EventList(List<ParsingEvent> events) : IParser
    {
        private int index;

        public ParsingEvent? Current => index < events.Count ? events[index] : null;

        public bool MoveNext()
        {
            index++;
            return index < events.Count;
        }
    }
}
