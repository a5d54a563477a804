using System.Globalization;
using NetSecPS.Core.Baseline;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;

namespace NetSecPS.Core.Traffic;

/// <summary>
/// The flows of one peer pair on one port, summed over the log: how often each verdict was seen
/// where (the source's egress, the destination's ingress, or not said), and the first evidence.
/// </summary>
internal sealed class ObservedPath
{
    /// <summary>Distinct external addresses kept per end, for recommendations (one more than a rule lists one by one).</summary>
    public const int MaxAddresses = 17;

    public ObservedPath(ResolvedEnd source, ResolvedEnd destination, string protocol, int port)
    {
        Source = source;
        Destination = destination;
        Protocol = protocol;
        Port = port;
    }

    public ResolvedEnd Source { get; }
    public ResolvedEnd Destination { get; }
    public string Protocol { get; }
    public int Port { get; }
    public string? Problem { get; set; }

    /// <summary>What the comparison made of it (set by <see cref="TrafficAnalyzer.Compare"/>).</summary>
    public TrafficCategory? Category { get; set; }

    // Indexed by FlowDirection: 0 not said, 1 seen arriving (ingress), 2 seen leaving (egress).
    public long[] Total { get; } = new long[3];
    public long[] Forwarded { get; } = new long[3];
    public long[] Dropped { get; } = new long[3];
    public long[] PolicyDropped { get; } = new long[3];
    public long[] Audited { get; } = new long[3];
    public DateTimeOffset? First { get; private set; }
    public DateTimeOffset? Last { get; private set; }
    public string? Evidence { get; private set; }
    public string? ObservedSource { get; private set; }
    public string? ObservedDestination { get; private set; }
    public List<string>? Policies { get; private set; }
    public HashSet<string>? SourceAddresses { get; private set; }
    public HashSet<string>? DestinationAddresses { get; private set; }

    /// <summary>
    /// Flows, not sightings: one connection seen leaving its source and arriving at its
    /// destination (Hubble on both nodes, Calico's two reporters) is counted once.
    /// </summary>
    public long Observed => Total[0] + Math.Max(Total[1], Total[2]);

    /// <summary>
    /// Forwarded end to end: what arrived at the destination, or what left the source and was not
    /// dropped on arrival, whichever side the log shows more of.
    /// </summary>
    public long ForwardedCount => Forwarded[0] + Math.Max(Forwarded[1], Math.Max(0, Forwarded[2] - Dropped[1]));

    public long DroppedCount => Dropped[0] + Dropped[1] + Dropped[2];
    public long PolicyDroppedCount => PolicyDropped[0] + PolicyDropped[1] + PolicyDropped[2];
    public long AuditedCount => Audited[0] + Audited[1] + Audited[2];

    public FlowVerdict Verdict
    {
        get
        {
            long f = ForwardedCount, d = DroppedCount, a = AuditedCount;
            return f > 0 && d > 0 ? FlowVerdict.Mixed : d > 0 ? FlowVerdict.Dropped : a > 0 ? FlowVerdict.Audit : f > 0 ? FlowVerdict.Forwarded : FlowVerdict.Unknown;
        }
    }

    public void Add(ObservedFlow flow)
    {
        var d = (int)flow.Direction;
        var n = flow.Count;
        Total[d] += n;
        switch (flow.Verdict)
        {
            case FlowVerdict.Forwarded:
                Forwarded[d] += n;
                break;
            case FlowVerdict.Dropped:
                Dropped[d] += n;
                if (flow.DropReason is null || flow.Format != FlowLogFormat.Hubble || HubbleFlowParser.PolicyDropReasons.Contains(flow.DropReason))
                {
                    PolicyDropped[d] += n;
                }

                break;
            case FlowVerdict.Audit:
                Audited[d] += n;
                break;
        }

        var start = flow.Time;
        var end = flow.EndTime ?? flow.Time;
        if (start is { } s && (First is null || s < First))
        {
            First = s;
        }

        if (end is { } e && (Last is null || e > Last))
        {
            Last = e;
        }

        if (Evidence is null)
        {
            Evidence = flow.File is null ? null : string.Create(CultureInfo.InvariantCulture, $"{flow.File}:{flow.Line}");
            ObservedSource = flow.Source.ToString();
            ObservedDestination = flow.Destination.ToString();
        }

        foreach (var p in flow.Policies)
        {
            Policies ??= new List<string>();
            if (Policies.Count < 8 && !Policies.Contains(p))
            {
                Policies.Add(p);
            }
        }

        if (Source.Kind == PeerKind.External && flow.Source.Address is { } sa)
        {
            SourceAddresses ??= new HashSet<string>(StringComparer.Ordinal);
            if (SourceAddresses.Count < MaxAddresses)
            {
                SourceAddresses.Add(sa);
            }
        }

        if (Destination.Kind == PeerKind.External && flow.Destination.Address is { } da)
        {
            DestinationAddresses ??= new HashSet<string>(StringComparer.Ordinal);
            if (DestinationAddresses.Count < MaxAddresses)
            {
                DestinationAddresses.Add(da);
            }
        }
    }
}

/// <summary>The comparison of observed flows with the allowed ones, by category.</summary>
internal sealed class TrafficComparison
{
    internal TrafficComparison(FlowLogStatistics statistics, IReadOnlyList<FlowComparison> records, long unresolvedFlows, IReadOnlyList<ObservedPath> paths)
    {
        Statistics = statistics;
        UnresolvedFlows = unresolvedFlows;
        Paths = paths;
        ObservedAllowed = records.Where(r => r.Category == TrafficCategory.ObservedAllowed).ToList();
        ObservedDenied = records.Where(r => r.Category == TrafficCategory.ObservedDenied)
            .OrderByDescending(r => r.DatapathDisagrees).ThenByDescending(r => r.Observed).ThenBy(r => r.Source, StringComparer.Ordinal).ThenBy(r => r.Destination, StringComparer.Ordinal).ToList();
        UnusedAllowed = records.Where(r => r.Category == TrafficCategory.UnusedAllowed).ToList();
        Unresolved = records.Where(r => r.Category == TrafficCategory.Unresolved).OrderByDescending(r => r.Observed).ThenBy(r => r.Source, StringComparer.Ordinal).ToList();
    }

    public FlowLogStatistics Statistics { get; }
    public long UnresolvedFlows { get; }
    public IReadOnlyList<FlowComparison> ObservedAllowed { get; }
    public IReadOnlyList<FlowComparison> ObservedDenied { get; }
    public IReadOnlyList<FlowComparison> UnusedAllowed { get; }
    public IReadOnlyList<FlowComparison> Unresolved { get; }

    /// <summary>Every record, categories in order.</summary>
    public IEnumerable<FlowComparison> All => ObservedAllowed.Concat(ObservedDenied).Concat(UnusedAllowed).Concat(Unresolved);

    public int Disagreements => ObservedAllowed.Count(r => r.DatapathDisagrees) + ObservedDenied.Count(r => r.DatapathDisagrees);

    /// <summary>The observed peer pairs and ports with both ends resolved, for recommendations.</summary>
    internal IReadOnlyList<ObservedPath> Paths { get; }
}

/// <summary>
/// Compares observed flows with what the connectivity engine allows: each observed peer pair and
/// port is allowed or denied (with the deciding layer, policy and rule, and whether the log
/// agrees), each allowed connection no flow used is listed by port range, and ends the snapshot
/// does not hold are reported with the reason.
/// </summary>
internal sealed class TrafficAnalyzer
{
    private readonly ConnectivityEngine engine;
    private readonly IReadOnlyList<Flow> flows;
    private readonly EndpointResolver resolver;
    private readonly Dictionary<(string Source, string Destination, string Protocol, int Port), ObservedPath> observed = new();
    private readonly Dictionary<(string Source, string Destination, string Protocol, int Port, string Problem), ObservedPath> unresolved = new();
    private readonly Dictionary<string, ConnectionEndpoint?> endpoints = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> unresolvedEnds = new(StringComparer.Ordinal);

    public TrafficAnalyzer(ConnectivityEngine engine, IOutputSink sink, CancellationToken cancellationToken = default)
    {
        this.engine = engine;
        Sink = sink;
        flows = engine.GetFlows(cancellationToken);
        resolver = new EndpointResolver(engine.Model, flows);
    }

    public FlowLogStatistics Statistics { get; } = new();

    /// <summary>Where warnings (unresolved ends) and progress go; a caller that moves between threads sets the sink of each.</summary>
    public IOutputSink Sink { get; set; }

    internal ConnectivityEngine Engine => engine;

    internal EndpointResolver Resolver => resolver;

    /// <summary>Reads flow logs into the comparison.</summary>
    public void AddLogs(IReadOnlyList<string> files, FlowLogFormat format, CancellationToken cancellationToken = default)
    {
        var reader = new FlowLogReader(format, Sink, Statistics);
        foreach (var flow in reader.Read(files, cancellationToken))
        {
            Aggregate(flow);
        }
    }

    /// <summary>Adds one flow read elsewhere (<c>Import-NetSecFlowLog</c> piped in).</summary>
    public void Add(ObservedFlow flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        Statistics.Count(flow);
        Aggregate(flow);
    }

    /// <summary>The flow with its ends resolved to peers of the snapshot (or why they are not); each end that cannot be resolved is warned about once.</summary>
    public ObservedFlow Resolve(ObservedFlow flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        var s = resolver.Resolve(flow.Source, asDestination: false, flow.Port);
        var d = resolver.Resolve(flow.Destination, asDestination: true, flow.Port);
        Remember(s);
        Remember(d);
        var problem = s.Problem is not null && d.Problem is not null ? $"source: {s.Problem}; destination: {d.Problem}"
            : s.Problem is not null ? "source: " + s.Problem : d.Problem is not null ? "destination: " + d.Problem : null;
        return flow with { SourcePeer = s.Peer, DestinationPeer = d.Peer, Unresolved = problem };
    }

    private void Aggregate(ObservedFlow flow)
    {
        var s = resolver.Resolve(flow.Source, asDestination: false, flow.Port);
        var d = resolver.Resolve(flow.Destination, asDestination: true, flow.Port);
        var problem = s.Problem ?? d.Problem;
        if (problem is null && !FlowProtocols.IsPolicyProtocol(flow.Protocol))
        {
            problem = $"{flow.Protocol}: policies name TCP, UDP and SCTP ports, and what a CNI does with other protocols under isolation is not decided here";
        }
        else if (problem is null && s.Kind == PeerKind.External && d.Kind == PeerKind.External)
        {
            problem = "neither end is a pod of the snapshot: policies govern connections that start or end at a pod";
        }

        if (problem is not null)
        {
            var key = (s.Peer ?? s.Label, d.Peer ?? d.Label, flow.Protocol, flow.Port, problem);
            if (!unresolved.TryGetValue(key, out var u))
            {
                unresolved[key] = u = new ObservedPath(s, d, flow.Protocol, flow.Port) { Problem = problem };
                Remember(s);
                Remember(d);
            }

            u.Add(flow);
            return;
        }

        var k = (s.Peer!, d.Peer!, flow.Protocol, flow.Port);
        if (!observed.TryGetValue(k, out var path))
        {
            observed[k] = path = new ObservedPath(s, d, flow.Protocol, flow.Port);
        }

        path.Add(flow);
    }

    /// <summary>Each distinct end that could not be resolved is reported once.</summary>
    private void Remember(ResolvedEnd end)
    {
        if (end.Problem is null)
        {
            return;
        }

        if (!unresolvedEnds.TryGetValue(end.Label, out var problems))
        {
            unresolvedEnds[end.Label] = problems = new List<string>();
            if (unresolvedEnds.Count <= 100)
            {
                Sink.Warning($"Cannot resolve {end.Label} against the snapshot: {end.Problem}.");
            }
            else if (unresolvedEnds.Count == 101)
            {
                Sink.Warning("More flow ends cannot be resolved; Compare-NetSecFlowLog lists them all as Unresolved.");
            }
        }
    }

    /// <summary>The comparison: every observed path evaluated, every unused allowed connection listed.</summary>
    public TrafficComparison Compare(CancellationToken cancellationToken = default)
    {
        const int progressId = 7302;
        var records = new List<FlowComparison>();
        var used = new Dictionary<(string, string), ConnectionSet>();
        var controllers = IngressControllerWorkloads();
        var paths = new List<ObservedPath>();
        var done = 0;
        foreach (var path in observed.Values.OrderBy(p => p.Source.Peer, StringComparer.Ordinal).ThenBy(p => p.Destination.Peer, StringComparer.Ordinal)
                     .ThenBy(p => p.Protocol, StringComparer.Ordinal).ThenBy(p => p.Port))
        {
            if ((++done & 1023) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Sink.Progress(new ProgressUpdate(progressId, "Comparing observed flows with policy", $"{done:N0} of {observed.Count:N0} observed paths", done * 80 / observed.Count));
            }

            var record = Evaluate(path);
            path.Category = record.Category;
            records.Add(record);
            if (record.Category == TrafficCategory.Unresolved)
            {
                continue;
            }

            paths.Add(path);
            if (record.Category == TrafficCategory.ObservedAllowed)
            {
                MarkUsed(used, path.Source.Peer!, path.Destination.Peer!, path.Protocol, path.Port);
                if (path.Source.Workload is { } w && controllers.Contains(w))
                {
                    // The controller's own pods carry what the connectivity output lists as {ingress-controller}.
                    MarkUsed(used, ConnectivityEngine.IngressControllerPeer, path.Destination.Peer!, path.Protocol, path.Port);
                }
            }
        }

        Sink.Progress(new ProgressUpdate(progressId, "Comparing observed flows with policy", "unused allowed connections", 85));
        var connections = new Dictionary<string, ConnectionSet>(StringComparer.Ordinal);

        // As the connection texts do: where no rule names ICMP or an IP protocol, "All Connections" is
        // read as TCP, UDP and SCTP, so ICMP and other protocols are not listed as unused either.
        var nonPort = flows.Select(f => f.Connections).Distinct(StringComparer.Ordinal).Any(ConnectionText.NamesNonPortProtocols);
        var n = 0;
        foreach (var flow in flows)
        {
            if ((++n & 1023) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            if (!connections.TryGetValue(flow.Connections, out var allowed))
            {
                connections[flow.Connections] = allowed = ConnectionSet.TryParse(flow.Connections, out var parsed) ? parsed : ConnectionSet.None;
            }

            var unused = used.TryGetValue((flow.Source, flow.Destination), out var u) ? allowed.Subtract(u) : allowed;
            foreach (var range in unused.ToPortRanges())
            {
                if (!nonPort && range.Protocol is not ("TCP" or "UDP" or "SCTP"))
                {
                    continue;
                }

                records.Add(Unused(flow, range));
            }
        }

        foreach (var path in unresolved.Values)
        {
            records.Add(Record(path, TrafficCategory.Unresolved) with
            {
                Source = path.Source.Peer ?? path.Source.Label,
                Destination = path.Destination.Peer ?? path.Destination.Label,
                Reason = path.Problem,
            });
        }

        Sink.Progress(new ProgressUpdate(progressId, "Comparing observed flows with policy", "done", 100, Completed: true));
        var result = new TrafficComparison(Statistics, records, unresolved.Values.Sum(p => p.Observed), paths);
        Sink.Verbose(string.Create(CultureInfo.InvariantCulture,
            $"Observed traffic: {Statistics.Flows:N0} flows in {Statistics.Records:N0} records; {result.ObservedAllowed.Count:N0} allowed and {result.ObservedDenied.Count:N0} denied paths observed ({result.Disagreements:N0} where the log disagrees), {result.UnusedAllowed.Count:N0} unused allowed port ranges, {result.Unresolved.Count:N0} unresolved."));
        return result;
    }

    private static void MarkUsed(Dictionary<(string, string), ConnectionSet> used, string source, string destination, string protocol, int port)
    {
        var port1 = ConnectionSet.Port(protocol, port);
        used[(source, destination)] = used.TryGetValue((source, destination), out var set) ? set.Union(port1) : port1;
    }

    /// <summary>The workloads whose pods stand for {ingress-controller} (the controllers the snapshot holds).</summary>
    private HashSet<Workload> IngressControllerWorkloads()
    {
        var result = new HashSet<Workload>();
        var controller = engine.ResolveEndpoint(ConnectivityEngine.IngressControllerPeer);
        var classes = new HashSet<PeerClass>(controller.Classes);
        foreach (var w in engine.Model.Workloads)
        {
            if (engine.ClassesOf(w).Any(classes.Contains))
            {
                result.Add(w);
            }
        }

        return result;
    }

    private ConnectionEndpoint? EndpointOf(ResolvedEnd end)
    {
        var key = end.Kind == PeerKind.External ? end.Address! : end.Peer!;
        if (!endpoints.TryGetValue(key, out var e))
        {
            try
            {
                e = engine.ResolveEndpoint(key);
            }
            catch (ArgumentException)
            {
                e = null;
            }

            endpoints[key] = e;
        }

        return e;
    }

    private FlowComparison Evaluate(ObservedPath path)
    {
        var from = EndpointOf(path.Source);
        var to = EndpointOf(path.Destination);
        if (from is null || to is null)
        {
            return Record(path, TrafficCategory.Unresolved) with { Reason = $"the engine cannot evaluate {(from is null ? path.Source.Peer : path.Destination.Peer)}" };
        }

        if (path.Port is < ConnectionSet.MinPort or > ConnectionSet.MaxPort)
        {
            return Record(path, TrafficCategory.Unresolved) with { Reason = "the log gives no destination port" };
        }

        ConnectionVerdict verdict;
        try
        {
            verdict = engine.Test(from, to, path.Protocol, path.Port);
        }
        catch (ArgumentException ex)
        {
            return Record(path, TrafficCategory.Unresolved) with { Reason = ex.Message };
        }

        var category = verdict.Allowed ? TrafficCategory.ObservedAllowed : TrafficCategory.ObservedDenied;
        // A flow log shows what the CNI's datapath did. A connection the mesh refuses was forwarded
        // by the CNI to the destination's sidecar, which refuses it there: forwarded is what the
        // log must show, so it does not disagree with the analysis.
        var disagrees = verdict.Allowed
            ? path.PolicyDroppedCount > 0 || path.AuditedCount > 0
            : path.ForwardedCount > 0 && path.AuditedCount == 0 && verdict.Layer != PolicyLayer.Mesh;
        return Record(path, category) with
        {
            DatapathDisagrees = disagrees,
            Layer = verdict.Layer,
            PolicyKind = verdict.PolicyKind,
            Policy = verdict.Policy,
            Rule = verdict.Rule,
            Explanation = verdict.Explanation,
        };
    }

    private static FlowComparison Record(ObservedPath path, TrafficCategory category) => new()
    {
        Category = category,
        Source = path.Source.Peer ?? path.Source.Label,
        Destination = path.Destination.Peer ?? path.Destination.Label,
        SourceNamespace = path.Source.Namespace,
        DestinationNamespace = path.Destination.Namespace,
        Protocol = path.Protocol,
        Port = path.Port,
        EndPort = path.Port,
        Observed = path.Observed,
        Forwarded = path.ForwardedCount,
        Dropped = path.DroppedCount,
        Audited = path.AuditedCount,
        LogVerdict = path.Verdict,
        LogPolicies = path.Policies is null ? Array.Empty<string>() : path.Policies,
        FirstSeen = path.First,
        LastSeen = path.Last,
        Evidence = path.Evidence,
        ObservedSource = path.ObservedSource,
        ObservedDestination = path.ObservedDestination,
    };

    /// <summary>An allowed port range no flow used, with the rule that allows its first port.</summary>
    private FlowComparison Unused(Flow flow, PortRange range)
    {
        PolicyLayer? layer = null;
        string? kind = null, policy = null, rule = null, explanation = null;
        var from = flow.SourceKind == PeerKind.External ? FirstAddress(flow.Source) : flow.Source;
        var to = flow.DestinationKind == PeerKind.External ? FirstAddress(flow.Destination) : flow.Destination;
        if (from is not null && to is not null && Endpoint(from) is { } f && Endpoint(to) is { } t)
        {
            try
            {
                var v = engine.Test(f, t, range.Protocol, range.From);
                (layer, kind, policy, rule, explanation) = (v.Layer, v.PolicyKind, v.Policy, v.Rule, v.Explanation);
            }
            catch (ArgumentException)
            {
                // The flow is listed without its deciding rule.
            }
        }

        return new FlowComparison
        {
            Category = TrafficCategory.UnusedAllowed,
            Source = flow.Source,
            Destination = flow.Destination,
            SourceNamespace = flow.SourceNamespace,
            DestinationNamespace = flow.DestinationNamespace,
            Protocol = range.Protocol,
            Port = range.From,
            EndPort = range.To,
            Layer = layer,
            PolicyKind = kind,
            Policy = policy,
            Rule = rule,
            Explanation = explanation,
        };
    }

    private ConnectionEndpoint? Endpoint(string text)
    {
        if (!endpoints.TryGetValue(text, out var e))
        {
            try
            {
                e = engine.ResolveEndpoint(text);
            }
            catch (ArgumentException)
            {
                e = null;
            }

            endpoints[text] = e;
        }

        return e;
    }

    /// <summary>The first address of an external range peer (<c>first-last[External]</c>): every address of a range fares alike.</summary>
    private static string? FirstAddress(string peer)
    {
        var dash = peer.IndexOf('-', StringComparison.Ordinal);
        return dash > 0 ? peer[..dash] : null;
    }
}
