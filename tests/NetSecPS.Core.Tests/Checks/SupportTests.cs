using NetSecPS.Core.Checks;
using NetSecPS.Core.Checks.Support;

namespace NetSecPS.Core.Tests.Checks;

/// <summary>The small pieces the checks decide with: CIDR coverage, selectors, wildcards, image names, the support table.</summary>
public class SupportTests
{
    [Theory]
    [InlineData("0.0.0.0/0", new[] { "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16" }, false)]
    [InlineData("10.0.0.0/8", new[] { "10.0.0.0/9", "10.128.0.0/9" }, true)]
    [InlineData("10.0.0.0/8", new[] { "10.0.0.0/9", "10.128.0.0/10" }, false)]
    [InlineData("172.16.0.0/12", new[] { "0.0.0.0/0" }, true)]
    [InlineData("fc00::/7", new[] { "fc00::/8", "fd00::/8" }, true)]
    public void A_network_is_covered_only_when_its_parts_leave_no_gap(string network, string[] parts, bool covered) =>
        Assert.Equal(covered, Cidr.Parse(network)!.IsCoveredBy(parts.Select(p => Cidr.Parse(p)!)));

    [Fact]
    public void Malformed_cidrs_are_not_networks()
    {
        Assert.Null(Cidr.Parse("10.0.0.0/33"));
        Assert.Null(Cidr.Parse("ten.0.0.0/8"));
        Assert.Equal(32, Cidr.Parse("169.254.169.254")!.PrefixLength);
    }

    [Fact]
    public void Selectors_apply_match_labels_and_every_expression_operator()
    {
        var labels = new Dictionary<string, string> { ["app"] = "web", ["tier"] = "front" };
        var json = System.Text.Json.Nodes.JsonNode.Parse("""
            {"matchLabels": {"app": "web"}, "matchExpressions": [
              {"key": "tier", "operator": "In", "values": ["front", "edge"]},
              {"key": "env", "operator": "DoesNotExist"},
              {"key": "app", "operator": "Exists"},
              {"key": "team", "operator": "NotIn", "values": ["x"]}]}
            """);
        Assert.True(LabelSelector.From(json).Matches(labels));
        Assert.False(LabelSelector.From(json).Matches(new Dictionary<string, string> { ["app"] = "web", ["tier"] = "back" }));
        var bogus = System.Text.Json.Nodes.JsonNode.Parse("""{"matchExpressions": [{"key": "a", "operator": "Sometimes"}]}""");
        Assert.False(LabelSelector.From(bogus).Matches(labels));
        Assert.True(LabelSelector.Everything.Matches(labels));
    }

    [Theory]
    [InlineData("NP-001", "NP-*", true)]
    [InlineData("np-001", "NP-00?", true)]
    [InlineData("MESH-001", "*-001", true)]
    [InlineData("NP-010", "NP-00?", false)]
    [InlineData("Service/edge/storefront", "Service/edge/store*", true)]
    [InlineData("Service/edge/admin", "Service/*/store*", false)]
    public void Wildcards_match_as_powershell_users_expect(string text, string pattern, bool expected) =>
        Assert.Equal(expected, Wildcard.IsMatch(text, pattern));

    [Theory]
    [InlineData("docker.io/bitnami/postgresql:15.4.0@sha256:abc", "postgresql")]
    [InlineData("redis", "redis")]
    [InlineData("registry:5000/team/Redis_Exporter:v1", "redis_exporter")]
    public void Image_names_drop_registry_path_tag_and_digest(string image, string name) => Assert.Equal(name, WorkloadTraits.ImageName(image));

    [Fact]
    public void The_support_table_knows_every_release_from_1_16_and_treats_older_ones_as_ended()
    {
        var table = KubernetesSupport.Load();
        Assert.Equal(new DateOnly(2025, 7, 15), table.EndOfLife(1, 30));
        Assert.Equal(DateOnly.MinValue, table.EndOfLife(1, 9));
        Assert.Null(table.EndOfLife(1, 99));
        Assert.Equal((1, 29), KubernetesSupport.ParseVersion("v1.29.3-eks-5e0fdde"));
        Assert.True(table.Releases.Zip(table.Releases.Skip(1)).All(p => p.First.EndOfLife < p.Second.EndOfLife), "later releases end later");
    }
}
