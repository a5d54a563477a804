using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Authentication;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text;

namespace NetSecPS.Core.Sources.Live;

/// <summary>The API server answered with an error status that retrying will not fix (403, 404, 410, ...).</summary>
internal sealed class ApiStatusException : Exception
{
    public ApiStatusException(int statusCode, string? reason, string message)
        : base(message)
    {
        StatusCode = statusCode;
        Reason = reason;
    }

    public int StatusCode { get; }
    /// <summary>The Status reason the server gave (Forbidden, NotFound, Expired, ...).</summary>
    public string? Reason { get; }
}

/// <summary>The TLS handshake with the API server failed; <see cref="CertificateRefused"/> when its certificate was not accepted.</summary>
internal sealed class TlsFailureException : AuthenticationException
{
    public TlsFailureException(string message, bool certificateRefused, Exception inner)
        : base(message, inner)
    {
        CertificateRefused = certificateRefused;
    }

    public bool CertificateRefused { get; }
}

/// <summary>The server at the URL did not prove to be a Kubernetes API server (no /version, no core API, a redirect, HTML).</summary>
internal sealed class NotKubernetesException : Exception
{
    public NotKubernetesException(string message)
        : base(message)
    {
    }
}

/// <summary>
/// One authenticated connection to an API server: the transport of <see cref="ApiTransport"/>,
/// the credential of <see cref="ICredentialSource"/> (renewed once when the server answers 401),
/// raw GETs so that typed kinds and CRDs share one code path, retries of what is worth retrying,
/// and bounded answers. No header, credential or plugin output ever reaches a message.
/// </summary>
internal sealed class ApiConnection : IDisposable
{
    /// <summary>The biggest answer read into memory; a page of 500 objects is a few megabytes.</summary>
    public const int MaxResponseBytes = 256 * 1024 * 1024;

    private readonly ClusterTarget target;
    private readonly ApiTransport transport;
    private readonly RetryPolicy retry;
    private readonly IOutputSink sink;
    private readonly object clientGate = new();
    private readonly List<HttpClient> retired = new();
    private HttpClient? http;
    private System.Security.Cryptography.X509Certificates.X509Certificate2? httpCertificate;

    private ApiConnection(ClusterTarget target, LiveOptions options, IOutputSink sink)
    {
        this.target = target;
        transport = new ApiTransport(target, options.SkipTlsVerify);
        retry = options.Retry;
        this.sink = sink;
    }

    /// <summary>The server URL (no user info, no query).</summary>
    public string Server => target.DisplayServer;
    public string? Context => target.Context;
    public string? Cluster => target.Cluster;
    /// <summary>The context's namespace, or in-cluster the pod's own.</summary>
    public string? Namespace => target.Namespace;

    /// <summary>Builds the connection from the kubeconfig (or the pod's service account) that <paramref name="options"/> names.</summary>
    public static ApiConnection Open(LiveOptions options, IOutputSink sink)
    {
        ArgumentNullException.ThrowIfNull(options);
        var inCluster = options.InClusterEnvironment ?? InClusterEnvironment.FromProcess();
        var useInCluster = options.InCluster;
        List<string>? files = null;
        if (!useInCluster)
        {
            files = KubeconfigFiles(options.Kubeconfig);
            if (files.Count == 0)
            {
                if (options.Kubeconfig is null && options.Context is null && inCluster.IsAvailable)
                {
                    sink.Verbose("No kubeconfig found; using the pod's service account (in-cluster configuration).");
                    useInCluster = true;
                }
                else
                {
                    throw new FileNotFoundException(options.Kubeconfig is null
                        ? "No kubeconfig found (KUBECONFIG is unset or names no file, and ~/.kube/config does not exist). Use -Kubeconfig, -InCluster or -Path."
                        : $"The kubeconfig {options.Kubeconfig} does not exist.");
                }
            }
        }

        var target = useInCluster ? ClusterTarget.InCluster(inCluster) : ClusterTarget.FromKubeconfig(Kubeconfig.Load(files!), options.Context, options, sink);
        try
        {
            CheckTransport(target, options, sink);
        }
        catch
        {
            target.Dispose();
            throw;
        }

        if (useInCluster)
        {
            sink.Verbose($"In-cluster: the service account of namespace '{target.Namespace ?? "(unknown)"}', API server {target.DisplayServer}.");
        }

        return new ApiConnection(target, options, sink);
    }

    /// <summary>Refuses to send a secret in clear text, and says what is insecure about the route.</summary>
    private static void CheckTransport(ClusterTarget target, LiveOptions options, IOutputSink sink)
    {
        if (target.Server.Scheme == Uri.UriSchemeHttp)
        {
            if (target.Credentials.SendsSecretHeader)
            {
                if (!options.AllowInsecureHttp)
                {
                    throw new InsecureTransportException(
                        $"The server of context '{target.Context}' is {target.DisplayServer}, plain HTTP: {target.Credentials.Description} would travel in clear text, where anyone on the network path can read and replay it. " +
                        "Nothing was sent. Use the server's https:// URL, or -AllowInsecureHttp if you accept that risk (for example a port-forward on this machine).");
                }

                sink.Warning($"-AllowInsecureHttp: {target.Credentials.Description} is sent in clear text to {target.DisplayServer}; anyone on the network path can read and replay it.");
            }
            else if (target.Credentials.MayPresentClientCertificate)
            {
                throw new InsecureTransportException($"The server of context '{target.Context}' is {target.DisplayServer}, plain HTTP, where {target.Credentials.Description} cannot be presented: a client certificate needs https.");
            }
            else if (!target.Server.IsLoopback)
            {
                sink.Warning($"The server of context '{target.Context}' is {target.DisplayServer}, plain HTTP: what the cluster answers travels unencrypted and the server's identity is not verified.");
            }
        }

        if (target.InsecureSkipTlsVerify && !options.SkipTlsVerify && target.Server.Scheme == Uri.UriSchemeHttps)
        {
            sink.Warning($"The kubeconfig of context '{target.Context}' disables TLS verification (insecure-skip-tls-verify): the API server's identity is not checked.");
        }

        if (target.Proxy is { } proxy)
        {
            sink.Verbose($"Connecting through the proxy {proxy.Scheme}://{proxy.Authority} (proxy-url of cluster '{target.Cluster}').");
        }
    }

    /// <summary>KUBECONFIG's files (merged like kubectl does), else ~/.kube/config; only files that exist.</summary>
    internal static List<string> KubeconfigFiles(string? explicitPath)
    {
        if (explicitPath is not null)
        {
            return File.Exists(explicitPath) ? new List<string> { explicitPath } : new List<string>();
        }

        var env = Environment.GetEnvironmentVariable("KUBECONFIG");
        if (!string.IsNullOrWhiteSpace(env))
        {
            return env.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(File.Exists).Distinct(StringComparer.Ordinal).ToList();
        }

        var home = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");
        return File.Exists(home) ? new List<string> { home } : new List<string>();
    }

    /// <summary>GETs <paramref name="relativePath"/> and parses the JSON body, retrying transient failures.</summary>
    public async Task<JsonObject> GetJsonAsync(string relativePath, string what, CancellationToken cancellationToken)
    {
        var bytes = await GetBytesAsync(relativePath, what, cancellationToken).ConfigureAwait(false);
        try
        {
            return JsonNode.Parse(bytes) as JsonObject ?? throw new InvalidDataException($"The API server's answer for {what} is not a JSON object.");
        }
        catch (JsonException)
        {
            throw new InvalidDataException($"The API server's answer for {what} is not JSON ({bytes.Length} bytes{Sniff(bytes)}).");
        }
    }

    /// <summary>GETs <paramref name="relativePath"/> with retries; returns the body of a 2xx answer.</summary>
    public async Task<byte[]> GetBytesAsync(string relativePath, string what, CancellationToken cancellationToken)
    {
        var waited = TimeSpan.Zero;
        var renewed = false;
        for (var attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string failure;
            TimeSpan? serverDelay = null;
            var credential = await target.Credentials.GetAsync(cancellationToken).ConfigureAwait(false);
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                timeout.CancelAfter(retry.RequestTimeout);
                try
                {
                    using var request = Request(relativePath, credential);
                    using var response = await ClientFor(credential).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
                    var status = (int)response.StatusCode;
                    var body = await ReadBoundedAsync(response, what, timeout.Token).ConfigureAwait(false);
                    if (status is >= 200 and < 300)
                    {
                        return body;
                    }

                    if (status == 401 && !renewed)
                    {
                        // Once per request: a credential that expired or rotated early is renewed; a wrong one fails on the second answer.
                        renewed = true;
                        if (await target.Credentials.RenewAsync(credential, cancellationToken).ConfigureAwait(false))
                        {
                            sink.Verbose($"The API server rejected {target.Credentials.Description} (401 Unauthorized); trying once more with the renewed credential.");
                            attempt--;
                            continue;
                        }
                    }

                    var (reason, message) = StatusOf(body);
                    switch (status)
                    {
                        case 401 when !target.Credentials.SendsSecretHeader && !target.Credentials.MayPresentClientCertificate:
                            throw new UnauthorizedAccessException(
                                $"The API server {Server} requires authentication (401 Unauthorized), and context '{Context}' gives no credentials ({target.Credentials.Description}).");
                        case 401:
                            throw new UnauthorizedAccessException(
                                $"The API server {Server} rejected {target.Credentials.Description} (context '{Context}', 401 Unauthorized): the credential is missing, expired or not valid for this cluster.");
                        case >= 300 and < 400:
                            throw new NotKubernetesException(
                                $"The server {Server} answered {what} with a redirect ({status}). A Kubernetes API server never redirects its API: the URL of context '{Context}' likely points at a load balancer, a login page or a web server.");
                        case 429:
                            serverDelay = RetryAfter(response.Headers.RetryAfter);
                            failure = $"429 Too Many Requests{(serverDelay is { } d ? $" (Retry-After {d.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s)" : string.Empty)}";
                            break;
                        case >= 500:
                            serverDelay = RetryAfter(response.Headers.RetryAfter);
                            failure = $"{status} {reason ?? response.ReasonPhrase}";
                            break;
                        default:
                            throw new ApiStatusException(status, reason, message ?? $"{status} {response.ReasonPhrase}");
                    }
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    failure = $"no answer within {retry.RequestTimeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s";
                }
                catch (HttpRequestException ex) when (ex.HttpRequestError == HttpRequestError.SecureConnectionError || FindInner<AuthenticationException>(ex) is not null)
                {
                    // A handshake that failed once fails again: no retry, and the reason is said, not buried in inner exceptions.
                    var refused = transport.LastRefusal is not null;
                    throw new TlsFailureException(
                        $"The TLS connection to {Server} (context '{Context}') failed: {transport.ExplainHandshakeFailure(ex)}." +
                        (refused ? " Check the context's certificate-authority and server; -SkipTlsVerify skips the check but does not verify who answers." : string.Empty), refused, ex);
                }
                catch (HttpRequestException ex) when (ex.HttpRequestError == HttpRequestError.ProxyTunnelError)
                {
                    failure = $"the proxy refused the tunnel: {ex.Message}";
                }
                catch (HttpRequestException ex)
                {
                    failure = ex.HttpRequestError == HttpRequestError.Unknown ? ex.Message : $"{ex.HttpRequestError}: {ex.Message}";
                }
                catch (NotSupportedException ex)
                {
                    // .NET 8 (PowerShell 7.4) cannot talk TLS to a proxy; later runtimes can.
                    throw new InvalidOperationException(target.Proxy is { } p
                        ? $"The proxy-url {p.Scheme}://{p.Authority} of cluster '{Cluster}' cannot be used by this .NET runtime ({ex.Message}); use an http:// or socks5:// proxy."
                        : $"The connection to {Server} cannot be made: {ex.Message}", ex);
                }
                catch (IOException ex)
                {
                    failure = ex.Message;
                }
            }

            var delay = serverDelay ?? retry.Backoff(attempt);
            if (serverDelay is not null)
            {
                // A little jitter on top so parallel readers told the same Retry-After do not return together.
                delay += TimeSpan.FromMilliseconds(Random.Shared.Next(0, 100));
            }

            if (attempt >= retry.MaxAttempts || waited + delay > retry.MaxTotalDelay)
            {
                throw new HttpRequestException($"Reading {what} from {Server} failed after {attempt} attempt(s): {failure}.");
            }

            sink.Verbose($"Reading {what}: {failure}; retry {attempt} of {retry.MaxAttempts - 1} in {delay.TotalSeconds.ToString("0.0#", CultureInfo.InvariantCulture)} s" +
                (serverDelay is not null ? " (as the server's Retry-After asks)." : "."));
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            waited += delay;
        }
    }

    private HttpRequestMessage Request(string relativePath, Credential credential)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(BaseUri, relativePath))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue(ToolIdentity.Name, ToolIdentity.Version));
        if (credential.BearerToken is { } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        else if (credential.BasicUser is { } user)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + credential.BasicPassword)));
        }

        foreach (var (name, value) in target.ImpersonationHeaders)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        if (target.TlsServerName is { } sni && target.Server.Scheme == Uri.UriSchemeHttps)
        {
            // .NET takes the TLS server name (SNI and the name the certificate must carry) from the Host header; the API server does not route by Host.
            request.Headers.Host = target.Server.IsDefaultPort ? sni : sni + ":" + target.Server.Port.ToString(CultureInfo.InvariantCulture);
        }

        return request;
    }

    private Uri BaseUri => new(target.Server.AbsoluteUri.EndsWith('/') ? target.Server.AbsoluteUri : target.Server.AbsoluteUri + "/");

    /// <summary>One HTTP client per client certificate: a renewed certificate needs new connections.</summary>
    private HttpClient ClientFor(Credential credential)
    {
        lock (clientGate)
        {
            if (http is null || !ReferenceEquals(httpCertificate, credential.ClientCertificate))
            {
                if (http is not null)
                {
                    // Requests may still run on it; it is disposed with the connection.
                    retired.Add(http);
                }

                http = transport.CreateClient(credential.ClientCertificate);
                httpCertificate = credential.ClientCertificate;
            }

            return http;
        }
    }

    private static async Task<byte[]> ReadBoundedAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength is > MaxResponseBytes)
        {
            throw new InvalidDataException($"The answer for {what} is {response.Content.Headers.ContentLength} bytes, more than the {MaxResponseBytes} NetSecPS reads at once.");
        }

        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int n;
        while ((n = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + n > MaxResponseBytes)
            {
                throw new InvalidDataException($"The answer for {what} is more than the {MaxResponseBytes} bytes NetSecPS reads at once.");
            }

            buffer.Write(chunk, 0, n);
        }

        return buffer.ToArray();
    }

    /// <summary>What a non-JSON answer looks like, without quoting it.</summary>
    private static string Sniff(byte[] body)
    {
        var head = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 512)).TrimStart();
        return head.StartsWith('<') ? ", HTML or XML" : string.Empty;
    }

    private static TimeSpan? RetryAfter(RetryConditionHeaderValue? header)
    {
        if (header?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (header?.Date is { } date)
        {
            var d = date - DateTimeOffset.UtcNow;
            return d < TimeSpan.Zero ? TimeSpan.Zero : d;
        }

        return null;
    }

    /// <summary>Reads the reason and message of a Kubernetes Status body, if the body is one.</summary>
    private static (string? Reason, string? Message) StatusOf(byte[] body)
    {
        if (body.Length == 0)
        {
            return (null, null);
        }

        try
        {
            if (JsonNode.Parse(body) is JsonObject o && o["kind"]?.GetValueKind() == JsonValueKind.String && (string?)o["kind"] == "Status")
            {
                return (o["reason"]?.GetValueKind() == JsonValueKind.String ? (string?)o["reason"] : null,
                        o["message"]?.GetValueKind() == JsonValueKind.String ? (string?)o["message"] : null);
            }
        }
        catch (JsonException)
        {
            // Not a Status: the status code alone has to do.
        }

        return (null, null);
    }

    private static T? FindInner<T>(Exception ex) where T : Exception
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is T t)
            {
                return t;
            }
        }

        return null;
    }

    public void Dispose()
    {
        lock (clientGate)
        {
            http?.Dispose();
            foreach (var c in retired)
            {
                c.Dispose();
            }
        }

        target.Dispose();
    }
}
