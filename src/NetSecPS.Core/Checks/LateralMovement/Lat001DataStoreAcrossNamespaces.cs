using NetSecPS.Core.Checks.Support;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;

namespace NetSecPS.Core.Checks.LateralMovement;

/// <summary>LAT-001: data stores that pods of other namespaces, or anyone, can connect to.</summary>
internal sealed class Lat001DataStoreAcrossNamespaces : Check
{
    public override CheckInfo Info { get; } = new()
    {
        Id = "LAT-001",
        Title = "Data store reachable across namespaces",
        Severity = Severity.High,
        Category = "LateralMovement",
        Frameworks = new[] { "NSA Network policies", "MITRE T1210" },
        FailsWhen = "A data store accepts connections from pods of other namespaces or from an arbitrary peer.",
        AppliesTo = "Data stores outside the excluded namespaces that are not on the host network.",
        Rationale = "Data stores hold what attackers are after; when any namespace (or any pod at all) can connect, one compromised workload anywhere reaches the data.",
        Remediation = "Admit only the namespace's own clients to the data store's port (an ingress policy selecting the data store with a podSelector for its clients; the manifest, suggested when no policy isolates the data store yet, admits only its own namespace on its data ports; when one already does, narrow the rules that admit other namespaces). A client in another namespace that truly needs the data store is still a finding: narrow it to that client's pods and record the accepted risk in the exceptions file.",
        Notes = "A data store is recognised by image name or a declared data-store port (postgres 5432, mysql/mariadb 3306, mongodb 27017, redis 6379, elasticsearch/opensearch 9200/9300, cassandra 9042, memcached 11211, couchdb 5984, etcd 2379). Only its data ports count (the known ports it declares, else all its declared ports), so an open metrics port alone does not fail it. Sources are the connectivity engine's flows from workloads of other namespaces and from the ingress controller, and the arbitrary pod and internet peers. On Cilium, host-network workloads are their node, which Cilium always lets reach the pods it runs: they are not counted as sources (HN-001 reports them).",
    };

    public override IEnumerable<CheckSubject> Subjects(AuditContext context) =>
        context.EvaluatedWorkloads.Where(w => !w.HostNetwork && WorkloadTraits.DataStore(w) is not null).Select(CheckSubject.Of);

    public override bool NeedsConnectivity => true;

    public override IEnumerable<Finding> Evaluate(AuditContext context)
    {
        var conn = context.RequireConnectivity();
        var stores = new Dictionary<string, (Workload W, (string Product, string Reason, IReadOnlyList<int> Ports) Store, ConnectionSet DataPorts)>(StringComparer.Ordinal);
        foreach (var w in context.EvaluatedWorkloads.Where(w => !w.HostNetwork))
        {
            if (WorkloadTraits.DataStore(w) is { } ds)
            {
                var ports = ds.Ports.Aggregate(ConnectionSet.None, (acc, p) => acc.Union(ConnectionSet.Port("TCP", p)));
                stores[w.Peer] = (w, ds, ports);
            }
        }

        if (stores.Count == 0)
        {
            yield break;
        }

        // Where nodes are peers of their own (Cilium), a host-network workload is its node, which
        // reaches every pod it runs (allow-localhost): that is the node's access, not lateral movement.
        var nodeSources = context.Policies.Classes.Nodes is null ? new HashSet<string>(StringComparer.Ordinal)
            : context.Model.Workloads.Where(w => w.HostNetwork).Select(w => w.Peer).ToHashSet(StringComparer.Ordinal);
        var sources = new Dictionary<string, List<EvidenceItem>>(StringComparer.Ordinal);
        foreach (var f in conn.Flows)
        {
            if (nodeSources.Contains(f.Source))
            {
                continue;
            }

            if (f.DestinationKind != NetSecPS.PeerKind.Workload || !stores.TryGetValue(f.Destination, out var s))
            {
                continue;
            }

            var cross = f.SourceKind == NetSecPS.PeerKind.IngressController || (f.SourceKind == NetSecPS.PeerKind.Workload && f.SourceNamespace != s.W.Namespace);
            if (!cross)
            {
                continue;
            }

            var allowed = ToConnectionSet(f).Intersect(s.DataPorts);
            if (allowed.IsEmpty)
            {
                continue;
            }

            if (!sources.TryGetValue(f.Destination, out var list))
            {
                sources[f.Destination] = list = new List<EvidenceItem>();
            }

            list.Add(new EvidenceItem("Flow", $"{f.Source} => {f.Destination}", allowed.ToString()));
        }

        foreach (var (peer, (w, store, dataPorts)) in stores.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var pod = conn.FromArbitraryPod(w).Intersect(dataPorts);
            var net = conn.FromInternet(w).Intersect(dataPorts);
            var flows = sources.GetValueOrDefault(peer) ?? new List<EvidenceItem>();
            if (pod.IsEmpty && net.IsEmpty && flows.Count == 0)
            {
                continue;
            }

            var data = new List<EvidenceItem> { new("DataStore", peer, $"{store.Product}: {store.Reason}; data ports {dataPorts}") };
            if (!pod.IsEmpty)
            {
                data.Add(new EvidenceItem("Reachability", $"arbitrary pod => {peer}", pod.ToString()));
            }

            if (!net.IsEmpty)
            {
                data.Add(new EvidenceItem("Reachability", $"internet => {peer}", net.ToString()));
            }

            data.AddRange(flows);
            var namespaces = flows.Select(f => f.Subject.Split(" => ")[0]).Select(s => s.Contains('/', StringComparison.Ordinal) ? s[..s.IndexOf('/', StringComparison.Ordinal)] : s).Distinct(StringComparer.Ordinal).ToList();
            var parts = new List<string>();
            if (!pod.IsEmpty)
            {
                parts.Add($"an arbitrary pod ({pod})");
            }

            if (!net.IsEmpty)
            {
                parts.Add($"the internet ({net})");
            }

            if (flows.Count > 0)
            {
                parts.Add($"{flows.Count} workload(s) of other namespaces ({string.Join(", ", namespaces.Take(5))}{(namespaces.Count > 5 ? ", ..." : string.Empty)})");
            }

            yield return Fail(w, $"{peer} is a {store.Product} data store and accepts connections to its data port(s) from {string.Join(", ", parts)}.", data,
                manifest: Remediations.DenyIngressFor(context, w, store.Ports));
        }
    }

    internal static ConnectionSet ToConnectionSet(Flow f) =>
        f.AllConnections ? ConnectionSet.All : f.Ports.Aggregate(ConnectionSet.None, (acc, p) => acc.Union(ConnectionSet.Ports(p.Protocol, p.From, p.To)));
}
