using k8s.Models;

namespace NetSecPS.Core.Checks.Exposure;

/// <summary>EX-002: node ports expose the workload on every node's address.</summary>
internal sealed class Ex002NodePort : Check
{
    public override CheckInfo Info { get; } = new()
    {
        Id = "EX-002",
        Title = "NodePort exposure",
        Severity = Severity.Medium,
        Category = "Exposure",
        Frameworks = Array.Empty<string>(),
        FailsWhen = "A Service of type NodePort (or a LoadBalancer's node ports) exposes the workload on every node.",
        AppliesTo = "Services of type NodePort or LoadBalancer, in every namespace.",
        Rationale = "A node port opens the service on every node's addresses, bypassing the load balancer's source ranges and any firewall in front of it; nodes are often reachable from far wider networks than intended.",
        Remediation = "Use a ClusterIP Service behind an Ingress or Gateway, or a LoadBalancer with allocateLoadBalancerNodePorts: false where the cloud supports it; restrict node port ranges at the node firewall.",
        Notes = "A LoadBalancer allocates node ports unless spec.allocateLoadBalancerNodePorts is false, so it fails too; EX-001 covers its public side. Findings are reported in every namespace, excluded ones included. Comparable control in other tools: kube-score service-type.",
    };

    public override IEnumerable<CheckSubject> Subjects(AuditContext context) =>
        SubjectSets.Services(context, "NodePort", "LoadBalancer");

    public override bool HonoursExcludedNamespaces => false;

    public override IEnumerable<Finding> Evaluate(AuditContext context)
    {
        foreach (var (obj, svc) in context.Model.Data.TypedWithSource<V1Service>())
        {
            var type = svc.Spec?.Type;
            if (type != "NodePort" && !(type == "LoadBalancer" && svc.Spec?.AllocateLoadBalancerNodePorts != false))
            {
                continue;
            }

            var ns = obj.Namespace ?? "default";
            var ports = (svc.Spec!.Ports ?? new List<V1ServicePort>()).Select(p => p.NodePort is { } np ? $"{np}/{p.Protocol ?? "TCP"} → {p.Port}" : $"(allocated)/{p.Protocol ?? "TCP"} → {p.Port}").ToList();
            var backends = context.Exposure.SelectedBy(obj).Select(w => w.Peer).ToList();
            var data = new List<EvidenceItem> { new("Service", $"Service {ns}/{obj.Name}", $"type {type}; node ports {string.Join(", ", ports)}") };
            data.AddRange(backends.Select(b => new EvidenceItem("Backend", b, "exposed on every node")));
            yield return Fail(ResourceName.Of(obj), ns,
                $"{type} Service {ns}/{obj.Name} opens node port(s) {string.Join(", ", ports)} on every node" + (backends.Count > 0 ? $" for {string.Join(", ", backends)}." : "."),
                obj, data);
        }
    }
}
