using NetSecPS.Core.Connectivity;

namespace NetSecPS.Core.Tests.Nca;

/// <summary>The NCA comparison harness reads NCA's expected maps as NCA means them.</summary>
public class NcaHarnessTests
{
    private static readonly IReadOnlySet<string> NoNames = new HashSet<string>();

    private static Dictionary<string, string> Labels(params string[] pairs) =>
        pairs.Select(p => p.Split('=')).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);

    [Theory]
    [InlineData("app=web", "app=web", true)]
    [InlineData("app=web", "app=db", false)]
    [InlineData("app!=web", "", true)]
    [InlineData("app!=web", "app=web", false)]
    [InlineData("has(app)", "app=x", true)]
    [InlineData("!has(app)", "app=x", false)]
    [InlineData("app in (helm,vpn)", "app=vpn", true)]
    [InlineData("app in (helm,vpn)", "app=web", false)]
    [InlineData("app not in (helm,vpn)", "", true)]
    [InlineData("!has(app) or (has(app) and app!=kube-fluentd)", "app=kube-fluentd", false)]
    [InlineData("!has(app) or (has(app) and app!=kube-fluentd)", "app=other", true)]
    [InlineData("!has(app) or (has(app) and app!=kube-fluentd)", "tier=x", true)]
    [InlineData("(app=web and tier=front)", "app=web,tier=front", true)]
    [InlineData("has_named_port=dns-local", "has_named_port=dns-local", true)]
    public void Pod_groups_read_as_label_expressions_match_as_NCA_prints_them(string group, string labels, bool matches)
    {
        var l = labels.Length == 0 ? new Dictionary<string, string>() : Labels(labels.Split(','));
        Assert.Equal(matches, NcaPodGroup.Parse(group).Matches(l, NoNames));
    }

    [Fact]
    public void A_pod_group_that_is_not_an_expression_is_an_owner_or_pod_name()
    {
        var group = NcaPodGroup.Parse("calico-node");
        Assert.True(group.Matches(new Dictionary<string, string>(), new HashSet<string> { "calico-node-abc", "calico-node" }));
        Assert.False(group.Matches(new Dictionary<string, string>(), new HashSet<string> { "calico-node-abc" }));
        Assert.True(NcaPodGroup.Parse("*").Matches(new Dictionary<string, string>(), NoNames));
    }

    [Fact]
    public void Pod_lists_split_on_commas_outside_parentheses()
    {
        Assert.Equal(new[] { "a", "b-7694668c77", "app in (x,y)" }, NcaFwRules.SplitTopLevel("a, b-7694668c77, app in (x,y)"));
    }

    [Fact]
    public void Connections_read_all_protocols_ports_ICMP_and_complements()
    {
        Assert.Equal(ConnectionSet.All, NcaConnections.ParseText("All connections", null).Allowed);
        Assert.Equal(ConnectionSet.AllOf("TCP"), NcaConnections.ParseText("All connections", "TCP").Allowed);
        Assert.Equal(ConnectionSet.All.Subtract(ConnectionSet.AllOf("TCP")), NcaConnections.ParseText("All connections", "non-TCP").Allowed);
        Assert.Equal(ConnectionSet.All.Subtract(ConnectionSet.IpProtocol(136)), NcaConnections.ParseText("All but {protocols:UDPLite}", null).Allowed);
        Assert.Equal(ConnectionSet.Ports("TCP", 200, 250), NcaConnections.ParseText("{protocols:TCP,dst_ports:200-250}", null).Allowed);
        Assert.Equal(ConnectionSet.Ports("UDP", 1, 10052).Union(ConnectionSet.Ports("UDP", 10054, 65535)),
            NcaConnections.ParseText("{protocols:UDP,src_ports:80-100,dst_ports:1-10052,10054-65535}", null).Allowed);
        Assert.Equal(ConnectionSet.IcmpMessages(4, 100, 230), NcaConnections.ParseText("{protocols:ICMP,icmp_type:100,icmp_code:230}", null).Allowed);
        Assert.Equal(ConnectionSet.Ports("TCP", 8080, 8080), NcaConnections.ParseText("{dst_ports:8080}", "TCP").Allowed);
    }

    [Fact]
    public void L7_parts_restrict_an_L4_allow_and_are_kept_apart()
    {
        var c = NcaConnections.ParseText("{dst_ports:80,methods:GET,hosts:allowed-host.com,paths:all but /bad/path1, /bad/path3},{dst_ports:90,methods:GET, PUT}", "TCP");
        var expected = ConnectionSet.Port("TCP", 80).Union(ConnectionSet.Port("TCP", 90));
        Assert.Equal(expected, c.Allowed);
        Assert.Equal(expected, c.L7Restricted);
        Assert.Equal(new[] { "methods:GET,paths:all but /bad/path1, /bad/path3,hosts:allowed-host.com", "methods:GET, PUT" }, c.L7Texts);
    }

    [Fact]
    public void Text_sections_read_headers_address_sides_and_split_protocol_sections()
    {
        var sections = NcaFwRules.ReadText("""
            For connections of type TCP, final fw rules for query: q, config: c1:
            src: 0.0.0.0/0,::/0 dst_ns: [default,kube-system] dst_pods: [*] conn: All connections
            src_ns: [kube-system] src_pods: [!has(tier)] dst: 64.0.0.0-255.255.255.255 conn: {protocols:TCP}

            For connections of type non-TCP, final fw rules for query: q, config: c1:

            final fw rules for query: q, config: set/kube-system/policy-a:
            src_ns: [default] src_pods: [app=a] dst: www.slack.com conn: {dst_ports:443}
            """);
        Assert.Equal(3, sections.Count);
        Assert.Equal(("c1", "TCP"), (sections[0].Config, sections[0].Protocol));
        Assert.Equal("non-TCP", sections[1].Protocol);
        Assert.Empty(sections[1].Rules);
        Assert.Equal("set/kube-system/policy-a", sections[2].Config);
        var address = Assert.IsType<NcaSide.Addresses>(sections[0].Rules[0].Source);
        Assert.Equal(2, address.Set.Ranges.Count);
        var narrow = Assert.IsType<NcaSide.Addresses>(sections[0].Rules[1].Destination);
        Assert.Equal("64.0.0.0-255.255.255.255", narrow.Set.Ranges[0].ToString());
        Assert.Equal(new[] { "www.slack.com" }, Assert.IsType<NcaSide.DnsNames>(sections[2].Rules[0].Destination).Names);
    }

    [Fact]
    public void Yaml_explanations_read_as_the_text_form_does()
    {
        var sections = NcaFwRules.ReadYaml("""
            - query: q
              configs:
              - c
              numerical_result: 0
              explanation:
              - rules:
                - src_ip_block:
                  - 0.0.0.0/0
                  dst_ns:
                  - default
                  dst_pods:
                  - '*'
                  connection:
                  - All connections
                - src_ns:
                  - kube-system
                  src_pods:
                  - has_named_port=dns-local
                  dst_ns:
                  - kube-system
                  dst_pods:
                  - '*'
                  connection:
                  - protocols: UDP
                    src_ports:
                    - 80-100
                    dst_ports:
                    - 1-10052
                    - 10054-65535
                  - protocols: all but UDPLite
            """);
        var section = Assert.Single(sections);
        Assert.Equal(2, section.Rules.Count);
        Assert.Equal(ConnectionSet.All, section.Rules[0].Connections.Allowed);
        Assert.Equal(ConnectionSet.All.Subtract(ConnectionSet.IpProtocol(136)), section.Rules[1].Connections.Allowed);
    }

    [Fact]
    public void Configuration_references_name_one_policy_with_an_optional_type()
    {
        Assert.Null(NcaPolicySelection.Parse(null));
        Assert.Equal(new NcaPolicySelection(null, "kube-system", "p"), NcaPolicySelection.Parse("kube-system/p"));
        Assert.Equal(new NcaPolicySelection(null, null, "global-p"), NcaPolicySelection.Parse("global-p"));
        var typed = NcaPolicySelection.Parse("K8sNetworkPolicy/kube-system/p")!;
        Assert.Equal(("networking.k8s.io", "kube-system", "p"), (typed.Group, typed.Namespace, typed.Name));
    }

    /// <summary>
    /// The harness against NCA on a case NetSecPS evaluated before Calico: one Kubernetes
    /// NetworkPolicy selected out of a mixed configuration. Proves the reading of inputs, the
    /// expansion of both sides and the comparison agree where the engines agree.
    /// </summary>
    [ConformanceFact(NcaCase.Suite)]
    public void A_Kubernetes_NetworkPolicy_case_compares_equal_through_the_harness()
    {
        var ncaCase = NcaCase.Get("testcase25_mix_k8s_calico_connectivity_map_1");
        var results = NcaComparison.Run(ncaCase);
        Assert.NotEmpty(results);
        Assert.True(results.All(r => r.Differences.Count == 0 && r.Errors.Count == 0), NcaComparison.Describe(ncaCase, results));
    }

    /// <summary>The comparison is not vacuous: a changed expectation is reported as a difference.</summary>
    [ConformanceFact(NcaCase.Suite)]
    public void A_map_that_differs_from_NetSecPS_is_reported_pair_by_pair()
    {
        var ncaCase = NcaCase.Get("testcase25_mix_k8s_calico_connectivity_map_1");
        var file = ncaCase.ExpectedOutputs.Single();
        var sections = NcaFwRules.Read(file);
        var altered = sections.Select(s => s with { Rules = s.Rules.Where(r => !r.Text.Contains("dst_pods: [tier=frontend]", StringComparison.Ordinal)).ToList() }).ToList();
        var result = NcaComparison.RunConfig(ncaCase, Path.GetFileName(file), altered[0].Config, altered);
        Assert.NotEmpty(result.Differences);
        Assert.All(result.Differences, d => Assert.Contains("NCA No Connections; NetSecPS All Connections", d, StringComparison.Ordinal));
    }
}
