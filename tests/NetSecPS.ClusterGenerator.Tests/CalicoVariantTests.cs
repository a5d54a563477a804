using System.Text.Json.Nodes;
using NetSecPS.Core;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;
using NetSecPS.Core.Sources;

namespace NetSecPS.ClusterGenerator.Tests;

/// <summary>
/// The Calico variant of the generated cluster: the same numbers, calico-node, and Calico policies
/// (NetworkPolicies in Calico's selector language, GlobalNetworkPolicies in tiers that pass what
/// they do not decide, network sets) that mean what the Kubernetes policies they replace meant, so
/// the benchmark measures the same cluster segmented the Calico way.
/// </summary>
public sealed class CalicoVariantTests : IClassFixture<CalicoVariantTests.Written>
{
    private static readonly ClusterShape Shape = new(400, 80, 90, Seed: 7) { Calico = true };
    private readonly Written written;

    public CalicoVariantTests(Written written) => this.written = written;

    /// <summary>The variant written as YAML, and the same cluster with Kubernetes' own policies (NetworkPolicies and admin policies).</summary>
    public sealed class Written : IDisposable
    {
        public Written()
        {
            Folder = Path.Combine(Path.GetTempPath(), "netsecps-gen-calico-" + Guid.NewGuid().ToString("N"));
            ClusterOutput.WriteManifests(new SyntheticCluster(Shape), Path.Combine(Folder, "calico"));
            ClusterOutput.WriteManifests(new SyntheticCluster(Shape) { RewritesAsCalico = false }, Path.Combine(Folder, "plain"));
            Data = ManifestSource.Read(new[] { Path.Combine(Folder, "calico") });
            Plain = ManifestSource.Read(new[] { Path.Combine(Folder, "plain") });
        }

        public string Folder { get; }
        internal ClusterData Data { get; }
        internal ClusterData Plain { get; }

        public void Dispose() => Directory.Delete(Folder, recursive: true);
    }

    private IEnumerable<KubeObject> Calico(string kind) => written.Data.OfKind(kind, "projectcalico.org");

    private IEnumerable<JsonObject> Specs(string kind) => Calico(kind).Select(o => (JsonObject)o.Raw!["spec"]!);

    private IEnumerable<JsonObject> Rules(string section) =>
        Specs("NetworkPolicy").Concat(Specs("GlobalNetworkPolicy")).SelectMany(s => (s[section] as JsonArray ?? new JsonArray()).OfType<JsonObject>());

    private IEnumerable<JsonObject> Entities() =>
        Rules("ingress").Concat(Rules("egress")).SelectMany(r => new[] { r["source"], r["destination"] }).OfType<JsonObject>();

    [Fact]
    public void The_variant_has_the_requested_numbers_calico_node_and_no_admin_policies()
    {
        Assert.Empty(written.Data.Diagnostics);
        Assert.Equal(Shape.Pods, written.Data.OfKind("Pod").Count());
        Assert.Equal(Shape.Workloads, ClusterModel.Build(written.Data).Workloads.Count);
        var networkPolicies = written.Data.OfKind("NetworkPolicy", "networking.k8s.io").Count();
        var calico = Calico("NetworkPolicy").Count();
        Assert.Equal(Shape.Policies, networkPolicies + calico);
        Assert.True(calico > Shape.Policies / 4 && networkPolicies > Shape.Policies / 4, $"{calico} Calico, {networkPolicies} Kubernetes policies");
        Assert.Contains(written.Data.OfKind("DaemonSet"), d => d.Name == "calico-node" && d.Namespace == "calico-system");
        Assert.Contains(written.Data.OfKind("DaemonSet"), d => d.Name == "kube-proxy");
        Assert.Empty(written.Data.OfKind("AdminNetworkPolicy"));
        Assert.Empty(written.Data.OfKind("BaselineAdminNetworkPolicy"));

        // The plain form of the same plan: the same pods, Kubernetes' policies only.
        Assert.Equal(Shape.Pods, written.Plain.OfKind("Pod").Count());
        Assert.Equal(Shape.Policies, written.Plain.OfKind("NetworkPolicy", "networking.k8s.io").Count());
        Assert.Empty(written.Plain.OfKind("NetworkPolicy", "projectcalico.org"));
        Assert.NotEmpty(written.Plain.OfKind("AdminNetworkPolicy"));
        Assert.Equal(Calico("GlobalNetworkPolicy").Count(), written.Plain.OfKind("AdminNetworkPolicy").Count() + written.Plain.OfKind("BaselineAdminNetworkPolicy").Count());
    }

    [Fact]
    public void The_calico_policies_use_tiers_that_pass_selectors_namespace_selectors_nets_and_network_sets()
    {
        var tiers = Specs("Tier").ToList();
        Assert.Equal(2, tiers.Count);
        Assert.All(tiers, t => Assert.Equal("Pass", t["defaultAction"]!.GetValue<string>()));
        Assert.Contains(tiers, t => t["order"]!.GetValue<int>() < 1_000_000);
        Assert.Contains(tiers, t => t["order"]!.GetValue<int>() > 1_000_000);
        Assert.All(Specs("GlobalNetworkPolicy"), s => Assert.StartsWith("platform", s["tier"]!.GetValue<string>(), StringComparison.Ordinal));
        Assert.All(Specs("NetworkPolicy"), s => Assert.Null(s["tier"]));

        var actions = Rules("ingress").Concat(Rules("egress")).Select(r => r["action"]!.GetValue<string>()).ToHashSet();
        Assert.Superset(new HashSet<string> { "Allow", "Deny", "Pass" }, actions);
        var selectors = Entities().Select(e => e["selector"]?.GetValue<string>()).OfType<string>().Concat(Specs("NetworkPolicy").Select(s => s["selector"]!.GetValue<string>())).ToList();
        Assert.Contains(selectors, s => s.Contains(" && ", StringComparison.Ordinal));
        Assert.Contains(selectors, s => s.Contains(" not in {", StringComparison.Ordinal));
        Assert.Contains(selectors, s => s.Contains(" in {", StringComparison.Ordinal) && !s.Contains(" not in {", StringComparison.Ordinal));
        Assert.Contains(selectors, s => s.StartsWith("has(", StringComparison.Ordinal));
        Assert.Contains(selectors, s => s == "all()");
        Assert.Contains(Entities(), e => e["namespaceSelector"] is not null && e["selector"] is not null);
        Assert.Contains(Entities(), e => e["nets"] is not null && e["notNets"] is not null);
        Assert.Contains(Entities(), e => e["ports"]?.ToJsonString().Contains(':', StringComparison.Ordinal) == true);
        Assert.Contains(Rules("ingress"), r => r["protocol"]?.GetValue<string>() == "UDP" || r["protocol"]?.GetValue<string>() == "SCTP");

        // Both network sets are there and a rule selects each by its labels.
        var set = Assert.Single(Calico("GlobalNetworkSet"));
        Assert.Contains(Entities(), e => e["selector"]?.GetValue<string>() == "range == 'cloud-metadata'");
        Assert.Equal("cloud-metadata", set.Raw!["metadata"]!["labels"]!["range"]!.GetValue<string>());
        var partners = Calico("NetworkSet").ToList();
        Assert.NotEmpty(partners);
        Assert.All(partners, p => Assert.Contains(Calico("NetworkPolicy"), np => np.Namespace == p.Namespace && np.Name == "allow-partner-ingress"));
        Assert.Contains(Entities(), e => e["selector"]?.GetValue<string>() == "role == 'partner'" && e["notNets"] is not null);
    }

    [Fact]
    public void The_calico_policies_allow_exactly_what_the_kubernetes_policies_they_replace_allowed_between_workloads()
    {
        var sink = new CollectingSink();
        var calico = ConnectivityEngine.Build(ClusterModel.Build(written.Data), sink);
        Assert.DoesNotContain(sink.Diagnostics, d => d.Severity is DiagnosticSeverity.Error or DiagnosticSeverity.Warning);
        var plain = ConnectivityEngine.Build(ClusterModel.Build(written.Plain));

        // The Calico tiers are really in force: every Calico policy compiled, in the tiers it names.
        var model = ((IConnectivityQuery)calico).Policies;
        Assert.Contains(model.Tiers, t => t.Name == "platform");
        Assert.Contains(model.Tiers, t => t.Name == "platform-baseline");
        Assert.Equal(Calico("GlobalNetworkPolicy").Count(), model.OfKind("GlobalNetworkPolicy").Count());
        Assert.Equal(Calico("NetworkPolicy").Count(), model.Policies.Count(p => p.Kind == "NetworkPolicy" && p.Source.Group == "projectcalico.org"));

        static Dictionary<(string, string), string> PodFlows(ConnectivityEngine e) =>
            e.Flows.Where(f => f.SourceKind == PeerKind.Workload && f.DestinationKind == PeerKind.Workload).ToDictionary(f => (f.Source, f.Destination), f => f.Connections);
        var a = PodFlows(calico);
        var b = PodFlows(plain);
        Assert.True(a.Count > 100, $"{a.Count} workload flows");
        Assert.True(a.Values.Distinct().Count() > 10, "the flows differ in their connections, so the comparison can tell rules apart");
        var differ = a.Keys.Union(b.Keys).Where(k => a.GetValueOrDefault(k) != b.GetValueOrDefault(k))
            .Select(k => $"{k.Item1} => {k.Item2}: {a.GetValueOrDefault(k) ?? "No Connections"} (Calico) vs {b.GetValueOrDefault(k) ?? "No Connections"} (Kubernetes policies)").Take(10).ToList();
        Assert.True(differ.Count == 0, string.Join("\n", differ));
    }

    [Fact]
    public void The_flow_list_agrees_with_the_explainer_for_pods_host_network_pods_nodes_and_external_addresses()
    {
        var engine = ConnectivityEngine.Build(ClusterModel.Build(written.Data));
        var workloads = engine.Model.Workloads.Where(w => engine.ClassesOf(w).Count > 0).Take(40).ToList();
        // Calico does not tell nodes apart from the pods on their network: nodes are addresses, and calico-node a workload on the host network.
        var calicoNode = engine.Model.Workloads.Single(w => w.Name == "calico-node");
        var ends = workloads.Select(w => w.Peer).Append(calicoNode.Peer).Concat(new[] { "1.1.1.1", "169.254.169.254", "10.0.0.10", "10.0.0.11" }).ToList();
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
                foreach (var (protocol, port) in new[] { ("TCP", 443), ("TCP", 8080), ("UDP", 53), ("TCP", 5432), ("TCP", 9100), ("SCTP", 9999), ("ICMP", 8) })
                {
                    var verdict = engine.Test(source, target, protocol, port);
                    Assert.True(conns.Contains(protocol, port) == verdict.Allowed, $"{from} -> {to} {protocol} {port}: flows say {conns}, the explainer says {verdict.Explanation}");
                }

                checkedPairs++;
            }
        }

        Assert.True(checkedPairs > 1000, $"{checkedPairs} pairs");
    }

    [Fact]
    public void A_shape_cannot_ask_for_cilium_and_calico_together()
    {
        var ex = Assert.Throws<ArgumentException>(() => new SyntheticCluster(Shape with { Cilium = true }));
        Assert.Contains("two CNIs", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_variant_has_its_own_cache_folder_and_name()
    {
        Assert.EndsWith("-calico", Shape.Id, StringComparison.Ordinal);
        Assert.NotEqual((Shape with { Calico = false }).Id, Shape.Id);
        Assert.Contains("Calico", Shape.ToString(), StringComparison.Ordinal);
    }
}
