using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;

namespace NetSecPS.Core.Checks.Segmentation;

/// <summary>NP-002: a namespace is default-deny for egress only when none of its pods may connect to an arbitrary peer.</summary>
internal sealed class Np002DefaultDenyEgress : DefaultDenyCheck
{
    /// <summary>DNS, which NP-010 requires to stay open.</summary>
    private static readonly ConnectionSet Dns = ConnectionSet.Port("UDP", 53).Union(ConnectionSet.Port("TCP", 53));

    public override CheckInfo Info { get; } = new()
    {
        Id = "NP-002",
        Title = "Namespace has no effective default-deny egress",
        Severity = Severity.Medium,
        Category = "Segmentation",
        Frameworks = new[] { "CIS 5.3.2", "NSA Network policies", "MITRE T1048" },
        FailsWhen = "Some pod in the namespace may open connections to an arbitrary peer (an unlabelled pod of an unlabelled namespace not in the snapshot, or the open internet) on a port other than DNS.",
        AppliesTo = "Namespaces outside the excluded ones with at least one workload that is not on the host network.",
        Rationale = "Without egress isolation a compromised pod can reach any service in the cluster and exfiltrate to the internet. Default-deny egress with named exceptions limits what an attacker can do from a foothold.",
        Remediation = "Apply a default-deny egress policy with a DNS exception to the namespace, then allow the destinations each workload needs.",
        Notes = "Decided by the connectivity engine for every workload of the namespace. Port 53 (UDP and TCP) is not counted: NP-010 requires DNS to stay reachable, and the usual DNS exception allows port 53 to every namespace. hostNetwork workloads are left to HN-001. A namespace without workloads is not evaluated.",
    };

    protected override TrafficDirection Direction => TrafficDirection.Egress;

    protected override (ConnectionSet Pod, ConnectionSet Internet) Open(IConnectivityQuery conn, Workload w) =>
        (conn.ToArbitraryPod(w).Subtract(Dns), conn.ToInternet(w).Subtract(Dns));
}
