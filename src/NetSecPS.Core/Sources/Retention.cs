using System.Text.Json.Nodes;
using k8s.Models;

namespace NetSecPS.Core.Sources;

/// <summary>
/// What a snapshot keeps of each object: what the analysis reads, nothing that is commonly a
/// secret. Applied where objects enter a snapshot (files, a live cluster, a saved snapshot of an
/// older schema), so saved snapshots, baselines and reports cannot hold what was dropped.
/// <list type="bullet">
/// <item>Container environment variables keep their names and <c>valueFrom</c> references; their
/// values are dropped (cloud keys and tokens are often set there). <c>envFrom</c> keeps its
/// references.</item>
/// <item>Container <c>command</c> is dropped, and so are probe and lifecycle <c>exec</c> commands and
/// HTTP header values; <c>args</c> keep only the flags and words a check or the policy model reads (<see cref="ArgumentFlags"/>, <see cref="ArgumentWords"/>).</item>
/// <item>The <c>kubectl.kubernetes.io/last-applied-configuration</c> annotation (a full copy of the
/// object as applied, env values and ConfigMap data included) and <c>managedFields</c> are
/// dropped from every object and pod template.</item>
/// <item>ConfigMaps are kept only where a check reads them (<see cref="ConfigMapKeys"/>), with only
/// the keys it reads; <c>binaryData</c> is never kept.</item>
/// </list>
/// Secret values are dropped earlier, with the Secret's annotations (<see cref="ObjectReader"/>).
/// </summary>
internal static class Retention
{
    public const string LastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration";

    /// <summary>
    /// The ConfigMaps checks and the policy model read (by name, in any namespace) and the keys
    /// they read: CNI configuration (CniState: policy enforcement and encryption; CiliumCluster:
    /// the agent settings that change what Cilium's policies mean) and mesh configuration
    /// (MeshState and IstioMesh: Istio's root namespace, Linkerd's default inbound policy). Code
    /// that reads another ConfigMap or key must add it here (RetentionTests check CiliumCluster's).
    /// </summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> ConfigMapKeys { get; } = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
    {
        ["cilium-config"] = new[]
        {
            "enable-policy", "enable-wireguard", "enable-ipsec", "allow-localhost", "cluster-name", "policy-cidr-match-mode",
            "enable-node-selector-labels", "enable-sctp", "enable-host-firewall", "enable-k8s-cluster-network-policy",
        },
        ["kube-flannel-cfg"] = new[] { "net-conf.json" },
        ["amazon-vpc-cni"] = new[] { "enable-network-policy-controller" },
        ["antrea-config"] = new[] { "antrea-agent.conf" },
        ["istio"] = new[] { "mesh" },
        ["linkerd-config"] = new[] { "values" },
    };

    /// <summary>
    /// Container arguments checks read (CniState): <c>--enable-network-policy</c> of the AWS network
    /// policy agent, <c>--run-firewall</c> of kube-router. Every other argument is dropped.
    /// </summary>
    public static IReadOnlyList<string> ArgumentFlags { get; } = new[] { "--enable-network-policy", "--run-firewall" };

    /// <summary>
    /// Whole arguments the policy model reads: <c>router</c>, the mode in which Istio's gateways run
    /// their <c>istio-proxy</c> container (<c>proxy router</c>; IstioSidecars leaves gateways out of
    /// Sidecar egress). Every other argument is dropped.
    /// </summary>
    public static IReadOnlyList<string> ArgumentWords { get; } = new[] { "router" };

    /// <summary>The keys kept of a ConfigMap of this name, or null when no check reads it.</summary>
    public static IReadOnlyList<string>? KeysKept(string name)
    {
        if (ConfigMapKeys.TryGetValue(name, out var keys))
        {
            return keys;
        }

        // Antrea's manifests name the ConfigMap with a content hash (antrea-config-7b8f4c).
        return name.StartsWith("antrea-config", StringComparison.Ordinal) ? ConfigMapKeys["antrea-config"] : null;
    }

    /// <summary>Trims a typed object in place; false when the object is not kept at all.</summary>
    public static bool Apply(object typed)
    {
        ArgumentNullException.ThrowIfNull(typed);
        if (typed is IMetadata<V1ObjectMeta> { Metadata: { } metadata })
        {
            Trim(metadata);
        }

        switch (typed)
        {
            case V1ConfigMap configMap:
                return TrimConfigMap(configMap);
            case V1Pod pod:
                Trim(pod.Spec);
                break;
            case V1Deployment d:
                Trim(d.Spec?.Template);
                break;
            case V1ReplicaSet r:
                Trim(r.Spec?.Template);
                break;
            case V1StatefulSet s:
                Trim(s.Spec?.Template);
                break;
            case V1DaemonSet ds:
                Trim(ds.Spec?.Template);
                break;
            case V1Job j:
                Trim(j.Spec?.Template);
                break;
            case V1CronJob c:
                Trim(c.Spec?.JobTemplate?.Metadata);
                Trim(c.Spec?.JobTemplate?.Spec?.Template);
                break;
            case V1ReplicationController rc:
                Trim(rc.Spec?.Template);
                break;
        }

        return true;
    }

    /// <summary>
    /// Trims an object kept as JSON (kinds the client does not model): its metadata, and every
    /// container it holds, wherever it holds them (Argo Rollouts, Knative Services and other
    /// workload resources embed pod templates).
    /// </summary>
    public static void Apply(JsonObject raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        if (raw["metadata"] is JsonObject metadata)
        {
            TrimMetadata(metadata);
        }

        TrimContainersIn(raw, 0);
    }

    private static bool TrimConfigMap(V1ConfigMap configMap)
    {
        var keys = configMap.Metadata?.Name is { } name ? KeysKept(name) : null;
        if (keys is null)
        {
            return false;
        }

        configMap.BinaryData = null;
        if (configMap.Data is { } data)
        {
            configMap.Data = keys.Where(data.ContainsKey).ToDictionary(k => k, k => data[k], StringComparer.Ordinal);
        }

        return true;
    }

    private static void Trim(V1ObjectMeta? metadata)
    {
        if (metadata is null)
        {
            return;
        }

        metadata.ManagedFields = null;
        metadata.Annotations?.Remove(LastAppliedAnnotation);
    }

    private static void Trim(V1PodTemplateSpec? template)
    {
        Trim(template?.Metadata);
        Trim(template?.Spec);
    }

    private static void Trim(V1PodSpec? spec)
    {
        if (spec is null)
        {
            return;
        }

        foreach (var c in (spec.Containers ?? Array.Empty<V1Container>()).Concat(spec.InitContainers ?? Array.Empty<V1Container>()))
        {
            c.Env = TrimEnv(c.Env);
            c.Command = null;
            c.Args = KeepFlags(c.Args);
            Trim(c.LivenessProbe, c.ReadinessProbe, c.StartupProbe, c.Lifecycle);
        }

        foreach (var c in spec.EphemeralContainers ?? Array.Empty<V1EphemeralContainer>())
        {
            c.Env = TrimEnv(c.Env);
            c.Command = null;
            c.Args = KeepFlags(c.Args);
            Trim(c.LivenessProbe, c.ReadinessProbe, c.StartupProbe, c.Lifecycle);
        }
    }

    private static IList<V1EnvVar>? TrimEnv(IList<V1EnvVar>? env)
    {
        foreach (var e in env ?? Array.Empty<V1EnvVar>())
        {
            e.Value = null;
        }

        return env;
    }

    private static IList<string>? KeepFlags(IList<string>? args)
    {
        if (args is null || args.Count == 0)
        {
            return null;
        }

        var kept = args.Where(IsFlagKept).ToList();
        return kept.Count == 0 ? null : kept;
    }

    private static bool IsFlagKept(string arg) =>
        ArgumentWords.Contains(arg, StringComparer.Ordinal) || ArgumentFlags.Any(f => arg.StartsWith(f, StringComparison.Ordinal) && (arg.Length == f.Length || arg[f.Length] is '=' or ' '));

    private static void Trim(V1Probe? liveness, V1Probe? readiness, V1Probe? startup, V1Lifecycle? lifecycle)
    {
        foreach (var probe in new[] { liveness, readiness, startup })
        {
            Trim(probe?.Exec, probe?.HttpGet);
        }

        Trim(lifecycle?.PostStart?.Exec, lifecycle?.PostStart?.HttpGet);
        Trim(lifecycle?.PreStop?.Exec, lifecycle?.PreStop?.HttpGet);
    }

    private static void Trim(V1ExecAction? exec, V1HTTPGetAction? get)
    {
        if (exec is not null)
        {
            exec.Command = null;
        }

        foreach (var header in get?.HttpHeaders ?? Array.Empty<V1HTTPHeader>())
        {
            header.Value = null;
        }
    }

    private static void TrimMetadata(JsonObject metadata)
    {
        metadata.Remove("managedFields");
        (metadata["annotations"] as JsonObject)?.Remove(LastAppliedAnnotation);
    }

    private const int MaxContainerSearchDepth = 12;

    private static void TrimContainersIn(JsonObject node, int depth)
    {
        if (depth > MaxContainerSearchDepth)
        {
            return;
        }

        foreach (var (key, value) in node)
        {
            if (value is JsonArray list && key is "containers" or "initContainers" or "ephemeralContainers")
            {
                foreach (var container in list.OfType<JsonObject>())
                {
                    TrimContainer(container);
                }
            }
            else if (value is JsonObject child)
            {
                if (key == "metadata")
                {
                    TrimMetadata(child);
                }

                TrimContainersIn(child, depth + 1);
            }
        }
    }

    private static void TrimContainer(JsonObject container)
    {
        container.Remove("command");
        if (container["args"] is JsonArray args)
        {
            var kept = args.Select(a => a is JsonValue v && v.TryGetValue<string>(out var s) ? s : null).Where(s => s is not null && IsFlagKept(s)).ToList();
            if (kept.Count == 0)
            {
                container.Remove("args");
            }
            else
            {
                container["args"] = new JsonArray(kept.Select(s => (JsonNode?)JsonValue.Create(s)).ToArray());
            }
        }

        foreach (var e in (container["env"] as JsonArray)?.OfType<JsonObject>() ?? Enumerable.Empty<JsonObject>())
        {
            e.Remove("value");
        }

        foreach (var probe in new[] { "livenessProbe", "readinessProbe", "startupProbe" })
        {
            TrimHandler(container[probe] as JsonObject);
        }

        if (container["lifecycle"] is JsonObject lifecycle)
        {
            TrimHandler(lifecycle["postStart"] as JsonObject);
            TrimHandler(lifecycle["preStop"] as JsonObject);
        }
    }

    private static void TrimHandler(JsonObject? handler)
    {
        (handler?["exec"] as JsonObject)?.Remove("command");
        foreach (var header in (handler?["httpGet"]?["httpHeaders"] as JsonArray)?.OfType<JsonObject>() ?? Enumerable.Empty<JsonObject>())
        {
            header.Remove("value");
        }
    }
}
