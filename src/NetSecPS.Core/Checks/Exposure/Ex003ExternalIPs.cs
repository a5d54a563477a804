using k8s.Models;

namespace NetSecPS.Core.Checks.Exposure;

/// <summary>EX-003: Services with externalIPs (CVE-2020-8554).</summary>
internal sealed class Ex003ExternalIPs : Check
{
    public override CheckInfo Info { get; } = new()
    {
        Id = "EX-003",
        Title = "Service uses externalIPs",
        Severity = Severity.High,
        Category = "Exposure",
        Frameworks = new[] { "MITRE T1557" },
        FailsWhen = "spec.externalIPs is set (CVE-2020-8554 traffic interception).",
        AppliesTo = "Every Service, in every namespace.",
        Rationale = "Any user who may create Services can claim an external IP and intercept traffic to it from the whole cluster (CVE-2020-8554); the feature is rarely needed and usually blocked by admission policy.",
        Remediation = "Remove spec.externalIPs and expose the workload through a LoadBalancer, Ingress or Gateway; block externalIPs with an admission policy (the DenyServiceExternalIPs admission plugin).",
        Notes = "Findings are reported in every namespace, excluded ones included. Comparable control in other tools: kubescape C-0283.",
    };

    public override IEnumerable<CheckSubject> Subjects(AuditContext context) =>
        SubjectSets.Services(context);

    public override bool HonoursExcludedNamespaces => false;

    public override IEnumerable<Finding> Evaluate(AuditContext context)
    {
        foreach (var (obj, svc) in context.Model.Data.TypedWithSource<V1Service>())
        {
            if (svc.Spec?.ExternalIPs is not { Count: > 0 } ips)
            {
                continue;
            }

            var ns = obj.Namespace ?? "default";
            yield return Fail(ResourceName.Of(obj), ns, $"Service {ns}/{obj.Name} claims external IP(s) {string.Join(", ", ips)}.", obj,
                new[] { new EvidenceItem("Service", $"Service {ns}/{obj.Name}", $"spec.externalIPs: {string.Join(", ", ips)}") });
        }
    }
}
