using System.Text.Json.Nodes;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;

namespace NetSecPS.Core.Policy;

/// <summary>
/// Cilium's policies (cilium.io/v2 CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy, with
/// CiliumCIDRGroup) and what Cilium's presence changes for the other kinds. Where Cilium runs,
/// Kubernetes NetworkPolicy and Cilium's policies form one union tier (Cilium's "NetworkPolicy"
/// tier, between the ClusterNetworkPolicy Admin and Baseline tiers): any matching deny wins, else
/// any allow; an endpoint is default-deny in a direction once a policy selecting it has a section
/// for that direction (unless <c>enableDefaultDeny</c> turns it off); selectors see the labels
/// Cilium derives for every pod; nodes are peers of their own (<c>host</c>, <c>remote-node</c>),
/// and CIDR rules match neither pods nor nodes. Sources: Cilium's documentation (Policy
/// Enforcement Modes, Layer 3/4/7 policy, Deny Policies, Using Kubernetes Constructs in Policy).
/// </summary>
internal sealed class CiliumPolicyKind : IPolicyKind
{
    public IReadOnlyList<(string Group, string Kind)> Kinds { get; } = new[]
    {
        (CiliumCluster.Group, "CiliumNetworkPolicy"), (CiliumCluster.Group, "CiliumClusterwideNetworkPolicy"), (CiliumCluster.Group, "CiliumCIDRGroup"),
    };

    /// <summary>With <c>policy-cidr-match-mode: pods</c> (Cilium 1.20+), the CIDRs of Cilium rules also match pods.</summary>
    public void CollectPodAddressCuts(ClusterModel cluster, ConnectivityOptions options, List<IpRange> cuts)
    {
        if (!options.AddressRulesMatchPods || CiliumCluster.Detect(cluster) is not { CidrRulesMatchPods: true })
        {
            return;
        }

        var groups = CiliumCluster.CidrGroups(cluster);
        foreach (var kind in new[] { "CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy" })
        {
            foreach (var obj in cluster.Data.OfKind(kind, CiliumCluster.Group))
            {
                foreach (var cidr in CiliumPolicyCompiler.AllCidrs(obj.Raw, groups))
                {
                    if (IpRange.TryParseCidr(cidr, out var range, out var prefix) && prefix > 0)
                    {
                        cuts.Add(range);
                    }
                }
            }
        }
    }

    /// <summary>Cilium's labels of a pod name its service account (<c>io.cilium.k8s.policy.serviceaccount</c>).</summary>
    public PodDistinction? ClassDistinction(ClusterModel cluster, ConnectivityOptions options) =>
        CiliumCluster.Detect(cluster) is null ? null : PodDistinction.ServiceAccount;

    public void Plan(TierPlan plan, ClusterModel cluster)
    {
        if (CiliumCluster.Detect(cluster) is not { } cilium)
        {
            return;
        }

        plan.NodePeers = true;
        plan.PodLabels = cilium.LabelView();
        plan.NetworkPolicy = c => (Tier(c), null);
    }

    /// <summary>Cilium's one tier for NetworkPolicy, CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy.</summary>
    internal static Tier Tier(PolicyCompileContext context) =>
        context.Tier(PolicyLayer.Cni, StandardTiers.NetworkPolicy, StandardTiers.NetworkPolicyOrder, TierKind.Union, NoMatchAction.Deny,
            "the NetworkPolicy tier of Cilium (NetworkPolicy, CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy as one union: any matching deny wins, " +
            "else any allow; a selected endpoint is default-deny)");

    public void Compile(PolicyCompileContext context)
    {
        if (CiliumCluster.Detect(context.Cluster) is { } cilium)
        {
            new CiliumPolicyCompiler(context, cilium).CompileAll();
        }
    }
}

/// <summary>Compiles one cluster's Cilium policies into the model (one instance per model build).</summary>
internal sealed partial class CiliumPolicyCompiler
{
    private readonly PolicyCompileContext context;
    private readonly CiliumCluster cilium;
    private readonly IReadOnlyDictionary<string, CiliumCluster.CidrGroup> groups;
    private readonly Tier tier;
    private readonly List<CompiledPolicy> fqdnPolicies = new();
    private readonly HashSet<CompiledRule> dnsProxyRules = new();
    private List<string>? allNamespaces;

    public CiliumPolicyCompiler(PolicyCompileContext context, CiliumCluster cilium)
    {
        this.context = context;
        this.cilium = cilium;
        groups = CiliumCluster.CidrGroups(context.Cluster);
        tier = CiliumPolicyKind.Tier(context);
    }

    private List<string> AllNamespaces => allNamespaces ??= context.NamespacesMatching(LabelSelector.Everything);

    public void CompileAll()
    {
        foreach (var (kind, namespaced) in new[] { ("CiliumNetworkPolicy", true), ("CiliumClusterwideNetworkPolicy", false) })
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var obj in context.Cluster.Data.OfKind(kind, CiliumCluster.Group))
            {
                if (obj.Raw is not { } raw)
                {
                    continue;
                }

                if (!seen.Add((obj.Namespace ?? string.Empty) + "/" + obj.Name))
                {
                    context.Diagnose(obj, DiagnosticSeverity.Warning, "DuplicatePolicy", $"another {kind} has the same name; this one is ignored.");
                    continue;
                }

                if (obj.ApiVersion != CiliumCluster.Group + "/v2")
                {
                    context.Diagnose(obj, DiagnosticSeverity.Warning, "UnknownVersion", $"apiVersion {obj.ApiVersion} is read as {CiliumCluster.Group}/v2.");
                }

                CompileObject(obj, raw, namespaced);
            }
        }

        AddEnforcementAlways();
        AddAllowLocalhost();
        CheckDnsProxy();
        ReportAgentSettings();
    }

    private void CompileObject(Sources.KubeObject obj, JsonObject raw, bool namespaced)
    {
        var rules = new List<(JsonObject Rule, string? Label)>();
        if (raw["spec"] is JsonObject spec)
        {
            rules.Add((spec, null));
        }
        else if (raw["spec"] is not null)
        {
            context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPolicy", "spec must be an object; it is ignored.");
        }

        if (raw["specs"] is JsonArray specs)
        {
            for (var i = 0; i < specs.Count; i++)
            {
                if (specs[i] is JsonObject s)
                {
                    rules.Add((s, $"specs[{i}]"));
                }
                else
                {
                    context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPolicy", $"specs[{i}] must be an object; it is ignored.");
                }
            }
        }
        else if (raw["specs"] is not null)
        {
            context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPolicy", "specs must be a list; it is ignored.");
        }

        if (rules.Count == 0)
        {
            context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPolicy", "the policy has neither spec nor specs; it is ignored.");
            return;
        }

        foreach (var (rule, label) in rules)
        {
            // Each rule of specs has its own selector: a policy of the model each, named so they stay apart.
            var name = rules.Count == 1 ? obj.Name : $"{obj.Name} ({label ?? "spec"})";
            if (CompileRuleSet(obj, rule, name, label is null ? string.Empty : label + ".", namespaced) is { } policy)
            {
                context.Add(tier, policy);
            }
        }
    }

    private CompiledPolicy? CompileRuleSet(Sources.KubeObject obj, JsonObject rule, string name, string prefix, bool namespaced)
    {
        var ns = namespaced ? obj.Namespace ?? "default" : null;
        if (rule["nodeSelector"] is not null)
        {
            if (namespaced)
            {
                context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPolicy", $"{prefix}nodeSelector can only be used in a CiliumClusterwideNetworkPolicy; the rule is ignored.");
                return null;
            }

            // Host policies apply to the nodes' host namespace through Cilium's host firewall, which NetSecPS does not model.
            context.Diagnose(obj, DiagnosticSeverity.Warning, "HostPolicyNotEvaluated", $"{prefix}nodeSelector makes this a host policy (the nodes' host firewall" +
                (cilium.HostFirewall ? string.Empty : ", which cilium-config does not enable") + "); NetSecPS does not evaluate host policies, so it restricts nothing here.");
            context.NoteUndecided($"CiliumClusterwideNetworkPolicy {obj.Name} {prefix}nodeSelector is a host policy (Cilium host firewall), which is not evaluated: connections to and from nodes' host network are taken as unrestricted by it.");
            return null;
        }

        if (rule["endpointSelector"] is not { } selectorNode)
        {
            context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPolicy", $"{prefix}endpointSelector is missing (endpointSelector or nodeSelector is required); the rule is ignored.");
            return null;
        }

        if (Subject(obj, selectorNode, ns, prefix) is not { } subject)
        {
            return null;
        }

        var kind = namespaced ? "CiliumNetworkPolicy" : "CiliumClusterwideNetworkPolicy";
        var policy = new CompiledPolicy(kind, name, ns, null, obj, subject.Classes, subject.Text)
        {
            SelectsWholeNamespace = namespaced && subject.Everything,
        };

        var ingress = rule["ingress"] as JsonArray;
        var ingressDeny = rule["ingressDeny"] as JsonArray;
        var egress = rule["egress"] as JsonArray;
        var egressDeny = rule["egressDeny"] as JsonArray;
        foreach (var key in new[] { "ingress", "ingressDeny", "egress", "egressDeny" })
        {
            if (rule[key] is not null and not JsonArray)
            {
                context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidRule", $"{prefix}{key} must be a list; it is ignored.");
            }
        }

        // "If any rule selects an endpoint and the rule has an ingress section, the endpoint goes into default deny at ingress" (a deny section counts too).
        policy.AffectsIngress = ingress is { Count: > 0 } || ingressDeny is { Count: > 0 };
        policy.AffectsEgress = egress is { Count: > 0 } || egressDeny is { Count: > 0 };
        if (rule["enableDefaultDeny"] is JsonObject defaultDeny)
        {
            policy.IsolatesIngress = Bool(defaultDeny["ingress"]) ?? true;
            policy.IsolatesEgress = Bool(defaultDeny["egress"]) ?? true;
        }

        CompileList(obj, policy, TrafficDirection.Ingress, RuleAction.Allow, ingress, prefix + "ingress");
        CompileList(obj, policy, TrafficDirection.Ingress, RuleAction.Deny, ingressDeny, prefix + "ingressDeny");
        CompileList(obj, policy, TrafficDirection.Egress, RuleAction.Allow, egress, prefix + "egress");
        CompileList(obj, policy, TrafficDirection.Egress, RuleAction.Deny, egressDeny, prefix + "egressDeny");
        if (policy.Egress.Any(r => r.Peers.Any(p => p.Kind == RulePeerKind.DomainNames)))
        {
            fqdnPolicies.Add(policy);
        }

        return policy;
    }

    private static bool? Bool(JsonNode? node) => node is JsonValue v && v.TryGetValue<bool>(out var b) ? b : null;

    private sealed record SubjectResult(ClassSet Classes, string Text, bool Everything);

    /// <summary>
    /// The endpoints a rule applies to. A namespaced policy's <c>endpointSelector</c> always applies
    /// in the policy's namespace ("Kubernetes prohibits specifying the namespace in the
    /// endpointSelector"); a cluster-wide one selects in every namespace. Host-network pods are
    /// part of the node's host endpoint, never selected.
    /// </summary>
    private SubjectResult? Subject(Sources.KubeObject obj, JsonNode node, string? ns, string prefix)
    {
        var parsed = CiliumSelector.Parse(node, out var error);
        if (parsed is null)
        {
            context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidSelector", $"{prefix}endpointSelector is invalid ({error}); the rule is ignored.");
            return null;
        }

        if (parsed.Entity is not null)
        {
            context.Diagnose(obj, DiagnosticSeverity.Warning, "UnsupportedSelector", $"{prefix}endpointSelector selects the reserved:{parsed.Entity} identity, which is no pod; the rule applies to no pod here.");
            return new SubjectResult(context.NewClassSet(), $"the reserved:{parsed.Entity} identity", false);
        }

        if (ns is not null)
        {
            var selector = parsed.Selector;
            if (parsed.NamesNamespace && !parsed.NamespacePart.Matches(CiliumSelector.NamespaceView(ns, context.Classes.NamespaceLabels.GetValueOrDefault(ns) ?? new Dictionary<string, string>())))
            {
                context.Diagnose(obj, DiagnosticSeverity.Warning, "InvalidSelector", $"{prefix}endpointSelector names another namespace; Cilium applies a CiliumNetworkPolicy in its own namespace ({ns}) and drops that match.");
                selector = parsed.PodPart;
            }

            var classes = context.PodsMatching(new List<string> { ns }, selector);
            return new SubjectResult(classes, selector.IsEverything ? $"every pod in namespace {ns}" : $"pods {selector} in namespace {ns}", selector.IsEverything);
        }

        var all = context.PodsMatching(AllNamespaces, parsed.Selector);
        return new SubjectResult(all, parsed.Selector.IsEverything ? "every pod in every namespace" : $"pods {parsed.Selector} in every namespace", parsed.Selector.IsEverything);
    }

    private void CompileList(Sources.KubeObject obj, CompiledPolicy policy, TrafficDirection direction, RuleAction action, JsonArray? list, string field)
    {
        for (var i = 0; i < (list?.Count ?? 0); i++)
        {
            var where = $"{field}[{i}]";
            if (list![i] is not JsonObject rule)
            {
                context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidRule", $"{where} is not an object; it is ignored.");
                continue;
            }

            CompileRule(obj, policy, direction, action, rule, where);
        }
    }
}
