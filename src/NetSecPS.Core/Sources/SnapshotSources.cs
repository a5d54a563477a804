using NetSecPS.Core.Sources.Live;

namespace NetSecPS.Core.Sources;

/// <summary>One entry point for every source of a snapshot: manifests, a saved snapshot, or a live cluster.</summary>
internal static class SnapshotSources
{
    /// <summary>
    /// Reads manifest files and folders, or a saved snapshot when the only path is a <c>.json.gz</c>,
    /// within <paramref name="limits"/> (<see cref="InputLimits.Default"/> when null).
    /// </summary>
    public static ClusterData FromPaths(IReadOnlyList<string> paths, IOutputSink sink, CancellationToken cancellationToken, InputLimits? limits = null)
    {
        limits ??= InputLimits.Default;
        if (paths.Count == 1 && SnapshotFile.LooksLikeSnapshotPath(paths[0]) && InputFiles.KindOf(paths[0]) is not (InputFileKind.Missing or InputFileKind.Directory))
        {
            sink.Verbose($"Reading saved snapshot {paths[0]}");
            return SnapshotFile.ReadFile(paths[0], limits);
        }

        if (paths.Count > 1 && paths.FirstOrDefault(SnapshotFile.LooksLikeSnapshotPath) is { } saved)
        {
            throw new InvalidDataException($"{saved} is a saved snapshot, which is read on its own: give it as the only path, or import it with Import-NetSecSnapshot.");
        }

        sink.Verbose($"Reading manifests from {string.Join(", ", paths)}");
        var data = ManifestSource.Read(paths, null, cancellationToken,
            (i, n, f) => sink.Progress(new ProgressUpdate(1, "Reading manifests", f, n == 0 ? 100 : i * 100 / n)), limits);
        sink.Progress(new ProgressUpdate(1, "Reading manifests", "done", 100, Completed: true));
        foreach (var d in data.Diagnostics)
        {
            sink.Diagnostic(d);
        }

        return data;
    }

    /// <summary>Reads a live cluster.</summary>
    public static Task<ClusterData> FromClusterAsync(LiveOptions options, IOutputSink sink, CancellationToken cancellationToken) =>
        LiveSource.CollectAsync(options, sink, cancellationToken);
}
