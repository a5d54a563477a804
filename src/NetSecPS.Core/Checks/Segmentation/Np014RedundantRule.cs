using System.Globalization;
using NetSecPS.Core.Checks.Support;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Policy;

namespace NetSecPS.Core.Checks.Segmentation;

/// <summary>NP-014: a rule whose allowed connections another rule for the same pods already allows.</summary>
internal sealed class Np014RedundantRule : Check
{
    public override CheckInfo Info { get; } = new()
    {
        Id = "NP-014",
        Title = "Redundant rule",
        Severity = Severity.Info,
        Category = "Segmentation",
        Frameworks = Array.Empty<string>(),
        FailsWhen = "A rule's allowed connections are fully contained in another rule that applies to the same pods.",
        AppliesTo = "NetworkPolicies (and Calico and Cilium policies) with at least one rule.",
        Rationale = "Redundant rules make policies harder to review and hide what really grants access: removing the narrow rule changes nothing, removing the wide one changes more than it seems.",
        Remediation = "Remove the redundant rule, or narrow the wider rule if the narrow one expresses the intent.",
        Notes = "Decided on the snapshot: the other rule's policy must select every pod this rule's policy selects; its peers must match every workload this rule's peers match (and an arbitrary pod if this rule's do), and contain its ipBlocks; its ports must contain this rule's ports (named ports by name). Two identical rules report only the later one. Rules whose peers match nothing are left to NP-012.",
    };

    public override IEnumerable<CheckSubject> Subjects(AuditContext context) =>
        SubjectSets.RulePolicies(context, p => p.Ingress.Count + p.Egress.Count > 0);

    public override IEnumerable<Finding> Evaluate(AuditContext context)
    {
        var model = context.Policies;
        var rules = PolicyFacts.RulePolicies(model)
            .Where(p => PolicyFacts.Selected(model, p).Count > 0)
            .SelectMany(p => p.Ingress.Concat(p.Egress))
            .Where(r => r.Action == RuleAction.Allow)
            .ToList();

        var redundant = new Dictionary<CompiledPolicy, List<EvidenceItem>>();
        foreach (var group in rules.GroupBy(r => (r.Policy.Namespace, r.Policy.Tier, r.Direction)))
        {
            var list = group.ToList();
            foreach (var narrow in list.Where(r => !MatchesNothing(r)))
            {
                var wider = list.FirstOrDefault(w => !ReferenceEquals(w, narrow) && Contains(w, narrow) && (!Contains(narrow, w) || string.CompareOrdinal(Order(w), Order(narrow)) < 0));
                if (wider is null)
                {
                    continue;
                }

                if (!redundant.TryGetValue(narrow.Policy, out var items))
                {
                    redundant[narrow.Policy] = items = new List<EvidenceItem>();
                }

                items.Add(new EvidenceItem("Rule", narrow.Reference, $"contained in {wider.Reference}, which applies to the same pods"));
            }
        }

        foreach (var (policy, items) in redundant.OrderBy(kv => kv.Key.ToString(), StringComparer.Ordinal))
        {
            yield return Fail(ResourceName.Of(policy.Source), policy.Namespace,
                $"{string.Join("; ", items.Select(i => i.Subject[(policy.ToString().Length + 1)..] + " is " + i.Detail))}.", policy.Source, items);
        }
    }

    private static string Order(CompiledRule r) => r.Policy + "|" + r.Index.ToString("D4", CultureInfo.InvariantCulture);

    private static bool MatchesNothing(CompiledRule r) => !r.AllPeers && r.Classes.IsEmpty && r.Addresses.IsEmpty;

    /// <summary>True when every connection <paramref name="narrow"/> allows, <paramref name="wide"/> allows to the same pods.</summary>
    private static bool Contains(CompiledRule wide, CompiledRule narrow) =>
        narrow.Policy.Subject.IsSubsetOf(wide.Policy.Subject) && ContainsPeers(wide, narrow) && ContainsPorts(wide.Ports, narrow.Ports);

    private static bool ContainsPeers(CompiledRule wide, CompiledRule narrow)
    {
        if (wide.AllPeers)
        {
            return true;
        }

        return !narrow.AllPeers && narrow.Classes.IsSubsetOf(wide.Classes)
            && narrow.Addresses.Ranges.All(wide.Addresses.Contains)
            && (!narrow.OpenToAnyAddress4 || wide.OpenToAnyAddress4) && (!narrow.OpenToAnyAddress6 || wide.OpenToAnyAddress6);
    }

    /// <summary>Numbered ports by set inclusion; a named port is covered by the same name (and protocol) or by every port of its protocol.</summary>
    private static bool ContainsPorts(PortSpec wide, PortSpec narrow) =>
        narrow.Numeric.IsSubsetOf(wide.Numeric)
        && narrow.Named.All(n => wide.Named.Any(w => w.Name == n.Name && string.Equals(w.Protocol, n.Protocol, StringComparison.OrdinalIgnoreCase))
            || (n.Protocol is { } proto ? wide.Numeric.RangesOf(proto).Any(x => x.From == ConnectionSet.MinPort && x.To == ConnectionSet.MaxPort)
                : ConnectionSet.Protocols.All(pr => wide.Numeric.RangesOf(pr).Any(x => x.From == ConnectionSet.MinPort && x.To == ConnectionSet.MaxPort))));
}
