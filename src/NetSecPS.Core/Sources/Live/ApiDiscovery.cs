using System.Text.Json.Nodes;

namespace NetSecPS.Core.Sources.Live;

/// <summary>Where a kind is served on this cluster, or why it is not.</summary>
public sealed record ServedKind(KindRegistry.KindInfo Info, string? GroupVersion, bool Namespaced, string? AbsentReason)
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
public static class ApiDiscovery
{
    public static async Task<IReadOnlyList<ServedKind>> DiscoverAsync(ApiConnection connection, IEnumerable<KindRegistry.KindInfo> kinds, IOutputSink sink, CancellationToken cancellationToken)
    {
        var wanted = kinds.ToList();
        Dictionary<string, List<string>> groupVersions;
        try
        {
            groupVersions = await GroupVersionsAsync(connection, cancellationToken).ConfigureAwait(false);
        }
        catch (ApiStatusException ex)
        {
            // Discovery is open to every authenticated user by default; when a cluster closes it,
            // try the registry's versions and let each list say whether the kind exists.
            sink.Warning($"API discovery was refused ({ex.StatusCode}: {ex.Message}); reading every kind at its usual version.");
            return wanted.Select(k => new ServedKind(k, k.Group.Length == 0 ? k.Version : k.Group + "/" + k.Version, k.Namespaced, null)).ToList();
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

            result.Add(found ?? new ServedKind(k, null, k.Namespaced, $"{k.Plural} is not served by {string.Join(", ", versions)}"));
        }

        return result;
    }

    public static string GroupVersion(KindRegistry.KindInfo k) => k.Group.Length == 0 ? k.Version : k.Group + "/" + k.Version;

    /// <summary>Every served group with its group versions, preferred version first; the core group under "".</summary>
    private static async Task<Dictionary<string, List<string>>> GroupVersionsAsync(ApiConnection connection, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var core = await connection.GetJsonAsync("api", "the core API versions", cancellationToken).ConfigureAwait(false);
        var coreVersions = (core["versions"] as JsonArray)?.Select(v => v?.ToString()).Where(v => !string.IsNullOrEmpty(v)).Select(v => v!).ToList() ?? new List<string>();
        if (coreVersions.Count > 0)
        {
            result[string.Empty] = coreVersions;
        }

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

        return result;
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
