using System.Globalization;
using System.Text.Json.Nodes;
using k8s.Models;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Policy;

/// <summary>How Istio carries a pod's traffic.</summary>
internal enum MeshMembership
{
    /// <summary>No Istio proxy: the pod's traffic bypasses the mesh (no identity, no authorization).</summary>
    None,

    /// <summary>An istio-proxy sidecar (or a gateway's own proxy) intercepts the pod's TCP traffic.</summary>
    Sidecar,

    /// <summary>Ambient mode: ztunnel and waypoints, which NetSecPS does not evaluate.</summary>
    Ambient,
}

/// <summary>One PeerAuthentication mode as it applies to a workload or one of its ports, and what decided it.</summary>
/// <param name="Mode">STRICT, PERMISSIVE or DISABLE.</param>
/// <param name="Source">The PeerAuthentication that set the mode; null when none applies (PERMISSIVE by default).</param>
/// <param name="Level">workload, port, namespace, mesh or default.</param>
internal sealed record MtlsSetting(string Mode, KubeObject? Source, string Level)
{
    public static MtlsSetting Default { get; } = new("PERMISSIVE", null, "default");

    /// <summary>The setting of an Istio gateway: PeerAuthentication configures sidecars, and a gateway's own Gateway servers decide its TLS.</summary>
    public static MtlsSetting Gateway { get; } = new("PERMISSIVE", null, "gateway");

    public string SourceText => Level == "gateway"
        ? "an Istio gateway: PeerAuthentication does not apply to it, its Gateway servers decide TLS (not evaluated)"
        : Source is null ? "no PeerAuthentication (PERMISSIVE by default)" : $"PeerAuthentication {Source.Namespace}/{Source.Name} ({Level} level)";

    public override string ToString() => $"{Mode}: {SourceText}";
}

/// <summary>A workload's effective PeerAuthentication: its mode and the ports whose <c>portLevelMtls</c> differs.</summary>
internal sealed record EffectiveMtls(MtlsSetting Workload, IReadOnlyDictionary<int, MtlsSetting> Ports)
{
    public MtlsSetting At(int port) => Ports.TryGetValue(port, out var p) ? p : Workload;

    /// <summary>The TCP ports whose mode is <paramref name="mode"/>.</summary>
    public ConnectionSet PortsWith(string mode)
    {
        var result = Workload.Mode == mode ? ConnectionSet.AllPorts("TCP") : ConnectionSet.None;
        foreach (var (port, setting) in Ports)
        {
            result = setting.Mode == mode ? result.Union(ConnectionSet.Port("TCP", port)) : result.Subtract(ConnectionSet.Port("TCP", port));
        }

        return result;
    }

    /// <summary>A signature for grouping: pods with equal signatures have the same modes on every port.</summary>
    public string Signature => Workload.Mode + "|" + string.Join(',', Ports.OrderBy(p => p.Key).Select(p => p.Key.ToString(CultureInfo.InvariantCulture) + "=" + p.Value.Mode));
}

/// <summary>
/// What the snapshot says about Istio: whether it runs, its mesh configuration (root namespace,
/// trust domain, outbound traffic policy), which pods run a sidecar, their identities, and the
/// PeerAuthentication that applies to each. Sources: istio.io reference pages PeerAuthentication
/// ("Istio applies the narrowest matching policy: workload-specific, namespace-wide, mesh-wide";
/// newer mesh- or namespace-wide policies are ignored, the oldest workload-specific one wins;
/// UNSET inherits; selector policies in the root namespace are ignored; <c>portLevelMtls</c> only
/// with a selector) and Sidecar injection (namespace label <c>istio-injection</c> or
/// <c>istio.io/rev</c>, pod label <c>sidecar.istio.io/inject</c>).
/// </summary>
internal sealed class IstioMesh
{
    public const string ProxyContainer = "istio-proxy";
    private const string DefaultTrustDomain = "cluster.local";

    private readonly ClusterModel model;
    private readonly ConnectivityOptions options;
    private readonly Dictionary<(string Ns, string Labels), EffectiveMtls> mtlsCache = new();

    private IstioMesh(ClusterModel model, ConnectivityOptions options, string evidence)
    {
        this.model = model;
        this.options = options;
        Evidence = evidence;
        ReadMeshConfig(model);
        PeerAuthentications = Objects(model, "PeerAuthentication", "security.istio.io").OrderBy(CreationTime).ThenBy(o => o.Namespace, StringComparer.Ordinal).ThenBy(o => o.Name, StringComparer.Ordinal).ToList();
        AuthorizationPolicies = Objects(model, "AuthorizationPolicy", "security.istio.io").ToList();
        Sidecars = Objects(model, "Sidecar", "networking.istio.io").OrderBy(CreationTime).ThenBy(o => o.Namespace, StringComparer.Ordinal).ThenBy(o => o.Name, StringComparer.Ordinal).ToList();
        ServiceEntries = Objects(model, "ServiceEntry", "networking.istio.io").ToList();
    }

    /// <summary>Why Istio is considered present.</summary>
    public string Evidence { get; }

    /// <summary>MeshConfig <c>rootNamespace</c>, else <c>istio-system</c>.</summary>
    public string RootNamespace { get; private set; } = "istio-system";

    /// <summary>MeshConfig <c>trustDomain</c>, else <c>cluster.local</c>.</summary>
    public string TrustDomain { get; private set; } = DefaultTrustDomain;

    /// <summary>MeshConfig <c>outboundTrafficPolicy.mode</c>: ALLOW_ANY (the default) or REGISTRY_ONLY.</summary>
    public string OutboundTrafficPolicy { get; private set; } = "ALLOW_ANY";

    /// <summary>The ConfigMap holding the MeshConfig, when the snapshot has it.</summary>
    public KubeObject? MeshConfig { get; private set; }

    public IReadOnlyList<KubeObject> PeerAuthentications { get; }
    public IReadOnlyList<KubeObject> AuthorizationPolicies { get; }
    public IReadOnlyList<KubeObject> Sidecars { get; }
    public IReadOnlyList<KubeObject> ServiceEntries { get; }

    /// <summary>The Istio facts of a cluster, or null when nothing in it shows that Istio runs.</summary>
    public static IstioMesh? Detect(ClusterModel model, ConnectivityOptions options) =>
        FindEvidence(model) is { } evidence ? new IstioMesh(model, options, evidence) : null;

    /// <summary>Why Istio is considered present: its policy objects, its control plane, injection labels or proxies; null when none.</summary>
    public static string? FindEvidence(ClusterModel model)
    {
        var objects = model.Data.Objects.Where(o => o.Group is "security.istio.io" or "networking.istio.io").ToList();
        if (objects.Count > 0)
        {
            return string.Join(", ", objects.GroupBy(o => o.Kind).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Count()} {g.Key}"));
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

        if (model.Workloads.FirstOrDefault(w => w.Pods.Count > 0 && w.Pods.All(p => HasContainer(p, ProxyContainer))) is { } proxied)
        {
            return $"{proxied.Peer} runs an istio-proxy sidecar";
        }

        return null;
    }

    private static IEnumerable<KubeObject> Objects(ClusterModel model, string kind, string group) => model.Data.OfKind(kind).Where(o => o.Group == group && o.Raw is not null);

    // ---------------------------------------------------------------- membership and identity

    /// <summary>
    /// Whether the pod runs an Istio sidecar. A real pod does when it runs istio-proxy (injection
    /// happens at creation; gateways run the same proxy as their main container); a pod template
    /// when its own label or its namespace asks for injection. Host-network pods are never injected.
    /// </summary>
    public MeshMembership Membership(PodInfo pod)
    {
        if (pod.HostNetwork)
        {
            return MeshMembership.None;
        }

        if (options.IstioEveryPodInMesh)
        {
            return MeshMembership.Sidecar;
        }

        var ns = model.Namespaces.GetValueOrDefault(pod.Namespace);
        var nsLabels = ns?.Labels ?? PodInfo.Empty;
        var podMode = pod.Labels.GetValueOrDefault("istio.io/dataplane-mode");
        var hasProxy = HasContainer(pod, ProxyContainer) || pod.Annotations.ContainsKey("sidecar.istio.io/status");
        if (!hasProxy && (podMode == "ambient" || pod.Annotations.GetValueOrDefault("ambient.istio.io/redirection") == "enabled"
            || (podMode != "none" && nsLabels.GetValueOrDefault("istio.io/dataplane-mode") == "ambient")))
        {
            return MeshMembership.Ambient;
        }

        if (hasProxy)
        {
            return MeshMembership.Sidecar;
        }

        if (!pod.FromTemplate)
        {
            return MeshMembership.None;
        }

        return Injected(pod, nsLabels) ? MeshMembership.Sidecar : MeshMembership.None;
    }

    /// <summary>
    /// Whether Istio's injection webhook would inject a pod created from this template, as its
    /// MutatingWebhookConfiguration selects pods (istio/istio, charts istio-control/istio-discovery,
    /// templates/mutatingwebhook.yaml) and the injector decides (pkg/kube/inject, injectRequired):
    /// a namespace labelled <c>istio-injection</c> is injected only when the value is
    /// <c>enabled</c>, whatever the pod asks ("If either label is disabled, the pod is not
    /// injected", istio.io setup/additional-setup/sidecar-injection); a namespace labelled
    /// <c>istio.io/rev</c> is injected; elsewhere only a pod labelled
    /// <c>sidecar.istio.io/inject: "true"</c> or <c>istio.io/rev</c> is, since the webhook selects
    /// pods by label. The pod's <c>sidecar.istio.io/inject</c> label (or, without it, the older
    /// annotation) set to anything but true, yes, y or on opts the pod out. kube-system and
    /// kube-public are never injected.
    /// </summary>
    private static bool Injected(PodInfo pod, IReadOnlyDictionary<string, string> nsLabels)
    {
        if (pod.Namespace is "kube-system" or "kube-public")
        {
            return false;
        }

        var label = pod.Labels.GetValueOrDefault("sidecar.istio.io/inject");
        var asked = label ?? pod.Annotations.GetValueOrDefault("sidecar.istio.io/inject");
        if (asked is not null && !(asked.ToLowerInvariant() is "true" or "yes" or "y" or "on"))
        {
            return false;
        }

        if (nsLabels.TryGetValue("istio-injection", out var nsInjection))
        {
            return nsInjection == "enabled";
        }

        return nsLabels.ContainsKey("istio.io/rev") || label == "true" || pod.Labels.ContainsKey("istio.io/rev");
    }

    /// <summary>A pod of istiod, Istio's control plane (labels <c>app: istiod</c> or <c>istio: pilot</c>, as Istio's charts set them).</summary>
    public static bool IsControlPlane(PodInfo pod) =>
        pod.Labels.GetValueOrDefault("app") == "istiod" || pod.Labels.GetValueOrDefault("istio") == "pilot";

    /// <summary>
    /// Whether the pod is an Istio gateway (ingress or egress, or a Gateway API Gateway Istio
    /// deployed): the proxy is its main container (<c>proxy router</c>). PeerAuthentication does not
    /// configure it ("In sidecar mode, PeerAuthentication determines whether or not mTLS is allowed
    /// or required for connections to an Envoy proxy sidecar", istio.io reference
    /// security/peer_authentication), nor does a Sidecar resource.
    /// </summary>
    public static bool IsGateway(PodInfo pod) =>
        pod.Labels.ContainsKey("gateway.networking.k8s.io/gateway-name") || pod.Labels.GetValueOrDefault("istio") is "ingressgateway" or "egressgateway"
        || pod.Spec?.Containers?.Any(k => k.Name == ProxyContainer && (k.Args?.Contains("router") ?? false)) == true;

    /// <summary>The pod's service account (<c>default</c> when the spec names none).</summary>
    public static string ServiceAccount(PodInfo pod) =>
        pod.Spec?.ServiceAccountName is { Length: > 0 } sa ? sa : pod.Spec?.ServiceAccount is { Length: > 0 } legacy ? legacy : "default";

    /// <summary>The SPIFFE-style identity Istio gives the pod's certificate: <c>trust-domain/ns/NS/sa/SA</c>.</summary>
    public string Principal(string ns, string serviceAccount) => $"{TrustDomain}/ns/{ns}/sa/{serviceAccount}";

    /// <summary>
    /// The TCP ports the sidecar intercepts inbound: <c>traffic.sidecar.istio.io/includeInboundPorts</c>
    /// (<c>*</c> by default) minus <c>excludeInboundPorts</c>. Traffic to other ports bypasses the
    /// proxy: no authorization, no mutual TLS.
    /// </summary>
    public static ConnectionSet CapturedInboundPorts(PodInfo pod)
    {
        var captured = ConnectionSet.AllPorts("TCP");
        if (pod.Annotations.TryGetValue("traffic.sidecar.istio.io/includeInboundPorts", out var include) && include.Trim() != "*")
        {
            captured = PortList(include);
        }

        if (pod.Annotations.TryGetValue("traffic.sidecar.istio.io/excludeInboundPorts", out var exclude))
        {
            captured = captured.Subtract(PortList(exclude));
        }

        return captured;
    }

    private static ConnectionSet PortList(string text)
    {
        var result = ConnectionSet.None;
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var port))
            {
                result = result.Union(ConnectionSet.Port("TCP", port));
            }
        }

        return result;
    }

    /// <summary>A signature of what tells pods apart for Istio: membership, service account and the intercepted ports.</summary>
    public string ClassDistinction(PodInfo pod)
    {
        var membership = Membership(pod);
        if (membership == MeshMembership.None)
        {
            return "-";
        }

        var include = pod.Annotations.GetValueOrDefault("traffic.sidecar.istio.io/includeInboundPorts");
        var exclude = pod.Annotations.GetValueOrDefault("traffic.sidecar.istio.io/excludeInboundPorts");
        return $"{membership}:{ServiceAccount(pod)}:{include}:{exclude}";
    }

    public static bool HasContainer(PodInfo p, string name)
    {
        if (p.Spec is not { } spec)
        {
            return false;
        }

        foreach (var c in spec.Containers ?? new List<V1Container>())
        {
            if (c.Name == name)
            {
                return true;
            }
        }

        // Istio 1.19+ can inject the proxy as a native sidecar: an init container that keeps running.
        foreach (var c in spec.InitContainers ?? new List<V1Container>())
        {
            if (c.Name == name)
            {
                return true;
            }
        }

        return false;
    }

    // ---------------------------------------------------------------- PeerAuthentication

    /// <summary>
    /// The effective PeerAuthentication of pods with these labels in this namespace: a workload
    /// policy (selector, in the namespace) over the namespace-wide one over the mesh-wide one (root
    /// namespace, no selector); a level whose mode is UNSET or absent inherits from the next;
    /// nothing means PERMISSIVE. <c>portLevelMtls</c> of the workload policy overrides single ports.
    /// </summary>
    public EffectiveMtls PeerAuthentication(string ns, IReadOnlyDictionary<string, string> labels)
    {
        var key = (ns, string.Join('\u0001', labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => l.Key + "=" + l.Value)));
        lock (mtlsCache)
        {
            if (mtlsCache.TryGetValue(key, out var cached))
            {
                return cached;
            }
        }

        // Lists are oldest first, so the first match is the one Istio keeps.
        var workloadLevel = ns == RootNamespace ? null : PeerAuthentications.FirstOrDefault(p => p.Namespace == ns && Selector(p) is { IsEverything: false } s && s.Matches(labels));
        var namespaceLevel = ns == RootNamespace ? null : PeerAuthentications.FirstOrDefault(p => p.Namespace == ns && Selector(p).IsEverything);
        var meshLevel = PeerAuthentications.FirstOrDefault(p => p.Namespace == RootNamespace && Selector(p).IsEverything);

        var setting = MtlsSetting.Default;
        foreach (var (pa, level) in new[] { (workloadLevel, "workload"), (namespaceLevel, "namespace"), (meshLevel, "mesh") })
        {
            if (pa is not null && ModeOf(pa.Raw!["spec"]?["mtls"]) is { } mode and not "UNSET")
            {
                setting = new MtlsSetting(mode, pa, level);
                break;
            }
        }

        var ports = new Dictionary<int, MtlsSetting>();
        if (workloadLevel?.Raw!["spec"]?["portLevelMtls"] is JsonObject portLevel)
        {
            foreach (var (portText, value) in portLevel)
            {
                if (int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535
                    && ModeOf(value) is { } mode and not "UNSET")
                {
                    ports[port] = new MtlsSetting(mode, workloadLevel, "port");
                }
            }
        }

        var result = new EffectiveMtls(setting, ports);
        lock (mtlsCache)
        {
            mtlsCache[key] = result;
        }

        return result;
    }

    /// <summary>A workload selector (<c>spec.selector</c>, or <c>spec.workloadSelector.labels</c> of a Sidecar) as a label selector.</summary>
    public static LabelSelector Selector(KubeObject o)
    {
        if (o.Raw?["spec"]?["selector"] is JsonObject s)
        {
            return LabelSelector.Parse(s, out _);
        }

        if (o.Raw?["spec"]?["workloadSelector"]?["labels"] is JsonObject labels)
        {
            return LabelSelector.Parse(new JsonObject { ["matchLabels"] = labels.DeepClone() }, out _);
        }

        return LabelSelector.Everything;
    }

    public static string? ModeOf(JsonNode? mtls) => mtls is JsonObject m && PolicyCompileContext.Str(m["mode"]) is { Length: > 0 } mode ? mode.ToUpperInvariant() : null;

    public static DateTime CreationTime(KubeObject o) =>
        PolicyCompileContext.Str(o.Raw?["metadata"]?["creationTimestamp"]) is { } t && DateTime.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out var d)
            ? d : DateTime.MaxValue;

    // ---------------------------------------------------------------- mesh configuration

    /// <summary>Reads MeshConfig from the <c>istio</c> ConfigMap (key <c>mesh</c>), as istiod reads it.</summary>
    private void ReadMeshConfig(ClusterModel cluster)
    {
        foreach (var (obj, cm) in cluster.Data.TypedWithSource<V1ConfigMap>())
        {
            if (obj.Name != "istio" || cm.Data?.TryGetValue("mesh", out var text) != true || string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            JsonNode? mesh;
            try
            {
                mesh = YamlJsonReader.ReadDocuments(new StringReader(text)).FirstOrDefault()?.Root;
            }
            catch (Exception ex) when (ex is FormatException or InvalidOperationException or YamlDotNet.Core.YamlException)
            {
                continue;
            }

            MeshConfig = obj;
            if (PolicyCompileContext.Str(mesh?["rootNamespace"]) is { Length: > 0 } root)
            {
                RootNamespace = root;
            }

            if (PolicyCompileContext.Str(mesh?["trustDomain"]) is { Length: > 0 } domain)
            {
                TrustDomain = domain;
            }

            if (PolicyCompileContext.Str(mesh?["outboundTrafficPolicy"]?["mode"]) is { Length: > 0 } outbound)
            {
                OutboundTrafficPolicy = outbound.ToUpperInvariant();
            }

            return;
        }
    }
}
