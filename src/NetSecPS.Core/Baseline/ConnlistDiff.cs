using NetSecPS.Core.Connectivity;

namespace NetSecPS.Core.Baseline;

/// <summary>
/// One line of a connectivity diff: a flow that was added, removed or changed between the
/// baseline (ref1) and the current state (ref2).
/// </summary>
internal sealed record FlowDiff(DriftChange Change, string Source, string Destination, ConnectionSet? Before, ConnectionSet? After)
{
    /// <summary>Workloads that exist on one side only: <c>workload NAME added</c> or <c>workload NAME and NAME removed</c>.</summary>
    public string? WorkloadsInfo { get; init; }

    public bool FromIngressController => Source == ConnlistDiff.IngressController;

    /// <summary>The connections name ICMP and other protocols (some text of the compared flows did); otherwise they are TCP, UDP and SCTP only.</summary>
    public bool NonPortProtocols { get; init; }

    public string ToDiffLine() => ConnlistDiff.FormatLine(Change, Source, Destination, Before?.Format(NonPortProtocols), After?.Format(NonPortProtocols), WorkloadsInfo);

    public override string ToString() => ToDiffLine();
}

/// <summary>
/// The connectivity diff of two connlists, line for line as netpol-analyzer's <c>diff</c>
/// command writes it (see ARCHITECTURE.md and the golden files under
/// <c>conformance/netpol-analyzer/expected/diff</c>).
/// </summary>
/// <remarks>
/// <para>
/// External peers are the hard part. Each side's engine cut the address space by the ipBlocks
/// of its own policies, so the two connlists name different ranges: the baseline may say
/// <c>0.0.0.0-255.255.255.255</c> where the current state says <c>0.0.0.0-127.255.255.255</c>
/// and <c>128.0.0.0-255.255.255.255</c>. Rules, as the golden files show them:
/// </para>
/// <list type="number">
/// <item>Flows are compared per (workload or ingress controller, direction) over the common
/// refinement of both sides' ranges: every address gets the connections the baseline allowed
/// for the range that holds it, and those the current state allows.</item>
/// <item>Consecutive addresses with the same pair (baseline connections, current connections)
/// are joined back into one range, as far as they touch. This is why a new workload with no
/// policy shows <c>0.0.0.0-255.255.255.255</c> even when the other workloads compare over
/// refined ranges: every piece of its range has the same pair (none, all).</item>
/// <item>Ranges that do not touch are never joined (<c>0.0.0.0-9.255.255.255</c> and
/// <c>11.0.0.0-172.20.255.255</c> stay two lines even with the same change), and addresses
/// allowed on neither side break a run.</item>
/// <item>Pieces whose two sides are equal are unchanged and not written; IPv4 and IPv6
/// never join.</item>
/// </list>
/// <para>
/// Because the joining is maximal, the result does not depend on how finely either side
/// cut the ranges, only on what each address may do. Connections compare by meaning
/// (<c>TCP 80,TCP 81</c> equals <c>TCP 80-81</c>). Lines are grouped changed, added, removed,
/// with the ingress controller's lines after the others, each group sorted; the golden files
/// compare as sets, so the order is only for readers. An empty diff has no lines at all, not
/// even the header.
/// </para>
/// <para>
/// <c>workloads-diff-info</c> names the workloads (never an external range or the ingress
/// controller) of an added line that the baseline does not have, or of a removed line that
/// the current state does not have; changed lines never carry it.
/// </para>
/// </remarks>
internal static class ConnlistDiff
{
    public const string Header = "Connectivity diff:";
    public const string IngressController = "{ingress-controller}";

    /// <summary>Computes the diff between the baseline's flows (ref1) and the current flows (ref2).</summary>
    /// <param name="baselineWorkloads">Peer names of every workload of the baseline, with or without flows.</param>
    /// <param name="currentWorkloads">Peer names of every workload now.</param>
    public static IReadOnlyList<FlowDiff> Compute(
        IEnumerable<PostureFlow> baseline,
        IEnumerable<PostureFlow> current,
        IReadOnlySet<string> baselineWorkloads,
        IReadOnlySet<string> currentWorkloads)
    {
        var pairs = new Dictionary<(string Src, string Dst), Sides>();
        var groups = new Dictionary<GroupKey, List<RangeItem>>();
        var baselineFlows = baseline as IReadOnlyCollection<PostureFlow> ?? baseline.ToList();
        var currentFlows = current as IReadOnlyCollection<PostureFlow> ?? current.ToList();

        // Texts in netpol-analyzer's form describe TCP, UDP and SCTP only: compare them by those.
        var nonPort = baselineFlows.Concat(currentFlows).Select(f => f.Connections).Distinct(StringComparer.Ordinal).Any(ConnectionText.NamesNonPortProtocols);

        // Flows repeat a few connection texts and ranges: each is parsed once (a million flows
        // name a few thousand ranges and a few hundred connection lists).
        var connections = new Dictionary<string, ConnectionSet>(StringComparer.Ordinal);
        var ranges = new Dictionary<string, (bool IsRange, IpRange Range)>(StringComparer.Ordinal);
        bool IsRange(string peer, out IpRange range)
        {
            if (!ranges.TryGetValue(peer, out var parsed))
            {
                parsed.IsRange = IpRange.TryParsePeer(peer, out parsed.Range);
                ranges[peer] = parsed;
            }

            range = parsed.Range;
            return parsed.IsRange;
        }

        void Add(PostureFlow f, bool isBaseline)
        {
            if (!connections.TryGetValue(f.Connections, out var conns))
            {
                conns = ConnectionText.Parse(f.Connections);
                connections[f.Connections] = conns = nonPort ? conns : conns.PortsOnly();
            }

            if (conns.IsEmpty)
            {
                return;
            }

            var srcIsRange = IsRange(f.Source, out var srcRange);
            var dstIsRange = IsRange(f.Destination, out var dstRange);
            if (srcIsRange != dstIsRange)
            {
                var range = srcIsRange ? srcRange : dstRange;
                var key = new GroupKey(srcIsRange ? f.Destination : f.Source, srcIsRange, range.Family);
                if (!groups.TryGetValue(key, out var items))
                {
                    groups[key] = items = new List<RangeItem>();
                }

                items.Add(new RangeItem(range.First, range.Last, isBaseline, conns));
                return;
            }

            // Workload to workload (or an external name that does not parse): compare by name.
            var k = (f.Source, f.Destination);
            pairs.TryGetValue(k, out var s);
            pairs[k] = isBaseline ? s with { Before = Union(s.Before, conns) } : s with { After = Union(s.After, conns) };
        }

        foreach (var f in baselineFlows)
        {
            Add(f, true);
        }

        foreach (var f in currentFlows)
        {
            Add(f, false);
        }

        var result = new List<FlowDiff>();
        foreach (var ((src, dst), sides) in pairs)
        {
            AddDiff(result, src, dst, sides, baselineWorkloads, currentWorkloads, nonPort);
        }

        foreach (var (key, items) in groups)
        {
            foreach (var run in JoinedRuns(key.Family, items))
            {
                var range = new IpRange(key.Family, run.First, run.Last).ToPeerName();
                var (src, dst) = key.RangeIsSource ? (range, key.Endpoint) : (key.Endpoint, range);
                AddDiff(result, src, dst, run.Sides, baselineWorkloads, currentWorkloads, nonPort);
            }
        }

        return Order(result);
    }

    /// <summary>The diff as text lines: the header and one line per difference; no lines when nothing changed.</summary>
    public static IReadOnlyList<string> Render(IEnumerable<FlowDiff> diffs)
    {
        var lines = Order(diffs).Select(d => d.ToDiffLine()).ToList();
        if (lines.Count > 0)
        {
            lines.Insert(0, Header);
        }

        return lines;
    }

    /// <summary>
    /// The diff lines of the flow records in a drift stream (other categories are ignored); a
    /// flow record carries its <c>workloads-diff-info</c> in <see cref="DriftRecord.Detail"/>.
    /// </summary>
    public static IReadOnlyList<string> Render(IEnumerable<DriftRecord> drift)
    {
        var diffs = new List<FlowDiff>();
        var records = drift.Where(r => r.Category == DriftCategory.Flow).ToList();
        var nonPort = records.Any(r => ConnectionText.NamesNonPortProtocols(r.Before) || ConnectionText.NamesNonPortProtocols(r.After));
        foreach (var r in records)
        {
            var arrow = r.Subject.IndexOf(" => ", StringComparison.Ordinal);
            if (arrow <= 0)
            {
                throw new FormatException($"The flow drift record '{r.Subject}' does not name its flow as 'SOURCE => DESTINATION'.");
            }

            diffs.Add(new FlowDiff(r.Change, r.Subject[..arrow], r.Subject[(arrow + 4)..], Connections(r.Before, nonPort), Connections(r.After, nonPort))
            {
                WorkloadsInfo = r.Detail,
                NonPortProtocols = nonPort,
            });
        }

        return Render(diffs);
    }

    private static ConnectionSet? Connections(string? text, bool nonPort) =>
        text is null || ConnectionText.Parse(text) is { IsEmpty: true } ? null : nonPort ? ConnectionText.Parse(text) : ConnectionText.Parse(text).PortsOnly();

    internal static string FormatLine(DriftChange change, string source, string destination, string? before, string? after, string? workloadsInfo)
    {
        var type = change switch
        {
            DriftChange.Added => "added",
            DriftChange.Removed => "removed",
            _ => "changed",
        };
        var line = $"diff-type: {type}, source: {source}, destination: {destination}, ref1: {before ?? ConnectionText.None}, ref2: {after ?? ConnectionText.None}";
        return string.IsNullOrEmpty(workloadsInfo) ? line : line + ", workloads-diff-info: " + workloadsInfo;
    }

    /// <summary>Changed, added, removed; the ingress controller's lines after the others'; each group sorted.</summary>
    public static IReadOnlyList<FlowDiff> Order(IEnumerable<FlowDiff> diffs) =>
        diffs.OrderBy(d => d.FromIngressController)
            .ThenBy(d => d.Change switch { DriftChange.Changed => 0, DriftChange.Added => 1, _ => 2 })
            .ThenBy(d => d.ToDiffLine(), StringComparer.Ordinal)
            .ToList();

    private static void AddDiff(List<FlowDiff> result, string src, string dst, Sides sides, IReadOnlySet<string> baselineWorkloads, IReadOnlySet<string> currentWorkloads, bool nonPort)
    {
        var (before, after) = (sides.Before, sides.After);
        if (before is null && after is null || before is not null && after is not null && before.Equals(after))
        {
            return;
        }

        if (before is not null && after is not null)
        {
            result.Add(new FlowDiff(DriftChange.Changed, src, dst, before, after) { NonPortProtocols = nonPort });
            return;
        }

        var change = before is null ? DriftChange.Added : DriftChange.Removed;
        var other = change == DriftChange.Added ? baselineWorkloads : currentWorkloads;
        var missing = new[] { src, dst }.Where(p => IsWorkload(p) && !other.Contains(p)).ToList();
        var info = missing.Count == 0 ? null : $"workload {string.Join(" and ", missing)} {(change == DriftChange.Added ? "added" : "removed")}";
        result.Add(new FlowDiff(change, src, dst, before, after) { WorkloadsInfo = info, NonPortProtocols = nonPort });
    }

    /// <summary>A workload peer: neither an external range nor the ingress controller.</summary>
    public static bool IsWorkload(string peer) => peer != IngressController && !IpRange.IsExternalPeer(peer);

    private static ConnectionSet Union(ConnectionSet? a, ConnectionSet b) => a is null ? b : a.Union(b);

    /// <summary>
    /// Cuts the group's ranges at every boundary of either side, gives each piece the
    /// connections of both sides, then joins touching pieces with equal sides.
    /// </summary>
    private static IEnumerable<(UInt128 First, UInt128 Last, Sides Sides)> JoinedRuns(int family, List<RangeItem> items)
    {
        var max = IpRange.MaxOf(family);
        var cuts = new SortedSet<UInt128>();
        foreach (var i in items)
        {
            cuts.Add(i.First);
            if (i.Last < max)
            {
                cuts.Add(i.Last + 1);
            }
        }

        var points = cuts.ToList();
        (UInt128 First, UInt128 Last, Sides Sides)? run = null;
        for (var p = 0; p < points.Count; p++)
        {
            var first = points[p];
            var last = p + 1 < points.Count ? points[p + 1] - 1 : max;
            var sides = default(Sides);
            foreach (var i in items)
            {
                if (i.First <= first && last <= i.Last)
                {
                    sides = i.IsBaseline ? sides with { Before = Union(sides.Before, i.Connections) } : sides with { After = Union(sides.After, i.Connections) };
                }
            }

            if (run is { } r && r.Last + 1 == first && Same(r.Sides, sides))
            {
                run = (r.First, last, r.Sides);
                continue;
            }

            if (run is { } done)
            {
                yield return done;
            }

            run = (first, last, sides);
        }

        if (run is { } tail)
        {
            yield return tail;
        }
    }

    private static bool Same(Sides a, Sides b) => Equals(a.Before, b.Before) && Equals(a.After, b.After);

    private readonly record struct GroupKey(string Endpoint, bool RangeIsSource, int Family);

    private readonly record struct RangeItem(UInt128 First, UInt128 Last, bool IsBaseline, ConnectionSet Connections);

    private readonly record struct Sides(ConnectionSet? Before, ConnectionSet? After);
}

/// <summary>Reads connlist text lines (<c>SRC => DST : CONNECTIONS</c>) back into flows.</summary>
internal static class ConnlistText
{
    public static bool TryParseLine(string line, out PostureFlow flow)
    {
        flow = null!;
        var arrow = line.IndexOf(" => ", StringComparison.Ordinal);
        var colon = line.LastIndexOf(" : ", StringComparison.Ordinal);
        if (arrow <= 0 || colon <= arrow)
        {
            return false;
        }

        flow = new PostureFlow(line[..arrow].Trim(), line[(arrow + 4)..colon].Trim(), line[(colon + 3)..].Trim());
        return true;
    }

    public static IReadOnlyList<PostureFlow> ParseLines(IEnumerable<string> lines) =>
        lines.Select(l => TryParseLine(l, out var f) ? f : null).OfType<PostureFlow>().ToList();
}
