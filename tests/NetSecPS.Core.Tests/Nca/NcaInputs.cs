using System.Globalization;
using System.Text.Json.Nodes;
using NetSecPS.Core.Sources;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace NetSecPS.Core.Tests.Nca;

/// <summary>
/// Turns an NCA configuration into a NetSecPS snapshot: the case's files are read, the forms NCA
/// accepts but the Kubernetes API does not are brought into API form, a one-policy reference keeps
/// only that policy, and the result is written to a temporary folder that
/// <see cref="ManifestSource"/> reads as any user's manifests.
/// </summary>
/// <remarks>
/// Conversions, each of an input form and not of a semantic:
/// <list type="bullet">
/// <item>Pods whose <c>containers[].ports</c> is an object (<c>{}</c>, an empty placeholder in the NCA
/// pod lists) lose that field: the API requires a list, and an empty one declares nothing.</item>
/// <item>Calico WorkloadEndpoints (calicoctl output, used by NCA as its pod list) become the pods
/// they stand for: <c>spec.pod</c> in the endpoint's namespace, its labels without the
/// <c>projectcalico.org/</c> labels Calico adds itself, its service account (from
/// <c>projectcalico.org/serviceaccount</c>), its ports as container ports (not its address: NCA
/// gives pods no addresses), owned by the ReplicaSet its <c>generateName</c> names.</item>
/// </list>
/// </remarks>
internal static class NcaInputs
{
    /// <summary>Kinds NCA treats as policies (a one-policy reference keeps one of them and drops the rest).</summary>
    private static readonly HashSet<(string Group, string Kind)> PolicyKinds = new()
    {
        ("networking.k8s.io", "NetworkPolicy"), ("projectcalico.org", "NetworkPolicy"), ("projectcalico.org", "GlobalNetworkPolicy"),
        ("crd.projectcalico.org", "NetworkPolicy"), ("crd.projectcalico.org", "GlobalNetworkPolicy"),
        ("security.istio.io", "AuthorizationPolicy"), ("networking.istio.io", "Sidecar"), ("networking.k8s.io", "Ingress"),
        ("networking.istio.io", "Gateway"), ("networking.istio.io", "VirtualService"),
    };

    public static ClusterData Read(NcaConfig config)
    {
        var dir = Path.Combine(Path.GetTempPath(), "netsecps-nca", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var perFile = config.Files.Select(f => (File: f, Objects: Flatten(ReadFile(f)).Select(Convert).OfType<JsonObject>()
                .Where(o => !config.TopologyOnly.Contains(f) || !IsPolicy(o)).ToList())).ToList();
            if (config.Selection is { } selection)
            {
                var kept = 0;
                foreach (var (_, objects) in perFile)
                {
                    objects.RemoveAll(o => IsPolicy(o) && !(Selected(o, selection) && ++kept > 0));
                }

                if (kept != 1)
                {
                    throw new InvalidOperationException($"{config.Case.Name}: '{config.Reference}' selects {kept} policies, not one");
                }
            }

            var index = 0;
            foreach (var (file, objects) in perFile)
            {
                var list = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "List", ["items"] = new JsonArray(objects.Select(o => (JsonNode)o).ToArray()) };
                File.WriteAllText(Path.Combine(dir, $"{index++:D3}-{Path.GetFileName(file)}.json"), list.ToJsonString());
            }

            return ManifestSource.Read(new[] { dir });
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static bool IsPolicy(JsonObject o) => PolicyKinds.Contains((GroupOf(o), Str(o["kind"]) ?? string.Empty));

    private static bool Selected(JsonObject o, NcaPolicySelection s) =>
        Str(o["metadata"]?["name"]) == s.Name
        && (s.Namespace is null || Str(o["metadata"]?["namespace"]) == s.Namespace)
        && (s.Group is null || GroupOf(o) == s.Group || (s.Group == "projectcalico.org" && GroupOf(o) == "crd.projectcalico.org"));

    private static string GroupOf(JsonObject o)
    {
        var apiVersion = Str(o["apiVersion"]) ?? string.Empty;
        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? string.Empty : apiVersion[..slash];
    }

    private static IEnumerable<JsonObject> Flatten(IEnumerable<JsonNode?> documents)
    {
        foreach (var d in documents)
        {
            if (d is not JsonObject o)
            {
                continue;
            }

            if ((Str(o["kind"]) ?? string.Empty).EndsWith("List", StringComparison.Ordinal) && o["items"] is JsonArray items)
            {
                foreach (var item in Flatten(items.Select(i => i?.DeepClone())))
                {
                    // List items of calicoctl and kubectl output may omit their own kind and apiVersion.
                    item["kind"] ??= (Str(o["kind"]) ?? string.Empty)[..^"List".Length];
                    item["apiVersion"] ??= Str(o["apiVersion"]);
                    yield return item;
                }

                continue;
            }

            yield return o;
        }
    }

    private static JsonObject? Convert(JsonObject o)
    {
        switch (Str(o["kind"]))
        {
            case "Pod":
                foreach (var c in (o["spec"]?["containers"] as JsonArray ?? new JsonArray()).Concat(o["spec"]?["initContainers"] as JsonArray ?? new JsonArray()))
                {
                    if (c is JsonObject container && container["ports"] is JsonObject)
                    {
                        container.Remove("ports");
                    }
                }

                return o;
            case "WorkloadEndpoint":
                return PodOf(o);
            default:
                return o;
        }
    }

    private static JsonObject PodOf(JsonObject wep)
    {
        var meta = wep["metadata"] as JsonObject ?? new JsonObject();
        var spec = wep["spec"] as JsonObject ?? new JsonObject();
        var labels = new JsonObject();
        string? serviceAccount = null;
        foreach (var (k, v) in meta["labels"] as JsonObject ?? new JsonObject())
        {
            if (k == "projectcalico.org/serviceaccount")
            {
                serviceAccount = Str(v);
            }

            if (!k.StartsWith("projectcalico.org/", StringComparison.Ordinal))
            {
                labels[k] = Str(v);
            }
        }

        var ports = new JsonArray();
        foreach (var p in spec["ports"] as JsonArray ?? new JsonArray())
        {
            ports.Add(new JsonObject { ["name"] = Str(p?["name"]), ["protocol"] = Str(p?["protocol"]) ?? "TCP", ["containerPort"] = p?["port"]?.DeepClone() });
        }

        var metadata = new JsonObject
        {
            ["name"] = Str(spec["pod"]) ?? Str(meta["name"]),
            ["namespace"] = Str(meta["namespace"]),
            ["labels"] = labels,
        };
        if (Str(meta["generateName"]) is { Length: > 1 } generate)
        {
            metadata["ownerReferences"] = new JsonArray(new JsonObject
            {
                ["apiVersion"] = "apps/v1",
                ["kind"] = labels.ContainsKey("pod-template-hash") ? "ReplicaSet" : labels.ContainsKey("controller-revision-hash") ? "DaemonSet" : "ReplicaSet",
                ["name"] = generate.TrimEnd('-'),
                ["uid"] = "nca-" + generate,
                ["controller"] = true,
            });
        }

        var pod = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = metadata,
            ["spec"] = new JsonObject
            {
                ["serviceAccountName"] = serviceAccount,
                ["nodeName"] = Str(spec["node"]),
                ["containers"] = new JsonArray(new JsonObject { ["name"] = "main", ["image"] = "nca/endpoint", ["ports"] = ports }),
            },
        };
        return pod;
    }

    private static IEnumerable<JsonNode?> ReadFile(string file)
    {
        var text = File.ReadAllText(file);
        if (file.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            return new[] { JsonNode.Parse(text) };
        }

        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return stream.Documents.Select(d => ToJson(d.RootNode)).ToList();
    }

    /// <summary>YAML to JSON with plain scalars typed as YAML 1.2's core schema types them.</summary>
    internal static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(kv => KeyValuePair.Create(((YamlScalarNode)kv.Key).Value ?? string.Empty, ToJson(kv.Value)))),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(ToJson).ToArray()),
        YamlScalarNode s when s.Style != ScalarStyle.Plain => JsonValue.Create(s.Value),
        YamlScalarNode s => s.Value switch
        {
            null or "" or "~" or "null" or "Null" or "NULL" => null,
            "true" or "True" or "TRUE" => JsonValue.Create(true),
            "false" or "False" or "FALSE" => JsonValue.Create(false),
            var v when long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) => JsonValue.Create(l),
            var v when double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && !v.Contains(':', StringComparison.Ordinal) => JsonValue.Create(d),
            var v => JsonValue.Create(v),
        },
        _ => null,
    };

    private static string? Str(JsonNode? n) => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : n?.ToString();
}
