using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using System.Text.Json.Nodes;
using k8s.Models;
using NetSecPS.Core.Checks.Support;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;
using NetSecPS.Core.Policy;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Traffic;

/// <summary>What recommendations to write.</summary>
internal sealed record RecommendationOptions
{
    /// <summary>Namespaces to write for; null for every namespace but the Kubernetes system ones.</summary>
    public IReadOnlyList<string>? Namespaces { get; init; }
    public PolicyRecommendationKind Kind { get; init; } = PolicyRecommendationKind.NetworkPolicy;
    public IReadOnlyList<PolicyDirection> Directions { get; init; } = new[] { PolicyDirection.Ingress, PolicyDirection.Egress };
    /// <summary>Closed paths listed per recommendation; the count covers them all.</summary>
    public int MaxClosedPathsListed { get; init; } = 500;
}

/// <summary>The kinds a recommendation can be written as, and whether the cluster enforces them.</summary>
internal static class RecommendationKinds
{
    /// <summary>The object kind a recommendation is written as.</summary>
    public static string ObjectKind(PolicyRecommendationKind kind) => kind == PolicyRecommendationKind.CiliumNetworkPolicy ? "CiliumNetworkPolicy" : "NetworkPolicy";

    /// <summary>
    /// Why the cluster cannot take the kind, or null when it can. NetworkPolicy always; a CNI's own
    /// kind only when the snapshot runs that CNI: elsewhere nothing would enforce the policy, and
    /// adding it to the snapshot would have the engine verify it against a CNI that does not run.
    /// </summary>
    public static string? WhyNot(PolicyRecommendationKind kind, ClusterModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return kind switch
        {
            PolicyRecommendationKind.CiliumNetworkPolicy when CiliumCluster.Detect(model) is null =>
                "The snapshot does not run Cilium (no Cilium agent DaemonSet, cilium-config or Cilium policy objects): nothing would enforce a CiliumNetworkPolicy, and the engine verifies a recommendation only against the CNI that runs. Use -Kind NetworkPolicy.",
            PolicyRecommendationKind.CalicoNetworkPolicy when !new CniState(model).Components.Any(c => c.Name is "Calico" or "Canal") =>
                "The snapshot does not run Calico (no calico-node DaemonSet or Calico policy objects): nothing would enforce a Calico NetworkPolicy, and the engine verifies a recommendation only against the CNI that runs. Use -Kind NetworkPolicy.",
            _ => null,
        };
    }
}

/// <summary>
/// Writes least-privilege policies from observed traffic, one per workload and direction that no
/// NetworkPolicy isolates yet, and verifies each with the engine before returning it.
/// </summary>
/// <remarks>
/// A policy allows what the log shows forwarded for its workload (peers selected by their stable
/// labels, ports named as the destination's pods name them), keeps DNS egress and the paths
/// Ingress, Route and Gateway objects expose, and nothing more. Verification applies the policies
/// to the snapshot: all egress policies in one engine and all ingress policies in another (a
/// policy changes only its own workload's side of a connection, so each closes exactly what that
/// engine no longer allows at its workload), then all of them together. A policy that would cut an
/// observed flow, DNS or an exposed path, or that closes nothing, is not returned and is reported.
/// </remarks>
internal sealed partial class PolicyRecommender
{
    private static readonly HashSet<string> SystemNamespaces = new(StringComparer.Ordinal) { "kube-system", "kube-public", "kube-node-lease" };

    private readonly ConnectivityEngine engine;
    private readonly TrafficComparison traffic;
    private readonly RecommendationOptions options;
    private readonly IOutputSink sink;
    private readonly EndpointResolver labels;
    private readonly List<Workload> dnsServers;
    private readonly List<Workload> controllers;
    private readonly HashSet<string> nodeAddresses;

    public PolicyRecommender(ConnectivityEngine engine, TrafficComparison traffic, RecommendationOptions options, IOutputSink sink)
    {
        this.engine = engine;
        this.traffic = traffic;
        this.options = options;
        this.sink = sink;
        labels = new EndpointResolver(engine.Model, Array.Empty<Flow>());
        dnsServers = engine.Model.Workloads.Where(IsDnsServer).ToList();
        var controller = new HashSet<PeerClass>(engine.ResolveEndpoint(ConnectivityEngine.IngressControllerPeer).Classes);
        controllers = engine.Model.Workloads.Where(w => engine.ClassesOf(w).Any(controller.Contains)).ToList();
        nodeAddresses = engine.Model.Data.TypedWithSource<V1Node>()
            .SelectMany(n => n.Model.Status?.Addresses ?? new List<V1NodeAddress>())
            .Select(a => IPAddress.TryParse(a.Address, out var ip) ? ip.ToString() : null).OfType<string>()
            .Concat(engine.Model.Workloads.Where(w => w.HostNetwork).SelectMany(w => w.Pods).SelectMany(p => p.IPs))
            .ToHashSet(StringComparer.Ordinal);
    }

    public IReadOnlyList<PolicyRecommendation> Recommend(CancellationToken cancellationToken = default)
    {
        if (RecommendationKinds.WhyNot(options.Kind, engine.Model) is { } whyNot)
        {
            throw new NotSupportedException(whyNot);
        }

        const int progressId = 7303;
        sink.Progress(new ProgressUpdate(progressId, "Writing policy recommendations", "planning", 5));
        var plans = Plan();
        if (plans.Count == 0)
        {
            sink.Progress(new ProgressUpdate(progressId, "Writing policy recommendations", "done", 100, Completed: true));
            return Array.Empty<PolicyRecommendation>();
        }

        var results = new List<PolicyRecommendation>();
        var manifests = new Dictionary<RecommendationPlan, (JsonObject Manifest, KubeObject Object)>();
        foreach (var plan in plans)
        {
            // Verified as read back from the text it is written as, exactly as kubectl would read it.
            var manifest = NetworkPolicyWriter.Manifest(plan, options.Kind);
            var obj = Parse(ManifestYaml.Emit(manifest), plan);
            if (obj is null)
            {
                continue;
            }

            manifests[plan] = (manifest, obj);
        }

        var verified = new List<(RecommendationPlan Plan, IReadOnlyList<string> Closed, int Count)>();
        foreach (var direction in options.Directions.Distinct())
        {
            cancellationToken.ThrowIfCancellationRequested();
            sink.Progress(new ProgressUpdate(progressId, "Writing policy recommendations", $"verifying the {direction.ToString().ToLowerInvariant()} policies", direction == PolicyDirection.Egress ? 60 : 30));
            var batch = manifests.Where(m => m.Key.Direction == direction).ToList();
            if (batch.Count == 0)
            {
                continue;
            }

            var after = Apply(batch.Select(b => b.Value.Object), cancellationToken);
            foreach (var (plan, _) in batch)
            {
                if (Verify(plan, after) is { } ok)
                {
                    verified.Add((plan, ok.Closed, ok.Count));
                }
            }
        }

        sink.Progress(new ProgressUpdate(progressId, "Writing policy recommendations", "verifying all together", 85));
        verified = VerifyTogether(verified, manifests, cancellationToken);
        foreach (var (plan, closed, count) in verified.OrderBy(v => v.Plan.Workload.Peer, StringComparer.Ordinal).ThenBy(v => v.Plan.Direction))
        {
            var (manifest, _) = manifests[plan];
            results.Add(new PolicyRecommendation
            {
                Namespace = plan.Workload.Namespace,
                Workload = plan.Workload.Peer,
                Direction = plan.Direction,
                Kind = options.Kind,
                Name = plan.Name,
                Manifest = NetworkPolicyWriter.Write(plan, manifest, Header(plan, count)),
                ClosesPaths = count,
                ClosedPaths = closed,
                KeepsObserved = plan.Keeps.Count,
                Allows = plan.Rules.Select(r => r.ToString()).ToList(),
                Notes = plan.Notes.ToList(),
            });
        }

        sink.Progress(new ProgressUpdate(progressId, "Writing policy recommendations", "done", 100, Completed: true));
        return results;
    }

    // ------------------------------------------------------------------ planning

    private List<RecommendationPlan> Plan()
    {
        var model = engine.Model;
        var scope = options.Namespaces is { } named ? new HashSet<string>(named, StringComparer.Ordinal) : null;
        var usable = traffic.Paths.Where(p => p.Verdict != FlowVerdict.Dropped).ToList();
        var bySource = usable.Where(p => p.Source.Workload is not null).ToLookup(p => p.Source.Workload!);
        var byDestination = usable.Where(p => p.Destination.Workload is not null).ToLookup(p => p.Destination.Workload!);
        var exposure = engine.FlowsFrom(ConnectivityEngine.IngressControllerPeer).ToDictionary(f => f.Destination, StringComparer.Ordinal);
        var existingNames = model.Data.OfKind(RecommendationKinds.ObjectKind(options.Kind)).Select(o => (o.Namespace, o.Name)).ToHashSet();
        var plans = new List<RecommendationPlan>();
        foreach (var w in model.Workloads)
        {
            if (scope is null ? SystemNamespaces.Contains(w.Namespace) : !scope.Contains(w.Namespace))
            {
                continue;
            }

            if (w.HostNetwork)
            {
                sink.Verbose($"{w.Peer} uses the host network: NetworkPolicy does not apply to its pods, so none is recommended.");
                continue;
            }

            var selector = labels.StableLabelsOf(w);
            if (selector.Count == 0 || !SelectsOnly(w, selector))
            {
                sink.Warning(selector.Count == 0
                    ? $"No policy is recommended for {w.Peer}: its pods carry no label that a policy could select them by."
                    : $"No policy is recommended for {w.Peer}: its labels ({Text(selector)}) also select pods of other workloads, so a policy for it would restrict them too.");
                continue;
            }

            foreach (var direction in options.Directions.Distinct())
            {
                if (IsolatingPolicies(w, direction) is { Count: > 0 } isolating)
                {
                    sink.Verbose($"{w.Peer} is already isolated for {direction.ToString().ToLowerInvariant()} by {string.Join(", ", isolating)}: a further policy could only add to what they allow.");
                    continue;
                }

                var plan = new RecommendationPlan
                {
                    Workload = w,
                    Direction = direction,
                    Selector = selector,
                    Name = UniqueName(w, direction, existingNames),
                };
                if (direction == PolicyDirection.Egress)
                {
                    PlanEgress(plan, bySource[w]);
                }
                else
                {
                    PlanIngress(plan, byDestination[w], exposure.GetValueOrDefault(w.Peer));
                }

                plans.Add(plan);
            }
        }

        return plans;
    }

    private void PlanEgress(RecommendationPlan plan, IEnumerable<ObservedPath> paths)
    {
        var rules = new Dictionary<string, (PeerSpec Peer, SortedSet<PortSpec> Ports, string Why)>(StringComparer.Ordinal);
        foreach (var p in paths)
        {
            // Kept even when no rule can name the peer: verification then says which flow it would cut.
            Keep(plan, p);
            if (PeerFor(plan, p.Destination, p.DestinationAddresses) is { } peer)
            {
                Add(rules, peer, PortFor(p.Destination.Workload, p.Protocol, p.Port), "observed");
            }
        }

        var dns = dnsServers.Where(d => !d.HostNetwork).ToList();
        foreach (var d in dns)
        {
            var peer = WorkloadPeer(plan.Workload.Namespace, d);
            Add(rules, peer, PortFor(d, "UDP", 53), "DNS");
            Add(rules, peer, PortFor(d, "TCP", 53), "DNS");
            plan.MustKeep.Add((plan.Workload.Peer, d.Peer, "UDP", 53));
        }

        if (dns.Count > 0)
        {
            plan.Notes.Add($"DNS kept: {string.Join(", ", dns.Select(d => d.Peer))} on UDP and TCP 53");
        }
        else
        {
            var peer = new PeerSpec
            {
                Namespace = "kube-system",
                PodLabels = new Dictionary<string, string> { ["k8s-app"] = "kube-dns" },
                Text = "kube-system pods labelled k8s-app=kube-dns",
            };
            Add(rules, peer, new PortSpec("UDP", 53, null), "DNS");
            Add(rules, peer, new PortSpec("TCP", 53, null), "DNS");
            plan.Notes.Add("DNS kept: the snapshot holds no DNS server, so the usual kube-system pods labelled k8s-app=kube-dns are allowed on UDP and TCP 53");
        }

        Finish(plan, rules);
    }

    private void PlanIngress(RecommendationPlan plan, IEnumerable<ObservedPath> paths, Flow? exposed)
    {
        var w = plan.Workload;
        var rules = new Dictionary<string, (PeerSpec Peer, SortedSet<PortSpec> Ports, string Why)>(StringComparer.Ordinal);
        foreach (var p in paths)
        {
            Keep(plan, p);
            if (PeerFor(plan, p.Source, p.SourceAddresses) is { } peer)
            {
                Add(rules, peer, PortFor(w, p.Protocol, p.Port), "observed");
            }
        }

        if (exposed is not null && ConnectionSet.TryParse(exposed.Connections, out var set))
        {
            var ports = set.ToPortRanges().SelectMany(r => Enumerable.Range(r.From, Math.Min(r.To - r.From + 1, 64)).Select(port => PortFor(w, r.Protocol, port))).ToList();
            foreach (var peer in ControllerPeers(w.Namespace))
            {
                foreach (var port in ports)
                {
                    Add(rules, peer, port, "Ingress");
                }
            }

            foreach (var r in set.ToPortRanges())
            {
                plan.MustKeep.Add((ConnectivityEngine.IngressControllerPeer, w.Peer, r.Protocol, r.From));
            }

            plan.Notes.Add($"Ingress kept: {{ingress-controller}} on {exposed.Connections}, as the Ingress, Route or Gateway objects expose {w.Peer}");
        }

        if (IsDnsServer(w))
        {
            var anyone = new PeerSpec { AllNamespaces = true, Text = "every namespace" };
            Add(rules, anyone, PortFor(w, "UDP", 53), "DNS");
            Add(rules, anyone, PortFor(w, "TCP", 53), "DNS");
            plan.Notes.Add("DNS kept: every pod may query this DNS server on UDP and TCP 53");
        }

        Finish(plan, rules);
    }

    private static void Add(Dictionary<string, (PeerSpec Peer, SortedSet<PortSpec> Ports, string Why)> rules, PeerSpec peer, PortSpec port, string why)
    {
        if (!rules.TryGetValue(peer.Key, out var rule))
        {
            rules[peer.Key] = rule = (peer, new SortedSet<PortSpec>(Comparer<PortSpec>.Create((a, b) =>
                string.CompareOrdinal(a.Protocol, b.Protocol) is var c and not 0 ? c : a.Port.CompareTo(b.Port))), why);
        }
        else if (!rule.Why.Contains(why, StringComparison.Ordinal))
        {
            rules[peer.Key] = rule = (rule.Peer, rule.Ports, rule.Why + " and " + why);
        }

        rule.Ports.Add(port);
    }

    private static void Finish(RecommendationPlan plan, Dictionary<string, (PeerSpec Peer, SortedSet<PortSpec> Ports, string Why)> rules)
    {
        foreach (var (_, rule) in rules.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            plan.Rules.Add(new RuleSpec(rule.Peer, rule.Ports.ToList(), rule.Why));
        }
    }

    private static void Keep(RecommendationPlan plan, ObservedPath p)
    {
        if (p.Category == TrafficCategory.ObservedAllowed)
        {
            plan.Keeps.Add(p);
        }
    }

    /// <summary>The peer of a rule for an observed end: its workload's pods, the ingress controller, or the addresses seen.</summary>
    private PeerSpec? PeerFor(RecommendationPlan plan, ResolvedEnd end, HashSet<string>? addresses)
    {
        if (end.Kind == PeerKind.IngressController)
        {
            return ControllerPeers(plan.Workload.Namespace).FirstOrDefault();
        }

        if (end.Workload is { } w)
        {
            if (!w.HostNetwork)
            {
                return WorkloadPeer(plan.Workload.Namespace, w);
            }

            var nodes = w.Pods.SelectMany(p => p.IPs).Distinct(StringComparer.Ordinal).ToList();
            if (nodes.Count == 0)
            {
                plan.Notes.Add($"{w.Peer} uses the host network and the snapshot does not hold its node addresses, so no rule can name it");
                return null;
            }

            return new PeerSpec { Cidrs = nodes.Select(Host).Order(StringComparer.Ordinal).ToList(), Nodes = true, Text = $"{w.Peer} (host network: its node addresses)" };
        }

        if (end.Kind == PeerKind.External)
        {
            var seen = (addresses ?? new HashSet<string>()).Append(end.Address!).Where(a => a is not null).Distinct(StringComparer.Ordinal).ToList();
            if (seen.Count >= ObservedPath.MaxAddresses)
            {
                var blocks = Covering(seen);
                plan.Notes.Add($"More than {ObservedPath.MaxAddresses - 1} addresses of {end.Peer} were seen: the rule admits {string.Join(", ", blocks)}, the smallest block holding them");
                return new PeerSpec { Cidrs = blocks, Text = string.Join(", ", blocks) };
            }

            var cidrs = seen.Select(Host).Order(StringComparer.Ordinal).ToList();
            var nodes = end.Entity is "host" or "remote-node" or "hep" || seen.All(a => IPAddress.TryParse(a, out var ip) && nodeAddresses.Contains(ip.ToString()));
            return new PeerSpec { Cidrs = cidrs, Nodes = nodes, Text = string.Join(", ", cidrs) + (nodes ? " (node addresses)" : string.Empty) };
        }

        return null;
    }

    private PeerSpec WorkloadPeer(string policyNamespace, Workload w)
    {
        var stable = labels.StableLabelsOf(w);
        return new PeerSpec
        {
            PodLabels = stable.Count == 0 ? null : stable,
            Namespace = w.Namespace == policyNamespace ? null : w.Namespace,
            Text = w.Peer + (stable.Count == 0 ? " (every pod of its namespace: its pods carry no labels)" : string.Empty),
        };
    }

    /// <summary>The ingress controllers the snapshot holds, else every namespace (the controller is unknown).</summary>
    private IEnumerable<PeerSpec> ControllerPeers(string policyNamespace)
    {
        if (controllers.Count == 0)
        {
            yield return new PeerSpec { AllNamespaces = true, Text = "{ingress-controller} (not in the snapshot: every namespace)" };
            yield break;
        }

        foreach (var c in controllers)
        {
            yield return WorkloadPeer(policyNamespace, c);
        }
    }

    /// <summary>A port as the destination's pods name it, when all of them give it the same name.</summary>
    private static PortSpec PortFor(Workload? destination, string protocol, int port)
    {
        if (destination is null || destination.Pods.Count == 0)
        {
            return new PortSpec(protocol, port, null);
        }

        string? name = null;
        foreach (var pod in destination.Pods)
        {
            var named = pod.Ports.Where(p => p.Port == port && p.Protocol == protocol && p.Name is not null).Select(p => p.Name).Distinct().ToList();
            if (named.Count != 1 || (name is not null && name != named[0]))
            {
                return new PortSpec(protocol, port, null);
            }

            name = named[0];
        }

        return new PortSpec(protocol, port, name);
    }

    private static string Host(string address) =>
        IPAddress.TryParse(address, out var ip) ? ip + (ip.AddressFamily == AddressFamily.InterNetworkV6 ? "/128" : "/32") : address;

    /// <summary>The smallest CIDR of each address family that holds all the addresses.</summary>
    private static List<string> Covering(IEnumerable<string> addresses)
    {
        var result = new List<string>();
        foreach (var family in addresses.Select(a => IPAddress.TryParse(a, out var ip) ? ip : null).Where(ip => ip is not null).GroupBy(ip => ip!.AddressFamily))
        {
            var bytes = family.Select(ip => ip!.GetAddressBytes()).ToList();
            var bits = bytes[0].Length * 8;
            var prefix = 0;
            while (prefix < bits && bytes.All(b => Bit(b, prefix) == Bit(bytes[0], prefix)))
            {
                prefix++;
            }

            var network = (byte[])bytes[0].Clone();
            for (var i = prefix; i < bits; i++)
            {
                network[i / 8] &= (byte)~(0x80 >> (i % 8));
            }

            result.Add(new IPAddress(network) + "/" + prefix.ToString(CultureInfo.InvariantCulture));
        }

        return result;

        static int Bit(byte[] b, int i) => (b[i / 8] >> (7 - (i % 8))) & 1;
    }

    private static bool IsDnsServer(Workload w) =>
        w.Pods.Count > 0 && w.Pods[0].Ports.Any(p => p.Port == 53) &&
        (w.Labels.TryGetValue("k8s-app", out var app) && app is "kube-dns" or "coredns" || w.Name.Contains("dns", StringComparison.OrdinalIgnoreCase));

    private string UniqueName(Workload w, PolicyDirection direction, HashSet<(string?, string)> existing)
    {
        // A name the API server accepts (a DNS subdomain) and a user can use as a file name; a
        // workload name that is not one is cleaned and gets a short hash of itself, so it stays unique.
        var clean = w.Name;
        if (!DnsSubdomain().IsMatch(clean))
        {
            clean = $"{NotNameCharacters().Replace(clean.ToLowerInvariant(), "-").Trim('-')}-{Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(w.Name)))[..8].ToLowerInvariant()}".TrimStart('-');
        }

        var baseName = $"{clean}-{direction.ToString().ToLowerInvariant()}-from-traffic";
        if (baseName.Length > 253)
        {
            baseName = baseName[..253].TrimEnd('-', '.');
        }

        var name = baseName;
        for (var i = 2; existing.Contains((w.Namespace, name)); i++)
        {
            name = $"{baseName}-{i}";
        }

        existing.Add((w.Namespace, name));
        return name;
    }

    /// <summary>Whether the labels select this workload's pods and no other pod of its namespace.</summary>
    private bool SelectsOnly(Workload w, IReadOnlyDictionary<string, string> selector) =>
        engine.Model.Workloads.Where(o => o.Namespace == w.Namespace && o != w)
            .All(o => !o.Pods.Any(p => selector.All(l => p.Labels.TryGetValue(l.Key, out var v) && v == l.Value)));

    /// <summary>
    /// The policies, of any kind the engine evaluates, that isolate every pod of the workload for the
    /// direction: they select it in a tier of the packet filter that denies what its rules leave
    /// (Kubernetes NetworkPolicy, Cilium's policies, a Calico tier whose default action is Deny).
    /// A tier where a policy selecting the workload passes traffic on does not count: the tiers
    /// after it, where a recommendation goes, still decide that traffic.
    /// </summary>
    private List<string> IsolatingPolicies(Workload w, PolicyDirection direction)
    {
        var policies = ((IConnectivityQuery)engine).Policies;
        var d = direction == PolicyDirection.Ingress ? TrafficDirection.Ingress : TrafficDirection.Egress;
        var classes = policies.ClassesOf(w);
        var selecting = policies.Selecting(w, d).Where(p => p.Tier.Layer == PolicyLayer.Cni).ToList();
        var passing = selecting.Where(p => p.Rules(d).Any(r => r.Action == RuleAction.Pass)).Select(p => p.Tier).ToHashSet();
        return selecting
            .Where(p => p.Isolates(d) && p.Tier.NoMatch == NoMatchAction.Deny && !passing.Contains(p.Tier) && classes.All(c => p.Subject.Contains(c.Index)))
            .Select(p => p.ToString()).Distinct(StringComparer.Ordinal).ToList();
    }

    private static string Text(IReadOnlyDictionary<string, string> labels) => string.Join(",", labels.Select(l => $"{l.Key}={l.Value}"));

    // ------------------------------------------------------------------ verification

    /// <summary>The manifest read back the way manifests are read, so the engine verifies exactly the text returned.</summary>
    private KubeObject? Parse(string body, RecommendationPlan plan)
    {
        var doc = YamlJsonReader.ReadDocuments(new StringReader(body)).FirstOrDefault();
        if (doc?.Root is not JsonObject json)
        {
            sink.Warning($"The recommendation for {plan.Workload.Peer} could not be read back and is left out.");
            return null;
        }

        var result = ObjectFactory.Create(json, new SourceLocation($"recommendation {plan.Workload.Namespace}/{plan.Name}", doc.Line, doc.Column));
        if (result.Object is null)
        {
            sink.Warning($"The recommendation for {plan.Workload.Peer} is not a valid {options.Kind} ({result.Error}) and is left out.");
        }

        return result.Object;
    }

    /// <summary>The snapshot with the policies applied, evaluated by the engine with the same options.</summary>
    private ConnectivityEngine Apply(IEnumerable<KubeObject> policies, CancellationToken cancellationToken)
    {
        var data = engine.Model.Data;
        var applied = new ClusterData(data.Objects.Concat(policies).ToList(), data.Provenance, data.Coverage, data.Diagnostics);
        return Composition.ClusterAnalysis.Of(applied, cancellationToken).ConnectivityWithFlows(new CollectingSink(), engine.Options, cancellationToken);
    }

    private (IReadOnlyList<string> Closed, int Count)? Verify(RecommendationPlan plan, ConnectivityEngine after)
    {
        var w = plan.Workload;
        foreach (var p in plan.Keeps)
        {
            if (!Allowed(after, p.Source.Kind == PeerKind.External ? p.Source.Address! : p.Source.Peer!, p.Destination.Kind == PeerKind.External ? p.Destination.Address! : p.Destination.Peer!, p.Protocol, p.Port, out var why))
            {
                sink.Warning($"No {plan.Direction.ToString().ToLowerInvariant()} policy is recommended for {w.Peer}: it would cut the observed flow {p.Source.Peer} => {p.Destination.Peer} : {p.Protocol} {p.Port} ({why}).");
                return null;
            }
        }

        foreach (var (from, to, protocol, port) in plan.MustKeep)
        {
            if (Allowed(engine, from, to, protocol, port, out _) && !Allowed(after, from, to, protocol, port, out var why))
            {
                sink.Warning($"No {plan.Direction.ToString().ToLowerInvariant()} policy is recommended for {w.Peer}: it would cut {from} => {to} : {protocol} {port}, which it must keep ({why}).");
                return null;
            }
        }

        var closed = Closed(plan, after);
        if (closed.Count == 0)
        {
            sink.Verbose($"No {plan.Direction.ToString().ToLowerInvariant()} policy is recommended for {w.Peer}: it would close nothing (other layers already decide what it allows, or everything allowed was observed).");
            return null;
        }

        var listed = closed.Take(options.MaxClosedPathsListed).ToList();
        if (closed.Count > listed.Count)
        {
            listed.Add(string.Create(CultureInfo.InvariantCulture, $"... and {closed.Count - listed.Count:N0} more"));
        }

        return (listed, closed.Count);
    }

    /// <summary>The connections the workload's side no longer allows, per peer, as connlist lines.</summary>
    private List<string> Closed(RecommendationPlan plan, ConnectivityEngine after)
    {
        var peer = plan.Workload.Peer;
        IEnumerable<Flow> Of(ConnectivityEngine e) => plan.Direction == PolicyDirection.Egress ? e.FlowsFrom(peer) : e.Flows.Where(f => f.Destination == peer);
        var now = Of(after).ToDictionary(f => plan.Direction == PolicyDirection.Egress ? f.Destination : f.Source, f => f.Connections, StringComparer.Ordinal);
        var closed = new List<string>();
        foreach (var f in Of(engine))
        {
            var other = plan.Direction == PolicyDirection.Egress ? f.Destination : f.Source;
            if (!ConnectionSet.TryParse(f.Connections, out var before))
            {
                continue;
            }

            var remaining = now.TryGetValue(other, out var text) && ConnectionSet.TryParse(text, out var a) ? a : ConnectionSet.None;
            var lost = before.Subtract(remaining);
            if (!lost.IsEmpty)
            {
                closed.Add($"{f.Source} => {f.Destination} : {lost}");
            }
        }

        return closed;
    }

    private static bool Allowed(ConnectivityEngine e, string from, string to, string protocol, int port, out string? why)
    {
        why = null;
        try
        {
            var v = e.Test(e.ResolveEndpoint(from), e.ResolveEndpoint(to), protocol, port);
            why = v.Explanation;
            return v.Allowed;
        }
        catch (ArgumentException ex)
        {
            why = ex.Message;
            return false;
        }
    }

    /// <summary>All verified policies applied at once: every observed flow still allowed, fewer allowed connections.</summary>
    private List<(RecommendationPlan Plan, IReadOnlyList<string> Closed, int Count)> VerifyTogether(
        List<(RecommendationPlan Plan, IReadOnlyList<string> Closed, int Count)> verified, Dictionary<RecommendationPlan, (JsonObject Manifest, KubeObject Object)> manifests, CancellationToken cancellationToken)
    {
        while (verified.Count > 0)
        {
            var after = Apply(verified.Select(v => manifests[v.Plan].Object), cancellationToken);
            var broken = verified.FirstOrDefault(v => v.Plan.Keeps.Any(p => !Allowed(after,
                p.Source.Kind == PeerKind.External ? p.Source.Address! : p.Source.Peer!, p.Destination.Kind == PeerKind.External ? p.Destination.Address! : p.Destination.Peer!, p.Protocol, p.Port, out _)));
            if (broken.Plan is null)
            {
                var (pairsBefore, sizeBefore) = AllowedSize(engine);
                var (pairsAfter, sizeAfter) = AllowedSize(after);
                sink.Verbose(string.Create(CultureInfo.InvariantCulture,
                    $"Applied together, the {verified.Count} recommended policies keep every observed flow allowed and close {verified.Sum(v => v.Count):N0} paths: " +
                    $"peer pairs inside the cluster that may connect {pairsBefore:N0} -> {pairsAfter:N0}, allowed connections (ports times addresses) {sizeAfter / sizeBefore:P1} of before."));
                return verified;
            }

            // Each policy was verified alone; only together they broke a flow. Keep the others.
            sink.Warning($"The {broken.Plan.Direction.ToString().ToLowerInvariant()} policy for {broken.Plan.Workload.Peer} cuts an observed flow once the other recommendations apply too; it is left out.");
            verified.Remove(broken);
        }

        return verified;
    }

    /// <summary>
    /// How much policy allows: the peer pairs without an external end, and the ports allowed
    /// summed over every flow, each external range weighted by its addresses (new ipBlocks cut
    /// the ranges finer, so counting flow lines would not say whether less is allowed).
    /// </summary>
    public static (int InClusterPairs, double Connections) AllowedSize(ConnectivityEngine engine)
    {
        ArgumentNullException.ThrowIfNull(engine);
        var pairs = 0;
        var size = 0.0;
        foreach (var f in engine.Flows)
        {
            if (f.SourceKind != PeerKind.External && f.DestinationKind != PeerKind.External)
            {
                pairs++;
            }

            var ports = f.Ports.Sum(r => (double)(r.To - r.From + 1));
            size += ports * Addresses(f.SourceKind == PeerKind.External ? f.Source : null) * Addresses(f.DestinationKind == PeerKind.External ? f.Destination : null);
        }

        return (pairs, size);
    }

    private static double Addresses(string? range)
    {
        if (range is null)
        {
            return 1;
        }

        var text = range.EndsWith("[External]", StringComparison.Ordinal) ? range[..^"[External]".Length] : range;
        var dash = text.IndexOf('-', StringComparison.Ordinal);
        if (dash <= 0 || !IPAddress.TryParse(text[..dash], out var first) || !IPAddress.TryParse(text[(dash + 1)..], out var last))
        {
            return 1;
        }

        static double Value(IPAddress a) => a.GetAddressBytes().Aggregate(0.0, (acc, b) => (acc * 256) + b);
        return Value(last) - Value(first) + 1;
    }

    private string[] Header(RecommendationPlan plan, int closes)
    {
        var s = traffic.Statistics;
        var window = s.From is { } f && s.To is { } t ? $" seen {f.UtcDateTime:yyyy-MM-dd HH:mm} to {t.UtcDateTime:yyyy-MM-dd HH:mm} UTC" : string.Empty;
        return new[]
        {
            string.Create(CultureInfo.InvariantCulture, $"Least-privilege {plan.Direction.ToString().ToLowerInvariant()} for {plan.Workload.Peer}, written by NetSecPS from the flows{window}."),
            string.Create(CultureInfo.InvariantCulture, $"Verified on the snapshot: it keeps the {plan.Keeps.Count} observed paths allowed and closes {closes} allowed paths."),
        };
    }

    [GeneratedRegex("[^a-z0-9-]+")]
    private static partial Regex NotNameCharacters();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex DnsSubdomain();
}
