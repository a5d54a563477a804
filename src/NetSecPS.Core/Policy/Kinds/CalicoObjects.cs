using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Policy;

/// <summary>
/// The Calico objects of a snapshot, each read once: <c>projectcalico.org/v3</c> objects (the
/// Calico API server) and <c>crd.projectcalico.org/v1</c> objects (the CRDs that back them,
/// the only form on clusters without the API server). Where both forms of one object are
/// present, the v3 form is kept.
/// </summary>
internal sealed class CalicoObjects
{
    public const string ApiGroup = "projectcalico.org";
    public const string CrdGroup = "crd.projectcalico.org";

    /// <summary>Kinds of Calico policy that are recorded but never enforced (they report what they would do).</summary>
    public static readonly string[] StagedKinds = { "StagedNetworkPolicy", "StagedGlobalNetworkPolicy", "StagedKubernetesNetworkPolicy" };

    /// <summary>Every Calico kind NetSecPS reads, for the inventory and the kind list of the policy kind.</summary>
    public static readonly string[] AllKinds =
        new[] { "NetworkPolicy", "GlobalNetworkPolicy", "Tier", "NetworkSet", "GlobalNetworkSet", "Profile" }.Concat(StagedKinds).ToArray();

    private CalicoObjects()
    {
    }

    // Read-only to callers: one instance serves every reader of a snapshot.
    private readonly List<KubeObject> networkPolicies = new();
    private readonly List<KubeObject> globalNetworkPolicies = new();
    private readonly List<KubeObject> tiers = new();
    private readonly List<KubeObject> networkSets = new();
    private readonly List<KubeObject> globalNetworkSets = new();
    private readonly List<KubeObject> profiles = new();
    private readonly List<KubeObject> staged = new();
    private readonly List<KubeObject> duplicates = new();

    public IReadOnlyList<KubeObject> NetworkPolicies => networkPolicies;
    public IReadOnlyList<KubeObject> GlobalNetworkPolicies => globalNetworkPolicies;
    public IReadOnlyList<KubeObject> Tiers => tiers;
    public IReadOnlyList<KubeObject> NetworkSets => networkSets;
    public IReadOnlyList<KubeObject> GlobalNetworkSets => globalNetworkSets;
    public IReadOnlyList<KubeObject> Profiles => profiles;
    public IReadOnlyList<KubeObject> Staged => staged;

    /// <summary>Objects present in both API groups: the crd.projectcalico.org copy that was not read again.</summary>
    public IReadOnlyList<KubeObject> Duplicates => duplicates;

    /// <summary>The snapshot holds Calico policies or tiers: Kubernetes NetworkPolicy is then evaluated in Calico's tiers.</summary>
    public bool HasPolicies => NetworkPolicies.Count > 0 || GlobalNetworkPolicies.Count > 0 || Tiers.Count > 0;

    public bool IsEmpty => !HasPolicies && NetworkSets.Count == 0 && GlobalNetworkSets.Count == 0 && Profiles.Count == 0 && Staged.Count == 0;

    public static bool IsCalicoGroup(string group) => group is ApiGroup or CrdGroup;

    /// <summary>
    /// The Calico objects of a snapshot, read once per snapshot: the policy model, the inventory
    /// and the CNI checks all ask, each scan several times, and on a cluster without Calico every
    /// read would still walk every Kubernetes NetworkPolicy (the kind names are shared).
    /// </summary>
    public static CalicoObjects Read(ClusterData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Cache.GetValue(data, ReadNow);
    }

    private static readonly ConditionalWeakTable<ClusterData, CalicoObjects> Cache = new();

    private static CalicoObjects ReadNow(ClusterData data)
    {
        var result = new CalicoObjects();
        foreach (var kind in AllKinds)
        {
            var target = kind switch
            {
                "NetworkPolicy" => result.networkPolicies,
                "GlobalNetworkPolicy" => result.globalNetworkPolicies,
                "Tier" => result.tiers,
                "NetworkSet" => result.networkSets,
                "GlobalNetworkSet" => result.globalNetworkSets,
                "Profile" => result.profiles,
                _ => result.staged,
            };

            var seen = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var o in data.OfKind(kind))
            {
                if (!IsCalicoGroup(o.Group))
                {
                    continue;
                }

                var key = kind + "/" + (o.Namespace ?? string.Empty) + "/" + CanonicalName(o);
                if (seen.TryGetValue(key, out var index))
                {
                    // The v3 API serves the objects the CRDs store: keep the v3 form.
                    if (o.Group == ApiGroup && target[index].Group == CrdGroup)
                    {
                        result.duplicates.Add(target[index]);
                        target[index] = o;
                    }
                    else
                    {
                        result.duplicates.Add(o);
                    }

                    continue;
                }

                seen[key] = target.Count;
                target.Add(o);
            }
        }

        return result;
    }

    /// <summary>
    /// The policy's v3 name. Calico releases before 3.30 stored a default-tier policy in its CRD
    /// as <c>default.&lt;name&gt;</c>; other tiers' policies carry <c>&lt;tier&gt;.</c> in both forms.
    /// </summary>
    public static string CanonicalName(KubeObject o)
    {
        if (o.Group == CrdGroup && o.Kind is "NetworkPolicy" or "GlobalNetworkPolicy" or "StagedNetworkPolicy" or "StagedGlobalNetworkPolicy"
            && o.Name.StartsWith("default.", StringComparison.Ordinal) && TierOf(o.Raw) == "default")
        {
            return o.Name["default.".Length..];
        }

        return o.Name;
    }

    /// <summary>
    /// The inventory record of a Calico object: policies (staged ones marked not enforced) with
    /// their tier, order, types (as Calico defaults them) and rule counts; tiers, network sets and
    /// profiles with what defines them. Null for kinds the inventory lists generically.
    /// </summary>
    public static InventoryItem? InventoryItem(KubeObject o, JsonObject raw, IReadOnlyDictionary<string, string> labels)
    {
        var spec = raw["spec"] as JsonObject;
        var file = o.Source?.File;
        var line = o.Source?.Line;
        switch (o.Kind)
        {
            case "NetworkPolicy" or "GlobalNetworkPolicy" or "StagedNetworkPolicy" or "StagedGlobalNetworkPolicy":
                var ingress = (spec?["ingress"] as JsonArray)?.Count ?? 0;
                var egress = (spec?["egress"] as JsonArray)?.Count ?? 0;
                var types = spec?["types"] is JsonArray t && t.Count > 0
                    ? t.Select(x => PolicyCompileContext.Str(x) ?? string.Empty).Where(x => x.Length > 0).ToList()
                    : egress > 0 ? (ingress > 0 ? new List<string> { "Ingress", "Egress" } : new List<string> { "Egress" }) : new List<string> { "Ingress" };
                var order = PolicyCompileContext.Number(spec?["order"]);
                var selector = PolicyCompileContext.Str(spec?["selector"]) is { Length: > 0 } s ? s : "all()";
                var ns = PolicyCompileContext.Str(spec?["namespaceSelector"]);
                return new PolicyItem
                {
                    Kind = o.Kind, ApiVersion = o.ApiVersion, Namespace = o.Namespace, Name = CanonicalName(o), SourceFile = file, SourceLine = line,
                    Labels = labels,
                    Tier = TierOf(raw),
                    Priority = order is { } d && d >= int.MinValue && d <= int.MaxValue ? (int)Math.Round(d) : null,
                    Subject = ns is { Length: > 0 } ? $"{selector} in namespaces {ns}" : selector,
                    PolicyTypes = types,
                    IngressRules = ingress,
                    EgressRules = egress,
                    Enforced = !o.Kind.StartsWith("Staged", StringComparison.Ordinal),
                };
            case "StagedKubernetesNetworkPolicy":
                return new PolicyItem
                {
                    Kind = o.Kind, ApiVersion = o.ApiVersion, Namespace = o.Namespace, Name = o.Name, SourceFile = file, SourceLine = line,
                    Labels = labels,
                    Subject = spec?["podSelector"]?.ToJsonString() ?? "{}",
                    PolicyTypes = (spec?["policyTypes"] as JsonArray)?.Select(x => PolicyCompileContext.Str(x) ?? string.Empty).ToList() ?? new List<string>(),
                    IngressRules = (spec?["ingress"] as JsonArray)?.Count ?? 0,
                    EgressRules = (spec?["egress"] as JsonArray)?.Count ?? 0,
                    Enforced = false,
                };
            case "Tier":
                var tierOrder = PolicyCompileContext.Number(spec?["order"]);
                return new OtherItem
                {
                    Kind = o.Kind, ApiVersion = o.ApiVersion, Name = o.Name, SourceFile = file, SourceLine = line, Labels = labels,
                    Summary = $"{(tierOrder is { } to ? "order " + CalicoPolicyKind.Format(to) : "no order (last)")}; default action {PolicyCompileContext.Str(spec?["defaultAction"]) ?? "Deny"}",
                };
            case "NetworkSet" or "GlobalNetworkSet":
                var nets = (spec?["nets"] as JsonArray)?.Select(x => PolicyCompileContext.Str(x)).OfType<string>().ToList() ?? new List<string>();
                return new OtherItem
                {
                    Kind = o.Kind, ApiVersion = o.ApiVersion, Namespace = o.Namespace, Name = o.Name, SourceFile = file, SourceLine = line, Labels = labels,
                    Summary = nets.Count == 0 ? "no nets" : "nets " + string.Join(",", nets.Take(10)) + (nets.Count > 10 ? $" and {nets.Count - 10} more" : string.Empty),
                };
            case "Profile":
                var apply = spec?["labelsToApply"] as JsonObject;
                return new OtherItem
                {
                    Kind = o.Kind, ApiVersion = o.ApiVersion, Name = o.Name, SourceFile = file, SourceLine = line, Labels = labels,
                    Summary = apply is null || apply.Count == 0 ? "no labelsToApply" : "labelsToApply " + string.Join(",", apply.Select(kv => $"{kv.Key}={PolicyCompileContext.Str(kv.Value)}")),
                };
            default:
                return null;
        }
    }

    /// <summary>The tier a policy names (<c>spec.tier</c>), <c>default</c> when it names none.</summary>
    public static string TierOf(JsonObject? raw) =>
        PolicyCompileContext.Str(raw?["spec"]?["tier"]) is { Length: > 0 } tier ? tier : "default";
}
