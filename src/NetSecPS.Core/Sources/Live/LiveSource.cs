using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace NetSecPS.Core.Sources.Live;

/// <summary>
/// Collects a snapshot from a live cluster through KubernetesClient: discovery of the optional
/// APIs, paged lists of every kind NetSecPS reads (several kinds at once), objects streamed into
/// the snapshot, and per-kind coverage that says exactly what could not be seen and why.
/// </summary>
internal static class LiveSource
{
    private const int ProgressId = 1;

    public static async Task<ClusterData> CollectAsync(LiveOptions options, IOutputSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sink);
        cancellationToken.ThrowIfCancellationRequested();
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();

        using var connection = ApiConnection.Open(options, sink);
        var activity = $"Reading cluster {connection.Context ?? connection.Server}";
        sink.Verbose($"Reading the cluster of context '{connection.Context}' (cluster '{connection.Cluster}') at {connection.Server}.");
        sink.Progress(new ProgressUpdate(ProgressId, activity, "connecting", 0));

        var serverVersion = await ServerVersionAsync(connection, sink, cancellationToken).ConfigureAwait(false);

        // Secrets are never requested, whatever the registry says.
        var kinds = KindRegistry.Kinds.Where(k => !(k.Group.Length == 0 && k.Plural == "secrets")).ToList();
        sink.Progress(new ProgressUpdate(ProgressId, activity, "discovering APIs", 0));
        var served = await ApiDiscovery.DiscoverAsync(connection, kinds, sink, cancellationToken).ConfigureAwait(false);

        var builder = new SnapshotBuilder();
        builder.DiagnosticAdded += sink.Diagnostic;
        foreach (var absent in served.Where(s => !s.IsServed))
        {
            var gv = ApiDiscovery.GroupVersion(absent.Info);
            builder.SetCoverage(new CoverageEntry(absent.Info.Kind, gv, CoverageStatus.Absent, 0, absent.AbsentReason));
            if (absent.Info.Optional)
            {
                sink.Verbose($"{absent.Info.Kind} ({gv}) is not installed: {absent.AbsentReason}.");
            }
            else
            {
                builder.AddDiagnostic(new InputDiagnostic(DiagnosticSeverity.Warning, "ApiAbsent",
                    $"{absent.Info.Kind} ({gv}) is not served by this cluster ({absent.AbsentReason}); it is recorded as Absent.", null, null, null, absent.Info.Kind));
            }
        }

        var reader = new KindReader(connection, builder, options, sink, activity, served.Count(s => s.IsServed));
        await Parallel.ForEachAsync(served.Where(s => s.IsServed),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.MaxParallelKinds), CancellationToken = cancellationToken },
            (kind, ct) => new ValueTask(reader.ReadAsync(kind, ct))).ConfigureAwait(false);

        sink.Progress(new ProgressUpdate(ProgressId, activity, "done", 100, Completed: true));
        var data = builder.Build(new Provenance
        {
            SourceKind = "live",
            Cluster = connection.Cluster,
            Context = connection.Context,
            Server = connection.Server,
            ServerVersion = serverVersion,
            CollectedAt = started,
        });
        WarnAboutMissingNamespaces(options, data, sink);
        sink.Verbose($"Read {data.Objects.Count} objects of {data.Coverage.Count(c => c.Status == CoverageStatus.Read)} kinds in {clock.Elapsed.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture)} s.");
        return data;
    }

    /// <summary>
    /// The first proof that the URL is a Kubernetes API server: /version answers with a version
    /// (or, on clusters that hide it, with a Kubernetes 403 Status). Anything else, such as a
    /// web server answering 404 to every path, fails the read instead of passing for an empty,
    /// healthy cluster.
    /// </summary>
    private static async Task<string?> ServerVersionAsync(ApiConnection connection, IOutputSink sink, CancellationToken cancellationToken)
    {
        string? version;
        try
        {
            var answer = await connection.GetJsonAsync("version", "the server version", cancellationToken).ConfigureAwait(false);
            version = answer["gitVersion"] is JsonValue v && v.TryGetValue<string>(out var text) ? text : null;
        }
        catch (ApiStatusException ex) when (ex.StatusCode == 403 && ex.Reason is not null)
        {
            sink.Verbose($"The API server does not tell its version (403: {ex.Message}); API discovery has to prove it is Kubernetes.");
            return null;
        }
        catch (ApiStatusException ex)
        {
            throw new NotKubernetesException(
                $"The server {connection.Server} (context '{connection.Context}') is not a Kubernetes API server: it answered /version with {ex.StatusCode} ({ex.Message}). Check the server URL of the context.");
        }
        catch (InvalidDataException ex)
        {
            throw new NotKubernetesException(
                $"The server {connection.Server} (context '{connection.Context}') is not a Kubernetes API server: {ex.Message} Check the server URL of the context.");
        }

        if (version is null || !version.StartsWith('v') || version.Length < 4 || !char.IsAsciiDigit(version[1]))
        {
            throw new NotKubernetesException(
                $"The server {connection.Server} (context '{connection.Context}') is not a Kubernetes API server: its /version answer has no Kubernetes gitVersion. Check the server URL of the context.");
        }

        sink.Verbose($"API server version {version}.");
        return version;
    }

    private static void WarnAboutMissingNamespaces(LiveOptions options, ClusterData data, IOutputSink sink)
    {
        if (options.Namespaces.Count == 0 || data.Coverage.FirstOrDefault(c => c.Kind == "Namespace")?.Status != CoverageStatus.Read)
        {
            return;
        }

        var existing = data.OfKind("Namespace").Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var ns in options.Namespaces.Where(n => !existing.Contains(n)))
        {
            sink.Warning($"Namespace '{ns}' does not exist on the cluster; nothing was read from it.");
        }
    }

    /// <summary>Reads served kinds one list at a time and records their coverage.</summary>
    private sealed class KindReader
    {
        private readonly ApiConnection connection;
        private readonly SnapshotBuilder builder;
        private readonly LiveOptions options;
        private readonly IOutputSink sink;
        private readonly string activity;
        private readonly int total;
        private int done;

        public KindReader(ApiConnection connection, SnapshotBuilder builder, LiveOptions options, IOutputSink sink, string activity, int total)
        {
            this.connection = connection;
            this.builder = builder;
            this.options = options;
            this.sink = sink;
            this.activity = activity;
            this.total = total;
        }

        public async Task ReadAsync(ServedKind kind, CancellationToken cancellationToken)
        {
            var label = kind.Info.Group.Length == 0 ? kind.Info.Plural : kind.Info.Plural + "." + kind.Info.Group;
            var namespaced = kind.Namespaced && options.Namespaces.Count > 0;
            var targets = namespaced
                ? options.Namespaces.Select(ns => (Namespace: (string?)ns, Path: $"{kind.PathPrefix}/namespaces/{Uri.EscapeDataString(ns)}/{kind.Info.Plural}")).ToList()
                : new List<(string? Namespace, string Path)> { (null, $"{kind.PathPrefix}/{kind.Info.Plural}") };
            var clock = Stopwatch.StartNew();
            var count = 0;
            var pages = 0;
            var forbidden = new List<string>();
            var failed = new List<string>();
            var notFound = 0;
            foreach (var (ns, path) in targets)
            {
                var what = ns is null ? label : $"{label} in namespace {ns}";
                var objects = new List<KubeObject>();
                try
                {
                    pages += await ListAsync(kind, path, what, objects, cancellationToken).ConfigureAwait(false);
                }
                catch (ApiStatusException ex) when (ex.StatusCode == 403)
                {
                    forbidden.Add(ex.Message);
                    if (kind.Info.Kind == "Namespace" && options.Namespaces.Count > 0)
                    {
                        count += await GetNamespacesOneByOneAsync(kind, cancellationToken).ConfigureAwait(false);
                    }
                }
                catch (ApiStatusException ex) when (ex.StatusCode == 404)
                {
                    notFound++;
                }
                catch (Exception ex) when (ex is ApiStatusException or HttpRequestException or InvalidDataException)
                {
                    failed.Add(ex.Message);
                }

                foreach (var o in objects)
                {
                    if (builder.Add(o))
                    {
                        count++;
                    }
                }
            }

            var gv = kind.GroupVersion!;
            CoverageEntry entry;
            if (forbidden.Count == 0 && failed.Count == 0 && notFound < targets.Count)
            {
                entry = new CoverageEntry(kind.Info.Kind, gv, CoverageStatus.Read, count, null);
                sink.Verbose($"Listed {count} {label} in {pages} page(s), {clock.Elapsed.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture)} s.");
            }
            else if (notFound == targets.Count)
            {
                entry = new CoverageEntry(kind.Info.Kind, gv, CoverageStatus.Absent, 0, $"{label} is not served (404 Not Found)");
                sink.Verbose($"{label} is not served by this cluster (404 Not Found).");
            }
            else if (forbidden.Count == targets.Count && count == 0)
            {
                entry = new CoverageEntry(kind.Info.Kind, gv, CoverageStatus.Forbidden, 0, forbidden[0]);
                builder.AddDiagnostic(new InputDiagnostic(DiagnosticSeverity.Warning, "Forbidden",
                    $"Cannot list {label}: the API server refused ({forbidden[0]}). {kind.Info.Kind} is recorded as Forbidden and the analysis goes on without it.",
                    null, null, null, kind.Info.Kind));
            }
            else if (failed.Count == targets.Count && count == 0)
            {
                entry = new CoverageEntry(kind.Info.Kind, gv, CoverageStatus.Error, 0, failed[0]);
                builder.AddDiagnostic(new InputDiagnostic(DiagnosticSeverity.Error, "ListFailed",
                    $"Cannot list {label}: {failed[0]} {kind.Info.Kind} is recorded as Error and the analysis goes on without it.", null, null, null, kind.Info.Kind));
            }
            else
            {
                var why = string.Join("; ", forbidden.Concat(failed));
                entry = new CoverageEntry(kind.Info.Kind, gv, CoverageStatus.Partial, count, why);
                builder.AddDiagnostic(new InputDiagnostic(DiagnosticSeverity.Warning, forbidden.Count > 0 ? "Forbidden" : "ListFailed",
                    $"Only part of {label} could be read ({count} objects): {why}", null, null, null, kind.Info.Kind));
            }

            builder.SetCoverage(entry);
            var n = Interlocked.Increment(ref done);
            sink.Progress(new ProgressUpdate(ProgressId, activity, $"{label}: {count} objects", n * 100 / Math.Max(1, total)));
        }

        /// <summary>
        /// Lists one kind (in one namespace or cluster-wide) page by page into <paramref name="into"/>;
        /// returns the number of pages. An expired continue token starts the list again from
        /// scratch (the partial result is dropped, so nothing is counted twice); after three
        /// expiries the list is read in one unpaged request, which cannot expire.
        /// </summary>
        private async Task<int> ListAsync(ServedKind kind, string path, string what, List<KubeObject> into, CancellationToken cancellationToken)
        {
            string? continueToken = null;
            var pages = 0;
            var expiries = 0;
            var unpaged = false;
            while (true)
            {
                var query = unpaged ? string.Empty : $"?limit={options.PageSize.ToString(CultureInfo.InvariantCulture)}";
                if (continueToken is not null)
                {
                    query += "&continue=" + Uri.EscapeDataString(continueToken);
                }

                JsonObject page;
                try
                {
                    page = await connection.GetJsonAsync(path + query, what, cancellationToken).ConfigureAwait(false);
                }
                catch (ApiStatusException ex) when (ex.StatusCode == 410 && continueToken is not null)
                {
                    expiries++;
                    unpaged = expiries >= 3;
                    sink.Verbose($"The continue token of {what} expired (410 Gone) after {into.Count} objects; listing {what} again from the start{(unpaged ? " in one request" : string.Empty)}.");
                    into.Clear();
                    continueToken = null;
                    continue;
                }

                pages++;
                AddItems(kind, page, what, into);
                continueToken = page["metadata"]?["continue"]?.ToString();
                if (string.IsNullOrEmpty(continueToken) || unpaged)
                {
                    return pages;
                }

                sink.Progress(new ProgressUpdate(ProgressId, activity, $"{what}: {into.Count} objects", Volatile.Read(ref done) * 100 / Math.Max(1, total)));
            }
        }

        private void AddItems(ServedKind kind, JsonObject page, string what, List<KubeObject> into)
        {
            if (page["items"] is not JsonArray items)
            {
                throw new InvalidDataException($"The API server's list of {what} has no items.");
            }

            // Items of built-in kinds carry no apiVersion/kind in a list: the list's own say what they are.
            var listApiVersion = page["apiVersion"]?.ToString() ?? kind.GroupVersion;
            var listKind = page["kind"]?.ToString();
            var itemKind = listKind is not null && listKind.EndsWith("List", StringComparison.Ordinal) && listKind.Length > 4 ? listKind[..^4] : kind.Info.Kind;
            var objects = items.OfType<JsonObject>().ToList();
            items.Clear();
            foreach (var obj in objects)
            {
                // Field-manager bookkeeping is large and says nothing about network security.
                (obj["metadata"] as JsonObject)?.Remove("managedFields");
                var result = ObjectFactory.Create(obj, null, listApiVersion, itemKind);
                if (result.Object is not null)
                {
                    into.Add(result.Object);
                }
                else if (result.Error is not null)
                {
                    builder.AddDiagnostic(new InputDiagnostic(DiagnosticSeverity.Warning, "InvalidObject", $"Skipped one of {what}: {result.Error}", null, null, null, itemKind,
                        obj["metadata"]?["name"]?.ToString()));
                }
            }
        }

        private async Task<int> GetNamespacesOneByOneAsync(ServedKind kind, CancellationToken cancellationToken)
        {
            var count = 0;
            foreach (var ns in options.Namespaces)
            {
                try
                {
                    var obj = await connection.GetJsonAsync($"{kind.PathPrefix}/namespaces/{Uri.EscapeDataString(ns)}", $"namespace {ns}", cancellationToken).ConfigureAwait(false);
                    var result = ObjectFactory.Create(obj, null, kind.GroupVersion, kind.Info.Kind);
                    if (result.Object is not null && builder.Add(result.Object))
                    {
                        count++;
                    }
                }
                catch (ApiStatusException ex) when (ex.StatusCode is 403 or 404)
                {
                    sink.Verbose($"Namespace {ns} could not be read ({ex.StatusCode}: {ex.Message}).");
                }
            }

            return count;
        }
    }
}
