using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;

namespace NetSecPS.Core.Checks;

/// <summary>Options of one audit beyond the profile.</summary>
internal sealed record AuditOptions
{
    /// <summary>Check id patterns (wildcards) to run instead of the profile's selection.</summary>
    public IReadOnlyList<string>? Checks { get; init; }

    /// <summary>The audit's clock (scan date, suppression expiry); now when null.</summary>
    public DateTimeOffset? Now { get; init; }

    /// <summary>The cluster's name for cluster-level findings; from the input when null (<see cref="ClusterNames"/>).</summary>
    public string? ClusterName { get; init; }
}

/// <summary>A selected check that could not be evaluated, and why.</summary>
internal sealed record NotEvaluatedCheck(string CheckId, string Reason);

/// <summary>The outcome of one audit: what <c>Invoke-NetSecAudit</c> streams and <c>Invoke-NetSecScan</c> reports.</summary>
internal sealed class AuditResult
{
    /// <summary>Every finding, suppressed ones included and marked, most severe first.</summary>
    public required IReadOnlyList<Finding> Findings { get; init; }

    /// <summary>Every (check, subject) pair evaluated, with its outcome: passed subjects too.</summary>
    public IReadOnlyList<SubjectResult> Subjects { get; init; } = Array.Empty<SubjectResult>();

    public required ScoreDetails Score { get; init; }

    /// <summary>The checks that were selected, with the severity the profile reports them with.</summary>
    public required IReadOnlyList<CheckInfo> Checks { get; init; }

    public required ProfileInfo Profile { get; init; }

    public IReadOnlyList<NotEvaluatedCheck> NotEvaluated { get; init; } = Array.Empty<NotEvaluatedCheck>();

    /// <summary>Warnings raised during the audit (expired suppressions, checks that could not run).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = Array.Empty<string>();
}

/// <summary>
/// Runs the check catalogue over a model: selects the checks (profile or explicit ids), evaluates
/// them (the semantic ones against the connectivity engine), drops findings in the profile's
/// excluded namespaces, applies the profile's severity overrides and the exceptions file, and
/// scores the result.
/// </summary>
internal static class Auditor
{
    public static AuditResult Run(ClusterModel model, IConnectivityQuery? connectivity, AuditProfile profile, ExceptionsFile? exceptions, IOutputSink sink,
        AuditOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new AuditOptions();
        var now = options.Now ?? DateTimeOffset.Now;
        var warnings = new List<string>();
        void Warn(string message)
        {
            warnings.Add(message);
            sink.Warning(message);
        }

        var selected = Select(profile, options.Checks, Warn);
        var context = new AuditContext(model, connectivity, profile, now, sink, cancellationToken, options.ClusterName);
        var findings = new List<Finding>();
        var notEvaluated = new List<NotEvaluatedCheck>();
        var scopes = new Dictionary<string, List<CheckSubject>>(StringComparer.Ordinal);
        var i = 0;
        foreach (var check in selected)
        {
            cancellationToken.ThrowIfCancellationRequested();
            sink.Progress(new ProgressUpdate(2, "Auditing", $"{check.Info.Id} {check.Info.Title}", i++ * 100 / Math.Max(1, selected.Count)));
            if (check.NeedsConnectivity && connectivity is null)
            {
                notEvaluated.Add(new NotEvaluatedCheck(check.Info.Id, NoEngine));
                continue;
            }

            sink.Verbose($"Evaluating {check.Info.Id} {check.Info.Title}");
            var severity = profile.SeverityOf(check.Info);
            try
            {
                foreach (var f in check.Evaluate(context))
                {
                    if (check.HonoursExcludedNamespaces && profile.IsExcluded(f.Namespace))
                    {
                        continue;
                    }

                    findings.Add(f.Severity == severity ? f : f with { Severity = severity });
                }

                scopes[check.Info.Id] = check.Subjects(context)
                    .Where(s => !check.HonoursExcludedNamespaces || !profile.IsExcluded(s.Namespace))
                    .ToList();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One broken check must not hide the findings of the others; the gap is reported.
                notEvaluated.Add(new NotEvaluatedCheck(check.Info.Id, ex.Message));
                Warn($"{check.Info.Id} could not be evaluated: {ex.Message}");
            }
        }

        sink.Progress(new ProgressUpdate(2, "Auditing", "done", 100, Completed: true));
        if (notEvaluated.Any(n => n.Reason == NoEngine))
        {
            Warn($"Not evaluated without the connectivity engine: {string.Join(", ", notEvaluated.Where(n => n.Reason == NoEngine).Select(n => n.CheckId))}.");
        }

        var suppressed = ApplySuppressions(findings, exceptions, DateOnly.FromDateTime(now.Date), Warn);
        var ordered = suppressed
            .OrderByDescending(f => f.Severity)
            .ThenBy(f => f.CheckId, StringComparer.Ordinal)
            .ThenBy(f => f.Resource, StringComparer.Ordinal)
            .ToList();
        var checks = selected.Select(c => c.Info with { Severity = profile.SeverityOf(c.Info) }).ToList();
        var outcomes = Outcomes(checks, scopes, ordered, sink);
        var evaluatedWorkloads = model.Workloads.Count(w => !profile.IsExcluded(w.Namespace));
        var score = PostureScore.Compute(outcomes, evaluatedWorkloads);
        sink.Verbose($"Score {score.Score:0.0}: {score.Formula}");
        return new AuditResult
        {
            Findings = ordered,
            Subjects = outcomes.SelectMany(o => o.Subjects).ToList(),
            Score = score,
            Checks = checks,
            Profile = profile.ToInfo(selected.Select(c => c.Info.Id)),
            NotEvaluated = notEvaluated,
            Warnings = warnings,
        };
    }

    private const string NoEngine = "the connectivity engine is not available";

    /// <summary>
    /// The outcome of every (check, subject) pair: failed when an open finding names the subject,
    /// accepted when every finding on it is suppressed, passed when it has none. A finding on a
    /// resource outside the check's declared subjects still counts, as a failed (or accepted)
    /// subject, so a scope that misses something can never hide a failure.
    /// </summary>
    public static IReadOnlyList<CheckOutcomes> Outcomes(IReadOnlyList<CheckInfo> checks, IReadOnlyDictionary<string, List<CheckSubject>> scopes, IReadOnlyList<Finding> findings, IOutputSink? sink = null)
    {
        var byCheck = findings.GroupBy(f => f.CheckId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var result = new List<CheckOutcomes>(checks.Count);
        foreach (var check in checks)
        {
            var subjects = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var s in scopes.GetValueOrDefault(check.Id) ?? new List<CheckSubject>())
            {
                subjects.TryAdd(s.Resource, s.Namespace);
            }

            var open = new HashSet<string>(StringComparer.Ordinal);
            var accepted = new HashSet<string>(StringComparer.Ordinal);
            foreach (var f in byCheck.GetValueOrDefault(check.Id) ?? new List<Finding>())
            {
                if (subjects.TryAdd(f.Resource, f.Namespace) && scopes.ContainsKey(check.Id))
                {
                    sink?.Verbose($"{check.Id}: {f.Resource} has a finding but is not among the subjects the check declares; it is counted as evaluated.");
                }

                (f.Suppressed ? accepted : open).Add(f.Resource);
            }

            result.Add(new CheckOutcomes(check, subjects
                .OrderBy(s => s.Key, StringComparer.Ordinal)
                .Select(s => new SubjectResult
                {
                    CheckId = check.Id,
                    Resource = s.Key,
                    Namespace = s.Value,
                    Outcome = open.Contains(s.Key) ? SubjectOutcome.Failed : accepted.Contains(s.Key) ? SubjectOutcome.Accepted : SubjectOutcome.Passed,
                }).ToList()));
        }

        return result;
    }

    /// <summary>The checks an audit runs: the explicit patterns when given, else the profile's selection.</summary>
    public static IReadOnlyList<Check> Select(AuditProfile profile, IReadOnlyList<string>? patterns, Action<string>? warn = null)
    {
        if (patterns is { Count: > 0 })
        {
            foreach (var p in patterns.Where(p => !CheckCatalogue.All.Any(c => Wildcard.IsMatch(c.Info.Id, p))))
            {
                warn?.Invoke($"'{p}' matches no check id.");
            }

            return CheckCatalogue.All.Where(c => patterns.Any(p => Wildcard.IsMatch(c.Info.Id, p))).ToList();
        }

        return CheckCatalogue.All.Where(c => profile.Includes(c.Info)).ToList();
    }

    /// <summary>
    /// Marks findings that a current exception covers; an expired exception stops suppressing and
    /// raises a warning (the expiry date itself still counts as valid).
    /// </summary>
    public static IReadOnlyList<Finding> ApplySuppressions(IReadOnlyList<Finding> findings, ExceptionsFile? exceptions, DateOnly today, Action<string> warn)
    {
        if (exceptions is null || exceptions.Entries.Count == 0)
        {
            return findings;
        }

        var result = new List<Finding>(findings.Count);
        var expiredHits = new Dictionary<Suppression, int>();
        foreach (var f in findings)
        {
            var current = exceptions.Entries.FirstOrDefault(s => !s.IsExpired(today) && s.Matches(f));
            foreach (var s in exceptions.Entries.Where(s => s.IsExpired(today) && s.Matches(f)))
            {
                expiredHits[s] = expiredHits.GetValueOrDefault(s) + 1;
            }

            result.Add(current is null ? f : f with
            {
                Suppressed = true,
                Justification = current.Justification,
                SuppressedBy = current.Owner,
                SuppressionExpires = new DateTimeOffset(current.Expires.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero),
            });
        }

        foreach (var s in exceptions.Entries.Where(s => s.IsExpired(today)))
        {
            var hits = expiredHits.GetValueOrDefault(s);
            warn($"The exception for {s.CheckId} on {s.Resource} (owner {s.Owner}, {s.File}:{s.Line}) expired on {s.Expires:yyyy-MM-dd} and no longer suppresses" +
                 (hits > 0 ? $": {hits} finding(s) it covered are reported." : "; it matches no current finding."));
        }

        return result;
    }
}
