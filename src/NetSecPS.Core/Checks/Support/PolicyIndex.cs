using k8s.Models;
using NetSecPS.Core.Model;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Checks.Support;

/// <summary>A NetworkPolicy with the workloads its podSelector selects.</summary>
public sealed record PolicyEntry(KubeObject Object, V1NetworkPolicy Policy, LabelSelector PodSelector, IReadOnlyList<Workload> Selected, IReadOnlyList<string> PolicyTypes)
{
    public string Namespace => Object.Namespace ?? "default";
    public string Name => Object.Name;
    public string Key => $"{Namespace}/{Name}";
    public bool Has(string policyType) => PolicyTypes.Contains(policyType, StringComparer.OrdinalIgnoreCase);
    public IList<V1NetworkPolicyIngressRule> Ingress => Policy.Spec?.Ingress ?? new List<V1NetworkPolicyIngressRule>();
    public IList<V1NetworkPolicyEgressRule> Egress => Policy.Spec?.Egress ?? new List<V1NetworkPolicyEgressRule>();
}

/// <summary>
/// The NetworkPolicies of a snapshot resolved against its workloads and namespaces: which pods a
/// policy selects and which pods or namespaces a rule's peer matches. Used by the rule-level
/// checks (NP-005..NP-008, NP-011..NP-014); reachability itself comes from the connectivity engine.
/// </summary>
public sealed class PolicyIndex
{
    /// <summary>Kinds of CNI-specific policy that the connectivity engine does not evaluate.</summary>
    public static readonly (string Group, string Kind)[] CniPolicyKinds =
    {
        ("cilium.io", "CiliumNetworkPolicy"), ("cilium.io", "CiliumClusterwideNetworkPolicy"),
        ("crd.projectcalico.org", "NetworkPolicy"), ("crd.projectcalico.org", "GlobalNetworkPolicy"),
        ("projectcalico.org", "NetworkPolicy"), ("projectcalico.org", "GlobalNetworkPolicy"),
    };

    private readonly ClusterModel model;
    private readonly Dictionary<string, List<Workload>> workloadsByNs;
    private readonly Dictionary<Workload, List<PolicyEntry>> selecting = new();

    public PolicyIndex(ClusterModel model)
    {
        this.model = model;
        workloadsByNs = model.Workloads.GroupBy(w => w.Namespace).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var list = new List<PolicyEntry>();
        foreach (var obj in model.Data.OfKind("NetworkPolicy", "networking.k8s.io"))
        {
            if (obj.Typed is not V1NetworkPolicy np)
            {
                continue;
            }

            var selector = LabelSelector.From(np.Spec?.PodSelector);
            var selected = WorkloadsIn(obj.Namespace ?? "default").Where(w => Selects(selector, w)).ToList();
            list.Add(new PolicyEntry(obj, np, selector, selected, InventoryBuilder.EffectivePolicyTypes(np)));
        }

        NetworkPolicies = list;
        foreach (var p in list)
        {
            foreach (var w in p.Selected)
            {
                if (!selecting.TryGetValue(w, out var l))
                {
                    selecting[w] = l = new List<PolicyEntry>();
                }

                l.Add(p);
            }
        }

        CniPolicies = CniPolicyKinds.SelectMany(k => model.Data.OfKind(k.Kind, k.Group).Where(o => o.Group == k.Group)).ToList();
    }

    public IReadOnlyList<PolicyEntry> NetworkPolicies { get; }

    /// <summary>Cilium and Calico policies: enforced by their CNI, not evaluated by the connectivity engine.</summary>
    public IReadOnlyList<KubeObject> CniPolicies { get; }

    public IReadOnlyList<Workload> WorkloadsIn(string ns) => workloadsByNs.TryGetValue(ns, out var l) ? l : (IReadOnlyList<Workload>)Array.Empty<Workload>();

    public IReadOnlyList<PolicyEntry> Selecting(Workload w) => selecting.TryGetValue(w, out var l) ? l : Array.Empty<PolicyEntry>();

    /// <summary>A selector selects a workload when it selects one of its pods.</summary>
    public static bool Selects(LabelSelector selector, Workload w) => w.Pods.Any(p => selector.Matches(p.Labels));

    public IEnumerable<NamespaceInfo> MatchNamespaces(LabelSelector selector) => model.Namespaces.Values.Where(n => selector.Matches(n.Labels));

    /// <summary>The workloads a pod/namespace peer of a rule in <paramref name="policyNamespace"/> matches (none for an ipBlock peer).</summary>
    public IReadOnlyList<Workload> PeerWorkloads(string policyNamespace, V1NetworkPolicyPeer peer)
    {
        if (peer.IpBlock is not null)
        {
            return Array.Empty<Workload>();
        }

        var pods = LabelSelector.From(peer.PodSelector);
        var namespaces = peer.NamespaceSelector is null
            ? new[] { policyNamespace }
            : MatchNamespaces(LabelSelector.From(peer.NamespaceSelector)).Select(n => n.Name).ToArray();
        return namespaces.SelectMany(WorkloadsIn).Where(w => Selects(pods, w)).ToList();
    }

    /// <summary>
    /// True when the peer would match an arbitrary pod (no labels, in an unlabelled namespace
    /// other than the policy's): only a <c>namespaceSelector</c> that matches an unlabelled
    /// namespace together with a <c>podSelector</c> that matches an unlabelled pod.
    /// </summary>
    public static bool MatchesArbitraryPod(V1NetworkPolicyPeer peer)
    {
        if (peer.IpBlock is not null || peer.NamespaceSelector is null)
        {
            return false;
        }

        var none = new Dictionary<string, string>();
        return LabelSelector.From(peer.NamespaceSelector).Matches(none) && LabelSelector.From(peer.PodSelector).Matches(none);
    }

    /// <summary>A peer that selects every pod of every namespace: <c>namespaceSelector: {}</c> with an empty or absent podSelector.</summary>
    public static bool IsEveryPod(V1NetworkPolicyPeer peer) =>
        peer.IpBlock is null && peer.NamespaceSelector is not null && LabelSelector.From(peer.NamespaceSelector).IsEmpty && LabelSelector.From(peer.PodSelector).IsEmpty;

    /// <summary>An ipBlock of the whole IPv4 or IPv6 space without exceptions.</summary>
    public static bool IsEveryAddress(V1NetworkPolicyPeer peer) =>
        peer.IpBlock is { } b && Cidr.Parse(b.Cidr) is { PrefixLength: 0 } && (b.Except is null || b.Except.Count == 0);

    public static string DescribePeer(V1NetworkPolicyPeer peer)
    {
        if (peer.IpBlock is { } b)
        {
            return b.Except is { Count: > 0 } ex ? $"ipBlock {b.Cidr} except {string.Join(", ", ex)}" : $"ipBlock {b.Cidr}";
        }

        var parts = new List<string>();
        if (peer.NamespaceSelector is not null)
        {
            parts.Add($"namespaceSelector {LabelSelector.From(peer.NamespaceSelector)}");
        }

        if (peer.PodSelector is not null)
        {
            parts.Add($"podSelector {LabelSelector.From(peer.PodSelector)}");
        }

        return parts.Count == 0 ? "{}" : string.Join(" + ", parts);
    }

    public static string DescribePorts(IList<V1NetworkPolicyPort>? ports)
    {
        if (ports is null || ports.Count == 0)
        {
            return "all ports";
        }

        return string.Join(", ", ports.Select(p =>
        {
            var proto = string.IsNullOrEmpty(p.Protocol) ? "TCP" : p.Protocol;
            if (p.Port is null)
            {
                return $"{proto} all ports";
            }

            return p.EndPort is { } end ? $"{proto} {p.Port.Value}-{end}" : $"{proto} {p.Port.Value}";
        }));
    }
}
