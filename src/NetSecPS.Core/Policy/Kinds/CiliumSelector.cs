using System.Text.Json.Nodes;
using NetSecPS.Core.Connectivity;

namespace NetSecPS.Core.Policy;

/// <summary>
/// A Cilium endpoint selector: a Kubernetes label selector whose keys may carry a label source
/// (<c>k8s:app</c>, <c>any:app</c>; <c>reserved:host</c> names an entity). Split into the
/// requirements on the namespace (<c>io.kubernetes.pod.namespace</c> and
/// <c>io.cilium.k8s.namespace.labels.*</c>) and those on the pod, because a namespaced policy's
/// selector is confined to its namespace unless it names the namespace.
/// </summary>
internal sealed class CiliumSelector
{
    private CiliumSelector(LabelSelector selector, LabelSelector namespacePart, LabelSelector podPart, string? entity, bool namesNamespace, bool namesNamespaceLabels)
    {
        Selector = selector;
        NamespacePart = namespacePart;
        PodPart = podPart;
        Entity = entity;
        NamesNamespace = namesNamespace;
        NamesNamespaceLabels = namesNamespaceLabels;
    }

    /// <summary>Every requirement, keys without their source, matched against a pod's Cilium labels.</summary>
    public LabelSelector Selector { get; }

    /// <summary>The requirements on the namespace's name and labels.</summary>
    public LabelSelector NamespacePart { get; }

    /// <summary>The requirements on the pod itself (labels, service account, cluster).</summary>
    public LabelSelector PodPart { get; }

    /// <summary>The entity a <c>reserved:</c> label names (<c>host</c>, <c>world</c>, ...); null for a pod selector.</summary>
    public string? Entity { get; }

    /// <summary>The selector names <c>io.kubernetes.pod.namespace</c>.</summary>
    public bool NamesNamespace { get; }

    /// <summary>The selector names a namespace label (<c>io.cilium.k8s.namespace.labels.*</c>).</summary>
    public bool NamesNamespaceLabels { get; }

    /// <summary>
    /// Whether, in a namespaced policy, the selector reaches beyond the policy's namespace: Cilium
    /// adds <c>io.kubernetes.pod.namespace=&lt;policy namespace&gt;</c> unless the selector names the
    /// namespace or a namespace label (cilium <c>pkg/k8s/apis/cilium.io/utils</c>, getEndpointSelector).
    /// </summary>
    public bool LeavesNamespace => NamesNamespace || NamesNamespaceLabels;

    public static CiliumSelector? Parse(JsonNode? node, out string? error)
    {
        error = null;
        if (node is null)
        {
            return new CiliumSelector(LabelSelector.Everything, LabelSelector.Everything, LabelSelector.Everything, null, false, false);
        }

        if (node is not JsonObject obj)
        {
            error = "a selector must be an object";
            return null;
        }

        var all = new JsonObject();
        var ns = new JsonObject();
        var pod = new JsonObject();
        string? entity = null;
        var reserved = 0;
        bool namesNamespace = false, namesNamespaceLabels = false;

        bool Route(string rawKey, Func<JsonNode> entry, string part, out string? problem)
        {
            problem = null;
            var key = rawKey;
            var colon = rawKey.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                var source = rawKey[..colon];
                key = rawKey[(colon + 1)..];
                switch (source)
                {
                    case "k8s" or "any":
                        break;
                    case "reserved":
                        reserved++;
                        entity = key;
                        return false;
                    default:
                        problem = $"label source '{source}:' of key '{rawKey}' is not one a Kubernetes pod carries (k8s, any, reserved)";
                        return false;
                }
            }

            var isNamespace = key == CiliumCluster.NamespaceLabel;
            var isNamespaceLabel = key.StartsWith(CiliumCluster.NamespaceLabelsPrefix, StringComparison.Ordinal);
            namesNamespace |= isNamespace;
            namesNamespaceLabels |= isNamespaceLabel;
            Add(all, part, key, entry());
            Add(isNamespace || isNamespaceLabel ? ns : pod, part, key, entry());
            return true;
        }

        if (obj["matchLabels"] is JsonObject ml)
        {
            foreach (var (k, v) in ml)
            {
                Route(k, () => v?.DeepClone() ?? JsonValue.Create(string.Empty)!, "matchLabels", out var problem);
                if (problem is not null)
                {
                    error = problem;
                    return null;
                }
            }
        }
        else if (obj["matchLabels"] is not null)
        {
            error = "matchLabels must be a map of strings";
            return null;
        }

        if (obj["matchExpressions"] is JsonArray me)
        {
            foreach (var item in me)
            {
                if (item is not JsonObject e || PolicyCompileContext.Str(e["key"]) is not { } key)
                {
                    error = "each matchExpressions entry must be an object with a key";
                    return null;
                }

                JsonNode Entry()
                {
                    var copy = (JsonObject)e.DeepClone();
                    var colon = key.IndexOf(':', StringComparison.Ordinal);
                    copy["key"] = colon > 0 ? key[(colon + 1)..] : key;
                    return copy;
                }

                Route(key, Entry, "matchExpressions", out var problem);
                if (problem is not null)
                {
                    error = problem;
                    return null;
                }
            }
        }
        else if (obj["matchExpressions"] is not null)
        {
            error = "matchExpressions must be a list";
            return null;
        }

        if (reserved > 0 && (reserved > 1 || all.Count > 0))
        {
            error = "a selector that combines a reserved: label with other labels matches no identity";
            return null;
        }

        var selector = LabelSelector.Parse(all, out error);
        var nsPart = LabelSelector.Parse(ns, out _);
        var podPart = LabelSelector.Parse(pod, out _);
        return error is null ? new CiliumSelector(selector, nsPart, podPart, entity, namesNamespace, namesNamespaceLabels) : null;
    }

    private static void Add(JsonObject target, string part, string key, JsonNode entry)
    {
        if (part == "matchLabels")
        {
            if (target["matchLabels"] is not JsonObject ml)
            {
                target["matchLabels"] = ml = new JsonObject();
            }

            ml[key] = entry;
        }
        else
        {
            if (target["matchExpressions"] is not JsonArray me)
            {
                target["matchExpressions"] = me = new JsonArray();
            }

            me.Add(entry);
        }
    }

    /// <summary>The labels a namespace's pods carry about it, for matching <see cref="NamespacePart"/>.</summary>
    public static IReadOnlyDictionary<string, string> NamespaceView(string name, IReadOnlyDictionary<string, string> labels)
    {
        var d = new Dictionary<string, string>(labels.Count + 1, StringComparer.Ordinal) { [CiliumCluster.NamespaceLabel] = name };
        foreach (var (k, v) in labels)
        {
            d[CiliumCluster.NamespaceLabelsPrefix + k] = v;
        }

        return d;
    }
}
