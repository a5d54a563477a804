using System.Collections.Concurrent;
using System.Net;
using NetSecPS.Core.Model;

namespace NetSecPS.Core.Connectivity;

/// <summary>
/// The connectivity engine: every policy layer (AdminNetworkPolicy by priority, then
/// NetworkPolicy, then BaselineAdminNetworkPolicy) evaluated into allowed connections between
/// peer classes, external address ranges and the ingress controller.
/// </summary>
/// <remarks>
/// Cost grows with classes, not pods. Each class gets, per direction, a <em>program</em>: the
/// ordered admin rules, NetworkPolicy rules (or none: not isolated) and baseline rules that apply
/// to it. Classes with the same program share one row of results over every peer, and a
/// connection set is an interned integer, so the pairwise work is table look-ups. A row holds
/// the result for peers no rule of its program matches once, and the peers some rule matches
/// (what the policies select) one by one, so rows grow with what policies select rather than
/// with classes times programs; flows from a source whose egress allows nothing by default are
/// looked for only among the peers its rules name.
/// </remarks>
public sealed partial class ConnectivityEngine : IConnectivityQuery
{
    /// <summary>The peer name of the ingress controller.</summary>
    public const string IngressControllerPeer = "{ingress-controller}";

    private readonly ConnectionTable table = new();
    private readonly PeerClassBuilder.Result classes;
    private readonly PolicySet policies;
    private readonly ExposureMap exposure;
    private readonly IOutputSink sink;
    private readonly int classCount;

    // Peers of a row: classes, then external ranges of that direction, then the two "any address" peers.
    private readonly IReadOnlyList<IpRange> sourceRanges;
    private readonly IReadOnlyList<IpRange> destinationRanges;

    private readonly List<Program> egressPrograms = new();
    private readonly List<Program> ingressPrograms = new();
    private readonly int[] egressProgramOf;
    private readonly int[] ingressProgramOf;
    private readonly Row?[] egressRows;
    private readonly Row?[] ingressRows;
    private readonly ConcurrentDictionary<int, int[]> rangesOfRule = new();
    private readonly bool[] egressRowDone;
    private readonly bool[] ingressRowDone;
    private readonly int[] numericPorts;
    private readonly ConcurrentDictionary<long, int> namedPorts = new();
    private IReadOnlyList<Flow>? flows;

    private ConnectivityEngine(ClusterModel model, ConnectivityOptions options, IOutputSink sink)
    {
        Model = model;
        Options = options;
        this.sink = sink;
        classes = PeerClassBuilder.Build(model, options);
        classCount = classes.Classes.Count;
        policies = new PolicyCompiler(model, classes, sink).Compile();
        exposure = ExposureMap.Build(model, classes, sink);
        sourceRanges = IpSet.Cut(policies.IngressCuts);
        destinationRanges = IpSet.Cut(policies.EgressCuts);
        numericPorts = policies.Rules.Select(r => table.Intern(r.Ports.Numeric)).ToArray();

        egressProgramOf = AssignPrograms(TrafficDirection.Egress, egressPrograms);
        ingressProgramOf = AssignPrograms(TrafficDirection.Ingress, ingressPrograms);
        egressRows = new Row?[egressPrograms.Count];
        ingressRows = new Row?[ingressPrograms.Count];
        egressRowDone = new bool[egressPrograms.Count];
        ingressRowDone = new bool[ingressPrograms.Count];
        sink.Verbose($"Connectivity: {model.Pods.Count} pods in {classCount - 2} peer classes, {policies.NetworkPolicies.Count} NetworkPolicies, " +
            $"{policies.AdminPolicies.Count} AdminNetworkPolicies{(policies.Baseline is null ? string.Empty : ", 1 BaselineAdminNetworkPolicy")}; " +
            $"{egressPrograms.Count} egress and {ingressPrograms.Count} ingress rule programs.");
    }

    /// <summary>Compiles the model's policies and exposure; flows are computed when first asked for.</summary>
    public static ConnectivityEngine Build(ClusterModel model, IOutputSink? sink = null, ConnectivityOptions? options = null) =>
        new(model, options ?? ConnectivityOptions.Default, sink ?? new CollectingSink());

    public ClusterModel Model { get; }

    public ConnectivityOptions Options { get; }

    /// <summary>The peer classes, the synthetic ones (arbitrary pod, ingress controller) last.</summary>
    public IReadOnlyList<PeerClass> Classes => classes.Classes;

    /// <summary>The external ranges that ingress ipBlocks cut the address space into (sources of flows).</summary>
    public IReadOnlyList<IpRange> ExternalSourceRanges => sourceRanges;

    /// <summary>The external ranges that egress ipBlocks and networks cut the address space into (destinations of flows).</summary>
    public IReadOnlyList<IpRange> ExternalDestinationRanges => destinationRanges;

    public IReadOnlyList<PeerClass> ClassesOf(Workload workload) =>
        classes.ByWorkload.TryGetValue(workload, out var l) ? l : Array.Empty<PeerClass>();

    /// <summary>The objects that expose the workload to the ingress controller, with the ports each opens.</summary>
    public IReadOnlyList<ExposureSource> ExposureOf(Workload workload) => ClassesOf(workload).SelectMany(exposure.SourcesOf).Distinct().ToList();

    // ------------------------------------------------------------------ programs

    /// <summary>The rules that apply to one class in one direction, in the order the cluster evaluates them.</summary>
    private sealed class Program
    {
        public required CompiledRule[] AdminRules { get; init; }
        /// <summary>Null: no NetworkPolicy isolates the class in this direction.</summary>
        public required CompiledRule[]? NetworkRules { get; init; }
        public required CompiledPolicy[] NetworkPolicies { get; init; }
        public required CompiledRule[] BaselineRules { get; init; }
        /// <summary>For ingress: the class whose named ports the rules resolve to (null when no rule has a named port).</summary>
        public PeerClass? PortsOwner { get; init; }
        public bool IsOpen => AdminRules.Length == 0 && NetworkRules is null && BaselineRules.Length == 0;
        public bool IsIsolating => !IsOpen;
    }

    private int[] AssignPrograms(TrafficDirection direction, List<Program> programs)
    {
        var result = new int[classCount];
        var byKey = new Dictionary<string, int>(StringComparer.Ordinal);
        var key = new System.Text.StringBuilder();
        foreach (var c in classes.Classes)
        {
            var admin = new List<CompiledRule>();
            foreach (var anp in policies.AdminPolicies)
            {
                if (anp.Affects(direction) && anp.Subject.Contains(c.Index))
                {
                    admin.AddRange(anp.Rules(direction));
                }
            }

            List<CompiledPolicy>? nps = null;
            if (policies.NetworkPoliciesByNamespace.TryGetValue(c.Namespace, out var inNs))
            {
                foreach (var np in inNs)
                {
                    if (np.Affects(direction) && np.Subject.Contains(c.Index))
                    {
                        (nps ??= new List<CompiledPolicy>()).Add(np);
                    }
                }
            }

            var baseline = policies.Baseline is { } b && b.Affects(direction) && b.Subject.Contains(c.Index) ? b.Rules(direction).ToArray() : Array.Empty<CompiledRule>();
            var npRules = nps?.SelectMany(p => p.Rules(direction)).ToArray();
            var named = direction == TrafficDirection.Ingress &&
                (admin.Any(r => r.Ports.HasNamedPorts) || (npRules?.Any(r => r.Ports.HasNamedPorts) ?? false) || baseline.Any(r => r.Ports.HasNamedPorts));

            key.Clear();
            key.AppendJoin(',', admin.Select(r => r.Id)).Append('|');
            if (nps is null)
            {
                key.Append('-');
            }
            else
            {
                key.AppendJoin(',', nps.Select(p => p.Namespace + "/" + p.Name));
            }

            key.Append('|').AppendJoin(',', baseline.Select(r => r.Id)).Append('|').Append(named ? c.NamedPortSignature : -1);
            var k = key.ToString();
            if (!byKey.TryGetValue(k, out var index))
            {
                index = programs.Count;
                programs.Add(new Program
                {
                    AdminRules = admin.ToArray(),
                    NetworkRules = npRules,
                    NetworkPolicies = nps?.ToArray() ?? Array.Empty<CompiledPolicy>(),
                    BaselineRules = baseline,
                    PortsOwner = named ? c : null,
                });
                byKey[k] = index;
            }

            result[c.Index] = index;
        }

        return result;
    }

    // ------------------------------------------------------------------ evaluation

    /// <summary>A peer as rules see it: a class, an address range, or "an address no CIDR but /0 names" of a family.</summary>
    private readonly record struct PeerRef(int ClassIndex, IpRange Range, int AnyAddressFamily)
    {
        /// <summary>A peer that only rules without peers (every pod and address) match: what every other peer of a sparse row gets.</summary>
        public static PeerRef Unmatched => new(-2, default, 0);
        public static PeerRef Class(int index) => new(index, default, 0);
        public static PeerRef Address(IpRange range) => new(-1, range, 0);
        public static PeerRef AnyAddress(int family) => new(-1, default, family);
        public bool IsClass => ClassIndex >= 0;
    }

    private static bool Matches(CompiledRule rule, PeerRef peer) =>
        peer.ClassIndex == -2 ? rule.AllPeers :
        peer.IsClass ? rule.MatchesClass(peer.ClassIndex) :
        peer.AnyAddressFamily != 0 ? rule.MatchesAnyAddress(peer.AnyAddressFamily) :
        rule.MatchesRange(peer.Range);

    /// <summary>The rule's connections on a destination class (named ports resolved on it), interned.</summary>
    private int Resolve(CompiledRule rule, PeerClass? destination)
    {
        if (!rule.Ports.HasNamedPorts || destination is null)
        {
            return numericPorts[rule.Id];
        }

        var key = ((long)rule.Id << 32) | (uint)destination.NamedPortSignature;
        return namedPorts.GetOrAdd(key, _ => table.Intern(rule.Ports.Resolve(destination)));
    }

    /// <summary>What one direction's rules allow towards one peer, layer by layer.</summary>
    private int Evaluate(Program program, PeerRef peer, PeerClass? destination)
    {
        if (program.IsOpen)
        {
            return ConnectionTable.All;
        }

        int allowed = ConnectionTable.None, denied = ConnectionTable.None, passed = ConnectionTable.None;
        foreach (var r in program.AdminRules)
        {
            if (!Matches(r, peer))
            {
                continue;
            }

            // Earlier rules (and higher-priority policies) take precedence: only what is still undecided counts.
            var c = table.Subtract(table.Subtract(table.Subtract(Resolve(r, destination), allowed), denied), passed);
            switch (r.Action)
            {
                case RuleAction.Allow:
                    allowed = table.Union(allowed, c);
                    break;
                case RuleAction.Deny:
                    denied = table.Union(denied, c);
                    break;
                default:
                    passed = table.Union(passed, c);
                    break;
            }
        }

        if (program.NetworkRules is { } npRules)
        {
            var np = ConnectionTable.None;
            foreach (var r in npRules)
            {
                if (Matches(r, peer))
                {
                    np = table.Union(np, Resolve(r, destination));
                }
            }

            // Passed and unmatched connections are decided by the NetworkPolicies; admin decisions stand.
            return table.Union(allowed, table.Subtract(np, denied));
        }

        int bAllowed = ConnectionTable.None, bDenied = ConnectionTable.None;
        foreach (var r in program.BaselineRules)
        {
            if (!Matches(r, peer))
            {
                continue;
            }

            var c = Resolve(r, destination);
            if (r.Action == RuleAction.Allow)
            {
                bAllowed = table.Union(bAllowed, table.Subtract(c, bDenied));
            }
            else
            {
                bDenied = table.Union(bDenied, table.Subtract(c, bAllowed));
            }
        }

        // Not isolated by NetworkPolicy: everything the admin and baseline layers do not deny is allowed.
        return table.Union(allowed, table.Subtract(table.Subtract(ConnectionTable.All, denied), bDenied));
    }

    private int PeerCount(TrafficDirection direction) => classCount + (direction == TrafficDirection.Egress ? destinationRanges.Count : sourceRanges.Count) + 2;

    private PeerRef PeerAt(TrafficDirection direction, int index)
    {
        if (index < classCount)
        {
            return PeerRef.Class(index);
        }

        var ranges = direction == TrafficDirection.Egress ? destinationRanges : sourceRanges;
        var i = index - classCount;
        return i < ranges.Count ? PeerRef.Address(ranges[i]) : PeerRef.AnyAddress(i == ranges.Count ? 4 : 6);
    }

    /// <summary>
    /// A program's results over the peers of its direction: <see cref="Default"/> for every peer
    /// no rule of the program matches, and the matched peers (sorted) with their results; or,
    /// when most peers are matched, one result per peer.
    /// </summary>
    private sealed class Row
    {
        public static readonly int[] NoPeers = Array.Empty<int>();

        public int Default { get; init; }
        public int[]? Dense { get; init; }
        public int[] Peers { get; init; } = NoPeers;
        public int[] Values { get; init; } = NoPeers;

        public int this[int peer]
        {
            get
            {
                if (Dense is { } dense)
                {
                    return dense[peer];
                }

                var i = Array.BinarySearch(Peers, peer);
                return i >= 0 ? Values[i] : Default;
            }
        }
    }

    /// <summary>A program's row; null for an open program (everything allowed).</summary>
    private Row? RowOf(TrafficDirection direction, int program)
    {
        var rows = direction == TrafficDirection.Egress ? egressRows : ingressRows;
        var done = direction == TrafficDirection.Egress ? egressRowDone : ingressRowDone;
        if (Volatile.Read(ref done[program]))
        {
            return rows[program];
        }

        // Concurrent callers may compute the same row twice; both results are equal, and the
        // row is published before its flag.
        var row = ComputeRow(direction, program);
        rows[program] = row;
        Volatile.Write(ref done[program], true);
        return row;
    }

    private void ComputeAllRows(CancellationToken cancellationToken)
    {
        // Rows are independent: fill them in parallel, then read them without locks.
        var parallel = new ParallelOptions { CancellationToken = cancellationToken };
        Parallel.For(0, egressPrograms.Count, parallel, i => RowOf(TrafficDirection.Egress, i));
        Parallel.For(0, ingressPrograms.Count, parallel, i => RowOf(TrafficDirection.Ingress, i));
    }

    private Row? ComputeRow(TrafficDirection direction, int program)
    {
        var p = (direction == TrafficDirection.Egress ? egressPrograms : ingressPrograms)[program];
        if (p.IsOpen)
        {
            return null;
        }

        var count = PeerCount(direction);
        var matched = MatchedPeers(direction, p, count);
        if (matched is null)
        {
            var dense = new int[count];
            for (var i = 0; i < dense.Length; i++)
            {
                dense[i] = EvaluateAt(direction, p, i);
            }

            return new Row { Dense = dense };
        }

        var fallback = Evaluate(p, PeerRef.Unmatched, direction == TrafficDirection.Ingress ? p.PortsOwner : null);
        var peers = new List<int>();
        var values = new List<int>();
        foreach (var i in matched)
        {
            // A matched peer whose result is the default (a Pass, a port-less overlap) needs no entry.
            var value = EvaluateAt(direction, p, i);
            if (value != fallback)
            {
                peers.Add(i);
                values.Add(value);
            }
        }

        return new Row { Default = fallback, Peers = peers.ToArray(), Values = values.ToArray() };
    }

    private int EvaluateAt(TrafficDirection direction, Program p, int index)
    {
        var peer = PeerAt(direction, index);
        var destination = direction == TrafficDirection.Ingress ? p.PortsOwner : peer.IsClass ? classes.Classes[peer.ClassIndex] : null;
        return Evaluate(p, peer, destination);
    }

    /// <summary>
    /// The peers some rule of the program matches, in order; null when a rule matches every peer
    /// or so many peers are matched that one result per peer is smaller.
    /// </summary>
    private List<int>? MatchedPeers(TrafficDirection direction, Program p, int count)
    {
        var bits = new ulong[(count + 63) / 64];
        var ranges = direction == TrafficDirection.Egress ? destinationRanges : sourceRanges;
        foreach (var rule in p.AdminRules.Concat(p.NetworkRules ?? Enumerable.Empty<CompiledRule>()).Concat(p.BaselineRules))
        {
            if (rule.AllPeers)
            {
                return null;
            }

            rule.Classes.OrInto(bits);
            foreach (var r in RangesOf(rule, ranges))
            {
                var i = classCount + r;
                bits[i >> 6] |= 1UL << (i & 63);
            }

            for (var family = 0; family < 2; family++)
            {
                // The two "any address" peers follow the ranges: IPv4's, then IPv6's.
                if (rule.MatchesAnyAddress(family == 0 ? 4 : 6))
                {
                    var i = classCount + ranges.Count + family;
                    bits[i >> 6] |= 1UL << (i & 63);
                }
            }
        }

        var total = 0;
        foreach (var word in bits)
        {
            total += System.Numerics.BitOperations.PopCount(word);
        }

        // Two ints per sparse entry against one per peer.
        if (total * 2 >= count)
        {
            return null;
        }

        var result = new List<int>(total);
        for (var w = 0; w < bits.Length; w++)
        {
            var word = bits[w];
            while (word != 0)
            {
                result.Add((w << 6) + System.Numerics.BitOperations.TrailingZeroCount(word));
                word &= word - 1;
            }
        }

        return result;
    }

    /// <summary>The indexes of the external ranges (of the rule's direction) that the rule's addresses hold.</summary>
    private int[] RangesOf(CompiledRule rule, IReadOnlyList<IpRange> ranges)
    {
        if (rule.Addresses.IsEmpty)
        {
            return Row.NoPeers;
        }

        return rangesOfRule.GetOrAdd(rule.Id, _ =>
        {
            var found = new List<int>();
            foreach (var block in rule.Addresses.Ranges)
            {
                // Ranges are sorted by family and first address and do not overlap: start at the first that ends in the block.
                int lo = 0, hi = ranges.Count;
                while (lo < hi)
                {
                    var mid = (lo + hi) / 2;
                    var m = ranges[mid];
                    if (m.Family < block.Family || (m.Family == block.Family && m.Last < block.First))
                    {
                        lo = mid + 1;
                    }
                    else
                    {
                        hi = mid;
                    }
                }

                for (var i = lo; i < ranges.Count && ranges[i].Family == block.Family && ranges[i].First <= block.Last; i++)
                {
                    if (rule.MatchesRange(ranges[i]))
                    {
                        found.Add(i);
                    }
                }
            }

            return found.Distinct().Order().ToArray();
        });
    }

    private int Egress(int sourceClass, int peerIndex) => RowOf(TrafficDirection.Egress, egressProgramOf[sourceClass]) is { } r ? r[peerIndex] : ConnectionTable.All;

    private int Ingress(int destinationClass, int peerIndex) => RowOf(TrafficDirection.Ingress, ingressProgramOf[destinationClass]) is { } r ? r[peerIndex] : ConnectionTable.All;

    /// <summary>Connections from one class to another: what the source's egress and the destination's ingress both allow.</summary>
    private int ClassToClass(int source, int destination) => table.Intersect(Egress(source, destination), Ingress(destination, source));

    private int AnyAddressIndex(TrafficDirection direction, int family) =>
        classCount + (direction == TrafficDirection.Egress ? destinationRanges.Count : sourceRanges.Count) + (family == 4 ? 0 : 1);

    // ------------------------------------------------------------------ IConnectivityQuery

    public ConnectionSet Between(Workload source, Workload destination) =>
        table[UnionOver(ClassesOf(source), s => UnionOver(ClassesOf(destination), d => ClassToClass(s.Index, d.Index)))];

    public ConnectionSet FromArbitraryPod(Workload destination) =>
        table[UnionOver(ClassesOf(destination), d => ClassToClass(classes.Arbitrary.Index, d.Index))];

    public ConnectionSet FromInternet(Workload destination) =>
        table[UnionOver(ClassesOf(destination), d => table.Union(
            Ingress(d.Index, AnyAddressIndex(TrafficDirection.Ingress, 4)), Ingress(d.Index, AnyAddressIndex(TrafficDirection.Ingress, 6))))];

    public ConnectionSet ToArbitraryPod(Workload source) =>
        table[UnionOver(ClassesOf(source), s => ClassToClass(s.Index, classes.Arbitrary.Index))];

    public ConnectionSet ToInternet(Workload source) =>
        table[UnionOver(ClassesOf(source), s => table.Union(
            Egress(s.Index, AnyAddressIndex(TrafficDirection.Egress, 4)), Egress(s.Index, AnyAddressIndex(TrafficDirection.Egress, 6))))];

    public ConnectionSet ToAddress(Workload source, IPAddress address)
    {
        var (family, value) = IpRange.ToNumber(address);
        var peer = PeerRef.Address(new IpRange(family, value, value));
        return table[UnionOver(ClassesOf(source), s => Evaluate(egressPrograms[egressProgramOf[s.Index]], peer, null))];
    }

    public ConnectionSet FromIngressController(Workload destination) =>
        table[UnionOver(ClassesOf(destination), d => FromIngressController(d))];

    private int FromIngressController(PeerClass d)
    {
        var exposed = exposure.ConnectionsOf(d);
        return exposed.IsEmpty ? ConnectionTable.None : table.Intersect(table.Intern(exposed), UnionOver(IngressControllerClasses, c => ClassToClass(c.Index, d.Index)));
    }

    /// <summary>
    /// The pods that stand for <c>{ingress-controller}</c>: the controllers found in the snapshot,
    /// else an unlabelled pod in a namespace of its own.
    /// </summary>
    public IReadOnlyList<PeerClass> IngressControllerClasses =>
        classes.DetectedIngressControllers.Count > 0 ? classes.DetectedIngressControllers : new[] { classes.IngressController };

    public bool IsIsolated(Workload workload, TrafficDirection direction)
    {
        var mine = ClassesOf(workload);
        var programs = direction == TrafficDirection.Egress ? egressPrograms : ingressPrograms;
        var of = direction == TrafficDirection.Egress ? egressProgramOf : ingressProgramOf;
        return mine.Count > 0 && mine.All(c => programs[of[c.Index]].IsIsolating);
    }

    /// <summary>
    /// The policies that isolate or govern the workload in one direction, as <c>Kind name</c>:
    /// admin policies whose subject holds it, NetworkPolicies that select it, and the baseline when
    /// no NetworkPolicy does (it is never reached otherwise).
    /// </summary>
    public IReadOnlyList<string> PoliciesApplyingTo(Workload workload, TrafficDirection direction)
    {
        var programs = direction == TrafficDirection.Egress ? egressPrograms : ingressPrograms;
        var of = direction == TrafficDirection.Egress ? egressProgramOf : ingressProgramOf;
        var result = new List<string>();
        foreach (var c in ClassesOf(workload))
        {
            var p = programs[of[c.Index]];
            foreach (var policy in p.AdminRules.Select(r => r.Policy).Concat(p.NetworkPolicies).Concat(p.NetworkRules is null ? p.BaselineRules.Select(r => r.Policy) : Enumerable.Empty<CompiledPolicy>()))
            {
                var name = policy.ToString();
                if (!result.Contains(name))
                {
                    result.Add(name);
                }
            }
        }

        return result;
    }

    private int UnionOver(IReadOnlyList<PeerClass> list, Func<PeerClass, int> f)
    {
        var result = ConnectionTable.None;
        foreach (var c in list)
        {
            result = table.Union(result, f(c));
            if (result == ConnectionTable.All)
            {
                break;
            }
        }

        return result;
    }

    // ------------------------------------------------------------------ flows

    public IReadOnlyList<Flow> Flows => GetFlows(CancellationToken.None);

    /// <summary>The flows, computed once; a cancelled computation leaves nothing half-made behind.</summary>
    public IReadOnlyList<Flow> GetFlows(CancellationToken cancellationToken) => flows ??= ComputeFlows(cancellationToken);

    /// <summary>
    /// The flows whose source is one peer (<c>ns/name[Kind]</c>, a range or <c>{ingress-controller}</c>),
    /// in connlist order, without scanning the whole list: flows are stored grouped by source.
    /// </summary>
    public IReadOnlyList<Flow> FlowsFrom(string sourcePeer) =>
        Flows is FlowList list ? list.From(sourcePeer) : Flows.Where(f => f.Source == sourcePeer).ToList();

    /// <summary>A peer of the flow list: a workload, an external range, or the ingress controller.</summary>
    private sealed record FlowPeer(string Name, PeerKind Kind, string? Namespace, int[] Classes, int RangeIndex);

    private IReadOnlyList<Flow> ComputeFlows(CancellationToken cancellationToken)
    {
        var workloads = Model.Workloads;
        if (workloads.Count == 0)
        {
            return Array.Empty<Flow>();
        }

        ComputeAllRows(cancellationToken);
        var peers = new List<FlowPeer>();
        foreach (var w in workloads)
        {
            peers.Add(new FlowPeer(w.Peer, PeerKind.Workload, w.Namespace, ClassesOf(w).Select(c => c.Index).ToArray(), -1));
        }

        var workloadCount = peers.Count;
        var sourceList = Enumerable.Range(0, workloadCount).ToList();
        var destinationList = Enumerable.Range(0, workloadCount).ToList();
        for (var r = 0; r < sourceRanges.Count; r++)
        {
            sourceList.Add(peers.Count);
            peers.Add(new FlowPeer(sourceRanges[r] + "[External]", PeerKind.External, null, Array.Empty<int>(), r));
        }

        for (var r = 0; r < destinationRanges.Count; r++)
        {
            destinationList.Add(peers.Count);
            peers.Add(new FlowPeer(destinationRanges[r] + "[External]", PeerKind.External, null, Array.Empty<int>(), r));
        }

        var controller = -1;
        if (!exposure.IsEmpty)
        {
            controller = peers.Count;
            sourceList.Add(controller);
            peers.Add(new FlowPeer(IngressControllerPeer, PeerKind.IngressController, null, Array.Empty<int>(), -1));
        }

        // Ordering the peers once orders the flows: no sort over millions of lines.
        sourceList.Sort((a, b) => string.CompareOrdinal(peers[a].Name, peers[b].Name));
        destinationList.Sort((a, b) => string.CompareOrdinal(peers[a].Name, peers[b].Name));

        // Where a source's egress allows nothing by default, its flows can only go to the peers its rules name.
        var rank = new int[peers.Count];
        for (var k = 0; k < destinationList.Count; k++)
        {
            rank[destinationList[k]] = k;
        }

        var workloadsOfClass = new List<int>?[classCount];
        for (var j = 0; j < workloadCount; j++)
        {
            foreach (var c in peers[j].Classes)
            {
                (workloadsOfClass[c] ??= new List<int>()).Add(j);
            }
        }

        var firstDestinationRange = workloadCount + sourceRanges.Count;
        List<int>? NamedDestinations(FlowPeer src)
        {
            var named = new HashSet<int>();
            foreach (var s in src.Classes)
            {
                if (RowOf(TrafficDirection.Egress, egressProgramOf[s]) is not { Dense: null, Default: ConnectionTable.None } row)
                {
                    return null;
                }

                foreach (var peer in row.Peers)
                {
                    if (peer < classCount)
                    {
                        if (workloadsOfClass[peer] is { } ws)
                        {
                            named.UnionWith(ws);
                        }
                    }
                    else if (peer < classCount + destinationRanges.Count)
                    {
                        named.Add(firstDestinationRange + peer - classCount);
                    }
                }
            }

            var list = named.ToList();
            list.Sort((a, b) => rank[a].CompareTo(rank[b]));
            return list;
        }

        var perSource = new List<long>[sourceList.Count];
        Parallel.For(0, sourceList.Count, new ParallelOptions { CancellationToken = cancellationToken }, i =>
        {
            var src = peers[sourceList[i]];
            var found = new List<long>();
            var targets = (src.Kind == PeerKind.Workload ? NamedDestinations(src) : null) ?? destinationList;
            foreach (var dstIndex in targets)
            {
                var dst = peers[dstIndex];
                var conns = ConnectionTable.None;
                if (ReferenceEquals(src, dst) || (src.Kind != PeerKind.Workload && dst.Kind != PeerKind.Workload))
                {
                    continue;
                }

                if (src.Kind == PeerKind.Workload && dst.Kind == PeerKind.Workload)
                {
                    foreach (var s in src.Classes)
                    {
                        foreach (var d in dst.Classes)
                        {
                            conns = table.Union(conns, ClassToClass(s, d));
                        }
                    }
                }
                else if (src.Kind == PeerKind.Workload)
                {
                    foreach (var s in src.Classes)
                    {
                        conns = table.Union(conns, Egress(s, classCount + dst.RangeIndex));
                    }
                }
                else if (src.Kind == PeerKind.External)
                {
                    foreach (var d in dst.Classes)
                    {
                        conns = table.Union(conns, Ingress(d, classCount + src.RangeIndex));
                    }
                }
                else
                {
                    foreach (var d in dst.Classes)
                    {
                        conns = table.Union(conns, FromIngressController(classes.Classes[d]));
                    }
                }

                if (conns != ConnectionTable.None)
                {
                    found.Add(((long)dstIndex << 32) | (uint)conns);
                }
            }

            perSource[i] = found;
        });

        if (controller >= 0)
        {
            var reached = perSource[sourceList.IndexOf(controller)].Select(p => (int)(p >> 32)).ToHashSet();
            for (var j = 0; j < workloadCount; j++)
            {
                var exposed = ExposureOf(workloads[j]);
                if (exposed.Count > 0 && !reached.Contains(j))
                {
                    sink.Warning($"{string.Join(", ", exposed.Select(e => $"{e.Kind} {e.Namespace}/{e.Name}").Distinct())} exposes {workloads[j].Peer}, " +
                        "but policies block every connection from the ingress controller to it.");
                }
            }
        }

        return new FlowList(table, peers, sourceList, perSource);
    }

    /// <summary>
    /// The flows in connlist order, stored as peer and connection indexes; a <see cref="Flow"/>
    /// record is made when read, so a cluster where millions of pairs connect stays small.
    /// </summary>
    private sealed class FlowList : IReadOnlyList<Flow>
    {
        // Only the connection table: holding the engine would keep its rows alive as long as the flows.
        private readonly ConnectionTable table;
        private readonly List<FlowPeer> peers;
        private readonly int[] sources;
        private readonly long[] entries;
        private readonly ConcurrentDictionary<int, (string Text, IReadOnlyList<PortRange> Ports)> texts = new();
        private readonly Dictionary<string, (int Start, int Count)> bySource = new(StringComparer.Ordinal);

        public FlowList(ConnectionTable table, List<FlowPeer> peers, List<int> sourceOrder, List<long>[] perSource)
        {
            this.table = table;
            this.peers = peers;
            var count = perSource.Sum(l => l.Count);
            sources = new int[count];
            entries = new long[count];
            var k = 0;
            for (var i = 0; i < perSource.Length; i++)
            {
                if (perSource[i].Count > 0)
                {
                    bySource[peers[sourceOrder[i]].Name] = (k, perSource[i].Count);
                }

                foreach (var e in perSource[i])
                {
                    sources[k] = sourceOrder[i];
                    entries[k++] = e;
                }
            }
        }

        public IReadOnlyList<Flow> From(string source)
        {
            if (!bySource.TryGetValue(source, out var range))
            {
                return Array.Empty<Flow>();
            }

            var result = new Flow[range.Count];
            for (var i = 0; i < range.Count; i++)
            {
                result[i] = this[range.Start + i];
            }

            return result;
        }

        public int Count => entries.Length;

        public Flow this[int index]
        {
            get
            {
                var src = peers[sources[index]];
                var dst = peers[(int)(entries[index] >> 32)];
                var id = (int)(entries[index] & 0xffffffff);
                var (text, ports) = texts.GetOrAdd(id, i =>
                {
                    var set = table[i];
                    return (set.ToString(), set.ToPortRanges());
                });
                return new Flow
                {
                    Source = src.Name, SourceKind = src.Kind, SourceNamespace = src.Namespace,
                    Destination = dst.Name, DestinationKind = dst.Kind, DestinationNamespace = dst.Namespace,
                    Connections = text, AllConnections = id == ConnectionTable.All, Ports = ports,
                };
            }
        }

        public IEnumerator<Flow> GetEnumerator()
        {
            for (var i = 0; i < entries.Length; i++)
            {
                yield return this[i];
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
