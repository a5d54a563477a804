using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace NetSecPS.Core.Sources.Live;

/// <summary>What an exec credential plugin may be told about the cluster, and how long it may take.</summary>
internal sealed record ExecPluginContext(KubeconfigCluster? Cluster, TimeSpan Timeout, IOutputSink Sink)
{
    /// <summary>Tests move time forward without waiting.</summary>
    internal TimeProvider Clock { get; init; } = TimeProvider.System;
}

/// <summary>
/// An exec credential plugin (client.authentication.k8s.io v1 and v1beta1) run the way kubectl
/// runs it: the command with its args as separate arguments (no shell, no re-splitting), the
/// kubeconfig's env added to the current environment, KUBERNETES_EXEC_INFO describing the request
/// (and the cluster when provideClusterInfo is set), no terminal: NetSecPS runs as a cmdlet or a
/// CronJob, so interactive is false and interactiveMode Always is refused. The credential is
/// cached until its expirationTimestamp and renewed when the server rejects it.
///
/// Replaces KubernetesClient 21.0.8's ExecuteExternalCommand, which joins args with spaces, sends
/// kind "ExecCredentials", leaves a plugin running after its timeout (and then waits without
/// bound for its output), ignores installHint, and puts the plugin's output and a stack trace
/// into its exception message. Here nothing the plugin prints ever reaches a message: its
/// standard output is the credential, and its standard error may quote it.
/// </summary>
internal sealed class ExecCredentialSource : ICredentialSource
{
    public const string V1 = "client.authentication.k8s.io/v1";
    public const string V1Beta1 = "client.authentication.k8s.io/v1beta1";
    private const int MaxStdoutBytes = 1024 * 1024;
    private const int MaxStderrBytes = 64 * 1024;
    /// <summary>A credential this close to its expiry is renewed before it is sent.</summary>
    private static readonly TimeSpan ExpiryMargin = TimeSpan.FromSeconds(10);

    private readonly KubeconfigExec exec;
    private readonly string owner;
    private readonly ExecPluginContext context;
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly List<Credential> issued = new();
    private Credential? current;

    public ExecCredentialSource(KubeconfigExec exec, string owner, ExecPluginContext context)
    {
        this.exec = exec;
        this.owner = owner;
        this.context = context;
        if (exec.ApiVersion is not (V1 or V1Beta1))
        {
            throw new CredentialException(exec.ApiVersion is null
                ? $"The exec credential plugin of {owner} has no apiVersion; kubectl requires one ({V1} or {V1Beta1})."
                : $"The exec credential plugin of {owner} uses apiVersion {exec.ApiVersion}; NetSecPS supports {V1} and {V1Beta1} (v1alpha1 was removed from kubectl in 1.24).");
        }

        switch (exec.InteractiveMode)
        {
            case null when exec.ApiVersion == V1:
                throw new CredentialException($"The exec credential plugin of {owner} does not set interactiveMode, which {V1} requires (Never, IfAvailable or Always).");
            case null or "Never" or "IfAvailable":
                break;
            case "Always":
                throw new CredentialException($"The exec credential plugin of {owner} needs a terminal (interactiveMode: Always), and NetSecPS runs plugins without one. " +
                    "Log in once with kubectl so that the plugin caches its credential, or set interactiveMode to IfAvailable.");
            default:
                throw new CredentialException($"The exec credential plugin of {owner} has interactiveMode '{exec.InteractiveMode}'; it must be Never, IfAvailable or Always.");
        }
    }

    public string Description => $"the exec credential plugin '{CommandName}' of {owner}";
    public bool SendsSecretHeader => true;
    public bool MayPresentClientCertificate => true;

    /// <summary>How many times the plugin was run by this source.</summary>
    public int Runs { get; private set; }

    private string CommandName => Path.GetFileName(exec.Command);

    public async ValueTask<Credential> GetAsync(CancellationToken cancellationToken)
    {
        var held = Volatile.Read(ref current);
        if (held is not null && !Expiring(held))
        {
            return held;
        }

        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Parallel requests wait here for one run of the plugin.
            if (current is { } c && !Expiring(c))
            {
                return c;
            }

            return await RunAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    public async ValueTask<bool> RenewAsync(Credential rejected, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var fresh = ReferenceEquals(current, rejected) ? await RunAsync(cancellationToken).ConfigureAwait(false) : current!;
            // A plugin that answers from its own cache with the same rejected token gives nothing new to try.
            return !string.Equals(fresh.BearerToken, rejected.BearerToken, StringComparison.Ordinal)
                || !ReferenceEquals(fresh.ClientCertificate, rejected.ClientCertificate);
        }
        finally
        {
            gate.Release();
        }
    }

    private bool Expiring(Credential c) => c.ExpiresAt is { } at && context.Clock.GetUtcNow() + ExpiryMargin >= at;

    private async Task<Credential> RunAsync(CancellationToken cancellationToken)
    {
        context.Sink.Verbose($"Running {Description}.");
        Runs++;
        var output = await ExecuteAsync(cancellationToken).ConfigureAwait(false);
        var credential = Parse(output);
        issued.Add(credential);
        Volatile.Write(ref current, credential);
        context.Sink.Verbose(credential.ExpiresAt is { } at
            ? $"{Capitalized} gave a credential valid until {at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC."
            : $"{Capitalized} gave a credential without an expiry; it is used until the API server rejects it.");
        return credential;
    }

    private string Capitalized => "T" + Description[1..];

    private async Task<byte[]> ExecuteAsync(CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(exec.Command)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        foreach (var arg in exec.Args)
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in exec.Env)
        {
            psi.Environment[name] = value;
        }

        psi.Environment["KUBERNETES_EXEC_INFO"] = ExecInfo();
        using var process = new Process { StartInfo = psi };
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            var notFound = ex.NativeErrorCode == 2 || (OperatingSystem.IsWindows() && ex.NativeErrorCode == 3);
            var hint = string.IsNullOrWhiteSpace(exec.InstallHint) ? string.Empty : " " + exec.InstallHint.Trim();
            throw new CredentialException(notFound
                ? $"The exec credential plugin '{exec.Command}' of {owner} was not found{(exec.Command.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal) ? string.Empty : " on PATH")}.{hint}"
                : $"The exec credential plugin '{exec.Command}' of {owner} could not be started: {ex.Message}.{hint}");
        }

        // No terminal and no input: the plugin must not wait for a user.
        process.StandardInput.Close();
        using var readers = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var stdout = ReadBoundedAsync(process.StandardOutput.BaseStream, MaxStdoutBytes, readers.Token);
        var stderr = ReadBoundedAsync(process.StandardError.BaseStream, MaxStderrBytes, readers.Token);
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(context.Timeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                KillTree(process);
                await readers.CancelAsync().ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                throw new CredentialException(
                    $"{Capitalized} did not finish within {context.Timeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s; it was stopped together with the processes it started.");
            }
        }

        // A plugin may leave a background child holding its output open: what was printed by the time it exited is what counts.
        var (output, truncated) = await Drain(stdout, readers).ConfigureAwait(false);
        await Drain(stderr, readers).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new CredentialException(
                $"{Capitalized} failed with exit code {process.ExitCode.ToString(CultureInfo.InvariantCulture)}. Its output is not shown because it may hold credentials; run the command yourself to see its messages.");
        }

        if (truncated)
        {
            throw new CredentialException($"{Capitalized} printed more than {MaxStdoutBytes / 1024} KiB; an ExecCredential is far smaller, so the output was not used.");
        }

        return output;
    }

    private static async Task<(byte[] Bytes, bool Truncated)> Drain(Task<(byte[], bool)> reader, CancellationTokenSource readers)
    {
        try
        {
            return await reader.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            await readers.CancelAsync().ConfigureAwait(false);
            try
            {
                return await reader.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return (Array.Empty<byte>(), false);
            }
        }
        catch (OperationCanceledException)
        {
            return (Array.Empty<byte>(), false);
        }
    }

    /// <summary>Reads a pipe to its end, keeping at most <paramref name="max"/> bytes and discarding the rest so the writer never blocks.</summary>
    private static async Task<(byte[], bool)> ReadBoundedAsync(Stream stream, int max, CancellationToken cancellationToken)
    {
        var kept = new MemoryStream();
        var buffer = new byte[16 * 1024];
        var truncated = false;
        int n;
        while ((n = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            var room = max - (int)kept.Length;
            if (n > room)
            {
                truncated = true;
            }

            if (room > 0)
            {
                kept.Write(buffer, 0, Math.Min(n, room));
            }
        }

        return (kept.ToArray(), truncated);
    }

    private static void KillTree(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }
        catch (Exception ex) when (ex is InvalidOperationException or Win32Exception or NotSupportedException)
        {
            // Already gone.
        }
    }

    private string ExecInfo()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("apiVersion", exec.ApiVersion);
            w.WriteString("kind", "ExecCredential");
            w.WriteStartObject("spec");
            w.WriteBoolean("interactive", false);
            if (exec.ProvideClusterInfo && context.Cluster is { } cluster)
            {
                w.WriteStartObject("cluster");
                w.WriteString("server", cluster.Server);
                if (cluster.TlsServerName is { } sni)
                {
                    w.WriteString("tls-server-name", sni);
                }

                if (cluster.InsecureSkipTlsVerify)
                {
                    w.WriteBoolean("insecure-skip-tls-verify", true);
                }

                var ca = cluster.CertificateAuthorityData ?? (cluster.CertificateAuthority is { } path && File.Exists(path) ? InputFiles.ReadAllBytes(path, "The certificate authority") : null);
                if (ca is not null)
                {
                    w.WriteBase64String("certificate-authority-data", ca);
                }

                if (cluster.ProxyUrl is { } proxy)
                {
                    w.WriteString("proxy-url", proxy);
                }

                w.WriteEndObject();
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Checks the plugin's answer the way client-go does; no message quotes any of it.</summary>
    private Credential Parse(byte[] output)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(output);
        }
        catch (JsonException)
        {
            throw new CredentialException(
                $"{Capitalized} printed {output.Length.ToString(CultureInfo.InvariantCulture)} bytes that are not an ExecCredential (not JSON). The output is not shown because it may hold credentials.");
        }

        using (doc)
        {
            var root = doc.RootElement;
            string? Text(JsonElement e, string name) =>
                e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

            if (root.ValueKind != JsonValueKind.Object || Text(root, "kind") != "ExecCredential")
            {
                throw new CredentialException($"{Capitalized} printed JSON that is not an ExecCredential (kind is not ExecCredential).");
            }

            if (Text(root, "apiVersion") != exec.ApiVersion)
            {
                throw new CredentialException($"{Capitalized} answered with another apiVersion than the {exec.ApiVersion} its kubeconfig entry asks for.");
            }

            if (!root.TryGetProperty("status", out var status) || status.ValueKind != JsonValueKind.Object)
            {
                throw new CredentialException($"{Capitalized} answered without a status.");
            }

            var token = Text(status, "token");
            var cert = Text(status, "clientCertificateData");
            var key = Text(status, "clientKeyData");
            if (string.IsNullOrEmpty(cert) != string.IsNullOrEmpty(key))
            {
                throw new CredentialException($"{Capitalized} returned a client {(string.IsNullOrEmpty(key) ? "certificate without its key" : "key without its certificate")}.");
            }

            if (string.IsNullOrEmpty(token) && string.IsNullOrEmpty(cert))
            {
                throw new CredentialException($"{Capitalized} returned neither a token nor a client certificate and key.");
            }

            DateTimeOffset? expires = null;
            if (Text(status, "expirationTimestamp") is { } ts)
            {
                if (!DateTimeOffset.TryParse(ts, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
                {
                    throw new CredentialException($"{Capitalized} returned an expirationTimestamp that is not an RFC 3339 time.");
                }

                expires = at;
            }

            return new Credential
            {
                BearerToken = string.IsNullOrEmpty(token) ? null : token,
                ClientCertificate = string.IsNullOrEmpty(cert) ? null : CredentialSources.FromPem(cert, key!, Description),
                ExpiresAt = expires,
            };
        }
    }

    public void Dispose()
    {
        gate.Dispose();
        foreach (var c in issued)
        {
            c.ClientCertificate?.Dispose();
        }
    }
}
