using System.Text.Json.Nodes;
using k8s.Models;

namespace NetSecPS.Core.Checks.Support;

/// <summary>
/// A Kubernetes label selector (matchLabels and matchExpressions), read from a typed
/// <see cref="V1LabelSelector"/> or from the JSON of a kind the client does not model
/// (Istio, Linkerd, admin policies).
/// </summary>
public sealed class LabelSelector
{
    private readonly IReadOnlyList<(string Key, string Value)> matchLabels;
    private readonly IReadOnlyList<(string Key, string Operator, IReadOnlyList<string> Values)> expressions;

    private LabelSelector(IReadOnlyList<(string, string)> matchLabels, IReadOnlyList<(string, string, IReadOnlyList<string>)> expressions)
    {
        this.matchLabels = matchLabels;
        this.expressions = expressions;
    }

    /// <summary>The empty selector: matches everything.</summary>
    public static LabelSelector Everything { get; } = new(Array.Empty<(string, string)>(), Array.Empty<(string, string, IReadOnlyList<string>)>());

    public bool IsEmpty => matchLabels.Count == 0 && expressions.Count == 0;

    public static LabelSelector From(V1LabelSelector? selector)
    {
        if (selector is null)
        {
            return Everything;
        }

        var labels = selector.MatchLabels?.Select(kv => (kv.Key, kv.Value ?? string.Empty)).ToList() ?? new List<(string, string)>();
        var exprs = selector.MatchExpressions?.Select(e => (e.Key ?? string.Empty, e.OperatorProperty ?? string.Empty, (IReadOnlyList<string>)(e.Values?.ToList() ?? new List<string>()))).ToList()
            ?? new List<(string, string, IReadOnlyList<string>)>();
        return new LabelSelector(labels, exprs);
    }

    /// <summary>Reads <c>{matchLabels: {...}, matchExpressions: [...]}</c>; null or a non-object is the empty selector.</summary>
    public static LabelSelector From(JsonNode? node)
    {
        if (node is not JsonObject obj)
        {
            return Everything;
        }

        var labels = new List<(string, string)>();
        if (obj["matchLabels"] is JsonObject ml)
        {
            foreach (var (k, v) in ml)
            {
                labels.Add((k, v?.ToString() ?? string.Empty));
            }
        }

        var exprs = new List<(string, string, IReadOnlyList<string>)>();
        if (obj["matchExpressions"] is JsonArray me)
        {
            foreach (var e in me.OfType<JsonObject>())
            {
                var values = (e["values"] as JsonArray)?.Select(v => v?.ToString() ?? string.Empty).ToList() ?? new List<string>();
                exprs.Add((e["key"]?.ToString() ?? string.Empty, e["operator"]?.ToString() ?? string.Empty, values));
            }
        }

        return new LabelSelector(labels, exprs);
    }

    /// <summary>Istio's <c>selector: {matchLabels: ...}</c> and Linkerd's flat maps alike.</summary>
    public static LabelSelector FromLabels(IReadOnlyDictionary<string, string> labels) =>
        new(labels.Select(kv => (kv.Key, kv.Value)).ToList(), Array.Empty<(string, string, IReadOnlyList<string>)>());

    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        foreach (var (k, v) in matchLabels)
        {
            if (!labels.TryGetValue(k, out var actual) || actual != v)
            {
                return false;
            }
        }

        foreach (var (k, op, values) in expressions)
        {
            var has = labels.TryGetValue(k, out var actual);
            var ok = op switch
            {
                "In" => has && values.Contains(actual!),
                "NotIn" => !has || !values.Contains(actual!),
                "Exists" => has,
                "DoesNotExist" => !has,
                // An operator the API server would reject selects nothing.
                _ => false,
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    public override string ToString()
    {
        if (IsEmpty)
        {
            return "{}";
        }

        var parts = matchLabels.Select(l => $"{l.Key}={l.Value}").ToList();
        parts.AddRange(expressions.Select(e => e.Operator switch
        {
            "In" => $"{e.Key} in ({string.Join(",", e.Values)})",
            "NotIn" => $"{e.Key} notin ({string.Join(",", e.Values)})",
            "Exists" => e.Key,
            "DoesNotExist" => "!" + e.Key,
            _ => $"{e.Key} {e.Operator}",
        }));
        return string.Join(",", parts);
    }
}
