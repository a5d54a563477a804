using NetSecPS.Core.Connectivity;

namespace NetSecPS.Core.Tests;

/// <summary>
/// The policy model's semantics beyond the conformance data: ClusterNetworkPolicy and
/// AdminNetworkPolicy in one Admin tier, networks peers that match pod addresses, verdicts that
/// depend on unknown pod addresses, and netpol-analyzer's reading of IPv6 blocks.
/// </summary>
public class PolicyModelTests
{
    [Fact]
    public void A_deny_to_every_network_also_denies_pod_to_pod_traffic_after_an_earlier_accept()
    {
        var f = new ConnectivityFixture("cluster-network-policy/networks-match-pods.yaml");
        Assert.Equal("UDP 53", f.Between("lab/sandbox[Pod]", "kube-system/coredns[Pod]"));
        Assert.Equal("No Connections", f.Between("lab/sandbox[Pod]", "tools/debug[Pod]"));
        Assert.DoesNotContain(f.Lines, l => l.StartsWith("lab/sandbox[Pod] => ", StringComparison.Ordinal) && l.Contains("[External]", StringComparison.Ordinal));

        var v = f.Test("lab/sandbox", "tools/debug", 80);
        Assert.False(v.Allowed);
        Assert.Equal("ClusterNetworkPolicy", v.PolicyKind);
        Assert.Equal("everything-else", v.Rule);
        Assert.Equal(RuleAction.Deny, v.Action);
    }

    [Fact]
    public void With_netpol_analyzer_semantics_networks_match_only_external_addresses()
    {
        var f = new ConnectivityFixture(ConnectivityOptions.NetpolAnalyzerCompatible, "cluster-network-policy/networks-match-pods.yaml");
        Assert.Equal("All Connections", f.Between("lab/sandbox[Pod]", "tools/debug[Pod]"));
        Assert.Equal("All Connections", f.Between("lab/sandbox[Pod]", "kube-system/coredns[Pod]"));
        Assert.DoesNotContain(f.Lines, l => l.StartsWith("lab/sandbox[Pod] => ", StringComparison.Ordinal) && l.Contains("[External]", StringComparison.Ordinal));
    }

    [Fact]
    public void AdminNetworkPolicy_and_ClusterNetworkPolicy_share_the_admin_tier_before_the_baseline()
    {
        var f = new ConnectivityFixture("cluster-network-policy/networks-match-pods.yaml");
        Assert.Equal("All Connections", f.Between("tools/debug[Pod]", "vault/secrets[Pod]"));
        Assert.Equal("No Connections", f.Between("kube-system/coredns[Pod]", "vault/secrets[Pod]"));

        var accepted = f.Test("tools/debug", "vault/secrets", 8200);
        Assert.True(accepted.Allowed);
        Assert.Equal("AdminNetworkPolicy", accepted.PolicyKind);
        Assert.Equal("Admin", accepted.Tier);

        var denied = f.Test("kube-system/coredns", "vault/secrets", 8200);
        Assert.False(denied.Allowed);
        Assert.Equal("ClusterNetworkPolicy", denied.PolicyKind);
        Assert.Equal("Baseline", denied.Tier);
        Assert.Contains("ClusterNetworkPolicy vault-closed (Baseline tier, priority 50)", denied.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_narrow_network_matches_the_pods_whose_address_it_holds_and_says_when_an_address_is_unknown()
    {
        var f = new ConnectivityFixture("cluster-network-policy/narrow-networks.yaml");
        Assert.Equal("No Connections", f.Between("app/client[Pod]", "app/api-1[Pod]"));
        Assert.Equal("All Connections", f.Between("app/client[Pod]", "app/api-2[Pod]"));
        Assert.Equal("All Connections", f.Between("app/client[Pod]", "app/db[Pod]"));

        Assert.Empty(f.Test("app/client", "app/api-2", 8080).Undecided);
        var unknown = f.Test("app/client", "app/db", 5432);
        Assert.True(unknown.Allowed);
        var note = Assert.Single(unknown.Undecided);
        Assert.Contains("depends on app/db[Pod]'s pod address", note, StringComparison.Ordinal);
        Assert.Contains("not decidable statically", unknown.Explanation, StringComparison.Ordinal);
        Assert.Contains(f.Engine.Undecided, u => u.Contains("10.0.5.0/24", StringComparison.Ordinal));
    }

    [Fact]
    public void A_scan_says_what_it_could_not_decide_and_the_cmdlets_are_warned()
    {
        var data = NetSecPS.Core.Sources.ManifestSource.Read(new[] { TestPaths.Fixture("connectivity", "cluster-network-policy", "narrow-networks.yaml") });
        var sink = new CollectingSink();
        var scan = NetSecPS.Core.Scanning.Scanner.Run(data, new NetSecPS.Core.Scanning.ScanOptions { Now = DateTimeOffset.UnixEpoch }, sink);
        var note = Assert.Single(scan.Undecided);
        Assert.Contains("ClusterNetworkPolicy deny-to-subnet egress rule 'subnet-5'", note, StringComparison.Ordinal);
        Assert.Contains(sink.Warnings, w => w.StartsWith("Not decidable statically:", StringComparison.Ordinal) && w.Contains("10.0.5.0/24", StringComparison.Ordinal));
    }

    [Fact]
    public void IPv6_blocks_are_IPv6_ranges_by_default()
    {
        var f = new ConnectivityFixture("cluster-network-policy/ipv6-blocks.yaml");
        Assert.Contains("edge/proxy[Pod] => 2001:db8::-2001:db8:ffff:ffff:ffff:ffff:ffff:ffff[External] : All Connections", f.Lines);
        Assert.Contains("edge/proxy[Pod] => ::-2001:db7:ffff:ffff:ffff:ffff:ffff:ffff[External] : TCP 443", f.Lines);
        var egress = f.Lines.Where(l => l.StartsWith("edge/proxy[Pod] => ", StringComparison.Ordinal)).ToList();
        Assert.DoesNotContain(egress, l => l.Contains("fd00::", StringComparison.Ordinal));
        Assert.DoesNotContain(egress, l => l.Contains("0.0.0.0", StringComparison.Ordinal));
    }

    [Fact]
    public void Netpol_analyzer_semantics_read_IPv6_blocks_by_their_first_32_bits_as_netpol_analyzer_does()
    {
        var f = new ConnectivityFixture(ConnectivityOptions.NetpolAnalyzerCompatible, "cluster-network-policy/ipv6-blocks.yaml");
        Assert.Equal(new[]
        {
            "edge/proxy[Pod] => 0.0.0.0-32.1.13.183[External] : TCP 443",
            "edge/proxy[Pod] => 254.0.0.0-255.255.255.255[External] : TCP 443",
            "edge/proxy[Pod] => 32.1.13.184-32.1.13.184[External] : All Connections",
            "edge/proxy[Pod] => 32.1.13.185-252.255.255.255[External] : TCP 443",
        }, f.Lines.Where(l => l.StartsWith("edge/proxy", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
    }
}
