using NetSecPS.Core;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;
using NetSecPS.Core.Sources;

namespace NetSecPS.ClusterGenerator.Tests;

/// <summary>
/// A CNI variant of the generated cluster (<see cref="ClusterShape.Calico"/>, <see cref="ClusterShape.Cilium"/>):
/// its shape and the same plan with the policies the variant's replace. A further CNI adds one such
/// class and a test class deriving from <see cref="CniVariantTests{TVariant}"/> with what is its own.
/// </summary>
public abstract class CniVariant
{
    /// <summary>The CNI as <see cref="ClusterShape.ToString"/> names it: <c>Calico</c>, <c>Cilium</c>.</summary>
    internal abstract string Name { get; }

    /// <summary>The variant's shape: a small cluster with the CNI's flag set.</summary>
    internal abstract ClusterShape Shape { get; }

    /// <summary>How messages name the policies of <see cref="Reference"/>: <c>Kubernetes policies</c>.</summary>
    internal abstract string ReferenceName { get; }

    /// <summary>The same plan segmented with the policies the variant's replace.</summary>
    internal abstract SyntheticCluster Reference();
}

/// <summary>The variant written as YAML and read back, and its reference cluster (<see cref="CniVariant.Reference"/>).</summary>
public sealed class VariantCluster<TVariant> : IDisposable
    where TVariant : CniVariant, new()
{
    public VariantCluster()
    {
        Variant = new TVariant();
        var name = Variant.Name.ToLowerInvariant();
        Folder = Path.Combine(Path.GetTempPath(), $"netsecps-gen-{name}-{Guid.NewGuid():N}");
        ClusterOutput.WriteManifests(new SyntheticCluster(Variant.Shape), Path.Combine(Folder, name));
        ClusterOutput.WriteManifests(Variant.Reference(), Path.Combine(Folder, "reference"));
        Data = ManifestSource.Read(new[] { Path.Combine(Folder, name) });
        Reference = ManifestSource.Read(new[] { Path.Combine(Folder, "reference") });
    }

    public string Folder { get; }
    internal TVariant Variant { get; }
    internal ClusterData Data { get; }
    internal ClusterData Reference { get; }

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}

/// <summary>
/// What every CNI variant of the generated cluster must hold, so the benchmark measures the same
/// cluster segmented the CNI's way: its policies allow exactly what the policies they replace
/// allowed between workloads, the flow list agrees with the explainer, and its cache folder and
/// name are its own.
/// </summary>
public abstract class CniVariantTests<TVariant> : IClassFixture<VariantCluster<TVariant>>
    where TVariant : CniVariant, new()
{
    private readonly VariantCluster<TVariant> written;

    protected CniVariantTests(VariantCluster<TVariant> written) => this.written = written;

    private protected ClusterShape Shape => written.Variant.Shape;

    /// <summary>The variant as read from its YAML.</summary>
    private protected ClusterData Data => written.Data;

    /// <summary>The same plan with the policies the variant's replace.</summary>
    private protected ClusterData Reference => written.Reference;

    /// <summary>Endpoints on the nodes' network, as the CNI tells them apart (a host-network workload, <c>host/node</c>).</summary>
    private protected abstract IEnumerable<string> NodeEnds(ConnectivityEngine engine);

    /// <summary>What the variant asserts of its compiled policies beyond "no errors"; <paramref name="sink"/> holds the diagnostics.</summary>
    private protected virtual void CheckCompiled(ConnectivityEngine engine, CollectingSink sink)
    {
    }

    [Fact]
    public void The_variant_allows_exactly_what_the_policies_it_replaces_allowed_between_workloads()
    {
        var sink = new CollectingSink();
        var variant = ConnectivityEngine.Build(ClusterModel.Build(Data), sink);
        Assert.DoesNotContain(sink.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        CheckCompiled(variant, sink);
        var reference = ConnectivityEngine.Build(ClusterModel.Build(Reference));

        static Dictionary<(string, string), string> PodFlows(ConnectivityEngine e) =>
            e.Flows.Where(f => f.SourceKind == PeerKind.Workload && f.DestinationKind == PeerKind.Workload).ToDictionary(f => (f.Source, f.Destination), f => f.Connections);
        var a = PodFlows(variant);
        var b = PodFlows(reference);
        Assert.True(a.Count > 100, $"{a.Count} workload flows");
        Assert.True(a.Values.Distinct().Count() > 10, "the flows differ in their connections, so the comparison can tell rules apart");
        var name = written.Variant.Name;
        var differ = a.Keys.Union(b.Keys).Where(k => a.GetValueOrDefault(k) != b.GetValueOrDefault(k))
            .Select(k => $"{k.Item1} => {k.Item2}: {a.GetValueOrDefault(k) ?? "No Connections"} ({name}) vs {b.GetValueOrDefault(k) ?? "No Connections"} ({written.Variant.ReferenceName})").Take(10).ToList();
        Assert.True(differ.Count == 0, string.Join("\n", differ));
    }

    [Fact]
    public void The_flow_list_agrees_with_the_explainer_for_pods_the_nodes_network_and_external_addresses()
    {
        var engine = ConnectivityEngine.Build(ClusterModel.Build(Data));
        var workloads = engine.Model.Workloads.Where(w => engine.ClassesOf(w).Count > 0).Take(40).ToList();
        var ends = workloads.Select(w => w.Peer).Concat(NodeEnds(engine)).Concat(new[] { "1.1.1.1", "169.254.169.254", "10.0.0.10", "10.0.0.11" }).ToList();
        var checkedPairs = 0;
        foreach (var from in ends)
        {
            foreach (var to in ends.Where(t => t != from))
            {
                var source = engine.ResolveEndpoint(from);
                var target = engine.ResolveEndpoint(to);
                if ((source.Address is not null || source.Node is not null) && (target.Address is not null || target.Node is not null))
                {
                    continue;
                }

                var conns = engine.Between(source, target);
                foreach (var (protocol, port) in new[] { ("TCP", 443), ("TCP", 8080), ("UDP", 53), ("TCP", 5432), ("TCP", 9100), ("SCTP", 9999), ("ICMP", 8) })
                {
                    var verdict = engine.Test(source, target, protocol, port);
                    Assert.True(conns.Contains(protocol, port) == verdict.Allowed, $"{from} -> {to} {protocol} {port}: flows say {conns}, the explainer says {verdict.Explanation}");
                }

                checkedPairs++;
            }
        }

        Assert.True(checkedPairs > 1000, $"{checkedPairs} pairs");
    }

    [Fact]
    public void The_variant_has_its_own_cache_folder_and_name()
    {
        var name = written.Variant.Name;
        Assert.EndsWith("-" + name.ToLowerInvariant(), Shape.Id, StringComparison.Ordinal);
        Assert.NotEqual((Shape with { Calico = false, Cilium = false }).Id, Shape.Id);
        Assert.Contains(name, Shape.ToString(), StringComparison.Ordinal);
    }
}
