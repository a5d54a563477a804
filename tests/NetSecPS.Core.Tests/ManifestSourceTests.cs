using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Tests;

public class ManifestSourceTests
{
    private static ClusterData Read(params string[] files) => ManifestSource.Read(files.Select(f => TestPaths.Fixture("manifests", f)));

    [Fact]
    public void Multi_document_yaml_yields_every_object_with_the_line_it_starts_on()
    {
        var data = Read("multi-doc.yaml");
        Assert.Equal(new[] { "Namespace/shop", "Namespace/payments", "Deployment/shop/web" }, data.Objects.Select(o => o.Key));
        Assert.Equal(new[] { 2, 9, 14 }, data.Objects.Select(o => o.Source!.Line));
        Assert.DoesNotContain(data.Diagnostics, d => d.Severity != DiagnosticSeverity.Information);
    }

    [Fact]
    public void Malformed_yaml_is_an_error_with_file_line_and_column_and_other_files_are_still_read()
    {
        var data = Read("malformed.yaml", "multi-doc.yaml");
        var error = Assert.Single(data.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal("MalformedYaml", error.Code);
        Assert.EndsWith("malformed.yaml", error.File);
        Assert.Equal(7, error.Line);
        Assert.NotNull(error.Column);
        Assert.Equal(3, data.Objects.Count);
    }

    [Fact]
    public void A_json_file_that_is_not_a_kubernetes_object_is_skipped_with_a_warning_naming_it()
    {
        var data = Read("not-k8s.json", "multi-doc.yaml");
        var warning = Assert.Single(data.Diagnostics, d => d.Severity == DiagnosticSeverity.Warning);
        Assert.Equal("NotKubernetesObject", warning.Code);
        Assert.EndsWith("not-k8s.json", warning.File);
        Assert.Contains("not-k8s.json", warning.ToString());
    }

    [Fact]
    public void A_list_is_unwrapped_and_secret_values_are_dropped()
    {
        var data = Read("list.json");
        Assert.Equal(new[] { "Service/shop/web", "Secret/payments/db-password" }, data.Objects.Select(o => o.Key));
        var secret = data.Objects.Single(o => o.Kind == "Secret");
        Assert.Null(secret.Raw!["data"]);
        Assert.DoesNotContain("c3VwZXItc2VjcmV0", secret.Raw.ToJsonString());
    }

    [Fact]
    public void Provenance_records_each_input_with_its_sha256()
    {
        var data = Read("multi-doc.yaml", "list.json");
        Assert.Equal(2, data.Provenance.Inputs.Count);
        var expected = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(TestPaths.Fixture("manifests", "list.json")))).ToLowerInvariant();
        Assert.Contains(data.Provenance.Inputs, i => i.Path.EndsWith("list.json", StringComparison.Ordinal) && i.Sha256 == expected);
    }
}
