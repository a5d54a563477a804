namespace NetSecPS.Core.Sources.Live;

/// <summary>How to reach and read a live cluster.</summary>
public sealed record LiveOptions
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
    public int MaxParallelKinds { get; init; } = 4;
}
