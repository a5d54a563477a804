using NetSecPS.Core.Checks;
using NetSecPS.Core.Checks.Support;
using NetSecPS.Core.Connectivity;

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
        Assert.Equal(covered, IpSet.Of(new[] { AddressSpace.Parse(network) }).Subtract(parts.Select(AddressSpace.Parse)).IsEmpty);

    [Fact]
    public void Malformed_cidrs_are_not_networks()
    {
        Assert.False(IpRange.TryParseCidr("10.0.0.0/33", out _, out _));
        Assert.False(IpRange.TryParseCidr("ten.0.0.0/8", out _, out _));
        Assert.True(IpRange.TryParseAddress("169.254.169.254", out var metadata));
        Assert.Equal(metadata.First, metadata.Last);
    }

    [Theory]
    [InlineData("8.8.8.8-8.8.8.8[External]", true)]
    [InlineData("0.0.0.0-255.255.255.255[External]", true)]
    [InlineData("10.0.0.0-10.255.255.255[External]", false)]
    [InlineData("100.64.0.0-100.127.255.255[External]", false)]
    [InlineData("169.254.169.254-169.254.169.254[External]", false)]
    [InlineData("fd00::-fd00::ffff[External]", false)]
    [InlineData("2001:db8::/32[External]", true)]
    public void One_definition_of_the_internet_serves_checks_and_drift(string peer, bool internet)
    {
        Assert.True(IpRange.TryParsePeer(peer, out var range));
        Assert.Equal(internet, AddressSpace.ReachesInternet(range));
        Assert.Equal(internet, NetSecPS.Core.Baseline.DriftAnalyzer.IsInternet(peer));
    }

    [Fact]
    public void The_internal_ranges_a_wide_block_holds_are_named_and_excepted_ones_are_not()
    {
        var block = IpSet.Of(new[] { AddressSpace.Parse("0.0.0.0/0") }).Subtract(new[] { AddressSpace.Parse("10.0.0.0/8") });
        Assert.Equal(new[] { "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16" }, AddressSpace.RoutableInternalIn(block));
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
