using NetSecPS.Core.Checks.Support;

using NetSecPS.Core.Policy;

namespace NetSecPS.Core.Checks.Segmentation;

/// <summary>NP-012: a rule peer that matches no namespace or no pod is dead or mistyped.</summary>
internal sealed class Np012DeadPeer : Check
{
    public override CheckInfo Info { get; } = new()
    {
        Id = "NP-012",
        Title = "Policy peer matches nothing",
        Severity = Severity.Low,
        Category = "Segmentation",
        Frameworks = Array.Empty<string>(),
        FailsWhen = "A rule's namespaceSelector matches no namespace, or its podSelector matches no pod in the matched namespaces; the rule is dead or mistyped.",
        AppliesTo = "NetworkPolicies (and Calico and Cilium policies) with a rule peer that selects namespaces or pods by label.",
        Rationale = "A peer that matches nothing allows nothing: the connection it was written for is blocked, or the label it relies on was never set, or could be set later by whoever controls that namespace.",
        Remediation = "Correct the selector to the labels the intended namespace or pods carry (kubernetes.io/metadata.name names a namespace), or remove the peer.",
        Notes = "ipBlock peers are not checked. An empty podSelector is not checked (it only widens to every pod of the matched namespaces). Namespaces include those implied by objects in the snapshot, each labelled kubernetes.io/metadata.name as the API server labels them. Reported once per policy, listing its dead peers. Comparable control in other tools: Popeye POP-1200, POP-1201.",
    };

    public override IEnumerable<CheckSubject> Subjects(AuditContext context) =>
        SubjectSets.RulePolicies(context, p => p.Ingress.Concat(p.Egress).Any(r => r.Peers.Any(x => x.Kind == RulePeerKind.Pods)));

    public override IEnumerable<Finding> Evaluate(AuditContext context)
    {
        foreach (var p in PolicyFacts.RulePolicies(context.Policies))
        {
            var data = new List<EvidenceItem>();
            foreach (var rule in p.Ingress.Concat(p.Egress))
            {
                Inspect(rule, data);
            }

            if (data.Count > 0)
            {
                yield return Fail(ResourceName.Of(p.Source), p.Namespace,
                    $"{p} has peers that match nothing: {string.Join("; ", data.Select(d => d.Subject[(p.ToString().Length + 1)..] + " " + d.Detail))}.", p.Source, data);
            }
        }
    }

    private static void Inspect(CompiledRule rule, List<EvidenceItem> data)
    {
        foreach (var peer in rule.Peers.Where(x => x.Kind == RulePeerKind.Pods))
        {
            if (peer.NamespaceScope == NamespaceScope.Selected && peer.MatchedNamespaces == 0)
            {
                data.Add(new EvidenceItem("Peer", rule.Reference, $"namespaceSelector {peer.NamespaceSelectorText} matches no namespace"));
                continue;
            }

            if (peer.EveryPod || peer.MatchedClasses > 0)
            {
                continue;
            }

            var namespaces = peer.NamespaceNames;
            data.Add(new EvidenceItem("Peer", rule.Reference,
                $"podSelector {peer.PodSelectorText} matches no pod in {(namespaces.Count <= 3 ? "namespace(s) " + string.Join(", ", namespaces) : $"the {namespaces.Count} matched namespaces")}"));
        }
    }
}
