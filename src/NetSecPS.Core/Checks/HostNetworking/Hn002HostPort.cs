using k8s.Models;

namespace NetSecPS.Core.Checks.HostNetworking;

/// <summary>HN-002: container ports bound on the node.</summary>
internal sealed class Hn002HostPort : Check
{
    public override CheckInfo Info { get; } = new()
    {
        Id = "HN-002",
        Title = "Container uses a hostPort",
        Severity = Severity.Medium,
        Category = "HostNetworking",
        Frameworks = new[] { "CIS 5.2.13", "NSA Pod security" },
        FailsWhen = "A container port sets hostPort.",
        AppliesTo = "Workloads outside the excluded namespaces with no pod on the host network.",
        Rationale = "A hostPort opens the container on the node's address, outside Services and, with many CNIs, outside NetworkPolicy; it also pins pods to nodes where the port is free.",
        Remediation = "Remove hostPort and expose the container through a Service (ClusterIP behind an Ingress or Gateway, or a LoadBalancer with source ranges).",
        Notes = "hostNetwork workloads are left to HN-001: the API server sets hostPort equal to containerPort for them, so every port would fail here too. Comparable control in other tools: kubescape C-0044.",
    };

    public override IEnumerable<CheckSubject> Subjects(AuditContext context) =>
        context.EvaluatedWorkloads.Where(w => !w.Pods.Any(p => p.HostNetwork)).Select(CheckSubject.Of);

    public override IEnumerable<Finding> Evaluate(AuditContext context)
    {
        foreach (var w in context.EvaluatedWorkloads.Where(w => !w.Pods.Any(p => p.HostNetwork)))
        {
            var bound = w.Pods.SelectMany(p => (p.Spec?.Containers ?? new List<V1Container>()).Concat(p.Spec?.InitContainers ?? new List<V1Container>()))
                .SelectMany(c => (c.Ports ?? new List<V1ContainerPort>()).Where(p => p.HostPort is > 0).Select(p => (Container: c.Name, Port: p)))
                .DistinctBy(x => (x.Container, x.Port.HostPort, x.Port.Protocol))
                .ToList();
            if (bound.Count == 0)
            {
                continue;
            }

            var data = bound.Select(b => new EvidenceItem("ContainerPort", $"{w.Peer} container {b.Container}",
                $"hostPort {b.Port.HostPort}/{b.Port.Protocol ?? "TCP"} → containerPort {b.Port.ContainerPort}" + (b.Port.HostIP is { Length: > 0 } ip ? $" on {ip}" : string.Empty))).ToList();
            yield return Fail(w, $"{w.Peer} binds host port(s) {string.Join(", ", bound.Select(b => $"{b.Port.HostPort}/{b.Port.Protocol ?? "TCP"}"))} on its node.", data);
        }
    }
}
