using System.Text.Json.Nodes;
using k8s.Models;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Policy;

/// <summary>
/// Whether Cilium enforces policy in a cluster and how its agent is configured: the agent
/// DaemonSet, the <c>cilium-config</c> ConfigMap, or Cilium's own objects (policies, CIDR groups,
/// nodes, endpoints) tell that it runs; <c>cilium-config</c> holds the settings that change what
/// its policies mean.
/// </summary>
internal sealed class CiliumCluster
{
    public const string Group = "cilium.io";

    /// <summary>Cilium objects whose presence shows that Cilium runs (policies, CIDR groups, and the objects its agents write).</summary>
    private static readonly string[] CiliumKinds =
    {
        "CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy", "CiliumCIDRGroup", "CiliumNode", "CiliumEndpoint", "CiliumIdentity",
    };

    private CiliumCluster(string evidence, IReadOnlyDictionary<string, string> config, KubeObject? configObject, bool agentFound)
    {
        Evidence = evidence;
        Config = config;
        ConfigObject = configObject;
        AgentFound = agentFound;
    }

    /// <summary>What showed that Cilium runs: <c>DaemonSet kube-system/cilium</c>, <c>ConfigMap kube-system/cilium-config</c>, <c>3 CiliumNetworkPolicy objects</c>.</summary>
    public string Evidence { get; }

    /// <summary>The agent's DaemonSet or its ConfigMap is in the snapshot (not only Cilium's objects).</summary>
    public bool AgentFound { get; }

    /// <summary>The data of <c>cilium-config</c>; empty when the snapshot does not hold it.</summary>
    public IReadOnlyDictionary<string, string> Config { get; }

    public KubeObject? ConfigObject { get; }

    /// <summary><c>enable-policy</c>: <c>default</c> (the default), <c>always</c> or <c>never</c>.</summary>
    public string EnforcementMode => Setting("enable-policy")?.ToLowerInvariant() switch
    {
        "always" => "always",
        "never" => "never",
        _ => "default",
    };

    /// <summary>
    /// <c>allow-localhost</c>: unless set to <c>policy</c>, a node always reaches the pods it runs
    /// ("Kubernetes will automatically allow all communication from the local host of all local
    /// endpoints", Cilium policy language, Access to/from local host).
    /// </summary>
    public bool AllowsLocalhost => !string.Equals(Setting("allow-localhost"), "policy", StringComparison.OrdinalIgnoreCase);

    /// <summary>The cluster's name as endpoints carry it in <c>io.cilium.k8s.policy.cluster</c> (<c>cluster-name</c>, <c>default</c> when unset).</summary>
    public string ClusterName => Setting("cluster-name") is { Length: > 0 } name ? name : "default";

    /// <summary><c>policy-cidr-match-mode</c> holds <c>pods</c> (Cilium 1.20+): CIDR rules also select pods.</summary>
    public bool CidrRulesMatchPods => CidrMatchModes.Contains("pods");

    /// <summary><c>policy-cidr-match-mode</c> holds <c>nodes</c>: CIDR rules also select node addresses.</summary>
    public bool CidrRulesMatchNodes => CidrMatchModes.Contains("nodes");

    private IReadOnlyList<string> CidrMatchModes =>
        (Setting("policy-cidr-match-mode") ?? string.Empty).Split(new[] { ',', ' ' }, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(m => m.ToLowerInvariant()).ToList();

    /// <summary><c>enable-node-selector-labels</c>: <c>toNodes</c>/<c>fromNodes</c> take effect.</summary>
    public bool NodeSelectorLabels => IsTrue(Setting("enable-node-selector-labels"));

    /// <summary><c>enable-sctp</c>: Cilium carries SCTP, and the ANY protocol of its policies includes it.</summary>
    public bool Sctp => IsTrue(Setting("enable-sctp"));

    /// <summary><c>enable-host-firewall</c>: host policies (<c>nodeSelector</c>) are enforced.</summary>
    public bool HostFirewall => IsTrue(Setting("enable-host-firewall"));

    /// <summary>
    /// Whether Cilium enforces ClusterNetworkPolicy (policy.networking.k8s.io/v1alpha2): from
    /// Cilium 1.20 with <c>enable-k8s-cluster-network-policy</c> set. Null when the snapshot does
    /// not hold <c>cilium-config</c>.
    /// </summary>
    public bool? EnforcesClusterNetworkPolicy => ConfigObject is null ? null : IsTrue(Setting("enable-k8s-cluster-network-policy"));

    public string? Setting(string key) => Config.TryGetValue(key, out var v) ? v.Trim().Trim('"') : null;

    private static bool IsTrue(string? v) => string.Equals(v?.Trim().Trim('"'), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Cilium as the snapshot shows it; null when nothing in it belongs to Cilium. Cheap for
    /// clusters without Cilium: a few look-ups by kind and a pass over the DaemonSets.
    /// </summary>
    public static CiliumCluster? Detect(ClusterModel cluster)
    {
        var data = cluster.Data;
        string? evidence = null;
        var agent = false;
        foreach (var obj in data.OfKind("DaemonSet"))
        {
            if (obj.Typed is V1DaemonSet ds && IsAgent(obj, ds))
            {
                evidence = $"DaemonSet {obj.Namespace}/{obj.Name}";
                agent = true;
                break;
            }
        }

        KubeObject? configObject = null;
        var config = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var obj in data.OfKind("ConfigMap"))
        {
            if (obj.Name == "cilium-config" && obj.Typed is V1ConfigMap cm)
            {
                configObject = obj;
                foreach (var (k, v) in cm.Data ?? new Dictionary<string, string>())
                {
                    config[k] = v ?? string.Empty;
                }

                evidence ??= $"ConfigMap {obj.Namespace}/{obj.Name}";
                agent = true;
                break;
            }
        }

        if (evidence is null)
        {
            foreach (var kind in CiliumKinds)
            {
                var count = data.OfKind(kind, Group).Count();
                if (count > 0)
                {
                    evidence = $"{count} {kind} object(s)";
                    break;
                }
            }
        }

        return evidence is null ? null : new CiliumCluster(evidence, config, configObject, agent);
    }

    private static bool IsAgent(KubeObject obj, V1DaemonSet ds)
    {
        if (obj.Name is "cilium" or "cilium-agent" or "anetd")
        {
            return true;
        }

        foreach (var c in ds.Spec?.Template?.Spec?.Containers ?? new List<V1Container>())
        {
            if (c.Name == "cilium-agent" || (c.Image ?? string.Empty).Contains("cilium/cilium:", StringComparison.Ordinal)
                || (c.Image ?? string.Empty).Contains("cilium/cilium@", StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    // ------------------------------------------------------------------ labels

    /// <summary>The label keys Cilium derives for every pod's identity.</summary>
    public const string NamespaceLabel = "io.kubernetes.pod.namespace";
    public const string ServiceAccountLabel = "io.cilium.k8s.policy.serviceaccount";
    public const string ClusterLabel = "io.cilium.k8s.policy.cluster";
    public const string NamespaceLabelsPrefix = "io.cilium.k8s.namespace.labels.";

    /// <summary>
    /// The labels of a pod's security identity: its own labels plus the namespace, the service
    /// account, the cluster and the namespace's labels, each under the key Cilium gives it.
    /// Built once per class.
    /// </summary>
    public Func<PeerClass, IReadOnlyDictionary<string, string>> LabelView()
    {
        var cache = new Dictionary<int, IReadOnlyDictionary<string, string>>();
        var clusterName = ClusterName;
        var gate = new object();
        return c =>
        {
            lock (gate)
            {
                if (!cache.TryGetValue(c.Index, out var labels))
                {
                    var d = new Dictionary<string, string>(c.Labels.Count + c.NamespaceLabels.Count + 3, StringComparer.Ordinal);
                    foreach (var (k, v) in c.NamespaceLabels)
                    {
                        d[NamespaceLabelsPrefix + k] = v;
                    }

                    foreach (var (k, v) in c.Labels)
                    {
                        d[k] = v;
                    }

                    d[NamespaceLabel] = c.Namespace;
                    d[ServiceAccountLabel] = c.ServiceAccount ?? "default";
                    d[ClusterLabel] = clusterName;
                    cache[c.Index] = labels = d;
                }

                return labels;
            }
        };
    }

    // ------------------------------------------------------------------ CIDR groups

    /// <summary>A CiliumCIDRGroup: its labels (for <c>cidrGroupSelector</c>) and external CIDRs.</summary>
    public sealed record CidrGroup(string Name, IReadOnlyDictionary<string, string> Labels, IReadOnlyList<string> Cidrs, KubeObject Source);

    /// <summary>The CiliumCIDRGroups of the snapshot (cilium.io/v2alpha1 and v2), by name.</summary>
    public static IReadOnlyDictionary<string, CidrGroup> CidrGroups(ClusterModel cluster)
    {
        var result = new Dictionary<string, CidrGroup>(StringComparer.Ordinal);
        foreach (var obj in cluster.Data.OfKind("CiliumCIDRGroup", Group))
        {
            if (obj.Raw is not { } raw || result.ContainsKey(obj.Name))
            {
                continue;
            }

            var labels = raw["metadata"]?["labels"] is JsonObject l
                ? l.Where(kv => kv.Value is JsonValue).ToDictionary(kv => kv.Key, kv => kv.Value!.ToString(), StringComparer.Ordinal)
                : new Dictionary<string, string>(StringComparer.Ordinal);
            var cidrs = (raw["spec"]?["externalCIDRs"] as JsonArray ?? new JsonArray())
                .Select(PolicyCompileContext.Str).OfType<string>().ToList();
            result[obj.Name] = new CidrGroup(obj.Name, labels, cidrs, obj);
        }

        return result;
    }
}
