using NetSecPS.Core.Model;
using NetSecPS.Core.Policy;

namespace NetSecPS.Core.Checks.Support;

/// <summary>
/// What the checks ask of the policy model: isolation as the catalogue defines it, the shape of
/// rules (allow-all, peers that admit an arbitrary peer), and how findings name rules. Every
/// policy kind the model holds answers through here, so a check written once covers NetworkPolicy,
/// the admin tiers and the CNI kinds alike.
/// </summary>
internal static class PolicyFacts
{
    /// <summary>
    /// The policies the rule-shape checks (NP-005..NP-007, NP-011..NP-014) inspect: namespaced
    /// and CNI policies of the packet-filter layer. The admin tiers are reported by the checks
    /// written for them (NP-008, NP-015); a CNI's defaults written as policies (Cilium's
    /// allow-localhost) are no one's rules.
    /// </summary>
    public static IEnumerable<CompiledPolicy> RulePolicies(PolicyModel model) =>
        model.Policies.Where(p => p.Tier.Layer == PolicyLayer.Cni && !p.IsAdminKind && !p.Implicit);

    /// <summary>A rule that admits every peer on every port: no peers, or peers that are all "everything" (every pod of every namespace, a /0 block without exceptions).</summary>
    public static bool AdmitsEverything(CompiledRule r) =>
        r.Action == RuleAction.Allow && r.Ports.Numeric.IsAll && !r.Ports.HasNamedPorts
        && (r.AllPeers || (r.Peers.Count > 0 && r.Peers.All(IsEverything)));

    private static bool IsEverything(RulePeer p) =>
        (p.Kind == RulePeerKind.Pods && p.NamespaceScope == NamespaceScope.All && p.EveryPod)
        || (p.Kind == RulePeerKind.Addresses && p.PrefixLength == 0 && p.Except.Count == 0);

    /// <summary>True when the rule would match an arbitrary peer: no peers, an unlabelled pod of an unlabelled namespace, or a /0 block.</summary>
    public static bool AdmitsArbitraryPeer(PolicyModel model, CompiledRule r) =>
        r.AllPeers || r.Classes.Contains(model.Classes.Arbitrary.Index) || r.OpenToAnyAddress4 || r.OpenToAnyAddress6;

    /// <summary>A Deny rule on every connection for every peer (<c>namespaces: {}</c>, empty pod selectors, or the /0 networks): the admin tiers' way to deny by default.</summary>
    public static bool IsCatchAllDeny(PolicyModel model, CompiledRule r) =>
        r.Action == RuleAction.Deny && r.Ports.Numeric.IsAll && !r.Ports.HasNamedPorts
        && (r.AllPeers || r.Classes.Contains(model.Classes.Arbitrary.Index) || (r.Direction == TrafficDirection.Egress && (r.OpenToAnyAddress4 || r.OpenToAnyAddress6)));

    /// <summary>
    /// Isolation as NP-003/NP-004 define it: for every pod of the workload, some tier of the
    /// packet-filter layer isolates it (a NetworkPolicy of that type selects it, a Calico tier or
    /// Cilium policy makes it default-deny) or an admin-tier policy that applies to it denies every
    /// peer by default. An admin policy that only allows, or denies some peers, does not isolate.
    /// </summary>
    public static bool IsIsolated(PolicyModel model, Workload w, TrafficDirection direction)
    {
        var classes = model.ClassesOf(w);
        var programs = model.Programs(direction);
        return classes.Count > 0 && classes.All(c => programs.For(c.Index).TiersOf(PolicyLayer.Cni).Any(t =>
            (t.Isolating && t.Tier.NoMatch == NoMatchAction.Deny) || t.Rules.Any(r => IsCatchAllDeny(model, r))));
    }

    /// <summary>The policies of the packet-filter layer that apply to some pod of the workload in the direction.</summary>
    public static IEnumerable<CompiledPolicy> Applying(PolicyModel model, Workload w, TrafficDirection direction) =>
        model.Selecting(w, direction).Where(p => p.Tier.Layer == PolicyLayer.Cni);

    /// <summary>The workloads a policy's subject holds.</summary>
    public static IReadOnlyList<Workload> Selected(PolicyModel model, CompiledPolicy p) => model.WorkloadsIn(p.Subject);

    /// <summary><c>applies to a, b and 3 more</c> or <c>selects no workload in the snapshot</c>.</summary>
    public static string SelectedText(PolicyModel model, CompiledPolicy p)
    {
        var selected = Selected(model, p);
        return selected.Count == 0
            ? "selects no workload in the snapshot"
            : $"applies to {string.Join(", ", selected.Take(5).Select(w => w.Peer))}{(selected.Count > 5 ? $" and {selected.Count - 5} more" : string.Empty)}";
    }

    /// <summary>A rule's peers and ports in words: <c>from every pod in every namespace, all ports</c>, <c>no 'from' (every peer), TCP 80</c>.</summary>
    public static string Describe(CompiledRule r)
    {
        var word = r.Direction == TrafficDirection.Ingress ? "from" : "to";
        return (r.AllPeers ? $"no '{word}' (every peer)" : $"{word} {r.PeersText}") + ", " + r.Ports.Text;
    }

    /// <summary>The rules that admit an arbitrary peer to (ingress) or from (egress) the workload, as evidence naming each rule.</summary>
    public static IEnumerable<EvidenceItem> RulesAdmittingArbitraryPeers(PolicyModel model, Workload w, TrafficDirection direction)
    {
        foreach (var p in Applying(model, w, direction))
        {
            foreach (var r in p.Rules(direction))
            {
                if (r.Action == RuleAction.Allow && AdmitsArbitraryPeer(model, r))
                {
                    yield return new EvidenceItem("Rule", r.Reference, Describe(r));
                }
            }
        }
    }
}
