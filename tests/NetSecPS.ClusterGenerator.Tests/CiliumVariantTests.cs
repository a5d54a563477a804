using System.Text.Json.Nodes;
using NetSecPS.Core;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;
using NetSecPS.Core.Sources;

namespace NetSecPS.ClusterGenerator.Tests;

/// <summary>
/// The Cilium variant of the generated cluster: the same numbers, Cilium's agent and policy
/// features, and CiliumNetworkPolicies that mean what the NetworkPolicies they replace meant, so
/// the benchmark measures the same cluster segmented the Cilium way.
/// </summary>
public sealed class CiliumVariantTests : IClassFixture<CiliumVariantTests.Written>
{
    private static readonly ClusterShape Shape = new(400, 80, 90, Seed: 7) { Cilium = true };
    private readonly Written written;

    public CiliumVariantTests(Written written) => this.written = written;

    /// <summary>The variant written as YAML, and the same cluster with its NetworkPolicies kept.</summary>
    public sealed class Written : IDisposable
    {
        public Written()
        {
            Folder = Path.Combine(Path.GetTempPath(), "netsecps-gen-cilium-" + Guid.NewGuid().ToString("N"));
            ClusterOutput.WriteManifests(new SyntheticCluster(Shape), Path.Combine(Folder, "cilium"));
            ClusterOutput.WriteManifests(new SyntheticCluster(Shape) { RewritesAsCilium = false }, Path.Combine(Folder, "kept"));
            Data = ManifestSource.Read(new[] { Path.Combine(Folder, "cilium") });
            Kept = ManifestSource.Read(new[] { Path.Combine(Folder, "kept") });
        }

        public string Folder { get; }
        internal ClusterData Data { get; }
        internal ClusterData Kept { get; }

        public void Dispose() => Directory.Delete(Folder, recursive: true);
    }

    private IEnumerable<JsonObject> Specs(string kind) => written.Data.OfKind(kind, "cilium.io").Select(o => (JsonObject)o.Raw!["spec"]!);

    private IEnumerable<JsonObject> Rules(string section) =>
        Specs("CiliumNetworkPolicy").Concat(Specs("CiliumClusterwideNetworkPolicy")).SelectMany(s => (s[section] as JsonArray ?? new JsonArray()).OfType<JsonObject>());

    [Fact]
    public void The_variant_has_the_requested_numbers_the_cilium_agent_and_no_admin_policies()
    {
        Assert.Empty(written.Data.Diagnostics);
        Assert.Equal(Shape.Pods, written.Data.OfKind("Pod").Count());
        Assert.Equal(Shape.Workloads, ClusterModel.Build(written.Data).Workloads.Count);
        var networkPolicies = written.Data.OfKind("NetworkPolicy").Count();
        var cilium = written.Data.OfKind("CiliumNetworkPolicy", "cilium.io").Count();
        Assert.Equal(Shape.Policies, networkPolicies + cilium);
        Assert.True(cilium > Shape.Policies / 4 && networkPolicies > Shape.Policies / 4, $"{cilium} Cilium, {networkPolicies} Kubernetes policies");
        Assert.NotEmpty(written.Data.OfKind("CiliumClusterwideNetworkPolicy", "cilium.io"));
        Assert.NotEmpty(written.Data.OfKind("CiliumCIDRGroup", "cilium.io"));
        Assert.Contains(written.Data.OfKind("DaemonSet"), d => d.Name == "cilium");
        Assert.Contains(written.Data.OfKind("ConfigMap"), c => c.Name == "cilium-config");
        Assert.Empty(written.Data.OfKind("AdminNetworkPolicy"));
        Assert.Empty(written.Data.OfKind("BaselineAdminNetworkPolicy"));
    }

    [Fact]
    public void The_cilium_policies_use_l7_dns_fqdn_entity_deny_cidr_group_and_namespace_label_features()
    {
        var ports = Rules("ingress").Concat(Rules("egress")).SelectMany(r => (r["toPorts"] as JsonArray ?? new JsonArray()).OfType<JsonObject>()).ToList();
        Assert.Contains(ports, p => p["rules"]?["http"] is not null);
        Assert.Contains(ports, p => p["rules"]?["dns"] is not null);
        Assert.Contains(Rules("egress"), r => r["toFQDNs"] is not null);
        Assert.Contains(Rules("egress"), r => r["toEntities"]?.ToJsonString().Contains("world", StringComparison.Ordinal) == true);
        Assert.Contains(Rules("egressDeny"), r => r["toCIDR"] is not null);
        Assert.Contains(Rules("ingressDeny"), r => r["fromEndpoints"] is not null);
        Assert.Contains(Rules("ingress"), r => r["fromCIDRSet"]?[0]?["cidrGroupRef"] is not null);
        Assert.Contains(Rules("ingress"), r => r.ToJsonString().Contains("io.cilium.k8s.namespace.labels.", StringComparison.Ordinal));
        Assert.Contains(Specs("CiliumNetworkPolicy"), s => s["ingress"] is JsonArray { Count: 1 } i && i[0] is JsonObject { Count: 0 });
        Assert.Contains(Specs("CiliumClusterwideNetworkPolicy"), s => s["enableDefaultDeny"] is not null);
    }

    [Fact]
    public void The_rewritten_policies_allow_exactly_what_the_network_policies_they_replace_allowed_between_workloads()
    {
        var sink = new CollectingSink();
        var rewritten = ConnectivityEngine.Build(ClusterModel.Build(written.Data), sink);
        Assert.DoesNotContain(sink.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        var kept = ConnectivityEngine.Build(ClusterModel.Build(written.Kept));

        static Dictionary<(string, string), string> PodFlows(ConnectivityEngine e) =>
            e.Flows.Where(f => f.SourceKind == PeerKind.Workload && f.DestinationKind == PeerKind.Workload).ToDictionary(f => (f.Source, f.Destination), f => f.Connections);
        var a = PodFlows(rewritten);
        var b = PodFlows(kept);
        Assert.True(a.Count > 100, $"{a.Count} workload flows");
        var differ = a.Keys.Union(b.Keys).Where(k => a.GetValueOrDefault(k) != b.GetValueOrDefault(k))
            .Select(k => $"{k.Item1} => {k.Item2}: {a.GetValueOrDefault(k) ?? "No Connections"} (Cilium) vs {b.GetValueOrDefault(k) ?? "No Connections"} (NetworkPolicy)").Take(10).ToList();
        Assert.True(differ.Count == 0, string.Join("\n", differ));
    }

    [Fact]
    public void The_flow_list_agrees_with_the_explainer_for_pods_nodes_and_external_addresses()
    {
        var engine = ConnectivityEngine.Build(ClusterModel.Build(written.Data));
        var workloads = engine.Model.Workloads.Where(w => engine.ClassesOf(w).Count > 0).Take(40).ToList();
        var nodes = written.Data.OfKind("Node").Select(n => "host/" + n.Name).Take(2).ToList();
        var ends = workloads.Select(w => w.Peer).Concat(nodes).Concat(new[] { "1.1.1.1", "169.254.169.254", "10.0.0.10" }).ToList();
        var checkedPairs = 0;
        foreach (var from in ends)
        {
            foreach (var to in ends.Where(t => t != from))
            {
                var source = engine.ResolveEndpoint(from);
                var target = engine.ResolveEndpoint(to);
                if ((source.Address is not null || source.Node is not null) && (target.Address is not null || target.Node is not null))
                {
                    continue;
                }

                var conns = engine.Between(source, target);
                foreach (var (protocol, port) in new[] { ("TCP", 443), ("TCP", 8080), ("UDP", 53), ("TCP", 5432), ("TCP", 9100), ("ICMP", 8) })
                {
                    var verdict = engine.Test(source, target, protocol, port);
                    Assert.True(conns.Contains(protocol, port) == verdict.Allowed, $"{from} -> {to} {protocol} {port}: flows say {conns}, the explainer says {verdict.Explanation}");
                }

                checkedPairs++;
            }
        }

        Assert.True(checkedPairs > 1000, $"{checkedPairs} pairs");
    }
}
