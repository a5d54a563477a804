using NetSecPS.Core.Policy;
using NetSecPS.Core.Checks.Support;

namespace NetSecPS.Core.Checks.Segmentation;

/// <summary>NP-007: an ingress peer with <c>namespaceSelector: {}</c> admits pods of all namespaces.</summary>
internal sealed class Np007IngressFromEveryNamespace : Check
{
    public override CheckInfo Info { get; } = new()
    {
        Id = "NP-007",
        Title = "Ingress from every namespace",
        Severity = Severity.Medium,
        Category = "Segmentation",
        Frameworks = new[] { "NSA Network policies" },
        FailsWhen = "An ingress rule peer with namespaceSelector: {} admits pods of all namespaces.",
        AppliesTo = "NetworkPolicies with Ingress in their policyTypes, and Calico and Cilium policies that apply to ingress, with at least one ingress rule.",
        Rationale = "An empty namespaceSelector trusts every namespace, including ones created later and ones tenants control; namespace boundaries stop meaning anything for these pods.",
        Remediation = "Select the namespaces that need access by label (for example kubernetes.io/metadata.name), together with a podSelector for the calling pods.",
        Notes = "A podSelector beside the empty namespaceSelector narrows the pods but still in every namespace, so it still fails. Rules that NP-005 reports as allow-all are not reported again here.",
    };

    public override IEnumerable<CheckSubject> Subjects(AuditContext context) =>
        SubjectSets.PoliciesWithRules(context, "Ingress");

    public override IEnumerable<Finding> Evaluate(AuditContext context)
    {
        foreach (var p in PolicyFacts.RulePolicies(context.Policies).Where(p => p.Affects(TrafficDirection.Ingress)))
        {
            var data = new List<EvidenceItem>();
            foreach (var rule in p.Ingress.Where(r => r.Action == RuleAction.Allow && !PolicyFacts.AdmitsEverything(r)))
            {
                foreach (var peer in rule.Peers.Where(x => x.Kind == RulePeerKind.Pods && x.NamespaceScope == NamespaceScope.All))
                {
                    data.Add(new EvidenceItem("Rule", rule.Reference, $"from {peer.Text}, {rule.Ports.Text}"));
                }
            }

            if (data.Count > 0)
            {
                yield return Fail(ResourceName.Of(p.Source), p.Namespace,
                    $"{p} admits pods of every namespace: {string.Join("; ", data.Select(d => d.Subject[(p.ToString().Length + 1)..] + " " + d.Detail))}.", p.Source, data);
            }
        }
    }
}
