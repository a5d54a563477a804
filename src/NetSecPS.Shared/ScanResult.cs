namespace NetSecPS;

/// <summary>The report profile a scan ran with (from <c>reports/profiles</c>).</summary>
public sealed record ProfileInfo
{
    public required string Name { get; init; }
    public string Title { get; init; } = "Kubernetes network security report";
    public string? Organization { get; init; }
    public IReadOnlyList<string> ExcludedNamespaces { get; init; } = Array.Empty<string>();
    public IReadOnlyList<string> Checks { get; init; } = Array.Empty<string>();
    public string? Framework { get; init; }
}

/// <summary>
/// The posture score and how it was computed, so every report can show its formula: compliance
/// per check over the subjects it evaluated, weighted by severity, with its breakdown per check,
/// per namespace and per framework.
/// </summary>
public sealed record ScoreDetails
{
    /// <summary>The score formula this module computes.</summary>
    public const int CurrentVersion = 2;

    /// <summary>From 0 to 100, not rounded (reports print one decimal).</summary>
    public double Score { get; init; }
    /// <summary>The score if no exception were accepted: accepted subjects count as failed.</summary>
    public double ScoreWithoutExceptions { get; init; }
    /// <summary>good (90 and above), fair (70 to 90) or poor (below 70).</summary>
    public string Band { get; init; } = string.Empty;
    /// <summary>The formula's version: 2 is compliance per check; 1 was the earlier penalty per workload.</summary>
    public int Version { get; init; } = CurrentVersion;
    /// <summary>Workloads outside the profile's excluded namespaces.</summary>
    public int EvaluatedWorkloads { get; init; }
    /// <summary>(check, subject) pairs evaluated, over every check.</summary>
    public int EvaluatedSubjects { get; init; }
    public string Formula { get; init; } = string.Empty;
    /// <summary>Every selected check with its compliance, in catalogue order.</summary>
    public IReadOnlyList<CheckCompliance> Checks { get; init; } = Array.Empty<CheckCompliance>();
    /// <summary>The score of each namespace with evaluated subjects, lowest first.</summary>
    public IReadOnlyList<NamespaceScore> Namespaces { get; init; } = Array.Empty<NamespaceScore>();
    /// <summary>Compliance per framework and per framework control.</summary>
    public IReadOnlyList<FrameworkCompliance> Frameworks { get; init; } = Array.Empty<FrameworkCompliance>();

    /// <summary>The band of a score: good (90 and above), fair (70 to 90), poor (below 70).</summary>
    public static string BandOf(double score) => score >= 90 ? "good" : score >= 70 ? "fair" : "poor";

    public override string ToString() => $"{Score:0.0} ({Band})";
}

/// <summary>A compact record of one scan, appended to a history file for trends.</summary>
public sealed record HistoryRecord
{
    public DateTimeOffset Time { get; init; }
    public string? Cluster { get; init; }
    public double Score { get; init; }
    public int Critical { get; init; }
    public int High { get; init; }
    public int Medium { get; init; }
    public int Low { get; init; }
    public int Info { get; init; }
    public int Suppressed { get; init; }
    public int Flows { get; init; }
    /// <summary>The score formula's version (<see cref="ScoreDetails.Version"/>); 0 in records written before versions were kept, which used formula 1.</summary>
    public int ScoreVersion { get; init; }

    /// <summary>True when the score was computed by the current formula and can be compared with today's.</summary>
    public bool HasCurrentScore => ScoreVersion == ScoreDetails.CurrentVersion;
}

/// <summary>An entry point: a workload reachable from outside the cluster, how it is reached, and what it can reach in turn.</summary>
public sealed record EntryPoint
{
    /// <summary>The exposed workload as <c>namespace/name[Kind]</c>.</summary>
    public required string Workload { get; init; }
    public string? Namespace { get; init; }
    /// <summary>How it is reached: <c>LoadBalancer Service ns/name</c>, <c>Ingress ns/name → Service ns/name</c>, ...</summary>
    public IReadOnlyList<string> Via { get => TextValues.List(field); init; } = Array.Empty<string>();
    /// <summary>The workloads it may open connections to directly.</summary>
    public IReadOnlyList<string> Reaches { get => TextValues.List(field); init; } = Array.Empty<string>();
    /// <summary>How many workloads it can reach in any number of hops (through workloads outside the excluded namespaces).</summary>
    public int ReachableWorkloads { get; init; }
    /// <summary>The namespaces of the workloads it can reach in any number of hops.</summary>
    public IReadOnlyList<string> ReachableNamespaces { get => TextValues.List(field); init; } = Array.Empty<string>();
}

/// <summary>Allowed flows between two namespaces, for the namespace matrix of the reports.</summary>
public sealed record NamespaceFlowSummary(string SourceNamespace, string DestinationNamespace, int Flows, bool Any);

/// <summary>What a <see cref="ScanResult"/> was made from, and so which parts of a report it can fill.</summary>
public enum ScanContent
{
    /// <summary>Invoke-NetSecScan: every part.</summary>
    Scan,
    /// <summary>Invoke-NetSecAudit -Summary: the score, the checks and the findings; no inventory, connectivity, drift or history.</summary>
    Audit,
    /// <summary>Findings alone (Invoke-NetSecAudit, filtered or not): no score, since findings do not say what passed.</summary>
    Findings,
}

/// <summary>The result of one <c>Invoke-NetSecScan</c>: everything the reports lay out.</summary>
public sealed class ScanResult
{
    public required Provenance Provenance { get; init; }
    public IReadOnlyList<CoverageEntry> Coverage { get; init; } = Array.Empty<CoverageEntry>();
    public IReadOnlyList<InputDiagnostic> Diagnostics { get; init; } = Array.Empty<InputDiagnostic>();

    /// <summary>
    /// What the connectivity could not decide statically, one sentence each: rules whose CIDRs
    /// may hold pod addresses the snapshot does not know, domain-name and L7 rules, peers that need
    /// data the snapshot lacks. The verdicts take the conservative reading stated in each sentence.
    /// </summary>
    public IReadOnlyList<string> Undecided { get; init; } = Array.Empty<string>();
    public required ProfileInfo Profile { get; init; }
    public IReadOnlyDictionary<string, int> Inventory { get; init; } = new Dictionary<string, int>();
    public IReadOnlyList<WorkloadItem> Workloads { get; init; } = Array.Empty<WorkloadItem>();
    public IReadOnlyList<ServiceItem> Services { get; init; } = Array.Empty<ServiceItem>();
    public IReadOnlyList<ExposureItem> Exposures { get; init; } = Array.Empty<ExposureItem>();
    public IReadOnlyList<PolicyItem> Policies { get; init; } = Array.Empty<PolicyItem>();
    public IReadOnlyList<CheckInfo> Checks { get; init; } = Array.Empty<CheckInfo>();
    /// <summary>Checks that were selected but could not be evaluated, as <c>ID: reason</c> (as in <see cref="AuditSummary.NotEvaluated"/>).</summary>
    public IReadOnlyList<string> NotEvaluated { get; init; } = Array.Empty<string>();
    public IReadOnlyList<Finding> Findings { get; init; } = Array.Empty<Finding>();
    /// <summary>Every (check, subject) pair the audit evaluated with its outcome: what was verified, passed ones included.</summary>
    public IReadOnlyList<SubjectResult> Subjects { get; init; } = Array.Empty<SubjectResult>();
    public required ScoreDetails Score { get; init; }
    public IReadOnlyList<Flow> Flows { get; init; } = Array.Empty<Flow>();
    public IReadOnlyList<NamespaceFlowSummary> NamespaceFlows { get; init; } = Array.Empty<NamespaceFlowSummary>();
    /// <summary>The workloads reachable from outside, with what each can reach.</summary>
    public IReadOnlyList<EntryPoint> EntryPoints { get; init; } = Array.Empty<EntryPoint>();
    /// <summary>Drift since the baseline; null when no baseline was given.</summary>
    public IReadOnlyList<DriftRecord>? Drift { get; init; }
    /// <summary>Flow logs compared with the policies; null when no flow log was given.</summary>
    public ObservedTraffic? ObservedTraffic { get; init; }
    public string? BaselinePath { get; init; }
    /// <summary>When the baseline was taken, when the baseline records it.</summary>
    public DateTimeOffset? BaselineCreatedAt { get; init; }
    /// <summary>Earlier scans and, last, this one when the scan appended itself to a history file; oldest first.</summary>
    public IReadOnlyList<HistoryRecord> History { get; init; } = Array.Empty<HistoryRecord>();
    public DateTimeOffset ScannedAt { get; init; }

    /// <summary>The snapshot the scan analysed (engine data stays opaque).</summary>
    public Snapshot? Snapshot { get; init; }

    /// <summary>
    /// What the result was made from: a whole scan, an audit summary (score and findings, no
    /// inventory or connectivity), or findings alone (no score: findings do not say what passed).
    /// </summary>
    public ScanContent Content { get; init; } = ScanContent.Scan;

    private readonly string? clusterName;

    /// <summary>The name reports give the cluster: the name given to the scan, else the kube context (live), else the input folder or file name; never a path.</summary>
    public string ClusterName
    {
        get => clusterName ?? ClusterNames.Of(Provenance);
        init => clusterName = string.IsNullOrWhiteSpace(value) ? null : value;
    }

    public override string ToString() => Content == ScanContent.Findings
        ? $"Findings of {ClusterName}: {Findings.Count(f => !f.Suppressed)} open"
        : $"Scan of {ClusterName}: score {Score.Score:0.0}, {Findings.Count(f => !f.Suppressed)} findings";
}
