using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace NetSecPS.Core.Sources;

/// <summary>One YAML document converted to JSON, with where it starts.</summary>
internal sealed record YamlDocument(JsonNode? Root, int Line, int Column, IReadOnlyDictionary<JsonNode, Mark> Marks);

/// <summary>
/// Reads YAML (and JSON, a subset of YAML) into JSON nodes with the line of every mapping,
/// so diagnostics and SARIF can point at the exact object in a file. Plain scalars resolve as
/// in the YAML 1.2 core schema that Kubernetes manifests rely on.
/// </summary>
internal static partial class YamlJsonReader
{
    public static IEnumerable<YamlDocument> ReadDocuments(TextReader reader, InputLimits? limits = null)
    {
        limits ??= InputLimits.Default;
        var parser = new CheckedParser(reader, limits);
        parser.Consume<StreamStart>();
        while (!parser.Accept<StreamEnd>(out _))
        {
            var start = parser.Consume<DocumentStart>();
            var marks = new Dictionary<JsonNode, Mark>(ReferenceEqualityComparer.Instance);
            var anchors = new AliasBudget(limits);
            JsonNode? root = null;
            var line = (int)start.Start.Line;
            var column = (int)start.Start.Column;
            if (!parser.Accept<DocumentEnd>(out _))
            {
                var first = parser.Current!;
                line = (int)first.Start.Line;
                column = (int)first.Start.Column;
                root = ReadNode(parser, marks, anchors, 0);
            }

            parser.Consume<DocumentEnd>();
            yield return new YamlDocument(root, line, column, marks);
        }
    }

    private static JsonNode? ReadNode(IParser parser, Dictionary<JsonNode, Mark> marks, AliasBudget anchors, int depth)
    {
        if (depth > 200)
        {
            throw new YamlException(parser.Current!.Start, parser.Current.End, "Nesting is deeper than 200 levels.");
        }

        if (parser.TryConsume<AnchorAlias>(out var alias))
        {
            return anchors.Expand(alias);
        }

        if (parser.TryConsume<Scalar>(out var scalar))
        {
            var before = anchors.Begin();
            var value = ResolveScalar(scalar);
            anchors.Count(scalar.Value.Length);
            anchors.Remember(scalar.Anchor, value, before);
            return value;
        }

        if (parser.TryConsume<SequenceStart>(out var seqStart))
        {
            var before = anchors.Begin();
            anchors.Count(0);
            var array = new JsonArray();
            while (!parser.TryConsume<SequenceEnd>(out _))
            {
                array.Add(ReadNode(parser, marks, anchors, depth + 1));
            }

            anchors.Remember(seqStart.Anchor, array, before);
            return array;
        }

        if (parser.TryConsume<MappingStart>(out var mapStart))
        {
            var before = anchors.Begin();
            anchors.Count(0);
            var obj = new JsonObject();
            if (depth <= 4)
            {
                marks[obj] = mapStart.Start;
            }

            // Keys written in the mapping win over keys brought in by a merge key ("<<"), wherever
            // the merge key stands; of several merged mappings the first one wins.
            var explicitKeys = new HashSet<string>(StringComparer.Ordinal);
            while (!parser.TryConsume<MappingEnd>(out _))
            {
                var keyEvent = parser.Current!;
                var keyNode = ReadNode(parser, marks, anchors, depth + 1);
                var key = keyNode switch
                {
                    null => "null",
                    JsonValue v => v.ToString(),
                    _ => keyNode.ToJsonString(),
                };
                var value = ReadNode(parser, marks, anchors, depth + 1);
                if (key == "<<" && value is JsonObject or JsonArray)
                {
                    var sources = value is JsonArray list ? list.OfType<JsonObject>() : new[] { (JsonObject)value };
                    foreach (var merge in sources)
                    {
                        foreach (var (k, v) in merge)
                        {
                            if (!obj.ContainsKey(k))
                            {
                                obj[k] = v?.DeepClone();
                            }
                        }
                    }

                    continue;
                }

                if (!explicitKeys.Add(key))
                {
                    throw new YamlException(keyEvent.Start, keyEvent.End, $"Duplicate key '{key}'.");
                }

                obj[key] = value;
            }

            anchors.Remember(mapStart.Anchor, obj, before);
            return obj;
        }

        var unexpected = parser.Current!;
        throw new YamlException(unexpected.Start, unexpected.End, $"Unexpected YAML event {unexpected.GetType().Name}.");
    }

    /// <summary>
    /// The anchors of one document and what their aliases may still add. A YAML alias copies its
    /// anchor, and anchors may hold aliases: nine lines of nested aliases ("billion laughs") expand
    /// to a billion nodes. Each expansion is charged before it is made, in nodes by the API
    /// server's own rule (<see cref="InputLimits.IsExcessiveAliasing"/>) and in text.
    /// </summary>
    private sealed class AliasBudget(InputLimits limits)
    {
        private readonly Dictionary<string, (JsonNode? Node, long Nodes, long Chars)> anchors = new(StringComparer.Ordinal);
        private long nodes;
        private long chars;
        private long aliasNodes;
        private long aliasChars;

        /// <summary>Where the counts stand before a node is read; <see cref="Remember"/> takes the difference as the node's size.</summary>
        public (long Nodes, long Chars) Begin() => (nodes, chars);

        public void Count(int length)
        {
            nodes++;
            chars += length;
        }

        public void Remember(AnchorName anchor, JsonNode? node, (long Nodes, long Chars) before)
        {
            if (!anchor.IsEmpty)
            {
                anchors[anchor.Value] = (node, nodes - before.Nodes, chars - before.Chars);
            }
        }

        public JsonNode? Expand(AnchorAlias alias)
        {
            if (!anchors.TryGetValue(alias.Value.Value, out var target))
            {
                throw new YamlException(alias.Start, alias.End, $"Alias *{alias.Value.Value} refers to no anchor.");
            }

            nodes += target.Nodes;
            chars += target.Chars;
            aliasNodes += target.Nodes;
            aliasChars += target.Chars;
            if (InputLimits.IsExcessiveAliasing(nodes, aliasNodes))
            {
                throw new InputLimitException("ExcessiveAliasing", string.Create(CultureInfo.InvariantCulture,
                    $"The document contains excessive aliasing: its aliases would expand to {aliasNodes:N0} of its {nodes:N0} nodes, more than the {InputLimits.AllowedAliasRatio(nodes) * 100:0}% the Kubernetes API server's YAML decoder allows. The rest of the file is not read."),
                    (int)alias.Start.Line, (int)alias.Start.Column);
            }

            if (aliasChars > limits.MaxAliasExpansionChars)
            {
                throw new InputLimitException("ExcessiveAliasing",
                    $"The document contains excessive aliasing: its aliases would add more than {InputLimits.Size(limits.MaxAliasExpansionChars)} of text, more than the Kubernetes API server accepts in one request. The rest of the file is not read.",
                    (int)alias.Start.Line, (int)alias.Start.Column);
            }

            return target.Node?.DeepClone();
        }
    }

    private static JsonNode? ResolveScalar(Scalar scalar) => Classify(scalar, out var integer, out var real) switch
    {
        ScalarKind.Null => null,
        ScalarKind.True => JsonValue.Create(true),
        ScalarKind.False => JsonValue.Create(false),
        ScalarKind.Integer => Number(integer.ToString(CultureInfo.InvariantCulture)),
        ScalarKind.Float => Number(real.ToString("R", CultureInfo.InvariantCulture)),
        _ => JsonValue.Create(scalar.Value),
    };

    private enum ScalarKind
    {
        String,
        Null,
        True,
        False,
        Integer,
        Float,
    }

    /// <summary>What a scalar is under the YAML 1.2 core schema (tags and quoting respected).</summary>
    private static ScalarKind Classify(Scalar scalar, out long integer, out double real)
    {
        integer = 0;
        real = 0;
        var text = scalar.Value;
        var tag = scalar.Tag.IsEmpty ? null : scalar.Tag.Value;
        if (tag is "tag:yaml.org,2002:str" or "!")
        {
            return ScalarKind.String;
        }

        if (scalar.Style != ScalarStyle.Plain && tag is null)
        {
            return ScalarKind.String;
        }

        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return ScalarKind.Null;
            case "true" or "True" or "TRUE":
                return ScalarKind.True;
            case "false" or "False" or "FALSE":
                return ScalarKind.False;
        }

        if (LooksNumeric(text))
        {
            if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out integer))
            {
                return ScalarKind.Integer;
            }

            if (text.StartsWith("0x", StringComparison.Ordinal) &&
                long.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out integer))
            {
                return ScalarKind.Integer;
            }

            if (text.StartsWith("0o", StringComparison.Ordinal))
            {
                try
                {
                    integer = Convert.ToInt64(text[2..], 8);
                    return ScalarKind.Integer;
                }
                catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentException)
                {
                    return ScalarKind.String;
                }
            }

            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out real) && double.IsFinite(real))
            {
                return ScalarKind.Float;
            }
        }

        return ScalarKind.String;
    }

    /// <summary>
    /// A number backed by a JSON element, exactly as <see cref="JsonNode.Parse(string, JsonNodeOptions?, System.Text.Json.JsonDocumentOptions)"/>
    /// gives it for a .json file or a saved snapshot: so <c>GetValue&lt;int&gt;()</c> works on a value read
    /// from YAML too, instead of only <c>GetValue&lt;long&gt;()</c>.
    /// </summary>
    private static JsonNode Number(string canonical) => JsonNode.Parse(canonical)!;

    private static bool LooksNumeric(string text)
    {
        var c = text[0];
        return char.IsAsciiDigit(c) || ((c is '-' or '+' or '.') && text.Length > 1 && (char.IsAsciiDigit(text[1]) || text[1] == '.'));
    }
}
