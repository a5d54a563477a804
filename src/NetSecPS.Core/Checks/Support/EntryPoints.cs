using NetSecPS.Core.Checks.LateralMovement;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;

namespace NetSecPS.Core.Checks.Support;

/// <summary>
/// The entry points of a cluster for the reports: every exposed workload, the paths that expose
/// it, and what an attacker who took it could reach, directly and in any number of hops (paths do
/// not pass through workloads of the profile's excluded namespaces, as for LAT-002).
/// </summary>
internal static class EntryPoints
{
    public static IReadOnlyList<EntryPoint> Build(ClusterModel model, IConnectivityQuery connectivity, AuditProfile profile)
    {
        var exposure = new ExposureIndex(model);
        if (exposure.Exposed.Count == 0)
        {
            return Array.Empty<EntryPoint>();
        }

        var graph = new FlowGraph(connectivity, w => !profile.IsExcluded(w.Namespace));
        return exposure.Exposed
            .OrderBy(kv => kv.Key.Peer, StringComparer.Ordinal)
            .Select(kv =>
            {
                var reached = graph.ReachableFrom(kv.Key).ToList();
                return new EntryPoint
                {
                    Workload = kv.Key.Peer,
                    Namespace = kv.Key.Namespace,
                    Via = kv.Value.Select(p => p.Describe()).Distinct(StringComparer.Ordinal).ToList(),
                    Reaches = graph.DirectlyReachable(kv.Key).Select(w => w.Peer).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(),
                    ReachableWorkloads = reached.Count,
                    ReachableNamespaces = reached.Select(w => w.Namespace).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(),
                };
            })
            .ToList();
    }
}
