using System.Globalization;
using k8s.Models;
using NetSecPS.Core.Checks.Support;
using NetSecPS.Core.Model;

namespace NetSecPS.Core.Checks.Segmentation;

/// <summary>NP-014: a rule whose allowed connections another rule for the same pods already allows.</summary>
public sealed class Np014RedundantRule : Check
{
    public override CheckInfo Info { get; } = new()
    {
        Id = "NP-014",
        Title = "Redundant rule",
        Severity = Severity.Info,
        Category = "Segmentation",
        Frameworks = Array.Empty<string>(),
        FailsWhen = "A rule's allowed connections are fully contained in another rule that applies to the same pods.",
        AppliesTo = "NetworkPolicies with at least one rule.",
        Rationale = "Redundant rules make policies harder to review and hide what really grants access: removing the narrow rule changes nothing, removing the wide one changes more than it seems.",
        Remediation = "Remove the redundant rule, or narrow the wider rule if the narrow one expresses the intent.",
        Notes = "Decided on the snapshot: the other rule's policy must select every pod this rule's policy selects; its peers must match every workload this rule's peers match (and an arbitrary pod if this rule's do), and contain its ipBlocks; its ports must contain this rule's ports (named ports by name). Two identical rules report only the later one. Rules whose peers match nothing are left to NP-012.",
    };

    public override IEnumerable<CheckSubject> Subjects(AuditContext context) =>
        SubjectSets.NetworkPolicies(context).Where(p => SubjectSets.RuleCount(p.Policy, "Ingress") + SubjectSets.RuleCount(p.Policy, "Egress") > 0).Select(p => SubjectSets.PolicySubject(p.Object));

    public override IEnumerable<Finding> Evaluate(AuditContext context)
    {
        var rules = new List<RuleShape>();
        foreach (var p in context.Policies.NetworkPolicies.Where(p => p.Selected.Count > 0))
        {
            if (p.Has("Ingress"))
            {
                for (var i = 0; i < p.Ingress.Count; i++)
                {
                    rules.Add(RuleShape.Of(context.Policies, p, "ingress", i, p.Ingress[i].FromProperty, p.Ingress[i].Ports));
                }
            }

            if (p.Has("Egress"))
            {
                for (var i = 0; i < p.Egress.Count; i++)
                {
                    rules.Add(RuleShape.Of(context.Policies, p, "egress", i, p.Egress[i].To, p.Egress[i].Ports));
                }
            }
        }

        var redundant = new Dictionary<PolicyEntry, List<EvidenceItem>>();
        foreach (var group in rules.GroupBy(r => (r.Policy.Namespace, r.Direction)))
        {
            var list = group.ToList();
            foreach (var narrow in list.Where(r => !r.MatchesNothing))
            {
                var wider = list.FirstOrDefault(w => !ReferenceEquals(w, narrow) && w.Contains(narrow) && (!narrow.Contains(w) || string.CompareOrdinal(w.Order, narrow.Order) < 0));
                if (wider is null)
                {
                    continue;
                }

                if (!redundant.TryGetValue(narrow.Policy, out var items))
                {
                    redundant[narrow.Policy] = items = new List<EvidenceItem>();
                }

                items.Add(new EvidenceItem("Rule", $"NetworkPolicy {narrow.Policy.Key} {narrow.Where}",
                    $"contained in NetworkPolicy {wider.Policy.Key} {wider.Where}, which applies to the same pods"));
            }
        }

        foreach (var (policy, items) in redundant.OrderBy(kv => kv.Key.Key, StringComparer.Ordinal))
        {
            yield return Fail(ResourceName.Of(policy.Object), policy.Namespace,
                $"{string.Join("; ", items.Select(i => i.Subject[(i.Subject.LastIndexOf(' ') + 1)..] + " is " + i.Detail))}.", policy.Object, items);
        }
    }

    private sealed record PortShape(string Protocol, int From, int To, string? Name);

    private sealed class RuleShape
    {
        public required PolicyEntry Policy { get; init; }
        public required HashSet<Workload> Selected { get; init; }
        public required string Direction { get; init; }
        public required int Index { get; init; }
        public required bool AllPeers { get; init; }
        public required HashSet<Workload> Workloads { get; init; }
        public required bool Arbitrary { get; init; }
        public required List<(Cidr Block, List<Cidr> Except)> Blocks { get; init; }
        public required List<PortShape>? Ports { get; init; }

        public string Where => $"{Direction}[{Index}]";

        public string Order => Policy.Key + "|" + Index.ToString("D4", CultureInfo.InvariantCulture);

        public bool MatchesNothing => !AllPeers && Workloads.Count == 0 && !Arbitrary && Blocks.Count == 0;

        public static RuleShape Of(PolicyIndex index, PolicyEntry p, string direction, int i, IList<V1NetworkPolicyPeer>? peers, IList<V1NetworkPolicyPort>? ports)
        {
            var all = peers is null || peers.Count == 0;
            var workloads = new HashSet<Workload>();
            var blocks = new List<(Cidr, List<Cidr>)>();
            var arbitrary = false;
            foreach (var peer in peers ?? new List<V1NetworkPolicyPeer>())
            {
                if (peer.IpBlock is { } b)
                {
                    if (Cidr.Parse(b.Cidr) is { } c)
                    {
                        blocks.Add((c, (b.Except ?? new List<string>()).Select(Cidr.Parse).OfType<Cidr>().ToList()));
                    }

                    continue;
                }

                workloads.UnionWith(index.PeerWorkloads(p.Namespace, peer));
                arbitrary |= PolicyIndex.MatchesArbitraryPod(peer);
            }

            List<PortShape>? portShapes = null;
            if (ports is { Count: > 0 })
            {
                portShapes = ports.Select(x =>
                {
                    var proto = string.IsNullOrEmpty(x.Protocol) ? "TCP" : x.Protocol.ToUpperInvariant();
                    if (x.Port is null)
                    {
                        return new PortShape(proto, 1, 65535, null);
                    }

                    return int.TryParse(x.Port.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                        ? new PortShape(proto, n, x.EndPort ?? n, null)
                        : new PortShape(proto, 0, 0, x.Port.Value);
                }).ToList();
            }

            return new RuleShape
            {
                Policy = p, Selected = p.Selected.ToHashSet(), Direction = direction, Index = i, AllPeers = all, Workloads = workloads, Arbitrary = arbitrary, Blocks = blocks, Ports = portShapes,
            };
        }

        /// <summary>True when every connection <paramref name="other"/> allows, this rule allows to the same pods.</summary>
        public bool Contains(RuleShape other)
        {
            if (!other.Selected.IsSubsetOf(Selected))
            {
                return false;
            }

            return ContainsPeers(other) && ContainsPorts(other);
        }

        private bool ContainsPeers(RuleShape other)
        {
            if (AllPeers)
            {
                return true;
            }

            if (other.AllPeers || (other.Arbitrary && !Arbitrary) || !other.Workloads.IsSubsetOf(Workloads))
            {
                return false;
            }

            return other.Blocks.All(b => Blocks.Any(a => a.Block.Contains(b.Block)
                && a.Except.Where(e => e.Overlaps(b.Block)).All(e => e.IsCoveredBy(b.Except))));
        }

        private bool ContainsPorts(RuleShape other)
        {
            if (Ports is null)
            {
                return true;
            }

            if (other.Ports is null)
            {
                return false;
            }

            return other.Ports.All(b => Ports.Any(a => a.Protocol == b.Protocol &&
                (a.Name is null && a.From == 1 && a.To == 65535
                 || (a.Name is null && b.Name is null && a.From <= b.From && b.To <= a.To)
                 || (a.Name is not null && a.Name == b.Name))));
        }
    }
}
