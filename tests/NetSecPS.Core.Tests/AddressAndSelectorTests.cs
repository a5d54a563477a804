using NetSecPS.Core.Connectivity;

namespace NetSecPS.Core.Tests;

public class AddressAndSelectorTests
{
    [Fact]
    public void Cidrs_cut_the_space_at_their_boundaries_and_ipv6_appears_only_when_used()
    {
        Assert.True(IpRange.TryParseCidr("10.0.0.0/8", out var ten, out _));
        Assert.True(IpRange.TryParseCidr("10.1.0.0/16", out var tenOne, out _));
        Assert.Equal(new[] { "0.0.0.0-9.255.255.255", "10.0.0.0-10.0.255.255", "10.1.0.0-10.1.255.255", "10.2.0.0-10.255.255.255", "11.0.0.0-255.255.255.255" },
            IpSet.Cut(new[] { ten, tenOne }).Select(r => r.ToString()));

        Assert.True(IpRange.TryParseCidr("fd00::/8", out var ula, out var prefix));
        Assert.Equal(8, prefix);
        Assert.Equal(new[] { "0.0.0.0-255.255.255.255", "::-fcff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fd00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fe00::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" },
            IpSet.Cut(new[] { ula }).Select(r => r.ToString()));
    }

    [Fact]
    public void A_cidr_with_host_bits_is_masked_and_a_bad_one_is_refused()
    {
        Assert.True(IpRange.TryParseCidr("192.168.1.77/24", out var r, out _));
        Assert.Equal("192.168.1.0-192.168.1.255", r.ToString());
        Assert.False(IpRange.TryParseCidr("10.0.0.0/33", out _, out _));
        Assert.False(IpRange.TryParseCidr("10.0.0/8x", out _, out _));
        Assert.False(IpRange.TryParseCidr("10.0.0.1", out _, out _));
    }

    [Fact]
    public void An_except_removes_addresses_and_containment_is_by_whole_range()
    {
        Assert.True(IpRange.TryParseCidr("10.0.0.0/8", out var ten, out _));
        Assert.True(IpRange.TryParseCidr("10.1.0.0/16", out var hole, out _));
        var set = IpSet.Of(new[] { ten }).Subtract(new[] { hole });
        Assert.Equal("10.0.0.0-10.0.255.255,10.2.0.0-10.255.255.255", set.ToString());
        Assert.True(IpRange.TryParseAddress("10.0.0.1", out var inside));
        Assert.True(IpRange.TryParseAddress("10.1.0.1", out var excepted));
        Assert.True(set.Contains(inside));
        Assert.False(set.Contains(excepted));
    }

    [Theory]
    [InlineData("In", new string[0], "needs at least one value")]
    [InlineData("Exists", new[] { "x" }, "takes no values")]
    [InlineData("Equals", new[] { "x" }, "not a valid selector operator")]
    public void Invalid_match_expressions_are_refused_with_the_reason(string op, string[] values, string reason)
    {
        var selector = new k8s.Models.V1LabelSelector
        {
            MatchExpressions = new List<k8s.Models.V1LabelSelectorRequirement> { new() { Key = "app", OperatorProperty = op, Values = values } },
        };
        LabelSelector.Parse(selector, out var error);
        Assert.NotNull(error);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void NotIn_matches_pods_without_the_label_and_equal_selectors_share_a_canonical_form()
    {
        var notIn = LabelSelector.Parse(System.Text.Json.Nodes.JsonNode.Parse("""{"matchExpressions":[{"key":"tier","operator":"NotIn","values":["db"]}]}"""), out var e1);
        Assert.Null(e1);
        Assert.True(notIn.Matches(new Dictionary<string, string> { ["app"] = "web" }));
        Assert.False(notIn.Matches(new Dictionary<string, string> { ["tier"] = "db" }));
        var a = LabelSelector.Parse(System.Text.Json.Nodes.JsonNode.Parse("""{"matchLabels":{"a":"1","b":"2"}}"""), out _);
        var b = LabelSelector.Parse(System.Text.Json.Nodes.JsonNode.Parse("""{"matchLabels":{"b":"2","a":"1"}}"""), out _);
        Assert.Equal(a.Canonical, b.Canonical);
    }

    [Theory]
    [InlineData("All Connections")]
    [InlineData("No Connections")]
    [InlineData("SCTP 1-9002,9004-65535,TCP 80,UDP 53")]
    [InlineData("TCP 10053-10054,UDP 10053")]
    public void Connlist_connection_text_reads_back_to_the_same_set(string text)
    {
        Assert.True(ConnectionSet.TryParse(text, out var set));
        Assert.Equal(text, set.ToString());
    }

    [Theory]
    [InlineData("ICMP 256")]
    [InlineData("TCP 0")]
    [InlineData("80")]
    [InlineData("TCP 90-80")]
    [InlineData("GRE 1")]
    [InlineData("protocols")]
    public void Malformed_connection_text_is_refused(string text) => Assert.False(ConnectionSet.TryParse(text, out _));

    [Theory]
    [InlineData("ICMP", "ICMP", 8, true)]
    [InlineData("ICMP 8", "ICMP", 8, true)]
    [InlineData("ICMP 8", "ICMP", 0, false)]
    [InlineData("ICMP 8/0,TCP 80", "TCP", 80, true)]
    [InlineData("ICMPv6 128", "ICMPv6", 128, true)]
    [InlineData("TCP", "TCP", 65535, true)]
    [InlineData("TCP 80,protocols 47", "47", 0, true)]
    [InlineData("TCP 80,other protocols", "50", 0, true)]
    [InlineData("TCP 80", "ICMP", 8, false)]
    public void Icmp_and_protocols_by_number_read_back_as_connections(string text, string protocol, int portOrType, bool contained)
    {
        Assert.True(ConnectionSet.TryParse(text, out var set));
        Assert.Equal(contained, set.Contains(protocol, portOrType));
    }

    [Fact]
    public void Texts_list_other_protocols_only_where_a_set_holds_them_in_part()
    {
        // A NetworkPolicy rule with ports admits only those ports; one without ports admits every protocol.
        var tcp80 = ConnectionSet.Port("TCP", 80);
        Assert.Equal("TCP 80", tcp80.ToString());
        Assert.Equal("All Connections", ConnectionSet.All.ToString());
        Assert.Equal("SCTP 1-65535,TCP 1-79,81-65535,UDP 1-65535", ConnectionSet.All.Subtract(tcp80).ToString());
        Assert.Equal("ICMP,ICMPv6,SCTP 1-65535,TCP 1-79,81-65535,UDP 1-65535,other protocols", ConnectionSet.All.Subtract(tcp80).Format(nonPortProtocols: true));

        // Calico and Cilium rules name ICMP messages: those sets always say so.
        var ping = ConnectionSet.IcmpMessages(4, 8, 0).Union(tcp80);
        Assert.Equal("ICMP 8/0,TCP 80", ping.ToString());
        Assert.Equal("ICMP 0,8,TCP 80", ConnectionSet.IcmpMessages(4, 0, null).Union(ConnectionSet.IcmpMessages(4, 8, null)).Union(tcp80).ToString());
        Assert.True(ConnectionSet.TryParse(ping.ToString(), out var back));
        Assert.Equal(ping, back);
        Assert.Equal("All Connections", ConnectionSet.All.Subtract(ConnectionSet.NonPortProtocols).Format(nonPortProtocols: false));
    }
}
