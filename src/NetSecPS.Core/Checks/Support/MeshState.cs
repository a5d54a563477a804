using System.Text.RegularExpressions;
using k8s.Models;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;
using NetSecPS.Core.Policy;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Checks.Support;

/// <summary>The effective Istio PeerAuthentication of one workload.</summary>
/// <param name="Mode">STRICT, PERMISSIVE or DISABLE.</param>
/// <param name="Source">The PeerAuthentication that decided the mode, or null when none applies (PERMISSIVE by default).</param>
/// <param name="Level">workload, namespace, mesh or default.</param>
/// <param name="WeakPorts">Ports whose portLevelMtls mode is not STRICT, with their mode.</param>
internal sealed record PeerAuthenticationResult(string Mode, KubeObject? Source, string Level, IReadOnlyList<(int Port, string Mode)> WeakPorts);

/// <summary>
/// Service-mesh facts the MESH checks need: whether Istio or Linkerd is present, which workloads
/// each one meshes (sidecar or ambient), the effective Istio PeerAuthentication, and, when the
/// connectivity engine runs, each flow's mutual TLS as the mesh layer of the policy model computes
/// it. Istio membership and PeerAuthentication come from the same place as the connectivity's
/// (<see cref="IstioMesh"/>), so the checks and the flows agree.
/// </summary>
internal sealed partial class MeshState
{
    public const string LinkerdInboundPolicyAnnotation = "config.linkerd.io/default-inbound-policy";

    private readonly ClusterModel model;
    private readonly IstioMesh? istio;
    private readonly Lazy<MeshFlows?> flows;

    public MeshState(ClusterModel model)
        : this(model, null)
    {
    }

    /// <param name="connectivity">The engine whose flows carry each connection's mutual TLS; null: the facts of the objects only.</param>
    public MeshState(ClusterModel model, IConnectivityQuery? connectivity)
    {
        this.model = model;
        Connectivity = connectivity;
        istio = connectivity?.Policies.Mesh?.Facts ?? IstioMesh.Detect(model, connectivity?.Policies.Options ?? ConnectivityOptions.Default);
        IstioRootNamespace = istio?.RootNamespace ?? "istio-system";
        IstioEvidence = istio?.Evidence;
        LinkerdEvidence = FindLinkerd();
        LinkerdClusterDefault = FindLinkerdDefault(out var source);
        LinkerdClusterDefaultSource = source;
        flows = new Lazy<MeshFlows?>(() => connectivity is null || istio is null ? null : MeshFlows.Collect(connectivity));
    }

    /// <summary>The engine the per-flow facts come from; null when the audit runs without one.</summary>
    public IConnectivityQuery? Connectivity { get; }

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

    /// <summary>Flows into and out of each workload whose mutual TLS matters to the checks; null without the engine or Istio.</summary>
    internal MeshFlows? Flows => flows.Value;

    /// <summary>Workloads of the mesh's own control plane: not expected to be meshed themselves.</summary>
    public bool IsControlPlane(Workload w) =>
        w.Namespace == IstioRootNamespace && w.Name is "istiod" or "istio-cni-node" or "ztunnel" || w.Name.StartsWith("istiod-", StringComparison.Ordinal)
        || w.Namespace is "linkerd" or "linkerd-cni" && (w.Name.StartsWith("linkerd-", StringComparison.Ordinal) || w.Name == "linkerd-cni");

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

    private static bool HasLinkerdProxy(Workload w) => w.Pods.Count > 0 && w.Pods.All(p => IstioMesh.HasContainer(p, "linkerd-proxy") || p.Annotations.ContainsKey("linkerd.io/proxy-version"));

    private NamespaceInfo? NamespaceOf(Workload w) => model.Namespaces.GetValueOrDefault(w.Namespace);

    /// <summary>
    /// How Istio meshes the workload: <c>sidecar</c>, <c>ambient</c>, or null, as the connectivity
    /// decides it: a real pod runs istio-proxy; a pod template asks for injection through its
    /// namespace (istio-injection, istio.io/rev) or its own labels, as Istio's injection webhook decides it.
    /// </summary>
    public string? IstioEnrolment(Workload w)
    {
        if (istio is null || w.HostNetwork || w.Pods.Count == 0)
        {
            return null;
        }

        return istio.Membership(w.Pods[0]) switch
        {
            MeshMembership.Sidecar => "sidecar",
            MeshMembership.Ambient => "ambient",
            _ => null,
        };
    }

    /// <summary>True when the workload is an Istio gateway, whose TLS its Gateway servers decide, not PeerAuthentication.</summary>
    public bool IsIstioGateway(Workload w) => istio is not null && w.Pods.Count > 0 && IstioMesh.IsGateway(w.Pods[0]);

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
        if (istio is null)
        {
            return new PeerAuthenticationResult("PERMISSIVE", null, "default", Array.Empty<(int, string)>());
        }

        var mtls = istio.PeerAuthentication(w.Namespace, w.Labels);
        var weak = mtls.Ports.Where(p => p.Value.Mode is "PERMISSIVE" or "DISABLE").OrderBy(p => p.Key).Select(p => (p.Key, p.Value.Mode)).ToList();
        return new PeerAuthenticationResult(mtls.Workload.Mode, mtls.Workload.Source, mtls.Workload.Level, weak);
    }

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

    [GeneratedRegex(@"(?m)^\s*(defaultInboundPolicy|defaultAllowPolicy):\s*(\S+)")]
    private static partial Regex LinkerdDefaultRegex();
}
