using System.Collections.Concurrent;
using System.Net;
using NetSecPS.Core.Model;
using NetSecPS.Core.Policy;

namespace NetSecPS.Core.Connectivity;

/// <summary>
/// The connectivity engine: the policy model (every layer, tier, policy and rule a cluster
/// enforces) evaluated into allowed connections between peer classes, external address ranges
/// and the ingress controller.
/// </summary>
/// <remarks>
/// Cost grows with classes, not pods. Each class gets, per direction, a <em>program</em>: the
/// tiers of each layer that apply to it with their rules in evaluation order. Classes with the
/// same program share one row of results over every peer, and a connection set is an interned
/// integer, so the pairwise work is table look-ups. A row holds the result for peers no rule of
/// its program matches once, and the peers some rule matches (what the policies select) one by
/// one, so rows grow with what policies select rather than with classes times programs; flows
/// from a source whose egress allows nothing by default are looked for only among the peers its
/// rules name.
/// </remarks>
internal sealed partial class ConnectivityEngine : IConnectivityQuery
{
    /// <summary>The peer name of the ingress controller.</summary>
    public const string IngressControllerPeer = "{ingress-controller}";

    private readonly ConnectionTable table = new();
    private readonly PeerClassBuilder.Result classes;
    private readonly PolicyModel policies;
    private readonly ExposureMap exposure;
    private readonly IOutputSink sink;
    private readonly int classCount;

    // Peers of a row: classes, then external ranges of that direction, then the two "any address" peers.
    private readonly IReadOnlyList<IpRange> sourceRanges;
    private readonly IReadOnlyList<IpRange> destinationRanges;

    private readonly ProgramTable egressPrograms;
    private readonly ProgramTable ingressPrograms;
    private readonly Row?[] egressRows;
    private readonly Row?[] ingressRows;
    private readonly ConcurrentDictionary<int, int[]> rangesOfRule = new();
    private readonly bool[] egressRowDone;
    private readonly bool[] ingressRowDone;
    private readonly int[] numericPorts;
    private readonly ConcurrentDictionary<long, int> namedPorts = new();

    // Where node peers exist (Cilium): the nodes each class's pods run on (null: unknown), to tell a node's own pods from the others'.
    private readonly string?[][]? nodesOfClass;

    /// <summary>
    /// By rule id: the rule matches every peer of its direction (every class, every external
    /// range, any address of both families: a <c>0.0.0.0/0</c> and <c>::/0</c> rule that also
    /// matches pods) and names no port by name, so it holds the same for all of them. Rows leave
    /// such rules out of their sparse peers and count them in their default.
    /// </summary>
    private readonly bool[] universalRules;

    /// <summary>Each class's egress and ingress row, filled before the flows are computed.</summary>
    private Row?[]? egressRowOfClass;
    private Row?[]? ingressRowOfClass;
    private IReadOnlyList<Flow>? flows;

    private ConnectivityEngine(ClusterModel model, ConnectivityOptions options, IOutputSink sink, CancellationToken cancellationToken)
    {
        Model = model;
        Options = options;
        this.sink = sink;
        policies = PolicyModelBuilder.Build(model, options, sink, cancellationToken);
        classes = policies.Classes;
        classCount = classes.Classes.Count;
        cancellationToken.ThrowIfCancellationRequested();
        exposure = ExposureMap.Build(model, classes, sink);
        cancellationToken.ThrowIfCancellationRequested();
        sourceRanges = IpSet.Cut(policies.IngressCuts);
        destinationRanges = IpSet.Cut(policies.EgressCuts);
        numericPorts = policies.Rules.Select(r => table.Intern(r.Ports.Numeric)).ToArray();
        universalRules = policies.Rules.Select(IsUniversal).ToArray();

        egressPrograms = policies.Programs(TrafficDirection.Egress, cancellationToken);
        ingressPrograms = policies.Programs(TrafficDirection.Ingress, cancellationToken);
        egressRows = new Row?[egressPrograms.Programs.Count];
        ingressRows = new Row?[ingressPrograms.Programs.Count];
        egressRowDone = new bool[egressPrograms.Programs.Count];
        ingressRowDone = new bool[ingressPrograms.Programs.Count];
        if (classes.Nodes is not null)
        {
            nodesOfClass = classes.Classes.Select(c => c.Pods.Select(p => string.IsNullOrEmpty(p.Spec?.NodeName) ? null : p.Spec!.NodeName).Distinct().ToArray()).ToArray();
        }

        sink.Verbose($"Connectivity: {model.Pods.Count} pods in {classes.Classes.Count(c => c.Kind == PeerClassKind.Pod)} peer classes; " +
            string.Join(", ", policies.Policies.GroupBy(p => p.Kind).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Count()} {g.Key}")) +
            (policies.Policies.Count == 0 ? "no policies" : string.Empty) +
            $" in {policies.Tiers.Count} tier(s); {egressPrograms.Programs.Count} egress and {ingressPrograms.Programs.Count} ingress rule programs.");
    }

    private bool IsUniversal(CompiledRule rule)
    {
        if (rule.Ports.HasNamedPorts)
        {
            return false;
        }

        if (rule.AllPeers)
        {
            return true;
        }

        var ranges = rule.Direction == TrafficDirection.Egress ? destinationRanges : sourceRanges;
        return rule.MatchesAnyAddress(4) && rule.MatchesAnyAddress(6) && rule.Classes.Count == classCount && ranges.All(rule.MatchesRange);
    }

    /// <summary>
    /// Compiles the model's policies and exposure; flows are computed when first asked for. A
    /// cancelled <paramref name="cancellationToken"/> stops the build between policies, peer classes
    /// and rule programs with <see cref="OperationCanceledException"/>.
    /// </summary>
    public static ConnectivityEngine Build(ClusterModel model, IOutputSink? sink = null, ConnectivityOptions? options = null, CancellationToken cancellationToken = default) =>
        new(model, options ?? ConnectivityOptions.Default, sink ?? new CollectingSink(), cancellationToken);

    public ClusterModel Model { get; }

    public ConnectivityOptions Options { get; }

    /// <summary>The policy model the engine evaluates: what the checks read policy through.</summary>
    PolicyModel IConnectivityQuery.Policies => policies;

    /// <summary>The peer classes, the synthetic ones (arbitrary pod, ingress controller) last.</summary>
    public IReadOnlyList<PeerClass> Classes => classes.Classes;

    /// <summary>The external ranges that ingress ipBlocks cut the address space into (sources of flows).</summary>
    public IReadOnlyList<IpRange> ExternalSourceRanges => sourceRanges;

    /// <summary>The external ranges that egress ipBlocks and networks cut the address space into (destinations of flows).</summary>
    public IReadOnlyList<IpRange> ExternalDestinationRanges => destinationRanges;

    /// <summary>What the policy model could not decide statically, one sentence each.</summary>
    public IReadOnlyList<string> Undecided => policies.Undecided;

    public IReadOnlyList<PeerClass> ClassesOf(Workload workload) =>
        classes.ByWorkload.TryGetValue(workload, out var l) ? l : Array.Empty<PeerClass>();

    /// <summary>The objects that expose the workload to the ingress controller, with the ports each opens.</summary>
    public IReadOnlyList<ExposureSource> ExposureOf(Workload workload) => ClassesOf(workload).SelectMany(exposure.SourcesOf).Distinct().ToList();

    private ProgramTable ProgramsOf(TrafficDirection direction) => direction == TrafficDirection.Egress ? egressPrograms : ingressPrograms;

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

    private bool Matches(CompiledRule rule, PeerRef peer) =>
        peer.ClassIndex == -2 ? rule.AllPeers || universalRules[rule.Id] :
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

    /// <summary>What one direction's program allows towards one peer: each layer's verdict, intersected.</summary>
    /// <param name="strict">
    /// False: what is allowed at L4 (a conditional Allow admits, a conditional Deny refuses
    /// nothing). True: what is allowed for every request (a conditional Allow admits nothing, a
    /// conditional Deny refuses all it matches); the difference is what the mesh restricts at L7.
    /// </param>
    private int Evaluate(PolicyProgram program, PeerRef peer, PeerClass? destination, bool strict = false)
    {
        if (program.IsOpen)
        {
            return ConnectionTable.All;
        }

        var result = ConnectionTable.All;
        var start = 0;
        var tiers = program.Tiers;
        while (start < tiers.Length && result != ConnectionTable.None)
        {
            var end = start;
            while (end < tiers.Length && tiers[end].Tier.Layer == tiers[start].Tier.Layer)
            {
                end++;
            }

            result = table.Intersect(result, EvaluateLayer(tiers, start, end, peer, destination, strict));
            start = end;
        }

        return result;
    }

    /// <summary>
    /// One layer's tiers in order. An ordered tier gives each connection to the first rule that
    /// matches it; a union tier lets any Deny beat any Allow. What a tier neither allowed nor
    /// denied goes on (Pass, or no match in a tier that does not isolate the class); what an
    /// isolating tier's rules leave is decided by its no-match action. The end of the tiers is the
    /// cluster default: allow.
    /// </summary>
    private int EvaluateLayer(TierProgram[] tiers, int start, int end, PeerRef peer, PeerClass? destination, bool strict)
    {
        int undecided = ConnectionTable.All, allowed = ConnectionTable.None;
        for (var t = start; t < end && undecided != ConnectionTable.None; t++)
        {
            var tp = tiers[t];
            int rest, passed = ConnectionTable.None;
            if (tp.Tier.Kind == TierKind.Ordered)
            {
                var decided = ConnectionTable.None;
                foreach (var r in tp.Rules)
                {
                    if (r.Action == RuleAction.Log || (r.Condition is not null && Skips(r, strict)) || !Matches(r, peer))
                    {
                        continue;
                    }

                    // Earlier rules (and higher-priority policies) take precedence: only what is still undecided counts.
                    var c = table.Subtract(table.Intersect(Resolve(r, destination), undecided), decided);
                    if (c == ConnectionTable.None)
                    {
                        continue;
                    }

                    decided = table.Union(decided, c);
                    if (r.Action == RuleAction.Allow)
                    {
                        allowed = table.Union(allowed, c);
                    }
                    else if (r.Action == RuleAction.Pass)
                    {
                        passed = table.Union(passed, c);
                    }
                }

                rest = table.Subtract(undecided, decided);
            }
            else
            {
                int deny = ConnectionTable.None, allow = ConnectionTable.None;
                foreach (var r in tp.Rules)
                {
                    if (r.Action is RuleAction.Log or RuleAction.Pass || (r.Condition is not null && Skips(r, strict)) || !Matches(r, peer))
                    {
                        continue;
                    }

                    if (r.Action == RuleAction.Deny)
                    {
                        deny = table.Union(deny, Resolve(r, destination));
                    }
                    else
                    {
                        allow = table.Union(allow, Resolve(r, destination));
                    }
                }

                allow = table.Intersect(table.Subtract(allow, deny), undecided);
                allowed = table.Union(allowed, allow);
                rest = table.Subtract(table.Subtract(undecided, deny), allow);
            }

            if (!tp.Isolating || tp.Tier.NoMatch == NoMatchAction.Next)
            {
                undecided = table.Union(passed, rest);
            }
            else
            {
                if (tp.Tier.NoMatch == NoMatchAction.Allow)
                {
                    allowed = table.Union(allowed, rest);
                }

                undecided = passed;
            }
        }

        return table.Union(allowed, undecided);
    }

    /// <summary>
    /// A rule that holds for some requests only: at L4 its Deny refuses no connection; for every
    /// request the mesh's conditional Allow admits none (a CNI's L7 Allow, Cilium's, is not the mesh's restriction).
    /// </summary>
    private static bool Skips(CompiledRule rule, bool strict) => strict ? rule.Action == RuleAction.Allow && rule.ConditionInMesh : rule.Action == RuleAction.Deny;

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

                // By hand: Array.BinarySearch goes through a comparer, and flows call this per pair.
                var peers = Peers;
                int lo = 0, hi = peers.Length - 1;
                while (lo <= hi)
                {
                    var mid = (int)((uint)(lo + hi) >> 1);
                    var at = peers[mid];
                    if (at == peer)
                    {
                        return Values[mid];
                    }

                    if (at < peer)
                    {
                        lo = mid + 1;
                    }
                    else
                    {
                        hi = mid - 1;
                    }
                }

                return Default;
            }
        }
    }

    /// <summary>The result of a row for a peer; a null row is an open program.</summary>
    private static int At(Row? row, int peer) => row is null ? ConnectionTable.All : row[peer];

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
        Parallel.For(0, egressPrograms.Programs.Count, parallel, i => RowOf(TrafficDirection.Egress, i));
        Parallel.For(0, ingressPrograms.Programs.Count, parallel, i => RowOf(TrafficDirection.Ingress, i));
    }

    private Row? ComputeRow(TrafficDirection direction, int program)
    {
        var p = ProgramsOf(direction).Programs[program];
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

            return Compact(dense);
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

    /// <summary>
    /// A row of one result per peer kept sparse where one result holds for most peers: a rule that
    /// matches every peer (a baseline deny of <c>0.0.0.0/0</c>, which also matches pods) leaves
    /// the rest of the row as sparse as its other rules, and a source whose egress denies by
    /// default keeps the short list of destinations its flows can reach.
    /// </summary>
    private static Row Compact(int[] dense)
    {
        var counts = new Dictionary<int, int>();
        foreach (var v in dense)
        {
            counts[v] = counts.GetValueOrDefault(v) + 1;
        }

        var (common, times) = counts.MaxBy(kv => kv.Value) is var kv ? (kv.Key, kv.Value) : (ConnectionTable.None, 0);
        var others = dense.Length - times;

        // Two ints per sparse entry against one per peer.
        if (others * 2 >= dense.Length)
        {
            return new Row { Dense = dense };
        }

        var peers = new int[others];
        var values = new int[others];
        var k = 0;
        for (var i = 0; i < dense.Length; i++)
        {
            if (dense[i] != common)
            {
                peers[k] = i;
                values[k++] = dense[i];
            }
        }

        return new Row { Default = common, Peers = peers, Values = values };
    }

    private int EvaluateAt(TrafficDirection direction, PolicyProgram p, int index)
    {
        var peer = PeerAt(direction, index);
        var destination = direction == TrafficDirection.Ingress ? p.PortsOwner : peer.IsClass ? classes.Classes[peer.ClassIndex] : null;
        return Evaluate(p, peer, destination);
    }

    /// <summary>
    /// The peers some rule of the program matches, in order; null when a rule matches every peer
    /// or so many peers are matched that one result per peer is smaller.
    /// </summary>
    private List<int>? MatchedPeers(TrafficDirection direction, PolicyProgram p, int count)
    {
        var bits = new ulong[(count + 63) / 64];
        var ranges = direction == TrafficDirection.Egress ? destinationRanges : sourceRanges;
        foreach (var rule in p.AllRules)
        {
            if (universalRules[rule.Id])
            {
                continue;
            }

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

    private int Egress(int sourceClass, int peerIndex) => RowOf(TrafficDirection.Egress, egressPrograms.ProgramOf[sourceClass]) is { } r ? r[peerIndex] : ConnectionTable.All;

    private int Ingress(int destinationClass, int peerIndex) => RowOf(TrafficDirection.Ingress, ingressPrograms.ProgramOf[destinationClass]) is { } r ? r[peerIndex] : ConnectionTable.All;

    /// <summary>
    /// Connections from one class to another: what the source's egress and the destination's
    /// ingress both allow. Where node peers exist, a host-network class is its node: the pod at
    /// the other end sees it as its own node or another node, and no policy restricts the node's
    /// side (host firewall policies are not evaluated).
    /// </summary>
    private int ClassToClass(int source, int destination)
    {
        if (nodesOfClass is not null)
        {
            var s = classes.Classes[source];
            var d = classes.Classes[destination];
            if (s.HostNetwork != d.HostNetwork)
            {
                var result = ConnectionTable.None;
                foreach (var relation in Relations(nodesOfClass[source], nodesOfClass[destination]))
                {
                    var node = classes.NodePeer(relation)!.Index;
                    result = table.Union(result, s.HostNetwork ? Ingress(destination, node) : Egress(source, node));
                }

                return result;
            }
        }

        return table.Intersect(Egress(source, destination), Ingress(destination, source));
    }

    /// <summary>
    /// How a node side (a node, or host-network pods on nodes) and pods relate: the pod's own
    /// node where they share one, another node where they differ; both where a node is unknown.
    /// </summary>
    internal static IEnumerable<NodeRelation> Relations(IReadOnlyList<string?> nodeSide, IReadOnlyList<string?> pods)
    {
        bool local = false, remote = false;
        foreach (var a in nodeSide)
        {
            foreach (var b in pods)
            {
                if (a is null || b is null)
                {
                    local = remote = true;
                }
                else if (a == b)
                {
                    local = true;
                }
                else
                {
                    remote = true;
                }
            }
        }

        if (local)
        {
            yield return NodeRelation.Local;
        }

        if (remote)
        {
            yield return NodeRelation.Remote;
        }
    }

    private int AnyAddressIndex(TrafficDirection direction, int family) =>
        classCount + (direction == TrafficDirection.Egress ? destinationRanges.Count : sourceRanges.Count) + (family == 4 ? 0 : 1);

    // ------------------------------------------------------------------ IConnectivityQuery

    public ConnectionSet Between(Workload source, Workload destination) =>
        table[UnionOver(ClassesOf(source), s => UnionOver(ClassesOf(destination), d => ClassToClass(s.Index, d.Index)))];

    /// <summary>
    /// Connections one layer alone allows between two workloads (the source's egress and the
    /// destination's ingress tiers of that layer): with <see cref="Between(Workload, Workload)"/>, what the other layers take away.
    /// </summary>
    ConnectionSet IConnectivityQuery.AllowedByLayer(Workload source, Workload destination, PolicyLayer layer) =>
        table[UnionOver(ClassesOf(source), s => UnionOver(ClassesOf(destination), d =>
            table.Intersect(EvaluateLayerOnly(egressPrograms.For(s.Index), PeerRef.Class(d.Index), d, layer),
                EvaluateLayerOnly(ingressPrograms.For(d.Index), PeerRef.Class(s.Index), ingressPrograms.For(d.Index).PortsOwner, layer))))];

    private int EvaluateLayerOnly(PolicyProgram program, PeerRef peer, PeerClass? destination, PolicyLayer layer)
    {
        var start = Array.FindIndex(program.Tiers, t => t.Tier.Layer == layer);
        if (start < 0)
        {
            return ConnectionTable.All;
        }

        var end = start;
        while (end < program.Tiers.Length && program.Tiers[end].Tier.Layer == layer)
        {
            end++;
        }

        return EvaluateLayer(program.Tiers, start, end, peer, destination, strict: false);
    }

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
        return table[UnionOver(ClassesOf(source), s => Evaluate(egressPrograms.For(s.Index), peer, null))];
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
        var programs = ProgramsOf(direction);
        return mine.Count > 0 && mine.All(c => !programs.For(c.Index).IsOpen);
    }

    /// <summary>
    /// The policies that govern the workload in one direction, as <c>Kind name</c>, tier by tier
    /// until a tier that decides every connection it sees (it isolates the workload and passes
    /// nothing on): later tiers are never reached.
    /// </summary>
    public IReadOnlyList<string> PoliciesApplyingTo(Workload workload, TrafficDirection direction)
    {
        var result = new List<string>();
        foreach (var c in ClassesOf(workload))
        {
            var p = ProgramsOf(direction).For(c.Index);
            foreach (var tp in p.Tiers)
            {
                foreach (var policy in tp.Policies)
                {
                    var name = policy.ToString();
                    if (!result.Contains(name))
                    {
                        result.Add(name);
                    }
                }

                if (tp.Isolating && tp.Tier.NoMatch != NoMatchAction.Next && tp.Rules.All(r => r.Action != RuleAction.Pass))
                {
                    break;
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

    /// <summary>The peers of the flow list, each list in connlist (name) order; <c>Controller</c> is -1 without exposure.</summary>
    private sealed record FlowPeers(List<FlowPeer> All, List<int> Sources, List<int> Destinations, int WorkloadCount, int Controller);

    /// <summary>What annotating flows with the mesh needs, computed once per flow list.</summary>
    private sealed record FlowMesh(IstioMeshModel Mesh, bool[] ConditionalIngress, int[] ControllerClasses);

    private IReadOnlyList<Flow> ComputeFlows(CancellationToken cancellationToken)
    {
        var workloads = Model.Workloads;
        if (workloads.Count == 0)
        {
            return Array.Empty<Flow>();
        }

        ComputeAllRows(cancellationToken);
        egressRowOfClass = Enumerable.Range(0, classCount).Select(c => RowOf(TrafficDirection.Egress, egressPrograms.ProgramOf[c])).ToArray();
        ingressRowOfClass = Enumerable.Range(0, classCount).Select(c => RowOf(TrafficDirection.Ingress, ingressPrograms.ProgramOf[c])).ToArray();
        var peers = OrderedFlowPeers(workloads);
        var namedDestinations = NamedDestinationsFinder(peers);
        var mesh = policies.Mesh is { } m
            ? new FlowMesh(m, ingressPrograms.Programs.Select(p => p.AllRules.Any(r => r.ConditionInMesh)).ToArray(), IngressControllerClasses.Select(c => c.Index).ToArray())
            : null;
        var perSource = new List<long>[peers.Sources.Count];
        var perSourceMesh = mesh is null ? null : new List<MeshFlowInfo?>[peers.Sources.Count];
        Parallel.For(0, peers.Sources.Count, new ParallelOptions { CancellationToken = cancellationToken }, i =>
        {
            var src = peers.All[peers.Sources[i]];
            var targets = (src.Kind == PeerKind.Workload ? namedDestinations(src) : null) ?? peers.Destinations;
            (perSource[i], var meshFound) = FlowsFrom(src, peers.All, targets, mesh);
            if (perSourceMesh is not null)
            {
                perSourceMesh[i] = meshFound!;
            }
        });

        if (peers.Controller >= 0)
        {
            WarnOfExposedWorkloadsTheControllerCannotReach(workloads, perSource[peers.Sources.IndexOf(peers.Controller)]);
        }

        return new FlowList(table, peers.All, peers.Sources, perSource, policies.NamesNonPortProtocols, perSourceMesh);
    }

    /// <summary>
    /// Workloads, then source ranges, destination ranges and the ingress controller. Ordering the
    /// peers once orders the flows: no sort over millions of lines.
    /// </summary>
    private FlowPeers OrderedFlowPeers(IReadOnlyList<Workload> workloads)
    {
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

        sourceList.Sort((a, b) => string.CompareOrdinal(peers[a].Name, peers[b].Name));
        destinationList.Sort((a, b) => string.CompareOrdinal(peers[a].Name, peers[b].Name));
        return new FlowPeers(peers, sourceList, destinationList, workloadCount, controller);
    }

    /// <summary>
    /// Where a source's egress allows nothing by default, its flows can only go to the peers its
    /// rules name: the returned function lists them in destination order, or returns null where
    /// every destination must be tried.
    /// </summary>
    private Func<FlowPeer, List<int>?> NamedDestinationsFinder(FlowPeers peers)
    {
        var rank = new int[peers.All.Count];
        for (var k = 0; k < peers.Destinations.Count; k++)
        {
            rank[peers.Destinations[k]] = k;
        }

        var workloadsOfClass = new List<int>?[classCount];
        for (var j = 0; j < peers.WorkloadCount; j++)
        {
            foreach (var c in peers.All[j].Classes)
            {
                (workloadsOfClass[c] ??= new List<int>()).Add(j);
            }
        }

        // A rule that names a node peer reaches the host-network workloads on nodes.
        var hostNetworkWorkloads = nodesOfClass is null ? new List<int>()
            : Enumerable.Range(0, peers.WorkloadCount).Where(j => peers.All[j].Classes.Any(c => classes.Classes[c].HostNetwork)).ToList();
        var firstDestinationRange = peers.WorkloadCount + sourceRanges.Count;
        return src =>
        {
            var named = new HashSet<int>();
            foreach (var s in src.Classes)
            {
                if (RowOf(TrafficDirection.Egress, egressPrograms.ProgramOf[s]) is not { Dense: null, Default: ConnectionTable.None } row)
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
                        else if (classes.Classes[peer].Kind == PeerClassKind.Node)
                        {
                            named.UnionWith(hostNetworkWorkloads);
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
        };
    }

    /// <summary>
    /// The flows of one source to <paramref name="targets"/>, each packed as destination index
    /// (high 32 bits) and connections; with a mesh, each flow's mesh annotation at the same position.
    /// </summary>
    private (List<long> Found, List<MeshFlowInfo?>? MeshFound) FlowsFrom(FlowPeer src, List<FlowPeer> peers, IEnumerable<int> targets, FlowMesh? mesh)
    {
        var found = new List<long>();
        var meshFound = mesh is null ? null : new List<MeshFlowInfo?>();
        foreach (var dstIndex in targets)
        {
            var dst = peers[dstIndex];
            if (ReferenceEquals(src, dst) || (src.Kind != PeerKind.Workload && dst.Kind != PeerKind.Workload))
            {
                continue;
            }

            var conns = ConnectionsBetween(src, dst);
            if (conns == ConnectionTable.None)
            {
                continue;
            }

            found.Add(((long)dstIndex << 32) | (uint)conns);
            if (mesh is not null)
            {
                var sourceClasses = src.Kind == PeerKind.IngressController ? mesh.ControllerClasses : src.Classes;
                var restricted = RestrictedByMesh(src, dst, conns, mesh.ConditionalIngress);
                meshFound!.Add(mesh.Mesh.Annotate(sourceClasses, dst.Classes, table[conns], restricted == ConnectionTable.None ? null : table[restricted].Format(policies.NamesNonPortProtocols)));
            }
        }

        return (found, meshFound);
    }

    /// <summary>What every class of the source may open to every class of the destination; one of them is a workload.</summary>
    private int ConnectionsBetween(FlowPeer src, FlowPeer dst)
    {
        var conns = ConnectionTable.None;
        if (src.Kind == PeerKind.Workload && dst.Kind == PeerKind.Workload && nodesOfClass is null)
        {
            // The hot path (every pair of workloads): the rows of each class read from arrays.
            var egress = egressRowOfClass!;
            var ingress = ingressRowOfClass!;
            foreach (var s in src.Classes)
            {
                var egressRow = egress[s];
                foreach (var d in dst.Classes)
                {
                    conns = table.Union(conns, table.Intersect(At(egressRow, d), At(ingress[d], s)));
                }
            }
        }
        else if (src.Kind == PeerKind.Workload && dst.Kind == PeerKind.Workload)
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
                conns = table.Union(conns, At(egressRowOfClass![s], classCount + dst.RangeIndex));
            }
        }
        else if (src.Kind == PeerKind.External)
        {
            foreach (var d in dst.Classes)
            {
                conns = table.Union(conns, At(ingressRowOfClass![d], classCount + src.RangeIndex));
            }
        }
        else
        {
            foreach (var d in dst.Classes)
            {
                conns = table.Union(conns, FromIngressController(classes.Classes[d]));
            }
        }

        return conns;
    }

    private void WarnOfExposedWorkloadsTheControllerCannotReach(IReadOnlyList<Workload> workloads, List<long> controllerFlows)
    {
        var reached = controllerFlows.Select(p => (int)(p >> 32)).ToHashSet();
        for (var j = 0; j < workloads.Count; j++)
        {
            var exposed = ExposureOf(workloads[j]);
            if (exposed.Count > 0 && !reached.Contains(j))
            {
                sink.Warning($"{string.Join(", ", exposed.Select(e => $"{e.Kind} {e.Namespace}/{e.Name}").Distinct())} exposes {workloads[j].Peer}, " +
                    "but policies block every connection from the ingress controller to it.");
            }
        }
    }

    /// <summary>
    /// The part of a flow's connections the mesh admits only for some requests: what is allowed at
    /// L4 but not for every request, where the destination's ingress program has conditional rules.
    /// </summary>
    private int RestrictedByMesh(FlowPeer src, FlowPeer dst, int connections, bool[] conditionalIngress)
    {
        var restricted = ConnectionTable.None;
        foreach (var d in dst.Classes)
        {
            var program = ingressPrograms.ProgramOf[d];
            if (!conditionalIngress[program])
            {
                continue;
            }

            var p = ingressPrograms.Programs[program];
            if (src.Kind == PeerKind.Workload)
            {
                foreach (var s in src.Classes)
                {
                    var strict = table.Intersect(Egress(s, d), Evaluate(p, PeerRef.Class(s), p.PortsOwner, strict: true));
                    restricted = table.Union(restricted, table.Subtract(ClassToClass(s, d), strict));
                }
            }
            else if (src.Kind == PeerKind.External)
            {
                var index = classCount + src.RangeIndex;
                restricted = table.Union(restricted, table.Subtract(Ingress(d, index), Evaluate(p, PeerAt(TrafficDirection.Ingress, index), p.PortsOwner, strict: true)));
            }
            else
            {
                foreach (var c in IngressControllerClasses)
                {
                    var strict = table.Intersect(Egress(c.Index, d), Evaluate(p, PeerRef.Class(c.Index), p.PortsOwner, strict: true));
                    restricted = table.Union(restricted, table.Subtract(ClassToClass(c.Index, d), strict));
                }
            }
        }

        return table.Intersect(restricted, connections);
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

        // Texts list ICMP and other protocols only where some rule of the cluster names them (ConnectionSet.Format).
        private readonly bool nonPortProtocols;

        // The mesh's part of each flow (mutual TLS, L7 restrictions); null when the cluster runs no Istio.
        private readonly MeshFlowInfo?[]? mesh;

        public FlowList(ConnectionTable table, List<FlowPeer> peers, List<int> sourceOrder, List<long>[] perSource, bool nonPortProtocols, List<MeshFlowInfo?>[]? perSourceMesh)
        {
            this.table = table;
            this.nonPortProtocols = nonPortProtocols;
            this.peers = peers;
            var count = perSource.Sum(l => l.Count);
            sources = new int[count];
            entries = new long[count];
            mesh = perSourceMesh is null ? null : new MeshFlowInfo?[count];
            var k = 0;
            for (var i = 0; i < perSource.Length; i++)
            {
                if (perSource[i].Count > 0)
                {
                    bySource[peers[sourceOrder[i]].Name] = (k, perSource[i].Count);
                }

                for (var j = 0; j < perSource[i].Count; j++)
                {
                    sources[k] = sourceOrder[i];
                    if (mesh is not null)
                    {
                        mesh[k] = perSourceMesh![i][j];
                    }

                    entries[k++] = perSource[i][j];
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
                    return (set.Format(nonPortProtocols), set.ToPortRanges());
                });
                var info = mesh?[index];
                return new Flow
                {
                    Source = src.Name, SourceKind = src.Kind, SourceNamespace = src.Namespace,
                    Destination = dst.Name, DestinationKind = dst.Kind, DestinationNamespace = dst.Namespace,
                    Connections = text, AllConnections = text == "All Connections", Ports = ports,
                    Mtls = info?.Mtls ?? MtlsState.None, MtlsDetail = info?.Detail, L7Restricted = info?.L7Restricted,
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
