using NetSecPS.Core.Checks.Support;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;


namespace NetSecPS.Core.Checks.Segmentation;

/// <summary>NP-010: egress isolation that forgot DNS breaks name resolution.</summary>
internal sealed class Np010DnsBlocked : Check
{
    public override CheckInfo Info { get; } = new()
    {
        Id = "NP-010",
        Title = "Egress isolation blocks DNS",
        Severity = Severity.Medium,
        Category = "Segmentation",
        Frameworks = Array.Empty<string>(),
        FailsWhen = "A workload isolated for egress cannot reach UDP 53 and TCP 53 of the cluster DNS pods (or of any peer when the DNS pods are not in the snapshot).",
        AppliesTo = "Workloads outside the excluded namespaces, not on the host network and not DNS servers themselves, that are isolated for egress.",
        Rationale = "A default-deny egress without a DNS exception breaks every name lookup; teams then 'fix' it with an allow-all egress rule. TCP matters too: large answers fall back to TCP.",
        Remediation = "Allow egress to the cluster DNS pods on UDP and TCP 53 (the manifest names them as found in the snapshot).",
        Notes = "The DNS pods are CoreDNS/kube-dns (label k8s-app=kube-dns) or OpenShift's dns-default; their DNS ports are the UDP and TCP container ports numbered 53 or named dns*, so a server listening on 5353 behind its Service is checked on 5353. It fails when either protocol is blocked, and the evidence says which. When no DNS pods are in the snapshot, DNS counts as reachable if the workload may reach port 53 of an arbitrary pod or the internet, or one of its egress rules names port 53 (or a dns-named port) for that protocol. Comparable control in other tools: the Cyclonus policy linter.",
    };

    public override IEnumerable<CheckSubject> Subjects(AuditContext context) =>
        context.EvaluatedWorkloads.Where(w => !w.HostNetwork && !WorkloadTraits.IsClusterDns(w) && context.IsIsolated(w, TrafficDirection.Egress)).Select(CheckSubject.Of);

    public override bool NeedsConnectivity => true;

    public override IEnumerable<Finding> Evaluate(AuditContext context)
    {
        var conn = context.RequireConnectivity();
        var dnsServers = context.Model.Workloads.Where(WorkloadTraits.IsClusterDns).ToList();
        foreach (var w in context.EvaluatedWorkloads.Where(w => !w.HostNetwork && !WorkloadTraits.IsClusterDns(w)))
        {
            if (!context.IsIsolated(w, TrafficDirection.Egress))
            {
                continue;
            }

            var (udp, tcp, target) = dnsServers.Count > 0 ? ToServers(conn, w, dnsServers) : ToAnyPeer(context, conn, w);
            if (udp && tcp)
            {
                continue;
            }

            var missing = !udp && !tcp ? "UDP and TCP 53" : !udp ? "UDP 53" : "TCP 53";
            var data = new List<EvidenceItem>
            {
                new("Reachability", $"{w.Peer} => {target}", $"UDP: {(udp ? "allowed" : "blocked")}; TCP: {(tcp ? "allowed" : "blocked")}"),
            };
            data.AddRange(PolicyFacts.Applying(context.Policies, w, TrafficDirection.Egress).Where(p => p.Isolates(TrafficDirection.Egress))
                .Select(p => new EvidenceItem("Policy", p.ToString(), "isolates the workload for egress")));
            yield return Fail(w, $"{w.Peer} is isolated for egress and cannot reach {missing} of {target}.", data,
                manifest: Remediations.DnsEgress(context, w.Namespace));
        }
    }

    private static (bool Udp, bool Tcp, string Target) ToServers(IConnectivityQuery conn, Workload w, List<Workload> servers)
    {
        bool udp = false, tcp = false;
        foreach (var dns in servers)
        {
            var allowed = conn.Between(w, dns);
            var (udpPorts, tcpPorts) = WorkloadTraits.DnsPorts(dns);
            var u = udpPorts.Any(p => allowed.Contains("UDP", p));
            var t = tcpPorts.Any(p => allowed.Contains("TCP", p));
            if (u && t)
            {
                return (true, true, dns.Peer);
            }

            udp |= u;
            tcp |= t;
        }

        return (udp, tcp, string.Join(", ", servers.Select(s => s.Peer)));
    }

    private static (bool Udp, bool Tcp, string Target) ToAnyPeer(AuditContext context, IConnectivityQuery conn, Workload w)
    {
        var anywhere = conn.ToArbitraryPod(w).Union(conn.ToInternet(w));
        var udp = anywhere.Contains("UDP", 53);
        var tcp = anywhere.Contains("TCP", 53);
        foreach (var p in PolicyFacts.Applying(context.Policies, w, TrafficDirection.Egress))
        {
            foreach (var rule in p.Egress.Where(r => r.Action == RuleAction.Allow))
            {
                // Only a rule that names port 53 (or a DNS-named port) counts: the rule's peers cannot be checked without DNS pods.
                bool Names53(string proto) =>
                    (rule.Ports.Numeric.Contains(proto, 53) && !rule.Ports.Numeric.RangesOf(proto).Any(x => x.From == ConnectionSet.MinPort && x.To == ConnectionSet.MaxPort))
                    || rule.Ports.Named.Any(n => n.Name.StartsWith("dns", StringComparison.OrdinalIgnoreCase) && (n.Protocol ?? proto).Equals(proto, StringComparison.OrdinalIgnoreCase));
                udp |= Names53("UDP");
                tcp |= Names53("TCP");
            }
        }

        return (udp, tcp, "any DNS server (no DNS pods in the snapshot)");
    }
}
