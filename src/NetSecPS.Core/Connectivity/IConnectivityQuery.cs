using System.Net;
using NetSecPS.Core.Model;
using NetSecPS.Core.Policy;

namespace NetSecPS.Core.Connectivity;

/// <summary>
/// What the gap-analysis checks ask of the connectivity engine. Every answer is what the
/// cluster would enforce, across every layer and tier of the policy model. "Arbitrary peer" is
/// defined in the check catalogue (docs/checks.md): a pod with no labels
/// in a namespace with no labels that exists nowhere in the snapshot, or an external address
/// outside every ipBlock/network CIDR of the snapshot other than the /0 ones.
/// </summary>
internal interface IConnectivityQuery
{
    /// <summary>The model the answers are about.</summary>
    ClusterModel Model { get; }

    /// <summary>The policy model the answers come from; the checks read policy only through it.</summary>
    internal PolicyModel Policies { get; }

    /// <summary>Connections allowed between two workloads (both directions' policies applied).</summary>
    ConnectionSet Between(Workload source, Workload destination);

    /// <summary>Connections one layer alone (the CNI, the mesh) allows between two workloads, the other layers left out.</summary>
    internal ConnectionSet AllowedByLayer(Workload source, Workload destination, PolicyLayer layer);

    /// <summary>Connections an arbitrary pod (unlabelled, in an unlabelled namespace not in the snapshot) may open to the workload.</summary>
    ConnectionSet FromArbitraryPod(Workload destination);

    /// <summary>Connections an arbitrary external address (the open internet) may open to the workload.</summary>
    ConnectionSet FromInternet(Workload destination);

    /// <summary>Connections the workload may open to an arbitrary pod.</summary>
    ConnectionSet ToArbitraryPod(Workload source);

    /// <summary>Connections the workload may open to an arbitrary external address.</summary>
    ConnectionSet ToInternet(Workload source);

    /// <summary>Connections the workload may open to one external IP address (e.g. 169.254.169.254).</summary>
    ConnectionSet ToAddress(Workload source, IPAddress address);

    /// <summary>Connections the ingress controller may open to the workload (exposure via Ingress, Route, Gateway API).</summary>
    ConnectionSet FromIngressController(Workload destination);

    /// <summary>
    /// True when some policy applies to the workload in that direction (a NetworkPolicy with that
    /// policy type selects it, an admin or CNI policy's subject holds it).
    /// </summary>
    bool IsIsolated(Workload workload, TrafficDirection direction);

    /// <summary>Every allowed flow, as connlist output lists them.</summary>
    IReadOnlyList<Flow> Flows { get; }
}
