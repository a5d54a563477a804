using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using NetSecPS.Core.Sources;

namespace NetSecPS.FakeApiServer;

/// <summary>One object as the server stores it: its JSON as a get answers, and as a list item.</summary>
public sealed record StoredObject(string? Namespace, string Name, byte[] Json, byte[] ListItemJson);

/// <summary>
/// The objects the fake server serves, read from manifests with NetSecPS's own ManifestSource,
/// filled in the way an API server fills them (uid, resourceVersion, creationTimestamp,
/// namespace) and, optionally, with what a running cluster adds: nodes, ReplicaSets and pods
/// owned by the workloads, pod IPs and status, Service cluster IPs, namespace name labels.
/// </summary>
public sealed class FakeCluster
{
    private readonly Dictionary<string, ResourceType> typesByKey = new(StringComparer.Ordinal);
    private readonly Dictionary<ResourceType, List<StoredObject>> objects = new();

    public FakeCluster(FakeApiServerOptions options)
    {
        foreach (var t in ResourceType.BuiltIns)
        {
            Register(t);
        }

        var data = ManifestSource.Read(options.ManifestPaths);
        var json = new List<JsonObject>();
        foreach (var o in data.Objects)
        {
            var node = ObjectFactory.ToJson(o).DeepClone().AsObject();
            var info = KindRegistry.Find(o.ApiVersion, o.Kind);
            if (info is not null && info.Group != KindRegistry.GroupOf(o.ApiVersion))
            {
                // Served at the group the API has now (extensions/v1beta1 Deployments are apps/v1 ones).
                node["apiVersion"] = info.Group + "/" + info.Version;
            }

            json.Add(node);
        }

        foreach (var gv in options.InstallApis)
        {
            InstallRegistryGroupVersion(gv);
        }

        foreach (var crd in json.Where(j => (string?)j["kind"] == "CustomResourceDefinition"))
        {
            InstallCrd(crd);
        }

        if (options.RunningState)
        {
            json = RunningState.Synthesize(json, options.Nodes);
        }

        var rv = 1000;
        var created = options.CreationTime.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var byType = new Dictionary<ResourceType, List<(string? Ns, string Name, JsonObject Obj)>>();
        foreach (var obj in json)
        {
            var type = TypeFor(obj);
            var meta = obj["metadata"] as JsonObject ?? new JsonObject();
            obj["metadata"] = meta;
            var name = (string?)meta["name"] ?? string.Empty;
            string? ns = null;
            if (type.Namespaced)
            {
                ns = (string?)meta["namespace"] ?? "default";
                meta["namespace"] = ns;
            }
            else
            {
                meta.Remove("namespace");
            }

            meta["uid"] ??= Uid(type.GroupVersion + "/" + type.Kind + "/" + ns + "/" + name);
            meta["resourceVersion"] = (rv++).ToString(System.Globalization.CultureInfo.InvariantCulture);
            meta["creationTimestamp"] ??= created;
            if (!byType.TryGetValue(type, out var list))
            {
                byType[type] = list = new();
            }

            list.Add((ns, name, obj));
        }

        ResourceVersion = rv;
        foreach (var (type, list) in byType)
        {
            objects[type] = list
                .OrderBy(x => x.Ns ?? string.Empty, StringComparer.Ordinal)
                .ThenBy(x => x.Name, StringComparer.Ordinal)
                .Select(x => Store(type, x.Ns, x.Name, x.Obj))
                .ToList();
        }
    }

    /// <summary>The resourceVersion of the whole store (it never changes once loaded).</summary>
    public int ResourceVersion { get; }

    public IEnumerable<ResourceType> Types => typesByKey.Values.Distinct();

    public IReadOnlyList<StoredObject> Objects(ResourceType type) => objects.TryGetValue(type, out var l) ? l : Array.Empty<StoredObject>();

    /// <summary>How many objects of a resource (plural, or group/plural) the server holds.</summary>
    public int Count(string resource) =>
        Types.Where(t => t.Plural == resource || t.Group + "/" + t.Plural == resource).Sum(t => Objects(t).Count);

    public ResourceType? Find(string group, string version, string plural) =>
        typesByKey.TryGetValue($"{group}/{version}/{plural}", out var t) ? t : null;

    private ResourceType TypeFor(JsonObject obj)
    {
        var apiVersion = (string?)obj["apiVersion"] ?? "v1";
        var kind = (string?)obj["kind"] ?? "Unknown";
        var group = KindRegistry.GroupOf(apiVersion);
        var version = apiVersion.Contains('/', StringComparison.Ordinal) ? apiVersion[(group.Length + 1)..] : apiVersion;
        var existing = typesByKey.Values.FirstOrDefault(t => t.Group == group && t.Version == version && t.Kind == kind);
        if (existing is not null)
        {
            return existing;
        }

        // An object of a kind no CRD announced: install its API the way installing its CRDs would.
        if (!InstallRegistryGroupVersion(apiVersion) || typesByKey.Values.FirstOrDefault(t => t.Group == group && t.Version == version && t.Kind == kind) is not { } installed)
        {
            var namespaced = !KindRegistry.IsClusterScoped(kind) && obj["metadata"]?["namespace"] is not null;
            installed = new ResourceType(group, version, kind, ResourceType.GuessPlural(kind), namespaced, false);
            Register(installed);
        }

        return installed;
    }

    /// <summary>Serves every registry kind of one group version (e.g. all AdminNetworkPolicy kinds); false when the registry has none there.</summary>
    public bool InstallRegistryGroupVersion(string groupVersion)
    {
        var group = KindRegistry.GroupOf(groupVersion);
        var version = groupVersion.Contains('/', StringComparison.Ordinal) ? groupVersion[(group.Length + 1)..] : groupVersion;
        var kinds = KindRegistry.Kinds.Where(k => k.Group == group && k.Group.Length > 0 && k.Version == version).ToList();
        foreach (var k in kinds)
        {
            Register(new ResourceType(k.Group, k.Version, k.Kind, k.Plural, k.Namespaced, false));
        }

        return kinds.Count > 0;
    }

    private void InstallCrd(JsonObject crd)
    {
        var spec = crd["spec"];
        var group = (string?)spec?["group"];
        var kind = (string?)spec?["names"]?["kind"];
        var plural = (string?)spec?["names"]?["plural"];
        if (group is null || kind is null || plural is null)
        {
            return;
        }

        var namespaced = (string?)spec!["scope"] != "Cluster";
        foreach (var v in spec["versions"] as JsonArray ?? new JsonArray())
        {
            if (v?["served"] is JsonValue served && served.GetValue<bool>() && (string?)v["name"] is { } version)
            {
                Register(new ResourceType(group, version, kind, plural, namespaced, false));
            }
        }
    }

    private void Register(ResourceType type) => typesByKey.TryAdd($"{type.Group}/{type.Version}/{type.Plural}", type);

    internal static string Uid(string key)
    {
        var h = SHA256.HashData(Encoding.UTF8.GetBytes(key));
        return new Guid(h.AsSpan(0, 16)).ToString();
    }

    /// <summary>The JSON once for a get (with apiVersion and kind) and once for a list: built-in items carry no type there, as the real server sends them.</summary>
    private static StoredObject Store(ResourceType type, string? ns, string name, JsonObject obj)
    {
        obj["apiVersion"] = type.GroupVersion;
        obj["kind"] = type.Kind;
        var full = JsonSerializer.SerializeToUtf8Bytes(obj);
        var item = full;
        if (type.BuiltIn)
        {
            var copy = obj.DeepClone().AsObject();
            copy.Remove("apiVersion");
            copy.Remove("kind");
            item = JsonSerializer.SerializeToUtf8Bytes(copy);
        }

        return new StoredObject(ns, name, full, item);
    }
}
