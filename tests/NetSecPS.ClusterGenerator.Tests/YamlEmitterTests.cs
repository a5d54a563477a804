using System.Text.Json.Nodes;
using NetSecPS.Core.Sources;

namespace NetSecPS.ClusterGenerator.Tests;

public sealed class YamlEmitterTests
{
    [Theory]
    [InlineData("yes")]
    [InlineData("off")]
    [InlineData("1.20")]
    [InlineData("0x1F")]
    [InlineData("")]
    [InlineData("25%")]
    [InlineData("key: value")]
    [InlineData("#comment")]
    [InlineData("- item")]
    [InlineData("null")]
    [InlineData("multi\nline")]
    public void Strings_that_look_like_other_types_read_back_as_the_same_string(string text)
    {
        var doc = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = "c", ["annotations"] = new JsonObject { ["v"] = text } } };
        var file = Path.Combine(Path.GetTempPath(), "netsecps-yaml-" + Guid.NewGuid().ToString("N") + ".yaml");
        try
        {
            File.WriteAllText(file, YamlEmitter.ToYaml(doc));
            var read = ManifestSource.Read(new[] { file });
            Assert.Empty(read.Diagnostics);
            var ns = Assert.IsType<k8s.Models.V1Namespace>(read.Objects.Single().Typed);
            Assert.Equal(text, ns.Metadata.Annotations["v"]);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Plain_strings_stay_unquoted_as_kubectl_writes_them()
    {
        Assert.Equal("registry.example.com/shop/api:1.4.2", YamlEmitter.Scalar("registry.example.com/shop/api:1.4.2"));
        Assert.Equal("kubernetes.io/metadata.name", YamlEmitter.Scalar("kubernetes.io/metadata.name"));
        Assert.Equal("\"8080\"", YamlEmitter.Scalar("8080"));
    }
}
