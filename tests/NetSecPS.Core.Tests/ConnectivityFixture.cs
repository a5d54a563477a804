using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Tests;

/// <summary>Builds the engine over manifests of tests/fixtures/connectivity and reads its answers back as connlist lines.</summary>
internal sealed class ConnectivityFixture
{
    public ConnectivityFixture(ConnectivityOptions? options, params string[] files)
    {
        var data = ManifestSource.Read(files.Select(f => TestPaths.Fixture("connectivity", f)));
        Assert.DoesNotContain(data.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Model = ClusterModel.Build(data);
        Engine = ConnectivityEngine.Build(Model, Sink, options);
    }

    public ConnectivityFixture(params string[] files)
        : this(null, files)
    {
    }

    public CollectingSink Sink { get; } = new();
    public ClusterModel Model { get; }
    public ConnectivityEngine Engine { get; }

    public IReadOnlyList<string> Lines => Engine.Flows.Select(f => f.ToString()).ToList();

    public Workload Workload(string peer) =>
        Model.Workloads.SingleOrDefault(w => w.Peer == peer) ?? throw new InvalidOperationException($"no workload {peer}; have {string.Join(", ", Model.Workloads.Select(w => w.Peer))}");

    /// <summary>The connlist text of what <paramref name="from"/> may open to <paramref name="to"/>, or "No Connections".</summary>
    public string Between(string from, string to) => Engine.Between(Workload(from), Workload(to)).ToString();

    public ConnectionVerdict Test(string from, string to, int port, string protocol = "TCP") =>
        Engine.Test(Engine.ResolveEndpoint(from), Engine.ResolveEndpoint(to), protocol, port);
}
