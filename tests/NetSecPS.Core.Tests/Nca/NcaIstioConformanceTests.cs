using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;
using NetSecPS.Core.Policy;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Tests.Nca;

/// <summary>
/// Every Istio AuthorizationPolicy and Sidecar connectivity map of the network-config-analyzer
/// data (groups istio-authz and istio-sidecar) compared as (source, destination, connections) sets
/// through the NCA harness, with NCA's modelling of Istio: every pod runs a sidecar, PeerAuthentication
/// is ignored, pods have no addresses. Beyond the L4 sets, two parts NCA prints are compared too:
/// the L4 part of its L7-restricted connections (methods, paths, hosts) against each flow's
/// <see cref="Flow.L7Restricted"/>, and its DNS destinations (ServiceEntry hosts a Sidecar lets a
/// pod reach) against the hosts the mesh model reports. NCA does not model ServiceEntry ports
/// (its DNS rows read "All connections"), so DNS rows compare on TCP alone.
/// </summary>
public class NcaIstioConformanceTests
{
    internal static readonly ConnectivityOptions NcaIstio = new()
    {
        IstioEveryPodInMesh = true,
        IstioPeerAuthentication = false,
        AddressRulesMatchPods = false,
    };

    private static readonly string[] Groups = { "istio-authz", "istio-sidecar" };

    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        if (TestPaths.ConformanceSkipReason(NcaCase.Suite) is not null)
        {
            data.Add("(nca data absent)");
            return data;
        }

        var skipped = ConformanceSkips.Under(NcaCase.Suite + "/");
        foreach (var name in Groups.SelectMany(NcaCase.ConnectivityMapCases))
        {
            if (!skipped.ContainsKey(name))
            {
                data.Add(name);
            }
        }

        return data;
    }

    [ConformanceTheory(NcaCase.Suite)]
    [MemberData(nameof(CaseNames))]
    public void The_connectivity_map_equals_network_config_analyzers(string name)
    {
        var ncaCase = NcaCase.Get(name);
        var failures = new List<string>();
        var configs = 0;
        foreach (var file in ncaCase.ExpectedOutputs)
        {
            var read = NcaOtherOutputs.Handles(file)
                ? new[] { (Config: ncaCase.ConfigReferences.Single(), Sections: (Func<ClusterData, IReadOnlyList<NcaSection>>)(data => NcaOtherOutputs.Read(file, ncaCase.ConfigReferences.Single(), ClusterModel.Build(data)))) }
                : NcaFwRules.Read(file).GroupBy(s => s.Config).Select(g => (Config: g.Key, Sections: (Func<ClusterData, IReadOnlyList<NcaSection>>)(_ => g.ToList()))).ToArray();
            foreach (var group in read)
            {
                configs++;
                var differences = Compare(ncaCase, group.Config, group.Sections);
                if (differences.Count > 0)
                {
                    failures.Add($"[{Path.GetFileName(file)}] config {group.Config}:\n  " + string.Join("\n  ", differences.Take(40))
                        + (differences.Count > 40 ? $"\n  ... {differences.Count - 40} more" : string.Empty));
                }
            }
        }

        Assert.True(configs > 0, $"{name}: no configuration in its expected output");
        Assert.True(failures.Count == 0, $"{name}:\n" + string.Join("\n", failures));
    }

    [ConformanceFact(NcaCase.Suite)]
    public void Every_istio_case_runs_or_is_skipped_with_a_reason()
    {
        var cases = Groups.SelectMany(NcaCase.ConnectivityMapCases).ToList();
        Assert.True(cases.Count >= 29, $"expected the 29 istio-authz and istio-sidecar connectivity maps, found {cases.Count}");
        foreach (var (key, reason) in ConformanceSkips.Under(NcaCase.Suite + "/").Where(s => cases.Contains(s.Key)))
        {
            Assert.False(string.IsNullOrWhiteSpace(reason), $"{key} is skipped without a reason");
        }
    }

    /// <summary>The comparison is not vacuous: an L7 restriction NCA states and NetSecPS does not see is reported.</summary>
    [ConformanceFact(NcaCase.Suite)]
    public void A_missing_l7_restriction_is_reported()
    {
        var ncaCase = NcaCase.Get("istio-bookinfo-connectivity_test_methods_basic_1");
        var file = ncaCase.ExpectedOutputs.First();
        var sections = NcaFwRules.Read(file);
        var config = sections[0].Config;
        var unrestricted = sections.Select(s => s with
        {
            Rules = s.Rules.Select(r => r with { Connections = r.Connections with { L7Restricted = ConnectionSet.None } }).ToList(),
        }).ToList();
        Assert.Contains(Compare(ncaCase, config, _ => unrestricted), d => d.Contains("L7-restricted", StringComparison.Ordinal));
    }

    /// <summary>One configuration: L4 sets (the harness's comparison), then L7 restrictions and DNS destinations.</summary>
    internal static IReadOnlyList<string> Compare(NcaCase ncaCase, string configReference, Func<ClusterData, IReadOnlyList<NcaSection>> read)
    {
        var data = NcaInputs.Read(ncaCase.Config(ncaCase.ResolveConfig(configReference)));
        var sections = read(data);
        var sink = new CollectingSink();
        var model = ClusterModel.Build(data);
        var engine = ConnectivityEngine.Build(model, sink, NcaIstio);
        var hasIngressLayer = data.OfKind("Ingress", "networking.k8s.io").Any();
        // NCA's Ingress layer restricts the pods of services named like ingress-nginx (IngressPolicyYamlParser), not Istio's gateways.
        var resolver = new NcaPeerResolver(model, engine, hasIngressLayer, w => w.Namespace.Contains("ingress-nginx", StringComparison.Ordinal) || w.Name.Contains("ingress-nginx", StringComparison.Ordinal));
        var expected = ConnectivityMap.FromNca(sections, model, resolver);
        var actual = ConnectivityMap.FromEngine(engine, resolver);
        AddHostEgress(engine, actual);
        var differences = data.Diagnostics.Concat(sink.Diagnostics).Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => "error: " + d).ToList();
        differences.AddRange(ConnectivityMap.Compare(expected, actual, ncaCase.IncludesIpv6));
        differences.AddRange(CompareL7(NcaL7(sections, resolver, engine.ExternalSourceRanges), engine));
        return differences;
    }

    /// <summary>
    /// The L4 part of what NCA allows only for some requests, per pair: restricted by some rule and
    /// not allowed outright by another (NCA's rules overlap: a pair may be covered both ways).
    /// </summary>
    private static Dictionary<(string, string), ConnectionSet> NcaL7(IEnumerable<NcaSection> sections, NcaPeerResolver resolver, IReadOnlyList<IpRange> externalSources)
    {
        var restricted = new Dictionary<(string, string), ConnectionSet>();
        var outright = new Dictionary<(string, string), ConnectionSet>();
        void Put(Dictionary<(string, string), ConnectionSet> map, (string, string) key, ConnectionSet c) =>
            map[key] = map.TryGetValue(key, out var x) ? x.Union(c) : c;
        foreach (var rule in sections.SelectMany(s => s.Rules))
        {
            if (rule.Destination is not (NcaSide.Pods or NcaSide.PodNames))
            {
                continue;
            }

            // The ingress controller's L7 parts come from Ingress paths (NCA's Ingress layer), which NetSecPS's exposure does not model as L7.
            var sources = rule.Source is NcaSide.Addresses a
                ? externalSources.Where(r => a.Set.Contains(r)).Select(r => r.ToPeerName()).ToList()
                : resolver.SourcePeers(rule.Source).Where(p => p != MapPeer.IngressController).Select(p => p.Name).ToList();
            var l7 = rule.Connections.L7Restricted;
            var plain = rule.Connections.Allowed.Subtract(l7);
            foreach (var d in resolver.Pods(rule.Destination).Select(p => p.Workload.Peer).Distinct())
            {
                foreach (var s in sources.Where(s => s != d))
                {
                    Put(restricted, (s, d), l7);
                    Put(outright, (s, d), plain);
                }
            }
        }

        return restricted.Select(kv => (kv.Key, Set: kv.Value.Subtract(outright.GetValueOrDefault(kv.Key) ?? ConnectionSet.None)))
            .Where(x => !x.Set.IsEmpty).ToDictionary(x => x.Key, x => x.Set);
    }

    /// <summary>The DNS hosts the mesh lets each workload reach, as NCA's DNS rows name them.</summary>
    private static void AddHostEgress(ConnectivityEngine engine, ConnectivityMap map)
    {
        var policies = ((IConnectivityQuery)engine).Policies;
        foreach (var egress in policies.Mesh?.HostEgress ?? new List<MeshHostEgress>())
        {
            foreach (var w in policies.WorkloadsIn(egress.Sources))
            {
                map.Add(MapPeer.Workload(w), MapPeer.Dns(egress.Host), ConnectionSet.AllOf("TCP"));
            }
        }
    }

    private static IEnumerable<string> CompareL7(Dictionary<(string, string), ConnectionSet> nca, ConnectivityEngine engine)
    {
        var actual = new Dictionary<(string, string), ConnectionSet>();
        foreach (var f in engine.Flows.Where(f => f.L7Restricted is not null))
        {
            Assert.True(ConnectionSet.TryParse(f.L7Restricted, out var set), f.L7Restricted);
            actual[(f.Source, f.Destination)] = set;
        }

        foreach (var key in nca.Keys.Union(actual.Keys).OrderBy(k => k.Item1, StringComparer.Ordinal).ThenBy(k => k.Item2, StringComparer.Ordinal))
        {
            var x = nca.GetValueOrDefault(key) ?? ConnectionSet.None;
            var y = actual.GetValueOrDefault(key) ?? ConnectionSet.None;
            if (!x.Equals(y))
            {
                yield return $"{key.Item1} => {key.Item2}: L7-restricted NCA {(x.IsEmpty ? "none" : x.Format(true))}; NetSecPS {(y.IsEmpty ? "none" : y.Format(true))}";
            }
        }
    }
}
