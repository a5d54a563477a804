using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace NetSecPS.ClusterGenerator;

/// <summary>
/// Writes JSON nodes as block-style YAML the way <c>kubectl get -o yaml</c> lays it out
/// (sequence items at their key's indentation). Strings that a YAML 1.1 or 1.2 reader could
/// take for another type are double-quoted.
/// </summary>
public static class YamlEmitter
{
    private static readonly JsonSerializerOptions QuoteOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~",
    };

    /// <summary>Writes documents separated by <c>---</c>.</summary>
    public static void WriteDocuments(TextWriter writer, IEnumerable<JsonObject> documents)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(documents);
        foreach (var doc in documents)
        {
            writer.Write("---\n");
            WriteMapping(writer, doc, 0, firstInline: false);
        }
    }

    public static string ToYaml(JsonObject document)
    {
        using var sw = new StringWriter(CultureInfo.InvariantCulture);
        WriteMapping(sw, document, 0, firstInline: false);
        return sw.ToString();
    }

    private static void WriteMapping(TextWriter w, JsonObject map, int indent, bool firstInline)
    {
        var first = true;
        foreach (var (key, value) in map)
        {
            if (!(first && firstInline))
            {
                Indent(w, indent);
            }

            first = false;
            w.Write(Scalar(key));
            w.Write(':');
            WriteValue(w, value, indent);
        }
    }

    private static void WriteValue(TextWriter w, JsonNode? value, int indent)
    {
        switch (value)
        {
            case JsonObject { Count: > 0 } o:
                w.Write('\n');
                WriteMapping(w, o, indent + 2, firstInline: false);
                break;
            case JsonObject:
                w.Write(" {}\n");
                break;
            case JsonArray { Count: > 0 } a:
                w.Write('\n');
                WriteSequence(w, a, indent);
                break;
            case JsonArray:
                w.Write(" []\n");
                break;
            default:
                w.Write(' ');
                w.Write(ScalarOf(value));
                w.Write('\n');
                break;
        }
    }

    private static void WriteSequence(TextWriter w, JsonArray items, int indent)
    {
        foreach (var item in items)
        {
            Indent(w, indent);
            w.Write("- ");
            switch (item)
            {
                case JsonObject { Count: > 0 } o:
                    WriteMapping(w, o, indent + 2, firstInline: true);
                    break;
                case JsonObject:
                    w.Write("{}\n");
                    break;
                case JsonArray { Count: > 0 } a:
                    w.Write('\n');
                    WriteSequence(w, a, indent + 2);
                    break;
                case JsonArray:
                    w.Write("[]\n");
                    break;
                default:
                    w.Write(ScalarOf(item));
                    w.Write('\n');
                    break;
            }
        }
    }

    private static void Indent(TextWriter w, int indent)
    {
        for (var i = 0; i < indent; i++)
        {
            w.Write(' ');
        }
    }

    private static string ScalarOf(JsonNode? node)
    {
        if (node is null)
        {
            return "null";
        }

        var value = node.AsValue();
        return value.GetValueKind() switch
        {
            JsonValueKind.String => Scalar(value.GetValue<string>()),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => value.ToJsonString(),
        };
    }

    /// <summary>A string as a plain scalar when that reads back as the same string, else double-quoted.</summary>
    public static string Scalar(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return NeedsQuotes(text) ? JsonSerializer.Serialize(text, QuoteOptions) : text;
    }

    private static bool NeedsQuotes(string text)
    {
        if (text.Length == 0 || Reserved.Contains(text))
        {
            return true;
        }

        var c0 = text[0];
        if (!char.IsAsciiLetter(c0) && c0 != '/' && c0 != '_')
        {
            return true;
        }

        if (text[^1] is ':' or ' ')
        {
            return true;
        }

        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/' or '@' or '=' or '+')
            {
                continue;
            }

            if (c == ':' && i + 1 < text.Length && text[i + 1] != ' ')
            {
                continue;
            }

            return true;
        }

        return false;
    }
}
