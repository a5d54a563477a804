using k8s.Models;
using NetSecPS.Core.Checks.Support;

namespace NetSecPS.Core.Checks.Segmentation;

/// <summary>Rule shapes shared by NP-005, NP-006 and NP-007.</summary>
internal static class AllowAllRules
{
    /// <summary>
    /// A rule admits every source (or destination) when it has no <c>ports</c> and its peers are
    /// absent or only selectors of everything: <c>namespaceSelector: {}</c> (with an empty or
    /// absent podSelector) and ipBlocks of <c>0.0.0.0/0</c> or <c>::/0</c> without exceptions.
    /// </summary>
    public static bool IsAllowAll(IList<V1NetworkPolicyPeer>? peers, IList<V1NetworkPolicyPort>? ports) =>
        (ports is null || ports.Count == 0)
        && (peers is null || peers.Count == 0 || peers.All(p => PolicyIndex.IsEveryPod(p) || PolicyIndex.IsEveryAddress(p)));

    public static string Selected(PolicyEntry p) => p.Selected.Count == 0
        ? "selects no workload in the snapshot"
        : $"applies to {string.Join(", ", p.Selected.Take(5).Select(w => w.Peer))}{(p.Selected.Count > 5 ? $" and {p.Selected.Count - 5} more" : string.Empty)}";
}
