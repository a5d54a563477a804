using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;

namespace NetSecPS.Core.Sources;

/// <summary>
/// Turns one JSON object into a <see cref="KubeObject"/>: typed for the kinds the client
/// models, raw otherwise. Secret values are dropped here, before anything else sees them.
/// </summary>
internal static class ObjectFactory
{
    /// <summary>
    /// Result of converting one object: the object, or why it was not one. <paramref name="Withheld"/>:
    /// a valid object the snapshot does not keep (<see cref="Retention"/>), not an error.
    /// </summary>
    public readonly record struct Result(KubeObject? Object, string? Error, string? Warning, bool Withheld = false)
    {
        public static Result NotKept { get; } = new(null, null, null, Withheld: true);
    }

    /// <summary>Converts with the client's plain serializer options (no string sharing); a read of many objects uses its own <see cref="ObjectReader"/>.</summary>
    public static Result Create(JsonObject json, SourceLocation? source, string? defaultApiVersion = null, string? defaultKind = null) =>
        ObjectReader.Unpooled.Create(json, source, defaultApiVersion, defaultKind);

    /// <summary>
    /// Says which field is wrong in the words of the manifest ("spec.containers must be a list, not
    /// a string") instead of the serializer's type names and byte offsets.
    /// </summary>
    internal static string Explain(Exception ex, JsonObject json)
    {
        if (ex is JsonException { Path: { Length: > 1 } path } && path.StartsWith("$.", StringComparison.Ordinal))
        {
            var field = path[2..];
            var found = Navigate(json, field);
            var expected = ExpectedShape(ex.Message);
            if (expected is not null && found is not null)
            {
                return $"{field} must be {expected}, not {ShapeOf(found)}";
            }

            return $"{field}: {FirstLine(ex.Message)}";
        }

        return FirstLine(ex.Message);
    }

    private static JsonNode? Navigate(JsonNode node, string path)
    {
        var current = node;
        foreach (var part in path.Split('.'))
        {
            var name = part;
            var index = -1;
            var bracket = part.IndexOf('[', StringComparison.Ordinal);
            if (bracket > 0 && part.EndsWith(']') && int.TryParse(part[(bracket + 1)..^1], out var i))
            {
                name = part[..bracket];
                index = i;
            }

            current = (current as JsonObject)?[name];
            if (index >= 0)
            {
                current = current is JsonArray a && index < a.Count ? a[index] : null;
            }

            if (current is null)
            {
                return null;
            }
        }

        return current;
    }

    private static string? ExpectedShape(string message)
    {
        var at = message.IndexOf("converted to ", StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var type = message[(at + "converted to ".Length)..];
        var end = type.IndexOf(". Path", StringComparison.Ordinal);
        if (end >= 0)
        {
            type = type[..end];
        }

        return type switch
        {
            _ when type.Contains("IList", StringComparison.Ordinal) || type.Contains("List`1", StringComparison.Ordinal) => "a list",
            _ when type.Contains("IDictionary", StringComparison.Ordinal) => "a map of strings",
            "System.String" => "a string",
            "System.Boolean" => "true or false",
            "System.Int32" or "System.Int64" or "System.Nullable`1[System.Int32]" or "System.Nullable`1[System.Int64]" => "a whole number",
            "System.Double" or "System.Nullable`1[System.Double]" => "a number",
            _ when type.StartsWith("k8s.Models.", StringComparison.Ordinal) => "an object",
            _ => null,
        };
    }

    private static string ShapeOf(JsonNode node) => node.GetValueKind() switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "true or false",
        _ => "null",
    };

    private static string FirstLine(string message)
    {
        var nl = message.IndexOf('\n', StringComparison.Ordinal);
        return nl < 0 ? message : message[..nl];
    }

    /// <summary>The object back as JSON, the way the API server would show it.</summary>
    public static JsonObject ToJson(KubeObject obj)
    {
        if (obj.Raw is not null)
        {
            return obj.Raw;
        }

        var text = KubernetesJson.Serialize(obj.Typed!);
        var node = JsonNode.Parse(text)!.AsObject();
        node["apiVersion"] ??= obj.ApiVersion;
        node["kind"] ??= obj.Kind;
        return node;
    }
}
