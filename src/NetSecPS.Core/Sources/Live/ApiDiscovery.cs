using System.Text.Json.Nodes;

namespace NetSecPS.Core.Sources.Live;

/// <summary>Where a kind is served on this cluster, or why it is not.</summary>
internal sealed record ServedKind(KindRegistry.KindInfo Info, string? GroupVersion, bool Namespaced, string? AbsentReason)
{
    public bool IsServed => GroupVersion is not null;

    /// <summary>The URL path prefix of the kind's group version: <c>api/v1</c> or <c>apis/group/version</c>.</summary>
    public string PathPrefix => Info.Group.Length == 0 ? "api/" + GroupVersion : "apis/" + GroupVersion;
}

/// <summary>
/// Discovers which of the registry's kinds the cluster serves, and at which version: the API
/// groups (<c>/api</c>, <c>/apis</c>), then the resource list of each group version NetSecPS
/// needs. An optional API that is not installed is absent, not an error.
/// </summary>
internal static class ApiDiscovery
{
    public static async Task<IReadOnlyList<ServedKind>> DiscoverAsync(ApiConnection connection, IEnumerable<KindRegistry.KindInfo> kinds, IOutputSink sink, CancellationToken cancellationToken)
    {
        var wanted = kinds.ToList();
        var groupVersions = new Dictionary<string, List<string>>(StringComparer.Ordinal) { [string.Empty] = await CoreVersionsAsync(connection, cancellationToken).ConfigureAwait(false) };
        var guessed = false;
        try
        {
            await AddGroupVersionsAsync(connection, groupVersions, cancellationToken).ConfigureAwait(false);
        }
        catch (ApiStatusException ex) when (ex.StatusCode == 403)
        {
            // Discovery is open to every authenticated user by default; when a cluster closes the
            // group list, try the registry's versions and let each list say whether the kind exists.
            sink.Warning($"API group discovery was refused ({ex.StatusCode}: {ex.Message}); reading every API group at its usual version.");
            foreach (var g in wanted.Where(k => k.Group.Length > 0).GroupBy(k => k.Group))
            {
                groupVersions[g.Key] = g.Select(GroupVersion).Distinct(StringComparer.Ordinal).ToList();
            }

            guessed = true;
        }
        catch (Exception ex) when (ex is ApiStatusException or InvalidDataException)
        {
            throw new NotKubernetesException($"The server {connection.Server} (context '{connection.Context}') is not a Kubernetes API server: its API group list (/apis) does not answer ({ex.Message}).");
        }

        // Resource lists of every group version a wanted kind could be served at, fetched in parallel.
        var needed = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var k in wanted)
        {
            if (groupVersions.TryGetValue(k.Group, out var versions))
            {
                foreach (var gv in versions)
                {
                    needed.Add(gv);
                }
            }
        }

        var resources = new Dictionary<string, Dictionary<string, (bool Namespaced, bool Listable)>>(StringComparer.Ordinal);
        var fetches = needed.Select(async gv =>
        {
            var path = gv.Contains('/', StringComparison.Ordinal) ? "apis/" + gv : "api/" + gv;
            try
            {
                var list = await connection.GetJsonAsync(path, $"the resources of {gv}", cancellationToken).ConfigureAwait(false);
                return (gv, Resources(list));
            }
            catch (Exception ex) when (gv == "v1" && ex is ApiStatusException or InvalidDataException)
            {
                throw new NotKubernetesException(
                    $"The server {connection.Server} (context '{connection.Context}') does not serve the core API: /api/v1 answered {(ex is ApiStatusException s ? s.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture) + " " : string.Empty)}({ex.Message}). " +
                    "NetSecPS needs API discovery, which every authenticated user has by default (ClusterRole system:discovery).");
            }
            catch (ApiStatusException ex) when (ex.StatusCode is 404 or 403 or 503)
            {
                // A group version that is listed but does not answer (e.g. an aggregated API that is down).
                sink.Verbose($"The resources of {gv} could not be discovered ({ex.StatusCode}: {ex.Message}).");
                return (gv, new Dictionary<string, (bool, bool)>(StringComparer.Ordinal));
            }
        }).ToList();
        foreach (var (gv, list) in await Task.WhenAll(fetches).ConfigureAwait(false))
        {
            resources[gv] = list;
        }

        if (!resources.TryGetValue("v1", out var core) || !core.ContainsKey("namespaces") || !core.ContainsKey("pods"))
        {
            throw new NotKubernetesException(
                $"The server {connection.Server} (context '{connection.Context}') is not a Kubernetes API server: its core API (/api/v1) does not list namespaces and pods.");
        }

        var result = new List<ServedKind>(wanted.Count);
        foreach (var k in wanted)
        {
            if (!groupVersions.TryGetValue(k.Group, out var versions))
            {
                result.Add(new ServedKind(k, null, k.Namespaced, $"the API group {(k.Group.Length == 0 ? "core" : k.Group)} is not served by this cluster"));
                continue;
            }

            // The registry's version first, then the group's versions in the server's order of preference.
            var candidates = versions.OrderBy(gv => gv == GroupVersion(k) ? 0 : 1).ToList();
            ServedKind? found = null;
            foreach (var gv in candidates)
            {
                if (resources.TryGetValue(gv, out var res) && res.TryGetValue(k.Plural, out var r) && r.Listable)
                {
                    found = new ServedKind(k, gv, r.Namespaced, null);
                    break;
                }
            }

            if (found is null && guessed && k.Group.Length > 0 && resources.GetValueOrDefault(GroupVersion(k)) is not { Count: > 0 })
            {
                // Undiscoverable group: the list itself will say whether the kind exists.
                found = new ServedKind(k, GroupVersion(k), k.Namespaced, null);
            }

            result.Add(found ?? new ServedKind(k, null, k.Namespaced, $"{k.Plural} is not served by {string.Join(", ", versions)}"));
        }

        return result;
    }

    public static string GroupVersion(KindRegistry.KindInfo k) => k.Group.Length == 0 ? k.Version : k.Group + "/" + k.Version;

    /// <summary>
    /// The core API's versions (/api). Every Kubernetes API server serves v1 there to every
    /// authenticated user; a server that does not is not one, whatever /version said.
    /// </summary>
    private static async Task<List<string>> CoreVersionsAsync(ApiConnection connection, CancellationToken cancellationToken)
    {
        JsonObject core;
        try
        {
            core = await connection.GetJsonAsync("api", "the core API versions", cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ApiStatusException or InvalidDataException)
        {
            throw new NotKubernetesException(
                $"The server {connection.Server} (context '{connection.Context}') is not a Kubernetes API server, or refuses API discovery: /api answered {(ex is ApiStatusException s ? s.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture) : "something else")} ({ex.Message}).");
        }

        var versions = (core["versions"] as JsonArray)?.Select(v => v is JsonValue value && value.TryGetValue<string>(out var t) ? t : null).Where(v => !string.IsNullOrEmpty(v)).Select(v => v!).ToList() ?? new List<string>();
        var kind = core["kind"] is JsonValue kv && kv.TryGetValue<string>(out var k) ? k : null;
        if (kind != "APIVersions" || !versions.Contains("v1"))
        {
            throw new NotKubernetesException(
                $"The server {connection.Server} (context '{connection.Context}') is not a Kubernetes API server: /api is not an APIVersions list with v1.");
        }

        return versions;
    }

    /// <summary>Every served API group with its group versions, preferred version first (/apis).</summary>
    private static async Task AddGroupVersionsAsync(ApiConnection connection, Dictionary<string, List<string>> result, CancellationToken cancellationToken)
    {
        var apis = await connection.GetJsonAsync("apis", "the API groups", cancellationToken).ConfigureAwait(false);
        foreach (var g in apis["groups"] as JsonArray ?? new JsonArray())
        {
            var name = g?["name"]?.ToString();
            if (string.IsNullOrEmpty(name))
            {
                continue;
            }

            var preferred = g!["preferredVersion"]?["groupVersion"]?.ToString();
            var versions = (g["versions"] as JsonArray)?.Select(v => v?["groupVersion"]?.ToString()).Where(v => !string.IsNullOrEmpty(v)).Select(v => v!).ToList() ?? new List<string>();
            result[name] = versions.OrderBy(v => v == preferred ? 0 : 1).ToList();
        }
    }

    private static Dictionary<string, (bool Namespaced, bool Listable)> Resources(JsonObject list)
    {
        var result = new Dictionary<string, (bool, bool)>(StringComparer.Ordinal);
        foreach (var r in list["resources"] as JsonArray ?? new JsonArray())
        {
            var name = r?["name"]?.ToString();
            if (string.IsNullOrEmpty(name) || name.Contains('/', StringComparison.Ordinal))
            {
                continue;
            }

            var namespaced = r!["namespaced"] is JsonValue nv && nv.TryGetValue<bool>(out var b) && b;
            var verbs = r["verbs"] as JsonArray;
            var listable = verbs is null || verbs.Any(v => v?.ToString() == "list");
            result[name] = (namespaced, listable);
        }

        return result;
    }
}
