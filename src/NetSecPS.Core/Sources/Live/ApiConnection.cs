using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Authentication;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Exceptions;
using k8s.KubeConfigModels;

namespace NetSecPS.Core.Sources.Live;

/// <summary>The API server answered with an error status that retrying will not fix (403, 404, 410, ...).</summary>
public sealed class ApiStatusException : Exception
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

/// <summary>
/// One authenticated connection to an API server through KubernetesClient: the client's
/// HttpClient (TLS verified against the kubeconfig CA) and credentials (token, exec plugin,
/// client certificate), used for raw GETs so that typed kinds and CRDs share one code path.
/// Retries what is worth retrying; never puts a header or credential into a message.
/// </summary>
public sealed class ApiConnection : IDisposable
{
    private readonly Kubernetes client;
    private readonly RetryPolicy retry;
    private readonly IOutputSink sink;

    private ApiConnection(Kubernetes client, RetryPolicy retry, IOutputSink sink, string server, string? context, string? cluster)
    {
        this.client = client;
        this.retry = retry;
        this.sink = sink;
        Server = server;
        Context = context;
        Cluster = cluster;
    }

    /// <summary>The server URL (no user info, no query).</summary>
    public string Server { get; }
    public string? Context { get; }
    public string? Cluster { get; }

    /// <summary>Builds the connection from the kubeconfig (or the pod's service account) that <paramref name="options"/> names.</summary>
    public static ApiConnection Open(LiveOptions options, IOutputSink sink)
    {
        KubernetesClientConfiguration config;
        string? contextName;
        string? clusterName;
        var useInCluster = options.InCluster;
        List<FileInfo>? files = null;
        if (!useInCluster)
        {
            files = KubeconfigFiles(options.Kubeconfig);
            if (files.Count == 0)
            {
                if (options.Kubeconfig is null && options.Context is null && KubernetesClientConfiguration.IsInCluster())
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

        if (useInCluster)
        {
            try
            {
                config = KubernetesClientConfiguration.InClusterConfig();
            }
            catch (KubeConfigException ex)
            {
                throw new InvalidOperationException($"Not running in a cluster, or the service-account token and CA are missing: {ex.Message}", ex);
            }

            contextName = "in-cluster";
            clusterName = "in-cluster";
        }
        else
        {
            try
            {
                var kubeconfig = LoadKubeconfig(files!);
                contextName = options.Context ?? kubeconfig.CurrentContext;
                if (string.IsNullOrEmpty(contextName))
                {
                    throw new InvalidOperationException($"The kubeconfig {string.Join(", ", files!.Select(f => f.FullName))} has no current context; use -Context.");
                }

                var context = kubeconfig.Contexts?.FirstOrDefault(c => c.Name == contextName)
                    ?? throw new InvalidOperationException($"The kubeconfig has no context '{contextName}'. Contexts: {string.Join(", ", kubeconfig.Contexts?.Select(c => c.Name) ?? Array.Empty<string>())}.");
                clusterName = context.ContextDetails?.Cluster;
                config = KubernetesClientConfiguration.BuildConfigFromConfigObject(kubeconfig, contextName);
            }
            catch (KubeConfigException ex)
            {
                throw new InvalidOperationException($"The kubeconfig cannot be used: {ex.Message}", ex);
            }
            catch (YamlDotNet.Core.YamlException ex)
            {
                throw new InvalidDataException($"The kubeconfig is not valid YAML: {ex.Message}", ex);
            }
        }

        if (config.SkipTlsVerify && !options.SkipTlsVerify)
        {
            sink.Warning($"The kubeconfig of context '{contextName}' disables TLS verification (insecure-skip-tls-verify): the API server's identity is not checked.");
        }

        config.SkipTlsVerify |= options.SkipTlsVerify;
        Kubernetes client;
        try
        {
            client = new Kubernetes(config);
        }
        catch (KubeConfigException ex)
        {
            throw new InvalidOperationException($"The kubeconfig of context '{contextName}' cannot be used: {ex.Message}", ex);
        }

        var server = SafeServer(client.BaseUri);
        return new ApiConnection(client, options.Retry, sink, server, contextName, clusterName);
    }

    /// <summary>Loads one kubeconfig, or merges several the way kubectl does: the first file that names a context, cluster or user wins.</summary>
    private static K8SConfiguration LoadKubeconfig(List<FileInfo> files)
    {
        var configs = files.Select(f => KubernetesClientConfiguration.LoadKubeConfig(f, true)).ToList();
        if (configs.Count == 1)
        {
            return configs[0];
        }

        return new K8SConfiguration
        {
            ApiVersion = "v1",
            Kind = "Config",
            FileName = configs[0].FileName,
            CurrentContext = configs.Select(c => c.CurrentContext).FirstOrDefault(c => !string.IsNullOrEmpty(c)),
            Contexts = configs.SelectMany(c => c.Contexts ?? Enumerable.Empty<Context>()).DistinctBy(c => c.Name).ToList(),
            Clusters = configs.SelectMany(c => c.Clusters ?? Enumerable.Empty<Cluster>()).DistinctBy(c => c.Name).ToList(),
            Users = configs.SelectMany(c => c.Users ?? Enumerable.Empty<User>()).DistinctBy(c => c.Name).ToList(),
        };
    }

    /// <summary>KUBECONFIG's files (merged like kubectl does), else ~/.kube/config; only files that exist.</summary>
    private static List<FileInfo> KubeconfigFiles(string? explicitPath)
    {
        if (explicitPath is not null)
        {
            return File.Exists(explicitPath) ? new List<FileInfo> { new(explicitPath) } : new List<FileInfo>();
        }

        var env = Environment.GetEnvironmentVariable("KUBECONFIG");
        if (!string.IsNullOrWhiteSpace(env))
        {
            return env.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(File.Exists).Distinct(StringComparer.Ordinal).Select(p => new FileInfo(p)).ToList();
        }

        var home = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");
        return File.Exists(home) ? new List<FileInfo> { new(home) } : new List<FileInfo>();
    }

    private static string SafeServer(Uri uri) => new UriBuilder(uri) { UserName = string.Empty, Password = string.Empty, Query = string.Empty }.Uri.GetLeftPart(UriPartial.Path).TrimEnd('/');

    /// <summary>GETs <paramref name="relativePath"/> and parses the JSON body, retrying transient failures.</summary>
    public async Task<JsonObject> GetJsonAsync(string relativePath, string what, CancellationToken cancellationToken)
    {
        var bytes = await GetBytesAsync(relativePath, what, cancellationToken).ConfigureAwait(false);
        try
        {
            return JsonNode.Parse(bytes) as JsonObject ?? throw new InvalidDataException($"The API server's answer for {what} is not a JSON object.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"The API server's answer for {what} is not valid JSON: {ex.Message}", ex);
        }
    }

    /// <summary>GETs <paramref name="relativePath"/> with retries; returns the body of a 2xx answer.</summary>
    public async Task<byte[]> GetBytesAsync(string relativePath, string what, CancellationToken cancellationToken)
    {
        var waited = TimeSpan.Zero;
        for (var attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string failure;
            TimeSpan? serverDelay = null;
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                timeout.CancelAfter(retry.RequestTimeout);
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(client.BaseUri, relativePath))
                    {
                        Version = HttpVersion.Version20,
                        VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
                    };
                    request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
                    request.Headers.UserAgent.Add(new ProductInfoHeaderValue("NetSecPS", "0.1.0"));
                    if (client.Credentials is { } credentials)
                    {
                        await credentials.ProcessHttpRequestAsync(request, timeout.Token).ConfigureAwait(false);
                    }

                    using var response = await client.HttpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
                    var status = (int)response.StatusCode;
                    var body = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
                    if (status is >= 200 and < 300)
                    {
                        return body;
                    }

                    var (reason, message) = StatusOf(body);
                    switch (status)
                    {
                        case 401:
                            throw new UnauthorizedAccessException(
                                $"The API server {Server} rejected the credentials of context '{Context}' (401 Unauthorized): the token or client certificate is missing, expired or not valid for this cluster.");
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
                catch (HttpRequestException ex) when (FindInner<AuthenticationException>(ex) is { } tls)
                {
                    throw new AuthenticationException(
                        $"The TLS connection to {Server} was refused: the API server's certificate is not trusted by the certificate authority of context '{Context}' ({tls.Message}). " +
                        "Check the context's certificate-authority; -SkipTlsVerify skips the check but does not verify who answers.", ex);
                }
                catch (KubeConfigException ex)
                {
                    throw new InvalidOperationException($"The credentials of context '{Context}' could not be obtained: {ex.Message}", ex);
                }
                catch (HttpRequestException ex)
                {
                    failure = ex.HttpRequestError == HttpRequestError.Unknown ? ex.Message : $"{ex.HttpRequestError}: {ex.Message}";
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
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            if (e is T t)
            {
                return t;
            }
        }

        return null;
    }

    public void Dispose() => client.Dispose();
}
