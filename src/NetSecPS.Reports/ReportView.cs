namespace NetSecPS.Reports;

/// <summary>A failed (or fully suppressed) check with its findings, in the order the reports list them.</summary>
internal sealed record CheckGroup(CheckInfo Check, IReadOnlyList<Finding> Open, IReadOnlyList<Finding> Suppressed)
{
    public int Total => Open.Count + Suppressed.Count;

    /// <summary>Resources with at least one open finding of the check.</summary>
    public int OpenResources => Open.Select(f => f.Resource).Distinct(StringComparer.Ordinal).Count();
}

/// <summary>Findings of one framework control.</summary>
internal sealed record FrameworkCount(string Framework, int Open, int Suppressed);

/// <summary>Drift records of one category, by kind of change.</summary>
internal sealed record DriftTotal(DriftCategory Category, int Added, int Removed, int Changed);

/// <summary>
/// The groupings and totals every report shows, taken once from a <see cref="ScanResult"/>.
/// It only sorts and counts what the scan holds; it decides nothing (no scoring, no checks).
/// </summary>
internal sealed class ReportView
{
    public static readonly Severity[] SeveritiesDescending = { Severity.Critical, Severity.High, Severity.Medium, Severity.Low, Severity.Info };

    public ReportView(ScanResult scan, ReportOptions options)
    {
        Scan = scan;
        Options = options;
        Title = options.TitleFor(scan);
        Organization = options.OrganizationFor(scan);
        Cluster = scan.ClusterName;
        ComplianceById = scan.Score.Checks.GroupBy(c => c.CheckId, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.First(), StringComparer.OrdinalIgnoreCase);

        var checksById = new Dictionary<string, CheckInfo>(StringComparer.OrdinalIgnoreCase);
        foreach (var c in scan.Checks)
        {
            checksById.TryAdd(c.Id, c);
        }

        var groups = new List<CheckGroup>();
        foreach (var byCheck in scan.Findings.GroupBy(f => f.CheckId, StringComparer.OrdinalIgnoreCase))
        {
            var first = byCheck.First();
            // A finding whose check is missing from the catalogue still gets a heading of its own.
            var check = checksById.TryGetValue(byCheck.Key, out var known) ? known : new CheckInfo
            {
                Id = first.CheckId,
                Title = first.Title,
                Severity = first.Severity,
                Frameworks = first.Frameworks,
                Remediation = first.Remediation,
            };
            groups.Add(new CheckGroup(
                check,
                byCheck.Where(f => !f.Suppressed).OrderBy(f => f.Namespace, StringComparer.Ordinal).ThenBy(f => f.Resource, StringComparer.Ordinal).ToArray(),
                byCheck.Where(f => f.Suppressed).OrderBy(f => f.Namespace, StringComparer.Ordinal).ThenBy(f => f.Resource, StringComparer.Ordinal).ToArray()));
        }

        CheckGroups = groups
            .OrderByDescending(g => g.Open.Count > 0)
            .ThenByDescending(g => g.Check.Severity)
            .ThenByDescending(g => g.Open.Count)
            .ThenBy(g => g.Check.Id, StringComparer.Ordinal)
            .ToArray();
        GroupsById = CheckGroups.ToDictionary(g => g.Check.Id, StringComparer.OrdinalIgnoreCase);

        Catalogue = scan.Checks.Count > 0
            ? scan.Checks.OrderBy(c => c.Id, CheckIdComparer.Instance).ToArray()
            : CheckGroups.Select(g => g.Check).OrderBy(c => c.Id, CheckIdComparer.Instance).ToArray();

        var counts = FindingCounts.Of(scan.Findings);
        OpenBySeverity = counts.OpenBySeverity;
        SuppressedBySeverity = counts.SuppressedBySeverity;
        OpenFindings = counts.Open;
        SuppressedFindings = counts.Suppressed;

        Frameworks = scan.Findings
            .SelectMany(f => f.Frameworks.Distinct(StringComparer.OrdinalIgnoreCase).Select(fw => (fw, f.Suppressed)))
            .GroupBy(x => x.fw, StringComparer.OrdinalIgnoreCase)
            .Select(g => new FrameworkCount(g.Key, g.Count(x => !x.Suppressed), g.Count(x => x.Suppressed)))
            .OrderBy(x => x.Framework, StringComparer.OrdinalIgnoreCase)
            .ToArray();

        DriftTotals = scan.Drift is null ? Array.Empty<DriftTotal>() : scan.Drift
            .GroupBy(d => d.Category)
            .OrderBy(g => g.Key)
            .Select(g => new DriftTotal(g.Key, g.Count(d => d.Change == DriftChange.Added), g.Count(d => d.Change == DriftChange.Removed), g.Count(d => d.Change == DriftChange.Changed)))
            .ToArray();

        CoverageGaps = scan.Coverage.Where(c => c.Status is CoverageStatus.Forbidden or CoverageStatus.Error or CoverageStatus.Partial).ToArray();

        var openByResource = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var f in scan.Findings)
        {
            if (!f.Suppressed)
            {
                openByResource[f.Resource] = openByResource.GetValueOrDefault(f.Resource) + 1;
            }
        }

        OpenByResource = openByResource;

        var notEvaluated = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in scan.NotEvaluated)
        {
            var colon = entry.IndexOf(':', StringComparison.Ordinal);
            var id = (colon > 0 ? entry[..colon] : entry).Trim();
            notEvaluated.TryAdd(id, colon > 0 ? entry[(colon + 1)..].Trim() : "no reason given");
        }

        NotEvaluated = notEvaluated;
    }

    public ScanResult Scan { get; }

    /// <summary>True when the scan carries a score: a whole scan or an audit summary, not findings alone.</summary>
    public bool HasScore => Scan.Content != ScanContent.Findings;

    /// <summary>True for a whole scan: inventory, connectivity, drift and history are there to lay out.</summary>
    public bool IsFullScan => Scan.Content == ScanContent.Scan;

    /// <summary>True for a whole scan in which some flow meets the Istio mesh (see <see cref="MeshTls.Applies"/>); one pass over the flows, taken once.</summary>
    public bool HasMesh => hasMesh ??= MeshTls.Applies(this);

    private bool? hasMesh;

    /// <summary>
    /// The mesh's mutual TLS counts per destination namespace and their total (<see cref="MeshTls"/>),
    /// counted once per report for the Mesh mTLS sheet, the PDF's section and both summaries; null without a mesh.
    /// </summary>
    public (IReadOnlyList<MeshTlsRow> Rows, MeshTlsRow Total)? MeshTlsCounts(CancellationToken cancellationToken = default)
    {
        if (!HasMesh)
        {
            return null;
        }

        if (meshTlsCounts is null)
        {
            var rows = MeshTls.Rows(Scan, cancellationToken);
            meshTlsCounts = (rows, MeshTls.Total(rows));
        }

        return meshTlsCounts;
    }

    private (IReadOnlyList<MeshTlsRow> Rows, MeshTlsRow Total)? meshTlsCounts;

    /// <summary>The subjects each check verified and passed, by check id (empty when the scan carries no subjects).</summary>
    public ILookup<string, SubjectResult> PassedSubjects => passed ??= Scan.Subjects.Where(x => x.Outcome == SubjectOutcome.Passed).ToLookup(x => x.CheckId, StringComparer.OrdinalIgnoreCase);

    private ILookup<string, SubjectResult>? passed;

    /// <summary>A check's compliance in this scan, by id.</summary>
    public IReadOnlyDictionary<string, CheckCompliance> ComplianceById { get; }

    /// <summary>What the report holds when it is not a whole scan, in one sentence for its readers.</summary>
    public string? PartialNote => Scan.Content switch
    {
        ScanContent.Audit => "This report was made from an audit summary (Invoke-NetSecAudit -Summary): it holds the score, the checks and the findings, not the inventory, connectivity, drift or history of a full scan (Invoke-NetSecScan).",
        ScanContent.Findings => "This report was made from findings alone (Invoke-NetSecAudit): it lists what failed. It holds no score and no passed checks, since findings do not say what was verified; Invoke-NetSecScan gives the full report.",
        _ => null,
    };
    public ReportOptions Options { get; }
    public string Title { get; }
    public string? Organization { get; }
    /// <summary>The cluster, context or input paths, as the reports name what was scanned.</summary>
    public string Cluster { get; }
    public IReadOnlyList<CheckGroup> CheckGroups { get; }
    public IReadOnlyDictionary<string, CheckGroup> GroupsById { get; }
    /// <summary>Every check of the catalogue, by id.</summary>
    public IReadOnlyList<CheckInfo> Catalogue { get; }
    /// <summary>Open findings per severity, indexed by the severity's value.</summary>
    public IReadOnlyList<int> OpenBySeverity { get; }
    public IReadOnlyList<int> SuppressedBySeverity { get; }
    public int OpenFindings { get; }
    public int SuppressedFindings { get; }
    public IReadOnlyList<FrameworkCount> Frameworks { get; }
    public IReadOnlyList<DriftTotal> DriftTotals { get; }
    public IReadOnlyList<CoverageEntry> CoverageGaps { get; }
    public IReadOnlyDictionary<string, int> OpenByResource { get; }
    /// <summary>Checks the scan could not evaluate, by id, with the reason.</summary>
    public IReadOnlyDictionary<string, string> NotEvaluated { get; }

    public IEnumerable<CheckGroup> FailingGroups => CheckGroups.Where(g => g.Open.Count > 0);

    /// <summary>
    /// A manifest path as a reader wants it: relative to the input folder it was found under
    /// (<c>shop/frontend.yaml</c> rather than the scanning machine's absolute path), else as given.
    /// </summary>
    public string DisplayPath(string file)
    {
        foreach (var root in Scan.Provenance.Paths)
        {
            if (string.IsNullOrEmpty(root))
            {
                continue;
            }

            var prefix = Path.EndsInDirectorySeparator(root) ? root : root + Path.DirectorySeparatorChar;
            if (file.StartsWith(prefix, StringComparison.Ordinal) && file.Length > prefix.Length)
            {
                return file[prefix.Length..];
            }
        }

        return file;
    }

    /// <summary>
    /// Fail, Suppressed (every finding of the check suppressed), Not evaluated (the scan could not
    /// decide it, e.g. a kind it needs was forbidden), Not applicable (nothing in its scope, such as
    /// the mesh checks without a mesh) or Pass, for a check of the catalogue.
    /// </summary>
    public string StatusOf(CheckInfo check) =>
        GroupsById.TryGetValue(check.Id, out var g) ? (g.Open.Count > 0 ? "Fail" : "Suppressed")
        : NotEvaluated.ContainsKey(check.Id) ? "Not evaluated"
        : ComplianceById.TryGetValue(check.Id, out var c) && !c.Applicable ? "Not applicable"
        : "Pass";

    public string? NotEvaluatedReason(string checkId) => NotEvaluated.TryGetValue(checkId, out var why) ? why : null;

    public int OpenCount(string checkId) => GroupsById.TryGetValue(checkId, out var g) ? g.Open.Count : 0;

    public int SuppressedCount(string checkId) => GroupsById.TryGetValue(checkId, out var g) ? g.Suppressed.Count : 0;

    /// <summary>Orders NP-2 before NP-10 and groups by prefix.</summary>
    private sealed class CheckIdComparer : IComparer<string>
    {
        public static readonly CheckIdComparer Instance = new();

        public int Compare(string? x, string? y)
        {
            if (x is null || y is null)
            {
                return string.CompareOrdinal(x, y);
            }

            var (px, nx) = Split(x);
            var (py, ny) = Split(y);
            var c = string.CompareOrdinal(px, py);
            return c != 0 ? c : nx != ny ? nx.CompareTo(ny) : string.CompareOrdinal(x, y);
        }

        private static (string Prefix, int Number) Split(string id)
        {
            var dash = id.LastIndexOf('-');
            return dash > 0 && int.TryParse(id.AsSpan(dash + 1), out var n) ? (id[..dash], n) : (id, 0);
        }
    }
}
