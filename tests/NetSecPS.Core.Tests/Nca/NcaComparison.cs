using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;

namespace NetSecPS.Core.Tests.Nca;

/// <summary>
/// Runs one NCA connectivity-map case: every configuration of every expected output file (yaml
/// and txt forms alike) is read into a snapshot, evaluated by the connectivity engine, and its
/// flows are compared as (source, destination, connections) sets with NCA's expected map.
/// </summary>
internal static class NcaComparison
{
    /// <summary>
    /// NCA's modelling: pods have no addresses (its pod lists carry none), so address rules
    /// (Calico <c>nets</c>) match external addresses only; NetSecPS evaluates them so with
    /// <see cref="ConnectivityOptions.AddressRulesMatchPods"/> off. Everything else is NetSecPS's default.
    /// </summary>
    public static ConnectivityOptions NcaModel { get; } = new() { AddressRulesMatchPods = false };

    public sealed record ConfigResult(string File, string Config, IReadOnlyList<string> Differences, IReadOnlyList<string> Errors, ConnectivityEngine Engine);

    /// <summary>
    /// Runs every configuration of the case but those skipped in tests/conformance-skips.txt as
    /// <c>nca/&lt;case&gt;:&lt;config&gt;</c> (a configuration that cannot pass, with its reason).
    /// </summary>
    public static IReadOnlyList<ConfigResult> Run(NcaCase ncaCase, ConnectivityOptions? options = null)
    {
        var skipped = ConformanceSkips.Under($"{NcaCase.Suite}/{ncaCase.Name}:").Keys.ToHashSet(StringComparer.Ordinal);
        var results = new List<ConfigResult>();
        foreach (var file in ncaCase.ExpectedOutputs)
        {
            var sections = NcaFwRules.Read(file);
            Assert.NotEmpty(sections);
            foreach (var group in sections.GroupBy(s => s.Config).Where(g => !skipped.Contains(g.Key)))
            {
                results.Add(RunConfig(ncaCase, Path.GetFileName(file), group.Key, group.ToList(), options));
            }
        }

        return results;
    }

    public static ConfigResult RunConfig(NcaCase ncaCase, string file, string configReference, IReadOnlyList<NcaSection> sections, ConnectivityOptions? options = null)
    {
        var data = NcaInputs.Read(ncaCase.Config(ncaCase.ResolveConfig(configReference)));
        var sink = new CollectingSink();
        var model = ClusterModel.Build(data);
        var engine = ConnectivityEngine.Build(model, sink, options ?? NcaModel);
        var hasIngressLayer = data.OfKind("Ingress", "networking.k8s.io").Any();
        var resolver = new NcaPeerResolver(model, engine, hasIngressLayer);
        var expected = ConnectivityMap.FromNca(sections, model, resolver);
        var actual = ConnectivityMap.FromEngine(engine, resolver);
        var errors = data.Diagnostics.Concat(sink.Diagnostics).Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()).ToList();
        return new ConfigResult(file, configReference, ConnectivityMap.Compare(expected, actual, ncaCase.IncludesIpv6), errors, engine);
    }

    /// <summary>A failure message listing every configuration that differs, with its differences and input errors.</summary>
    public static string Describe(NcaCase ncaCase, IEnumerable<ConfigResult> results) =>
        string.Join("\n", results.Where(r => r.Differences.Count > 0 || r.Errors.Count > 0).Select(r =>
            $"{ncaCase.Name} [{r.File}] config {r.Config}:\n  " + string.Join("\n  ", r.Errors.Select(e => "error: " + e).Concat(r.Differences.Take(40)))
            + (r.Differences.Count > 40 ? $"\n  ... {r.Differences.Count - 40} more" : string.Empty)));
}
