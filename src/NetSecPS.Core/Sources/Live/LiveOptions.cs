namespace NetSecPS.Core.Sources.Live;

/// <summary>How to reach and read a live cluster.</summary>
internal sealed record LiveOptions
{
    /// <summary>Path of the kubeconfig; null for the default (KUBECONFIG, then ~/.kube/config).</summary>
    public string? Kubeconfig { get; init; }
    /// <summary>kubeconfig context; null for the current context.</summary>
    public string? Context { get; init; }
    /// <summary>Use the pod's service-account token and CA.</summary>
    public bool InCluster { get; init; }
    /// <summary>Namespaces to read; empty for all.</summary>
    public IReadOnlyList<string> Namespaces { get; init; } = Array.Empty<string>();
    public int PageSize { get; init; } = 500;
    /// <summary>Skip TLS verification of the API server (warned about every time).</summary>
    public bool SkipTlsVerify { get; init; }
    /// <summary>
    /// Send a bearer token, password or exec credential to a server whose URL is http:// (warned
    /// about every time). Without it such a read is refused before anything is sent.
    /// </summary>
    public bool AllowInsecureHttp { get; init; }
    public int MaxParallelKinds { get; init; } = 4;
    /// <summary>How long an exec credential plugin may run before it is stopped with the processes it started.</summary>
    public TimeSpan ExecTimeout { get; init; } = TimeSpan.FromMinutes(2);
    /// <summary>Tests only (internal): the service-account files and variables to use instead of the pod's.</summary>
    internal InClusterEnvironment? InClusterEnvironment { get; init; }
    /// <summary>Tests only (internal): the clock that decides when a credential has expired.</summary>
    internal TimeProvider Clock { get; init; } = TimeProvider.System;
    /// <summary>How hard to insist when the API server is busy or flaky.</summary>
    public RetryPolicy Retry { get; init; } = new();
}

/// <summary>
/// Retries of one API request: 429 (after the server's Retry-After), 5xx, timeouts and dropped
/// connections are retried with exponential backoff and jitter, within a bounded number of
/// attempts and a bounded total wait, so a sick API server fails the read instead of hanging it.
/// </summary>
internal sealed record RetryPolicy
{
    public int MaxAttempts { get; init; } = 6;
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(250);
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(8);
    /// <summary>The most time one request may spend waiting between attempts, Retry-After included.</summary>
    public TimeSpan MaxTotalDelay { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>How long one attempt may take before it counts as timed out.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The wait before attempt <paramref name="attempt"/> (1-based retry number): exponential, capped, half of it jittered.</summary>
    public TimeSpan Backoff(int attempt)
    {
        var cap = Math.Min(MaxDelay.TotalMilliseconds, BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Max(0, attempt - 1)));
        return TimeSpan.FromMilliseconds(cap / 2 + Random.Shared.NextDouble() * cap / 2);
    }
}
