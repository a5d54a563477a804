using System.Globalization;
using System.Text.Json.Nodes;
using NetSecPS.Core.Checks.Support;
using NetSecPS.Core.Model;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Baseline;

/// <summary>
/// Builds the posture of a cluster from its model, the engine's flows and the audit's
/// findings. Only what the cluster enforces or exposes goes in: no times, no pod counts (a
/// scaled Deployment is not drift), no source files.
/// </summary>
internal static class PostureBuilder
{
    /// <summary>Kinds that are policies although the inventory lists them as other objects.</summary>
    private static readonly HashSet<string> MeshPolicyKinds = new(StringComparer.Ordinal) { "AuthorizationPolicy", "PeerAuthentication" };

    public static Posture Build(
        ClusterModel model,
        IEnumerable<Flow> flows,
        IEnumerable<Finding> findings,
        ProfileInfo? profile = null,
        PostureExceptions? exceptions = null,
        string? semantics = null)
    {
        var items = InventoryBuilder.Build(model).ToList();
        var objects = model.Data.Objects.ToLookup(o => (o.Kind, o.Namespace, o.Name));

        KubeObject? Find(InventoryItem item) =>
            objects[(item.Kind, item.Namespace, item.Name)].FirstOrDefault(o => o.ApiVersion == item.ApiVersion) ?? objects[(item.Kind, item.Namespace, item.Name)].FirstOrDefault();

        // The audit's own classifier, so drift ranks data stores as LAT-001 and EX-006 see them.
        var dataStores = model.Workloads.Select(w => (w.Peer, Product: WorkloadTraits.DataStore(w)?.Product))
            .Where(x => x.Product is not null).ToDictionary(x => x.Peer, x => x.Product, StringComparer.Ordinal);
        var policies = items.OfType<PolicyItem>().Select(p => FromPolicy(p, Find(p))).ToList();
        foreach (var o in items.OfType<OtherItem>().Where(o => MeshPolicyKinds.Contains(o.Kind)))
        {
            policies.Add(FromMeshPolicy(o, Find(o)));
        }

        return new Posture
        {
            Workloads = items.OfType<WorkloadItem>().Select(w => FromWorkload(w) with { DataStore = dataStores.GetValueOrDefault(w.Peer) }).ToList(),
            Policies = policies,
            Exposures = items.OfType<ServiceItem>().Select(FromService).OfType<PostureExposure>()
                .Concat(items.OfType<ExposureItem>().Select(FromExposure)).ToList(),
            Flows = FromFlows(flows),
            Findings = findings.Select(FromFinding).ToList(),
            Profile = profile is null ? null : FromProfile(profile),
            Exceptions = exceptions,
            Semantics = semantics,
        }.Sorted();
    }

    /// <summary>
    /// The posture of a finished scan. Policies are digested from the scan's snapshot when it
    /// has one; otherwise from their inventory summary (a weaker normal form: rules are counted,
    /// not compared).
    /// </summary>
    public static Posture FromScan(ScanResult scan, PostureExceptions? exceptions = null)
    {
        if (scan.Snapshot is { } snapshot)
        {
            return Build(Composition.ClusterAnalysis.Of(ClusterData.From(snapshot)).Model, scan.Flows, scan.Findings, scan.Profile, exceptions);
        }

        return new Posture
        {
            Workloads = scan.Workloads.Select(FromWorkload).ToList(),
            Policies = scan.Policies.Select(p => FromPolicy(p, null)).ToList(),
            Exposures = scan.Services.Select(FromService).OfType<PostureExposure>().Concat(scan.Exposures.Select(FromExposure)).ToList(),
            Flows = FromFlows(scan.Flows),
            Findings = scan.Findings.Select(FromFinding).ToList(),
            Profile = FromProfile(scan.Profile),
            Exceptions = exceptions,
        }.Sorted();
    }

    /// <summary>
    /// Reads an exceptions file (YAML or JSON) as canonical content. Whatever its schema, the
    /// baseline keeps it whole, so any change of a suppression changes the baseline's digest.
    /// </summary>
    public static PostureExceptions ReadExceptions(string path)
    {
        using var reader = new StringReader(InputFiles.ReadAllText(path, "The exceptions file"));
        var documents = YamlJsonReader.ReadDocuments(reader).Select(d => d.Root).Where(r => r is not null).ToList();
        var content = documents.Count switch
        {
            0 => null,
            1 => documents[0],
            _ => new JsonArray(documents.Select(d => d!.DeepClone()).ToArray()),
        };
        return FromExceptionsContent(content);
    }

    public static PostureExceptions FromExceptionsContent(JsonNode? content)
    {
        var normal = CanonicalJson.WithoutNulls(content);
        return new PostureExceptions { Digest = CanonicalJson.Digest(normal), Content = normal };
    }

    public static PostureWorkload FromWorkload(WorkloadItem w) => new()
    {
        Peer = w.Peer,
        Namespace = w.Namespace ?? string.Empty,
        Name = w.Name,
        Kind = w.Kind,
        Labels = w.Labels,
        Images = w.Images,
        Ports = w.Ports,
        HostNetwork = w.HostNetwork,
        ServiceAccount = string.IsNullOrEmpty(w.ServiceAccount) ? null : w.ServiceAccount,
        DataStore = DataStoreOf(w),
    };

    /// <summary>
    /// The data store a workload record names, when only the record is known (a scan without its
    /// snapshot): the image's repository name or a declared port of a product of the catalogue.
    /// </summary>
    private static string? DataStoreOf(WorkloadItem w)
    {
        foreach (var image in w.Images)
        {
            var product = WorkloadTraits.ImageName(image).Split('-', '_', '.')[0];
            if (WorkloadTraits.DataStores.ContainsKey(product))
            {
                return product;
            }
        }

        foreach (var declared in w.Ports)
        {
            var number = declared.Split('/')[0];
            number = number[(number.LastIndexOf(':') + 1)..];
            if (int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var port)
                && WorkloadTraits.DataStores.FirstOrDefault(d => d.Value.Contains(port)) is { Key: { } product })
            {
                return product;
            }
        }

        return null;
    }

    /// <summary>The flows in posture form; each distinct connection text is normalized once and shared.</summary>
    private static List<PostureFlow> FromFlows(IEnumerable<Flow> flows)
    {
        var normal = new Dictionary<string, string>(StringComparer.Ordinal);
        var result = new List<PostureFlow>();
        foreach (var f in flows)
        {
            if (!normal.TryGetValue(f.Connections, out var text))
            {
                normal[f.Connections] = text = NormalConnections(f.Connections);
            }

            result.Add(new PostureFlow(f.Source, f.Destination, text));
        }

        return result;
    }

    private static string NormalConnections(string connections) =>
        ConnectionText.TryParse(connections, out var c) ? c.ToString() : connections;

    public static PostureFinding FromFinding(Finding f) => new()
    {
        CheckId = f.CheckId,
        Severity = f.Severity,
        Title = f.Title,
        Namespace = f.Namespace,
        Resource = f.Resource,
        Evidence = f.Evidence,
        Suppressed = f.Suppressed,
        Justification = f.Suppressed ? f.Justification : null,
        SuppressedBy = f.Suppressed ? f.SuppressedBy : null,
        SuppressionExpires = f.SuppressionExpires?.ToUniversalTime().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
    };

    public static PostureProfile FromProfile(ProfileInfo p) => new()
    {
        Name = p.Name,
        ExcludedNamespaces = p.ExcludedNamespaces,
        Checks = p.Checks,
        Framework = p.Framework,
    };

    private static PosturePolicy FromPolicy(PolicyItem p, KubeObject? source) => new()
    {
        Kind = p.Kind,
        Group = GroupOf(p.ApiVersion),
        Namespace = p.Namespace,
        Name = p.Name,
        Priority = p.Priority,
        PolicyTypes = p.PolicyTypes,
        Subject = p.Subject,
        IngressRules = p.IngressRules,
        EgressRules = p.EgressRules,
        SpecDigest = SpecDigest(source, p),
    };

    private static PosturePolicy FromMeshPolicy(OtherItem o, KubeObject? source)
    {
        var spec = source is null ? null : ObjectFactory.ToJson(source)["spec"];
        var selector = spec?["selector"]?["matchLabels"] as JsonObject;
        return new PosturePolicy
        {
            Kind = o.Kind,
            Group = GroupOf(o.ApiVersion),
            Namespace = o.Namespace,
            Name = o.Name,
            Subject = selector is null || selector.Count == 0 ? "all workloads" : string.Join(",", selector.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}")),
            IngressRules = (spec?["rules"] as JsonArray)?.Count ?? 0,
            SpecDigest = SpecDigest(source, o),
        };
    }

    /// <summary>The spec in canonical JSON, nulls dropped; empty objects and lists are kept because they mean something (<c>podSelector: {}</c> selects all).</summary>
    private static string SpecDigest(KubeObject? source, InventoryItem item)
    {
        if (source is null)
        {
            return CanonicalJson.Digest(System.Text.Json.JsonSerializer.SerializeToNode(item, item.GetType(), BaselineFile.Json));
        }

        var json = ObjectFactory.ToJson(source);

        // Cilium policies may hold their rules in specs beside (or instead of) spec.
        var spec = json["specs"] is { } specs
            ? new JsonObject { ["spec"] = json["spec"]?.DeepClone(), ["specs"] = specs.DeepClone() }
            : json["spec"] ?? new JsonObject();
        return CanonicalJson.Digest(CanonicalJson.WithoutNulls(spec));
    }

    private static PostureExposure? FromService(ServiceItem s)
    {
        var type = s.Type switch
        {
            "LoadBalancer" => "LoadBalancer",
            "NodePort" => "NodePort",
            _ when s.ExternalIPs.Count > 0 => "ExternalIPs",
            _ => null,
        };
        if (type is null)
        {
            return null;
        }

        return new PostureExposure
        {
            Kind = s.Kind,
            Namespace = s.Namespace,
            Name = s.Name,
            Type = type,
            Ports = s.Ports,
            SourceRanges = s.LoadBalancerSourceRanges,
            ExternalIPs = s.ExternalIPs,
        };
    }

    private static PostureExposure FromExposure(ExposureItem e) => new()
    {
        Kind = e.Kind,
        Namespace = e.Namespace,
        Name = e.Name,
        Type = e.Kind,
        Hosts = e.Hosts,
        Backends = e.Backends,
        Tls = e.Tls,
    };

    private static string GroupOf(string apiVersion) =>
        apiVersion.Contains('/', StringComparison.Ordinal) ? apiVersion[..apiVersion.IndexOf('/', StringComparison.Ordinal)] : string.Empty;
}
