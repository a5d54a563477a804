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

    /// <summary>
    /// Writes a kubeconfig for this server whose user is <paramref name="userLines"/> (YAML lines
    /// under <c>user:</c>, without indentation) and whose cluster has <paramref name="clusterLines"/>
    /// besides its server (and, unless <paramref name="withCa"/> is false, its CA).
    /// </summary>
    public string WriteKubeconfig(string name, IEnumerable<string> userLines, IEnumerable<string>? clusterLines = null, string? server = null, bool withCa = true)
    {
        var caData = Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(Server.Pki.CaPem));
        var lines = new List<string>
        {
            "apiVersion: v1",
            "kind: Config",
            "clusters:",
            "- name: fake",
            "  cluster:",
            "    server: " + (server ?? Server.Url),
        };
        if (withCa)
        {
            lines.Add("    certificate-authority-data: " + caData);
        }

        lines.AddRange((clusterLines ?? Array.Empty<string>()).Select(l => "    " + l));
        lines.AddRange(new[] { "users:", "- name: auditor", "  user:" });
        lines.AddRange(userLines.Select(l => "    " + l));
        lines.AddRange(new[] { "contexts:", "- name: fake", "  context:", "    cluster: fake", "    user: auditor", "current-context: fake", string.Empty });
        var path = Path.Combine(Directory, name);
        File.WriteAllText(path, string.Join("\n", lines));
        return path;
    }

    /// <summary>Writes an executable shell script (an exec credential plugin) into the harness folder.</summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public string WriteScript(string name, string body)
    {
        var path = Path.Combine(Directory, name);
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

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
