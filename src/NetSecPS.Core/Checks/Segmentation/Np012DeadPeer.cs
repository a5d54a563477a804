using k8s.Models;
using NetSecPS.Core.Checks.Support;

namespace NetSecPS.Core.Checks.Segmentation;

/// <summary>NP-012: a rule peer that matches no namespace or no pod is dead or mistyped.</summary>
public sealed class Np012DeadPeer : Check
{
    public override CheckInfo Info { get; } = new()
    {
        Id = "NP-012",
        Title = "Policy peer matches nothing",
        Severity = Severity.Low,
        Category = "Segmentation",
        Frameworks = Array.Empty<string>(),
        FailsWhen = "A rule's namespaceSelector matches no namespace, or its podSelector matches no pod in the matched namespaces; the rule is dead or mistyped.",
        AppliesTo = "NetworkPolicies with a rule peer that selects namespaces or pods by label.",
        Rationale = "A peer that matches nothing allows nothing: the connection it was written for is blocked, or the label it relies on was never set, or could be set later by whoever controls that namespace.",
        Remediation = "Correct the selector to the labels the intended namespace or pods carry (kubernetes.io/metadata.name names a namespace), or remove the peer.",
        Notes = "ipBlock peers are not checked. An empty podSelector is not checked (it only widens to every pod of the matched namespaces). Namespaces include those implied by objects in the snapshot, each labelled kubernetes.io/metadata.name as the API server labels them. Reported once per policy, listing its dead peers. Comparable control in other tools: Popeye POP-1200, POP-1201.",
    };

    public override IEnumerable<CheckSubject> Subjects(AuditContext context) =>
        SubjectSets.NetworkPolicies(context).Where(p => SubjectSets.Peers(p.Policy, p.PolicyTypes).Any(x => x.IpBlock is null && (x.NamespaceSelector is not null || x.PodSelector is not null))).Select(p => SubjectSets.PolicySubject(p.Object));

    public override IEnumerable<Finding> Evaluate(AuditContext context)
    {
        foreach (var p in context.Policies.NetworkPolicies)
        {
            var data = new List<EvidenceItem>();
            if (p.Has("Ingress"))
            {
                for (var i = 0; i < p.Ingress.Count; i++)
                {
                    Inspect(context, p, p.Ingress[i].FromProperty, $"ingress[{i}]", data);
                }
            }

            if (p.Has("Egress"))
            {
                for (var i = 0; i < p.Egress.Count; i++)
                {
                    Inspect(context, p, p.Egress[i].To, $"egress[{i}]", data);
                }
            }

            if (data.Count > 0)
            {
                yield return Fail(ResourceName.Of(p.Object), p.Namespace,
                    $"NetworkPolicy {p.Key} has peers that match nothing: {string.Join("; ", data.Select(d => d.Subject[(d.Subject.LastIndexOf(' ') + 1)..] + " " + d.Detail))}.", p.Object, data);
            }
        }
    }

    private static void Inspect(AuditContext context, PolicyEntry p, IList<V1NetworkPolicyPeer>? peers, string where, List<EvidenceItem> data)
    {
        foreach (var peer in peers ?? new List<V1NetworkPolicyPeer>())
        {
            if (peer.IpBlock is not null)
            {
                continue;
            }

            string[] namespaces;
            if (peer.NamespaceSelector is not null)
            {
                var nsSelector = LabelSelector.From(peer.NamespaceSelector);
                namespaces = context.Policies.MatchNamespaces(nsSelector).Select(n => n.Name).ToArray();
                if (namespaces.Length == 0)
                {
                    data.Add(new EvidenceItem("Peer", $"NetworkPolicy {p.Key} {where}", $"namespaceSelector {nsSelector} matches no namespace"));
                    continue;
                }
            }
            else
            {
                namespaces = new[] { p.Namespace };
            }

            var podSelector = LabelSelector.From(peer.PodSelector);
            if (peer.PodSelector is null || podSelector.IsEmpty)
            {
                continue;
            }

            if (!namespaces.SelectMany(context.Policies.WorkloadsIn).Any(w => PolicyIndex.Selects(podSelector, w)))
            {
                data.Add(new EvidenceItem("Peer", $"NetworkPolicy {p.Key} {where}",
                    $"podSelector {podSelector} matches no pod in {(namespaces.Length <= 3 ? "namespace(s) " + string.Join(", ", namespaces) : $"the {namespaces.Length} matched namespaces")}"));
            }
        }
    }
}
