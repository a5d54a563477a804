using k8s.Models;
using NetSecPS.Core.Checks.Support;

namespace NetSecPS.Core.Checks.Exposure;

/// <summary>EX-007: a LoadBalancer that hides client addresses from ipBlock rules.</summary>
internal sealed class Ex007SourceIpNotPreserved : Check
{
    public override CheckInfo Info { get; } = new()
    {
        Id = "EX-007",
        Title = "Source IP not preserved",
        Severity = Severity.Low,
        Category = "Exposure",
        Frameworks = Array.Empty<string>(),
        FailsWhen = "A LoadBalancer with externalTrafficPolicy: Cluster: ipBlock rules cannot see client addresses.",
        AppliesTo = "Services of type LoadBalancer, in every namespace.",
        Rationale = "With externalTrafficPolicy Cluster, traffic is forwarded between nodes and source-NATed to a node address, so ipBlock rules meant for client ranges see only node addresses and must admit them all.",
        Remediation = "Set externalTrafficPolicy: Local (the manifest is a merge patch), so pods see the client address and ipBlock rules work.",
        Notes = "An unset externalTrafficPolicy is Cluster, the API default. Findings are reported in every namespace, excluded ones included. Comparable control in other tools: Popeye POP-1107.",
    };

    public override IEnumerable<CheckSubject> Subjects(AuditContext context) =>
        SubjectSets.Services(context, "LoadBalancer");

    public override bool HonoursExcludedNamespaces => false;

    public override IEnumerable<Finding> Evaluate(AuditContext context)
    {
        foreach (var (obj, svc) in context.Model.Data.TypedWithSource<V1Service>())
        {
            if (svc.Spec?.Type != "LoadBalancer")
            {
                continue;
            }

            var policy = svc.Spec.ExternalTrafficPolicy;
            if (string.Equals(policy, "Local", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var ns = obj.Namespace ?? "default";
            yield return Fail(ResourceName.Of(obj), ns,
                $"LoadBalancer Service {ns}/{obj.Name} has externalTrafficPolicy {(policy is null ? "unset (Cluster)" : policy)}: client addresses are replaced by node addresses.",
                obj, new[] { new EvidenceItem("Service", $"Service {ns}/{obj.Name}", $"externalTrafficPolicy: {policy ?? "Cluster (default)"}") },
                manifest: Remediations.ExternalTrafficPolicyLocal(ns, obj.Name));
        }
    }
}
