using System.Text.Json.Nodes;
using k8s.Models;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Tests;

/// <summary>Every shape of manifest input a user hands to -Path.</summary>
public class InputShapeTests
{
    private static ClusterData Read(params string[] relative) => ManifestSource.Read(relative.Select(r => TestPaths.Fixture(r.Split('/'))));

    private static void AssertNoProblems(ClusterData data) =>
        Assert.True(data.Diagnostics.All(d => d.Severity is not (DiagnosticSeverity.Error or DiagnosticSeverity.Warning)), string.Join("\n", data.Diagnostics));

    [Fact]
    public void A_single_yaml_object_is_read_typed()
    {
        var data = Read("manifests/single.yaml");
        AssertNoProblems(data);
        var svc = Assert.Single(data.Objects);
        Assert.Equal("Service/shop/web", svc.Key);
        var typed = Assert.IsType<V1Service>(svc.Typed);
        Assert.Equal("NodePort", typed.Spec.Type);
        Assert.Equal(30080, typed.Spec.Ports.Single().NodePort);
        Assert.Equal("http", typed.Spec.Ports.Single().TargetPort.Value);
        Assert.Equal(1, svc.Source!.Line);
    }

    [Fact]
    public void A_single_json_object_is_read_typed()
    {
        var data = Read("manifests/single.json");
        AssertNoProblems(data);
        var np = Assert.IsType<V1NetworkPolicy>(Assert.Single(data.Objects).Typed);
        Assert.Equal("default-deny-ingress", np.Metadata.Name);
        Assert.Equal(new[] { "Ingress" }, np.Spec.PolicyTypes);
    }

    [Fact]
    public void A_kubectl_get_o_json_dump_yields_its_pods_with_owners_and_ips()
    {
        var data = Read("dumps/kubectl-get-pods.json");
        AssertNoProblems(data);
        Assert.Equal(4, data.Objects.Count);
        Assert.All(data.Objects, o => Assert.Equal("Pod", o.Kind));
        var web = data.Objects.Single(o => o.Name == "web-7d9f8b6c5d-4xk2p").As<V1Pod>()!;
        Assert.Equal("ReplicaSet", web.Metadata.OwnerReferences.Single().Kind);
        Assert.Equal("10.244.1.17", web.Status.PodIP);
        Assert.Equal(8080, web.Spec.Containers.Single().Ports.Single().ContainerPort);
    }

    [Fact]
    public void A_kubectl_get_o_yaml_dump_of_several_kinds_yields_each_object_with_its_line()
    {
        var data = Read("dumps/kubectl-get-all.yaml");
        AssertNoProblems(data);
        Assert.Equal(new[] { "Deployment/shop/web", "Service/shop/web", "NetworkPolicy/shop/web-from-anywhere" }, data.Objects.Select(o => o.Key));
        Assert.Equal(new[] { 4, 64, 95 }, data.Objects.Select(o => o.Source!.Line));
        Assert.Equal("LoadBalancer", data.Objects[1].As<V1Service>()!.Spec.Type);
    }

    [Fact]
    public void A_PodList_from_the_api_gives_its_items_the_kind_of_the_list()
    {
        var data = Read("dumps/podlist.json");
        AssertNoProblems(data);
        Assert.Equal(new[] { "Pod/payments/api-5f6c9d7b8-k2m4n", "Pod/payments/migrate-28930080-7hb2x" }, data.Objects.Select(o => o.Key));
        Assert.All(data.Objects, o => Assert.IsType<V1Pod>(o.Typed));
        Assert.All(data.Objects, o => Assert.Equal("v1", o.ApiVersion));
    }

    [Fact]
    public void A_NamespaceList_in_yaml_gives_namespaces_with_their_labels()
    {
        var data = Read("dumps/namespacelist.yaml");
        AssertNoProblems(data);
        Assert.Equal(new[] { "Namespace/shop", "Namespace/payments" }, data.Objects.Select(o => o.Key));
        Assert.Equal("pci-dss", data.Objects[1].As<V1Namespace>()!.Metadata.Labels["compliance"]);
    }

    [Fact]
    public void A_folder_is_walked_recursively_reading_only_manifests_and_skipping_hidden_folders()
    {
        var data = Read("tree");
        AssertNoProblems(data);
        Assert.Equal(
            new[] { "Deployment/shop/web", "Namespace/shop", "NetworkPolicy/payments/default-deny" }.Order(),
            data.Objects.Select(o => o.Key).Order());
        Assert.DoesNotContain(data.Provenance.Inputs, i => i.Path.EndsWith("README.md", StringComparison.Ordinal) || i.Path.Contains(".cache", StringComparison.Ordinal));
        Assert.Equal(3, data.Provenance.Inputs.Count);
    }

    [Fact]
    public void A_utf8_byte_order_mark_does_not_hide_the_first_key()
    {
        Assert.Equal(0xEF, File.ReadAllBytes(TestPaths.Fixture("manifests", "bom.yaml"))[0]);
        var data = Read("manifests/bom.yaml");
        AssertNoProblems(data);
        var ns = Assert.Single(data.Objects);
        Assert.Equal("Namespace/billing", ns.Key);
        Assert.Equal("finance", ns.As<V1Namespace>()!.Metadata.Labels["team"]);
    }

    [Fact]
    public void Anchors_aliases_and_merge_keys_are_expanded()
    {
        var data = Read("manifests/anchors.yaml");
        AssertNoProblems(data);
        var api = data.Objects.Single(o => o.Name == "api").As<V1Deployment>()!;
        Assert.Equal("backend", api.Spec.Template.Metadata.Labels["tier"]);
        Assert.Equal("api", api.Spec.Selector.MatchLabels["app"]);
        var worker = data.Objects.Single(o => o.Name == "worker").As<V1Deployment>()!;
        // The merge key brings tier from the anchor; the explicit app wins over the merged one.
        Assert.Equal("worker", worker.Spec.Template.Metadata.Labels["app"]);
        Assert.Equal("backend", worker.Spec.Template.Metadata.Labels["tier"]);
        var container = worker.Spec.Template.Spec.Containers.Single();
        Assert.Equal("worker", container.Name);
        Assert.Equal("ghcr.io/example/api:1.0.0", container.Image);
        Assert.Equal(8080, container.Ports.Single().ContainerPort);
    }

    [Theory]
    [InlineData("manifests/not-k8s.yaml")]
    [InlineData("manifests/not-k8s.json")]
    public void A_file_that_is_not_a_kubernetes_object_is_skipped_with_a_warning_naming_it(string file)
    {
        var data = Read(file, "manifests/single.yaml");
        var warning = Assert.Single(data.Diagnostics, d => d.Severity == DiagnosticSeverity.Warning);
        Assert.Equal("NotKubernetesObject", warning.Code);
        Assert.Equal(TestPaths.Fixture(file.Split('/')), warning.File);
        Assert.Contains(Path.GetFileName(file), warning.ToString(), StringComparison.Ordinal);
        Assert.Equal(new[] { "Service/shop/web" }, data.Objects.Select(o => o.Key));
    }

    [Fact]
    public void An_empty_file_is_skipped_with_a_warning()
    {
        var data = Read("manifests/empty.yaml");
        Assert.Empty(data.Objects);
        var warning = Assert.Single(data.Diagnostics);
        Assert.Equal(DiagnosticSeverity.Warning, warning.Severity);
        Assert.EndsWith("empty.yaml", warning.File, StringComparison.Ordinal);
    }

    [Fact]
    public void Kinds_the_client_does_not_model_are_kept_as_raw_json()
    {
        var data = Read("manifests/unknown-kinds.yaml");
        AssertNoProblems(data);
        Assert.Equal(new[] { "Certificate/shop/storefront-tls", "AdminNetworkPolicy/deny-metadata", "GlobalNetworkPolicy/deny-egress-smtp" }, data.Objects.Select(o => o.Key));
        Assert.All(data.Objects, o => Assert.Null(o.Typed));
        var cert = data.Objects[0].Raw!;
        Assert.Equal("shop.example.com", cert["spec"]!["dnsNames"]![0]!.GetValue<string>());
        // A cluster-scoped kind has no namespace even when the registry knows it only by name.
        Assert.Null(data.Objects[1].Namespace);
    }

    [Fact]
    public void Numbers_read_from_yaml_behave_like_numbers_read_from_json()
    {
        var yaml = Read("manifests/unknown-kinds.yaml").Objects.Single(o => o.Kind == "AdminNetworkPolicy").Raw!;
        // Engine code reads raw kinds with GetValue<int>; a YAML number must allow that as a JSON one does.
        Assert.Equal(10, yaml["spec"]!["priority"]!.GetValue<int>());
        Assert.Equal(10L, yaml["spec"]!["priority"]!.GetValue<long>());
        var json = JsonNode.Parse("""{"priority": 10}""")!;
        Assert.Equal(json["priority"]!.GetValue<int>(), yaml["spec"]!["priority"]!.GetValue<int>());
        var calico = Read("manifests/unknown-kinds.yaml").Objects.Single(o => o.Kind == "GlobalNetworkPolicy").Raw!;
        Assert.Equal(25, calico["spec"]!["egress"]![0]!["destination"]!["ports"]![0]!.GetValue<int>());
    }

    [Fact]
    public void An_invalid_object_is_an_error_with_file_line_and_the_wrong_field_and_the_rest_of_the_file_is_read()
    {
        var data = Read("manifests/invalid-pod.yaml");
        var errors = data.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.Equal(2, errors.Count);
        Assert.All(errors, e => Assert.Equal("InvalidObject", e.Code));
        Assert.All(errors, e => Assert.Equal(TestPaths.Fixture("manifests", "invalid-pod.yaml"), e.File));

        var pod = errors[0];
        Assert.Equal((7, "Pod", "broken"), (pod.Line!.Value, pod.Kind!, pod.Name!));
        Assert.Equal("Pod/broken is not a valid Pod: spec.containers must be a list, not a string", pod.Message);
        Assert.EndsWith("invalid-pod.yaml:7:1: Pod/broken is not a valid Pod: spec.containers must be a list, not a string", pod.ToString(), StringComparison.Ordinal);

        var serviceAccount = errors[1];
        Assert.Equal(27, serviceAccount.Line);
        Assert.Equal("ServiceAccount/settings is not a valid ServiceAccount: metadata.labels.version must be a string, not a number", serviceAccount.Message);

        Assert.Equal(new[] { "Namespace/tools", "Service/tools/docs" }, data.Objects.Select(o => o.Key));
    }

    [Fact]
    public void Malformed_indentation_is_an_error_with_its_line_and_column()
    {
        var data = Read("manifests/malformed-indent.yaml", "manifests/single.json");
        var error = Assert.Single(data.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal("MalformedYaml", error.Code);
        Assert.Equal(TestPaths.Fixture("manifests", "malformed-indent.yaml"), error.File);
        // Line 9 holds the key indented one column short of its sibling's.
        Assert.Equal(9, error.Line);
        Assert.NotNull(error.Column);
        Assert.InRange(error.Column!.Value, 1, 20);
        Assert.Matches(@"malformed-indent\.yaml:9:\d+: Malformed YAML", error.ToString());
        Assert.Equal(new[] { "NetworkPolicy/shop/default-deny-ingress" }, data.Objects.Select(o => o.Key));
    }

    [Fact]
    public void A_path_that_does_not_exist_is_an_error_and_the_other_paths_are_read()
    {
        var missing = TestPaths.Fixture("manifests", "no-such-file.yaml");
        var data = ManifestSource.Read(new[] { missing, TestPaths.Fixture("manifests", "single.yaml") });
        var error = Assert.Single(data.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal("PathNotFound", error.Code);
        Assert.Single(data.Objects);
    }

    [Fact]
    public void Manifest_coverage_says_which_kinds_the_input_held()
    {
        var data = Read("dumps/kubectl-get-all.yaml");
        Assert.Equal(CoverageStatus.Read, data.Coverage.Single(c => c.Kind == "Deployment").Status);
        Assert.Equal(1, data.Coverage.Single(c => c.Kind == "NetworkPolicy" && c.ApiVersion == "networking.k8s.io/v1").Count);
        Assert.Equal(CoverageStatus.NotInInput, data.Coverage.Single(c => c.Kind == "Pod").Status);
    }

    [Fact]
    public void An_object_given_twice_is_kept_once_with_a_warning_naming_where_the_first_is()
    {
        var data = Read("manifests/multi-doc.yaml", "tree/shop/namespace.yaml");
        Assert.Single(data.Objects, o => o.Key == "Namespace/shop");
        var warning = Assert.Single(data.Diagnostics, d => d.Severity == DiagnosticSeverity.Warning);
        Assert.Equal("DuplicateObject", warning.Code);
        Assert.Equal(TestPaths.Fixture("tree", "shop", "namespace.yaml"), warning.File);
        Assert.Contains($"first in {TestPaths.Fixture("manifests", "multi-doc.yaml")}:2:1", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_utf16_file_with_a_byte_order_mark_as_windows_powershell_writes_it_is_read()
    {
        Assert.Equal(new byte[] { 0xFF, 0xFE }, File.ReadAllBytes(TestPaths.Fixture("manifests", "utf16.yaml"))[..2]);
        var data = Read("manifests/utf16.yaml");
        AssertNoProblems(data);
        Assert.Equal("desktop", Assert.Single(data.Objects).As<V1Namespace>()!.Metadata.Labels["team"]);
    }

    [Fact]
    public void A_folder_without_manifests_is_warned_about()
    {
        var data = Read("empty-folder");
        Assert.Empty(data.Objects);
        var warning = Assert.Single(data.Diagnostics);
        Assert.Equal((DiagnosticSeverity.Warning, "NoManifests"), (warning.Severity, warning.Code));
        Assert.Equal(TestPaths.Fixture("empty-folder"), warning.File);
    }

    [Fact]
    public void A_saved_snapshot_among_other_paths_is_refused_clearly()
    {
        var paths = new[] { TestPaths.Fixture("manifests", "single.yaml"), Path.Combine(Path.GetTempPath(), "saved.json.gz") };
        var ex = Assert.Throws<InvalidDataException>(() => SnapshotSources.FromPaths(paths, new CollectingSink(), CancellationToken.None));
        Assert.Contains("saved.json.gz is a saved snapshot, which is read on its own", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_with_tab_indentation_and_every_string_escape_reads_as_a_json_parser_reads_it()
    {
        var path = TestPaths.Fixture("manifests", "escapes.json");
        var data = Read("manifests/escapes.json");
        AssertNoProblems(data);
        var expected = System.Text.Json.JsonDocument.Parse(File.ReadAllText(path)).RootElement.GetProperty("metadata").GetProperty("annotations");
        var actual = Assert.Single(data.Objects).As<V1Namespace>()!.Metadata.Annotations;
        Assert.Equal(expected.GetProperty("url").GetString(), actual["url"]);
        Assert.Equal("https://example.com/a", actual["url"]);
        Assert.Equal(expected.GetProperty("text").GetString(), actual["text"]);
        Assert.Equal(string.Empty, actual["empty"]);
    }
}
