using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;

namespace NetSecPS.Core.Policy;

/// <summary>
/// Builds the <see cref="PolicyModel"/> of a cluster: pod classes (split by address where a rule's
/// CIDRs match pods), the tier plan, every registered policy kind compiled into tiers, policies
/// ordered within their tier and rules numbered.
/// </summary>
internal static class PolicyModelBuilder
{
    /// <summary>The policy model of <paramref name="cluster"/>; <paramref name="cancellationToken"/> is checked per policy kind, peer class workload and policy.</summary>
    public static PolicyModel Build(ClusterModel cluster, ConnectivityOptions options, IOutputSink sink, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var kinds = PolicyKinds.All;
        var podCuts = new List<IpRange>();
        foreach (var kind in kinds)
        {
            kind.CollectPodAddressCuts(cluster, options, podCuts);
        }

        var plan = new TierPlan();
        foreach (var kind in kinds)
        {
            kind.Plan(plan, cluster);
        }

        var distinctions = new List<PodDistinction>();
        foreach (var kind in kinds)
        {
            if (kind.ClassDistinction(cluster, options) is { } d && !distinctions.Contains(d))
            {
                distinctions.Add(d);
            }
        }

        var classes = PeerClassBuilder.Build(cluster, options, podCuts, distinctions, plan.NodePeers, cancellationToken);

        var context = new PolicyCompileContext(cluster, options, classes, plan, sink, cancellationToken);
        foreach (var kind in kinds)
        {
            cancellationToken.ThrowIfCancellationRequested();
            kind.Compile(context);
        }

        cancellationToken.ThrowIfCancellationRequested();

        var tiers = context.AllTiers.Where(t => t.Policies.Count > 0)
            .OrderBy(t => t.Layer).ThenBy(t => t.Order).ThenBy(t => t.Name, StringComparer.Ordinal).ToList();
        foreach (var tier in tiers)
        {
            // Ordered tiers: by order (unset last), then the kind's own tie-break where it defines one, then kind and name.
            // Union tiers: order does not change the verdict; keep a stable order for explanations.
            var sorted = tier.Policies
                .OrderBy(p => tier.Kind == TierKind.Ordered ? p.Order ?? double.PositiveInfinity : 0)
                .ThenBy(p => tier.Kind == TierKind.Ordered ? p.TieBreak ?? string.Empty : string.Empty, StringComparer.Ordinal)
                .ThenBy(p => p.Kind, StringComparer.Ordinal)
                .ThenBy(p => p.Namespace ?? string.Empty, StringComparer.Ordinal)
                .ThenBy(p => p.Name, StringComparer.Ordinal)
                .ToList();
            tier.Policies.Clear();
            tier.Policies.AddRange(sorted);
            WarnAboutUndefinedOrder(tier, sink);
        }

        var rules = new List<CompiledRule>();
        var policyId = 0;
        foreach (var p in tiers.SelectMany(t => t.Policies))
        {
            p.Id = policyId++;
            foreach (var r in p.Ingress.Concat(p.Egress))
            {
                r.Id = rules.Count;
                rules.Add(r);
            }
        }

        foreach (var r in rules)
        {
            context.NamesNonPortProtocols |= r.Ports.NamesNonPortProtocols;
        }

        foreach (var note in context.UndecidedNotes)
        {
            sink.Warning("Not decidable statically: " + note);
        }

        return new PolicyModel(cluster, options, classes, tiers, rules, context.IngressCuts, context.EgressCuts, context.NamesNonPortProtocols, context.UndecidedNotes)
        {
            Mesh = context.Mesh,
        };
    }

    /// <summary>
    /// ClusterNetworkPolicy and AdminNetworkPolicy leave the order of equal priorities undefined
    /// ("the implementation can apply any of the matching policies"): warn when such policies
    /// select common pods. NetSecPS evaluates them by kind and name; check NP-015 reports them.
    /// </summary>
    private static void WarnAboutUndefinedOrder(Tier tier, IOutputSink sink)
    {
        if (tier.Name is not (StandardTiers.Admin or StandardTiers.Baseline))
        {
            return;
        }

        foreach (var group in UndefinedOrderGroups(tier))
        {
            sink.Warning($"{string.Join(", ", group.Select(p => p.ToString()))} share priority {group[0].Order} in the {tier.Name} tier and select common pods: " +
                "the cluster's order between them is undefined; NetSecPS evaluates them by kind and name.");
        }
    }

    /// <summary>Groups of two or more policies of an admin tier with equal priority whose subjects overlap.</summary>
    public static IEnumerable<IReadOnlyList<CompiledPolicy>> UndefinedOrderGroups(Tier tier)
    {
        foreach (var group in tier.Policies.Where(p => p.Order is not null).GroupBy(p => p.Order!.Value).Where(g => g.Count() > 1))
        {
            var list = group.ToList();
            var overlapping = list.Where(p => list.Any(q => !ReferenceEquals(p, q) && Overlap(p.Subject, q.Subject))).ToList();
            if (overlapping.Count > 1)
            {
                yield return overlapping;
            }
        }
    }

    private static bool Overlap(ClassSet a, ClassSet b)
    {
        var copy = a.Clone();
        copy.IntersectWith(b);
        return !copy.IsEmpty;
    }
}
