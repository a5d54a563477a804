using NetSecPS.Core.Model;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Tests;

/// <summary>Workloads are named by their top owner, as connectivity output names peers: <c>ns/name[Kind]</c>.</summary>
public class OwnerResolutionTests
{
    private static ClusterModel Model(params string[] relative)
    {
        var data = ManifestSource.Read(relative.Select(r => TestPaths.Fixture(r.Split('/'))));
        Assert.DoesNotContain(data.Diagnostics, d => d.Severity is DiagnosticSeverity.Error or DiagnosticSeverity.Warning);
        return ClusterModel.Build(data);
    }

    private static Workload Single(ClusterModel model, string peer) => Assert.Single(model.Workloads, w => w.Peer == peer);

    [Fact]
    public void Pods_of_a_replicaset_of_a_deployment_are_one_deployment_workload()
    {
        var model = Model("owners/deployment-chain.yaml");
        var web = Assert.Single(model.Workloads);
        Assert.Equal("shop/web[Deployment]", web.Peer);
        Assert.Equal(new[] { "web-7d9f8b6c5d-4xk2p", "web-7d9f8b6c5d-q8w3z" }, web.Pods.Select(p => p.Name).Order());
        Assert.All(web.Pods, p => Assert.False(p.FromTemplate));
        Assert.Equal("Deployment", web.Source!.Kind);
        Assert.Equal(new[] { "10.244.1.17", "10.244.2.9" }, web.Pods.SelectMany(p => p.IPs).Order());
    }

    [Fact]
    public void Pods_whose_replicaset_is_not_in_the_input_are_named_after_the_replicaset()
    {
        // A `kubectl get pods -o json` dump: pods only, owners referenced by name.
        var model = Model("dumps/kubectl-get-pods.json");
        Assert.Equal(
            new[] { "shop/fluent-bit[DaemonSet]", "shop/redis[StatefulSet]", "shop/web-7d9f8b6c5d[ReplicaSet]" },
            model.Workloads.Select(w => w.Peer));
        Assert.Equal(2, Single(model, "shop/web-7d9f8b6c5d[ReplicaSet]").Pods.Count);
        Assert.All(model.Workloads, w => Assert.Null(w.Source));
    }

    // The top owner is the highest owner in the input: one workload for the pod, not one named
    // after the absent Deployment plus a second one from the ReplicaSet's template.
    [Fact]
    public void A_replicaset_whose_deployment_is_not_in_the_input_is_the_top_owner()
    {
        var model = Model("owners/replicaset-without-deployment.yaml");
        var api = Assert.Single(model.Workloads);
        Assert.Equal("payments/api-5f6c9d7b8[ReplicaSet]", api.Peer);
        Assert.Equal("api-5f6c9d7b8-k2m4n", Assert.Single(api.Pods).Name);
    }

    [Fact]
    public void The_pod_of_a_job_started_by_a_cronjob_belongs_to_the_cronjob()
    {
        var model = Model("owners/cronjob-chain.yaml");
        var backup = Assert.Single(model.Workloads);
        Assert.Equal("data/backup[CronJob]", backup.Peer);
        Assert.Equal("backup-28930080-7hb2x", Assert.Single(backup.Pods).Name);
    }

    [Fact]
    public void Pods_of_a_job_from_a_podlist_are_named_after_the_job()
    {
        var model = Model("dumps/podlist.json");
        Assert.Equal(new[] { "payments/api-5f6c9d7b8[ReplicaSet]", "payments/migrate-28930080[Job]" }, model.Workloads.Select(w => w.Peer));
    }

    [Theory]
    [InlineData("data/postgres[StatefulSet]", "postgres-0")]
    [InlineData("monitoring/node-exporter[DaemonSet]", "node-exporter-x2k9p")]
    [InlineData("legacy/legacy-web[ReplicationController]", "legacy-web-8vq2d")]
    [InlineData("data/db-migrate[Job]", "db-migrate-q7x2m")]
    [InlineData("shop/debug[Pod]", "debug")]
    public void A_pod_belongs_to_its_direct_owner_and_is_not_counted_twice(string peer, string pod)
    {
        var model = Model("owners/single-owners.yaml");
        var workload = Single(model, peer);
        Assert.Equal(pod, Assert.Single(workload.Pods).Name);
        Assert.False(workload.Pods[0].FromTemplate);
        Assert.Equal(5, model.Workloads.Count);
    }

    [Fact]
    public void A_daemonset_pod_on_the_host_network_makes_a_host_network_workload()
    {
        var model = Model("owners/single-owners.yaml");
        var exporter = Single(model, "monitoring/node-exporter[DaemonSet]");
        Assert.True(exporter.HostNetwork);
        var port = Assert.Single(exporter.Pods[0].Ports);
        Assert.Equal(new ContainerPort("metrics", 9100, "TCP", 9100), port);
        Assert.False(Single(model, "data/postgres[StatefulSet]").HostNetwork);
    }

    [Fact]
    public void Without_pods_every_workload_kind_is_the_pod_its_template_would_create()
    {
        var model = Model("owners/templates-only.yaml");
        Assert.Equal(
            new[]
            {
                "data/backup[CronJob]", "data/db-migrate[Job]", "data/postgres[StatefulSet]", "legacy/legacy-web[ReplicationController]",
                "logging/fluent-bit[DaemonSet]", "shop/cache[ReplicaSet]", "shop/web[Deployment]",
            },
            model.Workloads.Select(w => w.Peer));
        Assert.All(model.Workloads, w => Assert.True(Assert.Single(w.Pods).FromTemplate));
        var web = Single(model, "shop/web[Deployment]");
        Assert.Equal("web", web.Labels["app"]);
        Assert.Equal(new ContainerPort("http", 8080, "TCP", null), Assert.Single(web.Pods[0].Ports));
        Assert.Equal("backup", Single(model, "data/backup[CronJob]").Labels["app"]);
    }

    [Fact]
    public void Namespaces_carry_their_name_label_even_when_only_implied_by_objects()
    {
        var model = Model("owners/templates-only.yaml");
        Assert.Equal(new[] { "data", "legacy", "logging", "shop" }, model.Namespaces.Keys.Order());
        Assert.All(model.Namespaces.Values, n => Assert.Equal(n.Name, n.Labels[ClusterModel.NamespaceNameLabel]));
        Assert.All(model.Namespaces.Values, n => Assert.Null(n.Source));
    }
}
