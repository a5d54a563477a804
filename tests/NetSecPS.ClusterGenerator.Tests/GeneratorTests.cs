using System.Text.Json.Nodes;
using k8s.Models;
using NetSecPS.Core.Model;
using NetSecPS.Core.Sources;

namespace NetSecPS.ClusterGenerator.Tests;

/// <summary>
/// The generated cluster is what the benchmarks claim it is: the requested numbers of pods,
/// workloads and policies as NetSecPS itself counts them after reading the manifests, the
/// same cluster for the same seed, and the policy features the engine must handle.
/// </summary>
public sealed class GeneratorTests : IClassFixture<GeneratorTests.Written>
{
    private static readonly ClusterShape Shape = new(400, 80, 90, Seed: 7) { ClusterNetworkPolicies = true };
    private readonly Written written;

    public GeneratorTests(Written written) => this.written = written;

    /// <summary>The shape written once as YAML and read back through the manifest reader.</summary>
    public sealed class Written : IDisposable
    {
        public Written()
        {
            Folder = Path.Combine(Path.GetTempPath(), "netsecps-gen-" + Guid.NewGuid().ToString("N"));
            Summary = ClusterOutput.WriteManifests(new SyntheticCluster(Shape), Folder);
            Data = ManifestSource.Read(new[] { Folder });
            Model = ClusterModel.Build(Data);
        }

        public string Folder { get; }
        public GenerationSummary Summary { get; }
        internal ClusterData Data { get; }
        internal ClusterModel Model { get; }

        public void Dispose() => Directory.Delete(Folder, recursive: true);
    }

    [Fact]
    public void Reading_the_manifests_finds_exactly_the_requested_pods_workloads_and_policies()
    {
        Assert.Empty(written.Data.Diagnostics);
        Assert.Equal(Shape.Pods, written.Data.OfKind("Pod").Count());
        Assert.Equal(Shape.Policies, written.Data.OfKind("NetworkPolicy").Count());
        Assert.Equal(Shape.Workloads, written.Model.Workloads.Count);
        // Every object is read; the ConfigMaps, which no check reads, are not kept (Retention).
        Assert.Equal(written.Summary.Kinds.Values.Sum() - written.Summary.Count("ConfigMap"), written.Data.Objects.Count);
        Assert.StartsWith($"{written.Summary.Count("ConfigMap")} read; 0 kept", written.Data.Coverage.Single(c => c.Kind == "ConfigMap").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deployment_pods_resolve_to_their_deployment_through_replicasets_with_unique_ips()
    {
        var kinds = written.Model.Workloads.Select(w => w.Kind).Distinct().ToHashSet();
        Assert.Superset(new HashSet<string> { "Deployment", "StatefulSet", "DaemonSet", "CronJob" }, kinds);
        Assert.DoesNotContain("ReplicaSet", kinds);
        var deploymentPods = written.Model.Workloads.Where(w => w.Kind == "Deployment").SelectMany(w => w.Pods).ToList();
        Assert.NotEmpty(deploymentPods);
        Assert.All(deploymentPods, p => Assert.True(p.Labels.ContainsKey("pod-template-hash"), p.Name));
        var ips = written.Model.Pods.Where(p => !p.HostNetwork).SelectMany(p => p.IPs).ToList();
        Assert.Equal(ips.Count, ips.Distinct().Count());
        Assert.Contains(written.Model.Workloads, w => w.HostNetwork);
    }

    [Fact]
    public void Policies_use_match_expressions_named_ports_end_ports_and_ip_blocks_with_excepts()
    {
        var policies = written.Data.Typed<V1NetworkPolicy>().ToList();
        var ingressPeers = policies.SelectMany(p => p.Spec.Ingress ?? new List<V1NetworkPolicyIngressRule>()).SelectMany(r => r.FromProperty ?? new List<V1NetworkPolicyPeer>()).ToList();
        var egressPeers = policies.SelectMany(p => p.Spec.Egress ?? new List<V1NetworkPolicyEgressRule>()).SelectMany(r => r.To ?? new List<V1NetworkPolicyPeer>()).ToList();
        var ports = policies.SelectMany(p => (p.Spec.Ingress ?? new List<V1NetworkPolicyIngressRule>()).SelectMany(r => r.Ports ?? new List<V1NetworkPolicyPort>())
            .Concat((p.Spec.Egress ?? new List<V1NetworkPolicyEgressRule>()).SelectMany(r => r.Ports ?? new List<V1NetworkPolicyPort>()))).ToList();
        Assert.Contains(policies, p => p.Spec.PodSelector.MatchExpressions?.Any(e => e.OperatorProperty == "In") == true);
        Assert.Contains(ingressPeers, p => p.PodSelector?.MatchExpressions?.Any(e => e.OperatorProperty == "NotIn") == true);
        Assert.Contains(ingressPeers, p => p.NamespaceSelector?.MatchExpressions is { Count: > 0 });
        Assert.Contains(ingressPeers.Concat(egressPeers), p => p.IpBlock?.Except is { Count: > 0 });
        Assert.Contains(ports, p => p.Port?.Value == "http");
        Assert.Contains(ports, p => p.EndPort is not null);
        Assert.Contains(ports, p => p.Protocol == "UDP");
        Assert.Contains(policies, p => p.Spec.PodSelector.MatchLabels is null && p.Spec.PodSelector.MatchExpressions is null && p.Spec.PolicyTypes.Count == 2);
        Assert.True(written.Summary.IpBlocks > 10);
    }

    [Fact]
    public void Admin_policies_and_one_baseline_policy_are_generated_with_every_action()
    {
        var anps = written.Data.OfKind("AdminNetworkPolicy").ToList();
        Assert.True(anps.Count >= 4);
        Assert.Single(written.Data.OfKind("BaselineAdminNetworkPolicy"));
        var actions = anps.SelectMany(a => (a.Raw!["spec"]!["ingress"]?.AsArray() ?? new JsonArray()).Concat(a.Raw["spec"]!["egress"]?.AsArray() ?? new JsonArray()))
            .Select(r => r!["action"]!.GetValue<string>()).ToHashSet();
        Assert.Equal(new HashSet<string> { "Allow", "Deny", "Pass" }, actions);
        Assert.Equal(anps.Count, anps.Select(a => a.Raw!["spec"]!["priority"]!.GetValue<long>()).Distinct().Count());
    }

    [Fact]
    public void The_same_seed_makes_the_same_cluster_and_another_seed_another()
    {
        static string Text(ClusterShape s) => string.Concat(new SyntheticCluster(s).Groups().Take(8).SelectMany(g => g.Objects).Select(o => o.ToJsonString()));
        Assert.Equal(Text(Shape), Text(Shape));
        Assert.NotEqual(Text(Shape), Text(Shape with { Seed = 8 }));
    }

    [Fact]
    public void List_json_output_reads_back_to_the_same_objects_as_yaml()
    {
        var folder = Path.Combine(Path.GetTempPath(), "netsecps-gen-" + Guid.NewGuid().ToString("N"));
        try
        {
            ClusterOutput.WriteManifests(new SyntheticCluster(Shape), folder, ManifestFormat.ListJson);
            var json = ManifestSource.Read(new[] { folder });
            Assert.Empty(json.Diagnostics);
            Assert.Equal(written.Data.Objects.Select(o => o.Key).Order(), json.Objects.Select(o => o.Key).Order());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_saved_snapshot_of_the_cluster_reads_back_with_every_object()
    {
        var path = Path.Combine(Path.GetTempPath(), "netsecps-gen-" + Guid.NewGuid().ToString("N") + ".json.gz");
        try
        {
            ClusterOutput.WriteSnapshot(ClusterOutput.ToClusterData(new SyntheticCluster(Shape)), path);
            using var stream = File.OpenRead(path);
            var read = SnapshotFile.Read(stream, path);
            Assert.Equal(written.Data.Objects.Count, read.Objects.Count);
            Assert.Equal(Shape.Workloads, ClusterModel.Build(read).Workloads.Count);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_shape_too_small_for_the_platform_is_refused_with_the_reason()
    {
        var ex = Assert.Throws<ArgumentException>(() => new SyntheticCluster(new ClusterShape(50, 12, 10)));
        Assert.Contains("platform", ex.Message, StringComparison.Ordinal);
    }
}
