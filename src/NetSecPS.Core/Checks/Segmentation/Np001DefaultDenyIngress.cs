using NetSecPS.Core.Checks.Support;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;

namespace NetSecPS.Core.Checks.Segmentation;

/// <summary>NP-001: a namespace is default-deny for ingress only when no arbitrary peer can reach any of its pods.</summary>
internal sealed class Np001DefaultDenyIngress : DefaultDenyCheck
{
    public override CheckInfo Info { get; } = new()
    {
        Id = "NP-001",
        Title = "Namespace has no effective default-deny ingress",
        Severity = Severity.High,
        Category = "Segmentation",
        Frameworks = new[] { "CIS 5.3.2", "NSA Network policies" },
        FailsWhen = "Some pod in the namespace accepts ingress from an arbitrary peer: an unlabelled pod of an unlabelled namespace that is not in the snapshot, or an address of the open internet.",
        AppliesTo = "Namespaces outside the excluded ones with at least one workload that is not on the host network.",
        Rationale = "Default deny is what the cluster enforces, not the presence of a podSelector: {} policy. A namespace with a default-deny policy and an allow-all policy beside it admits everyone; one whose only ingress comes from a named range is closed. Scanners that look for the object alone give false confidence on CIS 5.3.2.",
        Remediation = "Apply a default-deny ingress policy to the namespace, then allow only the named peers each workload needs. If one exists already, narrow or remove the rules named in the evidence.",
        Notes = "Decided by the connectivity engine for every workload of the namespace, under every policy tier the cluster enforces (ClusterNetworkPolicy and AdminNetworkPolicy, NetworkPolicy, the baseline). hostNetwork workloads are left to HN-001, since NetworkPolicy cannot isolate them. A namespace without workloads is not evaluated: no pod can be reached. Comparable control in other tools: kubescape C-0054, C-0206.",
    };

    protected override TrafficDirection Direction => TrafficDirection.Ingress;

    protected override (ConnectionSet Pod, ConnectionSet Internet) Open(IConnectivityQuery conn, Workload w) =>
        (conn.FromArbitraryPod(w), conn.FromInternet(w));
}

/// <summary>
/// NP-001 and NP-002: a namespace is evaluated when it has a workload off the host network, and
/// fails when some of its workloads are open to an arbitrary peer in the check's direction.
/// </summary>
internal abstract class DefaultDenyCheck : Check
{
    protected abstract TrafficDirection Direction { get; }

    /// <summary>What an arbitrary pod and the internet may open to (ingress) or be opened from (egress) the workload.</summary>
    protected abstract (ConnectionSet Pod, ConnectionSet Internet) Open(IConnectivityQuery conn, Workload w);

    public override IEnumerable<CheckSubject> Subjects(AuditContext context) =>
        context.EvaluatedWorkloads.Where(w => !w.HostNetwork).Select(w => w.Namespace).Distinct(StringComparer.Ordinal).Select(CheckSubject.OfNamespace);

    public override bool NeedsConnectivity => true;

    public override IEnumerable<Finding> Evaluate(AuditContext context)
    {
        var conn = context.RequireConnectivity();
        foreach (var group in context.EvaluatedWorkloads.Where(w => !w.HostNetwork).GroupBy(w => w.Namespace).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var offenders = new List<(Workload W, ConnectionSet Pod, ConnectionSet Internet)>();
            foreach (var w in group)
            {
                var (pod, net) = Open(conn, w);
                if (!pod.IsEmpty || !net.IsEmpty)
                {
                    offenders.Add((w, pod, net));
                }
            }

            if (offenders.Count > 0)
            {
                yield return DefaultDenyFinding.Build(this, context, group.Key, group.Count(), offenders, Direction);
            }
        }
    }
}

/// <summary>The shared shape of NP-001 and NP-002 findings: offenders, the rules behind them, and the default-deny manifest when the namespace has none.</summary>
internal static class DefaultDenyFinding
{
    public static Finding Build(Check check, AuditContext context, string ns, int total,
        List<(Workload W, ConnectionSet Pod, ConnectionSet Internet)> offenders, TrafficDirection direction)
    {
        var ingress = direction == TrafficDirection.Ingress;
        var data = new List<EvidenceItem>();
        foreach (var (w, pod, net) in offenders)
        {
            data.Add(new EvidenceItem("Reachability", w.Peer, ingress
                ? $"from an arbitrary pod: {pod}; from the internet: {net}"
                : $"to an arbitrary pod: {pod}; to the internet: {net}"));
        }

        var rules = offenders.SelectMany(o => PolicyFacts.RulesAdmittingArbitraryPeers(context.Policies, o.W, direction))
            .DistinctBy(e => e.Subject).ToList();
        data.AddRange(rules);

        var type = ingress ? "Ingress" : "Egress";
        // A deny-all is a policy over every pod of the namespace with no rules in that direction.
        var denyAll = PolicyFacts.RulePolicies(context.Policies).Where(p => p.Namespace == ns && p.SelectsWholeNamespace && p.Affects(direction)
            && p.Rules(direction).Count == 0).ToList();
        foreach (var p in denyAll)
        {
            data.Add(new EvidenceItem("Policy", p.ToString(), $"selects every pod for {type}, yet the rules above (or other layers) still admit arbitrary peers"));
        }

        var first = offenders.Take(5).Select(o => o.W.Peer);
        var evidence = $"{offenders.Count} of {total} workload(s) {(ingress ? "accept ingress from" : "may open connections to")} an arbitrary peer: {string.Join(", ", first)}{(offenders.Count > 5 ? ", ..." : string.Empty)}."
            + (denyAll.Count > 0 ? $" A default-deny {type.ToLowerInvariant()} policy exists ({string.Join(", ", denyAll.Select(p => p.Name))}) but does not make the namespace default-deny." : $" No policy selects every pod of the namespace for {type}.")
            + (rules.Count > 0 ? $" Rules admitting arbitrary peers: {string.Join("; ", rules.Take(5).Select(r => r.Subject + " (" + r.Detail + ")"))}." : string.Empty);

        string? manifest = null;
        var remediation = check.Info.Remediation;
        if (denyAll.Count == 0)
        {
            manifest = ingress ? Remediations.DefaultDenyIngress(context, ns) : Remediations.DefaultDenyEgress(context, ns);
        }
        else if (rules.Count > 0)
        {
            remediation = $"Narrow or remove the rules that admit arbitrary peers: {string.Join("; ", rules.Select(r => r.Subject))}. Name the peers (pod and namespace labels, specific CIDRs) and ports each workload needs.";
        }

        var nsObject = context.Model.Namespaces.GetValueOrDefault(ns)?.Source;
        return new Finding
        {
            CheckId = check.Info.Id,
            Severity = check.Info.Severity,
            Title = check.Info.Title,
            Namespace = ns,
            Resource = ResourceName.Namespace(ns),
            Evidence = evidence,
            EvidenceData = data,
            Remediation = remediation,
            RemediationManifest = manifest,
            Frameworks = check.Info.Frameworks,
            SourceFile = nsObject?.Source?.File,
            SourceLine = nsObject?.Source?.Line,
        };
    }
}
