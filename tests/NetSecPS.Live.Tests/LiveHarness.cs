using NetSecPS.Core;
using NetSecPS.Core.Sources;
using NetSecPS.Core.Sources.Live;
using NetSecPS.FakeApiServer;

namespace NetSecPS.Live.Tests;

/// <summary>A fake API server serving a fixture folder, a kubeconfig for it, and a sink that keeps every message.</summary>
internal sealed class LiveHarness : IAsyncDisposable
{
    private LiveHarness(FakeApiServer.FakeApiServer server, string directory)
    {
        Server = server;
        Directory = directory;
        KubeconfigPath = server.WriteKubeconfig(Path.Combine(directory, "kubeconfig"));
    }

    public FakeApiServer.FakeApiServer Server { get; }
    public string Directory { get; }
    public string KubeconfigPath { get; }
    public CollectingSink Sink { get; } = new();

    /// <summary>Retries fast enough for tests, still bounded, still honouring Retry-After.</summary>
    public static RetryPolicy FastRetry { get; } = new()
    {
        BaseDelay = TimeSpan.FromMilliseconds(10),
        MaxDelay = TimeSpan.FromMilliseconds(80),
        MaxTotalDelay = TimeSpan.FromSeconds(10),
        RequestTimeout = TimeSpan.FromSeconds(30),
    };

    public static Task<LiveHarness> StartAsync(string fixture = "cluster", Func<FakeApiServerOptions, FakeApiServerOptions>? configure = null) =>
        StartAsync(new[] { TestPaths.Fixture("live", fixture) }, configure);

    public static async Task<LiveHarness> StartAsync(IReadOnlyList<string> manifestPaths, Func<FakeApiServerOptions, FakeApiServerOptions>? configure = null)
    {
        var options = new FakeApiServerOptions { ManifestPaths = manifestPaths };
        options = configure?.Invoke(options) ?? options;
        var server = await FakeApiServer.FakeApiServer.StartAsync(options);
        var dir = Path.Combine(Path.GetTempPath(), "netsecps-live-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(dir);
        return new LiveHarness(server, dir);
    }

    public LiveOptions Options(Func<LiveOptions, LiveOptions>? configure = null)
    {
        var o = new LiveOptions { Kubeconfig = KubeconfigPath, Retry = FastRetry };
        return configure?.Invoke(o) ?? o;
    }

    public Task<ClusterData> CollectAsync(Func<LiveOptions, LiveOptions>? configure = null, CancellationToken cancellationToken = default) =>
        LiveSource.CollectAsync(Options(configure), Sink, cancellationToken);

    /// <summary>Writes a kubeconfig for the same server with another token or CA.</summary>
    public string WriteKubeconfig(string name, string? token = null, string? caPem = null) =>
        Server.WriteKubeconfig(Path.Combine(Directory, name), token, caPem);

    /// <summary>Everything the read said, as one text: verbose, warnings, diagnostics, progress.</summary>
    public string AllMessages() =>
        string.Join("\n", Sink.Verbose.Concat(Sink.Warnings).Concat(Sink.Diagnostics.Select(d => d.ToString() + " " + d.Code))
            .Concat(Sink.Progress.Select(p => p.Activity + " " + p.Status)));

    public IEnumerable<RequestRecord> RequestsTo(string path) => Server.Requests.Where(r => r.Path == path);

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }
}
