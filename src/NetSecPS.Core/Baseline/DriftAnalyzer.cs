using NetSecPS.Core.Connectivity;

namespace NetSecPS.Core.Baseline;

/// <summary>
/// The semantic difference between an approved posture and the current one, as drift
/// records an auditor reads: what opened, what closed, what is newly exposed, which findings
/// are new, resolved, or newly (un)suppressed.
/// </summary>
/// <remarks>
/// Severity says how much a change should worry the reader, not how bad the state is:
/// <list type="bullet">
/// <item>Flows: a new flow (or a changed one that now allows more) into a data store, or from
/// the internet or the ingress controller, is High; into a data store from the internet,
/// Critical; any other new or widened flow, Medium; a narrowed or removed flow, Low.</item>
/// <item>Exposures: new High; changed Medium (High when TLS was dropped or the source ranges
/// were opened); removed Low.</item>
/// <item>Findings: new at the finding's own severity (so a new High or Critical finding ranks
/// High or Critical), or Low when it is born suppressed; resolved Info; newly suppressed Medium
/// (a risk was accepted since the approval); no longer suppressed at the finding's severity;
/// a severity increase at the new severity.</item>
/// <item>Policies: the semantics are in the flows, so policy records are the audit trail:
/// added Info, changed or removed Low.</item>
/// <item>Workloads: added or removed Info (their flows carry the risk), changed Low.</item>
/// </list>
/// A workload that appears with its flows is reported once as a Workload record and once per
/// flow, each flow naming it in <see cref="DriftRecord.Detail"/> as the golden diff files do.
/// </remarks>
internal static class DriftAnalyzer
{
    public static IReadOnlyList<DriftRecord> Compare(Posture baseline, Posture current)
    {
        var records = new List<DriftRecord>();
        records.AddRange(WorkloadDrift(baseline, current));
        records.AddRange(PolicyDrift(baseline, current));
        records.AddRange(ExposureDrift(baseline, current));
        records.AddRange(FlowDrift(baseline, current));
        records.AddRange(FindingDrift(baseline, current));
        return records;
    }

    /// <summary>Differences of what was audited rather than of the cluster: the profile and the exceptions in force.</summary>
    public static IReadOnlyList<string> ContextNotes(Posture baseline, Posture current)
    {
        var notes = new List<string>();
        if (baseline.Profile is { } bp && current.Profile is { } cp)
        {
            var differences = new List<string>();
            if (bp.Name != cp.Name)
            {
                differences.Add($"name {bp.Name} → {cp.Name}");
            }

            if (bp.Framework != cp.Framework)
            {
                differences.Add($"framework {bp.Framework ?? "none"} → {cp.Framework ?? "none"}");
            }

            if (!bp.Checks.SequenceEqual(cp.Checks))
            {
                differences.Add($"{bp.Checks.Count} → {cp.Checks.Count} checks");
            }

            if (!bp.ExcludedNamespaces.SequenceEqual(cp.ExcludedNamespaces))
            {
                differences.Add($"excluded namespaces [{string.Join(",", bp.ExcludedNamespaces)}] → [{string.Join(",", cp.ExcludedNamespaces)}]");
            }

            if (differences.Count > 0)
            {
                notes.Add($"The profile in force differs from the baseline's ({string.Join("; ", differences)}): some finding drift may come from the profile, not the cluster.");
            }
        }

        if (baseline.Exceptions?.Digest != current.Exceptions?.Digest)
        {
            notes.Add(current.Exceptions is null
                ? "The baseline was approved with an exceptions file and none is in force now: findings it suppressed are reported as no longer suppressed."
                : baseline.Exceptions is null
                    ? "An exceptions file is in force now that the baseline did not have: findings it suppresses are reported as newly suppressed."
                    : "The exceptions file differs from the one in force when the baseline was approved: see the findings reported as newly suppressed or no longer suppressed.");
        }

        return notes;
    }

    /// <summary>Flow drift exactly as the connectivity diff lines, one record per line.</summary>
    public static IReadOnlyList<FlowDiff> FlowDiffs(Posture baseline, Posture current) =>
        ConnlistDiff.Compute(baseline.Flows, current.Flows, Peers(baseline), Peers(current));

    private static HashSet<string> Peers(Posture p) => p.Workloads.Select(w => w.Peer).ToHashSet(StringComparer.Ordinal);

    private static IEnumerable<DriftRecord> FlowDrift(Posture baseline, Posture current)
    {
        var workloads = baseline.Workloads.Concat(current.Workloads).GroupBy(w => w.Peer, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
        foreach (var d in FlowDiffs(baseline, current))
        {
            workloads.TryGetValue(d.Destination, out var dst);
            workloads.TryGetValue(d.Source, out var src);
            yield return new DriftRecord
            {
                Category = DriftCategory.Flow,
                Change = d.Change,
                Subject = $"{d.Source} => {d.Destination}",
                Before = d.Before?.Format(d.NonPortProtocols),
                After = d.After?.Format(d.NonPortProtocols),
                Severity = FlowSeverity(d, dst),
                Namespace = dst?.Namespace ?? src?.Namespace,
                Detail = d.WorkloadsInfo,
            };
        }
    }

    internal static Severity FlowSeverity(FlowDiff d, PostureWorkload? destination)
    {
        var opened = d.Change switch
        {
            DriftChange.Added => true,
            DriftChange.Changed => !d.After!.IsSubsetOf(d.Before!),
            _ => false,
        };
        if (!opened)
        {
            return Severity.Low;
        }

        var fromOutside = d.Source == ConnlistDiff.IngressController || IsInternet(d.Source);
        var intoDataStore = destination?.DataStore is not null;
        return (fromOutside, intoDataStore) switch
        {
            (true, true) => Severity.Critical,
            (true, false) or (false, true) => Severity.High,
            _ => Severity.Medium,
        };
    }

    /// <summary>An external range that reaches beyond the internal address space (<see cref="AddressSpace"/>).</summary>
    internal static bool IsInternet(string peer) => IpRange.TryParsePeer(peer, out var range) && AddressSpace.ReachesInternet(range);

    private static IEnumerable<DriftRecord> WorkloadDrift(Posture baseline, Posture current)
    {
        var before = baseline.Workloads.ToDictionary(w => w.Peer, StringComparer.Ordinal);
        var after = current.Workloads.ToDictionary(w => w.Peer, StringComparer.Ordinal);
        foreach (var peer in before.Keys.Union(after.Keys).Order(StringComparer.Ordinal))
        {
            before.TryGetValue(peer, out var b);
            after.TryGetValue(peer, out var a);
            if (b is null || a is null)
            {
                var w = (a ?? b)!;
                yield return new DriftRecord
                {
                    Category = DriftCategory.Workload,
                    Change = a is null ? DriftChange.Removed : DriftChange.Added,
                    Subject = peer,
                    Before = b is null ? null : Describe(b),
                    After = a is null ? null : Describe(a),
                    Severity = Severity.Info,
                    Namespace = w.Namespace,
                };
                continue;
            }

            var (was, now) = Changes(b, a);
            if (was.Count > 0)
            {
                yield return new DriftRecord
                {
                    Category = DriftCategory.Workload,
                    Change = DriftChange.Changed,
                    Subject = peer,
                    Before = string.Join("; ", was),
                    After = string.Join("; ", now),
                    Severity = Severity.Low,
                    Namespace = a.Namespace,
                };
            }
        }
    }

    private static string Describe(PostureWorkload w)
    {
        var parts = new List<string>();
        if (w.Labels.Count > 0)
        {
            parts.Add("labels " + Labels(w.Labels));
        }

        if (w.Ports.Count > 0)
        {
            parts.Add("ports " + string.Join(",", w.Ports));
        }

        if (w.HostNetwork)
        {
            parts.Add("hostNetwork");
        }

        return string.Join("; ", parts);
    }

    private static string Labels(IReadOnlyDictionary<string, string> labels) =>
        string.Join(",", labels.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));

    private static (List<string> Was, List<string> Now) Changes(PostureWorkload b, PostureWorkload a)
    {
        var was = new List<string>();
        var now = new List<string>();
        void Field(string name, string x, string y)
        {
            if (x != y)
            {
                was.Add($"{name} {(x.Length == 0 ? "(none)" : x)}");
                now.Add($"{name} {(y.Length == 0 ? "(none)" : y)}");
            }
        }

        Field("labels", Labels(b.Labels), Labels(a.Labels));
        Field("ports", string.Join(",", b.Ports), string.Join(",", a.Ports));
        Field("images", string.Join(",", b.Images), string.Join(",", a.Images));
        Field("hostNetwork", b.HostNetwork ? "true" : "false", a.HostNetwork ? "true" : "false");
        Field("serviceAccount", b.ServiceAccount ?? string.Empty, a.ServiceAccount ?? string.Empty);
        return (was, now);
    }

    private static IEnumerable<DriftRecord> PolicyDrift(Posture baseline, Posture current)
    {
        var before = baseline.Policies.GroupBy(p => p.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var after = current.Policies.GroupBy(p => p.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        foreach (var key in before.Keys.Union(after.Keys).Order(StringComparer.Ordinal))
        {
            before.TryGetValue(key, out var b);
            after.TryGetValue(key, out var a);
            if (b is not null && a is not null && b.SpecDigest == a.SpecDigest && b.Describe() == a.Describe())
            {
                continue;
            }

            var change = b is null ? DriftChange.Added : a is null ? DriftChange.Removed : DriftChange.Changed;
            yield return new DriftRecord
            {
                Category = DriftCategory.Policy,
                Change = change,
                Subject = key,
                Before = b?.Describe(),
                After = a?.Describe(),
                Severity = change == DriftChange.Added ? Severity.Info : Severity.Low,
                Namespace = (a ?? b)!.Namespace,
            };
        }
    }

    private static IEnumerable<DriftRecord> ExposureDrift(Posture baseline, Posture current)
    {
        var before = baseline.Exposures.GroupBy(e => e.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var after = current.Exposures.GroupBy(e => e.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        foreach (var key in before.Keys.Union(after.Keys).Order(StringComparer.Ordinal))
        {
            before.TryGetValue(key, out var b);
            after.TryGetValue(key, out var a);
            var was = b?.Describe();
            var now = a?.Describe();
            if (was == now)
            {
                continue;
            }

            var change = b is null ? DriftChange.Added : a is null ? DriftChange.Removed : DriftChange.Changed;
            var severity = change switch
            {
                DriftChange.Added => Severity.High,
                DriftChange.Removed => Severity.Low,
                _ when b!.Tls && !a!.Tls || b!.SourceRanges.Count > 0 && a!.SourceRanges.Count == 0 || b.Type != a!.Type => Severity.High,
                _ => Severity.Medium,
            };
            yield return new DriftRecord
            {
                Category = DriftCategory.Exposure,
                Change = change,
                Subject = key,
                Before = was,
                After = now,
                Severity = severity,
                Namespace = (a ?? b)!.Namespace,
            };
        }
    }

    private static IEnumerable<DriftRecord> FindingDrift(Posture baseline, Posture current)
    {
        // A check may report one resource more than once (one per rule, say); the resource's
        // state for that check is what is compared: its highest severity and whether any
        // occurrence is still open.
        var before = baseline.Findings.GroupBy(f => f.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, FindingState.Of, StringComparer.Ordinal);
        var after = current.Findings.GroupBy(f => f.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, FindingState.Of, StringComparer.Ordinal);
        foreach (var key in before.Keys.Union(after.Keys).Order(StringComparer.Ordinal))
        {
            before.TryGetValue(key, out var b);
            after.TryGetValue(key, out var a);
            var s = (a ?? b)!;
            if (b is null)
            {
                yield return Finding(DriftChange.Added, key, null, a!, a!.Open ? a.Severity : Severity.Low);
                continue;
            }

            if (a is null)
            {
                yield return Finding(DriftChange.Removed, key, b, null, Severity.Info);
                continue;
            }

            if (b.Open == a.Open && b.Severity == a.Severity)
            {
                continue;
            }

            Severity severity;
            if (b.Open && !a.Open)
            {
                severity = Severity.Medium;
            }
            else if (!b.Open && a.Open)
            {
                severity = a.Severity;
            }
            else
            {
                severity = a.Severity > b.Severity ? a.Severity : Severity.Low;
            }

            yield return Finding(DriftChange.Changed, key, b, a, severity);
        }

        static DriftRecord Finding(DriftChange change, string key, FindingState? b, FindingState? a, Severity severity) => new()
        {
            Category = DriftCategory.Finding,
            Change = change,
            Subject = key,
            Before = b?.ToString(),
            After = a?.ToString(),
            Severity = severity,
            Namespace = (a ?? b)!.Namespace,
            Detail = (a ?? b)!.Title,
        };
    }

    private sealed record FindingState(Severity Severity, bool Open, string? Namespace, string Title, string? SuppressedBy, string? Justification)
    {
        public static FindingState Of(IEnumerable<PostureFinding> findings)
        {
            var list = findings.ToList();
            var open = list.Where(f => !f.Suppressed).ToList();
            var suppressed = list.FirstOrDefault(f => f.Suppressed);
            return new FindingState(list.Max(f => f.Severity), open.Count > 0, list[0].Namespace, list[0].Title,
                open.Count > 0 ? null : suppressed?.SuppressedBy, open.Count > 0 ? null : suppressed?.Justification);
        }

        public override string ToString() => Open
            ? $"{Severity}, open"
            : $"{Severity}, suppressed" + (SuppressedBy is null ? string.Empty : $" by {SuppressedBy}") + (Justification is null ? string.Empty : $": {Justification}");
    }
}
