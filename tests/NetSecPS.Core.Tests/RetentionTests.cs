using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using k8s.Models;
using NetSecPS.Core.Checks.Support;
using NetSecPS.Core.Model;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Tests;

/// <summary>
/// A snapshot keeps what the analysis reads and drops what is commonly a secret: env values, args,
/// command, the last-applied annotation, ConfigMaps no check reads. The fixture folder plants a
/// value in each of these places (tests/fixtures/secrets).
/// </summary>
public sealed class RetentionTests : IDisposable
{
    private static readonly string Folder = TestPaths.Fixture("secrets");
    private readonly string dir = Directory.CreateTempSubdirectory("netsecps-retention-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static ClusterData ReadFixture() => ManifestSource.Read(new[] { Folder });

    private static string Json(KubeObject o) => ObjectFactory.ToJson(o).ToJsonString();

    [Fact]
    public void Env_entries_keep_their_names_and_references_and_lose_their_values()
    {
        var web = ReadFixture().Objects.Single(o => o.Key == "Deployment/shop/web").As<V1Deployment>()!;
        var container = web.Spec.Template.Spec.Containers.Single();
        Assert.Equal(new[] { "AWS_SECRET_ACCESS_KEY", "DB_PASSWORD", "LOG_LEVEL" }, container.Env.Select(e => e.Name));
        Assert.All(container.Env, e => Assert.Null(e.Value));
        Assert.Equal(("web-db", "password"), (container.Env[1].ValueFrom.SecretKeyRef.Name, container.Env[1].ValueFrom.SecretKeyRef.Key));
        Assert.Null(web.Spec.Template.Spec.InitContainers.Single().Env.Single().Value);
    }

    [Fact]
    public void Command_args_probe_commands_and_header_values_are_dropped()
    {
        var data = ReadFixture();
        var container = data.Objects.Single(o => o.Key == "Deployment/shop/web").As<V1Deployment>()!.Spec.Template.Spec.Containers.Single();
        Assert.Null(container.Command);
        Assert.Null(container.Args);
        Assert.Null(container.LivenessProbe.Exec.Command);
        Assert.Equal("Authorization", container.ReadinessProbe.HttpGet.HttpHeaders.Single().Name);
        Assert.Null(container.ReadinessProbe.HttpGet.HttpHeaders.Single().Value);
        Assert.Equal(8080, container.Ports.Single().ContainerPort);
        Assert.Null(data.Objects.Single(o => o.Key == "Pod/shop/debug").As<V1Pod>()!.Spec.Containers.Single().Args);
    }

    [Fact]
    public void The_arguments_a_check_reads_are_kept_and_the_cni_is_still_recognised()
    {
        var data = ReadFixture();
        var agent = data.Objects.Single(o => o.Key == "DaemonSet/kube-system/aws-node").As<V1DaemonSet>()!.Spec.Template.Spec.Containers[1];
        Assert.Equal(new[] { "--enable-network-policy=true" }, agent.Args);
        var cni = new CniState(ClusterModel.Build(data));
        var aws = Assert.Single(cni.Components);
        Assert.Equal("AWS VPC CNI", aws.Name);
        Assert.True(aws.EnforcesPolicy, aws.Evidence);
    }

    [Fact]
    public void The_proxy_mode_that_marks_an_istio_gateway_is_kept_and_its_other_arguments_are_dropped()
    {
        // IstioSidecars tells a gateway by its istio-proxy container running "proxy router".
        var pod = JsonNode.Parse("""
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"gw","namespace":"edge"},
             "spec":{"containers":[{"name":"istio-proxy","image":"istio/proxyv2:1.24.0","args":["proxy","router","--domain","edge.svc.cluster.local","--serviceCluster","PLANTED-GATEWAY-ARG"]}]}}
            """)!.AsObject();
        var typed = ObjectFactory.Create(pod, null).Object!.As<V1Pod>()!;
        Assert.Equal(new[] { "router" }, typed.Spec.Containers.Single().Args);
    }

    [Fact]
    public void The_last_applied_annotation_is_dropped_and_other_annotations_stay()
    {
        var web = ReadFixture().Objects.Single(o => o.Key == "Deployment/shop/web");
        var annotations = web.As<V1Deployment>()!.Metadata.Annotations;
        Assert.Equal("web-team", annotations["owner"]);
        Assert.False(annotations.ContainsKey("kubectl.kubernetes.io/last-applied-configuration"));
    }

    [Fact]
    public void Only_the_configmaps_and_keys_checks_read_are_kept_and_coverage_says_so()
    {
        var data = ReadFixture();
        var configMap = Assert.Single(data.Objects, o => o.Kind == "ConfigMap");
        Assert.Equal("ConfigMap/kube-system/amazon-vpc-cni", configMap.Key);
        Assert.Equal(new[] { "enable-network-policy-controller" }, configMap.As<V1ConfigMap>()!.Data.Keys);
        var coverage = data.Coverage.Single(c => c.Kind == "ConfigMap");
        Assert.Equal((CoverageStatus.Read, 1), (coverage.Status, coverage.Count));
        Assert.StartsWith("2 read; 1 kept: only the CNI and mesh configuration the checks read", coverage.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(data.Diagnostics, d => d.Severity != DiagnosticSeverity.Information);
    }

    [Theory]
    [InlineData("cilium-config", "enable-policy")]
    [InlineData("kube-flannel-cfg", "net-conf.json")]
    [InlineData("antrea-config-7b8f4c", "antrea-agent.conf")]
    [InlineData("istio", "mesh")]
    [InlineData("linkerd-config", "values")]
    public void A_configmap_a_check_reads_keeps_the_key_it_reads(string name, string key)
    {
        var json = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ConfigMap",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "kube-system" },
            ["data"] = new JsonObject { [key] = "kept", ["password"] = "dropped" },
            ["binaryData"] = new JsonObject { ["blob"] = "AAAA" },
        };
        var configMap = ObjectFactory.Create(json, null).Object!.As<V1ConfigMap>()!;
        Assert.Equal(new[] { key }, configMap.Data.Keys);
        Assert.Equal("kept", configMap.Data[key]);
        Assert.Null(configMap.BinaryData);
    }

    [Fact]
    public void Every_cilium_config_setting_the_policy_model_reads_survives_the_snapshot()
    {
        // Each setting away from its default, so a dropped key shows as the default coming back.
        var path = Path.Combine(dir, "cilium-config.yaml");
        File.WriteAllText(path, """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: cilium-config
              namespace: kube-system
            data:
              enable-policy: always
              allow-localhost: policy
              cluster-name: prod-eu
              policy-cidr-match-mode: pods,nodes
              enable-node-selector-labels: "true"
              enable-sctp: "true"
              enable-host-firewall: "true"
              enable-k8s-cluster-network-policy: "true"
              enable-wireguard: "true"
              bpf-lb-sock-hostns-only: "true"
              PLANTED-CILIUM: "dropped"
            """);
        var data = ManifestSource.Read(new[] { path });
        var saved = Path.Combine(dir, "cilium.json.gz");
        AtomicFile.Write(saved, stream => SnapshotFile.Write(data, stream));
        foreach (var read in new[] { data, SnapshotFile.ReadFile(saved) })
        {
            var cilium = NetSecPS.Core.Policy.CiliumCluster.Detect(ClusterModel.Build(read))!;
            Assert.Equal("always", cilium.EnforcementMode);
            Assert.False(cilium.AllowsLocalhost);
            Assert.Equal("prod-eu", cilium.ClusterName);
            Assert.True(cilium.CidrRulesMatchPods);
            Assert.True(cilium.CidrRulesMatchNodes);
            Assert.True(cilium.NodeSelectorLabels);
            Assert.True(cilium.Sctp);
            Assert.True(cilium.HostFirewall);
            Assert.True(cilium.EnforcesClusterNetworkPolicy);
            Assert.Equal("true", cilium.Setting("enable-wireguard"));
            Assert.DoesNotContain("PLANTED-CILIUM", cilium.Config.Keys);
            Assert.DoesNotContain("bpf-lb-sock-hostns-only", cilium.Config.Keys);
        }
    }

    [Fact]
    public void Every_cilium_config_key_the_code_reads_is_one_the_snapshot_keeps()
    {
        var source = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "src", "NetSecPS.Core", "Policy", "Kinds", "CiliumCluster.cs"));
        var read = System.Text.RegularExpressions.Regex.Matches(source, "Setting\\(\"([a-z0-9-]+)\"\\)").Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.True(read.Count >= 8, string.Join(", ", read));
        Assert.Empty(read.Except(Retention.KeysKept("cilium-config")!));
    }

    [Fact]
    public void Containers_of_kinds_kept_as_json_are_trimmed_the_same_way()
    {
        var rollout = ReadFixture().Objects.Single(o => o.Kind == "Rollout");
        Assert.NotNull(rollout.Raw);
        var container = rollout.Raw!["spec"]!["template"]!["spec"]!["containers"]![0]!.AsObject();
        Assert.Null(container["command"]);
        Assert.Equal("STRIPE_KEY", container["env"]![0]!["name"]!.GetValue<string>());
        Assert.Null(container["env"]![0]!["value"]);
        Assert.Equal("ghcr.io/example/web:1.5.0", container["image"]!.GetValue<string>());
    }

    [Fact]
    public void Objects_read_from_json_text_and_from_a_json_tree_are_trimmed_alike()
    {
        var reader = new ObjectReader();
        foreach (var o in ReadFixture().Objects)
        {
            var text = Json(o);
            Assert.DoesNotContain("PLANTED", text, StringComparison.Ordinal);
            var again = reader.Create(Encoding.UTF8.GetBytes(text), o.Source).Object!;
            Assert.True(JsonNode.DeepEquals(ObjectFactory.ToJson(o), ObjectFactory.ToJson(again)), $"{o.Key} changes when read again");
        }
    }

    [Fact]
    public void A_snapshot_saved_in_schema_version_1_still_loads_without_the_values_it_held()
    {
        var old = TestPaths.Fixture("secrets", "planted.schema1.json.gz");
        using (var raw = new StreamReader(new GZipStream(File.OpenRead(old), CompressionMode.Decompress)))
        {
            var text = raw.ReadToEnd();
            Assert.Contains("\"schemaVersion\":1", text, StringComparison.Ordinal);
            Assert.Contains("PLANTED-ENV-AWS-SECRET", text, StringComparison.Ordinal);
        }

        ClusterData loaded;
        using (var stream = File.OpenRead(old))
        {
            loaded = SnapshotFile.Read(stream, old);
        }

        var fresh = ReadFixture();
        Assert.Equal(fresh.Objects.Select(o => o.Key), loaded.Objects.Select(o => o.Key));
        Assert.All(loaded.Objects, o => Assert.DoesNotContain("PLANTED", Json(o), StringComparison.Ordinal));
        Assert.Equal(fresh.Objects.Select(Json), loaded.Objects.Select(Json));

        var saved = Path.Combine(dir, "again.json.gz");
        AtomicFile.Write(saved, s => SnapshotFile.Write(loaded, s));
        using var again = new StreamReader(new GZipStream(File.OpenRead(saved), CompressionMode.Decompress));
        var written = again.ReadToEnd();
        Assert.Contains($"\"schemaVersion\":{Snapshot.CurrentSchemaVersion}", written, StringComparison.Ordinal);
        Assert.Equal(2, Snapshot.CurrentSchemaVersion);
        Assert.DoesNotContain("PLANTED", written, StringComparison.Ordinal);
    }
}
