using NetSecPS.Core.Checks.Support;

namespace NetSecPS.Core.Checks.Segmentation;

/// <summary>NP-007: an ingress peer with <c>namespaceSelector: {}</c> admits pods of all namespaces.</summary>
public sealed class Np007IngressFromEveryNamespace : Check
{
    public override CheckInfo Info { get; } = new()
    {
        Id = "NP-007",
        Title = "Ingress from every namespace",
        Severity = Severity.Medium,
        Category = "Segmentation",
        Frameworks = new[] { "NSA Network policies" },
        FailsWhen = "An ingress rule peer with namespaceSelector: {} admits pods of all namespaces.",
        AppliesTo = "NetworkPolicies with Ingress in their policyTypes and at least one ingress rule.",
        Rationale = "An empty namespaceSelector trusts every namespace, including ones created later and ones tenants control; namespace boundaries stop meaning anything for these pods.",
        Remediation = "Select the namespaces that need access by label (for example kubernetes.io/metadata.name), together with a podSelector for the calling pods.",
        Notes = "A podSelector beside the empty namespaceSelector narrows the pods but still in every namespace, so it still fails. Rules that NP-005 reports as allow-all are not reported again here.",
    };

    public override IEnumerable<CheckSubject> Subjects(AuditContext context) =>
        SubjectSets.PoliciesWithRules(context, "Ingress");

    public override IEnumerable<Finding> Evaluate(AuditContext context)
    {
        foreach (var p in context.Policies.NetworkPolicies.Where(p => p.Has("Ingress")))
        {
            var data = new List<EvidenceItem>();
            for (var i = 0; i < p.Ingress.Count; i++)
            {
                var rule = p.Ingress[i];
                if (AllowAllRules.IsAllowAll(rule.FromProperty, rule.Ports))
                {
                    continue;
                }

                foreach (var peer in rule.FromProperty ?? new List<k8s.Models.V1NetworkPolicyPeer>())
                {
                    if (peer.IpBlock is null && peer.NamespaceSelector is not null && LabelSelector.From(peer.NamespaceSelector).IsEmpty)
                    {
                        data.Add(new EvidenceItem("Rule", $"NetworkPolicy {p.Key} ingress[{i}]", $"from {PolicyIndex.DescribePeer(peer)}, {PolicyIndex.DescribePorts(rule.Ports)}"));
                    }
                }
            }

            if (data.Count > 0)
            {
                yield return Fail(ResourceName.Of(p.Object), p.Namespace,
                    $"NetworkPolicy {p.Key} admits pods of every namespace: {string.Join("; ", data.Select(d => d.Subject.Split(' ')[^1] + " " + d.Detail))}.", p.Object, data);
            }
        }
    }
}
