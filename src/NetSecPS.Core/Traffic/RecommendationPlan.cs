using System.Globalization;
using System.Text;
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

/// <summary>Writes a plan as a Kubernetes NetworkPolicy manifest.</summary>
internal static class NetworkPolicyWriter
{
    internal static string Q(string s) => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    /// <summary>The manifest of the plan in the kind asked for, without its header comment.</summary>
    public static string Body(RecommendationPlan plan, PolicyRecommendationKind kind) => kind switch
    {
        PolicyRecommendationKind.CiliumNetworkPolicy => CiliumPolicyWriter.Body(plan),
        PolicyRecommendationKind.CalicoNetworkPolicy => CalicoPolicyWriter.Body(plan),
        _ => Body(plan),
    };

    /// <summary><c>apiVersion</c>, <c>kind</c> and <c>metadata</c>, the same for every kind.</summary>
    internal static void AppendHead(StringBuilder sb, RecommendationPlan plan, string apiVersion, string kind)
    {
        sb.Append("apiVersion: ").Append(apiVersion).Append("\nkind: ").Append(kind).Append("\nmetadata:\n");
        sb.Append("  name: ").Append(plan.Name).Append('\n');
        sb.Append("  namespace: ").Append(plan.Workload.Namespace).Append('\n');
        sb.Append("  labels:\n    app.kubernetes.io/managed-by: netsecps\n");
        sb.Append("  annotations:\n    netsecps.io/recommended-for: ").Append(Q(plan.Workload.Peer)).Append('\n');
    }

    /// <summary>The manifest without its header comment: what the engine verifies and what is applied.</summary>
    public static string Body(RecommendationPlan plan)
    {
        var sb = new StringBuilder();
        AppendHead(sb, plan, "networking.k8s.io/v1", "NetworkPolicy");
        sb.Append("spec:\n  podSelector:\n    matchLabels:\n");
        foreach (var (k, v) in plan.Selector.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            sb.Append("      ").Append(k).Append(": ").Append(Q(v)).Append('\n');
        }

        var egress = plan.Direction == PolicyDirection.Egress;
        sb.Append("  policyTypes:\n  - ").Append(egress ? "Egress" : "Ingress").Append('\n');
        if (plan.Rules.Count == 0)
        {
            sb.Append(egress ? "  egress: []\n" : "  ingress: []\n");
            return sb.ToString();
        }

        sb.Append(egress ? "  egress:\n" : "  ingress:\n");
        foreach (var rule in plan.Rules)
        {
            sb.Append("  # ").Append(rule.Why.Length > 0 ? rule.Why + ": " : string.Empty).Append(rule.Peer.Text).Append('\n');
            sb.Append(egress ? "  - to:\n" : "  - from:\n");
            AppendPeer(sb, rule.Peer);
            if (rule.Ports.Count > 0)
            {
                sb.Append("    ports:\n");
                foreach (var p in rule.Ports)
                {
                    sb.Append("    - protocol: ").Append(p.Protocol).Append('\n');
                    sb.Append("      port: ").Append(p.Name ?? p.Port.ToString(CultureInfo.InvariantCulture)).Append('\n');
                }
            }
        }

        return sb.ToString();
    }

    private static void AppendPeer(StringBuilder sb, PeerSpec peer)
    {
        if (peer.Cidrs.Count > 0)
        {
            foreach (var cidr in peer.Cidrs)
            {
                sb.Append("    - ipBlock:\n        cidr: ").Append(cidr).Append('\n');
            }

            return;
        }

        var first = "    - ";
        if (peer.AllNamespaces)
        {
            sb.Append(first).Append("namespaceSelector: {}\n");
            first = "      ";
        }
        else if (peer.Namespace is { } ns)
        {
            sb.Append(first).Append("namespaceSelector:\n        matchLabels:\n          ").Append(ClusterModel.NamespaceNameLabel).Append(": ").Append(Q(ns)).Append('\n');
            first = "      ";
        }

        if (peer.PodLabels is { } labels)
        {
            sb.Append(first).Append("podSelector:\n        matchLabels:\n");
            foreach (var (k, v) in labels.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                sb.Append("          ").Append(k).Append(": ").Append(Q(v)).Append('\n');
            }
        }
        else if (first == "    - ")
        {
            sb.Append(first).Append("podSelector: {}\n");
        }
    }
}
