using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace NetSecPS.Core.Baseline;

/// <summary>
/// Canonical JSON in the spirit of RFC 8785 (JCS): object members sorted by their names'
/// UTF-16 code units, no insignificant whitespace, strings with only the escapes JSON
/// requires, integers in plain decimal. Digests are taken over these bytes, so a file that is
/// re-indented or has its keys reordered still verifies while any change of a value does not.
/// The indented form (two spaces, LF) is what baseline files hold, for readers and diffs.
/// </summary>
public static class CanonicalJson
{
    public static string Serialize(JsonNode? node, bool indented = false)
    {
        var sb = new StringBuilder();
        Write(sb, node, indented, 0);
        return sb.ToString();
    }

    public static byte[] Utf8(JsonNode? node) => Encoding.UTF8.GetBytes(Serialize(node));

    /// <summary><c>sha256:</c> and the lowercase hex SHA-256 of the node's canonical form.</summary>
    public static string Digest(JsonNode? node) => "sha256:" + Convert.ToHexString(SHA256.HashData(Utf8(node))).ToLowerInvariant();

    /// <summary>A copy without null-valued members, so an omitted field and an explicit null are the same spelling.</summary>
    public static JsonNode? WithoutNulls(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.Where(kv => kv.Value is not null).Select(kv => KeyValuePair.Create(kv.Key, WithoutNulls(kv.Value)))),
        JsonArray a => new JsonArray(a.Select(WithoutNulls).ToArray()),
        _ => node?.DeepClone(),
    };

    /// <summary>
    /// Parses JSON, refusing duplicate member names: a reader that keeps the first and one that
    /// keeps the last would see different documents under the same digest.
    /// </summary>
    public static JsonNode? ParseStrict(ReadOnlySpan<byte> utf8)
    {
        using (var doc = JsonDocument.Parse(utf8.ToArray(), new JsonDocumentOptions { MaxDepth = 128 }))
        {
            RefuseDuplicates(doc.RootElement, "$");
        }

        return JsonNode.Parse(utf8);
    }

    private static void RefuseDuplicates(JsonElement e, string path)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                var names = new HashSet<string>(StringComparer.Ordinal);
                foreach (var p in e.EnumerateObject())
                {
                    if (!names.Add(p.Name))
                    {
                        throw new JsonException($"Member '{p.Name}' appears twice in {path}.");
                    }

                    RefuseDuplicates(p.Value, path + "." + p.Name);
                }

                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in e.EnumerateArray())
                {
                    RefuseDuplicates(item, $"{path}[{i++}]");
                }

                break;
        }
    }

    private static void Write(StringBuilder sb, JsonNode? node, bool indented, int depth)
    {
        switch (node)
        {
            case null:
                sb.Append("null");
                break;
            case JsonObject o:
                var members = o.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
                if (members.Count == 0)
                {
                    sb.Append("{}");
                    break;
                }

                sb.Append('{');
                for (var i = 0; i < members.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(',');
                    }

                    NewLine(sb, indented, depth + 1);
                    WriteString(sb, members[i].Key);
                    sb.Append(indented ? ": " : ":");
                    Write(sb, members[i].Value, indented, depth + 1);
                }

                NewLine(sb, indented, depth);
                sb.Append('}');
                break;
            case JsonArray a:
                if (a.Count == 0)
                {
                    sb.Append("[]");
                    break;
                }

                sb.Append('[');
                for (var i = 0; i < a.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(',');
                    }

                    NewLine(sb, indented, depth + 1);
                    Write(sb, a[i], indented, depth + 1);
                }

                NewLine(sb, indented, depth);
                sb.Append(']');
                break;
            case JsonValue v:
                WriteValue(sb, v);
                break;
        }
    }

    private static void NewLine(StringBuilder sb, bool indented, int depth)
    {
        if (indented)
        {
            sb.Append('\n').Append(' ', depth * 2);
        }
    }

    private static void WriteValue(StringBuilder sb, JsonValue v)
    {
        switch (v.GetValueKind())
        {
            case JsonValueKind.String:
                WriteString(sb, v.GetValue<string>());
                break;
            case JsonValueKind.True:
                sb.Append("true");
                break;
            case JsonValueKind.False:
                sb.Append("false");
                break;
            case JsonValueKind.Number:
                var raw = v.ToJsonString();
                if (long.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
                {
                    sb.Append(l.ToString(CultureInfo.InvariantCulture));
                }
                else
                {
                    // The schema has no fractions; anything else is written in the shortest round-trip form.
                    sb.Append(double.Parse(raw, NumberStyles.Float, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture));
                }

                break;
            default:
                sb.Append("null");
                break;
        }
    }

    private static void WriteString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < 0x20)
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        sb.Append('"');
    }
}
