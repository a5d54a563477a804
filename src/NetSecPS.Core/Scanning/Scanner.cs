using NetSecPS.Core.Baseline;
using NetSecPS.Core.Checks;
using NetSecPS.Core.Composition;
using NetSecPS.Core.Model;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Scanning;

/// <summary>What one scan runs with.</summary>
internal sealed record ScanOptions
{
    public AuditProfile Profile { get; init; } = AuditProfile.BuiltInDefault;
    public ExceptionsInForce? Exceptions { get; init; }
    /// <summary>A verified baseline to report drift against; null for no drift.</summary>
    public VerifiedBaseline? Baseline { get; init; }
    public string? BaselinePath { get; init; }
    /// <summary>History file (JSON lines) the scan appends its record to; null for none.</summary>
    public string? HistoryPath { get; init; }
    public int HistoryKeep { get; init; } = HistoryFile.DefaultKeep;
    /// <summary>The cluster's name as the operator knows it (in-cluster scans cannot see it).</summary>
    public string? ClusterName { get; init; }
    public DateTimeOffset? Now { get; init; }
    /// <summary>Flow log files or folders to compare with the policies (the report's "Observed traffic"); null for none.</summary>
    public IReadOnlyList<string>? FlowLogs { get; init; }
}

/// <summary>
/// One scan: the analysis (<see cref="ClusterAnalysis"/>), then inventory, observed traffic and
/// drift → <see cref="ScanResult"/>, and a history record appended when asked.
/// </summary>
internal static class Scanner
{
    public static ScanResult Run(ClusterData data, ScanOptions options, IOutputSink sink, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sink);
        var now = options.Now ?? DateTimeOffset.Now;

        sink.Progress(new ProgressUpdate(3, "Scanning", "model", 5));
        var analysis = ClusterAnalysis.Of(data, cancellationToken);
        var model = analysis.Model;

        sink.Progress(new ProgressUpdate(3, "Scanning", "connectivity", 15));
        var engine = analysis.ConnectivityWithFlows(sink, cancellationToken: cancellationToken);
        var flows = engine.GetFlows(cancellationToken);
        sink.Verbose($"Connectivity: {model.Workloads.Count} workloads, {flows.Count} allowed flows");

        sink.Progress(new ProgressUpdate(3, "Scanning", "audit", 50));
        var audit = analysis.Audit(options.Profile, options.Exceptions?.File, sink, new AuditOptions { Now = now, ClusterName = options.ClusterName }, cancellationToken);

        var observed = Traffic.TrafficScan.Run(engine, options.FlowLogs, sink, cancellationToken);

        sink.Progress(new ProgressUpdate(3, "Scanning", "inventory", 75));
        var inventory = InventoryBuilder.Build(model).ToList();
        var entryPoints = Checks.Support.EntryPoints.Build(model, engine, options.Profile);

        IReadOnlyList<DriftRecord>? drift = null;
        if (options.Baseline is { } baseline)
        {
            sink.Progress(new ProgressUpdate(3, "Scanning", "drift", 85));
            var current = analysis.Posture(audit, options.Exceptions?.Content, cancellationToken);
            foreach (var note in DriftAnalyzer.ContextNotes(baseline.Posture, current))
            {
                sink.Warning(note);
            }

            drift = DriftAnalyzer.Compare(baseline.Posture, current);
            sink.Verbose($"Drift since the baseline: {drift.Count} record(s)");
        }

        var provenance = options.ClusterName is { Length: > 0 } name ? data.Provenance with { Cluster = name } : data.Provenance;
        var counts = new Dictionary<string, int>(data.KindCounts(), StringComparer.Ordinal)
        {
            ["Workload"] = model.Workloads.Count,
        };

        ScanResult Result(IReadOnlyList<HistoryRecord> history) => new()
        {
            Provenance = provenance,
            Coverage = data.Coverage,
            Diagnostics = data.Diagnostics,
            Undecided = engine.Undecided,
            Profile = audit.Profile,
            Inventory = counts,
            Workloads = inventory.OfType<WorkloadItem>().ToList(),
            Services = inventory.OfType<ServiceItem>().ToList(),
            Exposures = inventory.OfType<ExposureItem>().ToList(),
            Policies = inventory.OfType<PolicyItem>().ToList(),
            Checks = audit.Checks,
            NotEvaluated = audit.NotEvaluated.Select(n => $"{n.CheckId}: {n.Reason}").ToList(),
            Findings = audit.Findings,
            Subjects = audit.Subjects,
            Score = audit.Score,
            Flows = flows,
            NamespaceFlows = NamespaceMatrix(flows),
            EntryPoints = entryPoints,
            Drift = drift,
            ObservedTraffic = observed,
            BaselinePath = options.BaselinePath,
            BaselineCreatedAt = options.Baseline?.Provenance.CreatedAt,
            History = history,
            ScannedAt = now,
            Snapshot = data.ToSnapshot(),
            ClusterName = options.ClusterName is { Length: > 0 } ? options.ClusterName : ClusterNames.Of(data.Provenance),
        };

        var result = Result(Array.Empty<HistoryRecord>());
        if (options.HistoryPath is { } historyPath)
        {
            // The trend in the reports includes this scan, so the record is appended first.
            try
            {
                var history = HistoryFile.Append(historyPath, HistoryFile.RecordOf(result), options.HistoryKeep, sink, cancellationToken: cancellationToken);
                result = Result(history);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A history that cannot be written must not cost the scan itself.
                sink.Diagnostic(new InputDiagnostic(DiagnosticSeverity.Error, "HistoryUnwritable", $"The scan was not appended to the history: {ex.Message}", historyPath, null, null));
                result = Result(ReadableHistory(historyPath, sink));
            }
        }

        sink.Progress(new ProgressUpdate(3, "Scanning", "done", 100, Completed: true));
        return result;
    }

    private static IReadOnlyList<HistoryRecord> ReadableHistory(string path, IOutputSink sink)
    {
        try
        {
            return HistoryFile.Read(path, sink);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Array.Empty<HistoryRecord>();
        }
    }

    /// <summary>Flows counted per (source namespace, destination namespace); external peers and the ingress controller count under their own names.</summary>
    public static IReadOnlyList<NamespaceFlowSummary> NamespaceMatrix(IReadOnlyList<Flow> flows) =>
        flows.GroupBy(f => (Src: f.SourceNamespace ?? OutsideName(f.SourceKind), Dst: f.DestinationNamespace ?? OutsideName(f.DestinationKind)))
            .Select(g => new NamespaceFlowSummary(g.Key.Src, g.Key.Dst, g.Count(), true))
            .OrderBy(s => s.SourceNamespace, StringComparer.Ordinal)
            .ThenBy(s => s.DestinationNamespace, StringComparer.Ordinal)
            .ToList();

    private static string OutsideName(PeerKind kind) => kind switch
    {
        PeerKind.IngressController => "{ingress-controller}",
        PeerKind.External => "(external)",
        _ => "(unknown)",
    };
}
