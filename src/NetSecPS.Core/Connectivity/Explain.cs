using System.Globalization;
using NetSecPS.Core.Model;
using NetSecPS.Core.Policy;

namespace NetSecPS.Core.Connectivity;

/// <summary>One end of a connection to test: a workload, a pod, an external address or the ingress controller.</summary>
internal sealed class ConnectionEndpoint
{
    internal ConnectionEndpoint(string name, IReadOnlyList<PeerClass> classes, IpRange? address, Workload? workload, bool ingressController,
        string? node = null, IReadOnlyList<PodInfo>? pods = null)
    {
        Node = node;
        Pods = pods;
        Name = name;
        Classes = classes;
        Address = address;
        Workload = workload;
        IsIngressController = ingressController;
    }

    /// <summary>The peer as connlist names it: <c>ns/name[Kind]</c>, an address, or <c>{ingress-controller}</c>.</summary>
    public string Name { get; }
    public IReadOnlyList<PeerClass> Classes { get; }
    public IpRange? Address { get; }
    public Workload? Workload { get; }
    public bool IsIngressController { get; }

    /// <summary>For a node (<c>host/&lt;node&gt;</c>, where the CNI tells nodes apart from pods): the node's name.</summary>
    public string? Node { get; }

    /// <summary>The pods the endpoint stands for (one for a pod, the workload's for a workload); null for the other kinds.</summary>
    internal IReadOnlyList<PodInfo>? Pods { get; }

    public override string ToString() => Name;
}

internal sealed partial class ConnectivityEngine
{
    /// <summary>
    /// Resolves a peer as users write it: <c>ns/name</c> (a workload of any kind, else a pod),
    /// <c>ns/name[Kind]</c>, an IP address, <c>{ingress-controller}</c>, or, where the CNI tells
    /// nodes apart from pods (Cilium), a node as <c>host/&lt;node&gt;</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The text names no peer of the snapshot, or several.</exception>
    public ConnectionEndpoint ResolveEndpoint(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim();
        if (string.Equals(t, IngressControllerPeer, StringComparison.OrdinalIgnoreCase) || string.Equals(t, "ingress-controller", StringComparison.OrdinalIgnoreCase))
        {
            return new ConnectionEndpoint(IngressControllerPeer, IngressControllerClasses, null, null, true);
        }

        if (IpRange.TryParseAddress(t, out var address))
        {
            return new ConnectionEndpoint(t, Array.Empty<PeerClass>(), address, null, false);
        }

        var slash = t.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == t.Length - 1)
        {
            throw new ArgumentException($"'{text}' is not a peer: write namespace/name, namespace/name[Kind], an IP address or {IngressControllerPeer}.", nameof(text));
        }

        var ns = t[..slash];
        var rest = t[(slash + 1)..];
        string? kind = null;
        if (rest.EndsWith(']') && rest.IndexOf('[', StringComparison.Ordinal) is var open and > 0)
        {
            kind = rest[(open + 1)..^1];
            rest = rest[..open];
        }

        var matches = Model.Workloads.Where(w => string.Equals(w.Namespace, ns, StringComparison.Ordinal) && string.Equals(w.Name, rest, StringComparison.Ordinal) &&
            (kind is null || string.Equals(w.Kind, kind, StringComparison.OrdinalIgnoreCase))).ToList();
        if (matches.Count == 1)
        {
            return new ConnectionEndpoint(matches[0].Peer, ClassesOf(matches[0]), null, matches[0], false, pods: matches[0].Pods);
        }

        if (matches.Count > 1)
        {
            throw new ArgumentException($"'{text}' names several workloads ({string.Join(", ", matches.Select(m => m.Peer))}); add the kind, e.g. {matches[0].Peer}.", nameof(text));
        }

        if (kind is null && Model.Pods.FirstOrDefault(p => p.Namespace == ns && p.Name == rest && !p.FromTemplate) is { } pod && classes.ByPod.TryGetValue(pod, out var podClass))
        {
            return new ConnectionEndpoint(pod.Workload.Peer, new[] { podClass }, null, pod.Workload, false, pods: new[] { pod });
        }

        if (kind is null && ns is "host" or "node")
        {
            if (classes.Nodes is null)
            {
                throw new ArgumentException($"No workload or pod '{t}' in the snapshot. Nodes are peers of their own (host/<node>) only where the CNI tells them apart from pods (Cilium).", nameof(text));
            }

            if (KnownNodes().Contains(rest))
            {
                return new ConnectionEndpoint("host/" + rest, Array.Empty<PeerClass>(), null, null, false, rest);
            }
        }

        throw new ArgumentException($"No workload or pod '{t}' in the snapshot.", nameof(text));
    }

    /// <summary>The nodes the snapshot names: Node objects and the nodes pods run on.</summary>
    private HashSet<string> KnownNodes()
    {
        var names = Model.Data.OfKind("Node").Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
        names.UnionWith(Model.Pods.Select(p => p.Spec?.NodeName).OfType<string>().Where(n => n.Length > 0));
        return names;
    }

    /// <summary>The nodes an endpoint's pods of one class run on (null: unknown); a node endpoint's own node.</summary>
    private IReadOnlyList<string?> NodesOf(ConnectionEndpoint endpoint, PeerClass? c)
    {
        if (endpoint.Node is { } node)
        {
            return new[] { node };
        }

        if (c is null || nodesOfClass is null)
        {
            return new string?[] { null };
        }

        if (endpoint.Pods is { } pods)
        {
            var mine = pods.Where(p => classes.ByPod.TryGetValue(p, out var pc) && pc == c)
                .Select(p => string.IsNullOrEmpty(p.Spec?.NodeName) ? null : p.Spec!.NodeName).Distinct().ToArray();
            if (mine.Length > 0)
            {
                return mine;
            }
        }

        return nodesOfClass[c.Index];
    }

    /// <summary>
    /// A pair of ends as policies see it. Where node peers exist, a node or a host-network pod
    /// facing a pod is that pod's own node or another node (Cilium's host and remote-node).
    /// </summary>
    private IEnumerable<(PeerClass? Source, PeerClass? Destination, string? Note)> AsPolicySees(ConnectionEndpoint from, PeerClass? s, ConnectionEndpoint to, PeerClass? d)
    {
        var fromNode = from.Node is not null || (nodesOfClass is not null && s is { HostNetwork: true });
        var toNode = to.Node is not null || (nodesOfClass is not null && d is { HostNetwork: true });
        if (fromNode && toNode)
        {
            yield return (null, null, null);
            yield break;
        }

        if (fromNode == toNode || (fromNode ? d : s) is null)
        {
            yield return (s, d, null);
            yield break;
        }

        var pod = fromNode ? d! : s!;
        var podEnd = fromNode ? to : from;
        var nodeEnd = fromNode ? from : to;
        foreach (var relation in Relations(NodesOf(nodeEnd, fromNode ? s : d), NodesOf(podEnd, pod)))
        {
            var peer = classes.NodePeer(relation)!;
            var note = relation == NodeRelation.Local
                ? $"{nodeEnd} is on the node {podEnd} runs on: to its policies, the host entity"
                : $"{nodeEnd} is on another node than {podEnd}: to its policies, the remote-node entity";
            yield return fromNode ? (peer, d, note) : (s, peer, note);
        }
    }

    /// <summary>
    /// The connections one end may open to the other, as the flow list computes them: workloads,
    /// pods, external addresses and, where the CNI tells them apart (Cilium), nodes.
    /// </summary>
    public ConnectionSet Between(ConnectionEndpoint from, ConnectionEndpoint to)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        var sources = from.Address is null && from.Node is null ? from.Classes.Select(c => (PeerClass?)c).ToList() : new List<PeerClass?> { null };
        var destinations = to.Address is null && to.Node is null ? to.Classes.Select(c => (PeerClass?)c).ToList() : new List<PeerClass?> { null };
        var result = ConnectionTable.None;
        foreach (var s0 in sources)
        {
            foreach (var d0 in destinations)
            {
                foreach (var (s, d, _) in AsPolicySees(from, s0, to, d0))
                {
                    var c = (s, d) switch
                    {
                        (null, null) => ConnectionTable.All,
                        (null, { } dst) => from.Address is { } a ? Evaluate(ingressPrograms.For(dst.Index), PeerRef.Address(a), dst) : ConnectionTable.All,
                        ({ } src, null) => to.Address is { } a ? Evaluate(egressPrograms.For(src.Index), PeerRef.Address(a), null) : ConnectionTable.All,
                        ({ Kind: PeerClassKind.Node } node, { } dst) => Ingress(dst.Index, node.Index),
                        ({ } src, { Kind: PeerClassKind.Node } node) => Egress(src.Index, node.Index),
                        ({ } src, { } dst) => ClassToClass(src.Index, dst.Index),
                    };
                    result = table.Union(result, c);
                }
            }
        }

        return table[result];
    }

    /// <summary>
    /// Whether one connection is allowed, by which layer, tier, policy and rule, in words.
    /// <paramref name="port"/> is the destination port of TCP, UDP and SCTP; for ICMP and ICMPv6
    /// it is the message type (8: echo request).
    /// </summary>
    public ConnectionVerdict Test(ConnectionEndpoint from, ConnectionEndpoint to, string protocol, int port)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        var normalized = ConnectionSet.NormalizeProtocol(protocol)
            ?? throw new ArgumentException($"Unknown protocol '{protocol}': use TCP, UDP, SCTP, ICMP or ICMPv6 (or an IP protocol number of one of them).", nameof(protocol));
        var icmp = normalized is "ICMP" or "ICMPv6";
        if (icmp ? port is < 0 or > 255 : port is < ConnectionSet.MinPort or > ConnectionSet.MaxPort)
        {
            throw new ArgumentOutOfRangeException(nameof(port), port, icmp ? "An ICMP message type is between 0 and 255." : "A port is between 1 and 65535.");
        }

        protocol = normalized;
        var what = icmp ? string.Create(CultureInfo.InvariantCulture, $"{protocol} type {port}") : string.Create(CultureInfo.InvariantCulture, $"{protocol} {port}");
        if (from.Address is not null && to.Address is not null)
        {
            throw new ArgumentException("Both ends are external addresses: policies only govern connections that start or end at a pod.");
        }

        if (from.Node is not null && (to.Node is not null || to.Address is not null) || to.Node is not null && from.Address is not null)
        {
            return Unrestricted(from, to, protocol, port, "no policy restricts traffic between nodes, or between a node and an external address (host policies are not evaluated)");
        }

        var sources = from.Address is null && from.Node is null ? from.Classes.Select(c => (PeerClass?)c).ToList() : new List<PeerClass?> { null };
        var destinations = to.Address is null && to.Node is null ? to.Classes.Select(c => (PeerClass?)c).ToList() : new List<PeerClass?> { null };
        if (sources.Count == 0 || destinations.Count == 0)
        {
            throw new ArgumentException($"{(sources.Count == 0 ? from : to)} has no pods to evaluate.");
        }

        ConnectionVerdict? first = null;
        foreach (var s0 in sources)
        {
            foreach (var d0 in destinations)
            {
                foreach (var (s, d, note) in AsPolicySees(from, s0, to, d0))
                {
                    if (s is null && d is null)
                    {
                        return Unrestricted(from, to, protocol, port, "no policy restricts traffic between nodes' host networks, or between a node and an external address (host policies are not evaluated)");
                    }

                    var v = TestOne(from, s, to, d, protocol, port, what, note);
                    if (v.Allowed)
                    {
                        return v;
                    }

                    first ??= v;
                }
            }
        }

        return first!;
    }

    /// <summary>One direction's verdict in one layer: the tier, policy and rule that decided, in words.</summary>
    private sealed record Decision(bool Allowed, PolicyLayer Layer, TrafficDirection Direction, Tier? Tier, CompiledPolicy? Policy, CompiledRule? Rule, RuleAction? Action,
        string Text, bool PolicyDecided)
    {
        public PolicyDecision ToPublic() => new()
        {
            Layer = Layer, Direction = Direction, Allowed = Allowed, Tier = Tier?.Name, PolicyKind = Policy?.Kind, Policy = Policy?.DisplayName,
            Rule = Rule?.Name, Action = Action, Text = Text,
        };
    }

    private static ConnectionVerdict Unrestricted(ConnectionEndpoint from, ConnectionEndpoint to, string protocol, int port, string text) => new()
    {
        From = from.Name, To = to.Name, Protocol = protocol, Port = port, Allowed = true, Explanation = "allowed: " + text, Steps = new[] { text },
    };

    private ConnectionVerdict TestOne(ConnectionEndpoint from, PeerClass? s, ConnectionEndpoint to, PeerClass? d, string protocol, int port, string what, string? note = null)
    {
        var steps = new List<string>();
        if (note is not null)
        {
            steps.Add(note);
        }

        var undecided = new List<string>();
        Decision? exposureDenial = null;
        if (from.IsIngressController && d is not null)
        {
            var sources = exposure.SourcesOf(d).Where(e => e.Connections.Contains(protocol, port)).ToList();
            if (sources.Count == 0)
            {
                var text = $"no Ingress, Route or Gateway API route exposes {to} on {what}";
                steps.Add("exposure: " + text);
                exposureDenial = new Decision(false, PolicyLayer.Exposure, TrafficDirection.Ingress, null, null, null, null, text, true);
            }
            else
            {
                steps.Add($"exposure: {string.Join(", ", sources.Select(e => $"{e.Kind} {e.Namespace}/{e.Name} (service {e.Service})"))} exposes {to} on {what}");
            }

            if (s is not null && s.Kind == PeerClassKind.Pod)
            {
                steps.Add($"the ingress controller is {string.Join(", ", s.Workloads.Select(w => w.Peer))}, recognised by its labels");
            }
        }

        var toPeer = d is null ? PeerRef.Address(to.Address!.Value) : PeerRef.Class(d.Index);
        var fromPeer = s is null ? PeerRef.Address(from.Address!.Value) : PeerRef.Class(s.Index);
        var egress = s is null
            ? new List<Decision> { new(true, PolicyLayer.Cni, TrafficDirection.Egress, null, null, null, null, $"{from} is an external address: no policy restricts its egress", false) }
            : Decide(TrafficDirection.Egress, s, from.Name, toPeer, to.Name, d, protocol, port, what, steps, undecided);
        if (s is null)
        {
            steps.Add("egress: " + egress[0].Text);
        }

        var ingress = d is null
            ? new List<Decision> { new(true, PolicyLayer.Cni, TrafficDirection.Ingress, null, null, null, null, $"{to} is an external address: no policy restricts its ingress", false) }
            : Decide(TrafficDirection.Ingress, d, to.Name, fromPeer, from.Name, d, protocol, port, what, steps, undecided);
        if (d is null)
        {
            steps.Add("ingress: " + ingress[0].Text);
        }

        var all = egress.Concat(ingress).ToList();
        var denial = exposureDenial ?? egress.FirstOrDefault(x => !x.Allowed) ?? ingress.FirstOrDefault(x => !x.Allowed);
        Decision verdict;
        string sentence;
        if (denial is not null)
        {
            verdict = denial;
            sentence = "denied: " + denial.Text;
        }
        else
        {
            var decided = all.Where(x => x.PolicyDecided).ToList();
            var egressDecided = egress.Where(x => x.PolicyDecided).ToList();
            var ingressDecided = ingress.Where(x => x.PolicyDecided).ToList();
            verdict = ingressDecided.FirstOrDefault() ?? egressDecided.FirstOrDefault() ?? ingress[0];
            sentence = "allowed: " + (decided.Count == 0
                ? Default(from, to, egress, ingress)
                : string.Join("; ", (ingressDecided.Count > 0 && egressDecided.Count == 0 ? ingress.Concat(egress) : egress.Concat(ingress)).Select(x => x.Text)));
        }

        if (undecided.Count > 0)
        {
            sentence += " (not decidable statically: " + string.Join("; ", undecided) + ")";
        }

        var mtls = MeshTransport(s, d, protocol, port, steps);
        return new ConnectionVerdict
        {
            Mtls = mtls,
            From = from.Name,
            To = to.Name,
            Protocol = protocol,
            Port = port,
            Allowed = denial is null,
            Layer = verdict.Layer,
            Tier = verdict.Tier?.Name,
            PolicyKind = verdict.Policy?.Kind,
            Policy = verdict.Policy?.DisplayName,
            Rule = verdict.Rule?.Name,
            Action = verdict.Action,
            Decisions = (exposureDenial is null ? all : all.Prepend(exposureDenial)).Select(x => x.ToPublic()).ToList(),
            Undecided = undecided,
            Explanation = sentence,
            Steps = steps,
        };
    }

    /// <summary>The mesh transport of one connection (the destination's PeerAuthentication, both ends' sidecars), recorded as a step.</summary>
    private MtlsState MeshTransport(PeerClass? s, PeerClass? d, string protocol, int port, List<string> steps)
    {
        if (policies.Mesh is not { } mesh)
        {
            return MtlsState.None;
        }

        var connection = ConnectionSet.HasPorts(protocol) ? ConnectionSet.Port(protocol, port) : ConnectionSet.AllOf(protocol);
        var sources = s is null ? Array.Empty<int>() : new[] { s.Index };
        var destinations = d is null ? Array.Empty<int>() : new[] { d.Index };
        if (mesh.Annotate(sources, destinations, connection, null) is { } info)
        {
            steps.Add($"mesh transport: {info.Mtls}" + (info.Detail is null ? string.Empty : $" ({info.Detail})"));
            return info.Mtls;
        }

        return MtlsState.None;
    }

    private static string Default(ConnectionEndpoint from, ConnectionEndpoint to, List<Decision> egress, List<Decision> ingress) =>
        egress.Concat(ingress).Any(x => x.Policy is not null || x.Text.Contains("host network", StringComparison.Ordinal))
            ? string.Join("; ", egress.Concat(ingress).Select(x => x.Text))
            : $"no policy restricts egress of {from} or ingress of {to}";

    /// <summary>Walks one direction's tiers, layer by layer, for one connection and records each step.</summary>
    private List<Decision> Decide(TrafficDirection direction, PeerClass subject, string subjectName, PeerRef peer, string peerName, PeerClass? portsOn,
        string protocol, int port, string what, List<string> steps, List<string> undecided)
    {
        var dir = direction == TrafficDirection.Ingress ? "ingress" : "egress";
        if (subject.HostNetwork)
        {
            var text = subject.Kind == PeerClassKind.Node || nodesOfClass is not null
                ? $"{subjectName} is {(subject.Kind == PeerClassKind.Node ? "a node" : "on a node's host network")}: endpoint policies do not apply to its {dir} (host firewall policies are not evaluated)"
                : $"{subjectName} uses the host network: NetworkPolicy and admin policies do not apply to its {dir}";
            steps.Add(dir + ": " + text);
            return new List<Decision> { new(true, PolicyLayer.Cni, direction, null, null, null, null, text, false) };
        }

        var program = ProgramsOf(direction).For(subject.Index);
        var destination = direction == TrafficDirection.Ingress ? subject : portsOn;
        var peerClass = peer.IsClass ? classes.Classes[peer.ClassIndex] : null;
        bool Matched(CompiledRule r) => Matches(r, peer) && table[Resolve(r, destination)].Contains(protocol, port);

        // A rule that holds only for some requests decides no connection when it denies (the mesh refuses those requests at L7).
        bool Holds(CompiledRule r) => !(r.Condition is not null && r.Action == RuleAction.Deny) && Matched(r);

        void NoteUndecided(CompiledRule r)
        {
            if (r.ConditionInMesh && Matched(r))
            {
                var note = r.Action == RuleAction.Deny
                    ? $"{r.Reference} denies requests with {r.Condition}; the connection itself is allowed"
                    : $"{r.Reference} admits only requests with {r.Condition}";
                if (!undecided.Contains(note))
                {
                    undecided.Add(note);
                }
            }

            if (peerClass is not null && r.UndecidedOnlyForAddresses)
            {
                // Domain names and unresolved CIDR groups stand for external addresses: a pod peer is decided exactly.
                return;
            }

            if (peerClass is not null && r.AddressDependent?.Contains(peerClass.Index) == true && table[Resolve(r, destination)].Contains(protocol, port))
            {
                var note = $"whether {r.Reference} ({r.PeersText}) matches {peerName} depends on {peerName}'s pod address, which the snapshot does not know";
                if (!undecided.Contains(note))
                {
                    undecided.Add(note);
                }
            }

            foreach (var u in r.Undecided)
            {
                var note = $"{r.Reference}: {u}";
                if (!undecided.Contains(note))
                {
                    undecided.Add(note);
                }
            }
        }

        var result = new List<Decision>();
        var layers = program.Layers.Length == 0 ? new[] { PolicyLayer.Cni } : program.Layers;
        foreach (var layer in layers)
        {
            var tiers = program.TiersOf(layer).ToList();
            Decision Record(Decision x)
            {
                steps.Add(dir + ": " + x.Text);
                return x;
            }

            Decision? decision = null;
            CompiledRule? passedBy = null;
            var reached = 0;
            foreach (var tp in tiers)
            {
                if (passedBy is not null)
                {
                    NoteSkippedTiers(layer, tiers, tp, subjectName, dir, steps);
                }

                reached++;
                decision = tp.Tier.Kind == TierKind.Ordered
                    ? DecideOrdered(tp, direction, subjectName, peerName, what, Holds, NoteUndecided, steps, ref passedBy)
                    : DecideUnion(tp, direction, subjectName, peer, peerName, what, Holds, NoteUndecided, undecided);
                if (decision is not null)
                {
                    break;
                }
            }

            if (decision is null && passedBy is not null)
            {
                NoteSkippedTiers(layer, tiers, null, subjectName, dir, steps);
                decision = new Decision(true, layer, direction, passedBy.Policy.Tier, passedBy.Policy, passedBy, RuleAction.Pass,
                    $"passed by {passedBy.Policy.Describe()} {passedBy.Label} and no later tier restricts it", true);
            }

            result.Add(Record(decision ?? new Decision(true, layer, direction, null, null, null, null,
                reached == 0 ? $"no policy restricts {dir} of {subjectName}" : $"no rule of the policies that apply to {subjectName} decides {dir} of {what}, and no tier isolates it", false)));
        }

        return result;
    }

    private Decision? DecideOrdered(TierProgram tp, TrafficDirection direction, string subjectName, string peerName, string what,
        Func<CompiledRule, bool> holds, Action<CompiledRule> noteUndecided, List<string> steps, ref CompiledRule? passedBy)
    {
        var dir = direction == TrafficDirection.Ingress ? "ingress" : "egress";
        var layer = tp.Tier.Layer;
        foreach (var r in tp.Rules)
        {
            noteUndecided(r);
            if (!holds(r))
            {
                continue;
            }

            var where = $"{r.Policy.Describe()} {r.Label}";
            switch (r.Action)
            {
                case RuleAction.Allow:
                    return new Decision(true, layer, direction, tp.Tier, r.Policy, r, r.Action, $"{where} allows {peerName} on {what}", true);
                case RuleAction.Deny:
                    return new Decision(false, layer, direction, tp.Tier, r.Policy, r, r.Action, $"{where} denies {peerName} on {what}", true);
                case RuleAction.Log:
                    steps.Add($"{dir}: {where} logs {peerName} on {what} and goes on");
                    continue;
                default:
                    passedBy = r;
                    steps.Add($"{dir}: {where} passes {peerName} on {what} to the next tier");
                    return null;
            }
        }

        var names = string.Join(", ", tp.Policies.Select(p => p.ToString()));
        if (tp.Isolating && tp.Tier.NoMatch != NoMatchAction.Next)
        {
            var allowed = tp.Tier.NoMatch == NoMatchAction.Allow;
            return new Decision(allowed, layer, direction, tp.Tier, tp.Policies[0], null, null,
                $"{names} of the {tp.Tier.Name} tier select {subjectName} for {dir} and no rule matches {peerName} on {what}: the tier's default action {(allowed ? "allows" : "denies")} it", true);
        }

        steps.Add($"{dir}: no rule of {names} ({tp.Tier.Name} tier) that applies to {subjectName} matches {peerName} on {what}");
        return null;
    }

    private Decision? DecideUnion(TierProgram tp, TrafficDirection direction, string subjectName, PeerRef peer, string peerName, string what,
        Func<CompiledRule, bool> holds, Action<CompiledRule> noteUndecided, List<string> undecided)
    {
        var dir = direction == TrafficDirection.Ingress ? "ingress" : "egress";
        var layer = tp.Tier.Layer;
        foreach (var r in tp.Rules)
        {
            noteUndecided(r);
        }

        if (tp.Rules.FirstOrDefault(r => r.Action == RuleAction.Deny && holds(r)) is { } deny)
        {
            return new Decision(false, layer, direction, tp.Tier, deny.Policy, deny, RuleAction.Deny,
                $"{deny.Label} of {deny.Policy} denies {peerName} on {what} (a deny wins over every allow; {(direction == TrafficDirection.Ingress ? "from" : "to")} {deny.PeersText}; {deny.Ports.Text})", true);
        }

        // A rule that admits every request (no Istio condition, no Cilium L7 rule) explains the verdict
        // better than one that admits some, and makes the conditions of the others void for that peer
        // and port. Name a written policy before a CNI default (Cilium's allow-localhost) that admits the same.
        var allows = tp.Rules.Where(r => r.Action == RuleAction.Allow && holds(r))
            .OrderBy(r => r.Condition is not null).ThenBy(r => r.Policy.Implicit).ToList();
        if (allows.FirstOrDefault() is { } allow)
        {
            if (allow.Condition is not null && !allow.ConditionInMesh)
            {
                var note = $"{allow.Reference} opens {what} to {peerName} for L7-restricted traffic only ({allow.Condition}): requests that do not match are refused by the proxy";
                if (!undecided.Contains(note))
                {
                    undecided.Add(note);
                }
            }

            var only = !allow.ConditionInMesh ? string.Empty : $", only requests with {allow.Condition}";
            return new Decision(true, layer, direction, tp.Tier, allow.Policy, allow, RuleAction.Allow,
                $"{allow.Label} of {allow.Policy} admits {peerName} on {what} ({(direction == TrafficDirection.Ingress ? "from" : "to")} {allow.PeersText}; {allow.Ports.Text}{only})", true);
        }

        if (!tp.Isolating || tp.Tier.NoMatch == NoMatchAction.Next)
        {
            return null;
        }

        // A policy that only isolates (a default deny, no rule of this direction) is what denies; name it first.
        var isolatingPolicies = tp.Policies.Where(p => p.Isolates(direction)).OrderBy(p => p.Rules(direction).Count > 0).ToList();
        var isolating = string.Join(", ", isolatingPolicies.Select(p => p.IsKubernetesNetworkPolicy ? p.DisplayName : p.ToString()));
        var withRules = tp.Policies.Where(p => p.Rules(direction).Count > 0 && !p.Implicit).Select(p => p.IsKubernetesNetworkPolicy ? p.DisplayName : p.ToString()).ToList();
        var tail = withRules.Count == 0
            ? $"none of them has an {dir} rule"
            : $"no {dir} rule of {string.Join(", ", withRules)} admits {peerName} on {what}";
        if (peer.IsClass && classes.Classes[peer.ClassIndex].Kind == PeerClassKind.Node)
        {
            tail += $" (a node is matched only by the host, remote-node, cluster and all entities)";
        }
        else if (peer.IsClass && classes.Classes[peer.ClassIndex].HostNetwork)
        {
            var node = classes.Classes[peer.ClassIndex].HostAddress?.ToString().Split('-')[0] ?? "unknown";
            tail += $" ({peerName} uses the host network: selectors do not match it, only ipBlocks holding its node address {node})";
        }

        if (layer == PolicyLayer.Mesh && tp.Tier.Name == MeshTiers.Allow)
        {
            // Istio: once an ALLOW policy applies to a workload, a request no ALLOW rule matches is denied.
            var ruled = tp.Policies.Where(p => p.Rules(direction).Any(r => r.Name != IstioPolicyKind.BypassRule)).Select(p => p.ToString()).ToList();
            return new Decision(false, layer, direction, tp.Tier, tp.Policies[0], null, null,
                $"{isolating} (ALLOW) appl{(tp.Policies.Length == 1 ? "ies" : "y")} to {subjectName} and " +
                (ruled.Count == 0 ? "no rule: it allows nothing" : $"no rule of {string.Join(", ", ruled)} matches {peerName} on {what}") +
                "; Istio denies what no ALLOW rule matches", true);
        }

        var allowed = tp.Tier.NoMatch == NoMatchAction.Allow;
        return new Decision(allowed, layer, direction, tp.Tier, isolatingPolicies.FirstOrDefault() ?? tp.Policies[0], null, null,
            allowed ? $"pod {subjectName} is selected for {dir} by {isolating}; no rule decides {peerName} on {what}, and the tier's default allows it"
                : $"pod {subjectName} is isolated for {dir} by {isolating}; {tail}", true);
    }

    /// <summary>After a Pass: the tiers of the layer between the passing one and <paramref name="next"/> that do not apply to the subject.</summary>
    private void NoteSkippedTiers(PolicyLayer layer, List<TierProgram> applying, TierProgram? next, string subjectName, string dir, List<string> steps)
    {
        var all = policies.TiersOf(layer).ToList();
        var from = applying.Where(tp => next is null || all.IndexOf(tp.Tier) < all.IndexOf(next.Tier)).Select(tp => all.IndexOf(tp.Tier)).DefaultIfEmpty(-1).Max();
        var to = next is null ? all.Count : all.IndexOf(next.Tier);
        for (var i = from + 1; i < to; i++)
        {
            steps.Add(all[i].Name == StandardTiers.NetworkPolicy
                ? $"{dir}: no NetworkPolicy isolates {subjectName} for {dir}, so the next tier decides"
                : $"{dir}: no policy of the {all[i].Name} tier applies to {subjectName} for {dir}");
        }
    }
}
