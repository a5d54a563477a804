using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace NetSecPS.Core.Checks.Support;

/// <summary>
/// Writes a manifest built as a JSON tree as one YAML document, through YamlDotNet's emitter:
/// never by pasting text, so a name or label taken from the cluster can only ever be a scalar.
/// Strings are quoted whenever the plain form would read back as something else (a boolean, a
/// number, null, a date) or could not be written plain at all (line breaks, <c>---</c>, <c>#</c>,
/// <c>:</c>, quotes, leading or trailing spaces); the emitter escapes what a quoted scalar needs.
/// </summary>
internal static partial class ManifestYaml
{
    private static readonly EmitterSettings Settings = new EmitterSettings().WithBestIndent(2).WithBestWidth(int.MaxValue).WithIndentedSequences();

    /// <summary>
    /// One YAML document that starts with <c>---</c>, the comments after it (each made one line,
    /// control characters removed), then the manifest, ending with a line break.
    /// </summary>
    public static string Emit(JsonObject manifest, IEnumerable<string>? comments = null)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var sb = new StringBuilder("---\n");
        foreach (var c in comments ?? Array.Empty<string>())
        {
            sb.Append("# ").Append(OneLine(c)).Append('\n');
        }

        using var writer = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        var emitter = new Emitter(writer, Settings);
        emitter.Emit(new StreamStart());
        emitter.Emit(new DocumentStart(null, null, isImplicit: true));
        Node(emitter, manifest);
        emitter.Emit(new DocumentEnd(isImplicit: true));
        emitter.Emit(new StreamEnd());
        var body = writer.ToString();
        sb.Append(body);
        if (!body.EndsWith('\n'))
        {
            sb.Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>A comment line cannot carry a line break: one would end the comment and start YAML.</summary>
    public static string OneLine(string text) => ControlCharacters().Replace(text, " ").Trim();

    private static void Node(IEmitter emitter, JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o when o.Count == 0:
                emitter.Emit(new MappingStart(null, null, isImplicit: true, MappingStyle.Flow));
                emitter.Emit(new MappingEnd());
                break;
            case JsonObject o:
                emitter.Emit(new MappingStart(null, null, isImplicit: true, MappingStyle.Block));
                foreach (var (key, value) in o)
                {
                    String(emitter, key);
                    Node(emitter, value);
                }

                emitter.Emit(new MappingEnd());
                break;
            case JsonArray a when a.Count == 0:
                emitter.Emit(new SequenceStart(null, null, isImplicit: true, SequenceStyle.Flow));
                emitter.Emit(new SequenceEnd());
                break;
            case JsonArray a:
                emitter.Emit(new SequenceStart(null, null, isImplicit: true, SequenceStyle.Block));
                foreach (var item in a)
                {
                    Node(emitter, item);
                }

                emitter.Emit(new SequenceEnd());
                break;
            case null:
                emitter.Emit(new Scalar(null, null, "null", ScalarStyle.Plain, isPlainImplicit: true, isQuotedImplicit: false));
                break;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                String(emitter, v.GetValue<string>());
                break;
            case JsonValue v:
                // Numbers and booleans: their JSON text is their YAML text.
                emitter.Emit(new Scalar(null, null, v.ToJsonString(), ScalarStyle.Plain, isPlainImplicit: true, isQuotedImplicit: false));
                break;
        }
    }

    private static void String(IEmitter emitter, string value)
    {
        var style = NeedsQuotes(value) ? ScalarStyle.DoubleQuoted : ScalarStyle.Plain;
        emitter.Emit(new Scalar(null, null, value, style, isPlainImplicit: style == ScalarStyle.Plain, isQuotedImplicit: true));
    }

    /// <summary>
    /// True when a string cannot be written plain and read back as the same string by YAML 1.1
    /// or 1.2 readers (kubectl's included): empty, a word YAML reads as a boolean or null, a
    /// number or date, text starting with an indicator, or text holding <c>: </c>, <c> #</c>,
    /// quotes, line breaks or other control characters, or spaces at either end.
    /// </summary>
    public static bool NeedsQuotes(string value)
    {
        if (value.Length == 0 || value.Trim() != value || ControlCharacters().IsMatch(value))
        {
            return true;
        }

        if (ReservedWord().IsMatch(value) || NumberLike().IsMatch(value) || DateLike().IsMatch(value))
        {
            return true;
        }

        if ("-?:,[]{}#&*!|>'\"%@`".Contains(value[0], StringComparison.Ordinal) || value.StartsWith("---", StringComparison.Ordinal) || value.StartsWith("...", StringComparison.Ordinal))
        {
            return true;
        }

        return value.Contains(": ", StringComparison.Ordinal) || value.Contains(" #", StringComparison.Ordinal) || value.EndsWith(':')
            || value.Contains('"', StringComparison.Ordinal) || value.Contains('\'', StringComparison.Ordinal) || value.Contains('\\', StringComparison.Ordinal)
            || value.Contains('\t', StringComparison.Ordinal);
    }

    [GeneratedRegex(@"[\x00-\x1F\x7F\u0085\u2028\u2029]")]
    private static partial Regex ControlCharacters();

    [GeneratedRegex(@"^(?i:y|n|yes|no|on|off|true|false|null|~|\.nan|[-+]?\.inf)$")]
    private static partial Regex ReservedWord();

    [GeneratedRegex(@"^[-+]?(\.?[0-9][0-9_]*(\.[0-9_]*)?([eE][-+]?[0-9]+)?|0[xX][0-9a-fA-F_]+|0[oObB]?[0-7_]+|[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?)$")]
    private static partial Regex NumberLike();

    [GeneratedRegex(@"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}")]
    private static partial Regex DateLike();
}
