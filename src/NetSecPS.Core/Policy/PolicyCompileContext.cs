using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Policy;

/// <summary>
/// What a policy kind compiles against: the peer classes, selector evaluation (cached, as many
/// policies repeat the same selectors), address peers, tiers, and diagnostics that name the object
/// and the reason. Invalid parts of a policy become diagnostics; the rest of it and the other
/// policies go on.
/// </summary>
internal sealed class PolicyCompileContext
{
    private readonly Dictionary<(PolicyLayer, string), Tier> tiers = new();
    private readonly List<(string Name, IReadOnlyDictionary<string, string> Labels)> namespaces = new();
    private readonly Dictionary<string, List<PeerClass>> classesByNamespace = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ClassSet> podCache = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> namespaceCache = new(StringComparer.Ordinal);
    private readonly List<string> undecided = new();

    public PolicyCompileContext(ClusterModel cluster, ConnectivityOptions options, PeerClassBuilder.Result classes, TierPlan plan, IOutputSink sink,
        CancellationToken cancellationToken = default)
    {
        CancellationToken = cancellationToken;
        Cluster = cluster;
        Options = options;
        Classes = classes;
        Plan = plan;
        Sink = sink;
        foreach (var (name, labels) in classes.NamespaceLabels)
        {
            namespaces.Add((name, labels));
        }

        foreach (var c in classes.Classes)
        {
            // Node peers belong to no namespace: only entities and node selectors match them.
            if (c.Kind == PeerClassKind.Node)
            {
                continue;
            }

            if (!classes.NamespaceLabels.ContainsKey(c.Namespace) && !namespaces.Any(n => n.Name == c.Namespace))
            {
                namespaces.Add((c.Namespace, c.NamespaceLabels));
            }

            if (!classesByNamespace.TryGetValue(c.Namespace, out var list))
            {
                classesByNamespace[c.Namespace] = list = new List<PeerClass>();
            }

            list.Add(c);
        }
    }

    public ClusterModel Cluster { get; }
    public ConnectivityOptions Options { get; }
    public PeerClassBuilder.Result Classes { get; }
    public TierPlan Plan { get; }
    public IOutputSink Sink { get; }

    public int ClassCount => Classes.Classes.Count;

    public List<IpRange> IngressCuts { get; } = new();
    public List<IpRange> EgressCuts { get; } = new();

    /// <summary>Set by the Istio kind: which pods run a sidecar, their identities and each flow's mutual TLS.</summary>
    public IstioMeshModel? Mesh { get; set; }

    /// <summary>Set by a kind whose rules name ICMP or IP protocols by number.</summary>
    public bool NamesNonPortProtocols { get; set; }

    public IReadOnlyCollection<Tier> AllTiers => tiers.Values;

    public IReadOnlyList<string> UndecidedNotes => undecided;

    public ClassSet NewClassSet() => new(ClassCount);

    /// <summary>The tier of that layer and name, created on first use.</summary>
    public Tier Tier(PolicyLayer layer, string name, double order, TierKind kind, NoMatchAction noMatch, string description)
    {
        if (!tiers.TryGetValue((layer, name), out var tier))
        {
            tiers[(layer, name)] = tier = new Tier(layer, name, order, kind, noMatch, description);
        }

        return tier;
    }

    /// <summary>A cancelled pipeline stops the compilation here, once per policy.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>Adds a compiled policy to a tier; a cancelled pipeline stops here.</summary>
    public void Add(Tier tier, CompiledPolicy policy)
    {
        CancellationToken.ThrowIfCancellationRequested();
        policy.Tier = tier;
        tier.Policies.Add(policy);
    }

    /// <summary>Records, once, something the model cannot decide statically (for coverage and reports).</summary>
    public void NoteUndecided(string sentence)
    {
        if (!undecided.Contains(sentence))
        {
            undecided.Add(sentence);
        }
    }

    // ---------------------------------------------------------------- selectors

    /// <summary>Names of the namespaces (real, implied, and the synthetic peers' own) whose labels match.</summary>
    public List<string> NamespacesMatching(LabelSelector selector) =>
        NamespacesMatching("k8s:" + selector.Canonical, selector.Matches);

    /// <summary>Names of the namespaces whose labels satisfy a predicate; <paramref name="cacheKey"/> identifies the predicate.</summary>
    public List<string> NamespacesMatching(string cacheKey, Func<IReadOnlyDictionary<string, string>, bool> matches)
    {
        if (!namespaceCache.TryGetValue(cacheKey, out var list))
        {
            list = namespaces.Where(n => matches(n.Labels)).Select(n => n.Name).ToList();
            namespaceCache[cacheKey] = list;
        }

        return list;
    }

    /// <summary>
    /// Non-host-network classes in the namespaces whose pod labels match (with the labels the CNI
    /// adds to pods, when the plan says it adds some: <see cref="TierPlan.PodLabels"/>).
    /// </summary>
    public ClassSet PodsMatching(List<string> inNamespaces, LabelSelector podSelector) =>
        Plan.PodLabels is { } labelsOf
            ? PodsMatching(inNamespaces, "k8s:" + podSelector.Canonical, (_, c) => podSelector.Matches(labelsOf(c)))
            : PodsMatching(inNamespaces, "k8s:" + podSelector.Canonical, podSelector.Matches);

    /// <summary>
    /// Non-host-network classes in the namespaces whose pods satisfy a predicate over (labels,
    /// class); <paramref name="cacheKey"/> identifies the predicate. A fresh set the caller may change.
    /// </summary>
    public ClassSet PodsMatching(List<string> inNamespaces, string cacheKey, Func<IReadOnlyDictionary<string, string>, bool> matches) =>
        PodsMatching(inNamespaces, cacheKey, (labels, _) => matches(labels));

    public ClassSet PodsMatching(List<string> inNamespaces, string cacheKey, Func<IReadOnlyDictionary<string, string>, PeerClass, bool> matches)
    {
        var key = string.Join('\u0001', inNamespaces) + '\u0000' + cacheKey;
        if (!podCache.TryGetValue(key, out var set))
        {
            set = NewClassSet();
            foreach (var ns in inNamespaces)
            {
                if (!classesByNamespace.TryGetValue(ns, out var list))
                {
                    continue;
                }

                foreach (var c in list)
                {
                    if (!c.HostNetwork && matches(c.Labels, c))
                    {
                        set.Add(c.Index);
                    }
                }
            }

            podCache[key] = set;
        }

        return set.Clone();
    }

    /// <summary>The number of real pod classes (not the synthetic peers) in a set.</summary>
    public int RealClasses(ClassSet set) => set.Members().Count(i => Classes.Classes[i].Kind == PeerClassKind.Pod);

    /// <summary>The number of namespaces of the snapshot in a list (not the synthetic peers' own).</summary>
    public int RealNamespaces(List<string> names) => names.Count(n => Classes.NamespaceLabels.ContainsKey(n) || classesByNamespace.TryGetValue(n, out var l) && l.Any(c => c.Kind == PeerClassKind.Pod));

    /// <summary>A pods peer from a namespace part and a pod selector, with what it matched.</summary>
    public RulePeer PodsPeer(NamespaceScope scope, List<string> inNamespaces, ClassSet matched, bool everyPod, string text,
        string? namespaceSelectorText = null, string? podSelectorText = null) => new()
    {
        Kind = RulePeerKind.Pods,
        Text = text,
        NamespaceScope = scope,
        EveryPod = everyPod,
        NamespaceSelectorText = namespaceSelectorText,
        PodSelectorText = podSelectorText,
        NamespaceNames = inNamespaces.Where(n => Classes.NamespaceLabels.ContainsKey(n) || classesByNamespace.TryGetValue(n, out var l) && l.Any(c => c.Kind == PeerClassKind.Pod)).ToList(),
        MatchedNamespaces = RealNamespaces(inNamespaces),
        MatchedClasses = RealClasses(matched),
        MatchesArbitraryPod = matched.Contains(Classes.Arbitrary.Index),
    };

    // ---------------------------------------------------------------- addresses

    /// <summary>
    /// An address peer from a CIDR and its exceptions: the addresses it matches, the cuts it
    /// draws on the external address space of its direction, and the rule's "any address" flags.
    /// Null, with a diagnostic, when the CIDR or an exception is invalid.
    /// </summary>
    public RulePeer? AddressPeer(KubeObject obj, string where, string? cidr, IReadOnlyList<string>? except, CompiledRule rule)
    {
        if (!IpRange.TryParseCidr(cidr, out var range, out var prefix))
        {
            Diagnose(obj, DiagnosticSeverity.Error, "InvalidCidr", $"{where}: '{cidr}' is not a valid CIDR; the peer is ignored.");
            return null;
        }

        if (Options.Ipv6AsNetpolAnalyzerReadsIt && range.Family == 6)
        {
            range = range.AsNetpolAnalyzerIpv4(prefix);
            prefix = Math.Min(prefix, 32);
        }

        var holes = new List<IpRange>();
        foreach (var e in except ?? Array.Empty<string>())
        {
            if (!IpRange.TryParseCidr(e, out var hole, out var holePrefix))
            {
                Diagnose(obj, DiagnosticSeverity.Error, "InvalidCidr", $"{where}: except entry '{e}' is not a valid CIDR; the peer is ignored.");
                return null;
            }

            if (Options.Ipv6AsNetpolAnalyzerReadsIt && hole.Family == 6)
            {
                hole = hole.AsNetpolAnalyzerIpv4(holePrefix);
            }

            if (!range.Contains(hole))
            {
                Diagnose(obj, DiagnosticSeverity.Warning, "InvalidCidr", $"{where}: except entry '{e}' is not inside {cidr}, which the API rejects; it removes only what overlaps.");
            }

            holes.Add(hole);
        }

        var set = IpSet.Of(new[] { range }).Subtract(holes);
        (rule.Direction == TrafficDirection.Ingress ? IngressCuts : EgressCuts).AddRange(set.Ranges);
        if (prefix == 0)
        {
            if (range.Family == 4)
            {
                rule.OpenToAnyAddress4 = true;
            }
            else
            {
                rule.OpenToAnyAddress6 = true;
            }
        }

        return new RulePeer
        {
            Kind = RulePeerKind.Addresses,
            Text = holes.Count == 0 ? cidr!.Trim() : $"{cidr!.Trim()} except {string.Join(", ", except!)}",
            Block = range,
            PrefixLength = prefix,
            Except = holes,
            Addresses = set,
        };
    }

    /// <summary>
    /// Completes a rule's peers: its addresses are the union of its address peers; host-network
    /// classes match by their node address (their traffic carries it); with
    /// <see cref="CompiledRule.AddressesMatchPods"/>, pod classes whose address the rule holds
    /// match too, and classes whose address is unknown are marked as depending on it.
    /// </summary>
    public void FinishPeers(CompiledRule rule)
    {
        var all = IpSet.Empty;
        foreach (var p in rule.Peers.Where(p => p.Kind is RulePeerKind.Addresses or RulePeerKind.Nodes))
        {
            all = all.Union(p.Addresses);
        }

        rule.Addresses = all;
        var matchPods = rule.AddressesMatchPods && Options.AddressRulesMatchPods && !all.IsEmpty;
        var anyClassMatches = !all.IsEmpty || rule.OpenToAnyAddress4 || rule.OpenToAnyAddress6;
        foreach (var c in anyClassMatches ? Classes.Classes : Array.Empty<PeerClass>())
        {
            if (c.Kind == PeerClassKind.Node)
            {
                // Where node peers exist (Cilium), addresses match external peers only (policy-cidr-match-mode aside).
                continue;
            }

            if (c.HostNetwork)
            {
                var matches = c.HostAddress is { } host ? all.Contains(host) : rule.OpenToAnyAddress4;
                if (matches)
                {
                    rule.Classes.Add(c.Index);
                }

                continue;
            }

            if (!matchPods)
            {
                continue;
            }

            if (c.AddressInterval is { } interval)
            {
                if (all.Contains(interval))
                {
                    rule.Classes.Add(c.Index);
                }
            }
            else if (c.AddressFamily == 6 ? rule.OpenToAnyAddress6 : rule.OpenToAnyAddress4)
            {
                rule.Classes.Add(c.Index);
            }
            else if (c.Kind == PeerClassKind.Pod && all.Ranges.Any(r => r.Family == (c.AddressFamily == 6 ? 6 : 4) && MayHoldPodAddresses(r)))
            {
                (rule.AddressDependent ??= NewClassSet()).Add(c.Index);
            }
        }

        if (rule.AddressDependent is not null)
        {
            NoteUndecided($"{rule.Reference} names {string.Join(", ", rule.Peers.Where(p => p.Kind == RulePeerKind.Addresses).Select(p => p.Text))}, which may hold the addresses of pods whose address the snapshot does not know; those pods are taken to be outside it.");
        }

        rule.PeersText = rule.Peers.Count == 0 ? "no valid peer" : string.Join("; ", rule.Peers.Select(p => p.Text));
    }

    /// <summary>
    /// Pod networks are private, shared or unique local ranges (<see cref="AddressSpace.PodNetworks"/>):
    /// a CIDR outside them cannot hold a pod's unknown address, so it does not make the verdict depend on it.
    /// </summary>
    private static bool MayHoldPodAddresses(IpRange range) => AddressSpace.PodNetworks.Ranges.Any(i => i.Overlaps(range));

    // ---------------------------------------------------------------- diagnostics and JSON

    public void Diagnose(KubeObject obj, DiagnosticSeverity severity, string code, string message)
    {
        var who = obj.Namespace is null ? $"{obj.Kind} {obj.Name}" : $"{obj.Kind} {obj.Namespace}/{obj.Name}";
        Sink.Diagnostic(new InputDiagnostic(severity, code, $"{who}: {message}", obj.Source?.File, obj.Source?.Line, obj.Source?.Column, obj.Kind,
            obj.Namespace is null ? obj.Name : obj.Namespace + "/" + obj.Name));
    }

    public static string? Str(JsonNode? n) => n is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    public static int? Int(JsonNode? n)
    {
        if (n is not JsonValue v)
        {
            return null;
        }

        return v.GetValueKind() switch
        {
            JsonValueKind.Number when v.TryGetValue<int>(out var i) => i,
            JsonValueKind.Number when v.TryGetValue<long>(out var l) && l is >= int.MinValue and <= int.MaxValue => (int)l,
            JsonValueKind.Number when v.TryGetValue<double>(out var d) && d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue => (int)d,
            JsonValueKind.String when int.TryParse(v.GetValue<string>(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) => s,
            _ => null,
        };
    }

    public static double? Number(JsonNode? n) =>
        n is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<double>(out var d) ? d
        : n is JsonValue s && s.GetValueKind() == JsonValueKind.String && double.TryParse(s.GetValue<string>(), NumberStyles.Float, CultureInfo.InvariantCulture, out var p) ? p
        : null;
}
