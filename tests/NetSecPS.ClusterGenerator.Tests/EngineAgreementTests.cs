using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;

namespace NetSecPS.ClusterGenerator.Tests;

/// <summary>
/// On a generated cluster with every policy feature (admin Allow/Deny/Pass, baseline, default
/// deny, named ports, endPort, ipBlocks with excepts, ClusterNetworkPolicies of both tiers with
/// networks rules that match pods by address), the flow list the engine computes from its
/// compact rows, the pairwise query and the rule-by-rule explainer agree on every workload pair
/// and every external range: what a connlist says is what <c>Test-NetSecConnection</c> says.
/// </summary>
public sealed class EngineAgreementTests : IClassFixture<GeneratorTests.Written>
{
    private readonly ClusterModel model;
    private readonly ConnectivityEngine engine;

    public EngineAgreementTests(GeneratorTests.Written written)
    {
        model = written.Model;
        engine = ConnectivityEngine.Build(model);
    }

    private IEnumerable<Workload> WithPods => model.Workloads.Where(w => engine.ClassesOf(w).Count > 0);

    [Fact]
    public void Every_workload_pair_in_the_flow_list_is_what_the_pairwise_query_and_the_explainer_say()
    {
        var listed = engine.Flows.Where(f => f.DestinationKind == PeerKind.Workload && f.SourceKind == PeerKind.Workload)
            .ToDictionary(f => (f.Source, f.Destination), f => f.Connections);
        Assert.NotEmpty(listed);
        var denied = 0;
        foreach (var from in WithPods)
        {
            var source = engine.ResolveEndpoint(from.Peer);
            foreach (var to in WithPods.Where(t => t != from))
            {
                var conns = engine.Between(from, to);
                Assert.Equal(conns.IsEmpty ? null : conns.ToString(), listed.GetValueOrDefault((from.Peer, to.Peer)));
                denied += conns.IsEmpty ? 1 : 0;

                // The first port of every allowed range, and ports no generated rule opens.
                var probes = ConnectionSet.Protocols.SelectMany(p => conns.RangesOf(p).Select(r => (p, r.From)))
                    .Concat(new[] { ("TCP", 22), ("UDP", 53), ("TCP", 5432) }).Distinct();
                var target = engine.ResolveEndpoint(to.Peer);
                foreach (var (protocol, port) in probes)
                {
                    var verdict = engine.Test(source, target, protocol, port);
                    Assert.True(conns.Contains(protocol, port) == verdict.Allowed,
                        $"{from.Peer} -> {to.Peer} {protocol} {port}: flows say {conns}, the explainer says {verdict.Explanation}");
                }
            }
        }

        Assert.True(denied > 0, "the generated cluster isolates some pairs");
    }

    [Fact]
    public void The_generated_cluster_exercises_cluster_network_policies_and_networks_that_match_pods()
    {
        var kinds = ((NetSecPS.Core.Connectivity.IConnectivityQuery)engine).Policies.Policies.Select(p => p.Kind).ToHashSet();
        Assert.Contains("ClusterNetworkPolicy", kinds);
        Assert.Contains("AdminNetworkPolicy", kinds);
        Assert.Contains("BaselineAdminNetworkPolicy", kinds);

        // Pods of node 1 of the first team's namespaces are matched by the narrow networks rule: their classes are apart from the others.
        var rule = ((NetSecPS.Core.Connectivity.IConnectivityQuery)engine).Policies.Rules.Single(r => r.Name == "deny-node-1-pods");
        Assert.True(rule.AddressesMatchPods);
        Assert.False(rule.Classes.IsEmpty);
        // Only pods without a known address (pending pods, templates of workloads without pods) depend on it.
        Assert.All(engine.Classes.Where(c => rule.AddressDependent?.Contains(c.Index) == true), c => Assert.All(c.Pods, p => Assert.Empty(p.IPs)));
        var matched = engine.Classes.Where(c => rule.Classes.Contains(c.Index) && !c.HostNetwork).ToList();
        Assert.All(matched, c => Assert.True(c.Pods.All(p => p.IPs[0].StartsWith("10.64.1.", StringComparison.Ordinal))));
    }

    [Fact]
    public void Flows_to_external_ranges_are_what_the_explainer_says_for_an_address_in_each_range()
    {
        var ranges = engine.ExternalDestinationRanges;
        Assert.True(ranges.Count > 3);
        var listed = engine.Flows.Where(f => f.DestinationKind == PeerKind.External)
            .ToDictionary(f => (f.Source, f.Destination), f => f.Connections);
        var allowed = 0;
        foreach (var from in WithPods)
        {
            var source = engine.ResolveEndpoint(from.Peer);
            foreach (var range in ranges)
            {
                var address = IpRange.Format(range.Family, range.First);
                var target = engine.ResolveEndpoint(address);
                var text = listed.GetValueOrDefault((from.Peer, range + "[External]"));
                var conns = text is null ? ConnectionSet.None : Parse(text);
                allowed += text is null ? 0 : 1;
                var probes = ConnectionSet.Protocols.SelectMany(p => conns.RangesOf(p).Select(r => (p, r.From))).Concat(new[] { ("TCP", 443), ("UDP", 53) }).Distinct();
                foreach (var (protocol, port) in probes)
                {
                    var verdict = engine.Test(source, target, protocol, port);
                    Assert.True(conns.Contains(protocol, port) == verdict.Allowed,
                        $"{from.Peer} -> {address} {protocol} {port}: flows say {text ?? "none"}, the explainer says {verdict.Explanation}");
                }
            }
        }

        Assert.True(allowed > 0, "some workloads reach external ranges");
    }

    private static ConnectionSet Parse(string text)
    {
        Assert.True(ConnectionSet.TryParse(text, out var set), text);
        return set;
    }
}
