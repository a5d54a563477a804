using System.Globalization;
using System.Text.Json.Nodes;
using k8s.Models;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Policy;

/// <summary>
/// Calico policy (projectcalico.org/v3, and crd.projectcalico.org/v1 where only the CRDs are
/// served): NetworkPolicy and GlobalNetworkPolicy in ordered tiers, Tier (order and
/// <c>defaultAction</c> Deny or Pass), NetworkSet and GlobalNetworkSet as selectable address
/// ranges, Profile <c>labelsToApply</c>. With Calico policies present, Kubernetes NetworkPolicy is a
/// policy of order 1000 in Calico's <c>default</c> tier and ClusterNetworkPolicy runs in Calico's
/// <c>kube-admin</c> and <c>kube-baseline</c> tiers; staged policies are recorded, not enforced.
/// </summary>
/// <remarks>
/// Evaluation order (Calico's Tier reference, "How policy is evaluated", and the v3 API's
/// <c>TierSpec</c>/<c>NetworkPolicySpec</c>): tiers by order (unset last, ties by name), a tier only
/// where one of its policies applies to the endpoint; policies by order (unset last, ties by
/// name); rules in order, the first that matches decides (Log goes on, Pass leaves the tier); a
/// tier that applies but decides nothing applies its <c>defaultAction</c>. After the last tier,
/// the endpoint's profiles decide; Calico generates them (<c>kns.</c>, <c>ksa.</c>) to allow.
/// </remarks>
internal sealed class CalicoPolicyKind : IPolicyKind
{
    public const string DefaultTier = "default";
    public const string KubeAdminTier = "kube-admin";
    public const string KubeBaselineTier = "kube-baseline";

    /// <summary>The tiers of AdminNetworkPolicy and BaselineAdminNetworkPolicy before Calico 3.32 renamed them.</summary>
    public const string LegacyAdminTier = "adminnetworkpolicy";
    public const string LegacyBaselineTier = "baselineadminnetworkpolicy";

    /// <summary>The orders of the built-in tiers (projectcalico.org/v3 <c>KubeAdminTierOrder</c>, <c>DefaultTierOrder</c>, <c>KubeBaselineTierOrder</c>).</summary>
    public const double KubeAdminTierOrder = 1_000;
    public const double DefaultTierOrder = 1_000_000;
    public const double KubeBaselineTierOrder = 10_000_000;

    /// <summary>The order Calico gives a Kubernetes NetworkPolicy in the default tier.</summary>
    public const double KubernetesNetworkPolicyOrder = 1_000;

    public IReadOnlyList<(string Group, string Kind)> Kinds { get; } =
        CalicoObjects.AllKinds.SelectMany(k => new[] { (CalicoObjects.ApiGroup, k), (CalicoObjects.CrdGroup, k) }).ToList();

    /// <summary>Calico's selectors name service accounts (<c>serviceAccountSelector</c>, <c>projectcalico.org/serviceaccount</c>).</summary>
    public PodDistinction? ClassDistinction(ClusterModel cluster, ConnectivityOptions options) =>
        CalicoObjects.Read(cluster.Data).HasPolicies ? PodDistinction.ServiceAccount : null;

    public void CollectPodAddressCuts(ClusterModel cluster, ConnectivityOptions options, List<IpRange> cuts)
    {
        if (!options.AddressRulesMatchPods)
        {
            return;
        }

        var objects = CalicoObjects.Read(cluster.Data);
        if (!objects.HasPolicies)
        {
            return;
        }

        void Add(JsonNode? list)
        {
            foreach (var cidr in list as JsonArray ?? new JsonArray())
            {
                if (CalicoRuleCompiler.TryParseNet(PolicyCompileContext.Str(cidr), out var range, out var prefix) && prefix > 0)
                {
                    cuts.Add(range);
                }
            }
        }

        foreach (var obj in objects.NetworkPolicies.Concat(objects.GlobalNetworkPolicies))
        {
            foreach (var direction in new[] { "ingress", "egress" })
            {
                foreach (var rule in obj.Raw?["spec"]?[direction] as JsonArray ?? new JsonArray())
                {
                    foreach (var side in new[] { "source", "destination" })
                    {
                        Add(rule?[side]?["nets"]);
                        Add(rule?[side]?["notNets"]);
                    }
                }
            }
        }

        foreach (var set in objects.NetworkSets.Concat(objects.GlobalNetworkSets))
        {
            Add(set.Raw?["spec"]?["nets"]);
        }
    }

    public void Plan(TierPlan plan, ClusterModel cluster)
    {
        var objects = CalicoObjects.Read(cluster.Data);
        if (!objects.HasPolicies)
        {
            return;
        }

        var tierNames = objects.Tiers.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var admin = tierNames.Contains(LegacyAdminTier) && !tierNames.Contains(KubeAdminTier) ? LegacyAdminTier : KubeAdminTier;
        var baseline = tierNames.Contains(LegacyBaselineTier) && !tierNames.Contains(KubeBaselineTier) ? LegacyBaselineTier : KubeBaselineTier;
        plan.NetworkPolicy = c => (DefaultTierOf(c), KubernetesNetworkPolicyOrder);
        plan.Admin = c => c.Tier(PolicyLayer.Cni, admin, KubeAdminTierOrder, TierKind.Ordered, NoMatchAction.Next,
            $"Calico's {admin} tier (order 1,000, default action Pass: ClusterNetworkPolicy tier Admin and AdminNetworkPolicy by priority, with the Calico policies of the tier)");
        plan.Baseline = c => c.Tier(PolicyLayer.Cni, baseline, KubeBaselineTierOrder, TierKind.Ordered, NoMatchAction.Next,
            $"Calico's {baseline} tier (order 10,000,000, default action Pass: ClusterNetworkPolicy tier Baseline and BaselineAdminNetworkPolicy, with the Calico policies of the tier)");
    }

    private static Tier DefaultTierOf(PolicyCompileContext c) =>
        c.Tier(PolicyLayer.Cni, DefaultTier, DefaultTierOrder, TierKind.Ordered, NoMatchAction.Deny,
            "Calico's default tier (order 1,000,000: Calico policies without a tier, and Kubernetes NetworkPolicy at order 1000; what the policies that apply leave is denied)");

    public void Compile(PolicyCompileContext context)
    {
        var objects = CalicoObjects.Read(context.Cluster.Data);
        if (objects.IsEmpty)
        {
            return;
        }

        foreach (var d in objects.Duplicates)
        {
            context.Sink.Verbose($"Calico: {d.Kind} {(d.Namespace is null ? d.Name : d.Namespace + "/" + d.Name)} is present in both {CalicoObjects.ApiGroup} and {CalicoObjects.CrdGroup}; it is read once.");
        }

        foreach (var s in objects.Staged)
        {
            context.Sink.Verbose($"Calico: {s.Kind} {(s.Namespace is null ? s.Name : s.Namespace + "/" + s.Name)} is staged: Calico reports what it would do but does not enforce it, and neither does the connectivity.");
        }

        if (!objects.HasPolicies)
        {
            return;
        }

        var scope = new CalicoScope(context, objects);
        foreach (var obj in objects.NetworkPolicies.Concat(objects.GlobalNetworkPolicies))
        {
            if (obj.Raw is { } raw && CompilePolicy(scope, obj, raw, obj.Kind == "GlobalNetworkPolicy") is { } compiled)
            {
                context.Add(compiled.Tier, compiled.Policy);
            }
        }

        // Calico names a Kubernetes NetworkPolicy knp.default.<name>, and breaks ties of order by name.
        foreach (var tier in context.AllTiers.Where(t => t.Name == DefaultTier))
        {
            foreach (var p in tier.Policies.Where(p => p.IsKubernetesNetworkPolicy))
            {
                p.TieBreak = $"{p.Namespace}/knp.default.{p.Name}";
            }
        }
    }

    private static (Tier Tier, CompiledPolicy Policy)? CompilePolicy(CalicoScope scope, KubeObject obj, JsonObject raw, bool global)
    {
        var context = scope.Context;
        if (raw["spec"] is not JsonObject spec)
        {
            context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPolicy", "the policy has no spec; it is ignored.");
            return null;
        }

        var ns = global ? null : obj.Namespace ?? "default";
        var name = CalicoObjects.CanonicalName(obj);
        if (spec["doNotTrack"]?.GetValueKind() == System.Text.Json.JsonValueKind.True || spec["preDNAT"]?.GetValueKind() == System.Text.Json.JsonValueKind.True)
        {
            context.Diagnose(obj, DiagnosticSeverity.Information, "HostEndpointPolicy",
                "doNotTrack and preDNAT policies apply to host endpoints only, not to pods; the policy is not part of the pod connectivity.");
            return null;
        }

        if (!scope.TryParse(obj, "spec.selector", spec["selector"], out var selector) ||
            !scope.TryParse(obj, "spec.serviceAccountSelector", spec["serviceAccountSelector"], out var serviceAccountSelector) ||
            !scope.TryParse(obj, "spec.namespaceSelector", global ? spec["namespaceSelector"] : null, out var namespaceSelector))
        {
            return null;
        }

        if (!global && spec["namespaceSelector"] is not null)
        {
            context.Diagnose(obj, DiagnosticSeverity.Warning, "InvalidPolicy", "spec.namespaceSelector is a GlobalNetworkPolicy field; a NetworkPolicy applies to its own namespace, and the field is ignored.");
        }

        var tier = scope.TierFor(obj, CalicoObjects.TierOf(raw));
        var order = PolicyCompileContext.Number(spec["order"]);
        var ingress = spec["ingress"] as JsonArray;
        var egress = spec["egress"] as JsonArray;
        var (affectsIngress, affectsEgress) = Types(context, obj, spec, ingress, egress);

        var subject = scope.Subject(ns, selector, namespaceSelector, serviceAccountSelector);
        var kind = global ? "GlobalNetworkPolicy" : "NetworkPolicy";
        var policy = new CompiledPolicy(kind, name, ns, order, obj, subject, SubjectText(ns, selector, namespaceSelector, serviceAccountSelector))
        {
            SubjectNamespace = ns,
            SelectsWholeNamespace = !global && (selector?.IsAll ?? true) && serviceAccountSelector is null,
            AffectsIngress = affectsIngress,
            AffectsEgress = affectsEgress,
            TieBreak = ns is null ? name : ns + "/" + name,
        };

        var compiler = new CalicoRuleCompiler(scope, obj, policy);
        if (affectsIngress)
        {
            for (var i = 0; i < (ingress?.Count ?? 0); i++)
            {
                if (compiler.Compile(TrafficDirection.Ingress, i, ingress![i]) is { } r)
                {
                    policy.Ingress.Add(r);
                }
            }
        }

        if (affectsEgress)
        {
            for (var i = 0; i < (egress?.Count ?? 0); i++)
            {
                if (compiler.Compile(TrafficDirection.Egress, i, egress![i]) is { } r)
                {
                    policy.Egress.Add(r);
                }
            }
        }

        return (tier, policy);
    }

    /// <summary>
    /// <c>spec.types</c>; when absent, Calico's default: Ingress when there are no egress rules,
    /// Egress when there are egress rules but no ingress rules, both when there are both.
    /// </summary>
    private static (bool Ingress, bool Egress) Types(PolicyCompileContext context, KubeObject obj, JsonObject spec, JsonArray? ingress, JsonArray? egress)
    {
        var hasIngress = ingress is { Count: > 0 };
        var hasEgress = egress is { Count: > 0 };
        if (spec["types"] is not JsonArray types || types.Count == 0)
        {
            return hasEgress ? (hasIngress, true) : (true, false);
        }

        bool i = false, e = false;
        foreach (var t in types)
        {
            switch (PolicyCompileContext.Str(t))
            {
                case "Ingress":
                    i = true;
                    break;
                case "Egress":
                    e = true;
                    break;
                default:
                    context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPolicyType", $"spec.types holds '{t?.ToJsonString()}', which is neither Ingress nor Egress; the entry is ignored.");
                    break;
            }
        }

        if (!i && hasIngress)
        {
            context.Diagnose(obj, DiagnosticSeverity.Warning, "InvalidPolicyType", "the policy has ingress rules but spec.types does not list Ingress: Calico does not apply them.");
        }

        if (!e && hasEgress)
        {
            context.Diagnose(obj, DiagnosticSeverity.Warning, "InvalidPolicyType", "the policy has egress rules but spec.types does not list Egress: Calico does not apply them.");
        }

        return (i, e);
    }

    private static string SubjectText(string? ns, CalicoSelector? selector, CalicoSelector? namespaceSelector, CalicoSelector? serviceAccountSelector)
    {
        var pods = selector is null || selector.IsAll ? "every pod" : $"pods {selector}";
        var where = ns is not null ? $"in namespace {ns}"
            : namespaceSelector is null || namespaceSelector.IsAll ? "in every namespace" : $"in namespaces {namespaceSelector}";
        var sa = serviceAccountSelector is null ? string.Empty : $" with a service account {serviceAccountSelector}";
        return $"{pods} {where}{sa}";
    }

    public static string Format(double value) => value.ToString("#,0.###", CultureInfo.InvariantCulture);
}

/// <summary>
/// What the Calico rules of one snapshot compile against: the endpoint labels of every pod class,
/// namespaces as namespace selectors see them, network sets, tiers, and the cached selections.
/// </summary>
internal sealed class CalicoScope
{
    private readonly CalicoEndpointLabels?[] views;
    private readonly Dictionary<string, IReadOnlyDictionary<string, string>> profileLabels = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Ns, string Name), IReadOnlyDictionary<string, string>> serviceAccountLabels = new();
    private readonly Dictionary<string, KubeObject> tierObjects = new(StringComparer.Ordinal);
    private readonly HashSet<string> missingTiers = new(StringComparer.Ordinal);

    public CalicoScope(PolicyCompileContext context, CalicoObjects objects)
    {
        Context = context;
        views = new CalicoEndpointLabels?[context.ClassCount];
        foreach (var t in objects.Tiers)
        {
            tierObjects.TryAdd(t.Name, t);
        }

        foreach (var p in objects.Profiles)
        {
            var labels = p.Raw?["spec"]?["labelsToApply"] as JsonObject;
            profileLabels[p.Name] = labels is null ? PodInfo.Empty
                : labels.Where(kv => PolicyCompileContext.Str(kv.Value) is not null).ToDictionary(kv => kv.Key, kv => PolicyCompileContext.Str(kv.Value)!, StringComparer.Ordinal);
            if ((p.Raw?["spec"]?["ingress"] as JsonArray)?.Count > 0 || (p.Raw?["spec"]?["egress"] as JsonArray)?.Count > 0)
            {
                context.Diagnose(p, DiagnosticSeverity.Warning, "ProfileRulesNotEvaluated",
                    "the profile's rules are not evaluated: on Kubernetes, Calico generates the namespace (kns.) and service account (ksa.) profiles of pods, and they allow everything; only labelsToApply is used.");
            }
        }

        foreach (var (obj, sa) in context.Cluster.Data.TypedWithSource<V1ServiceAccount>())
        {
            serviceAccountLabels[(obj.Namespace ?? "default", obj.Name)] = ClusterModel.Dict(sa.Metadata?.Labels);
        }

        var sets = new List<CalicoNetworkSet>();
        foreach (var set in objects.NetworkSets.Concat(objects.GlobalNetworkSets))
        {
            var ns = set.Kind == "NetworkSet" ? set.Namespace ?? "default" : null;
            var ranges = new List<IpRange>();
            foreach (var cidr in set.Raw?["spec"]?["nets"] as JsonArray ?? new JsonArray())
            {
                if (CalicoRuleCompiler.TryParseNet(PolicyCompileContext.Str(cidr), out var range, out _))
                {
                    ranges.Add(range);
                }
                else
                {
                    context.Diagnose(set, DiagnosticSeverity.Error, "InvalidCidr", $"spec.nets entry {cidr?.ToJsonString()} is not a CIDR or address; it is ignored.");
                }
            }

            var labels = set.Raw?["metadata"]?["labels"] is JsonObject l
                ? l.Where(kv => PolicyCompileContext.Str(kv.Value) is not null).ToDictionary(kv => kv.Key, kv => PolicyCompileContext.Str(kv.Value)!, StringComparer.Ordinal)
                : new Dictionary<string, string>(StringComparer.Ordinal);
            sets.Add(new CalicoNetworkSet(set.Name, ns, labels, ns is not null && context.Classes.NamespaceLabels.TryGetValue(ns, out var nsl) ? nsl : PodInfo.Empty, IpSet.Of(ranges)));
        }

        NetworkSets = sets;
        AllNamespaces = context.NamespacesMatching("calico:all-namespaces", _ => true);
    }

    public PolicyCompileContext Context { get; }
    public IReadOnlyList<CalicoNetworkSet> NetworkSets { get; }
    public List<string> AllNamespaces { get; }

    /// <summary>A pod class as a Calico workload endpoint.</summary>
    public CalicoEndpointLabels View(PeerClass c)
    {
        if (views[c.Index] is { } view)
        {
            return view;
        }

        var sa = c.ServiceAccount;
        var profiles = new List<IReadOnlyDictionary<string, string>>(2);
        if (profileLabels.TryGetValue("kns." + c.Namespace, out var nsProfile))
        {
            profiles.Add(nsProfile);
        }

        if (sa is not null && profileLabels.TryGetValue($"ksa.{c.Namespace}.{sa}", out var saProfile))
        {
            profiles.Add(saProfile);
        }

        view = new CalicoEndpointLabels(c.Namespace, c.Labels, c.NamespaceLabels, sa,
            sa is not null && serviceAccountLabels.TryGetValue((c.Namespace, sa), out var sal) ? sal : PodInfo.Empty, profiles);
        views[c.Index] = view;
        return view;
    }

    /// <summary>Parses an optional selector field; false (with an error naming the object, the field and the position) when it is invalid.</summary>
    public bool TryParse(KubeObject obj, string field, JsonNode? node, out CalicoSelector? selector)
    {
        selector = null;
        if (node is null)
        {
            return true;
        }

        if (node is JsonObject { Count: 0 })
        {
            // An empty mapping (a Kubernetes-style "{}") where Calico takes a selector string: the
            // Calico API would not accept it; read it as Go reads an empty selector, as not set.
            Context.Diagnose(obj, DiagnosticSeverity.Warning, "InvalidSelector", $"{field} is an empty mapping, not a Calico selector string; it is read as not set.");
            return true;
        }

        if (PolicyCompileContext.Str(node) is not { } text)
        {
            Context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidSelector", $"{field} is not a string; the {(field.StartsWith("spec.", StringComparison.Ordinal) ? "policy" : "rule")} is ignored.");
            return false;
        }

        if (text.Length == 0)
        {
            // Calico tells an unset selector by the empty string.
            return true;
        }

        selector = CalicoSelector.Parse(text, out var error);
        if (error is not null)
        {
            Context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidSelector",
                $"{field} \"{text}\" is not a valid Calico selector: {error.Message} at position {error.Position + 1}; the {(field.StartsWith("spec.", StringComparison.Ordinal) ? "policy" : "rule")} is ignored.");
            return false;
        }

        return true;
    }

    /// <summary>The namespaces a namespace selector holds (all of them when it is null).</summary>
    public List<string> Namespaces(CalicoSelector? namespaceSelector) =>
        namespaceSelector is null ? AllNamespaces
        : Context.NamespacesMatching("calico-ns:" + namespaceSelector.Canonical, labels => namespaceSelector.Matches(new CalicoNamespaceLabels(labels), CalicoSelectorScope.Namespace));

    /// <summary>The pod classes a policy applies to: its namespace's (or the namespace selector's) pods that the selector and service account selector match.</summary>
    public ClassSet Subject(string? ns, CalicoSelector? selector, CalicoSelector? namespaceSelector, CalicoSelector? serviceAccountSelector)
    {
        var namespaces = ns is not null ? new List<string> { ns } : Namespaces(namespaceSelector);
        var key = $"calico-subject:{selector?.Canonical ?? "all()"}|{serviceAccountSelector?.Canonical}";
        return Context.PodsMatching(namespaces, key, (_, c) =>
        {
            var v = View(c);
            return (selector is null || selector.Matches(v)) && (serviceAccountSelector is null || serviceAccountSelector.Matches(v, CalicoSelectorScope.ServiceAccount));
        });
    }

    /// <summary>
    /// The tier of a policy. The default tier and the tiers of the admin policies are Calico's
    /// built-in ones; any other must be a Tier of the snapshot, or it is taken to sort last with
    /// the default action Deny (and reported).
    /// </summary>
    public Tier TierFor(KubeObject obj, string name)
    {
        switch (name)
        {
            case CalicoPolicyKind.DefaultTier:
                return Context.Plan.NetworkPolicy(Context).Tier;
            case CalicoPolicyKind.KubeAdminTier or CalicoPolicyKind.LegacyAdminTier:
                return Context.Plan.Admin(Context);
            case CalicoPolicyKind.KubeBaselineTier or CalicoPolicyKind.LegacyBaselineTier:
                return Context.Plan.Baseline(Context);
        }

        double? order = null;
        var pass = false;
        if (tierObjects.TryGetValue(name, out var tierObject))
        {
            var spec = tierObject.Raw?["spec"];
            order = PolicyCompileContext.Number(spec?["order"]);
            var action = PolicyCompileContext.Str(spec?["defaultAction"]);
            pass = action == "Pass";
            if (action is not (null or "Deny" or "Pass"))
            {
                Context.Diagnose(tierObject, DiagnosticSeverity.Error, "InvalidTier", $"spec.defaultAction is '{action}', not Deny or Pass; Calico's default, Deny, is used.");
            }
        }
        else if (missingTiers.Add(name))
        {
            Context.Diagnose(obj, DiagnosticSeverity.Warning, "TierNotFound",
                $"the policy is in tier '{name}', which is not in the snapshot: the tier is taken to have no order (it runs after every ordered tier) and the default action Deny.");
        }

        var orderText = order is { } o ? $"order {CalicoPolicyKind.Format(o)}" : "no order, after every ordered tier";
        return Context.Tier(PolicyLayer.Cni, name, order ?? double.PositiveInfinity, TierKind.Ordered, pass ? NoMatchAction.Next : NoMatchAction.Deny,
            $"Calico tier {name} ({orderText}, default action {(pass ? "Pass" : "Deny")})");
    }
}
