using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using NetSecPS.Core.Model;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Tests;

/// <summary>
/// The demo cluster in samples/cluster is what every later demo (connectivity, audit, reports)
/// runs on: it must load cleanly, be valid Kubernetes, and hold the variety it promises.
/// </summary>
public partial class DemoClusterTests
{
    private static readonly string ClusterDir = Path.Combine(TestPaths.RepoRoot, "samples", "cluster");

    private static readonly Lazy<ClusterData> Data = new(() => ManifestSource.Read(new[] { ClusterDir }));

    private static IEnumerable<string> ManifestFiles() =>
        Directory.EnumerateFiles(ClusterDir, "*.yaml", SearchOption.AllDirectories).Order(StringComparer.Ordinal);

    [Fact]
    public void Loads_without_a_warning_or_an_error()
    {
        Assert.Empty(Data.Value.Diagnostics);
        Assert.Equal(ManifestFiles().Count(), Data.Value.Provenance.Inputs.Count);
    }

    [Fact]
    public void Has_at_least_four_application_namespaces_and_ten_workloads_of_every_kind_the_demo_needs()
    {
        var model = ClusterModel.Build(Data.Value);
        Assert.True(model.Namespaces.Keys.Count(n => n != "kube-system") >= 4);
        Assert.True(model.Workloads.Count >= 10, $"{model.Workloads.Count} workloads");
        foreach (var kind in new[] { "Deployment", "StatefulSet", "DaemonSet", "CronJob", "Pod" })
        {
            Assert.Contains(model.Workloads, w => w.Kind == kind);
        }

        Assert.Contains(model.Workloads, w => w.HostNetwork && w.Namespace != "kube-system");
        Assert.Contains("shop/frontend[Deployment]", model.Workloads.Select(w => w.Peer));
        Assert.Contains("data/postgres[StatefulSet]", model.Workloads.Select(w => w.Peer));
        Assert.Contains("kube-system/calico-node[DaemonSet]", model.Workloads.Select(w => w.Peer));
    }

    [Fact]
    public void Every_folder_holds_the_objects_of_its_namespace()
    {
        foreach (var obj in Data.Value.Objects)
        {
            var folder = Path.GetFileName(Path.GetDirectoryName(obj.Source!.File))!;
            var expected = obj switch
            {
                { Kind: "Namespace" } => obj.Name,
                { Namespace: { } ns } => ns,
                { Kind: "IngressClass" } => "ingress-nginx", // ships with its controller
                _ => "cluster-wide",
            };
            Assert.True(expected == folder, $"{obj.Key} is in {folder}/");
        }
    }

    [Fact]
    public void Every_container_port_has_a_name()
    {
        var ports = ClusterModel.Build(Data.Value).Pods.SelectMany(p => p.Ports).ToList();
        Assert.NotEmpty(ports);
        Assert.All(ports, p => Assert.False(string.IsNullOrEmpty(p.Name), $"port {p.Port} has no name"));
    }

    [Fact]
    public void Has_services_of_every_type_and_ingresses_with_and_without_tls()
    {
        var services = Data.Value.Typed<V1Service>().ToList();
        Assert.Contains(services, s => (s.Spec.Type ?? "ClusterIP") == "ClusterIP" && s.Spec.ClusterIP != "None");
        Assert.Contains(services, s => s.Spec.ClusterIP == "None");
        Assert.Contains(services, s => s.Spec.Type == "NodePort");
        Assert.Contains(services, s => s.Spec.Type == "LoadBalancer" && s.Spec.LoadBalancerSourceRanges is { Count: > 0 });
        Assert.Contains(services, s => s.Spec.Type == "LoadBalancer" && s.Spec.LoadBalancerSourceRanges is null);
        Assert.Contains(services, s => s.Spec.ExternalIPs is { Count: > 0 });
        var ingresses = Data.Value.Typed<V1Ingress>().ToList();
        Assert.Contains(ingresses, i => i.Spec.Tls is { Count: > 0 });
        Assert.Contains(ingresses, i => i.Spec.Tls is null);
    }

    [Fact]
    public void Has_admin_and_baseline_admin_policies_and_rbac_that_lets_non_admins_edit_network_policy()
    {
        Assert.Contains(Data.Value.Objects, o => o.Kind == "AdminNetworkPolicy" && o.Raw is not null);
        Assert.Contains(Data.Value.Objects, o => o.Kind == "BaselineAdminNetworkPolicy" && o.Name == "default");
        var role = Assert.Single(Data.Value.Typed<V1Role>(), r => r.Rules.Any(rule => rule.Resources.Contains("networkpolicies") && rule.Verbs.Contains("patch")));
        var binding = Assert.Single(Data.Value.Typed<V1RoleBinding>(), b => b.RoleRef.Name == role.Metadata.Name);
        Assert.Contains(binding.Subjects, s => s.Kind == "Group" && !s.Name.StartsWith("system:", StringComparison.Ordinal));
    }

    [Fact]
    public void Has_a_secret_passed_as_an_environment_variable_and_no_secret_value_is_kept()
    {
        var specs = ClusterModel.Build(Data.Value).Pods.Select(p => p.Spec!).ToList();
        Assert.Contains(specs, s => s.Containers.Any(c => c.Env?.Any(e => e.ValueFrom?.SecretKeyRef is not null) == true));
        Assert.Contains(specs, s => s.Containers.Any(c => c.EnvFrom?.Any(e => e.SecretRef is not null) == true));
        foreach (var secret in Data.Value.OfKind("Secret"))
        {
            Assert.Null(secret.Raw!["data"]);
            Assert.Null(secret.Raw["stringData"]);
        }
    }

    [GeneratedRegex(@"\b(NP|EX|HN|MESH|CNI|PLAT|RBAC|SEC|DET|LAT)-\d{3}\b")]
    private static partial Regex CheckId();

    [Fact]
    public void Each_deliberate_weakness_names_the_checks_it_should_trip_and_they_exist()
    {
        var known = NetSecPS.Core.Checks.CheckCatalogue.Infos.Select(c => c.Id).ToHashSet();
        var weaknesses = 0;
        foreach (var file in ManifestFiles())
        {
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                foreach (Match id in CheckId().Matches(lines[i]))
                {
                    Assert.True(known.Contains(id.Value), $"{file}:{i + 1} names {id.Value}, which is not a check of the catalogue (docs/checks.md)");
                }

                if (!lines[i].Contains("DELIBERATE WEAKNESS", StringComparison.Ordinal))
                {
                    continue;
                }

                weaknesses++;
                // The comment block holding the marker names at least one check.
                var first = i;
                while (first > 0 && lines[first - 1].TrimStart().StartsWith('#'))
                {
                    first--;
                }

                var last = i;
                while (last + 1 < lines.Length && lines[last + 1].TrimStart().StartsWith('#'))
                {
                    last++;
                }

                var block = string.Join("\n", lines[first..(last + 1)]);
                Assert.True(CheckId().IsMatch(block), $"{file}:{i + 1}: the deliberate weakness names no check id");
            }
        }

        Assert.True(weaknesses >= 10, $"{weaknesses} deliberate weaknesses marked");
    }

    /// <summary>
    /// Stands in for `kubectl apply --dry-run`, which needs a server: every object of a kind the
    /// Kubernetes client models must deserialize with no field lost, so a misspelt or misplaced
    /// field (`contianerPort`, `ports` under the pod spec) fails here.
    /// </summary>
    [Fact]
    public void Every_typed_object_is_valid_kubernetes_with_no_unknown_field()
    {
        var checkedObjects = 0;
        foreach (var file in ManifestFiles())
        {
            foreach (var doc in YamlJsonReader.ReadDocuments(new StringReader(File.ReadAllText(file))))
            {
                if (doc.Root is not JsonObject original)
                {
                    continue;
                }

                var info = KindRegistry.Find(original["apiVersion"]!.GetValue<string>(), original["kind"]!.GetValue<string>());
                if (info?.ModelType is not { } type || info.Kind == "Secret")
                {
                    continue;
                }

                var typed = typeof(KubernetesJson).GetMethods().Single(m => m.Name == "Deserialize" && m.IsGenericMethodDefinition && m.GetParameters()[0].ParameterType == typeof(string))
                    .MakeGenericMethod(type).Invoke(null, new object?[] { original.ToJsonString(), null });
                var roundTrip = JsonNode.Parse(KubernetesJson.Serialize(typed))!;
                AssertContained(original, roundTrip, $"{Path.GetRelativePath(ClusterDir, file)}:{doc.Line} {original["kind"]}");
                checkedObjects++;
            }
        }

        Assert.True(checkedObjects >= 50, $"{checkedObjects} objects checked");
    }

    private static void AssertContained(JsonNode? expected, JsonNode? actual, string path)
    {
        switch (expected)
        {
            case JsonObject o:
                var a = Assert.IsType<JsonObject>(actual);
                foreach (var (key, value) in o)
                {
                    Assert.True(a.ContainsKey(key) || value is JsonObject { Count: 0 }, $"{path}.{key} is not a field of this kind");
                    if (a.ContainsKey(key))
                    {
                        AssertContained(value, a[key], $"{path}.{key}");
                    }
                }

                break;
            case JsonArray arr:
                var b = Assert.IsType<JsonArray>(actual);
                Assert.Equal(arr.Count, b.Count);
                for (var i = 0; i < arr.Count; i++)
                {
                    AssertContained(arr[i], b[i], $"{path}[{i}]");
                }

                break;
            case null:
                break;
            default:
                Assert.Equal(expected.ToString(), actual?.ToString());
                break;
        }
    }
}
