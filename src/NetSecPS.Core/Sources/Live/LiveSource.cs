namespace NetSecPS.Core.Sources.Live;

/// <summary>Collects a snapshot from a live cluster through KubernetesClient.</summary>
public static class LiveSource
{
    public static Task<ClusterData> CollectAsync(LiveOptions options, IOutputSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sink);
        cancellationToken.ThrowIfCancellationRequested();
        throw new NotSupportedException("Reading a live cluster is not available in this build yet; use -Path with manifests or a saved snapshot.");
    }
}
