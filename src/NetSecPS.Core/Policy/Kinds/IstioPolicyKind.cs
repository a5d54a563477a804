using System.Text.Json.Nodes;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Policy;

/// <summary>Names and orders of the mesh layer's tiers, in the order Istio evaluates them.</summary>
internal static class MeshTiers
{
    public const string PeerAuthentication = "PeerAuthentication";
    public const string Custom = "CUSTOM";
    public const string Deny = "DENY";
    public const string Audit = "AUDIT";
    public const string Allow = "ALLOW";
    public const string Sidecar = "Sidecar";
}

/// <summary>
/// Istio as the mesh layer of the policy model, for pods that run a sidecar (the layer does not
/// apply to others). At the destination's sidecar, in Istio's order: PeerAuthentication STRICT
/// refuses plaintext callers; CUSTOM policies (an external authorizer: not decidable, reported);
/// DENY policies (any matching rule denies); AUDIT (no effect); ALLOW policies (once one applies
/// to a workload, what no ALLOW rule matches is denied; none applying means allow). At the
/// source's sidecar: the Sidecar resource's egress hosts and outbound traffic policy. Sidecars
/// intercept TCP only: other protocols pass the layer. Ambient mode is detected and not evaluated.
/// </summary>
internal sealed partial class IstioPolicyKind : IPolicyKind
{
    /// <summary>The rule every ALLOW policy and Sidecar gets for what the sidecar does not intercept (protocols other than TCP, excluded ports).</summary>
    public const string BypassRule = "traffic the sidecar does not intercept";

    public IReadOnlyList<(string Group, string Kind)> Kinds { get; } = new[]
    {
        ("security.istio.io", "AuthorizationPolicy"), ("security.istio.io", "PeerAuthentication"),
        ("networking.istio.io", "Sidecar"), ("networking.istio.io", "ServiceEntry"),
    };

    public PodDistinction? ClassDistinction(ClusterModel cluster, ConnectivityOptions options) =>
        IstioMesh.Detect(cluster, options) is { } mesh ? new PodDistinction("Istio sidecar and identity", mesh.ClassDistinction) : null;

    /// <summary>ipBlocks and <c>source.ip</c> conditions match pods by address: pods are grouped so each CIDR holds all or none of a class.</summary>
    public void CollectPodAddressCuts(ClusterModel cluster, ConnectivityOptions options, List<IpRange> cuts)
    {
        if (!options.AddressRulesMatchPods)
        {
            return;
        }

        foreach (var obj in cluster.Data.OfKind("AuthorizationPolicy", "security.istio.io"))
        {
            foreach (var rule in obj.Raw?["spec"]?["rules"] as JsonArray ?? new JsonArray())
            {
                foreach (var from in rule?["from"] as JsonArray ?? new JsonArray())
                {
                    foreach (var field in new[] { "ipBlocks", "notIpBlocks" })
                    {
                        AddCuts(from?["source"]?[field], cuts);
                    }
                }

                foreach (var condition in rule?["when"] as JsonArray ?? new JsonArray())
                {
                    if (PolicyCompileContext.Str(condition?["key"]) == "source.ip")
                    {
                        AddCuts(condition?["values"], cuts);
                        AddCuts(condition?["notValues"], cuts);
                    }
                }
            }
        }
    }

    private static void AddCuts(JsonNode? list, List<IpRange> cuts)
    {
        foreach (var text in Strings(list))
        {
            if (ParseBlock(text) is { } range)
            {
                cuts.Add(range);
            }
        }
    }

    public void Compile(PolicyCompileContext context)
    {
        if (IstioMesh.Detect(context.Cluster, context.Options) is not { } facts)
        {
            return;
        }

        var mesh = new IstioMeshModel(facts, context.Classes, context.Options);
        context.Mesh = mesh;
        var ambient = context.Classes.Classes.Where(c => mesh.Membership[c.Index] == MeshMembership.Ambient).SelectMany(c => c.Workloads).Distinct().ToList();
        if (ambient.Count > 0)
        {
            context.NoteUndecided($"{ambient.Count} workload(s) run in Istio's ambient mode ({string.Join(", ", ambient.Take(3).Select(w => w.Peer))}{(ambient.Count > 3 ? ", ..." : string.Empty)}): authorization by ztunnel and waypoints is not evaluated, so the mesh layer does not restrict them.");
        }

        foreach (var pa in facts.PeerAuthentications)
        {
            if (pa.Namespace == facts.RootNamespace && !IstioMesh.Selector(pa).IsEverything)
            {
                context.Diagnose(pa, DiagnosticSeverity.Warning, "IgnoredPolicy", $"a PeerAuthentication with a selector in the root namespace {facts.RootNamespace} is ignored by Istio.");
            }
            else if (IstioMesh.Selector(pa).IsEverything && pa.Raw?["spec"]?["portLevelMtls"] is JsonObject)
            {
                context.Diagnose(pa, DiagnosticSeverity.Warning, "IgnoredField", "portLevelMtls applies only to a PeerAuthentication with a workload selector; Istio ignores it here.");
            }
        }

        if (context.Options.IstioPeerAuthentication)
        {
            CompilePeerAuthentication(context, mesh);
        }

        CompileAuthorizationPolicies(context, mesh);
        CompileSidecars(context, mesh);
    }

    // ---------------------------------------------------------------- PeerAuthentication

    /// <summary>
    /// STRICT refuses callers without a sidecar: on the TCP ports where a sidecar class's effective
    /// mode is STRICT (and the sidecar intercepts them), a Deny for every pod outside the mesh and
    /// every external address. PERMISSIVE and DISABLE refuse nothing.
    /// </summary>
    private static void CompilePeerAuthentication(PolicyCompileContext context, IstioMeshModel mesh)
    {
        var groups = new Dictionary<string, (ConnectionSet Ports, KubeObject Source, ClassSet Classes)>(StringComparer.Ordinal);
        foreach (var c in context.Classes.Classes)
        {
            if (mesh.Mtls[c.Index] is not { } mtls)
            {
                continue;
            }

            var strict = mtls.PortsWith("STRICT").Intersect(mesh.Captured[c.Index]);
            if (strict.IsEmpty)
            {
                continue;
            }

            var source = mtls.Workload.Mode == "STRICT" ? mtls.Workload.Source! : mtls.Ports.Values.First(p => p.Mode == "STRICT").Source!;
            var key = source.Key + "|" + strict;
            if (!groups.TryGetValue(key, out var group))
            {
                groups[key] = group = (strict, source, context.NewClassSet());
            }

            group.Classes.Add(c.Index);
        }

        if (groups.Count == 0)
        {
            return;
        }

        var tier = context.Tier(PolicyLayer.Mesh, MeshTiers.PeerAuthentication, 100, TierKind.Union, NoMatchAction.Next,
            "PeerAuthentication at the destination's sidecar (STRICT refuses callers without a sidecar)");
        var plaintext = context.NewClassSet();
        foreach (var c in context.Classes.Classes)
        {
            if (mesh.Membership[c.Index] == MeshMembership.None)
            {
                plaintext.Add(c.Index);
            }
        }

        foreach (var (ports, source, classes) in groups.Values)
        {
            var mesh_wide = source.Namespace == mesh.Facts.RootNamespace;
            var policy = new CompiledPolicy("PeerAuthentication", source.Name, source.Namespace, null, source, classes,
                $"{context.RealClasses(classes)} sidecar pod class(es) whose mutual TLS is STRICT on {ports.Format(false)}")
            {
                SubjectNamespace = mesh_wide ? null : source.Namespace,
                AffectsIngress = true,
            };
            var rule = new CompiledRule(policy, TrafficDirection.Ingress, 0, "STRICT mTLS", RuleAction.Deny, new PortSpec(ports, Array.Empty<NamedPortRef>(), ports.Format(false)))
            {
                Classes = plaintext.Clone(),
                Addresses = IpSet.Of(new[] { IpRange.All(4), IpRange.All(6) }),
                OpenToAnyAddress4 = true,
                OpenToAnyAddress6 = true,
                PeersText = "callers without a sidecar (plaintext): pods outside the mesh and external addresses",
            };
            rule.Peers.Add(new RulePeer { Kind = RulePeerKind.Pods, Text = "pods without an Istio sidecar", NamespaceScope = NamespaceScope.All, EveryPod = false, MatchesArbitraryPod = true });
            policy.Ingress.Add(rule);
            context.Add(tier, policy);
        }
    }

    // ---------------------------------------------------------------- shared helpers

    internal static IEnumerable<string> Strings(JsonNode? node)
    {
        if (node is JsonArray a)
        {
            foreach (var item in a)
            {
                if (PolicyCompileContext.Str(item) is { } s)
                {
                    yield return s;
                }
                else if (item is JsonValue v && v.TryGetValue<double>(out var number))
                {
                    yield return number.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }
            }
        }
    }

    /// <summary>An address or CIDR as Istio writes ipBlocks: <c>203.0.113.4</c> or <c>203.0.113.0/24</c>.</summary>
    internal static IpRange? ParseBlock(string text)
    {
        text = text.Trim();
        if (IpRange.TryParseCidr(text, out var range, out _))
        {
            return range;
        }

        return IpRange.TryParseAddress(text, out var address) ? address : null;
    }

    /// <summary>
    /// Istio's string match: exact; <c>abc*</c> prefix; <c>*abc</c> suffix; <c>*</c> any non-empty
    /// value. A principal written with the default trust domain <c>cluster.local</c> also matches
    /// the mesh's own trust domain.
    /// </summary>
    internal static bool Matches(string pattern, string value)
    {
        if (pattern == "*")
        {
            return value.Length > 0;
        }

        if (pattern.EndsWith('*'))
        {
            return value.StartsWith(pattern[..^1], StringComparison.Ordinal);
        }

        if (pattern.StartsWith('*'))
        {
            return value.EndsWith(pattern[1..], StringComparison.Ordinal);
        }

        return string.Equals(pattern, value, StringComparison.Ordinal);
    }
}
