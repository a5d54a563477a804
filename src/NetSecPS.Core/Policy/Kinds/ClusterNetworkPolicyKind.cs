using System.Text.Json.Nodes;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Policy;

/// <summary>
/// ClusterNetworkPolicy (policy.networking.k8s.io/v1alpha2), the successor of AdminNetworkPolicy
/// and BaselineAdminNetworkPolicy: <c>spec.tier</c> Admin or Baseline, <c>priority</c> 0-1000
/// (lower first), actions Accept, Deny and Pass (Pass leaves the tier: Admin → NetworkPolicy,
/// Baseline → the default), subject <c>namespaces</c> or <c>pods</c>, peers <c>namespaces</c>,
/// <c>pods</c>, and for egress <c>networks</c> (which also match pod addresses), <c>nodes</c> and
/// <c>domainNames</c>; <c>protocols</c> with TCP/UDP/SCTP ports, ranges and named ports.
/// </summary>
internal sealed class ClusterNetworkPolicyKind : IPolicyKind
{
    private const string Group = "policy.networking.k8s.io";

    public IReadOnlyList<(string Group, string Kind)> Kinds { get; } = new[] { (Group, "ClusterNetworkPolicy") };

    public void CollectPodAddressCuts(Model.ClusterModel cluster, ConnectivityOptions options, List<IpRange> cuts) =>
        AdminNetworkPolicyKind.NetworksCuts(cluster, options, cuts, "ClusterNetworkPolicy");

    public void Compile(PolicyCompileContext context)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var obj in context.Cluster.Data.OfKind("ClusterNetworkPolicy", Group))
        {
            if (obj.Raw is not { } raw)
            {
                continue;
            }

            if (!seen.Add(obj.Name))
            {
                context.Diagnose(obj, DiagnosticSeverity.Warning, "DuplicatePolicy", "another ClusterNetworkPolicy has the same name; this one is ignored.");
                continue;
            }

            if (!string.Equals(obj.ApiVersion, Group + "/v1alpha2", StringComparison.Ordinal))
            {
                context.Diagnose(obj, DiagnosticSeverity.Warning, "UnknownVersion", $"apiVersion {obj.ApiVersion} is read as {Group}/v1alpha2.");
            }

            if (raw["spec"] is not JsonObject spec)
            {
                context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPolicy", "the policy has no spec; it is ignored.");
                continue;
            }

            var tierName = PolicyCompileContext.Str(spec["tier"]);
            Tier tier;
            switch (tierName)
            {
                case "Admin":
                    tier = context.Plan.Admin(context);
                    break;
                case "Baseline":
                    tier = context.Plan.Baseline(context);
                    break;
                default:
                    context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPolicy", $"spec.tier is '{tierName}', not Admin or Baseline; the policy is ignored.");
                    continue;
            }

            if (AdminPolicySupport.Priority(context, obj, spec) is not { } priority ||
                AdminPolicySupport.Compile(context, obj, spec, "ClusterNetworkPolicy", priority,
                    (policy, direction, index, node) => CompileRule(context, obj, policy, direction, index, node)) is not { } policy)
            {
                continue;
            }

            context.Add(tier, policy);
        }
    }

    private static CompiledRule? CompileRule(PolicyCompileContext context, KubeObject obj, CompiledPolicy policy, TrafficDirection direction, int index, JsonNode? node)
    {
        if (AdminPolicySupport.RuleHead(context, obj, direction, index, node) is not { } head)
        {
            return null;
        }

        var (name, where, rule) = head;

        var actionText = PolicyCompileContext.Str(rule["action"]);
        if (AdminPolicySupport.Action(actionText, v1alpha2: true) is not { } action)
        {
            context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidRule", $"{where}: action '{actionText}' is not Accept, Deny or Pass; the rule is ignored.");
            return null;
        }

        var peers = rule[direction == TrafficDirection.Ingress ? "from" : "to"] as JsonArray;
        var ports = CompileProtocols(context, obj, where, rule["protocols"], peers);
        if (ports is null)
        {
            return null;
        }

        if (action != RuleAction.Allow && peers?.Any(p => p?["domainNames"] is not null) == true)
        {
            context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPeer", $"{where}: domainNames peers are allowed only in Accept rules; those peers are ignored.");
        }

        var compiled = new CompiledRule(policy, direction, index, name, action, ports) { Classes = context.NewClassSet() };
        return AdminPolicySupport.CompilePeers(context, obj, compiled, where, peers, domainNamesAllowed: action == RuleAction.Allow) ? compiled : null;
    }

    /// <summary>
    /// <c>protocols</c>: each item one of <c>tcp</c>, <c>udp</c>, <c>sctp</c> (with an optional
    /// <c>destinationPort</c> of <c>number</c> or <c>range</c>) or <c>destinationNamedPort</c>.
    /// Without <c>protocols</c> the rule matches every protocol and port.
    /// </summary>
    private static PortSpec? CompileProtocols(PolicyCompileContext context, KubeObject obj, string where, JsonNode? node, JsonArray? peers)
    {
        if (node is null)
        {
            return PortSpec.AllPorts;
        }

        if (node is not JsonArray protocols || protocols.Count == 0)
        {
            context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPort", $"{where}: protocols must be a non-empty list; the rule is ignored.");
            return null;
        }

        var numeric = ConnectionSet.None;
        var named = new List<NamedPortRef>();
        var texts = new List<string>();
        foreach (var item in protocols)
        {
            if (item is not JsonObject p || p.Count != 1)
            {
                context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPort", $"{where}: each protocols entry must set exactly one of tcp, udp, sctp and destinationNamedPort; the entry is ignored.");
                continue;
            }

            var (key, value) = p.First();
            if (key == "destinationNamedPort")
            {
                if (PolicyCompileContext.Str(value) is not { Length: > 0 } portName)
                {
                    context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPort", $"{where}: destinationNamedPort must be a port name; the entry is ignored.");
                    continue;
                }

                if (peers?.Any(x => x?["networks"] is not null || x?["nodes"] is not null || x?["domainNames"] is not null) == true)
                {
                    context.Diagnose(obj, DiagnosticSeverity.Warning, "NamedPortOnIpBlock", $"{where}: a named port cannot apply to networks, nodes or domainNames peers (the API rejects it); it counts only for pods.");
                }

                named.Add(new NamedPortRef(portName, null));
                texts.Add($"port named {portName}");
                continue;
            }

            var protocol = key.ToUpperInvariant();
            if (!ConnectionSet.Protocols.Contains(protocol) || key != key.ToLowerInvariant())
            {
                context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPort", $"{where}: '{key}' is not tcp, udp, sctp or destinationNamedPort; the entry is ignored.");
                continue;
            }

            var port = value?["destinationPort"];
            if (port is null)
            {
                numeric = numeric.Union(ConnectionSet.AllPorts(protocol));
                texts.Add(PortSpec.Describe(protocol, ConnectionSet.MinPort, ConnectionSet.MaxPort));
                continue;
            }

            if (PolicyCompileContext.Int(port["number"]) is { } number)
            {
                if (number is < 1 or > 65535)
                {
                    context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPort", $"{where}: {key} port {number} is not within 1-65535; the entry is ignored.");
                    continue;
                }

                numeric = numeric.Union(ConnectionSet.Port(protocol, number));
                texts.Add(PortSpec.Describe(protocol, number, number));
            }
            else if (port["range"] is JsonObject range && PolicyCompileContext.Int(range["start"]) is { } start && PolicyCompileContext.Int(range["end"]) is { } end
                     && start >= 1 && end <= 65535 && start <= end)
            {
                numeric = numeric.Union(ConnectionSet.Ports(protocol, start, end));
                texts.Add(PortSpec.Describe(protocol, start, end));
            }
            else
            {
                context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPort", $"{where}: {key} destinationPort {port.ToJsonString()} is neither a number nor a range within 1-65535; the entry is ignored.");
            }
        }

        return new PortSpec(numeric, named, texts.Count == 0 ? "no valid port" : string.Join(", ", texts));
    }
}
