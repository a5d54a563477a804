using System.Text.Json.Nodes;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Policy;

/// <summary>
/// AdminNetworkPolicy and BaselineAdminNetworkPolicy (policy.networking.k8s.io/v1alpha1).
/// AdminNetworkPolicies go to the Admin tier by priority (0-1000, lower first), the one
/// BaselineAdminNetworkPolicy (named <c>default</c>) to the Baseline tier after every
/// Baseline-tier ClusterNetworkPolicy. Actions Allow, Deny and Pass (Pass only in the admin tier);
/// a direction is affected only when the policy has rules for it.
/// </summary>
internal sealed class AdminNetworkPolicyKind : IPolicyKind
{
    private const string Group = "policy.networking.k8s.io";

    public IReadOnlyList<(string Group, string Kind)> Kinds { get; } = new[] { (Group, "AdminNetworkPolicy"), (Group, "BaselineAdminNetworkPolicy") };

    public void CollectPodAddressCuts(Model.ClusterModel cluster, ConnectivityOptions options, List<IpRange> cuts) =>
        NetworksCuts(cluster, options, cuts, "AdminNetworkPolicy", "BaselineAdminNetworkPolicy");

    /// <summary>The CIDRs of <c>networks</c> peers of the given kinds: they also match pod addresses.</summary>
    internal static void NetworksCuts(Model.ClusterModel cluster, ConnectivityOptions options, List<IpRange> cuts, params string[] kinds)
    {
        if (!options.AddressRulesMatchPods)
        {
            return;
        }

        foreach (var kind in kinds)
        {
            foreach (var obj in cluster.Data.OfKind(kind, Group))
            {
                foreach (var rule in obj.Raw?["spec"]?["egress"] as JsonArray ?? new JsonArray())
                {
                    foreach (var peer in rule?["to"] as JsonArray ?? new JsonArray())
                    {
                        foreach (var cidr in peer?["networks"] as JsonArray ?? new JsonArray())
                        {
                            if (IpRange.TryParseCidr(PolicyCompileContext.Str(cidr), out var range, out var prefix) && prefix > 0)
                            {
                                cuts.Add(range);
                            }
                        }
                    }
                }
            }
        }
    }

    public void Compile(PolicyCompileContext context)
    {
        var anps = new List<CompiledPolicy>();
        foreach (var obj in context.Cluster.Data.OfKind("AdminNetworkPolicy", Group))
        {
            if (obj.Raw is { } raw && CompilePolicy(context, obj, raw, baseline: false) is { } anp)
            {
                if (anps.Any(a => a.Name == anp.Name))
                {
                    context.Diagnose(obj, DiagnosticSeverity.Warning, "DuplicatePolicy", "another AdminNetworkPolicy has the same name; this one is ignored.");
                    continue;
                }

                anps.Add(anp);
            }
        }

        var admin = context.Plan.Admin(context);
        foreach (var anp in anps)
        {
            context.Add(admin, anp);
        }

        var banps = context.Cluster.Data.OfKind("BaselineAdminNetworkPolicy", Group).Where(o => o.Raw is not null).ToList();
        if (banps.Count == 0)
        {
            return;
        }

        var chosen = banps.FirstOrDefault(b => b.Name == "default") ?? banps[0];
        if (chosen.Name != "default")
        {
            context.Diagnose(chosen, DiagnosticSeverity.Warning, "BaselineNotDefault", "a BaselineAdminNetworkPolicy must be named 'default'; it is evaluated anyway.");
        }

        foreach (var other in banps.Where(b => !ReferenceEquals(b, chosen)))
        {
            context.Diagnose(other, DiagnosticSeverity.Warning, "DuplicatePolicy", $"the cluster has one BaselineAdminNetworkPolicy; {chosen.Name} is evaluated and this one is ignored.");
        }

        if (CompilePolicy(context, chosen, chosen.Raw!, baseline: true) is { } banp)
        {
            context.Add(context.Plan.Baseline(context), banp);
        }
    }

    private static CompiledPolicy? CompilePolicy(PolicyCompileContext context, KubeObject obj, JsonObject raw, bool baseline)
    {
        if (raw["spec"] is not JsonObject spec)
        {
            context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPolicy", "the policy has no spec; it is ignored.");
            return null;
        }

        var priority = StandardTiers.BaselineAdminNetworkPolicyPriority;
        if (!baseline)
        {
            if (AdminPolicySupport.Priority(context, obj, spec) is not { } p)
            {
                return null;
            }

            priority = p;
        }

        return AdminPolicySupport.Compile(context, obj, spec, baseline ? "BaselineAdminNetworkPolicy" : "AdminNetworkPolicy", priority,
            (policy, direction, index, node) => CompileRule(context, obj, policy, direction, index, node, baseline));
    }

    private static CompiledRule? CompileRule(PolicyCompileContext context, KubeObject obj, CompiledPolicy policy, TrafficDirection direction, int index, JsonNode? node, bool baseline)
    {
        if (AdminPolicySupport.RuleHead(context, obj, direction, index, node) is not { } head)
        {
            return null;
        }

        var (name, where, rule) = head;

        var actionText = PolicyCompileContext.Str(rule["action"]);
        var action = AdminPolicySupport.Action(actionText, v1alpha2: false);
        if (action is null || (baseline && action == RuleAction.Pass))
        {
            context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidRule", baseline
                ? $"{where}: action '{actionText}' is not Allow or Deny (the actions of a baseline policy); the rule is ignored."
                : $"{where}: action '{actionText}' is not Allow, Deny or Pass; the rule is ignored.");
            return null;
        }

        var ports = CompilePorts(context, obj, where, rule["ports"]);
        if (ports is null)
        {
            return null;
        }

        var compiled = new CompiledRule(policy, direction, index, name, action.Value, ports) { Classes = context.NewClassSet() };
        var peers = rule[direction == TrafficDirection.Ingress ? "from" : "to"] as JsonArray;
        return AdminPolicySupport.CompilePeers(context, obj, compiled, where, peers, domainNamesAllowed: false) ? compiled : null;
    }

    private static PortSpec? CompilePorts(PolicyCompileContext context, KubeObject obj, string where, JsonNode? node)
    {
        if (node is null)
        {
            return PortSpec.AllPorts;
        }

        if (node is not JsonArray ports)
        {
            context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPort", $"{where}: ports must be a list; the rule is ignored.");
            return null;
        }

        var numeric = ConnectionSet.None;
        var named = new List<NamedPortRef>();
        var texts = new List<string>();
        foreach (var item in ports)
        {
            if (item is not JsonObject port || port.Count != 1)
            {
                context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPort", $"{where}: each port must set exactly one of portNumber, namedPort and portRange; the entry is ignored.");
                continue;
            }

            if (port["portNumber"] is JsonObject pn)
            {
                var protocol = PolicyCompileContext.Str(pn["protocol"]) ?? "TCP";
                if (!ConnectionSet.Protocols.Contains(protocol) || PolicyCompileContext.Int(pn["port"]) is not { } number || number is < 1 or > 65535)
                {
                    context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPort", $"{where}: portNumber {pn.ToJsonString()} is not a valid protocol and port; the entry is ignored.");
                    continue;
                }

                numeric = numeric.Union(ConnectionSet.Port(protocol, number));
                texts.Add(PortSpec.Describe(protocol, number, number));
            }
            else if (port["portRange"] is JsonObject pr)
            {
                var protocol = PolicyCompileContext.Str(pr["protocol"]) ?? "TCP";
                if (!ConnectionSet.Protocols.Contains(protocol) || PolicyCompileContext.Int(pr["start"]) is not { } start || PolicyCompileContext.Int(pr["end"]) is not { } end ||
                    start < 1 || end > 65535 || end < start)
                {
                    context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPort", $"{where}: portRange {pr.ToJsonString()} is not a valid protocol and range; the entry is ignored.");
                    continue;
                }

                numeric = numeric.Union(ConnectionSet.Ports(protocol, start, end));
                texts.Add(PortSpec.Describe(protocol, start, end));
            }
            else if (PolicyCompileContext.Str(port["namedPort"]) is { Length: > 0 } name)
            {
                named.Add(new NamedPortRef(name, null));
                texts.Add($"port named {name}");
            }
            else
            {
                context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPort", $"{where}: port {port.ToJsonString()} is not portNumber, namedPort or portRange; the entry is ignored.");
            }
        }

        return new PortSpec(numeric, named, texts.Count == 0 ? "no valid port" : string.Join(", ", texts));
    }
}
