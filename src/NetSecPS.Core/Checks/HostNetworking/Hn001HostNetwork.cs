namespace NetSecPS.Core.Checks.HostNetworking;

/// <summary>HN-001: pods on the host network are outside NetworkPolicy.</summary>
internal sealed class Hn001HostNetwork : Check
{
    public override CheckInfo Info { get; } = new()
    {
        Id = "HN-001",
        Title = "Pod uses the host network",
        Severity = Severity.High,
        Category = "HostNetworking",
        Frameworks = new[] { "CIS 5.2.5", "NSA Pod security" },
        FailsWhen = "hostNetwork: true: NetworkPolicy does not apply to it.",
        AppliesTo = "Workloads outside the excluded namespaces.",
        Rationale = "A pod on the host network shares the node's network stack: it can bind node ports, sniff node traffic and reach everything the node can, and no NetworkPolicy isolates it.",
        Remediation = "Run the workload on the pod network (remove hostNetwork) and expose it through a Service; where host networking is unavoidable (CNI agents, node exporters) keep it in a namespace the profile excludes and restrict it with host firewall rules.",
        Notes = "A workload fails when any of its pods (or its pod template) sets hostNetwork: true. Comparable control in other tools: kubescape C-0041.",
    };

    public override IEnumerable<CheckSubject> Subjects(AuditContext context) =>
        context.EvaluatedWorkloads.Select(CheckSubject.Of);

    public override IEnumerable<Finding> Evaluate(AuditContext context)
    {
        foreach (var w in context.EvaluatedWorkloads)
        {
            var pods = w.Pods.Where(p => p.HostNetwork).ToList();
            if (pods.Count == 0)
            {
                continue;
            }

            var ports = pods.SelectMany(p => p.Ports).Select(p => p.ToString()).Distinct(StringComparer.Ordinal).ToList();
            yield return Fail(w, $"{w.Peer} runs on the host network" + (ports.Count > 0 ? $" and listens on node port(s) {string.Join(", ", ports)}." : "."),
                new[] { new EvidenceItem("PodSpec", w.Peer, "spec.hostNetwork: true" + (ports.Count > 0 ? $"; ports {string.Join(", ", ports)}" : string.Empty)) });
        }
    }
}
