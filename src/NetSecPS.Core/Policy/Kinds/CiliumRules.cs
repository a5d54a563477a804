using System.Text.Json.Nodes;
using k8s.Models;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Policy;

/// <summary>The rules of a Cilium policy: peers (L3), ports and ICMP (L4), application-layer conditions (L7).</summary>
internal sealed partial class CiliumPolicyCompiler
{
    /// <summary>
    /// The peers of one rule before they go into compiled rules: a rule whose ports are split (L7
    /// conditions on some of them) becomes several compiled rules with the same peers.
    /// </summary>
    private sealed class PeerSet
    {
        public PeerSet(ClassSet classes) => Classes = classes;

        /// <summary>Some L3 field lists a peer; without one the rule matches every peer (an L4-only rule).</summary>
        public bool HasL3 { get; set; }
        public ClassSet Classes { get; }
        public List<RulePeer> Peers { get; } = new();
        public List<(string Where, string Cidr, List<string>? Except, string? Text)> Cidrs { get; } = new();
        public List<string> Undecided { get; } = new();
        public bool UndecidedOnlyForAddresses { get; set; }
    }

    private static readonly string[] IngressL3 = { "fromEndpoints", "fromCIDR", "fromCIDRSet", "fromEntities", "fromGroups", "fromNodes" };
    private static readonly string[] EgressL3 = { "toEndpoints", "toCIDR", "toCIDRSet", "toEntities", "toServices", "toFQDNs", "toGroups", "toNodes" };

    private void CompileRule(KubeObject obj, CompiledPolicy policy, TrafficDirection direction, RuleAction action, JsonObject rule, string where)
    {
        var ingress = direction == TrafficDirection.Ingress;
        foreach (var (key, _) in rule)
        {
            var known = (ingress ? IngressL3 : EgressL3).Contains(key) || key is "toPorts" or "icmps" or "authentication"
                || key == (ingress ? "fromRequires" : "toRequires");
            if (!known)
            {
                context.Diagnose(obj, DiagnosticSeverity.Warning, "UnsupportedField", $"{where}: '{key}' is not a field of an {(ingress ? "ingress" : "egress")}{(action == RuleAction.Deny ? " deny" : string.Empty)} rule; it is ignored.");
            }
        }

        if (rule["authentication"] is JsonObject auth && PolicyCompileContext.Str(auth["mode"]) is { } mode && mode != "disabled")
        {
            context.NoteUndecided($"{policy} {where} requires mutual authentication ({mode}); whether peers authenticate is not known statically, the rule is evaluated as if they do.");
        }

        var peers = CompilePeers(obj, policy, direction, action, rule, where);
        var segments = CompilePorts(obj, direction, action, rule, where);
        if (peers is null)
        {
            return;
        }

        if (!peers.HasL3 && segments is null)
        {
            // "- {}" selects no peer and no port: it only makes the endpoint default-deny in this direction.
            AddRequirements(obj, policy, direction, rule, where);
            return;
        }

        segments ??= new List<(PortSpec, string?, bool)> { (PortSpec.AllPorts, null, false) };
        foreach (var (ports, l7, dnsProxy) in segments)
        {
            var name = segments.Count == 1 ? where : $"{where} {(l7 is null ? "L4" : "L7")} {ports.Text}";
            var compiled = new CompiledRule(policy, direction, policy.Rules(direction).Count, name, action, ports)
            {
                Classes = context.NewClassSet(),
                AllPeers = !peers.HasL3,
                Condition = l7,
                AddressesMatchPods = cilium.CidrRulesMatchPods && context.Options.AddressRulesMatchPods,
                UndecidedOnlyForAddresses = peers.UndecidedOnlyForAddresses,
            };

            if (compiled.AllPeers)
            {
                // A rule with ports and no L3 selector admits those ports from every peer: pods, nodes and the world.
                compiled.PeersText = "any peer (no L3 selector: every pod, node and address)";
            }
            else
            {
                compiled.Classes.UnionWith(peers.Classes);
                compiled.Peers.AddRange(peers.Peers);
                foreach (var (at, cidr, except, text) in peers.Cidrs)
                {
                    if (context.AddressPeer(obj, at, cidr, except, compiled) is { } block)
                    {
                        compiled.Peers.Add(text is null ? block : block with { Text = text });
                    }
                }

                compiled.Undecided.AddRange(peers.Undecided);
                context.FinishPeers(compiled);
            }

            if (dnsProxy)
            {
                dnsProxyRules.Add(compiled);
            }

            policy.Rules(direction).Add(compiled);
        }

        AddRequirements(obj, policy, direction, rule, where);
    }

    // ------------------------------------------------------------------ L3

    private PeerSet? CompilePeers(KubeObject obj, CompiledPolicy policy, TrafficDirection direction, RuleAction action, JsonObject rule, string where)
    {
        var ingress = direction == TrafficDirection.Ingress;
        var set = new PeerSet(context.NewClassSet());
        foreach (var key in ingress ? IngressL3 : EgressL3)
        {
            if (rule[key] is not { } node)
            {
                continue;
            }

            if (node is not JsonArray list)
            {
                context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPeer", $"{where}.{key} must be a list; it is ignored.");
                continue;
            }

            if (list.Count == 0)
            {
                continue;
            }

            if (action == RuleAction.Deny && key == "toFQDNs")
            {
                context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPeer", $"{where}: deny rules cannot name toFQDNs; the peer is ignored.");
                continue;
            }

            set.HasL3 = true;
            for (var i = 0; i < list.Count; i++)
            {
                var at = $"{where}.{key}[{i}]";
                switch (key)
                {
                    case "fromEndpoints" or "toEndpoints":
                        EndpointPeer(obj, policy, set, list[i], at);
                        break;
                    case "fromCIDR" or "toCIDR":
                        CidrPeer(obj, set, PolicyCompileContext.Str(list[i]), null, at, null);
                        break;
                    case "fromCIDRSet" or "toCIDRSet":
                        CidrSetPeer(obj, set, list[i], at);
                        break;
                    case "fromEntities" or "toEntities":
                        EntityPeer(obj, set, PolicyCompileContext.Str(list[i]), at);
                        break;
                    case "fromNodes" or "toNodes":
                        NodesPeer(obj, set, list[i], at);
                        break;
                    case "toServices":
                        ServicePeer(obj, policy, set, list[i], at);
                        break;
                    case "toFQDNs":
                        FqdnPeer(obj, set, list[i], at);
                        break;
                    default:
                        // fromGroups/toGroups: cloud provider groups (AWS security groups), resolved by the operator at run time.
                        var text = $"cloud provider group {list[i]?.ToJsonString()} (not evaluated)";
                        set.Peers.Add(new RulePeer { Kind = RulePeerKind.Other, Text = text });
                        set.Undecided.Add($"{text}: its members are known only to the cloud provider; the peer matches nothing here");
                        context.NoteUndecided($"{policy} {where} names {text}, which a static analysis cannot resolve; the peer matches nothing in the connectivity.");
                        break;
                }
            }
        }

        return set;
    }

    /// <summary>
    /// <c>fromEndpoints</c>/<c>toEndpoints</c>: pods by the labels of their Cilium identity. In a
    /// namespaced policy a selector that names neither the namespace nor a namespace label matches
    /// only pods of the policy's namespace; a cluster-wide policy's selects in every namespace
    /// (<c>{}</c> is every pod, never a node or the world).
    /// </summary>
    private void EndpointPeer(KubeObject obj, CompiledPolicy policy, PeerSet set, JsonNode? node, string at)
    {
        var parsed = CiliumSelector.Parse(node ?? new JsonObject(), out var error);
        if (parsed is null)
        {
            context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidSelector", $"{at} is invalid ({error}); the peer is ignored.");
            return;
        }

        if (parsed.Entity is { } entity)
        {
            EntityPeer(obj, set, entity, at);
            return;
        }

        var confined = policy.Namespace is not null && !parsed.LeavesNamespace;
        List<string> namespaces;
        NamespaceScope scope;
        string nsText;
        if (confined)
        {
            namespaces = new List<string> { policy.Namespace! };
            scope = NamespaceScope.Own;
            nsText = $"namespace {policy.Namespace}";
        }
        else if (parsed.NamespacePart.IsEverything)
        {
            namespaces = AllNamespaces;
            scope = NamespaceScope.All;
            nsText = "every namespace";
        }
        else
        {
            namespaces = AllNamespaces.Where(n => parsed.NamespacePart.Matches(CiliumSelector.NamespaceView(n, NamespaceLabels(n)))).ToList();
            scope = NamespaceScope.Selected;
            nsText = $"namespaces {parsed.NamespacePart}";
        }

        var matched = context.PodsMatching(namespaces, parsed.Selector);
        set.Classes.UnionWith(matched);
        var pod = parsed.PodPart;
        set.Peers.Add(context.PodsPeer(scope, namespaces, matched, pod.IsEverything,
            (pod.IsEverything ? "every pod" : $"pods {pod}") + " in " + nsText,
            scope == NamespaceScope.Own ? null : parsed.NamespacePart.ToString(), pod.ToString()));
    }

    private IReadOnlyDictionary<string, string> NamespaceLabels(string ns) =>
        context.Classes.NamespaceLabels.TryGetValue(ns, out var l) ? l
        : context.Classes.Classes.FirstOrDefault(c => c.Namespace == ns)?.NamespaceLabels ?? new Dictionary<string, string>();

    /// <summary>
    /// CIDR peers match addresses outside the cluster only: "CIDR rules do not apply to traffic
    /// where both sides of the connection are either managed by Cilium or use an IP belonging to a
    /// node in the cluster" (unless <c>policy-cidr-match-mode</c> says otherwise).
    /// </summary>
    private void CidrPeer(KubeObject obj, PeerSet set, string? cidr, List<string>? except, string at, string? text)
    {
        var normal = NormalizeCidr(cidr);
        if (normal is null || !IpRange.TryParseCidr(normal, out _, out _))
        {
            context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidCidr", $"{at}: '{cidr}' is not a valid CIDR; the peer is ignored.");
            return;
        }

        var holes = new List<string>();
        foreach (var e in except ?? new List<string>())
        {
            var n = NormalizeCidr(e);
            if (n is null || !IpRange.TryParseCidr(n, out _, out _))
            {
                context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidCidr", $"{at}: except entry '{e}' is not a valid CIDR; the peer is ignored.");
                return;
            }

            holes.Add(n);
        }

        set.Cidrs.Add((at, normal, holes.Count == 0 ? null : holes, text));
    }

    /// <summary>Cilium accepts a bare address where a CIDR is expected: a /32 or /128.</summary>
    private static string? NormalizeCidr(string? cidr)
    {
        if (string.IsNullOrWhiteSpace(cidr))
        {
            return null;
        }

        var t = cidr.Trim();
        return t.Contains('/', StringComparison.Ordinal) ? t : t + (t.Contains(':', StringComparison.Ordinal) ? "/128" : "/32");
    }

    /// <summary><c>fromCIDRSet</c>/<c>toCIDRSet</c>: a <c>cidr</c>, or the external CIDRs of CiliumCIDRGroups by name or labels, each less its <c>except</c> ranges.</summary>
    private void CidrSetPeer(KubeObject obj, PeerSet set, JsonNode? node, string at)
    {
        if (node is not JsonObject entry)
        {
            context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPeer", $"{at} must be an object with cidr, cidrGroupRef or cidrGroupSelector; it is ignored.");
            return;
        }

        var except = entry["except"] is JsonArray ex ? ex.Select(PolicyCompileContext.Str).OfType<string>().ToList() : null;
        if (PolicyCompileContext.Str(entry["cidr"]) is { } cidr)
        {
            CidrPeer(obj, set, cidr, except, at, null);
            return;
        }

        List<CiliumCluster.CidrGroup> chosen;
        string what;
        if (PolicyCompileContext.Str(entry["cidrGroupRef"]) is { } reference)
        {
            what = $"CiliumCIDRGroup {reference}";
            chosen = groups.TryGetValue(reference, out var g) ? new List<CiliumCluster.CidrGroup> { g } : new List<CiliumCluster.CidrGroup>();
            if (chosen.Count == 0)
            {
                var text = $"{what} (not in the snapshot)";
                set.Peers.Add(new RulePeer { Kind = RulePeerKind.Other, Text = text });
                set.Undecided.Add($"{text}: its CIDRs are unknown; the peer matches nothing here");
                set.UndecidedOnlyForAddresses = true;
                context.Diagnose(obj, DiagnosticSeverity.Warning, "MissingCidrGroup", $"{at}: cidrGroupRef names {what}, which the snapshot does not hold; the peer matches nothing here.");
                return;
            }
        }
        else if (entry["cidrGroupSelector"] is { } selectorNode)
        {
            var selector = LabelSelector.Parse(selectorNode, out var error);
            if (error is not null)
            {
                context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidSelector", $"{at}: cidrGroupSelector is invalid ({error}); the peer is ignored.");
                return;
            }

            what = $"CiliumCIDRGroups {selector}";
            chosen = groups.Values.Where(g => selector.Matches(g.Labels)).OrderBy(g => g.Name, StringComparer.Ordinal).ToList();
            if (chosen.Count == 0)
            {
                set.Peers.Add(new RulePeer { Kind = RulePeerKind.Other, Text = $"{what} (none in the snapshot)" });
                return;
            }
        }
        else
        {
            context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPeer", $"{at} sets none of cidr, cidrGroupRef and cidrGroupSelector; it is ignored.");
            return;
        }

        foreach (var group in chosen)
        {
            foreach (var c in group.Cidrs)
            {
                var text = $"{c}{(except is { Count: > 0 } ? " except " + string.Join(", ", except) : string.Empty)} (CiliumCIDRGroup {group.Name})";
                CidrPeer(obj, set, c, except, $"{at} (CiliumCIDRGroup {group.Name})", text);
            }
        }
    }

    /// <summary>
    /// Cilium's entities. For pod reachability: <c>cluster</c> is every pod and every node,
    /// <c>world</c> every address outside the cluster (as CIDR 0.0.0.0/0 and ::/0), <c>all</c> both,
    /// <c>host</c> the pod's own node, <c>remote-node</c> the other nodes; <c>kube-apiserver</c>,
    /// <c>health</c>, <c>init</c>, <c>ingress</c> and <c>unmanaged</c> are no pod, node or address
    /// of the snapshot.
    /// </summary>
    private void EntityPeer(KubeObject obj, PeerSet set, string? entity, string at)
    {
        var nodes = context.Classes.Nodes;
        switch (entity)
        {
            case "all":
                EntityPeer(obj, set, "cluster", at);
                EntityPeer(obj, set, "world", at);
                return;
            case "world":
                set.Cidrs.Add((at, "0.0.0.0/0", null, "entity world (0.0.0.0/0)"));
                set.Cidrs.Add((at, "::/0", null, "entity world (::/0)"));
                return;
            case "world-ipv4":
                set.Cidrs.Add((at, "0.0.0.0/0", null, "entity world-ipv4 (0.0.0.0/0)"));
                return;
            case "world-ipv6":
                set.Cidrs.Add((at, "::/0", null, "entity world-ipv6 (::/0)"));
                return;
            case "cluster":
            {
                var pods = context.PodsMatching(AllNamespaces, LabelSelector.Everything);
                set.Classes.UnionWith(pods);
                if (nodes is { } n)
                {
                    set.Classes.Add(n.Local.Index);
                    set.Classes.Add(n.Remote.Index);
                }

                set.Peers.Add(context.PodsPeer(NamespaceScope.All, AllNamespaces, pods, true, "entity cluster (every pod and node of the cluster)"));
                return;
            }

            case "host" or "remote-node":
            {
                var local = entity == "host";
                if (nodes is { } n)
                {
                    set.Classes.Add(local ? n.Local.Index : n.Remote.Index);
                }

                set.Peers.Add(new RulePeer
                {
                    Kind = RulePeerKind.Nodes,
                    Text = local ? "entity host (the pod's own node and its host-network pods)" : "entity remote-node (every other node and its host-network pods)",
                });
                return;
            }

            case "kube-apiserver" or "health" or "init" or "ingress" or "unmanaged":
                set.Peers.Add(new RulePeer { Kind = RulePeerKind.Other, Text = $"entity {entity} ({EntityMeaning(entity)}; no peer of the snapshot)" });
                return;
            default:
                context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPeer", $"{at}: '{entity}' is not a Cilium entity (all, world, world-ipv4, world-ipv6, cluster, host, remote-node, kube-apiserver, health, init, ingress, unmanaged); it is ignored.");
                return;
        }
    }

    private static string EntityMeaning(string entity) => entity switch
    {
        "kube-apiserver" => "the Kubernetes API server",
        "health" => "Cilium's health endpoints",
        "init" => "endpoints whose identity is not resolved yet",
        "ingress" => "Cilium's Envoy ingress",
        _ => "endpoints Cilium does not manage",
    };

    /// <summary>
    /// <c>fromNodes</c>/<c>toNodes</c>: nodes by their labels, only with
    /// <c>enable-node-selector-labels</c>. The model's node peers are "the pod's own node" and
    /// "another node", so a selector that matches some nodes and not others cannot be decided.
    /// </summary>
    private void NodesPeer(KubeObject obj, PeerSet set, JsonNode? node, string at)
    {
        var selector = LabelSelector.Parse(node, out var error);
        if (error is not null)
        {
            context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidSelector", $"{at}: node selector is invalid ({error}); the peer is ignored.");
            return;
        }

        var text = selector.IsEverything ? "every node" : $"nodes {selector}";
        if (!cilium.NodeSelectorLabels)
        {
            context.Diagnose(obj, DiagnosticSeverity.Warning, "UnsupportedPeer", $"{at}: node selectors take effect only with cilium-config enable-node-selector-labels; the peer matches nothing here.");
            set.Peers.Add(new RulePeer { Kind = RulePeerKind.Nodes, Text = $"{text} (without enable-node-selector-labels: no effect)" });
            return;
        }

        var nodes = context.Cluster.Data.TypedWithSource<V1Node>().ToList();
        var matching = nodes.Count(n => selector.Matches(new Dictionary<string, string>(n.Model.Metadata?.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal)));
        var peers = context.Classes.Nodes;
        if (selector.IsEverything || (nodes.Count > 0 && matching == nodes.Count))
        {
            if (peers is { } p)
            {
                set.Classes.Add(p.Local.Index);
                set.Classes.Add(p.Remote.Index);
            }

            set.Peers.Add(new RulePeer { Kind = RulePeerKind.Nodes, Text = $"{text} (every node)" });
            return;
        }

        set.Peers.Add(new RulePeer { Kind = RulePeerKind.Nodes, Text = $"{text} ({matching} of {nodes.Count} nodes; not evaluated)" });
        if (matching > 0 || nodes.Count == 0)
        {
            set.Undecided.Add($"{text}: whether a connection's node is one of them depends on where the pods run; the peer matches no node here");
        }
    }

    /// <summary>
    /// <c>toServices</c>: "Services based rules will only take effect on Kubernetes services
    /// without a selector": their endpoints' addresses, when the snapshot holds the service's
    /// EndpointSlices or Endpoints.
    /// </summary>
    private void ServicePeer(KubeObject obj, CompiledPolicy policy, PeerSet set, JsonNode? node, string at)
    {
        var services = context.Cluster.Data.TypedWithSource<V1Service>().Select(s => (s.Object, Service: s.Model)).ToList();
        List<(KubeObject Object, V1Service Service)> chosen;
        string what;
        if (node?["k8sService"] is JsonObject named)
        {
            var ns = PolicyCompileContext.Str(named["namespace"]) ?? policy.Namespace ?? "default";
            var name = PolicyCompileContext.Str(named["serviceName"]) ?? string.Empty;
            what = $"service {ns}/{name}";
            chosen = services.Where(s => (s.Object.Namespace ?? "default") == ns && s.Object.Name == name).ToList();
        }
        else if (node?["k8sServiceSelector"] is JsonObject bySelector)
        {
            var selector = LabelSelector.Parse(bySelector["selector"], out var error);
            if (error is not null)
            {
                context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidSelector", $"{at}: k8sServiceSelector.selector is invalid ({error}); the peer is ignored.");
                return;
            }

            var ns = PolicyCompileContext.Str(bySelector["namespace"]) ?? policy.Namespace;
            what = $"services {selector}{(ns is null ? string.Empty : " in namespace " + ns)}";
            chosen = services.Where(s => (ns is null || (s.Object.Namespace ?? "default") == ns)
                && selector.Matches(new Dictionary<string, string>(s.Service.Metadata?.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal))).ToList();
        }
        else
        {
            context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPeer", $"{at} sets neither k8sService nor k8sServiceSelector; it is ignored.");
            return;
        }

        var withSelector = chosen.Where(s => s.Service.Spec?.Selector is { Count: > 0 }).ToList();
        if (withSelector.Count > 0)
        {
            context.Diagnose(obj, DiagnosticSeverity.Warning, "ServiceWithSelector", $"{at}: {string.Join(", ", withSelector.Select(s => s.Object.Namespace + "/" + s.Object.Name))} " +
                "has a pod selector; toServices takes effect only on services without one (allow the backend pods with toEndpoints), so it matches nothing here.");
        }

        var addresses = chosen.Except(withSelector).SelectMany(s => EndpointAddresses(s.Object.Namespace ?? "default", s.Object.Name)).Distinct(StringComparer.Ordinal).ToList();
        if (addresses.Count == 0)
        {
            var text = $"{what} ({(chosen.Count == 0 ? "not in the snapshot" : withSelector.Count == chosen.Count ? "has a selector: no effect" : "endpoints not in the snapshot")})";
            set.Peers.Add(new RulePeer { Kind = RulePeerKind.Other, Text = text });
            if (withSelector.Count != chosen.Count || chosen.Count == 0)
            {
                set.Undecided.Add($"{text}: the service's endpoint addresses are unknown; the peer matches nothing here");
                set.UndecidedOnlyForAddresses = true;
            }

            return;
        }

        foreach (var address in addresses)
        {
            CidrPeer(obj, set, address, null, at, $"{address} (endpoint of {what})");
        }
    }

    /// <summary>The addresses of a service's EndpointSlices (or Endpoints) in the snapshot.</summary>
    private IEnumerable<string> EndpointAddresses(string ns, string service)
    {
        foreach (var slice in context.Cluster.Data.OfKind("EndpointSlice"))
        {
            if ((slice.Namespace ?? "default") == ns && slice.Raw?["metadata"]?["labels"]?["kubernetes.io/service-name"]?.ToString() == service)
            {
                foreach (var ep in slice.Raw?["endpoints"] as JsonArray ?? new JsonArray())
                {
                    foreach (var a in ep?["addresses"] as JsonArray ?? new JsonArray())
                    {
                        if (PolicyCompileContext.Str(a) is { } s)
                        {
                            yield return s;
                        }
                    }
                }
            }
        }

        foreach (var endpoints in context.Cluster.Data.OfKind("Endpoints"))
        {
            if ((endpoints.Namespace ?? "default") == ns && endpoints.Name == service)
            {
                foreach (var subset in endpoints.Raw?["subsets"] as JsonArray ?? new JsonArray())
                {
                    foreach (var a in subset?["addresses"] as JsonArray ?? new JsonArray())
                    {
                        if (PolicyCompileContext.Str(a?["ip"]) is { } s)
                        {
                            yield return s;
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// <c>toFQDNs</c>: the addresses Cilium's DNS proxy sees in answers for these names, known
    /// only at run time. The peer matches nothing here and the verdicts on external destinations
    /// say so.
    /// </summary>
    private void FqdnPeer(KubeObject obj, PeerSet set, JsonNode? node, string at)
    {
        var name = PolicyCompileContext.Str(node?["matchName"]);
        var pattern = PolicyCompileContext.Str(node?["matchPattern"]);
        if (name is null && pattern is null)
        {
            context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPeer", $"{at} sets neither matchName nor matchPattern; it is ignored.");
            return;
        }

        var text = name is not null ? $"FQDN {name}" : $"FQDN pattern {pattern}";
        set.Peers.Add(new RulePeer { Kind = RulePeerKind.DomainNames, Text = text + " (not evaluated)" });
        set.Undecided.Add($"{text}: the addresses it resolves to are learnt at run time by Cilium's DNS proxy; the peer matches no address here");
        set.UndecidedOnlyForAddresses = true;
        context.NoteUndecided($"{obj.Kind} {(obj.Namespace is null ? obj.Name : obj.Namespace + "/" + obj.Name)} {at} names {text}, which a static analysis cannot resolve; the peer matches no address in the connectivity.");
    }

    /// <summary>
    /// <c>fromRequires</c>/<c>toRequires</c>: requirements every endpoint peer must also meet.
    /// Read as a Deny of the pods that do not meet them (the requirements narrow endpoint
    /// selectors only; a pod admitted by an entity such as <c>cluster</c> is denied here too).
    /// </summary>
    private void AddRequirements(KubeObject obj, CompiledPolicy policy, TrafficDirection direction, JsonObject rule, string where)
    {
        var key = direction == TrafficDirection.Ingress ? "fromRequires" : "toRequires";
        if (rule[key] is not JsonArray list || list.Count == 0)
        {
            return;
        }

        var meets = context.PodsMatching(AllNamespaces, LabelSelector.Everything);
        var texts = new List<string>();
        foreach (var node in list)
        {
            var parsed = CiliumSelector.Parse(node, out var error);
            if (parsed is null || parsed.Entity is not null)
            {
                context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidSelector", $"{where}.{key}: a requirement is invalid ({error ?? "an entity"}); it is ignored.");
                continue;
            }

            var confined = policy.Namespace is not null && !parsed.LeavesNamespace;
            meets.IntersectWith(context.PodsMatching(confined ? new List<string> { policy.Namespace! } : AllNamespaces, parsed.Selector));
            texts.Add(confined ? $"{parsed.Selector} in namespace {policy.Namespace}" : parsed.Selector.ToString());
        }

        var denied = context.PodsMatching(AllNamespaces, LabelSelector.Everything);
        denied.ExceptWith(meets);
        var compiled = new CompiledRule(policy, direction, policy.Rules(direction).Count, $"{where}.{key}", RuleAction.Deny, PortSpec.AllPorts)
        {
            Classes = denied,
        };
        compiled.Peers.Add(new RulePeer { Kind = RulePeerKind.Pods, Text = $"pods that do not meet {string.Join(" and ", texts)}", NamespaceScope = NamespaceScope.All });
        compiled.PeersText = compiled.Peers[0].Text;
        policy.Rules(direction).Add(compiled);
    }
}
