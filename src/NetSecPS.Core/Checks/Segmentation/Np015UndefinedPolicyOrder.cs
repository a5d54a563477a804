using NetSecPS.Core.Policy;

namespace NetSecPS.Core.Checks.Segmentation;

/// <summary>NP-015: two admin-tier policies with the same priority select common pods, and the API leaves their order undefined.</summary>
internal sealed class Np015UndefinedPolicyOrder : Check
{
    public override CheckInfo Info { get; } = new()
    {
        Id = "NP-015",
        Title = "Admin policies share a priority",
        Severity = Severity.Medium,
        Category = "Segmentation",
        Frameworks = new[] { "NSA Network policies" },
        FailsWhen = "Two ClusterNetworkPolicies (or AdminNetworkPolicies) of one tier have the same priority and their subjects select common pods: the API leaves the order between them undefined.",
        AppliesTo = "ClusterNetworkPolicies and AdminNetworkPolicies of the Admin tier, ClusterNetworkPolicies of the Baseline tier; a group of policies sharing a priority is one finding, on the first of them by kind and name.",
        Rationale = "When two policies of a tier with equal priority both match a connection, \"the implementation can apply any of the matching policies to the connection, and there is no way for the user to reliably determine which one it will choose\" (ClusterNetworkPolicy API). A Deny in one and an Accept in the other then decide differently on different CNIs, or after a restart.",
        Remediation = "Give each policy of the tier a unique priority, in the order their rules must apply.",
        Notes = "Decided from the policy model: policies of the Admin tier (ClusterNetworkPolicy tier Admin and AdminNetworkPolicy) or of the Baseline tier (ClusterNetworkPolicy tier Baseline) with equal priority whose subjects hold a common pod, or a pod of a namespace not in the snapshot. NetSecPS evaluates such policies by kind and name and reports each group once.",
    };

    public override IEnumerable<CheckSubject> Subjects(AuditContext context) =>
        context.Policies.Tiers.Where(t => t.Name is StandardTiers.Admin or StandardTiers.Baseline)
            .SelectMany(t => t.Policies).Select(p => new CheckSubject(ResourceName.Of(p.Source), null));

    public override IEnumerable<Finding> Evaluate(AuditContext context)
    {
        foreach (var tier in context.Policies.Tiers.Where(t => t.Name is StandardTiers.Admin or StandardTiers.Baseline))
        {
            foreach (var group in PolicyModelBuilder.UndefinedOrderGroups(tier))
            {
                var first = group[0];
                var names = string.Join(", ", group.Select(p => p.ToString()));
                var data = group.Select(p => new EvidenceItem("Policy", p.ToString(),
                    $"priority {p.Order} in the {tier.Name} tier; applies to {PolicyFacts(context, p)}")).ToList();
                yield return Fail(ResourceName.Of(first.Source), null,
                    $"{names} share priority {first.Order} in the {tier.Name} tier and select common pods: the cluster may apply either first.", first.Source, data);
            }
        }
    }

    private static string PolicyFacts(AuditContext context, CompiledPolicy p) => Support.PolicyFacts.SelectedText(context.Policies, p) is var text && text.StartsWith("applies to ", StringComparison.Ordinal)
        ? text["applies to ".Length..]
        : "no workload in the snapshot (every pod of the namespaces it selects)";
}
