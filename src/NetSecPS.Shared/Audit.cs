namespace NetSecPS;

/// <summary>
/// The outcome of one audit as <c>Invoke-NetSecAudit -Summary</c> returns it: the score with its
/// formula, the profile, the checks run and every finding (suppressed ones marked).
/// </summary>
public sealed record AuditSummary
{
    public required ProfileInfo Profile { get; init; }
    public required ScoreDetails Score { get; init; }
    /// <summary>Where the audited snapshot came from.</summary>
    public Provenance? Provenance { get; init; }
    /// <summary>The cluster's name as reports print it (never a path).</summary>
    public string ClusterName { get; init; } = ClusterNames.Unnamed;
    public IReadOnlyList<CheckInfo> Checks { get; init; } = Array.Empty<CheckInfo>();
    public IReadOnlyList<Finding> Findings { get; init; } = Array.Empty<Finding>();
    /// <summary>Every (check, subject) pair evaluated with its outcome, passed ones included.</summary>
    public IReadOnlyList<SubjectResult> Subjects { get; init; } = Array.Empty<SubjectResult>();
    public int Critical { get; init; }
    public int High { get; init; }
    public int Medium { get; init; }
    public int Low { get; init; }
    public int Info { get; init; }
    public int Suppressed { get; init; }
    /// <summary>Checks that were selected but could not be evaluated, as <c>ID: reason</c>.</summary>
    public IReadOnlyList<string> NotEvaluated { get; init; } = Array.Empty<string>();
    public IReadOnlyList<string> Warnings { get; init; } = Array.Empty<string>();
    public DateTimeOffset AuditedAt { get; init; }

    public override string ToString() =>
        $"Score {Score.Score:0.0} ({Score.Band}, {Profile.Name}): {Critical} critical, {High} high, {Medium} medium, {Low} low, {Info} info, {Suppressed} suppressed";
}
