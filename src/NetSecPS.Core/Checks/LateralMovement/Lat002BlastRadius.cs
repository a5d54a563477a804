namespace NetSecPS.Core.Checks.LateralMovement;

/// <summary>LAT-002: from an exposed workload an attacker can reach most of the cluster.</summary>
internal sealed class Lat002BlastRadius : Check
{
    public override CheckInfo Info { get; } = new()
    {
        Id = "LAT-002",
        Title = "Large blast radius from an exposed workload",
        Severity = Severity.High,
        Category = "LateralMovement",
        Frameworks = new[] { "MITRE T1210", "MITRE T1190" },
        FailsWhen = "An exposed workload can reach, in any number of hops, at least half of all workloads; paths do not pass through workloads of excluded namespaces (a DNS server is an endpoint, not a pivot).",
        AppliesTo = "Exposed workloads outside the excluded namespaces.",
        Rationale = "An exposed workload is where attacks start. If it can reach most workloads, directly or through others it can reach, one exploited bug is one step from the whole cluster.",
        Remediation = "Segment the exposed workload: let it reach only the backends it calls, and give those backends egress policies too, so a foothold cannot chain onwards.",
        Notes = "Hops follow the connectivity engine's allowed workload-to-workload flows. 'All workloads' are the workloads outside the profile's excluded namespaces other than the exposed one; workloads of excluded namespaces are neither pivots nor counted. The check fails when the reachable count is at least half of that number and at least two, so a two-workload input with one backend does not fail.",
    };

    public override IEnumerable<CheckSubject> Subjects(AuditContext context) =>
        context.Exposure.Exposed.Keys.Where(w => !context.IsExcluded(w.Namespace)).Select(CheckSubject.Of);

    public override bool NeedsConnectivity => true;

    public override IEnumerable<Finding> Evaluate(AuditContext context)
    {
        var conn = context.RequireConnectivity();
        var exposed = context.Exposure.Exposed.Where(kv => !context.IsExcluded(kv.Key.Namespace)).OrderBy(kv => kv.Key.Peer, StringComparer.Ordinal).ToList();
        if (exposed.Count == 0)
        {
            yield break;
        }

        var graph = new FlowGraph(conn, w => !context.IsExcluded(w.Namespace));
        var others = context.EvaluatedWorkloads.Count - 1;
        foreach (var (w, paths) in exposed)
        {
            var reached = graph.ReachableFrom(w).Where(r => !context.IsExcluded(r.Namespace)).ToList();
            if (reached.Count < 2 || reached.Count * 2 < others)
            {
                continue;
            }

            var share = others == 0 ? 100 : reached.Count * 100 / others;
            var direct = graph.DirectlyReachable(w).Select(d => d.Peer).ToHashSet(StringComparer.Ordinal);
            var data = paths.Select(p => new EvidenceItem("Exposure", p.Describe(), $"exposes {w.Peer}")).ToList();
            data.Add(new EvidenceItem("BlastRadius", w.Peer, $"reaches {reached.Count} of {others} other workloads ({share}%), {direct.Count} directly"));
            data.AddRange(reached.Take(20).Select(r => new EvidenceItem("Reachable", r.Peer, direct.Contains(r.Peer) ? "direct" : "through other workloads")));
            yield return Fail(w, $"{w.Peer} is exposed ({string.Join(", ", paths.Select(p => p.Describe()))}) and can reach {reached.Count} of {others} other workloads ({share}%), {direct.Count} of them directly.", data);
        }
    }
}
