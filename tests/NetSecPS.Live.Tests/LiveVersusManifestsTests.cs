using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;
using NetSecPS.Core.Sources;

namespace NetSecPS.Live.Tests;

/// <summary>A cluster read live and the manifests it was made from describe the same network.</summary>
public sealed class LiveVersusManifestsTests
{
    /// <summary>
    /// Labels that controllers put on the pods they create; a running cluster has them, the
    /// manifests cannot. They never appear in a policy's selectors in the fixtures.
    /// </summary>
    private static readonly HashSet<string> ControllerLabels = new(StringComparer.Ordinal)
    {
        "pod-template-hash", "controller-revision-hash", "statefulset.kubernetes.io/pod-name", "apps.kubernetes.io/pod-index",
        "pod-template-generation", "batch.kubernetes.io/controller-uid", "batch.kubernetes.io/job-name", "controller-uid", "job-name",
    };

    /// <summary>
    /// An inventory item without what only a running cluster has (pod counts, assigned cluster
    /// IPs, controller labels, nodes, the default service account admission sets) or only files
    /// have (source file and line).
    /// </summary>
    private static string Comparable(InventoryItem item)
    {
        static string Labels(IReadOnlyDictionary<string, string> labels) =>
            string.Join(",", labels.Where(kv => !ControllerLabels.Contains(kv.Key)).OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + "=" + kv.Value));

        var head = $"{item.Resource} [{Labels(item.Labels)}]";
        return item switch
        {
            NamespaceItem n => $"{head} workloads={n.Workloads} policies={n.NetworkPolicies}",
            WorkloadItem w => $"{head} {w.Peer} images={string.Join(",", w.Images)} ports={string.Join(",", w.Ports)} hostNetwork={w.HostNetwork} sa={w.ServiceAccount ?? "default"}",
            ServiceItem s => $"{head} {s.Type} headless={s.ClusterIP == "None"} ports={string.Join(",", s.Ports)} selector={Labels(s.Selector)} external={string.Join(",", s.ExternalIPs)}",
            PolicyItem p => $"{head} subject={p.Subject} types={string.Join(",", p.PolicyTypes)} priority={p.Priority} in={p.IngressRules} out={p.EgressRules}",
            ExposureItem e => $"{head} hosts={string.Join(",", e.Hosts)} backends={string.Join(",", e.Backends)} tls={e.Tls}",
            _ => head,
        };
    }

    private static List<string> Inventory(ClusterData data) =>
        InventoryBuilder.Build(ClusterModel.Build(data))
            // Nodes exist only in a running cluster; Secrets are never requested from one.
            .Where(i => i.Kind is not "Node" and not "Secret")
            .Select(Comparable)
            .Order(StringComparer.Ordinal)
            .ToList();

    [Fact]
    public async Task The_same_cluster_read_live_and_from_its_manifests_gives_the_same_inventory()
    {
        var manifests = ManifestSource.Read(new[] { TestPaths.Fixture("live", "cluster") });
        await using var h = await LiveHarness.StartAsync();

        var live = await h.CollectAsync();

        var fromFiles = Inventory(manifests);
        var fromCluster = Inventory(live);
        Assert.Equal(fromFiles, fromCluster);
        // Not vacuous: the workloads came from pods on one side and from templates on the other.
        var liveWorkloads = InventoryBuilder.Build(ClusterModel.Build(live)).OfType<WorkloadItem>().ToList();
        Assert.Equal(6, liveWorkloads.Count);
        Assert.Equal(3, liveWorkloads.Single(w => w.Peer == "shop/frontend[Deployment]").Pods);
        Assert.Equal(0, liveWorkloads.Single(w => w.Peer == "shop/report[CronJob]").Pods);
        Assert.All(InventoryBuilder.Build(ClusterModel.Build(manifests)).OfType<WorkloadItem>(), w => Assert.Equal(0, w.Pods));
    }

    [Fact]
    public async Task The_same_cluster_read_live_and_from_its_manifests_gives_the_same_connectivity()
    {
        var manifests = ManifestSource.Read(new[] { TestPaths.Fixture("live", "cluster") });
        await using var h = await LiveHarness.StartAsync();

        var live = await h.CollectAsync();

        static List<string> Connlist(ClusterData data) =>
            ConnectivityEngine.Build(ClusterModel.Build(data)).Flows.Select(f => f.ToString()).Order(StringComparer.Ordinal).ToList();
        var fromFiles = Connlist(manifests);
        var fromCluster = Connlist(live);
        Assert.Equal(fromFiles, fromCluster);
        // Not vacuous: the policies shape what is allowed, in both reads alike.
        Assert.Contains("shop/cart[Deployment] => payments/billing[Deployment] : TCP 8443", fromCluster);
        Assert.DoesNotContain(fromCluster, f => f.StartsWith("shop/frontend[Deployment] => payments/billing[Deployment]", StringComparison.Ordinal));
        Assert.DoesNotContain(fromCluster, f => f.StartsWith("shop/frontend[Deployment] => shop/redis[StatefulSet]", StringComparison.Ordinal));
    }
}
