using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;

namespace NetSecPS.Core.Connectivity;

/// <summary>One requirement of a label selector: <c>key In (a,b)</c>, <c>key NotIn (a)</c>, <c>key Exists</c>, <c>key DoesNotExist</c>.</summary>
internal sealed record LabelRequirement(string Key, string Operator, IReadOnlyList<string> Values)
{
    public bool Matches(IReadOnlyDictionary<string, string> labels) => Operator switch
    {
        "In" => labels.TryGetValue(Key, out var v) && HasValue(v),
        // NotIn also holds when the key is absent, as the API server evaluates it.
        "NotIn" => !labels.TryGetValue(Key, out var v) || !HasValue(v),
        "Exists" => labels.ContainsKey(Key),
        "DoesNotExist" => !labels.ContainsKey(Key),
        _ => false,
    };

    // An indexed loop: matching runs for every selector and pod, and LINQ's Contains allocates an enumerator each time.
    private bool HasValue(string value)
    {
        for (var i = 0; i < Values.Count; i++)
        {
            if (string.Equals(Values[i], value, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    public override string ToString() => Operator switch
    {
        "In" when Values.Count == 1 => $"{Key}={Values[0]}",
        "In" => $"{Key} in ({string.Join(",", Values)})",
        "NotIn" => $"{Key} notin ({string.Join(",", Values)})",
        "Exists" => Key,
        "DoesNotExist" => "!" + Key,
        _ => $"{Key} {Operator}",
    };
}

/// <summary>
/// A compiled Kubernetes label selector: every requirement must hold; no requirement selects
/// everything. Built from a typed <see cref="V1LabelSelector"/> or from the JSON of an admin
/// policy, with the same validation the API server applies to operators and values.
/// </summary>
internal sealed class LabelSelector
{
    private LabelSelector(IReadOnlyList<LabelRequirement> requirements, string canonical)
    {
        Requirements = requirements;
        Canonical = canonical;
    }

    /// <summary>The selector that selects everything (<c>{}</c>).</summary>
    public static LabelSelector Everything { get; } = new(Array.Empty<LabelRequirement>(), "{}");

    public IReadOnlyList<LabelRequirement> Requirements { get; }

    /// <summary>A stable text form: equal selectors have equal canonical forms, so matches can be cached by it.</summary>
    public string Canonical { get; }

    public bool IsEverything => Requirements.Count == 0;

    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        for (var i = 0; i < Requirements.Count; i++)
        {
            if (!Requirements[i].Matches(labels))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Human form used in explanations: <c>app=web, tier in (a,b)</c>, or <c>all</c>.</summary>
    public override string ToString() => IsEverything ? "{}" : string.Join(", ", Requirements.Select(r => r.ToString()));

    /// <summary>Compiles a typed selector; a null selector is treated as <c>{}</c> by callers that allow it.</summary>
    public static LabelSelector Parse(V1LabelSelector selector, out string? error)
    {
        var requirements = new List<LabelRequirement>();
        foreach (var (k, v) in selector.MatchLabels ?? new Dictionary<string, string>())
        {
            requirements.Add(new LabelRequirement(k, "In", new[] { v ?? string.Empty }));
        }

        foreach (var e in selector.MatchExpressions ?? new List<V1LabelSelectorRequirement>())
        {
            requirements.Add(new LabelRequirement(e.Key ?? string.Empty, e.OperatorProperty ?? string.Empty, (e.Values ?? new List<string>()).ToList()));
        }

        return Build(requirements, out error);
    }

    /// <summary>Compiles a selector given as JSON (<c>matchLabels</c>/<c>matchExpressions</c>).</summary>
    public static LabelSelector Parse(JsonNode? node, out string? error)
    {
        if (node is null)
        {
            error = null;
            return Everything;
        }

        if (node is not JsonObject obj)
        {
            error = "a label selector must be an object";
            return Everything;
        }

        var requirements = new List<LabelRequirement>();
        if (obj["matchLabels"] is JsonObject ml)
        {
            foreach (var (k, v) in ml)
            {
                requirements.Add(new LabelRequirement(k, "In", new[] { ScalarText(v) }));
            }
        }
        else if (obj["matchLabels"] is not null)
        {
            error = "matchLabels must be a map of strings";
            return Everything;
        }

        if (obj["matchExpressions"] is JsonArray me)
        {
            foreach (var item in me)
            {
                if (item is not JsonObject e)
                {
                    error = "each matchExpressions entry must be an object";
                    return Everything;
                }

                var values = e["values"] is JsonArray va ? va.Select(ScalarText).ToList() : new List<string>();
                requirements.Add(new LabelRequirement(ScalarText(e["key"]), ScalarText(e["operator"]), values));
            }
        }
        else if (obj["matchExpressions"] is not null)
        {
            error = "matchExpressions must be a list";
            return Everything;
        }

        return Build(requirements, out error);
    }

    private static string ScalarText(JsonNode? n) => n switch
    {
        null => string.Empty,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => n.ToJsonString(),
    };

    private static LabelSelector Build(List<LabelRequirement> requirements, out string? error)
    {
        error = null;
        foreach (var r in requirements)
        {
            if (string.IsNullOrEmpty(r.Key))
            {
                error = "a selector requirement has an empty key";
                break;
            }

            switch (r.Operator)
            {
                case "In" or "NotIn" when r.Values.Count == 0:
                    error = $"operator {r.Operator} on key '{r.Key}' needs at least one value";
                    break;
                case "Exists" or "DoesNotExist" when r.Values.Count > 0:
                    error = $"operator {r.Operator} on key '{r.Key}' takes no values";
                    break;
                case "In" or "NotIn" or "Exists" or "DoesNotExist":
                    break;
                default:
                    error = $"'{r.Operator}' is not a valid selector operator (In, NotIn, Exists, DoesNotExist)";
                    break;
            }

            if (error is not null)
            {
                break;
            }
        }

        if (requirements.Count == 0)
        {
            return Everything;
        }

        var ordered = requirements
            .OrderBy(r => r.Key, StringComparer.Ordinal).ThenBy(r => r.Operator, StringComparer.Ordinal)
            .Select(r => r with { Values = r.Values.OrderBy(v => v, StringComparer.Ordinal).ToList() })
            .ToList();
        var sb = new StringBuilder();
        foreach (var r in ordered)
        {
            sb.Append(r.Key).Append('\u0001').Append(r.Operator).Append('\u0001').AppendJoin('\u0002', r.Values).Append('\u0003');
        }

        return new LabelSelector(ordered, sb.ToString());
    }
}
