using NetSecPS.Core.Checks.Support;

namespace NetSecPS.Core.Checks.Exposure;

/// <summary>EX-005: an exposed workload that anyone, not only its exposure path, can connect to.</summary>
internal sealed class Ex005ExposedWithoutIsolation : Check
{
    public override CheckInfo Info { get; } = new()
    {
        Id = "EX-005",
        Title = "Exposed workload without ingress isolation",
        Severity = Severity.High,
        Category = "Exposure",
        Frameworks = new[] { "NSA Network policies", "MITRE T1190" },
        FailsWhen = "An exposed workload (LoadBalancer, NodePort, externalIPs, Ingress, Route, Gateway API route) also accepts ingress from an arbitrary peer.",
        AppliesTo = "Exposed workloads that are not on the host network, in every namespace.",
        Rationale = "An exposed workload is the first thing an attacker reaches; when it also accepts any pod and any address, nothing limits who else can talk to it or what reaches it around the intended entry point.",
        Remediation = "Add an ingress policy for the workload that admits only its entry point (the ingress controller's namespace and pods, or the load balancer's client ranges) and the in-cluster callers it needs; the manifest, suggested when no policy isolates the workload yet, is the namespace's default deny that keeps what its exposure needs. When one already does, narrow the rules the evidence names instead: another policy cannot take away what one allows.",
        Notes = "Exposure is as the catalogue defines it and the arbitrary peer is decided by the connectivity engine; the open internet counts as an arbitrary peer, so a public LoadBalancer workload passes only when its ingress policy names its client ranges. hostNetwork workloads are left to HN-001. Findings are reported in every namespace, excluded ones included.",
    };

    public override IEnumerable<CheckSubject> Subjects(AuditContext context) =>
        SubjectSets.ExposedWorkloads(context, podNetworkOnly: true);

    public override bool NeedsConnectivity => true;

    public override bool HonoursExcludedNamespaces => false;

    public override IEnumerable<Finding> Evaluate(AuditContext context)
    {
        var conn = context.RequireConnectivity();
        foreach (var (w, paths) in context.Exposure.Exposed.OrderBy(kv => kv.Key.Peer, StringComparer.Ordinal))
        {
            if (w.HostNetwork)
            {
                continue;
            }

            var pod = conn.FromArbitraryPod(w);
            var net = conn.FromInternet(w);
            if (pod.IsEmpty && net.IsEmpty)
            {
                continue;
            }

            var data = paths.Select(p => new EvidenceItem("Exposure", p.Describe(), $"exposes {w.Peer}")).ToList();
            data.Add(new EvidenceItem("Reachability", w.Peer, $"from an arbitrary pod: {pod}; from the internet: {net}"));
            data.AddRange(PolicyFacts.RulesAdmittingArbitraryPeers(context.Policies, w, TrafficDirection.Ingress));
            yield return Fail(w,
                $"{w.Peer} is exposed through {string.Join(", ", paths.Select(p => p.Describe()))} and accepts ingress from "
                + string.Join(" and ", new[] { pod.IsEmpty ? null : $"an arbitrary pod ({pod})", net.IsEmpty ? null : $"the internet ({net})" }.OfType<string>()) + ".",
                data, manifest: context.IsIsolated(w, TrafficDirection.Ingress) ? null : Remediations.DefaultDenyIngress(context, w.Namespace));
        }
    }
}
