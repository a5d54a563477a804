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
/// <remarks>
/// Canonical text is written from <see cref="JsonElement"/>s through a <see cref="CanonicalWriter"/>
/// straight into hashes or a stream, so a 50 MB baseline is never held as a tree of nodes nor as
/// one string (see docs/performance.md).
/// </remarks>
internal static class CanonicalJson
{
    public static string Serialize(JsonNode? node, bool indented = false)
    {
        var sb = new StringBuilder();
        using (var writer = new CanonicalWriter(sb))
        {
            writer.Write(ToElement(node), indented, 0);
        }

        return sb.ToString();
    }

    /// <summary><c>sha256:</c> and the lowercase hex SHA-256 of the node's canonical form.</summary>
    public static string Digest(JsonNode? node) => Digest(ToElement(node));

    /// <summary><c>sha256:</c> and the lowercase hex SHA-256 of the element's canonical form.</summary>
    public static string Digest(JsonElement element)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using (var writer = new CanonicalWriter(hash))
        {
            writer.Write(element, indented: false, 0);
        }

        return DigestText(hash);
    }

    internal static string DigestText(IncrementalHash hash) => "sha256:" + Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();

    /// <summary>A copy without null-valued members, so an omitted field and an explicit null are the same spelling.</summary>
    public static JsonNode? WithoutNulls(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.Where(kv => kv.Value is not null).Select(kv => KeyValuePair.Create(kv.Key, WithoutNulls(kv.Value)))),
        JsonArray a => new JsonArray(a.Select(WithoutNulls).ToArray()),
        _ => node?.DeepClone(),
    };

    /// <summary>
    /// Parses JSON into a document over <paramref name="utf8"/> (not copied), refusing duplicate
    /// member names: a reader that keeps the first and one that keeps the last would see
    /// different documents under the same digest.
    /// </summary>
    public static JsonDocument ParseDocumentStrict(ReadOnlyMemory<byte> utf8)
    {
        var doc = JsonDocument.Parse(utf8, new JsonDocumentOptions { MaxDepth = 128 });
        try
        {
            RefuseDuplicates(doc.RootElement, new List<string> { "$" });
            return doc;
        }
        catch
        {
            doc.Dispose();
            throw;
        }
    }

    private static JsonElement ToElement(JsonNode? node) =>
        node is null ? JsonSerializer.SerializeToElement<JsonNode?>(null) : JsonSerializer.SerializeToElement(node);

    private static void RefuseDuplicates(JsonElement e, List<string> path)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                HashSet<string>? names = null;
                foreach (var p in e.EnumerateObject())
                {
                    names ??= new HashSet<string>(StringComparer.Ordinal);
                    if (!names.Add(p.Name))
                    {
                        throw new JsonException($"Member '{p.Name}' appears twice in {string.Concat(path)}.");
                    }

                    if (p.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
                    {
                        path.Add("." + p.Name);
                        RefuseDuplicates(p.Value, path);
                        path.RemoveAt(path.Count - 1);
                    }
                }

                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in e.EnumerateArray())
                {
                    if (item.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
                    {
                        path.Add($"[{i}]");
                        RefuseDuplicates(item, path);
                        path.RemoveAt(path.Count - 1);
                    }

                    i++;
                }

                break;
        }
    }
}

/// <summary>
/// Writes canonical JSON text (see <see cref="CanonicalJson"/>) as UTF-8 into hashes, a stream or
/// a string builder, through a small buffer.
/// </summary>
internal sealed class CanonicalWriter : IDisposable
{
    private const int BufferChars = 8192;
    private readonly char[] chars = new char[BufferChars];
    private readonly byte[] bytes = new byte[Encoding.UTF8.GetMaxByteCount(BufferChars)];
    private readonly Encoder encoder = new UTF8Encoding(false).GetEncoder();
    private readonly IncrementalHash[] hashes;
    private readonly Stream? stream;
    private readonly StringBuilder? text;
    private int count;

    public CanonicalWriter(params IncrementalHash[] hashes) => this.hashes = hashes;

    public CanonicalWriter(Stream stream, params IncrementalHash[] hashes)
    {
        this.stream = stream;
        this.hashes = hashes;
    }

    public CanonicalWriter(StringBuilder text)
    {
        this.text = text;
        hashes = Array.Empty<IncrementalHash>();
    }

    /// <summary>Writes <paramref name="e"/> in canonical form; indented with two spaces per level from <paramref name="depth"/>.</summary>
    public void Write(JsonElement e, bool indented, int depth)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                var members = new List<JsonProperty>();
                foreach (var p in e.EnumerateObject())
                {
                    members.Add(p);
                }

                if (members.Count == 0)
                {
                    Raw("{}");
                    break;
                }

                members.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
                Raw('{');
                for (var i = 0; i < members.Count; i++)
                {
                    if (i > 0)
                    {
                        Raw(',');
                    }

                    NewLine(indented, depth + 1);
                    Name(members[i].Name, indented);
                    Write(members[i].Value, indented, depth + 1);
                }

                NewLine(indented, depth);
                Raw('}');
                break;
            case JsonValueKind.Array:
                if (e.GetArrayLength() == 0)
                {
                    Raw("[]");
                    break;
                }

                Raw('[');
                var first = true;
                foreach (var item in e.EnumerateArray())
                {
                    if (!first)
                    {
                        Raw(',');
                    }

                    first = false;
                    NewLine(indented, depth + 1);
                    Write(item, indented, depth + 1);
                }

                NewLine(indented, depth);
                Raw(']');
                break;
            case JsonValueKind.String:
                String(e.GetString()!);
                break;
            case JsonValueKind.Number:
                Number(e);
                break;
            case JsonValueKind.True:
                Raw("true");
                break;
            case JsonValueKind.False:
                Raw("false");
                break;
            default:
                Raw("null");
                break;
        }
    }

    /// <summary>A member name and its separator.</summary>
    public void Name(string name, bool indented)
    {
        String(name);
        Raw(indented ? ": " : ":");
    }

    public void NewLine(bool indented, int depth)
    {
        if (indented)
        {
            Raw('\n');
            for (var i = 0; i < depth * 2; i++)
            {
                Raw(' ');
            }
        }
    }

    public void Raw(char c)
    {
        if (count == chars.Length)
        {
            Flush(final: false);
        }

        chars[count++] = c;
    }

    public void Raw(string s)
    {
        foreach (var c in s)
        {
            Raw(c);
        }
    }

    public void String(string s)
    {
        Raw('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': Raw("\\\""); break;
                case '\\': Raw("\\\\"); break;
                case '\b': Raw("\\b"); break;
                case '\f': Raw("\\f"); break;
                case '\n': Raw("\\n"); break;
                case '\r': Raw("\\r"); break;
                case '\t': Raw("\\t"); break;
                default:
                    if (c < 0x20)
                    {
                        Raw("\\u");
                        Raw(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        Raw(c);
                    }

                    break;
            }
        }

        Raw('"');
    }

    private void Number(JsonElement e)
    {
        if (e.TryGetInt64(out var l))
        {
            Raw(l.ToString(CultureInfo.InvariantCulture));
        }
        else
        {
            // The schema has no fractions; anything else is written in the shortest round-trip form.
            Raw(e.GetDouble().ToString("R", CultureInfo.InvariantCulture));
        }
    }

    private void Flush(bool final)
    {
        if (text is not null)
        {
            text.Append(chars, 0, count);
            count = 0;
            return;
        }

        var n = encoder.GetBytes(chars, 0, count, bytes, 0, final);
        count = 0;
        foreach (var hash in hashes)
        {
            hash.AppendData(bytes, 0, n);
        }

        stream?.Write(bytes, 0, n);
    }

    public void Dispose() => Flush(final: true);
}
