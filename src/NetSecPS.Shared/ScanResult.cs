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

/// <summary>How the score was computed, so every report can show its formula.</summary>
public sealed record ScoreDetails
{
    public double Score { get; init; }
    public double Penalty { get; init; }
    public int EvaluatedWorkloads { get; init; }
    public string Formula { get; init; } = string.Empty;
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
}

/// <summary>Allowed flows between two namespaces, for the namespace matrix of the reports.</summary>
public sealed record NamespaceFlowSummary(string SourceNamespace, string DestinationNamespace, int Flows, bool Any);

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
    public required ScoreDetails Score { get; init; }
    public IReadOnlyList<Flow> Flows { get; init; } = Array.Empty<Flow>();
    public IReadOnlyList<NamespaceFlowSummary> NamespaceFlows { get; init; } = Array.Empty<NamespaceFlowSummary>();
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

    public override string ToString() =>
        $"Scan of {Provenance.Cluster ?? Provenance.Context ?? string.Join(", ", Provenance.Paths)}: score {Score.Score:0.#}, {Findings.Count(f => !f.Suppressed)} findings";
}
