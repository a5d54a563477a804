using System.Security.Authentication;
using NetSecPS.Core.Sources.Live;
using NetSecPS.FakeApiServer;

namespace NetSecPS.Live.Tests;

/// <summary>A server must prove it is Kubernetes before its answers count, and credentials never travel in clear text by accident.</summary>
public sealed class ServerIdentityTests
{
    [Theory]
    [InlineData(ServerPersonality.NotFoundEverywhere, "answered /version with 404")]
    [InlineData(ServerPersonality.HtmlEverywhere, "HTML or XML")]
    public async Task A_server_that_is_not_Kubernetes_fails_the_read_instead_of_passing_for_an_empty_cluster(ServerPersonality personality, string expected)
    {
        await using var h = await LiveHarness.StartAsync(configure: o => o with { Personality = personality });

        var ex = await Assert.ThrowsAsync<NotKubernetesException>(() => h.CollectAsync());

        Assert.Contains("is not a Kubernetes API server", ex.Message, StringComparison.Ordinal);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.Contains(h.Server.Url, ex.Message, StringComparison.Ordinal);
        // Stopped at the first answer: nothing was listed.
        Assert.Single(h.Server.Requests);
    }

    [Fact]
    public async Task A_server_that_answers_version_but_not_the_core_api_fails_the_read_before_listing_anything()
    {
        await using var h = await LiveHarness.StartAsync(configure: o => o with { Personality = ServerPersonality.VersionOnly });

        var ex = await Assert.ThrowsAsync<NotKubernetesException>(() => h.CollectAsync());

        Assert.Contains(h.Server.Url, ex.Message, StringComparison.Ordinal);
        Assert.Contains("/api", ex.Message, StringComparison.Ordinal);
        Assert.Equal("/version", h.Server.Requests[0].Path);
        Assert.DoesNotContain(h.Server.Requests, r => r.Path.Contains("/namespaces", StringComparison.Ordinal) || r.Path.EndsWith("/pods", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_bearer_token_is_not_sent_over_plain_HTTP_and_nothing_at_all_is_sent()
    {
        await using var h = await LiveHarness.StartAsync(configure: o => o with { PlainHttp = true });

        var ex = await Assert.ThrowsAsync<InsecureTransportException>(() => h.CollectAsync());

        Assert.StartsWith("http://127.0.0.1:", h.Server.Url, StringComparison.Ordinal);
        Assert.Contains("plain HTTP", ex.Message, StringComparison.Ordinal);
        Assert.Contains("-AllowInsecureHttp", ex.Message, StringComparison.Ordinal);
        Assert.Contains("the token of user 'netsecps-fake-auditor'", ex.Message, StringComparison.Ordinal);
        Assert.Empty(h.Server.Requests);
        Assert.DoesNotContain(h.Server.Token, ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AllowInsecureHttp_sends_the_token_over_plain_HTTP_with_a_warning()
    {
        await using var h = await LiveHarness.StartAsync(configure: o => o with { PlainHttp = true });

        var data = await h.CollectAsync(o => o with { AllowInsecureHttp = true });

        Assert.Equal(10, data.OfKind("Pod").Count());
        Assert.Contains(h.Sink.Warnings, w => w.StartsWith("-AllowInsecureHttp: the token of user 'netsecps-fake-auditor' is sent in clear text to http://127.0.0.1:", StringComparison.Ordinal));
        Assert.All(h.Server.Requests, r => Assert.True(r.HadAuthorization));
    }

    [PosixFact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task An_exec_plugin_is_not_even_run_for_a_plain_HTTP_server()
    {
        await using var h = await LiveHarness.StartAsync(configure: o => o with { PlainHttp = true });
        var marker = Path.Combine(h.Directory, "ran");
        var plugin = h.WriteScript("plugin.sh", $"touch \"{marker}\"\nprintf '%s' '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"t\"}}}}'");
        var kubeconfig = h.WriteKubeconfig("exec-http", new[] { "exec:", "  apiVersion: client.authentication.k8s.io/v1", "  command: " + plugin, "  interactiveMode: Never" }, withCa: false);

        var ex = await Assert.ThrowsAsync<InsecureTransportException>(() => h.CollectAsync(o => o with { Kubeconfig = kubeconfig }));

        Assert.Contains("exec credential plugin 'plugin.sh'", ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(marker));
        Assert.Empty(h.Server.Requests);
    }

    [Fact]
    public async Task A_server_without_credentials_over_plain_HTTP_on_loopback_is_read_like_kubectl_proxy()
    {
        await using var h = await LiveHarness.StartAsync(configure: o => o with { PlainHttp = true });
        h.Server.Auth.Accept("unused");
        var kubeconfig = h.WriteKubeconfig("anonymous", Array.Empty<string>(), withCa: false);

        // The fake answers 401 to anonymous requests: the point is that the read is attempted and says so.
        var ex = await Assert.ThrowsAsync<UnauthorizedAccessException>(() => h.CollectAsync(o => o with { Kubeconfig = kubeconfig }));

        Assert.Contains("no credentials", ex.Message, StringComparison.Ordinal);
        Assert.All(h.Server.Requests, r => Assert.False(r.HadAuthorization));
        Assert.Empty(h.Sink.Warnings);
    }

    [Fact]
    public void A_TLS_failure_says_its_inner_reason_and_what_to_do_when_HOME_is_missing()
    {
        // What .NET throws on Linux when HOME is unset and the user has no passwd entry: the reason sits two layers down.
        var failure = new HttpRequestException(HttpRequestError.SecureConnectionError, "The SSL connection could not be established, see inner exception.",
            new InvalidOperationException("The home directory of the current user could not be determined."));
        using var target = ClusterTargetFor("https://127.0.0.1:6443");
        var transport = new ApiTransport(target, skipTlsVerify: false);

        var reason = transport.ExplainHandshakeFailure(failure);

        Assert.StartsWith("The home directory of the current user could not be determined: ", reason, StringComparison.Ordinal);
        Assert.Contains("set HOME", reason, StringComparison.Ordinal);
        Assert.DoesNotContain("see inner exception", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_TLS_failure_that_is_not_about_the_certificate_carries_the_inner_reason_and_is_not_retried()
    {
        // A server that speaks plain HTTP on the https URL: the handshake fails for a reason that is not trust.
        await using var h = await LiveHarness.StartAsync(configure: o => o with { PlainHttp = true });
        var kubeconfig = h.WriteKubeconfig("https-to-http", new[] { "token: " + h.Server.Token }, server: h.Server.Url.Replace("http://", "https://", StringComparison.Ordinal));

        var ex = await Assert.ThrowsAsync<TlsFailureException>(() => h.CollectAsync(o => o with { Kubeconfig = kubeconfig }));

        Assert.False(ex.CertificateRefused);
        Assert.Matches("^The TLS connection to https://127\\.0\\.0\\.1:\\d+ \\(context 'fake'\\) failed: .+", ex.Message);
        Assert.DoesNotContain("see inner exception", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(h.Sink.Verbose, m => m.Contains("retry", StringComparison.Ordinal));
        Assert.IsAssignableFrom<AuthenticationException>(ex);
    }

    private static ClusterTarget ClusterTargetFor(string server)
    {
        var dir = Path.Combine(Path.GetTempPath(), "netsecps-target-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var path = Path.Combine(dir, "kubeconfig");
            File.WriteAllText(path, $"apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: {server}\ncontexts:\n- name: c\n  context:\n    cluster: c\ncurrent-context: c\n");
            return ClusterTarget.FromKubeconfig(Kubeconfig.Load(new[] { path }), null, new LiveOptions(), new NetSecPS.Core.CollectingSink());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
