using System.Globalization;
using System.Text.Json.Nodes;
using NetSecPS.Core.Checks.Support;
using NetSecPS.Core.Model;

namespace NetSecPS.Core.Traffic;

/// <summary>
/// Who a rule of a recommended policy admits: pods by labels (in the policy's namespace, in a
/// named namespace, or in every namespace), or address blocks.
/// </summary>
internal sealed record PeerSpec
{
    /// <summary>Pod labels to match; null for every pod of the namespaces (or none with <see cref="Cidrs"/>).</summary>
    public IReadOnlyDictionary<string, string>? PodLabels { get; init; }
    /// <summary>The peer's namespace when it is not the policy's own; null for the policy's namespace.</summary>
    public string? Namespace { get; init; }
    public bool AllNamespaces { get; init; }
    public IReadOnlyList<string> Cidrs { get; init; } = Array.Empty<string>();
    /// <summary>The <see cref="Cidrs"/> are node addresses of a host-network workload (Cilium names nodes by entity, not by address).</summary>
    public bool Nodes { get; init; }
    /// <summary>What the peer stands for, in words (<c>shop/cart[Deployment]</c>, <c>198.51.100.0/24</c>).</summary>
    public required string Text { get; init; }

    /// <summary>Two rules for the same peer are merged.</summary>
    public string Key => Text;
}

/// <summary>A port of a rule: named as the destination's pods name it when they all do.</summary>
internal sealed record PortSpec(string Protocol, int Port, string? Name)
{
    public override string ToString() => Name is null
        ? string.Create(CultureInfo.InvariantCulture, $"{Protocol} {Port}")
        : string.Create(CultureInfo.InvariantCulture, $"{Protocol} {Name} ({Port})");
}

/// <summary>One rule: one peer and its ports, and why it is there.</summary>
internal sealed record RuleSpec(PeerSpec Peer, IReadOnlyList<PortSpec> Ports, string Why)
{
    public override string ToString() => $"{(Why.Length > 0 ? Why + ": " : string.Empty)}{Peer.Text} on {string.Join(", ", Ports)}";
}

/// <summary>A recommendation before it is written and verified.</summary>
internal sealed class RecommendationPlan
{
    public required Workload Workload { get; init; }
    public required PolicyDirection Direction { get; init; }
    public required string Name { get; init; }
    public required IReadOnlyDictionary<string, string> Selector { get; init; }
    public List<RuleSpec> Rules { get; } = new();
    public List<string> Notes { get; } = new();
    /// <summary>The observed paths the policy must keep allowed (those policy allowed before).</summary>
    public List<ObservedPath> Keeps { get; } = new();
    /// <summary>Paths kept although not observed (DNS, Ingress exposure) that must stay allowed.</summary>
    public List<(string From, string To, string Protocol, int Port)> MustKeep { get; } = new();
}

/// <summary>
/// Writes a plan as a Kubernetes NetworkPolicy manifest: built as an object and written by
/// <see cref="ManifestYaml"/>, so a name, namespace or label taken from the cluster can only ever
/// be a scalar of the policy, never text that ends it or starts another document.
/// </summary>
internal static class NetworkPolicyWriter
{
    /// <summary>The manifest of the plan in the kind asked for, as an object: what the engine verifies and what is written.</summary>
    public static JsonObject Manifest(RecommendationPlan plan, PolicyRecommendationKind kind) => kind switch
    {
        PolicyRecommendationKind.CiliumNetworkPolicy => CiliumPolicyWriter.Manifest(plan),
        PolicyRecommendationKind.CalicoNetworkPolicy => CalicoPolicyWriter.Manifest(plan),
        _ => Manifest(plan),
    };

    /// <summary><c>apiVersion</c>, <c>kind</c> and <c>metadata</c>, the same for every kind, and the <paramref name="spec"/>.</summary>
    internal static JsonObject Object(RecommendationPlan plan, string apiVersion, string kind, JsonObject spec) => new()
    {
        ["apiVersion"] = apiVersion,
        ["kind"] = kind,
        ["metadata"] = new JsonObject
        {
            ["name"] = plan.Name,
            ["namespace"] = plan.Workload.Namespace,
            ["labels"] = new JsonObject { ["app.kubernetes.io/managed-by"] = "netsecps" },
            ["annotations"] = new JsonObject { ["netsecps.io/recommended-for"] = plan.Workload.Peer },
        },
        ["spec"] = spec,
    };

    /// <summary>The Kubernetes NetworkPolicy of the plan.</summary>
    public static JsonObject Manifest(RecommendationPlan plan)
    {
        var egress = plan.Direction == PolicyDirection.Egress;
        var rules = new JsonArray();
        foreach (var rule in plan.Rules)
        {
            var item = new JsonObject { [egress ? "to" : "from"] = Peers(rule.Peer) };
            if (rule.Ports.Count > 0)
            {
                var ports = new JsonArray();
                foreach (var p in rule.Ports)
                {
                    ports.Add(new JsonObject { ["protocol"] = p.Protocol, ["port"] = p.Name is null ? JsonValue.Create(p.Port) : JsonValue.Create(p.Name) });
                }

                item["ports"] = ports;
            }

            rules.Add(item);
        }

        return Object(plan, "networking.k8s.io/v1", "NetworkPolicy", new JsonObject
        {
            ["podSelector"] = new JsonObject { ["matchLabels"] = Labels(plan.Selector) },
            ["policyTypes"] = new JsonArray(egress ? "Egress" : "Ingress"),
            [egress ? "egress" : "ingress"] = rules,
        });
    }

    /// <summary>The YAML document of <paramref name="manifest"/>: the comments first, then one line per rule saying why it is there.</summary>
    public static string Write(RecommendationPlan plan, JsonObject manifest, IEnumerable<string> comments) =>
        ManifestYaml.Emit(manifest, comments.Concat(plan.Rules.Select((r, i) => $"Rule {i + 1} allows {(r.Why.Length > 0 ? r.Why + ": " : string.Empty)}{r.Peer.Text}.")));

    private static JsonArray Peers(PeerSpec peer)
    {
        var peers = new JsonArray();
        if (peer.Cidrs.Count > 0)
        {
            foreach (var cidr in peer.Cidrs)
            {
                peers.Add(new JsonObject { ["ipBlock"] = new JsonObject { ["cidr"] = cidr } });
            }

            return peers;
        }

        var item = new JsonObject();
        if (peer.AllNamespaces)
        {
            item["namespaceSelector"] = new JsonObject();
        }
        else if (peer.Namespace is { } ns)
        {
            item["namespaceSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { [ClusterModel.NamespaceNameLabel] = ns } };
        }

        if (peer.PodLabels is { } labels)
        {
            item["podSelector"] = new JsonObject { ["matchLabels"] = Labels(labels) };
        }
        else if (item.Count == 0)
        {
            item["podSelector"] = new JsonObject();
        }

        peers.Add(item);
        return peers;
    }

    /// <summary>A list of strings (addresses, CIDRs) as a JSON array.</summary>
    internal static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());

    internal static JsonObject Labels(IReadOnlyDictionary<string, string> labels)
    {
        var o = new JsonObject();
        foreach (var (k, v) in labels.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            o[k] = v;
        }

        return o;
    }
}
