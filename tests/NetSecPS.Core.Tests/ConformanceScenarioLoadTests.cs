using System.Text.RegularExpressions;
using NetSecPS.Core.Model;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Tests;

/// <summary>
/// Every scenario folder of the netpol-analyzer conformance data loads: objects counted, files
/// that are not Kubernetes objects warned about by name, nothing thrown, no error.
/// </summary>
public partial class ConformanceScenarioLoadTests
{
    public static TheoryData<string> Scenarios()
    {
        var data = new TheoryData<string>();
        foreach (var dir in Directory.EnumerateDirectories(Path.Combine(TestPaths.Conformance, "scenarios")).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(dir));
        }

        return data;
    }

    // A manifest names its kind; the analyzer's own outputs kept beside some scenarios do not.
    [GeneratedRegex("""(^|[\s{,"])"?kind"?\s*:""", RegexOptions.Multiline)]
    private static partial Regex KindKey();

    [ConformanceFact]
    public void The_conformance_data_is_there()
    {
        Assert.True(Directory.GetDirectories(Path.Combine(TestPaths.Conformance, "scenarios")).Length >= 90, $"expected the netpol-analyzer scenarios under {TestPaths.Conformance}");
    }

    [ConformanceTheory]
    [MemberData(nameof(Scenarios))]
    public void Scenario_loads(string scenario)
    {
        var dir = Path.Combine(TestPaths.Conformance, "scenarios", scenario);
        var data = ManifestSource.Read(new[] { dir });

        Assert.NotEmpty(data.Objects);
        Assert.DoesNotContain(data.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);

        var manifests = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetExtension(f) is ".yaml" or ".yml" or ".json").ToList();
        var notKubernetes = manifests.Where(f => !KindKey().IsMatch(File.ReadAllText(f))).Order(StringComparer.Ordinal).ToList();
        var warned = data.Diagnostics.Where(d => d.Code == "NotKubernetesObject").Select(d => d.File!).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(notKubernetes, warned);

        Assert.Equal(manifests.Count, data.Provenance.Inputs.Count);
        Assert.Equal(data.Objects.Count, data.KindCounts().Values.Sum());

        var model = ClusterModel.Build(data);
        Assert.NotEmpty(model.Namespaces);
    }

    [ConformanceFact]
    public void Scenarios_with_files_that_are_not_kubernetes_objects_exist_and_are_warned_about()
    {
        // Guards the theory above against an oracle that never finds such a file.
        var dir = Path.Combine(TestPaths.Conformance, "scenarios", "onlineboutique");
        var data = ManifestSource.Read(new[] { dir });
        var warning = Assert.Single(data.Diagnostics, d => d.Code == "NotKubernetesObject");
        Assert.Equal(Path.Combine(dir, "connlist_output.json"), warning.File);
    }

    [ConformanceFact]
    public void A_kubectl_dump_scenario_resolves_pods_to_their_owners()
    {
        var data = ManifestSource.Read(new[] { Path.Combine(TestPaths.Conformance, "scenarios", "onlineboutique") });
        var model = ClusterModel.Build(data);
        Assert.Contains(model.Workloads, w => w.Peer == "default/redis-cart-78746d49dc[ReplicaSet]");
        var expected = File.ReadAllLines(Path.Combine(TestPaths.Conformance, "expected", "connlist", "onlineboutique.txt"));
        var peersInGolden = expected.SelectMany(l => l.Split(" => ")).Select(p => p.Split(" : ")[0].Trim())
            .Where(p => !p.Contains("[External]", StringComparison.Ordinal) && !p.StartsWith('{')).Distinct().ToList();
        Assert.NotEmpty(peersInGolden);
        Assert.All(peersInGolden, p => Assert.Contains(model.Workloads, w => w.Peer == p));
    }
}
