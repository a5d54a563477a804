using NetSecPS.Core.Checks.Support;

namespace NetSecPS.Core.Checks.Segmentation;

/// <summary>NP-003: a workload that no policy isolates for ingress accepts connections from everyone.</summary>
internal sealed class Np003WorkloadIngressIsolation : Check
{
    public override CheckInfo Info { get; } = new()
    {
        Id = "NP-003",
        Title = "Workload not isolated for ingress",
        Severity = Severity.High,
        Category = "Segmentation",
        Frameworks = new[] { "NSA Network policies" },
        FailsWhen = "The workload is selected by no NetworkPolicy with Ingress in its policyTypes and no admin policy (AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy) applies to it for ingress.",
        AppliesTo = "Workloads outside the excluded namespaces that are not on the host network.",
        Rationale = "A pod that no policy selects for ingress is non-isolated: Kubernetes admits every connection to it, whatever the other pods' policies say.",
        Remediation = "Apply a default-deny ingress policy to the namespace (the manifest), then allow the callers the workload needs.",
        Notes = "Read from the policies, as the catalogue defines it: a NetworkPolicy isolates the workload when it selects one of its pods and has Ingress in its policyTypes (defaulted as the API server does: Ingress always); an admin policy (AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy) only when its subject selects the workload and it has a Deny rule for every peer (namespaces: {} or empty pod selectors) on every port. An admin policy that only allows, or denies some peers, does not isolate: the pod still admits everything else. hostNetwork workloads are left to HN-001. Comparable control in other tools: kubescape C-0260, C-0030.",
    };

    public override IEnumerable<CheckSubject> Subjects(AuditContext context) =>
        SubjectSets.PodNetworkWorkloads(context);

    public override IEnumerable<Finding> Evaluate(AuditContext context) => IsolationFindings.For(this, context, TrafficDirection.Ingress);
}

internal static class IsolationFindings
{
    public static IEnumerable<Finding> For(Check check, AuditContext context, TrafficDirection direction)
    {
        var type = direction.ToString();
        foreach (var w in context.EvaluatedWorkloads.Where(w => !w.HostNetwork))
        {
            if (context.IsIsolated(w, direction))
            {
                continue;
            }

            // Policies that select the workload without isolating it in this direction, and admin policies that apply without denying by default.
            var others = context.Policies.Selecting(w, direction == TrafficDirection.Ingress ? TrafficDirection.Egress : TrafficDirection.Ingress)
                .Where(p => p.IsKubernetesNetworkPolicy && !p.Affects(direction)).Select(p => p.DisplayName).ToList();
            var data = new List<EvidenceItem> { new("Isolation", w.Peer, $"no NetworkPolicy with {type} in its policyTypes selects it and no admin policy denies {type.ToLowerInvariant()} by default") };
            data.AddRange(others.Select(o => new EvidenceItem("Policy", $"NetworkPolicy {o}", $"selects the workload but has no {type} in its policyTypes")));
            var admins = PolicyFacts.Applying(context.Policies, w, direction).Where(p => p.IsAdminKind).Select(p => p.Source.Key).ToList();
            data.AddRange(admins.Select(a => new EvidenceItem("AdminPolicy", a, $"applies to the workload but has no Deny rule for every peer in {type.ToLowerInvariant()}")));
            var evidence = $"No policy isolates {w.Peer} for {type.ToLowerInvariant()}"
                + (others.Count > 0 ? $"; {string.Join(", ", others.Select(o => "NetworkPolicy " + o))} select(s) it without {type} in policyTypes" : string.Empty)
                + (admins.Count > 0 ? $"; {string.Join(", ", admins)} appl(y/ies) to it without denying by default" : string.Empty) + ".";
            var manifest = direction == TrafficDirection.Ingress
                ? Remediations.DefaultDenyIngress(context, w.Namespace)
                : Remediations.DefaultDenyEgress(context, w.Namespace);
            yield return check.Fail(w, evidence, data, manifest: manifest);
        }
    }
}
