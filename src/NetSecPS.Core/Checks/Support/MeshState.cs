using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using k8s.Models;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Checks.Support;

/// <summary>The effective Istio PeerAuthentication of one workload.</summary>
/// <param name="Mode">STRICT, PERMISSIVE or DISABLE.</param>
/// <param name="Source">The PeerAuthentication that decided the mode, or null when none applies (PERMISSIVE by default).</param>
/// <param name="Level">workload, namespace, mesh or default.</param>
/// <param name="WeakPorts">Ports whose portLevelMtls mode is not STRICT, with their mode.</param>
public sealed record PeerAuthenticationResult(string Mode, KubeObject? Source, string Level, IReadOnlyList<(int Port, string Mode)> WeakPorts);

/// <summary>
/// Service-mesh facts the MESH checks need: whether Istio or Linkerd is present, which workloads
/// each one meshes (sidecar or ambient), the effective Istio PeerAuthentication, the Istio
/// AuthorizationPolicies that apply, and Linkerd's effective default inbound policy.
/// </summary>
public sealed partial class MeshState
{
    public const string LinkerdInboundPolicyAnnotation = "config.linkerd.io/default-inbound-policy";

    private readonly ClusterModel model;
    private readonly List<KubeObject> peerAuthentications;
    private readonly List<KubeObject> authorizationPolicies;

    public MeshState(ClusterModel model)
    {
        this.model = model;
        peerAuthentications = model.Data.OfKind("PeerAuthentication").Where(o => o.Group == "security.istio.io" && o.Raw is not null)
            .OrderBy(CreationTime).ThenBy(o => o.Name, StringComparer.Ordinal).ToList();
        authorizationPolicies = model.Data.OfKind("AuthorizationPolicy").Where(o => o.Group == "security.istio.io" && o.Raw is not null).ToList();
        IstioRootNamespace = FindIstioRootNamespace(model) ?? "istio-system";
        IstioEvidence = FindIstio();
        LinkerdEvidence = FindLinkerd();
        LinkerdClusterDefault = FindLinkerdDefault(out var source);
        LinkerdClusterDefaultSource = source;
    }

    /// <summary>The mesh root namespace: MeshConfig <c>rootNamespace</c>, else <c>istio-system</c>.</summary>
    public string IstioRootNamespace { get; }

    /// <summary>Why Istio is considered present, or null when it is not.</summary>
    public string? IstioEvidence { get; }

    public string? LinkerdEvidence { get; }

    public bool IstioPresent => IstioEvidence is not null;

    public bool LinkerdPresent => LinkerdEvidence is not null;

    public bool AnyMesh => IstioPresent || LinkerdPresent;

    /// <summary>Linkerd's cluster-wide default inbound policy (linkerd-config), <c>all-unauthenticated</c> when not configured.</summary>
    public string LinkerdClusterDefault { get; }

    public string LinkerdClusterDefaultSource { get; }

    /// <summary>Workloads of the mesh's own control plane: not expected to be meshed themselves.</summary>
    public bool IsControlPlane(Workload w) =>
        w.Namespace == IstioRootNamespace && w.Name is "istiod" or "istio-cni-node" or "ztunnel" || w.Name.StartsWith("istiod-", StringComparison.Ordinal)
        || w.Namespace is "linkerd" or "linkerd-cni" && (w.Name.StartsWith("linkerd-", StringComparison.Ordinal) || w.Name == "linkerd-cni");

    private string? FindIstio()
    {
        if (peerAuthentications.Count > 0 || authorizationPolicies.Count > 0)
        {
            return $"{peerAuthentications.Count} PeerAuthentication(s), {authorizationPolicies.Count} AuthorizationPolicy(ies)";
        }

        if (model.Workloads.FirstOrDefault(w => w.Name == "istiod" || w.Name.StartsWith("istiod-", StringComparison.Ordinal) || w.Name == "ztunnel") is { } cp)
        {
            return $"control plane {cp.Peer}";
        }

        if (model.Namespaces.Values.FirstOrDefault(n => n.Labels.GetValueOrDefault("istio-injection") == "enabled" || n.Labels.ContainsKey("istio.io/rev")
                || n.Labels.GetValueOrDefault("istio.io/dataplane-mode") == "ambient") is { } ns)
        {
            return $"namespace {ns.Name} is labelled for Istio";
        }

        if (model.Workloads.FirstOrDefault(HasIstioSidecar) is { } w)
        {
            return $"{w.Peer} runs an istio-proxy sidecar";
        }

        return null;
    }

    private string? FindLinkerd()
    {
        if (model.Data.Objects.FirstOrDefault(o => o.Group == "policy.linkerd.io") is { } policy)
        {
            return $"Linkerd policy {policy.Key}";
        }

        if (model.Workloads.FirstOrDefault(w => w.Name is "linkerd-destination" or "linkerd-identity" or "linkerd-proxy-injector") is { } cp)
        {
            return $"control plane {cp.Peer}";
        }

        if (model.Workloads.FirstOrDefault(HasLinkerdProxy) is { } w)
        {
            return $"{w.Peer} runs a linkerd-proxy";
        }

        if (model.Namespaces.Values.FirstOrDefault(n => n.Annotations.GetValueOrDefault("linkerd.io/inject") == "enabled") is { } ns)
        {
            return $"namespace {ns.Name} is annotated linkerd.io/inject=enabled";
        }

        return null;
    }

    private static bool HasContainer(PodInfo p, string name) =>
        (p.Spec?.Containers ?? new List<V1Container>()).Concat(p.Spec?.InitContainers ?? new List<V1Container>()).Any(c => c.Name == name);

    private static bool HasIstioSidecar(Workload w) => w.Pods.Count > 0 && w.Pods.All(p => HasContainer(p, "istio-proxy") || p.Annotations.ContainsKey("sidecar.istio.io/status"));

    private static bool HasLinkerdProxy(Workload w) => w.Pods.Count > 0 && w.Pods.All(p => HasContainer(p, "linkerd-proxy") || p.Annotations.ContainsKey("linkerd.io/proxy-version"));

    private NamespaceInfo? NamespaceOf(Workload w) => model.Namespaces.GetValueOrDefault(w.Namespace);

    /// <summary>
    /// How Istio meshes the workload: <c>sidecar</c>, <c>ambient</c>, or null. A real pod is in
    /// the sidecar mesh only when it runs istio-proxy (injection happens at creation); a pod
    /// template is when its namespace or its own label/annotation asks for injection.
    /// </summary>
    public string? IstioEnrolment(Workload w)
    {
        if (!IstioPresent || w.HostNetwork || w.Pods.Count == 0)
        {
            return null;
        }

        var ns = NamespaceOf(w);
        var pod = w.Pods[0];
        var podMode = pod.Labels.GetValueOrDefault("istio.io/dataplane-mode");
        if (podMode == "ambient" || (podMode != "none" && ns?.Labels.GetValueOrDefault("istio.io/dataplane-mode") == "ambient"))
        {
            return "ambient";
        }

        if (HasIstioSidecar(w))
        {
            return "sidecar";
        }

        if (!pod.FromTemplate)
        {
            return null;
        }

        var inject = pod.Labels.GetValueOrDefault("sidecar.istio.io/inject") ?? pod.Annotations.GetValueOrDefault("sidecar.istio.io/inject");
        if (inject == "false")
        {
            return null;
        }

        if (inject == "true")
        {
            return "sidecar";
        }

        var nsInjection = ns?.Labels.GetValueOrDefault("istio-injection");
        return nsInjection == "enabled" || (nsInjection != "disabled" && ns?.Labels.ContainsKey("istio.io/rev") == true) ? "sidecar" : null;
    }

    /// <summary>True when Linkerd meshes the workload: a linkerd-proxy, or (pod templates) inject annotations.</summary>
    public bool IsLinkerdMeshed(Workload w)
    {
        if (!LinkerdPresent || w.HostNetwork || w.Pods.Count == 0)
        {
            return false;
        }

        if (HasLinkerdProxy(w))
        {
            return true;
        }

        var pod = w.Pods[0];
        if (!pod.FromTemplate)
        {
            return false;
        }

        var inject = pod.Annotations.GetValueOrDefault("linkerd.io/inject");
        if (inject is "enabled" or "ingress")
        {
            return true;
        }

        return inject != "disabled" && NamespaceOf(w)?.Annotations.GetValueOrDefault("linkerd.io/inject") == "enabled";
    }

    /// <summary>
    /// Effective PeerAuthentication: a workload-selector policy in the workload's namespace wins
    /// over the namespace-wide one, which wins over the mesh-wide one in the root namespace; a
    /// level whose mode is UNSET (or absent) inherits from the next; nothing means PERMISSIVE.
    /// Among several matching policies of one level the oldest wins, as Istio resolves it.
    /// </summary>
    public PeerAuthenticationResult EffectivePeerAuthentication(Workload w)
    {
        var labels = w.Labels;
        var workloadLevel = peerAuthentications.FirstOrDefault(p => p.Namespace == w.Namespace && Selector(p) is { IsEverything: false } s && s.Matches(labels));
        var namespaceLevel = w.Namespace == IstioRootNamespace ? null : peerAuthentications.FirstOrDefault(p => p.Namespace == w.Namespace && Selector(p).IsEverything);
        var meshLevel = peerAuthentications.FirstOrDefault(p => p.Namespace == IstioRootNamespace && Selector(p).IsEverything);

        string mode = "PERMISSIVE";
        KubeObject? source = null;
        var level = "default";
        foreach (var (pa, lvl) in new[] { (workloadLevel, "workload"), (namespaceLevel, "namespace"), (meshLevel, "mesh") })
        {
            if (pa is null)
            {
                continue;
            }

            var m = ModeOf(pa.Raw!["spec"]?["mtls"]);
            if (m is null or "UNSET")
            {
                continue;
            }

            mode = m;
            source = pa;
            level = lvl;
            break;
        }

        var weak = new List<(int, string)>();
        if (workloadLevel?.Raw!["spec"]?["portLevelMtls"] is JsonObject ports)
        {
            foreach (var (port, setting) in ports)
            {
                var pm = ModeOf(setting);
                if (pm is "PERMISSIVE" or "DISABLE" && int.TryParse(port, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n))
                {
                    weak.Add((n, pm));
                }
            }
        }

        return new PeerAuthenticationResult(mode, source, level, weak);
    }

    /// <summary>The AuthorizationPolicies that apply to a workload: mesh-wide (root namespace, no selector), namespace-wide, or selecting it.</summary>
    public IEnumerable<KubeObject> AuthorizationPoliciesFor(Workload w) => authorizationPolicies.Where(ap =>
    {
        var selector = Selector(ap);
        if (ap.Namespace == IstioRootNamespace && selector.IsEverything && ap.Raw!["spec"]?["targetRef"] is null && ap.Raw["spec"]?["targetRefs"] is null)
        {
            return true;
        }

        return ap.Namespace == w.Namespace && ap.Raw!["spec"]?["targetRef"] is null && ap.Raw["spec"]?["targetRefs"] is null && selector.Matches(w.Labels);
    });

    public static string ActionOf(KubeObject authorizationPolicy) => authorizationPolicy.Raw?["spec"]?["action"]?.ToString() is { Length: > 0 } a ? a : "ALLOW";

    /// <summary>An ALLOW policy with an empty rule (<c>rules: [{}]</c>) admits every caller.</summary>
    public static bool AllowsEveryone(KubeObject authorizationPolicy) =>
        authorizationPolicy.Raw?["spec"]?["rules"] is JsonArray rules && rules.Any(r => r is JsonObject o && o.Count == 0);

    /// <summary>The effective Linkerd default inbound policy of a workload and where it comes from.</summary>
    public (string Policy, string Source) LinkerdInboundPolicy(Workload w)
    {
        if (w.Pods.Count > 0 && w.Pods[0].Annotations.TryGetValue(LinkerdInboundPolicyAnnotation, out var p))
        {
            return (p, $"annotation on {w.Peer}");
        }

        if (NamespaceOf(w)?.Annotations.TryGetValue(LinkerdInboundPolicyAnnotation, out var n) == true)
        {
            return (n, $"annotation on namespace {w.Namespace}");
        }

        return (LinkerdClusterDefault, LinkerdClusterDefaultSource);
    }

    private static LabelSelector Selector(KubeObject o) => o.Raw?["spec"]?["selector"] is JsonObject s ? LabelSelector.Parse(s, out _) : LabelSelector.Everything;

    private static string? ModeOf(JsonNode? mtls) => mtls is JsonObject m ? m["mode"]?.ToString()?.ToUpperInvariant() : null;

    private static DateTime CreationTime(KubeObject o) =>
        o.Raw?["metadata"]?["creationTimestamp"]?.ToString() is { } t && DateTime.TryParse(t, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal, out var d)
            ? d : DateTime.MaxValue;

    private static string? FindIstioRootNamespace(ClusterModel model)
    {
        foreach (var (obj, cm) in model.Data.TypedWithSource<V1ConfigMap>())
        {
            if (obj.Name == "istio" && cm.Data?.TryGetValue("mesh", out var mesh) == true && RootNamespaceRegex().Match(mesh) is { Success: true } m)
            {
                return m.Groups[1].Value.Trim('"', '\'');
            }
        }

        return null;
    }

    private string FindLinkerdDefault(out string source)
    {
        foreach (var (obj, cm) in model.Data.TypedWithSource<V1ConfigMap>())
        {
            if (obj.Name != "linkerd-config" || cm.Data is null)
            {
                continue;
            }

            foreach (var (key, text) in cm.Data)
            {
                if (LinkerdDefaultRegex().Match(text) is { Success: true } m)
                {
                    source = $"control plane default (ConfigMap {obj.Namespace}/{obj.Name}, {key})";
                    return m.Groups[2].Value.Trim('"', '\'');
                }
            }
        }

        source = "control plane default (all-unauthenticated unless configured)";
        return "all-unauthenticated";
    }

    [GeneratedRegex(@"(?m)^\s*rootNamespace:\s*(\S+)")]
    private static partial Regex RootNamespaceRegex();

    [GeneratedRegex(@"(?m)^\s*(defaultInboundPolicy|defaultAllowPolicy):\s*(\S+)")]
    private static partial Regex LinkerdDefaultRegex();
}
