using NetSecPS.Core.Checks.Support;
using NetSecPS.Core.Connectivity;

namespace NetSecPS.Core.Checks.Segmentation;

/// <summary>NP-003: a workload that no policy isolates for ingress accepts connections from everyone.</summary>
public sealed class Np003WorkloadIngressIsolation : Check
{
    public override CheckInfo Info { get; } = new()
    {
        Id = "NP-003",
        Title = "Workload not isolated for ingress",
        Severity = Severity.High,
        Category = "Segmentation",
        Frameworks = new[] { "KS C-0260", "KS C-0030" },
        FailsWhen = "The workload is selected by no NetworkPolicy with Ingress in its policyTypes and no admin policy (AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy) applies to it for ingress.",
        Rationale = "A pod that no policy selects for ingress is non-isolated: Kubernetes admits every connection to it, whatever the other pods' policies say.",
        Remediation = "Apply a default-deny ingress policy to the namespace (the manifest), then allow the callers the workload needs.",
        Notes = "Asks the connectivity engine whether any policy layer isolates the workload for ingress (policyTypes defaulted as the API server does: Ingress always). hostNetwork workloads are left to HN-001.",
    };

    public override bool NeedsConnectivity => true;

    public override IEnumerable<Finding> Evaluate(AuditContext context) => IsolationFindings.For(this, context, TrafficDirection.Ingress);
}

internal static class IsolationFindings
{
    public static IEnumerable<Finding> For(Check check, AuditContext context, TrafficDirection direction)
    {
        var conn = context.RequireConnectivity();
        var type = direction.ToString();
        foreach (var w in context.EvaluatedWorkloads.Where(w => !w.HostNetwork))
        {
            if (conn.IsIsolated(w, direction))
            {
                continue;
            }

            var others = context.Policies.Selecting(w).Where(p => !p.Has(type)).Select(p => p.Key).ToList();
            var data = new List<EvidenceItem> { new("Isolation", w.Peer, $"no NetworkPolicy with {type} in its policyTypes selects it and no admin policy applies to it for {type.ToLowerInvariant()}") };
            data.AddRange(others.Select(o => new EvidenceItem("Policy", $"NetworkPolicy {o}", $"selects the workload but has no {type} in its policyTypes")));
            var cni = context.Policies.CniPolicies.Where(o => o.Namespace == w.Namespace || o.Namespace is null).Select(o => o.Key).ToList();
            if (cni.Count > 0)
            {
                data.Add(new EvidenceItem("NotEvaluated", string.Join(", ", cni.Take(5)), "CNI-specific policies may isolate it; the connectivity engine does not evaluate them"));
            }

            var evidence = $"No policy isolates {w.Peer} for {type.ToLowerInvariant()}"
                + (others.Count > 0 ? $"; {string.Join(", ", others)} select(s) it without {type} in policyTypes." : ".");
            var manifest = direction == TrafficDirection.Ingress
                ? Remediations.DefaultDenyIngress(w.Namespace)
                : Remediations.DefaultDenyEgress(w.Namespace, DnsTargets.Find(context));
            yield return check.Fail(w, evidence, data, manifest: manifest);
        }
    }
}
