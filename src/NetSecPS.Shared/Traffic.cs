using System.Globalization;

namespace NetSecPS;

/// <summary>The exporter a flow log comes from.</summary>
public enum FlowLogFormat
{
    /// <summary>Recognise each file by its first record.</summary>
    Auto,
    /// <summary>Cilium Hubble: <c>hubble observe -o json</c> or <c>-o jsonpb</c>, one flow per line (also the Hubble exporter's files).</summary>
    Hubble,
    /// <summary>Calico flow logs: the documented flow log fields (Calico Enterprise/Cloud) or the flow logs API (Goldmane), one record per line.</summary>
    Calico,
    /// <summary>Plain CSV: <c>source,destination,port,protocol[,verdict,count,time]</c>.</summary>
    Csv,
}

/// <summary>What the datapath did with a flow, as its log says.</summary>
public enum FlowVerdict
{
    Unknown,
    Forwarded,
    Dropped,
    /// <summary>Policy audit mode: the flow passed, but policy would have dropped it.</summary>
    Audit,
    /// <summary>On a comparison record: some of its flows were forwarded and some dropped.</summary>
    Mixed,
}

/// <summary>Where a flow was observed: leaving its source (egress) or arriving at its destination (ingress).</summary>
public enum FlowDirection
{
    Unknown,
    Ingress,
    Egress,
}

/// <summary>How an observed or allowed path compares with the other side.</summary>
public enum TrafficCategory
{
    /// <summary>Seen in the log, and policy allows it.</summary>
    ObservedAllowed,
    /// <summary>Seen in the log, and policy denies it.</summary>
    ObservedDenied,
    /// <summary>Policy allows it, and it was not seen in the log's window.</summary>
    UnusedAllowed,
    /// <summary>Seen in the log, but an end could not be matched to the snapshot (or policy cannot govern it).</summary>
    Unresolved,
}

/// <summary>The direction a recommended policy restricts.</summary>
public enum PolicyDirection
{
    Ingress,
    Egress,
}

/// <summary>The kind of policy a recommendation is written as.</summary>
public enum PolicyRecommendationKind
{
    NetworkPolicy,
    CiliumNetworkPolicy,
    CalicoNetworkPolicy,
}

/// <summary>One end of an observed flow, as the log describes it.</summary>
public sealed record FlowEndpoint
{
    private static readonly IReadOnlyDictionary<string, string> NoLabels = new Dictionary<string, string>();

    public string? Namespace { get; init; }
    /// <summary>The pod's name; Calico's aggregated name (<c>frontend-7d4b9c8f6-*</c>) when the log aggregates pods.</summary>
    public string? Pod { get; init; }
    /// <summary>The owning workload's name, when the log names it (Hubble's <c>workloads</c>, a CSV <c>ns/name[Kind]</c>).</summary>
    public string? WorkloadName { get; init; }
    public string? WorkloadKind { get; init; }
    /// <summary>The pod's labels (Hubble's <c>k8s:</c> labels, Calico's labels).</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = NoLabels;
    public string? Address { get; init; }
    /// <summary>
    /// What the log says the end is when it is not a pod: Hubble's reserved identities (<c>world</c>,
    /// <c>host</c>, <c>remote-node</c>, <c>kube-apiserver</c>, <c>ingress</c>, ...) or Calico's endpoint
    /// types (<c>hep</c>, <c>ns</c>, <c>net</c>) with their names (<c>pub</c>, <c>pvt</c>).
    /// </summary>
    public string? Entity { get; init; }
    /// <summary>DNS names the log gives for the address.</summary>
    public IReadOnlyList<string> Names { get; init; } = Array.Empty<string>();

    public override string ToString()
    {
        if (WorkloadName is not null && Pod is null)
        {
            return $"{Namespace}/{WorkloadName}" + (WorkloadKind is null ? string.Empty : $"[{WorkloadKind}]");
        }

        if (Pod is not null)
        {
            return (Namespace is null ? Pod : $"{Namespace}/{Pod}") + (Address is null ? string.Empty : $" ({Address})");
        }

        var name = Names.Count > 0 ? Names[0] : null;
        var what = Address ?? name ?? Entity ?? "(unknown)";
        if (Address is not null && name is not null)
        {
            what = $"{name} ({Address})";
        }

        return Entity is not null && Entity != what ? $"{what} [{Entity}]" : what;
    }
}

/// <summary>One observed flow (or one aggregated record of a log): <c>Import-NetSecFlowLog</c> returns these.</summary>
public sealed record ObservedFlow
{
    public required FlowEndpoint Source { get; init; }
    public required FlowEndpoint Destination { get; init; }
    /// <summary>The source as connectivity output names peers, when a snapshot resolved it.</summary>
    public string? SourcePeer { get; init; }
    public string? DestinationPeer { get; init; }
    /// <summary>Why an end could not be resolved against the snapshot, when one could not.</summary>
    public string? Unresolved { get; init; }
    /// <summary>TCP, UDP or SCTP; ICMPv4, ICMPv6 or the IP protocol number for other traffic.</summary>
    public required string Protocol { get; init; }
    /// <summary>The destination port (0 when the protocol has none).</summary>
    public int Port { get; init; }
    public FlowDirection Direction { get; init; }
    public FlowVerdict Verdict { get; init; }
    /// <summary>Why the datapath dropped it, as the log names the reason (<c>POLICY_DENIED</c>, ...).</summary>
    public string? DropReason { get; init; }
    /// <summary>The policies the log says decided the flow.</summary>
    public IReadOnlyList<string> Policies { get; init; } = Array.Empty<string>();
    public DateTimeOffset? Time { get; init; }
    /// <summary>The end of the interval an aggregated record covers (Calico).</summary>
    public DateTimeOffset? EndTime { get; init; }
    /// <summary>How many flows the record stands for (1 for a Hubble line, <c>num_flows</c> for Calico).</summary>
    public long Count { get; init; } = 1;
    public string? Node { get; init; }
    public FlowLogFormat Format { get; init; }
    public string? File { get; init; }
    public long Line { get; init; }

    public string Connection => Port == 0 ? Protocol : string.Create(CultureInfo.InvariantCulture, $"{Protocol} {Port}");

    public override string ToString() =>
        $"{SourcePeer ?? Source.ToString()} => {DestinationPeer ?? Destination.ToString()} : {Connection} {Verdict}" +
        (Count == 1 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $" x{Count}"));
}

/// <summary>
/// One workload pair and port range compared across the log and the policies:
/// <c>Compare-NetSecFlowLog</c> returns these.
/// </summary>
public sealed record FlowComparison
{
    public TrafficCategory Category { get; init; }
    /// <summary>The source peer as connectivity output names it (<c>ns/name[Kind]</c>, <c>first-last[External]</c>, <c>{ingress-controller}</c>), or the endpoint as logged when it is unresolved.</summary>
    public required string Source { get; init; }
    public required string Destination { get; init; }
    public string? SourceNamespace { get; init; }
    public string? DestinationNamespace { get; init; }
    public required string Protocol { get; init; }
    public int Port { get; init; }
    /// <summary>The last port of the range (equal to <see cref="Port"/> for one port).</summary>
    public int EndPort { get; init; }
    /// <summary>How many flows the log shows for it (0 for an unused path).</summary>
    public long Observed { get; init; }
    public long Forwarded { get; init; }
    public long Dropped { get; init; }
    public long Audited { get; init; }
    /// <summary>What the log says happened to it: Forwarded, Dropped, Audit, or Mixed when it says both.</summary>
    public FlowVerdict LogVerdict { get; init; }
    /// <summary>
    /// True when the log and the analysis disagree: denied by policy but forwarded, or allowed by policy but dropped by policy.
    /// A flow the mesh denies is refused by the destination's sidecar after the CNI forwarded it, so forwarded agrees with it.
    /// </summary>
    public bool DatapathDisagrees { get; init; }
    /// <summary>The deciding layer, policy kind, policy and rule, as <c>Test-NetSecConnection -Explain</c> gives them.</summary>
    public PolicyLayer? Layer { get; init; }
    public string? PolicyKind { get; init; }
    public string? Policy { get; init; }
    public string? Rule { get; init; }
    public string? Explanation { get; init; }
    /// <summary>The policies the log names for it.</summary>
    public IReadOnlyList<string> LogPolicies { get; init; } = Array.Empty<string>();
    public DateTimeOffset? FirstSeen { get; init; }
    public DateTimeOffset? LastSeen { get; init; }
    /// <summary>For an unresolved record: why it could not be compared.</summary>
    public string? Reason { get; init; }
    /// <summary>The first log line that shows it, as <c>file:line</c>.</summary>
    public string? Evidence { get; init; }
    /// <summary>The ends as the first log line describes them.</summary>
    public string? ObservedSource { get; init; }
    public string? ObservedDestination { get; init; }

    /// <summary>The port range as connlist writes it: <c>TCP 8080</c>, <c>TCP 1-79</c>.</summary>
    public string Connections => Port == 0 && EndPort == 0 ? Protocol
        : Port == EndPort ? string.Create(CultureInfo.InvariantCulture, $"{Protocol} {Port}")
        : string.Create(CultureInfo.InvariantCulture, $"{Protocol} {Port}-{EndPort}");

    public override string ToString() => $"{Source} => {Destination} : {Connections} ({Category}" +
        (Observed > 0 ? string.Create(CultureInfo.InvariantCulture, $", {Observed} seen") : string.Empty) + (DatapathDisagrees ? ", datapath disagrees)" : ")");
}

/// <summary>The "Observed traffic" part of a scan: the flow logs read and how they compare with the policies.</summary>
public sealed record ObservedTraffic
{
    /// <summary>The log files read.</summary>
    public IReadOnlyList<string> Files { get; init; } = Array.Empty<string>();
    public long Lines { get; init; }
    /// <summary>Records read (lines that are flows).</summary>
    public long Records { get; init; }
    /// <summary>Flows those records stand for (a Calico record counts its <c>num_flows</c>).</summary>
    public long Flows { get; init; }
    /// <summary>Lines that could not be read; each is an error diagnostic with its file and line.</summary>
    public long BadLines { get; init; }
    /// <summary>Records left out on purpose (replies, L7 and socket records, events that are not flows), by reason.</summary>
    public IReadOnlyDictionary<string, long> Skipped { get; init; } = new Dictionary<string, long>();
    /// <summary>The window the log covers.</summary>
    public DateTimeOffset? From { get; init; }
    public DateTimeOffset? To { get; init; }
    /// <summary>Flows with an end the snapshot does not hold.</summary>
    public long UnresolvedFlows { get; init; }
    public IReadOnlyList<FlowComparison> ObservedAllowed { get; init; } = Array.Empty<FlowComparison>();
    public IReadOnlyList<FlowComparison> ObservedDenied { get; init; } = Array.Empty<FlowComparison>();
    public IReadOnlyList<FlowComparison> UnusedAllowed { get; init; } = Array.Empty<FlowComparison>();
    public IReadOnlyList<FlowComparison> Unresolved { get; init; } = Array.Empty<FlowComparison>();
    /// <summary>Records where the log and the analysis disagree (see <see cref="FlowComparison.DatapathDisagrees"/>).</summary>
    public int Disagreements { get; init; }
    /// <summary>Workloads taken as data stores, as <c>peer: why</c>.</summary>
    public IReadOnlyList<string> DataStores { get; init; } = Array.Empty<string>();
    /// <summary>Workloads exposed outside the cluster, as <c>peer: by what</c>.</summary>
    public IReadOnlyList<string> ExposedWorkloads { get; init; } = Array.Empty<string>();
    /// <summary>The widest unused allowed paths into data stores.</summary>
    public IReadOnlyList<FlowComparison> TopUnusedIntoDataStores { get; init; } = Array.Empty<FlowComparison>();
    /// <summary>The widest unused allowed paths out of exposed workloads.</summary>
    public IReadOnlyList<FlowComparison> TopUnusedFromExposed { get; init; } = Array.Empty<FlowComparison>();
    /// <summary>The first problems found reading the logs (bad lines), with file and line.</summary>
    public IReadOnlyList<InputDiagnostic> Diagnostics { get; init; } = Array.Empty<InputDiagnostic>();

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Flows} observed flows: {ObservedAllowed.Count} allowed and {ObservedDenied.Count} denied paths ({Disagreements} where the datapath disagrees), {UnusedAllowed.Count} unused allowed, {Unresolved.Count} unresolved");
}

/// <summary>A least-privilege policy written from observed traffic and verified by the engine: <c>New-NetSecPolicyRecommendation</c> returns these.</summary>
public sealed record PolicyRecommendation
{
    public required string Namespace { get; init; }
    /// <summary>The workload the policy selects, as connectivity output names it.</summary>
    public required string Workload { get; init; }
    public PolicyDirection Direction { get; init; }
    public PolicyRecommendationKind Kind { get; init; }
    /// <summary>The policy's name.</summary>
    public required string Name { get; init; }
    /// <summary>The policy as YAML, ready for <c>kubectl apply</c>.</summary>
    public required string Manifest { get; init; }
    /// <summary>How many allowed paths (peer pairs) it closes or narrows.</summary>
    public int ClosesPaths { get; init; }
    /// <summary>The connections it closes, as connlist lines <c>SRC => DST : CONNECTIONS</c>.</summary>
    public IReadOnlyList<string> ClosedPaths { get; init; } = Array.Empty<string>();
    /// <summary>Observed paths (peer pair and port) it keeps allowed.</summary>
    public int KeepsObserved { get; init; }
    /// <summary>What it allows, one line per rule.</summary>
    public IReadOnlyList<string> Allows { get; init; } = Array.Empty<string>();
    /// <summary>What was kept although not observed (DNS, Ingress exposure), and other remarks.</summary>
    public IReadOnlyList<string> Notes { get; init; } = Array.Empty<string>();

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Kind} {Namespace}/{Name} ({Direction} of {Workload}): closes {ClosesPaths} paths");
}
