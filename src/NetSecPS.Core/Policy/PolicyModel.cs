using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Policy;

/// <summary>How the policies of a tier combine.</summary>
internal enum TierKind
{
    /// <summary>
    /// Policies in order (priority or order, ties by name), rules in order within each policy;
    /// the first rule that matches a connection decides it (AdminNetworkPolicy,
    /// ClusterNetworkPolicy, Calico tiers).
    /// </summary>
    Ordered,

    /// <summary>
    /// Every policy at once: any matching Deny wins over any matching Allow, and order does not
    /// matter (Kubernetes NetworkPolicy, whose rules only allow; Cilium).
    /// </summary>
    Union,
}

/// <summary>What a tier does with a connection of an endpoint its policies select when no rule matches it.</summary>
internal enum NoMatchAction
{
    /// <summary>Leave it to the next tier (AdminNetworkPolicy, ClusterNetworkPolicy, Calico <c>defaultAction: Pass</c>).</summary>
    Next,

    /// <summary>Deny it (NetworkPolicy isolation, Calico tiers, Cilium default deny).</summary>
    Deny,

    /// <summary>Allow it.</summary>
    Allow,
}

/// <summary>
/// An ordered group of policies inside one layer. Tiers run in ascending <see cref="Order"/>
/// (ties by name); a tier that no policy of an endpoint's applies to is skipped for it.
/// </summary>
internal sealed class Tier
{
    public Tier(PolicyLayer layer, string name, double order, TierKind kind, NoMatchAction noMatch, string description)
    {
        Layer = layer;
        Name = name;
        Order = order;
        Kind = kind;
        NoMatch = noMatch;
        Description = description;
    }

    public PolicyLayer Layer { get; }

    /// <summary>The tier's name as users know it: <c>Admin</c>, <c>NetworkPolicy</c>, <c>Baseline</c>, a Calico tier.</summary>
    public string Name { get; }

    /// <summary>Position among the layer's tiers, on Calico's scale (Admin 1,000, NetworkPolicy 1,000,000, Baseline 10,000,000).</summary>
    public double Order { get; }
    public TierKind Kind { get; }
    public NoMatchAction NoMatch { get; internal set; }

    /// <summary>How explanations name the tier: <c>the Admin tier (ClusterNetworkPolicy, AdminNetworkPolicy)</c>.</summary>
    public string Description { get; internal set; }

    /// <summary>The tier's policies in evaluation order once the model is built.</summary>
    public List<CompiledPolicy> Policies { get; } = new();

    public override string ToString() => Name;
}

/// <summary>
/// One policy of any kind in the model's form: its subject (the peer classes it applies to), per
/// direction whether it applies and whether selecting an endpoint makes the tier's
/// <see cref="Tier.NoMatch"/> apply, and its rules.
/// </summary>
internal sealed class CompiledPolicy
{
    public CompiledPolicy(string kind, string name, string? ns, double? order, KubeObject source, ClassSet subject, string subjectText)
    {
        Kind = kind;
        Name = name;
        Namespace = ns;
        Order = order;
        Source = source;
        Subject = subject;
        SubjectText = subjectText;
        SubjectNamespace = ns;
    }

    /// <summary>Index of the policy in the model, for caches and rule programs (one object may compile into several policies).</summary>
    public int Id { get; set; }

    /// <summary>The Kubernetes kind: <c>NetworkPolicy</c>, <c>AdminNetworkPolicy</c>, <c>ClusterNetworkPolicy</c>, ...</summary>
    public string Kind { get; }
    public string Name { get; }
    public string? Namespace { get; }

    /// <summary>Priority or order inside the tier, lower first; null sorts after every ordered policy.</summary>
    public double? Order { get; }

    /// <summary>
    /// How the kind breaks ties of equal order in an ordered tier, where it defines one (Calico: the
    /// policy name, <c>namespace/name</c> for namespaced policies); null: by kind, namespace and name.
    /// </summary>
    public string? TieBreak { get; set; }
    public KubeObject Source { get; }
    public Tier Tier { get; internal set; } = null!;

    /// <summary>
    /// The one namespace whose pods the subject can hold (a namespaced policy's own), or null when
    /// it may select pods anywhere (cluster-scoped policies, Istio's root namespace).
    /// </summary>
    public string? SubjectNamespace { get; init; }

    /// <summary>The peer classes the policy applies to (its podSelector, subject or selector).</summary>
    public ClassSet Subject { get; }
    public string SubjectText { get; }

    /// <summary>The subject is every pod of the policy's namespace (a NetworkPolicy with an empty podSelector).</summary>
    public bool SelectsWholeNamespace { get; init; }
    public bool AffectsIngress { get; set; }
    public bool AffectsEgress { get; set; }

    /// <summary>Selecting an endpoint for ingress makes the tier's no-match action apply to it (Cilium's <c>enableDefaultDeny: {ingress: false}</c> turns it off).</summary>
    public bool IsolatesIngress { get; set; } = true;
    public bool IsolatesEgress { get; set; } = true;
    public List<CompiledRule> Ingress { get; } = new();
    public List<CompiledRule> Egress { get; } = new();

    /// <summary>
    /// Not an object of the cluster but a default of the CNI written as a policy (Cilium's
    /// <c>allow-localhost</c>, <c>enable-policy: always</c>): explanations name it, the checks of
    /// rule shapes do not inspect it.
    /// </summary>
    public bool Implicit { get; init; }

    /// <summary>AdminNetworkPolicy, BaselineAdminNetworkPolicy or ClusterNetworkPolicy: cluster-wide policy of an administrator.</summary>
    public bool IsAdminKind => Kind is "AdminNetworkPolicy" or "BaselineAdminNetworkPolicy" or "ClusterNetworkPolicy";

    /// <summary>A Kubernetes NetworkPolicy (networking.k8s.io), whose rules are numbered, not named.</summary>
    public bool IsKubernetesNetworkPolicy => Kind == "NetworkPolicy" && Source.Group is "networking.k8s.io" or "extensions";

    /// <summary><c>namespace/name</c> for a namespaced policy, the name for a cluster-scoped one.</summary>
    public string DisplayName => Namespace is null ? Name : Namespace + "/" + Name;

    public bool Affects(TrafficDirection direction) => direction == TrafficDirection.Ingress ? AffectsIngress : AffectsEgress;

    public bool Isolates(TrafficDirection direction) => direction == TrafficDirection.Ingress ? IsolatesIngress : IsolatesEgress;

    public List<CompiledRule> Rules(TrafficDirection direction) => direction == TrafficDirection.Ingress ? Ingress : Egress;

    /// <summary>How explanations name the policy: <c>ClusterNetworkPolicy deny-all (Admin tier, priority 10)</c>.</summary>
    public string Describe()
    {
        var order = Order is { } o ? $", {(Kind is "NetworkPolicy" or "GlobalNetworkPolicy" ? "order" : "priority")} {o.ToString(System.Globalization.CultureInfo.InvariantCulture)}" : string.Empty;
        return Tier.Kind == TierKind.Ordered ? $"{Kind} {DisplayName} ({Tier.Name} tier{order})" : $"{Kind} {DisplayName}";
    }

    public override string ToString() => Kind + " " + DisplayName;
}

/// <summary>What a rule peer stands for, for the checks that look at rule shapes.</summary>
internal enum RulePeerKind
{
    /// <summary>Pods by namespace and pod selectors (or namespaces alone).</summary>
    Pods,

    /// <summary>An address range: ipBlock, networks, nets, CIDR.</summary>
    Addresses,

    /// <summary>Nodes by label (host-network pods and node addresses).</summary>
    Nodes,

    /// <summary>DNS names, which a static analysis cannot resolve.</summary>
    DomainNames,

    /// <summary>
    /// A peer that is no pod, node or address of the snapshot: Cilium entities such as
    /// <c>kube-apiserver</c> or <c>health</c>, cloud provider groups, Services whose endpoints the
    /// snapshot does not hold. It matches nothing in the connectivity.
    /// </summary>
    Other,
}

/// <summary>Which namespaces a pod peer reaches.</summary>
internal enum NamespaceScope
{
    /// <summary>The policy's own namespace (a NetworkPolicy podSelector without namespaceSelector).</summary>
    Own,

    /// <summary>Every namespace (an empty namespace selector).</summary>
    All,

    /// <summary>The namespaces a selector matches.</summary>
    Selected,
}

/// <summary>One peer of a rule as written, with what it matched, for checks and explanations.</summary>
internal sealed record RulePeer
{
    public required RulePeerKind Kind { get; init; }

    /// <summary>The peer in words: <c>pods app=web in namespace shop</c>, <c>0.0.0.0/0 except 10.0.0.0/8</c>.</summary>
    public required string Text { get; init; }

    public NamespaceScope NamespaceScope { get; init; }

    /// <summary>The pod selector matches every pod (of the namespaces in scope).</summary>
    public bool EveryPod { get; init; }

    /// <summary>The namespace and pod selectors as written (pods peers), for findings.</summary>
    public string? NamespaceSelectorText { get; init; }
    public string? PodSelectorText { get; init; }

    /// <summary>The namespaces of the snapshot the namespace part matched (pods peers).</summary>
    public IReadOnlyList<string> NamespaceNames { get; init; } = Array.Empty<string>();

    /// <summary>How many namespaces of the snapshot the namespace part matched (pods peers).</summary>
    public int MatchedNamespaces { get; init; }

    /// <summary>The pod classes of the snapshot the peer matched (pods peers; never the synthetic classes).</summary>
    public int MatchedClasses { get; init; }

    /// <summary>The peer would match an unlabelled pod in an unlabelled namespace that is not in the snapshot.</summary>
    public bool MatchesArbitraryPod { get; init; }

    /// <summary>For an address peer: the block as written and its exceptions.</summary>
    public IpRange? Block { get; init; }
    public int PrefixLength { get; init; } = -1;
    public IReadOnlyList<IpRange> Except { get; init; } = Array.Empty<IpRange>();

    /// <summary>For an address peer: the addresses it matches (block minus exceptions).</summary>
    public IpSet Addresses { get; init; } = IpSet.Empty;
}

/// <summary>One rule in the model's form: a set of peers (classes and addresses) times a set of connections, with an action.</summary>
internal sealed class CompiledRule
{
    public CompiledRule(CompiledPolicy policy, TrafficDirection direction, int index, string name, RuleAction action, PortSpec ports)
    {
        Policy = policy;
        Direction = direction;
        Index = index;
        Name = name;
        Action = action;
        Ports = ports;
    }

    /// <summary>Global index of the rule in the model, for caches.</summary>
    public int Id { get; set; }
    public CompiledPolicy Policy { get; }
    public TrafficDirection Direction { get; }

    /// <summary>Position of the rule in its policy's list for the direction.</summary>
    public int Index { get; }

    /// <summary>The rule's own name; for a NetworkPolicy, <c>ingress rule #1</c>.</summary>
    public string Name { get; }
    public RuleAction Action { get; }
    public PortSpec Ports { get; }

    /// <summary>The rule lists no peers: it matches every pod and every address.</summary>
    public bool AllPeers { get; set; }

    /// <summary>
    /// The endpoints of the policy's subject the rule applies to, where the rule narrows them
    /// (Calico: an ingress rule's <c>destination</c>, an egress rule's <c>source</c>); null: all of them.
    /// </summary>
    public ClassSet? LocalClasses { get; set; }

    /// <summary>Pod classes the rule matches: by selectors, and by address where the rule's addresses match pods.</summary>
    public ClassSet Classes { get; set; } = null!;

    /// <summary>Addresses of the rule's ipBlocks, networks or nets, exceptions removed.</summary>
    public IpSet Addresses { get; set; } = IpSet.Empty;

    /// <summary>The rule holds the whole IPv4 or IPv6 space: an address no other CIDR names still matches.</summary>
    public bool OpenToAnyAddress4 { get; set; }
    public bool OpenToAnyAddress6 { get; set; }

    /// <summary>The rule is in an admin tier's kind (AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy).</summary>
    public bool IsAdminKind => Policy.IsAdminKind;

    /// <summary>The rule's addresses also match pods whose address they hold (ClusterNetworkPolicy <c>networks</c>, Calico <c>nets</c>).</summary>
    public bool AddressesMatchPods { get; set; }

    /// <summary>Pod classes whose unknown addresses the rule's CIDRs may hold: whether the rule matches them depends on pod addresses.</summary>
    public ClassSet? AddressDependent { get; set; }

    /// <summary>The peers as written.</summary>
    public List<RulePeer> Peers { get; } = new();

    /// <summary>
    /// Null when the rule holds for every request of the connections it matches. Otherwise it
    /// holds only for some requests, described in words: Cilium's L7 rules (<c>rules.http</c>,
    /// <c>kafka</c>, <c>dns</c>, TLS server names: <c>HTTP GET /public</c>) or an Istio rule's HTTP
    /// methods, paths or hosts, JWT principals and <c>when</c> conditions (<c>methods GET; paths
    /// /api/*</c>), which a static analysis does not evaluate. Connections are L4, so a conditional
    /// Allow opens its connections for reachability (the requests it does not match are refused by
    /// the proxy, unless a rule without condition admits the same peer and port), and a conditional
    /// Deny refuses none of them: it denies some requests only (Istio DENY rules; Cilium's deny
    /// rules carry no L7 rules, so they never have a condition). Where the condition is enforced
    /// follows from the rule's layer (<see cref="ConditionInMesh"/>).
    /// </summary>
    public string? Condition { get; set; }

    /// <summary>
    /// The rule's <see cref="Condition"/> is the mesh's (Istio, in <see cref="PolicyLayer.Mesh"/>):
    /// flows mark the connections it admits only for some requests (<c>L7Restricted</c>) and
    /// explanations name the condition of every matching rule. A condition in the CNI layer (Cilium's
    /// proxy) is named by explanations only for the allow that decides the connection.
    /// </summary>
    public bool ConditionInMesh => Condition is not null && Policy.Tier.Layer == PolicyLayer.Mesh;

    /// <summary>What the rule names that a static analysis cannot decide (nodes without node data, domain names, L7 conditions).</summary>
    public List<string> Undecided { get; } = new();

    /// <summary>
    /// <see cref="Undecided"/> concerns external addresses only (domain names resolve to addresses
    /// outside the cluster): connections to or from pods are decided exactly.
    /// </summary>
    public bool UndecidedOnlyForAddresses { get; set; }

    /// <summary>Human form of the peers: <c>pods app=web in namespace frontend</c>, <c>0.0.0.0/0 except 10.0.0.0/8</c>.</summary>
    public string PeersText { get; set; } = string.Empty;

    /// <summary>How findings name the rule as written: <c>NetworkPolicy shop/web ingress[0]</c>, <c>ClusterNetworkPolicy x egress 'deny-all'</c>.</summary>
    public string Reference => Policy.IsKubernetesNetworkPolicy
        ? $"{Policy} {(Direction == TrafficDirection.Ingress ? "ingress" : "egress")}[{Index}]"
        : $"{Policy} {(Direction == TrafficDirection.Ingress ? "ingress" : "egress")} rule '{Name}'";

    public bool MatchesClass(int classIndex) => AllPeers || Classes.Contains(classIndex);

    public bool MatchesRange(IpRange range) => AllPeers || Addresses.Contains(range);

    public bool MatchesAnyAddress(int family) => AllPeers || (family == 4 ? OpenToAnyAddress4 : OpenToAnyAddress6);

    /// <summary>How explanations name the rule: <c>ingress rule #2</c> or <c>egress rule "deny-db" (Deny)</c>.</summary>
    public string Label => Policy.IsKubernetesNetworkPolicy
        ? Name
        : $"{(Direction == TrafficDirection.Ingress ? "ingress" : "egress")} rule \"{Name}\" ({Action})";

    public override string ToString() => Policy + " " + Label;
}

/// <summary>
/// Every policy a cluster enforces, compiled into one form that the connectivity engine,
/// <c>Test-NetSecConnection -Explain</c> and the checks all read: layers that intersect, ordered
/// tiers inside a layer, policies in a tier, rules with Allow/Deny/Pass/Log. Built by
/// <see cref="PolicyModelBuilder"/> from the policy kinds registered in <see cref="PolicyKinds"/>.
/// </summary>
internal sealed class PolicyModel
{
    public PolicyModel(ClusterModel cluster, ConnectivityOptions options, PeerClassBuilder.Result classes, IReadOnlyList<Tier> tiers,
        IReadOnlyList<CompiledRule> rules, IReadOnlyList<IpRange> ingressCuts, IReadOnlyList<IpRange> egressCuts, bool namesNonPortProtocols,
        IReadOnlyList<string> undecided)
    {
        Cluster = cluster;
        Options = options;
        Classes = classes;
        Tiers = tiers;
        Rules = rules;
        IngressCuts = ingressCuts;
        EgressCuts = egressCuts;
        NamesNonPortProtocols = namesNonPortProtocols;
        Undecided = undecided;
        Policies = tiers.SelectMany(t => t.Policies).ToList();
        policiesByClass = new Lazy<List<int>[]>(IndexPoliciesByClass);
    }

    private readonly Lazy<List<int>[]> policiesByClass;

    /// <summary>For each class, the positions in <see cref="Policies"/> of the policies whose subject holds it, ascending.</summary>
    private List<int>[] IndexPoliciesByClass()
    {
        var index = new List<int>[Classes.Classes.Count];
        for (var p = 0; p < Policies.Count; p++)
        {
            foreach (var c in Policies[p].Subject.Members())
            {
                (index[c] ??= new List<int>()).Add(p);
            }
        }

        return index;
    }

    // Built on first use; a build stopped by cancellation leaves the table unset, so a later caller builds it again.
    private ProgramTable? egressPrograms;
    private ProgramTable? ingressPrograms;
    private object? programsLock;

    /// <summary>Each class's program for a direction: the tiers and rules that apply to it, in evaluation order.</summary>
    public ProgramTable Programs(TrafficDirection direction, CancellationToken cancellationToken = default) => direction == TrafficDirection.Egress
        ? LazyInitializer.EnsureInitialized(ref egressPrograms, ref programsLock, () => ProgramTable.Build(this, TrafficDirection.Egress, cancellationToken))
        : LazyInitializer.EnsureInitialized(ref ingressPrograms, ref programsLock, () => ProgramTable.Build(this, TrafficDirection.Ingress, cancellationToken));

    public ClusterModel Cluster { get; }
    public ConnectivityOptions Options { get; }
    public PeerClassBuilder.Result Classes { get; }

    /// <summary>Every tier of every layer, in evaluation order (layer, then order, then name).</summary>
    public IReadOnlyList<Tier> Tiers { get; }

    /// <summary>Every policy, tier by tier in evaluation order.</summary>
    public IReadOnlyList<CompiledPolicy> Policies { get; }

    /// <summary>Every rule, indexed by <see cref="CompiledRule.Id"/>.</summary>
    public IReadOnlyList<CompiledRule> Rules { get; }

    /// <summary>Ranges of ingress address peers: they cut the space of external sources.</summary>
    public IReadOnlyList<IpRange> IngressCuts { get; }

    /// <summary>Ranges of egress address peers: they cut the space of external destinations.</summary>
    public IReadOnlyList<IpRange> EgressCuts { get; }

    /// <summary>Some rule names ICMP or an IP protocol by number, so connection texts list those protocols.</summary>
    public bool NamesNonPortProtocols { get; }

    /// <summary>What the model could not decide statically, one sentence each (for coverage and reports).</summary>
    public IReadOnlyList<string> Undecided { get; }

    /// <summary>The Istio mesh (sidecars, identities, mutual TLS per flow); null when the cluster runs no Istio.</summary>
    public IstioMeshModel? Mesh { get; init; }

    public IEnumerable<Tier> TiersOf(PolicyLayer layer) => Tiers.Where(t => t.Layer == layer);

    /// <summary>Policies of one kind (<c>NetworkPolicy</c> of networking.k8s.io is <c>NetworkPolicy</c>).</summary>
    public IEnumerable<CompiledPolicy> OfKind(string kind) => Policies.Where(p => p.Kind == kind);

    /// <summary>The pod classes of a workload.</summary>
    public IReadOnlyList<PeerClass> ClassesOf(Workload workload) =>
        Classes.ByWorkload.TryGetValue(workload, out var l) ? l : Array.Empty<PeerClass>();

    /// <summary>The workloads some of whose pods the set holds.</summary>
    public IReadOnlyList<Workload> WorkloadsIn(ClassSet set)
    {
        var result = new List<Workload>();
        var seen = new HashSet<Workload>(ReferenceEqualityComparer.Instance);
        foreach (var i in set.Members())
        {
            foreach (var w in Classes.Classes[i].Workloads)
            {
                if (seen.Add(w))
                {
                    result.Add(w);
                }
            }
        }

        return result;
    }

    /// <summary>True when the policy applies to some pod of the workload in the direction.</summary>
    public bool Selects(CompiledPolicy policy, Workload workload, TrafficDirection direction) =>
        policy.Affects(direction) && ClassesOf(workload).Any(c => policy.Subject.Contains(c.Index));

    /// <summary>The policies that apply to some pod of the workload in the direction, in evaluation order.</summary>
    public IEnumerable<CompiledPolicy> Selecting(Workload workload, TrafficDirection direction)
    {
        var index = policiesByClass.Value;
        var positions = new SortedSet<int>();
        foreach (var c in ClassesOf(workload))
        {
            if (index[c.Index] is { } l)
            {
                positions.UnionWith(l);
            }
        }

        return positions.Select(p => Policies[p]).Where(p => p.Affects(direction));
    }
}
