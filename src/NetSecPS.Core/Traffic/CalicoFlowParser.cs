using System.Globalization;
using System.Text.Json;

namespace NetSecPS.Core.Traffic;

/// <summary>
/// One line of a Calico flow log: the documented flow log fields (Calico Enterprise and Cloud:
/// <c>source_namespace</c>, <c>source_name_aggr</c>, <c>dest_port</c>, <c>proto</c>, <c>action</c>,
/// <c>reporter</c>, <c>num_flows</c>, ...), also as an Elasticsearch hit (<c>_source</c>), or a flow
/// of Calico's flow logs API (Goldmane: the fields under <c>key</c>, optionally inside a
/// <c>FlowResult</c>'s <c>flow</c>), with enums by name or number.
/// </summary>
internal sealed class CalicoFlowParser : IFlowLineParser
{
    private static readonly Dictionary<string, int> EndpointTypes = PbJson.Names(
        ("EndpointTypeUnspecified", 0), ("WorkloadEndpoint", 1), ("HostEndpoint", 2), ("NetworkSet", 3), ("Network", 4),
        ("wep", 1), ("hep", 2), ("ns", 3), ("net", 4));

    private static readonly Dictionary<string, int> Actions = PbJson.Names(("ActionUnspecified", 0), ("Allow", 1), ("Deny", 2), ("Pass", 3));

    private static readonly Dictionary<string, int> Reporters = PbJson.Names(("ReporterUnspecified", 0), ("Src", 1), ("Dst", 2), ("source", 1), ("destination", 2));

    private static readonly IReadOnlyDictionary<string, string> NoLabels = new Dictionary<string, string>();

    public LineResult Parse(ReadOnlyMemory<byte> line, string file, long lineNumber)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(line);
        }
        catch (JsonException ex)
        {
            return LineResult.Bad("not valid JSON: " + ex.Message);
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return LineResult.Bad("not a JSON object");
            }

            var record = Unwrap(doc.RootElement);
            var fields = Fields(record);
            var key = fields.TryGetValue("key", out var k) && k.ValueKind == JsonValueKind.Object ? Fields(k) : null;
            JsonElement? Get(string name) =>
                key is not null && key.TryGetValue(name, out var v) ? v : fields.TryGetValue(name, out var w) ? w : null;

            var port = Get("destport") is { } p ? Int(p) : null;
            var protoText = Get("proto") is { } pr ? Text(pr) : null;
            if (protoText is null && port is null && Get("sourcenamespace") is null && Get("destnamespace") is null)
            {
                return LineResult.Bad("not a Calico flow log record: no proto, dest_port or namespaces");
            }

            var protocol = FlowProtocols.Normalize(protoText);
            var action = Get("action") is { } a ? EnumOf(a, Actions) : -1;
            var reporter = Get("reporter") is { } rep ? EnumOf(rep, Reporters) : -1;
            var count = Get("numflows") is { } nf ? Int(nf)
                : Get("numflowsstarted") is { } ns ? Int(ns)
                : Get("numconnectionsstarted") is { } nc ? (Int(nc) ?? 0) + (Get("numconnectionslive") is { } live ? Int(live) ?? 0 : 0)
                : null;
            var start = Get("starttime") is { } st ? Time(st) : null;
            var end = Get("endtime") is { } et ? Time(et) : null;

            return LineResult.Of(new ObservedFlow
            {
                Source = Endpoint(Get, fields, "source"),
                Destination = Endpoint(Get, fields, "dest"),
                Protocol = protocol,
                Port = FlowProtocols.IsPolicyProtocol(protocol) ? (int)Math.Clamp(port ?? 0, 0, 65535) : 0,
                Direction = reporter switch { 1 => FlowDirection.Egress, 2 => FlowDirection.Ingress, _ => FlowDirection.Unknown },
                Verdict = action switch { 1 or 3 => FlowVerdict.Forwarded, 2 => FlowVerdict.Dropped, _ => FlowVerdict.Unknown },
                DropReason = action == 2 ? "policy deny" : null,
                Policies = Policies(Get("policies")),
                Time = start,
                EndTime = end,
                Count = Math.Max(1, count ?? 1),
                Node = Get("host") is { } h ? Dash(Text(h)) : null,
                Format = FlowLogFormat.Calico,
                File = file,
                Line = lineNumber,
            });
        }
    }

    /// <summary>The flow record inside an Elasticsearch hit or a flow logs API result.</summary>
    private static JsonElement Unwrap(JsonElement root)
    {
        if (root.TryGetProperty("_source", out var source) && source.ValueKind == JsonValueKind.Object)
        {
            return source;
        }

        foreach (var p in root.EnumerateObject())
        {
            if (PbJson.Normalize(p.Name) == "flow" && p.Value.ValueKind == JsonValueKind.Object)
            {
                return p.Value;
            }
        }

        return root;
    }

    internal static Dictionary<string, JsonElement> Fields(JsonElement obj)
    {
        var d = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var p in obj.EnumerateObject())
        {
            d.TryAdd(PbJson.Normalize(p.Name), p.Value);
        }

        return d;
    }

    private static FlowEndpoint Endpoint(Func<string, JsonElement?> get, Dictionary<string, JsonElement> top, string side)
    {
        var type = get(side + "type") is { } t ? EnumOf(t, EndpointTypes) : -1;
        var ns = get(side + "namespace") is { } n ? Dash(Text(n)) : null;
        var name = get(side + "name") is { } nm ? Dash(Text(nm)) : null;
        var aggregated = get(side + "nameaggr") is { } ag ? Dash(Text(ag)) : null;
        var ip = get(side + "ip") is { } i ? Dash(Text(i)) : null;
        // The flow logs API keeps the labels beside the key, not in it.
        var labels = Labels(top.TryGetValue(side + "labels", out var l) ? l : get(side + "labels"));
        var display = name ?? aggregated;
        return type switch
        {
            2 => new FlowEndpoint { Entity = "hep", Names = display is null ? Array.Empty<string>() : new[] { display }, Address = ip, Labels = labels },
            3 => new FlowEndpoint { Entity = "ns", Namespace = ns, Names = display is null ? Array.Empty<string>() : new[] { display }, Address = ip, Labels = labels },
            4 => new FlowEndpoint { Entity = display ?? "net", Address = ip },
            _ when ns is null && display is null => new FlowEndpoint { Entity = display, Address = ip },
            _ => new FlowEndpoint { Namespace = ns, Pod = display, Labels = labels, Address = ip },
        };
    }

    private static IReadOnlyDictionary<string, string> Labels(JsonElement? element)
    {
        if (element is not { } e)
        {
            return NoLabels;
        }

        if (e.ValueKind == JsonValueKind.Object)
        {
            // {"labels": ["k=v", ...]} as written to Elasticsearch, or a plain map.
            foreach (var p in e.EnumerateObject())
            {
                if (p.Name == "labels" && p.Value.ValueKind == JsonValueKind.Array)
                {
                    return Labels(p.Value);
                }
            }

            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var p in e.EnumerateObject())
            {
                if (p.Value.ValueKind == JsonValueKind.String)
                {
                    map[p.Name] = p.Value.GetString()!;
                }
            }

            return map.Count == 0 ? NoLabels : map;
        }

        if (e.ValueKind != JsonValueKind.Array)
        {
            return NoLabels;
        }

        Dictionary<string, string>? labels = null;
        foreach (var item in e.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || item.GetString() is not { Length: > 0 } kv || kv == "-")
            {
                continue;
            }

            var eq = kv.IndexOf('=', StringComparison.Ordinal);
            (labels ??= new Dictionary<string, string>(StringComparer.Ordinal))[eq >= 0 ? kv[..eq] : kv] = eq >= 0 ? kv[(eq + 1)..] : string.Empty;
        }

        return labels ?? NoLabels;
    }

    /// <summary>The policies as logged: the tiered strings of the documented fields, or the flow logs API's policy hits.</summary>
    private static IReadOnlyList<string> Policies(JsonElement? element)
    {
        if (element is not { } e)
        {
            return Array.Empty<string>();
        }

        var list = new List<string>();
        void Collect(JsonElement x)
        {
            switch (x.ValueKind)
            {
                case JsonValueKind.String when x.GetString() is { Length: > 0 } s && s != "-":
                    if (!list.Contains(s))
                    {
                        list.Add(s);
                    }

                    break;
                case JsonValueKind.Array:
                    foreach (var item in x.EnumerateArray())
                    {
                        Collect(item);
                    }

                    break;
                case JsonValueKind.Object:
                    var f = Fields(x);
                    if (f.TryGetValue("name", out var name) && Text(name) is { } n)
                    {
                        var kind = f.TryGetValue("kind", out var k) ? Text(k) : null;
                        var ns = f.TryGetValue("namespace", out var pns) ? Dash(Text(pns)) : null;
                        var tier = f.TryGetValue("tier", out var t) ? Dash(Text(t)) : null;
                        var action = f.TryGetValue("action", out var a) ? Text(a) : null;
                        var text = (kind is null || int.TryParse(kind, out _) ? string.Empty : kind + " ") + (ns is null ? n : ns + "/" + n) +
                            (tier is null ? string.Empty : $" (tier {tier})") + (action is null || int.TryParse(action, out _) ? string.Empty : ": " + action);
                        if (!list.Contains(text))
                        {
                            list.Add(text);
                        }
                    }
                    else
                    {
                        foreach (var p in x.EnumerateObject())
                        {
                            Collect(p.Value);
                        }
                    }

                    break;
            }
        }

        Collect(e);
        return list.Count == 0 ? Array.Empty<string>() : list;
    }

    private static string? Text(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.GetRawText(),
        _ => null,
    };

    private static string? Dash(string? s) => string.IsNullOrWhiteSpace(s) || s == "-" ? null : s;

    private static long? Int(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Number => e.TryGetInt64(out var v) ? v : null,
        JsonValueKind.String => long.TryParse(e.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? s : null,
        _ => null,
    };

    private static DateTimeOffset? Time(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Number => e.TryGetInt64(out var v) ? PbJson.FromEpoch(v) : null,
        JsonValueKind.String => PbJson.ParseTime(e.GetString()),
        _ => null,
    };

    private static int EnumOf(JsonElement e, IReadOnlyDictionary<string, int> names) => e.ValueKind switch
    {
        JsonValueKind.Number => e.TryGetInt32(out var v) ? v : -1,
        JsonValueKind.String when e.GetString() is { } s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n
            : names.TryGetValue(PbJson.Normalize(s), out var value) ? value : -1,
        _ => -1,
    };
}
