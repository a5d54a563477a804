using System.Globalization;
using NetSecPS.Core.Model;

namespace NetSecPS.Core.Connectivity;

/// <summary>One end of a connection to test: a workload, a pod, an external address or the ingress controller.</summary>
public sealed class ConnectionEndpoint
{
    internal ConnectionEndpoint(string name, IReadOnlyList<PeerClass> classes, IpRange? address, Workload? workload, bool ingressController)
    {
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

    public override string ToString() => Name;
}

public sealed partial class ConnectivityEngine
{
    /// <summary>
    /// Resolves a peer as users write it: <c>ns/name</c> (a workload of any kind, else a pod),
    /// <c>ns/name[Kind]</c>, an IP address, or <c>{ingress-controller}</c>.
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
            return new ConnectionEndpoint(matches[0].Peer, ClassesOf(matches[0]), null, matches[0], false);
        }

        if (matches.Count > 1)
        {
            throw new ArgumentException($"'{text}' names several workloads ({string.Join(", ", matches.Select(m => m.Peer))}); add the kind, e.g. {matches[0].Peer}.", nameof(text));
        }

        if (kind is null && Model.Pods.FirstOrDefault(p => p.Namespace == ns && p.Name == rest && !p.FromTemplate) is { } pod && classes.ByPod.TryGetValue(pod, out var podClass))
        {
            return new ConnectionEndpoint(pod.Workload.Peer, new[] { podClass }, null, pod.Workload, false);
        }

        throw new ArgumentException($"No workload or pod '{t}' in the snapshot.", nameof(text));
    }

    /// <summary>Whether one connection is allowed, by which layer, policy and rule, in words.</summary>
    public ConnectionVerdict Test(ConnectionEndpoint from, ConnectionEndpoint to, string protocol, int port)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        protocol = protocol.ToUpperInvariant();
        _ = ConnectionSet.ProtocolIndex(protocol);
        if (port is < ConnectionSet.MinPort or > ConnectionSet.MaxPort)
        {
            throw new ArgumentOutOfRangeException(nameof(port), port, "A port is between 1 and 65535.");
        }

        var what = string.Create(CultureInfo.InvariantCulture, $"{protocol} {port}");
        if (from.Address is not null && to.Address is not null)
        {
            throw new ArgumentException("Both ends are external addresses: policies only govern connections that start or end at a pod.");
        }

        var sources = from.Address is null ? from.Classes.Select(c => (PeerClass?)c).ToList() : new List<PeerClass?> { null };
        var destinations = to.Address is null ? to.Classes.Select(c => (PeerClass?)c).ToList() : new List<PeerClass?> { null };
        if (sources.Count == 0 || destinations.Count == 0)
        {
            throw new ArgumentException($"{(sources.Count == 0 ? from : to)} has no pods to evaluate.");
        }

        ConnectionVerdict? first = null;
        foreach (var s in sources)
        {
            foreach (var d in destinations)
            {
                var v = TestOne(from, s, to, d, protocol, port, what);
                if (v.Allowed)
                {
                    return v;
                }

                first ??= v;
            }
        }

        return first!;
    }

    private sealed record Decision(bool Allowed, string Layer, CompiledPolicy? Policy, CompiledRule? Rule, string Text, bool PolicyDecided);

    private ConnectionVerdict TestOne(ConnectionEndpoint from, PeerClass? s, ConnectionEndpoint to, PeerClass? d, string protocol, int port, string what)
    {
        var steps = new List<string>();
        Decision? exposureDenial = null;
        if (from.IsIngressController && d is not null)
        {
            var sources = exposure.SourcesOf(d).Where(e => e.Connections.Contains(protocol, port)).ToList();
            if (sources.Count == 0)
            {
                var text = $"no Ingress, Route or Gateway API route exposes {to} on {what}";
                steps.Add("exposure: " + text);
                exposureDenial = new Decision(false, "Exposure", null, null, text, true);
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
            ? new Decision(true, "Default", null, null, $"{from} is an external address: no policy restricts its egress", false)
            : Decide(TrafficDirection.Egress, s, from.Name, toPeer, to.Name, d, protocol, port, what, steps);
        if (s is null)
        {
            steps.Add("egress: " + egress.Text);
        }

        var ingress = d is null
            ? new Decision(true, "Default", null, null, $"{to} is an external address: no policy restricts its ingress", false)
            : Decide(TrafficDirection.Ingress, d, to.Name, fromPeer, from.Name, d, protocol, port, what, steps);
        if (d is null)
        {
            steps.Add("ingress: " + ingress.Text);
        }

        Decision verdict;
        string sentence;
        if (exposureDenial is not null)
        {
            verdict = exposureDenial;
            sentence = "denied: " + exposureDenial.Text;
        }
        else if (!egress.Allowed)
        {
            verdict = egress;
            sentence = "denied: " + egress.Text;
        }
        else if (!ingress.Allowed)
        {
            verdict = ingress;
            sentence = "denied: " + ingress.Text;
        }
        else
        {
            verdict = ingress.PolicyDecided || !egress.PolicyDecided ? ingress : egress;
            sentence = "allowed: " + (egress.PolicyDecided && ingress.PolicyDecided ? egress.Text + "; " + ingress.Text
                : ingress.PolicyDecided ? ingress.Text + "; " + egress.Text
                : egress.PolicyDecided ? egress.Text + "; " + ingress.Text
                : Default(from, to, egress, ingress));
        }

        return new ConnectionVerdict
        {
            From = from.Name,
            To = to.Name,
            Protocol = protocol,
            Port = port,
            Allowed = exposureDenial is null && egress.Allowed && ingress.Allowed,
            Layer = verdict.Layer,
            Policy = verdict.Policy?.DisplayName,
            Rule = verdict.Rule?.Name,
            Explanation = sentence,
            Steps = steps,
        };
    }

    private static string Default(ConnectionEndpoint from, ConnectionEndpoint to, Decision egress, Decision ingress) =>
        egress.Layer == "HostNetwork" || ingress.Layer == "HostNetwork" || egress.Policy is not null || ingress.Policy is not null
            ? egress.Text + "; " + ingress.Text
            : $"no policy restricts egress of {from} or ingress of {to}";

    /// <summary>Walks one direction's layers for one connection and records each step.</summary>
    private Decision Decide(TrafficDirection direction, PeerClass subject, string subjectName, PeerRef peer, string peerName, PeerClass? portsOn,
        string protocol, int port, string what, List<string> steps)
    {
        var dir = direction == TrafficDirection.Ingress ? "ingress" : "egress";
        Decision Record(Decision d)
        {
            steps.Add(dir + ": " + d.Text);
            return d;
        }

        if (subject.HostNetwork)
        {
            return Record(new Decision(true, "HostNetwork", null, null,
                $"{subjectName} uses the host network: NetworkPolicy and admin policies do not apply to its {dir}", false));
        }

        var program = direction == TrafficDirection.Egress ? egressPrograms[egressProgramOf[subject.Index]] : ingressPrograms[ingressProgramOf[subject.Index]];
        var destination = direction == TrafficDirection.Ingress ? subject : portsOn;
        bool Holds(CompiledRule r) => Matches(r, peer) && table[Resolve(r, destination)].Contains(protocol, port);

        CompiledRule? passedBy = null;
        foreach (var r in program.AdminRules)
        {
            if (!Holds(r))
            {
                continue;
            }

            var anp = r.Policy;
            var where = string.Create(CultureInfo.InvariantCulture, $"AdminNetworkPolicy {anp.Name} (priority {anp.Priority}) {r.Label}");
            switch (r.Action)
            {
                case RuleAction.Allow:
                    return Record(new Decision(true, "AdminNetworkPolicy", anp, r, $"{where} allows {peerName} on {what}", true));
                case RuleAction.Deny:
                    return Record(new Decision(false, "AdminNetworkPolicy", anp, r, $"{where} denies {peerName} on {what}", true));
                default:
                    passedBy = r;
                    steps.Add($"{dir}: {where} passes {peerName} on {what} to the NetworkPolicy layer");
                    break;
            }

            break;
        }

        if (passedBy is null && program.AdminRules.Length > 0)
        {
            steps.Add($"{dir}: no AdminNetworkPolicy rule that applies to {subjectName} matches {peerName} on {what}");
        }

        if (program.NetworkRules is { } npRules)
        {
            foreach (var r in npRules)
            {
                if (Holds(r))
                {
                    return Record(new Decision(true, "NetworkPolicy", r.Policy, r,
                        $"{r.Name} of NetworkPolicy {r.Policy.DisplayName} admits {peerName} on {what} ({(direction == TrafficDirection.Ingress ? "from" : "to")} {r.PeersText}; {r.Ports.Text})", true));
                }
            }

            var isolating = string.Join(", ", program.NetworkPolicies.Select(p => p.DisplayName));
            var withRules = program.NetworkPolicies.Where(p => p.Rules(direction).Count > 0).Select(p => p.DisplayName).ToList();
            var tail = withRules.Count == 0
                ? $"none of them has an {dir} rule"
                : $"no {dir} rule of {string.Join(", ", withRules)} admits {peerName} on {what}";
            if (peer.IsClass && classes.Classes[peer.ClassIndex].HostNetwork)
            {
                var node = classes.Classes[peer.ClassIndex].HostAddress?.ToString().Split('-')[0] ?? "unknown";
                tail += $" ({peerName} uses the host network: selectors do not match it, only ipBlocks holding its node address {node})";
            }

            return Record(new Decision(false, "NetworkPolicy", program.NetworkPolicies[0], null,
                $"pod {subjectName} is isolated for {dir} by {isolating}; {tail}", true));
        }

        if (passedBy is not null)
        {
            steps.Add($"{dir}: no NetworkPolicy isolates {subjectName} for {dir}, so the baseline decides");
        }

        foreach (var r in program.BaselineRules)
        {
            if (!Holds(r))
            {
                continue;
            }

            var where = $"BaselineAdminNetworkPolicy {r.Policy.Name} {r.Label}";
            return Record(r.Action == RuleAction.Allow
                ? new Decision(true, "BaselineAdminNetworkPolicy", r.Policy, r, $"{where} allows {peerName} on {what}", true)
                : new Decision(false, "BaselineAdminNetworkPolicy", r.Policy, r, $"{where} denies {peerName} on {what}", true));
        }

        if (passedBy is not null)
        {
            return Record(new Decision(true, "AdminNetworkPolicy", passedBy.Policy, passedBy,
                $"passed by AdminNetworkPolicy {passedBy.Policy.Name} {passedBy.Label} and neither a NetworkPolicy nor a baseline rule restricts it", true));
        }

        return Record(new Decision(true, "Default", null, null, $"no policy restricts {dir} of {subjectName}", false));
    }
}
