using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;

namespace NetSecPS.Core.Sources;

/// <summary>
/// Turns one JSON object into a <see cref="KubeObject"/>: typed for the kinds the client
/// models, raw otherwise. Secret values are dropped here, before anything else sees them.
/// </summary>
public static class ObjectFactory
{
    private static readonly ConcurrentDictionary<Type, Func<JsonNode, object?>> Deserializers = new();

    /// <summary>Result of converting one object: the object, or why it was not one.</summary>
    public readonly record struct Result(KubeObject? Object, string? Error, string? Warning);

    public static Result Create(JsonObject json, SourceLocation? source, string? defaultApiVersion = null, string? defaultKind = null)
    {
        var apiVersion = (json["apiVersion"] as JsonValue)?.GetValueKind() == JsonValueKind.String ? json["apiVersion"]!.GetValue<string>() : defaultApiVersion;
        var kind = (json["kind"] as JsonValue)?.GetValueKind() == JsonValueKind.String ? json["kind"]!.GetValue<string>() : defaultKind;
        if (string.IsNullOrEmpty(apiVersion) || string.IsNullOrEmpty(kind))
        {
            return new Result(null, null, "not a Kubernetes object (no apiVersion and kind)");
        }

        var metadata = json["metadata"] as JsonObject;
        var name = metadata?["name"] is JsonValue nv && nv.GetValueKind() == JsonValueKind.String ? nv.GetValue<string>() : null;
        if (string.IsNullOrEmpty(name))
        {
            name = metadata?["generateName"] is JsonValue gv && gv.GetValueKind() == JsonValueKind.String ? gv.GetValue<string>() + "<generated>" : null;
        }

        if (string.IsNullOrEmpty(name))
        {
            return new Result(null, $"{kind} has no metadata.name", null);
        }

        var ns = metadata?["namespace"] is JsonValue nsv && nsv.GetValueKind() == JsonValueKind.String ? nsv.GetValue<string>() : null;

        if (kind == "Secret" && KindRegistry.GroupOf(apiVersion).Length == 0)
        {
            // Never keep Secret values: only the fact that the Secret exists.
            json.Remove("data");
            json.Remove("stringData");
            if (metadata is not null)
            {
                metadata.Remove("annotations");
                metadata.Remove("managedFields");
            }
        }

        json["apiVersion"] = apiVersion;
        json["kind"] = kind;
        var info = KindRegistry.Find(apiVersion, kind);
        if (info is not null && !info.Namespaced)
        {
            ns = null;
        }
        else if (info is not null && info.Namespaced && string.IsNullOrEmpty(ns))
        {
            ns = "default";
        }

        if (info?.ModelType is { } type)
        {
            try
            {
                var typed = Deserializer(type)(json);
                if (typed is null)
                {
                    return new Result(null, $"{kind}/{name} could not be read", null);
                }

                return new Result(new KubeObject(apiVersion, kind, ns, name, typed, null, source), null, null);
            }
            catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or NotSupportedException)
            {
                return new Result(null, $"{kind}/{name} is not a valid {kind}: {Explain(ex, json)}", null);
            }
        }

        return new Result(new KubeObject(apiVersion, kind, ns, name, null, json, source), null, null);
    }

    /// <summary>
    /// Says which field is wrong in the words of the manifest ("spec.containers must be a list, not
    /// a string") instead of the serializer's type names and byte offsets.
    /// </summary>
    private static string Explain(Exception ex, JsonObject json)
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
        JsonNode? current = node;
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

    private static Func<JsonNode, object?> Deserializer(Type type) =>
        Deserializers.GetOrAdd(type, static t =>
        {
            var method = typeof(KubernetesJson).GetMethods(BindingFlags.Public | BindingFlags.Static)
                .Single(m => m.Name == nameof(KubernetesJson.Deserialize) && m.IsGenericMethodDefinition &&
                             m.GetParameters() is [{ ParameterType: var p }, _] && p == typeof(JsonNode))
                .MakeGenericMethod(t);
            var call = method.CreateDelegate<Func<JsonNode, JsonSerializerOptions?, object?>>();
            return node => call(node, null);
        });

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
