using System.IO.Compression;
using System.Security.Authentication;
using System.Text;
using k8s.Models;
using NetSecPS.Core.Sources;
using NetSecPS.FakeApiServer;

namespace NetSecPS.Live.Tests;

public sealed class LiveSourceTests
{
    private static CoverageEntry Coverage(ClusterData data, string kind, string? apiVersion = null) =>
        data.Coverage.Single(c => c.Kind == kind && (apiVersion is null || c.ApiVersion == apiVersion));

    [Fact]
    public async Task Reads_a_running_cluster_over_TLS_with_the_private_CA_and_a_bearer_token()
    {
        await using var h = await LiveHarness.StartAsync();

        var data = await h.CollectAsync();

        Assert.Equal("live", data.Provenance.SourceKind);
        Assert.Equal("netsecps-fake", data.Provenance.Context);
        Assert.Equal("netsecps-fake", data.Provenance.Cluster);
        Assert.Equal(h.Server.Url, data.Provenance.Server);
        Assert.Equal("v1.31.2", data.Provenance.ServerVersion);
        var pods = data.OfKind("Pod").ToList();
        Assert.Equal(10, pods.Count);
        Assert.All(pods, p => Assert.IsType<V1Pod>(p.Typed));
        var frontend = pods.Select(p => p.As<V1Pod>()!).Where(p => p.Metadata.Labels["app"] == "frontend").ToList();
        Assert.Equal(3, frontend.Count);
        Assert.All(frontend, p => Assert.Equal("ReplicaSet", p.Metadata.OwnerReferences.Single().Kind));
        Assert.All(frontend, p => Assert.StartsWith("10.244.", p.Status.PodIP, StringComparison.Ordinal));
        Assert.Equal(3, data.OfKind("ReplicaSet").Count());
        Assert.Equal(3, data.OfKind("Node").Count());
        Assert.Equal(new[] { "payments", "shop" }, data.OfKind("Namespace").Select(n => n.Name).Order(StringComparer.Ordinal));
        Assert.Equal(new CoverageEntry("Pod", "v1", CoverageStatus.Read, 10, null), Coverage(data, "Pod"));
        var anp = Assert.Single(data.OfKind("AdminNetworkPolicy"));
        Assert.NotNull(anp.Raw);
        Assert.Equal(CoverageStatus.Read, Coverage(data, "AdminNetworkPolicy").Status);
        Assert.DoesNotContain(h.Server.Requests, r => r.Status == 401);
        Assert.Empty(h.Sink.Warnings);
        Assert.DoesNotContain(h.Sink.Diagnostics, d => d.Severity != DiagnosticSeverity.Information);
    }

    [Fact]
    public async Task A_server_whose_certificate_another_CA_signed_is_refused()
    {
        await using var h = await LiveHarness.StartAsync();
        using var other = FakePki.Create("impostor");
        var kubeconfig = h.WriteKubeconfig("wrong-ca", caPem: other.CaPem);

        var ex = await Assert.ThrowsAnyAsync<AuthenticationException>(() => h.CollectAsync(o => o with { Kubeconfig = kubeconfig }));

        Assert.Contains("not trusted", ex.Message, StringComparison.Ordinal);
        Assert.Contains(h.Server.Url, ex.Message, StringComparison.Ordinal);
        Assert.Empty(h.Server.Requests);
    }

    [Fact]
    public async Task SkipTlsVerify_reads_a_server_the_kubeconfig_CA_does_not_trust()
    {
        await using var h = await LiveHarness.StartAsync();
        using var other = FakePki.Create("impostor");
        var kubeconfig = h.WriteKubeconfig("wrong-ca", caPem: other.CaPem);

        var data = await h.CollectAsync(o => o with { Kubeconfig = kubeconfig, SkipTlsVerify = true });

        Assert.Equal(10, data.OfKind("Pod").Count());
    }

    [Fact]
    public async Task A_wrong_token_stops_the_read_with_a_clear_message_that_does_not_repeat_the_token()
    {
        await using var h = await LiveHarness.StartAsync();
        const string wrongToken = "wrong-token-7f3a9c1e5b";
        var kubeconfig = h.WriteKubeconfig("wrong-token", token: wrongToken);

        var ex = await Assert.ThrowsAsync<UnauthorizedAccessException>(() => h.CollectAsync(o => o with { Kubeconfig = kubeconfig }));

        Assert.Contains("401 Unauthorized", ex.Message, StringComparison.Ordinal);
        Assert.Contains("netsecps-fake", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(wrongToken, ex.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(h.Server.Token, ex.ToString(), StringComparison.Ordinal);
        // Stopped at the first answer: a 401 is not retried, and no kind is listed.
        Assert.Equal(401, Assert.Single(h.Server.Requests).Status);
    }

    [Fact]
    public async Task Lists_are_read_page_by_page_with_limit_and_continue()
    {
        await using var h = await LiveHarness.StartAsync("large");

        var data = await h.CollectAsync(o => o with { PageSize = 25 });

        var podPages = h.RequestsTo("/api/v1/pods").ToList();
        Assert.Equal(10, podPages.Count);
        Assert.All(podPages, r => Assert.Contains("limit=25", r.Query, StringComparison.Ordinal));
        Assert.Equal(9, podPages.Count(r => r.Query.Contains("continue=", StringComparison.Ordinal)));
        Assert.Equal(240, data.OfKind("Pod").Select(p => p.Name).Distinct().Count());
        Assert.Equal(240, Coverage(data, "Pod").Count);
        Assert.DoesNotContain(data.Diagnostics, d => d.Code == "DuplicateObject");
    }

    [Fact]
    public async Task An_expired_continue_token_restarts_the_list_without_duplicates()
    {
        await using var h = await LiveHarness.StartAsync("large", o => o with { Faults = new FaultPlan().ExpireContinue("pods", 1) });

        var data = await h.CollectAsync(o => o with { PageSize = 50 });

        var podRequests = h.RequestsTo("/api/v1/pods").ToList();
        var expired = podRequests.FindIndex(r => r.Status == 410);
        Assert.True(expired > 0, "the server expired one continue token");
        Assert.DoesNotContain("continue=", podRequests[expired + 1].Query, StringComparison.Ordinal);
        Assert.Equal(240, data.OfKind("Pod").Count());
        Assert.Equal(240, data.OfKind("Pod").Select(p => p.Name).Distinct().Count());
        Assert.Equal(new CoverageEntry("Pod", "v1", CoverageStatus.Read, 240, null), Coverage(data, "Pod"));
        Assert.DoesNotContain(data.Diagnostics, d => d.Code == "DuplicateObject");
        Assert.Contains(h.Sink.Verbose, m => m.Contains("expired (410 Gone)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_429_is_retried_after_the_servers_Retry_After()
    {
        await using var h = await LiveHarness.StartAsync(configure: o => o with { Faults = new FaultPlan().Throttle("services", 1, 1) });

        var data = await h.CollectAsync();

        var services = h.RequestsTo("/api/v1/services").ToList();
        Assert.Equal(new[] { 429, 200 }, services.Select(r => r.Status));
        Assert.True(services[1].At - services[0].At >= TimeSpan.FromSeconds(1), "the retry waited for Retry-After");
        Assert.Equal(new CoverageEntry("Service", "v1", CoverageStatus.Read, 4, null), Coverage(data, "Service"));
        Assert.Contains(h.Sink.Verbose, m => m.Contains("429 Too Many Requests (Retry-After 1 s)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_burst_of_500s_is_retried_and_the_kind_is_read_in_full()
    {
        await using var h = await LiveHarness.StartAsync(configure: o => o with { Faults = new FaultPlan().FailWith500("networkpolicies", 3) });

        var data = await h.CollectAsync();

        Assert.Equal(new[] { 500, 500, 500, 200 }, h.RequestsTo("/apis/networking.k8s.io/v1/networkpolicies").Select(r => r.Status));
        Assert.Equal(new CoverageEntry("NetworkPolicy", "networking.k8s.io/v1", CoverageStatus.Read, 3, null), Coverage(data, "NetworkPolicy", "networking.k8s.io/v1"));
    }

    [Fact]
    public async Task A_kind_that_keeps_failing_is_recorded_as_Error_after_bounded_retries_and_the_rest_is_read()
    {
        await using var h = await LiveHarness.StartAsync(configure: o => o with { Faults = new FaultPlan().FailWith500("configmaps", 1000) });

        var data = await h.CollectAsync(o => o with { Retry = LiveHarness.FastRetry with { MaxAttempts = 3 } });

        Assert.Equal(3, h.RequestsTo("/api/v1/configmaps").Count());
        var cov = Coverage(data, "ConfigMap");
        Assert.Equal(CoverageStatus.Error, cov.Status);
        Assert.Contains("500", cov.Message, StringComparison.Ordinal);
        Assert.Contains(data.Diagnostics, d => d.Code == "ListFailed" && d.Kind == "ConfigMap");
        Assert.Equal(CoverageStatus.Read, Coverage(data, "Pod").Status);
        Assert.Equal(10, data.OfKind("Pod").Count());
    }

    [Fact]
    public async Task A_forbidden_kind_is_recorded_in_coverage_with_the_servers_message_and_the_scan_goes_on()
    {
        await using var h = await LiveHarness.StartAsync(configure: o => o with { Faults = new FaultPlan().Forbid("networking.k8s.io/networkpolicies") });

        var data = await h.CollectAsync();

        var cov = Coverage(data, "NetworkPolicy", "networking.k8s.io/v1");
        Assert.Equal(CoverageStatus.Forbidden, cov.Status);
        Assert.Equal("networkpolicies.networking.k8s.io is forbidden: User \"system:serviceaccount:netsecps:auditor\" cannot list resource \"networkpolicies\" in API group \"networking.k8s.io\" at the cluster scope", cov.Message);
        var warning = Assert.Single(data.Diagnostics, d => d.Code == "Forbidden");
        Assert.Equal(DiagnosticSeverity.Warning, warning.Severity);
        Assert.Contains("cannot list resource", warning.Message, StringComparison.Ordinal);
        Assert.Contains(h.Sink.Diagnostics, d => d.Code == "Forbidden");
        Assert.Empty(data.OfKind("NetworkPolicy", "networking.k8s.io"));
        Assert.Equal(10, data.OfKind("Pod").Count());
        Assert.Equal(CoverageStatus.Read, Coverage(data, "Ingress").Status);
        // A 403 is an answer, not a hiccup: asked once.
        Assert.Single(h.RequestsTo("/apis/networking.k8s.io/v1/networkpolicies"));
    }

    [Fact]
    public async Task An_optional_API_that_is_not_installed_is_Absent_and_never_listed()
    {
        await using var h = await LiveHarness.StartAsync();

        var data = await h.CollectAsync();

        var istio = Coverage(data, "AuthorizationPolicy", "security.istio.io/v1");
        Assert.Equal(CoverageStatus.Absent, istio.Status);
        Assert.Contains("security.istio.io is not served", istio.Message, StringComparison.Ordinal);
        Assert.Equal(CoverageStatus.Absent, Coverage(data, "CiliumNetworkPolicy").Status);
        Assert.Equal(CoverageStatus.Absent, Coverage(data, "Route").Status);
        Assert.DoesNotContain(h.Server.Requests, r => r.Path.StartsWith("/apis/security.istio.io", StringComparison.Ordinal));
        Assert.DoesNotContain(data.Diagnostics, d => d.Kind == "AuthorizationPolicy");
        Assert.Empty(h.Sink.Warnings);
    }

    [Fact]
    public async Task An_optional_API_installed_without_objects_is_Read_with_none()
    {
        await using var h = await LiveHarness.StartAsync(configure: o => o with { InstallApis = new[] { "security.istio.io/v1" } });

        var data = await h.CollectAsync();

        Assert.Equal(new CoverageEntry("PeerAuthentication", "security.istio.io/v1", CoverageStatus.Read, 0, null), Coverage(data, "PeerAuthentication"));
        Assert.Single(h.RequestsTo("/apis/security.istio.io/v1/peerauthentications"));
    }

    [Fact]
    public async Task Cancelling_stops_a_read_that_waits_on_a_server_that_does_not_answer()
    {
        await using var h = await LiveHarness.StartAsync(configure: o => o with { Faults = new FaultPlan().Hang("pods") });
        using var cts = new CancellationTokenSource();
        // Without cancellation the pods request would wait for its 10-minute timeout.
        var slow = LiveHarness.FastRetry with { RequestTimeout = TimeSpan.FromMinutes(10) };
        var read = h.CollectAsync(o => o with { Retry = slow }, cts.Token);
        while (!h.Server.Requests.Any(r => r.Path == "/apis/networking.k8s.io/v1/networkpolicies"))
        {
            await Task.Delay(20);
        }

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read);
    }

    [Fact]
    public async Task Namespaces_narrow_the_namespaced_kinds_and_cluster_scoped_kinds_are_still_read()
    {
        await using var h = await LiveHarness.StartAsync();

        var data = await h.CollectAsync(o => o with { Namespaces = new[] { "payments" } });

        Assert.All(data.OfKind("Pod"), p => Assert.Equal("payments", p.Namespace));
        Assert.Equal(3, data.OfKind("Pod").Count());
        Assert.Single(h.RequestsTo("/api/v1/namespaces/payments/pods"));
        Assert.Empty(h.RequestsTo("/api/v1/pods"));
        Assert.Equal(3, data.OfKind("Node").Count());
        Assert.Equal(2, data.OfKind("Namespace").Count());
        Assert.Single(data.OfKind("AdminNetworkPolicy"));
    }

    [Fact]
    public async Task A_namespace_that_does_not_exist_is_warned_about()
    {
        await using var h = await LiveHarness.StartAsync();

        await h.CollectAsync(o => o with { Namespaces = new[] { "payments", "paymnets" } });

        Assert.Contains(h.Sink.Warnings, w => w.Contains("'paymnets' does not exist", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Secrets_are_never_requested()
    {
        await using var h = await LiveHarness.StartAsync();
        Assert.Equal(1, h.Server.Cluster.Count("secrets"));

        var data = await h.CollectAsync();

        Assert.DoesNotContain(h.Server.Requests, r => r.Path.Contains("secrets", StringComparison.Ordinal));
        Assert.Empty(data.OfKind("Secret"));
    }

    [Fact]
    public async Task The_token_appears_nowhere_in_messages_diagnostics_errors_or_the_saved_snapshot()
    {
        var faults = new FaultPlan()
            .Forbid("networking.k8s.io/networkpolicies")
            .Throttle("pods", 1, 0)
            .FailWith500("services", 2)
            .ExpireContinue("pods", 1)
            .FailWith500("configmaps", 1000);
        await using var h = await LiveHarness.StartAsync(configure: o => o with { Faults = faults });

        var data = await h.CollectAsync(o => o with { PageSize = 3, Retry = LiveHarness.FastRetry with { MaxAttempts = 2 } });
        using var saved = new MemoryStream();
        SnapshotFile.Write(data, saved);
        saved.Position = 0;
        using var gz = new GZipStream(saved, CompressionMode.Decompress);
        using var text = new StreamReader(gz, Encoding.UTF8);
        var snapshotJson = await text.ReadToEndAsync();
        var unauthorized = await Assert.ThrowsAsync<UnauthorizedAccessException>(() => h.CollectAsync(o => o with { Kubeconfig = h.WriteKubeconfig("stale", token: h.Server.Token + "x") }));

        var token = h.Server.Token;
        Assert.Contains("\"Pod\"", snapshotJson, StringComparison.Ordinal);
        Assert.NotEmpty(h.Sink.Verbose);
        Assert.NotEmpty(data.Diagnostics);
        Assert.DoesNotContain(token, h.AllMessages(), StringComparison.Ordinal);
        Assert.DoesNotContain(token, string.Join("\n", data.Diagnostics.Select(d => d.ToString())), StringComparison.Ordinal);
        Assert.DoesNotContain(token, string.Join("\n", data.Coverage.Select(c => c.ToString())), StringComparison.Ordinal);
        Assert.DoesNotContain(token, data.Provenance.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(token, snapshotJson, StringComparison.Ordinal);
        Assert.DoesNotContain(token, unauthorized.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Bearer", h.AllMessages() + snapshotJson + unauthorized, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_context_the_kubeconfig_does_not_have_is_named_with_the_contexts_it_has()
    {
        await using var h = await LiveHarness.StartAsync();

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => h.CollectAsync(o => o with { Context = "prod" }));

        Assert.Equal("The kubeconfig has no context 'prod'. Contexts: netsecps-fake.", ex.Message);
        Assert.Empty(h.Server.Requests);
    }

    [Fact]
    public async Task An_unreachable_server_fails_after_bounded_retries_with_its_address()
    {
        var h = await LiveHarness.StartAsync();
        var url = h.Server.Url;
        var kubeconfig = h.WriteKubeconfig("gone");
        var copy = Path.Combine(Path.GetTempPath(), "netsecps-gone-" + Guid.NewGuid().ToString("N"));
        File.Copy(kubeconfig, copy);
        await h.DisposeAsync();
        try
        {
            var sink = new NetSecPS.Core.CollectingSink();
            var ex = await Assert.ThrowsAsync<HttpRequestException>(() =>
                NetSecPS.Core.Sources.Live.LiveSource.CollectAsync(new() { Kubeconfig = copy, Retry = LiveHarness.FastRetry with { MaxAttempts = 3 } }, sink, CancellationToken.None));

            Assert.Contains(url, ex.Message, StringComparison.Ordinal);
            Assert.Contains("after 3 attempt(s)", ex.Message, StringComparison.Ordinal);
            Assert.Equal(2, sink.Verbose.Count(m => m.Contains("retry", StringComparison.Ordinal)));
        }
        finally
        {
            File.Delete(copy);
        }
    }
}
