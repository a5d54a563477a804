using System.Text;
using NetSecPS.Core.Sources.Live;
using NetSecPS.FakeApiServer;

namespace NetSecPS.Live.Tests;

/// <summary>The ways kubectl authenticates and reaches a server, each against the fake API server.</summary>
public sealed class AuthenticationTests
{
    private static string B64(string text) => Convert.ToBase64String(Encoding.ASCII.GetBytes(text));

    [Fact]
    public async Task A_tokenFile_relative_to_the_kubeconfig_is_read_and_a_rotated_token_is_picked_up_without_failing_the_read()
    {
        await using var h = await LiveHarness.StartAsync();
        var tokenPath = Path.Combine(h.Directory, "secrets", "token");
        Directory.CreateDirectory(Path.GetDirectoryName(tokenPath)!);
        var first = "file-" + Guid.NewGuid().ToString("N");
        var second = "file-" + Guid.NewGuid().ToString("N");
        await File.WriteAllTextAsync(tokenPath, first + "\n");
        h.Server.Auth.Accept(first, "file-user");
        h.Server.BeforeRequest = (_, path) =>
        {
            if (path == "/api/v1/pods" && !File.ReadAllText(tokenPath).Contains(second, StringComparison.Ordinal))
            {
                // Rotation: the old token stops working the moment the new one is written.
                h.Server.Auth.Revoke(first).Accept(second, "file-user");
                File.WriteAllText(tokenPath + ".new", second);
                File.Move(tokenPath + ".new", tokenPath, overwrite: true);
            }
        };
        var kubeconfig = h.WriteKubeconfig("tokenfile", new[] { "tokenFile: secrets/token" });

        var data = await h.CollectAsync(o => o with { Kubeconfig = kubeconfig, MaxParallelKinds = 1 });

        Assert.Equal(10, data.OfKind("Pod").Count());
        Assert.All(h.Server.Requests.Where(r => r.Status != 401), r => Assert.Equal("file-user", r.User));
        // At most the request that raced the rotation is rejected, and it is retried with the new token.
        Assert.True(h.Server.Requests.Count(r => r.Status == 401) <= 1);
        Assert.Contains(h.Server.Requests, r => r.Path == "/api/v1/pods" && r.Status == 200);
        Assert.DoesNotContain(first, h.AllMessages(), StringComparison.Ordinal);
        Assert.DoesNotContain(second, h.AllMessages(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tokenFile_that_cannot_be_read_is_named_in_the_error_and_the_read_stops_before_any_request()
    {
        await using var h = await LiveHarness.StartAsync();
        var kubeconfig = h.WriteKubeconfig("tokenfile", new[] { "tokenFile: /nonexistent/netsecps/token" });

        var ex = await Assert.ThrowsAsync<CredentialException>(() => h.CollectAsync(o => o with { Kubeconfig = kubeconfig }));

        Assert.Contains("/nonexistent/netsecps/token", ex.Message, StringComparison.Ordinal);
        Assert.Empty(h.Server.Requests);
    }

    [Fact]
    public async Task A_client_certificate_and_key_given_as_files_authenticate_as_the_certificates_common_name()
    {
        await using var h = await LiveHarness.StartAsync();
        var (cert, key) = h.Server.Pki.IssueClientCertificate("cert-file-user", ClientKeyFormat.Rsa);
        await File.WriteAllTextAsync(Path.Combine(h.Directory, "client.crt"), cert);
        await File.WriteAllTextAsync(Path.Combine(h.Directory, "client.key"), key);
        var kubeconfig = h.WriteKubeconfig("certfiles", new[] { "client-certificate: client.crt", "client-key: client.key" });

        var data = await h.CollectAsync(o => o with { Kubeconfig = kubeconfig });

        Assert.Equal(10, data.OfKind("Pod").Count());
        Assert.All(h.Server.Requests, r => Assert.Equal(("cert-file-user", "x509", false), (r.User, r.Method, r.HadAuthorization)));
    }

    [Theory]
    [InlineData(ClientKeyFormat.Ec)]
    [InlineData(ClientKeyFormat.Pkcs8)]
    public async Task A_client_certificate_and_key_given_inline_as_data_authenticate(ClientKeyFormat format)
    {
        await using var h = await LiveHarness.StartAsync();
        var (cert, key) = h.Server.Pki.IssueClientCertificate("cert-data-user", format);
        var kubeconfig = h.WriteKubeconfig("certdata", new[] { "client-certificate-data: " + B64(cert), "client-key-data: " + B64(key) });

        var data = await h.CollectAsync(o => o with { Kubeconfig = kubeconfig });

        Assert.Equal(10, data.OfKind("Pod").Count());
        Assert.All(h.Server.Requests, r => Assert.Equal(("cert-data-user", "x509"), (r.User, r.Method)));
        var keyBody = key.Split('\n')[1];
        Assert.DoesNotContain(keyBody, h.AllMessages(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_that_does_not_belong_to_the_certificate_is_refused_without_quoting_either()
    {
        await using var h = await LiveHarness.StartAsync();
        var (cert, _) = h.Server.Pki.IssueClientCertificate("a");
        var (_, otherKey) = h.Server.Pki.IssueClientCertificate("b");
        var kubeconfig = h.WriteKubeconfig("mismatch", new[] { "client-certificate-data: " + B64(cert), "client-key-data: " + B64(otherKey) });

        var ex = await Assert.ThrowsAsync<CredentialException>(() => h.CollectAsync(o => o with { Kubeconfig = kubeconfig }));

        Assert.Contains("client certificate of user 'auditor' cannot be used", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(otherKey.Split('\n')[1], ex.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(B64(otherKey)[..40], ex.ToString(), StringComparison.Ordinal);
        Assert.Empty(h.Server.Requests);
    }

    [Fact]
    public async Task In_cluster_the_service_account_token_CA_and_namespace_are_read_from_their_files_and_a_rotated_token_is_reread()
    {
        await using var h = await LiveHarness.StartAsync();
        var sa = Path.Combine(h.Directory, "serviceaccount");
        Directory.CreateDirectory(sa);
        var first = "sa-" + Guid.NewGuid().ToString("N");
        var second = "sa-" + Guid.NewGuid().ToString("N");
        await File.WriteAllTextAsync(Path.Combine(sa, "token"), first);
        await File.WriteAllTextAsync(Path.Combine(sa, "ca.crt"), h.Server.Pki.CaPem);
        await File.WriteAllTextAsync(Path.Combine(sa, "namespace"), "netsec-audit");
        h.Server.Auth.Accept(first, "system:serviceaccount:netsec-audit:netsecps");
        h.Server.BeforeRequest = (_, path) =>
        {
            if (path == "/api/v1/pods" && File.ReadAllText(Path.Combine(sa, "token")) == first)
            {
                // The kubelet rotates a projected token by swapping the file; the old one is still valid for a while.
                h.Server.Auth.Accept(second, "system:serviceaccount:netsec-audit:netsecps", DateTimeOffset.UtcNow.AddHours(1));
                File.WriteAllText(Path.Combine(sa, "token.new"), second);
                File.Move(Path.Combine(sa, "token.new"), Path.Combine(sa, "token"), overwrite: true);
            }
            else if (path == "/apis/networking.k8s.io/v1/networkpolicies")
            {
                h.Server.Auth.Revoke(first);
            }
        };
        var port = new Uri(h.Server.Url).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var env = new InClusterEnvironment("127.0.0.1", port, Path.Combine(sa, "token"), Path.Combine(sa, "ca.crt"), Path.Combine(sa, "namespace"));

        var data = await h.CollectAsync(o => o with { Kubeconfig = null, InCluster = true, InClusterEnvironment = env, MaxParallelKinds = 1 });

        Assert.Equal(10, data.OfKind("Pod").Count());
        Assert.Equal("in-cluster", data.Provenance.Context);
        Assert.Equal(h.Server.Url, data.Provenance.Server);
        Assert.Contains(h.Sink.Verbose, m => m.Contains("namespace 'netsec-audit'", StringComparison.Ordinal));
        Assert.All(h.Server.Requests, r => Assert.Equal("system:serviceaccount:netsec-audit:netsecps", r.User));
        Assert.DoesNotContain(h.Server.Requests, r => r.Status == 401);
        Assert.Contains(h.Server.Requests, r => r.Path == "/apis/networking.k8s.io/v1/networkpolicies" && r.Status == 200);
        Assert.DoesNotContain(first, h.AllMessages(), StringComparison.Ordinal);
        Assert.DoesNotContain(second, h.AllMessages(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_kubeconfig_a_pod_uses_its_service_account_and_without_either_the_error_says_what_is_missing()
    {
        await using var h = await LiveHarness.StartAsync();
        var sa = Path.Combine(h.Directory, "sa");
        Directory.CreateDirectory(sa);
        await File.WriteAllTextAsync(Path.Combine(sa, "token"), h.Server.Token);
        await File.WriteAllTextAsync(Path.Combine(sa, "ca.crt"), h.Server.Pki.CaPem);
        var port = new Uri(h.Server.Url).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var env = new InClusterEnvironment("127.0.0.1", port, Path.Combine(sa, "token"), Path.Combine(sa, "ca.crt"), Path.Combine(sa, "namespace"));
        var missing = env with { Host = null };

        var data = await h.CollectAsync(o => o with { Kubeconfig = null, InCluster = true, InClusterEnvironment = env });
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => h.CollectAsync(o => o with { Kubeconfig = null, InCluster = true, InClusterEnvironment = missing }));

        Assert.Equal(10, data.OfKind("Pod").Count());
        Assert.Contains("KUBERNETES_SERVICE_HOST", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_certificate_for_another_name_is_refused_and_tls_server_name_makes_it_the_expected_name()
    {
        await using var h = await LiveHarness.StartAsync(configure: o => o with { ServerNames = new[] { "api.internal.example" } });
        var token = new[] { "token: " + h.Server.Token };
        var plain = h.WriteKubeconfig("plain", token);
        var named = h.WriteKubeconfig("named", token, new[] { "tls-server-name: api.internal.example" });

        var refused = await Assert.ThrowsAsync<TlsFailureException>(() => h.CollectAsync(o => o with { Kubeconfig = plain }));
        var requestsWhenRefused = h.Server.Requests.Count;
        var data = await h.CollectAsync(o => o with { Kubeconfig = named });

        // KubernetesClient 21.0.8 accepts this certificate: its CA signed it, whatever the name.
        Assert.True(refused.CertificateRefused);
        Assert.Contains("the server's certificate is for api.internal.example, not for 127.0.0.1", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, requestsWhenRefused);
        Assert.Equal(10, data.OfKind("Pod").Count());
        var port = new Uri(h.Server.Url).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.All(h.Server.Requests, r => Assert.Equal("api.internal.example:" + port, r.Host));
    }

    [Fact]
    public async Task A_proxy_url_is_honoured_with_its_credentials_and_never_shown()
    {
        await using var h = await LiveHarness.StartAsync();
        await using var proxy = FakeProxy.Start("proxyuser", "proxy-pass-5e2f");
        var withCredentials = proxy.Url.Replace("http://", "http://proxyuser:proxy-pass-5e2f@", StringComparison.Ordinal);
        var kubeconfig = h.WriteKubeconfig("proxied", new[] { "token: " + h.Server.Token }, new[] { "proxy-url: " + withCredentials });

        var data = await h.CollectAsync(o => o with { Kubeconfig = kubeconfig });

        Assert.Equal(10, data.OfKind("Pod").Count());
        Assert.Contains("127.0.0.1:" + new Uri(h.Server.Url).Port.ToString(System.Globalization.CultureInfo.InvariantCulture), proxy.Tunnels);
        Assert.Contains(h.Sink.Verbose, m => m.Contains("through the proxy " + proxy.Url, StringComparison.Ordinal));
        Assert.DoesNotContain("proxy-pass-5e2f", h.AllMessages(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_proxy_url_NetSecPS_cannot_use_is_refused_with_a_clear_error_and_nothing_is_sent()
    {
        await using var h = await LiveHarness.StartAsync();
        var kubeconfig = h.WriteKubeconfig("ftp-proxy", new[] { "token: " + h.Server.Token }, new[] { "proxy-url: ftp://user:pw@127.0.0.1:2121" });

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => h.CollectAsync(o => o with { Kubeconfig = kubeconfig }));

        Assert.Equal("The proxy-url of cluster 'fake' uses the scheme 'ftp', which kubectl does not accept and NetSecPS cannot use: use http://, https:// or socks5://.", ex.Message);
        Assert.Empty(h.Server.Requests);
    }

    [Fact]
    public async Task A_user_that_impersonates_another_reads_as_that_user()
    {
        await using var h = await LiveHarness.StartAsync();
        var kubeconfig = h.WriteKubeconfig("as", new[] { "token: " + h.Server.Token, "as: jane@example.com", "as-groups:", "- auditors" });

        await h.CollectAsync(o => o with { Kubeconfig = kubeconfig });

        Assert.All(h.Server.Requests, r => Assert.Equal("jane@example.com", r.ImpersonateUser));
    }

    [Fact]
    public async Task An_auth_provider_is_refused_with_the_exec_plugin_to_use_instead()
    {
        await using var h = await LiveHarness.StartAsync();
        var kubeconfig = h.WriteKubeconfig("gcp", new[] { "auth-provider:", "  name: gcp", "  config:", "    access-token: ya29.secret-access-token" });

        var ex = await Assert.ThrowsAsync<CredentialException>(() => h.CollectAsync(o => o with { Kubeconfig = kubeconfig }));

        Assert.Contains("gke-gcloud-auth-plugin", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("ya29", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Names_of_contexts_are_matched_exactly_as_kubectl_does()
    {
        await using var h = await LiveHarness.StartAsync();

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => h.CollectAsync(o => o with { Context = "NetSecPS-Fake" }));

        Assert.Equal("The kubeconfig has no context 'NetSecPS-Fake'. Contexts: netsecps-fake.", ex.Message);
    }
}
