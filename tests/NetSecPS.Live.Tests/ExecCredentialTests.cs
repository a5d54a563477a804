using System.Runtime.Versioning;
using System.Text.Json.Nodes;
using NetSecPS.Core;
using NetSecPS.Core.Sources.Live;

namespace NetSecPS.Live.Tests;

/// <summary>A fact that needs a POSIX shell (the credential plugins below are shell scripts).</summary>
public sealed class PosixFactAttribute : FactAttribute
{
    public PosixFactAttribute()
    {
        if (OperatingSystem.IsWindows())
        {
            Skip = "the credential plugins are POSIX shell scripts";
        }
    }
}

/// <summary>Exec credential plugins (client.authentication.k8s.io v1 and v1beta1) as kubectl runs them.</summary>
[UnsupportedOSPlatform("windows")]
public sealed class ExecCredentialTests
{
    /// <summary>
    /// A plugin that records each run (and the KUBERNETES_EXEC_INFO it got) in the harness folder,
    /// checks its args and env, and prints "PREFIX-N" as token, N being the run number; "{run}" in
    /// <paramref name="expiration"/> is N too.
    /// </summary>
    private static string CountingPlugin(LiveHarness h, string apiVersion = ExecCredentialSource.V1, string expiration = "2099-01-01T00:00:00Z") =>
        h.WriteScript("plugin.sh", $$$"""
            dir="{{{h.Directory}}}"
            echo run >> "$dir/runs"
            n=$(wc -l < "$dir/runs" | tr -d ' ')
            printf '%s' "$KUBERNETES_EXEC_INFO" > "$dir/exec-info-$n.json"
            [ "$1" = "--cluster name" ] && [ "$2" = "it's quoted" ] || { echo "unexpected args" >&2; exit 3; }
            [ -n "$TOKEN_PREFIX" ] || { echo "TOKEN_PREFIX missing" >&2; exit 4; }
            printf '{"apiVersion":"{{{apiVersion}}}","kind":"ExecCredential","status":{"token":"%s-%s","expirationTimestamp":"{{{expiration.Replace("{run}", "%s", StringComparison.Ordinal)}}}"}}' "$TOKEN_PREFIX" "$n"{{{(expiration.Contains("{run}", StringComparison.Ordinal) ? " \"$n\"" : string.Empty)}}}
            """);

    private static string[] ExecUser(string plugin, string prefix, string apiVersion = ExecCredentialSource.V1, string interactiveMode = "Never", bool provideClusterInfo = false) =>
        new[]
        {
            "exec:",
            "  apiVersion: " + apiVersion,
            "  command: " + plugin,
            "  args:",
            "  - --cluster name",
            "  - \"it's quoted\"",
            "  env:",
            "  - name: TOKEN_PREFIX",
            "    value: " + prefix,
            "  installHint: install the fake plugin",
            "  provideClusterInfo: " + (provideClusterInfo ? "true" : "false"),
            "  interactiveMode: " + interactiveMode,
        };

    private static int Runs(LiveHarness h) => File.Exists(Path.Combine(h.Directory, "runs")) ? File.ReadAllLines(Path.Combine(h.Directory, "runs")).Length : 0;

    [PosixFact]
    public async Task A_v1_plugin_gets_its_args_env_and_exec_info_and_its_token_is_cached_for_the_whole_read()
    {
        await using var h = await LiveHarness.StartAsync();
        var prefix = "exec-" + Guid.NewGuid().ToString("N");
        h.Server.Auth.Accept(prefix + "-1", "exec-user");
        var kubeconfig = h.WriteKubeconfig("exec", ExecUser(CountingPlugin(h), prefix, provideClusterInfo: true));

        var data = await h.CollectAsync(o => o with { Kubeconfig = kubeconfig });

        Assert.Equal(10, data.OfKind("Pod").Count());
        // One run for about thirty requests, several of them in parallel: expirationTimestamp is far away.
        Assert.Equal(1, Runs(h));
        Assert.True(h.Server.Requests.Count > 20);
        Assert.All(h.Server.Requests, r => Assert.Equal("exec-user", r.User));
        var info = JsonNode.Parse(File.ReadAllText(Path.Combine(h.Directory, "exec-info-1.json")))!;
        Assert.Equal("ExecCredential", (string?)info["kind"]);
        Assert.Equal(ExecCredentialSource.V1, (string?)info["apiVersion"]);
        Assert.False((bool)info["spec"]!["interactive"]!);
        Assert.Equal(h.Server.Url, (string?)info["spec"]!["cluster"]!["server"]);
        Assert.Equal(h.Server.Pki.CaPem, System.Text.Encoding.UTF8.GetString(Convert.FromBase64String((string)info["spec"]!["cluster"]!["certificate-authority-data"]!)));
        Assert.DoesNotContain(prefix + "-1", h.AllMessages(), StringComparison.Ordinal);
    }

    [PosixFact]
    public async Task A_v1beta1_plugin_is_run_and_without_provideClusterInfo_it_is_told_nothing_about_the_cluster()
    {
        await using var h = await LiveHarness.StartAsync();
        var prefix = "beta-" + Guid.NewGuid().ToString("N");
        h.Server.Auth.Accept(prefix + "-1", "beta-user");
        var user = ExecUser(CountingPlugin(h, ExecCredentialSource.V1Beta1), prefix, ExecCredentialSource.V1Beta1).Where(l => !l.Contains("interactiveMode", StringComparison.Ordinal));
        var kubeconfig = h.WriteKubeconfig("exec-beta", user);

        var data = await h.CollectAsync(o => o with { Kubeconfig = kubeconfig });

        Assert.Equal(10, data.OfKind("Pod").Count());
        Assert.All(h.Server.Requests, r => Assert.Equal("beta-user", r.User));
        var info = JsonNode.Parse(File.ReadAllText(Path.Combine(h.Directory, "exec-info-1.json")))!;
        Assert.Equal(ExecCredentialSource.V1Beta1, (string?)info["apiVersion"]);
        Assert.Null(info["spec"]!["cluster"]);
    }

    [PosixFact]
    public async Task A_token_the_server_stops_accepting_is_renewed_once_by_running_the_plugin_again()
    {
        await using var h = await LiveHarness.StartAsync();
        var prefix = "renew-" + Guid.NewGuid().ToString("N");
        h.Server.Auth.Accept(prefix + "-1", "renew-user");
        // Halfway through the read the first token is revoked (as a rotated cloud token would be) and the next one accepted.
        h.Server.BeforeRequest = (_, path) =>
        {
            if (path == "/api/v1/pods")
            {
                h.Server.Auth.Revoke(prefix + "-1").Accept(prefix + "-2", "renew-user");
            }
        };
        var kubeconfig = h.WriteKubeconfig("exec", ExecUser(CountingPlugin(h), prefix));

        var data = await h.CollectAsync(o => o with { Kubeconfig = kubeconfig, MaxParallelKinds = 1 });

        Assert.Equal(10, data.OfKind("Pod").Count());
        Assert.Equal(2, Runs(h));
        Assert.Single(h.Server.Requests, r => r.Status == 401);
        Assert.Contains(h.Sink.Verbose, m => m.Contains("401 Unauthorized", StringComparison.Ordinal) && m.Contains("renewed", StringComparison.Ordinal));
        Assert.Empty(h.Sink.Warnings);
    }

    [PosixFact]
    public async Task A_plugin_whose_tokens_keep_being_rejected_is_run_twice_and_the_read_stops_with_401()
    {
        await using var h = await LiveHarness.StartAsync();
        var prefix = "stale-" + Guid.NewGuid().ToString("N");
        var kubeconfig = h.WriteKubeconfig("exec", ExecUser(CountingPlugin(h), prefix));

        var ex = await Assert.ThrowsAsync<UnauthorizedAccessException>(() => h.CollectAsync(o => o with { Kubeconfig = kubeconfig }));

        Assert.Contains("401 Unauthorized", ex.Message, StringComparison.Ordinal);
        Assert.Contains("exec credential plugin 'plugin.sh'", ex.Message, StringComparison.Ordinal);
        Assert.Equal(2, Runs(h));
        Assert.Equal(2, h.Server.Requests.Count(r => r.Status == 401));
        Assert.DoesNotContain(prefix, ex.ToString(), StringComparison.Ordinal);
    }

    [PosixFact]
    public async Task A_credential_is_cached_until_its_expirationTimestamp_and_then_renewed()
    {
        await using var h = await LiveHarness.StartAsync();
        var clock = new ManualClock(DateTimeOffset.Parse("2030-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var plugin = CountingPlugin(h, expiration: "2030-01-01T01:00:00Z");
        var exec = new KubeconfigExec(plugin)
        {
            ApiVersion = ExecCredentialSource.V1,
            InteractiveMode = "Never",
            Args = new[] { "--cluster name", "it's quoted" },
            Env = new[] { new KeyValuePair<string, string>("TOKEN_PREFIX", "clock") },
        };
        using var source = new ExecCredentialSource(exec, "user 'u'", new ExecPluginContext(null, TimeSpan.FromSeconds(30), new CollectingSink()) { Clock = clock });

        var first = await source.GetAsync(CancellationToken.None);
        clock.Now = clock.Now.AddMinutes(59);
        var cached = await source.GetAsync(CancellationToken.None);
        clock.Now = clock.Now.AddSeconds(55);
        var renewed = await source.GetAsync(CancellationToken.None);

        Assert.Equal("clock-1", first.BearerToken);
        Assert.Equal(DateTimeOffset.Parse("2030-01-01T01:00:00Z", System.Globalization.CultureInfo.InvariantCulture), first.ExpiresAt);
        Assert.Same(first, cached);
        // 5 s before expiry is within the renewal margin: the plugin runs again.
        Assert.Equal("clock-2", renewed.BearerToken);
        Assert.Equal(2, source.Runs);
    }

    [PosixFact]
    public async Task Against_the_API_server_the_credential_is_used_until_its_expirationTimestamp_and_the_plugin_runs_again_before_it_is_sent_expired()
    {
        await using var h = await LiveHarness.StartAsync();
        var prefix = "expiring-" + Guid.NewGuid().ToString("N");
        // Both tokens stay valid: a second run can only come from the expirationTimestamp, not from a 401.
        h.Server.Auth.Accept(prefix + "-1", "first-credential").Accept(prefix + "-2", "second-credential");
        var clock = new ManualClock(DateTimeOffset.Parse("2030-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var movedAt = -1;
        h.Server.BeforeRequest = (n, path) =>
        {
            if (path == "/api/v1/pods" && movedAt < 0)
            {
                // The read reaches pods five seconds before the first credential expires (the second
                // one the plugin gives is valid until 02:00).
                movedAt = n;
                clock.Now = DateTimeOffset.Parse("2030-01-01T00:59:55Z", System.Globalization.CultureInfo.InvariantCulture);
            }
        };
        var kubeconfig = h.WriteKubeconfig("exec", ExecUser(CountingPlugin(h, expiration: "2030-01-01T0{run}:00:00Z"), prefix));

        var data = await h.CollectAsync(o => o with { Kubeconfig = kubeconfig, MaxParallelKinds = 1, Clock = clock });

        Assert.Equal(10, data.OfKind("Pod").Count());
        Assert.Equal(2, Runs(h));
        Assert.DoesNotContain(h.Server.Requests, r => r.Status == 401);
        var users = h.Server.Requests.Select(r => r.User).ToList();
        var switched = users.IndexOf("second-credential");
        // The first credential was cached for the requests before the clock moved (discovery and the
        // first kinds), the second one was used for every request after it.
        Assert.True(movedAt > 5, $"the clock moved at request {movedAt}");
        Assert.True(switched >= 5, $"the second credential was used from request {switched + 1}");
        Assert.All(users.Take(switched), u => Assert.Equal("first-credential", u));
        Assert.All(users.Skip(switched), u => Assert.Equal("second-credential", u));
        Assert.Contains(h.Sink.Verbose, m => m.Contains("valid until 2030-01-01 01:00:00 UTC", StringComparison.Ordinal));
        Assert.Contains(h.Sink.Verbose, m => m.Contains("valid until 2030-01-01 02:00:00 UTC", StringComparison.Ordinal));
        Assert.DoesNotContain(prefix, h.AllMessages(), StringComparison.Ordinal);
    }

    [PosixFact]
    public async Task A_plugin_that_prints_its_token_in_non_JSON_output_fails_without_the_output_or_a_stack_trace_in_the_error()
    {
        await using var h = await LiveHarness.StartAsync();
        const string secret = "leaky-secret-token-4b1d9e";
        var plugin = h.WriteScript("leaky.sh", $"echo 'Error: token {secret} has no JSON around it'\necho 'stderr also says {secret}' >&2");
        var kubeconfig = h.WriteKubeconfig("leaky", new[] { "exec:", "  apiVersion: " + ExecCredentialSource.V1, "  command: " + plugin, "  interactiveMode: Never" });

        var ex = await Assert.ThrowsAsync<CredentialException>(() => h.CollectAsync(o => o with { Kubeconfig = kubeconfig }));

        Assert.Contains("not an ExecCredential (not JSON)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("leaky.sh", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, ex.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", ex.Message, StringComparison.Ordinal);
        Assert.Null(ex.InnerException);
        Assert.DoesNotContain(secret, h.AllMessages(), StringComparison.Ordinal);
        Assert.Empty(h.Server.Requests);
    }

    [PosixFact]
    public async Task A_plugin_that_fails_is_reported_with_its_exit_code_and_never_its_error_output()
    {
        await using var h = await LiveHarness.StartAsync();
        const string secret = "stderr-secret-91c0ffee";
        var plugin = h.WriteScript("failing.sh", $"echo 'could not refresh {secret}' >&2\nexit 7");
        var kubeconfig = h.WriteKubeconfig("failing", new[] { "exec:", "  apiVersion: " + ExecCredentialSource.V1, "  command: " + plugin, "  interactiveMode: IfAvailable" });

        var ex = await Assert.ThrowsAsync<CredentialException>(() => h.CollectAsync(o => o with { Kubeconfig = kubeconfig }));

        Assert.Contains("exit code 7", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, ex.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(secret, h.AllMessages(), StringComparison.Ordinal);
    }

    [PosixFact]
    public async Task A_missing_plugin_command_shows_the_installHint()
    {
        await using var h = await LiveHarness.StartAsync();
        var kubeconfig = h.WriteKubeconfig("missing", new[]
        {
            "exec:", "  apiVersion: " + ExecCredentialSource.V1Beta1, "  command: netsecps-no-such-auth-plugin",
            "  installHint: |", "    netsecps-no-such-auth-plugin is needed. Install it with: apt-get install nothing",
        });

        var ex = await Assert.ThrowsAsync<CredentialException>(() => h.CollectAsync(o => o with { Kubeconfig = kubeconfig }));

        Assert.Contains("'netsecps-no-such-auth-plugin' of user 'auditor' was not found on PATH", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Install it with: apt-get install nothing", ex.Message, StringComparison.Ordinal);
        Assert.Empty(h.Server.Requests);
    }

    [PosixFact]
    public async Task A_plugin_that_does_not_finish_is_stopped_with_the_processes_it_started()
    {
        await using var h = await LiveHarness.StartAsync();
        var plugin = h.WriteScript("hang.sh", $"""
            echo $$ > "{h.Directory}/parent.pid"
            sleep 300 &
            echo $! > "{h.Directory}/child.pid"
            sleep 300
            """);
        var kubeconfig = h.WriteKubeconfig("hang", new[] { "exec:", "  apiVersion: " + ExecCredentialSource.V1, "  command: " + plugin, "  interactiveMode: Never" });

        var ex = await Assert.ThrowsAsync<CredentialException>(() => h.CollectAsync(o => o with { Kubeconfig = kubeconfig, ExecTimeout = TimeSpan.FromSeconds(2) }));

        Assert.Contains("did not finish within 2 s", ex.Message, StringComparison.Ordinal);
        var pids = new[] { "parent.pid", "child.pid" }.Select(f => int.Parse(File.ReadAllText(Path.Combine(h.Directory, f)).Trim(), System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.All(pids, pid => Assert.False(IsRunning(pid), $"process {pid} of the plugin is still running"));
    }

    [PosixFact]
    public async Task A_plugin_that_needs_a_terminal_or_an_unsupported_apiVersion_is_refused_before_it_runs()
    {
        await using var h = await LiveHarness.StartAsync();
        var plugin = CountingPlugin(h);
        var always = h.WriteKubeconfig("always", ExecUser(plugin, "x", interactiveMode: "Always"));
        var alpha = h.WriteKubeconfig("alpha", ExecUser(plugin, "x", apiVersion: "client.authentication.k8s.io/v1alpha1"));
        var noMode = h.WriteKubeconfig("nomode", ExecUser(plugin, "x").Where(l => !l.Contains("interactiveMode", StringComparison.Ordinal)));

        var a = await Assert.ThrowsAsync<CredentialException>(() => h.CollectAsync(o => o with { Kubeconfig = always }));
        var b = await Assert.ThrowsAsync<CredentialException>(() => h.CollectAsync(o => o with { Kubeconfig = alpha }));
        var c = await Assert.ThrowsAsync<CredentialException>(() => h.CollectAsync(o => o with { Kubeconfig = noMode }));

        Assert.Contains("interactiveMode: Always", a.Message, StringComparison.Ordinal);
        Assert.Contains("v1alpha1", b.Message, StringComparison.Ordinal);
        Assert.Contains("does not set interactiveMode", c.Message, StringComparison.Ordinal);
        Assert.Equal(0, Runs(h));
    }

    /// <summary>Alive and not a zombie waiting for its parent to reap it.</summary>
    private static bool IsRunning(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        if (!File.Exists(stat))
        {
            return false;
        }

        try
        {
            var text = File.ReadAllText(stat);
            var state = text[(text.LastIndexOf(')') + 2)..].Split(' ')[0];
            return state != "Z" && state != "X";
        }
        catch (IOException)
        {
            return false;
        }
    }
}

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualClock : TimeProvider
{
    public ManualClock(DateTimeOffset now)
    {
        Now = now;
    }

    public DateTimeOffset Now { get; set; }

    public override DateTimeOffset GetUtcNow() => Now;
}
