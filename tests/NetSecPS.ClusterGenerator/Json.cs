using System.Text.Json.Nodes;

namespace NetSecPS.ClusterGenerator;

/// <summary>Short builders for the JSON shapes Kubernetes objects are made of. Every call makes fresh nodes (a JsonNode has one parent).</summary>
internal static class Json
{
    public static JsonObject Map(params (string Key, JsonNode? Value)[] entries)
    {
        var o = new JsonObject();
        foreach (var (k, v) in entries)
        {
            o[k] = v;
        }

        return o;
    }

    public static JsonObject Labels(IEnumerable<KeyValuePair<string, string>> labels)
    {
        var o = new JsonObject();
        foreach (var (k, v) in labels)
        {
            o[k] = v;
        }

        return o;
    }

    public static JsonArray Array(params JsonNode?[] items) => new(items);

    public static JsonArray Strings(IEnumerable<string> items) => new(items.Select(i => (JsonNode?)JsonValue.Create(i)).ToArray());

    /// <summary>A label selector with <c>matchLabels</c>.</summary>
    public static JsonObject MatchLabels(params (string Key, string Value)[] labels) =>
        Map(("matchLabels", Labels(labels.Select(l => KeyValuePair.Create(l.Key, l.Value)))));

    /// <summary>One <c>matchExpressions</c> requirement.</summary>
    public static JsonObject Requirement(string key, string op, params string[] values)
    {
        var r = Map(("key", key), ("operator", op));
        if (values.Length > 0)
        {
            r["values"] = Strings(values);
        }

        return r;
    }

    public static JsonObject MatchExpressions(params JsonObject[] requirements) => Map(("matchExpressions", Array(requirements)));

    public static JsonObject Empty() => new();
}
