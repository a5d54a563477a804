using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace NetSecPS.FakeApiServer;

/// <summary>
/// What a running cluster adds to the manifests applied to it: nodes, the namespaces objects
/// live in (with their kubernetes.io/metadata.name label), ReplicaSets of Deployments, pods of
/// every workload with owner references, controller labels, node, IPs and Running status, and
/// cluster IPs of Services. CronJobs get no pods: none runs until it is scheduled.
/// </summary>
public static class RunningState
{
    private const string NameAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    public static List<JsonObject> Synthesize(List<JsonObject> input, int nodeCount)
    {
        var result = new List<JsonObject>(input);
        var nodes = input.Where(o => Is(o, "", "Node")).ToList();
        if (nodes.Count == 0)
        {
            for (var i = 1; i <= Math.Max(1, nodeCount); i++)
            {
                var node = NewNode($"node-{i}", $"192.0.2.{10 + i}", i);
                nodes.Add(node);
                result.Add(node);
            }
        }

        var nodeInfo = nodes.Select(n => (Name: (string)n["metadata"]!["name"]!, Ip: NodeIp(n))).ToList();
        var ipam = new Ipam();
        var nextNode = 0;
        (string Name, string Ip) PickNode() => nodeInfo[nextNode++ % nodeInfo.Count];

        // Namespaces: every namespace an object lives in exists, and carries its name label.
        var namespaces = input.Where(o => Is(o, "", "Namespace")).ToDictionary(o => (string)o["metadata"]!["name"]!, StringComparer.Ordinal);
        foreach (var o in input)
        {
            if (o["metadata"]?["namespace"] is JsonValue v && v.ToString() is { Length: > 0 } ns && !namespaces.ContainsKey(ns))
            {
                var created = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = ns } };
                namespaces[ns] = created;
                result.Add(created);
            }
        }

        foreach (var (name, ns) in namespaces)
        {
            Labels(ns)["kubernetes.io/metadata.name"] = name;
            ns["spec"] ??= new JsonObject { ["finalizers"] = new JsonArray("kubernetes") };
            ns["status"] = new JsonObject { ["phase"] = "Active" };
        }

        foreach (var o in input)
        {
            var ns = (string?)o["metadata"]?["namespace"] ?? "default";
            var name = (string?)o["metadata"]?["name"] ?? "unnamed";
            if (Is(o, "", "Service"))
            {
                var spec = o["spec"] as JsonObject ?? new JsonObject();
                o["spec"] = spec;
                if ((string?)spec["type"] != "ExternalName" && spec["clusterIP"] is null)
                {
                    var ip = ipam.NextServiceIp();
                    spec["clusterIP"] = ip;
                    spec["clusterIPs"] = new JsonArray(ip);
                }
            }
            else if (Is(o, "apps", "Deployment") && Template(o) is { } template)
            {
                var hash = Hash(template.ToJsonString(), 10);
                var rsName = $"{name}-{hash}";
                var podTemplate = template.DeepClone().AsObject();
                Labels(podTemplate)["pod-template-hash"] = hash;
                var selector = o["spec"]?["selector"]?.DeepClone() as JsonObject ?? new JsonObject();
                var matchLabels = selector["matchLabels"] as JsonObject ?? new JsonObject();
                selector["matchLabels"] = matchLabels;
                matchLabels["pod-template-hash"] = hash;
                var replicas = Replicas(o);
                var rs = new JsonObject
                {
                    ["apiVersion"] = "apps/v1",
                    ["kind"] = "ReplicaSet",
                    ["metadata"] = new JsonObject
                    {
                        ["name"] = rsName,
                        ["namespace"] = ns,
                        ["labels"] = podTemplate["metadata"]!["labels"]!.DeepClone(),
                        ["annotations"] = new JsonObject { ["deployment.kubernetes.io/revision"] = "1" },
                        ["ownerReferences"] = new JsonArray(OwnerRef(o, "apps/v1", "Deployment")),
                    },
                    ["spec"] = new JsonObject { ["replicas"] = replicas, ["selector"] = selector, ["template"] = podTemplate },
                    ["status"] = new JsonObject { ["replicas"] = replicas, ["readyReplicas"] = replicas, ["availableReplicas"] = replicas, ["observedGeneration"] = 1 },
                };
                result.Add(rs);
                for (var i = 0; i < replicas; i++)
                {
                    result.Add(NewPod($"{rsName}-{Hash(rsName + "/" + i, 5)}", ns, podTemplate, rs, "apps/v1", "ReplicaSet", null, PickNode(), ipam));
                }

                Status(o, replicas);
            }
            else if ((Is(o, "apps", "ReplicaSet") || Is(o, "", "ReplicationController")) && Template(o) is { } rsTemplate && o["metadata"]?["ownerReferences"] is null)
            {
                var replicas = Replicas(o);
                for (var i = 0; i < replicas; i++)
                {
                    result.Add(NewPod($"{name}-{Hash(name + "/" + i, 5)}", ns, rsTemplate, o, (string)o["apiVersion"]!, (string)o["kind"]!, null, PickNode(), ipam));
                }

                Status(o, replicas);
            }
            else if (Is(o, "apps", "StatefulSet") && Template(o) is { } stsTemplate)
            {
                var revision = $"{name}-{Hash(stsTemplate.ToJsonString(), 10)}";
                var replicas = Replicas(o);
                for (var i = 0; i < replicas; i++)
                {
                    var podName = $"{name}-{i.ToString(CultureInfo.InvariantCulture)}";
                    result.Add(NewPod(podName, ns, stsTemplate, o, "apps/v1", "StatefulSet", new Dictionary<string, string>
                    {
                        ["controller-revision-hash"] = revision,
                        ["statefulset.kubernetes.io/pod-name"] = podName,
                        ["apps.kubernetes.io/pod-index"] = i.ToString(CultureInfo.InvariantCulture),
                    }, PickNode(), ipam));
                }

                Status(o, replicas);
            }
            else if (Is(o, "apps", "DaemonSet") && Template(o) is { } dsTemplate)
            {
                var revision = Hash(dsTemplate.ToJsonString(), 10);
                foreach (var node in nodeInfo)
                {
                    result.Add(NewPod($"{name}-{Hash(name + "/" + node.Name, 5)}", ns, dsTemplate, o, "apps/v1", "DaemonSet", new Dictionary<string, string>
                    {
                        ["controller-revision-hash"] = revision,
                        ["pod-template-generation"] = "1",
                    }, node, ipam));
                }
            }
            else if (Is(o, "batch", "Job") && Template(o) is { } jobTemplate)
            {
                var uid = EnsureUid(o);
                var parallelism = o["spec"]?["parallelism"] is JsonValue pv && pv.TryGetValue<int>(out var p) ? p : 1;
                for (var i = 0; i < parallelism; i++)
                {
                    result.Add(NewPod($"{name}-{Hash(name + "/" + i, 5)}", ns, jobTemplate, o, "batch/v1", "Job", new Dictionary<string, string>
                    {
                        ["batch.kubernetes.io/controller-uid"] = uid,
                        ["batch.kubernetes.io/job-name"] = name,
                        ["controller-uid"] = uid,
                        ["job-name"] = name,
                    }, PickNode(), ipam));
                }
            }
            else if (Is(o, "", "Pod") && o["status"]?["podIP"] is null)
            {
                var node = PickNode();
                var spec = o["spec"] as JsonObject ?? new JsonObject();
                o["spec"] = spec;
                spec["nodeName"] ??= node.Name;
                o["status"] = PodStatus(spec["hostNetwork"] is JsonValue hn && hn.GetValue<bool>() ? node.Ip : ipam.NextPodIp(), node.Ip);
            }
        }

        return result;
    }

    private static bool Is(JsonObject o, string group, string kind) =>
        (string?)o["kind"] == kind && NetSecPS.Core.Sources.KindRegistry.GroupOf((string?)o["apiVersion"] ?? string.Empty) == group;

    private static JsonObject? Template(JsonObject o) => o["spec"]?["template"] as JsonObject;

    private static int Replicas(JsonObject o) => o["spec"]?["replicas"] is JsonValue v && v.TryGetValue<int>(out var r) ? r : 1;

    private static void Status(JsonObject o, int replicas) =>
        o["status"] = new JsonObject { ["replicas"] = replicas, ["readyReplicas"] = replicas, ["availableReplicas"] = replicas, ["observedGeneration"] = 1 };

    private static JsonObject Labels(JsonObject o)
    {
        var meta = o["metadata"] as JsonObject ?? new JsonObject();
        o["metadata"] = meta;
        var labels = meta["labels"] as JsonObject ?? new JsonObject();
        meta["labels"] = labels;
        return labels;
    }

    private static string EnsureUid(JsonObject o)
    {
        var meta = (JsonObject)o["metadata"]!;
        if (meta["uid"] is JsonValue u)
        {
            return u.ToString();
        }

        var uid = FakeCluster.Uid($"{o["apiVersion"]}/{o["kind"]}/{meta["namespace"]}/{meta["name"]}");
        meta["uid"] = uid;
        return uid;
    }

    private static JsonObject OwnerRef(JsonObject owner, string apiVersion, string kind) => new()
    {
        ["apiVersion"] = apiVersion,
        ["kind"] = kind,
        ["name"] = (string?)owner["metadata"]!["name"],
        ["uid"] = EnsureUid(owner),
        ["controller"] = true,
        ["blockOwnerDeletion"] = true,
    };

    private static JsonObject NewPod(string name, string ns, JsonObject template, JsonObject owner, string ownerApiVersion, string ownerKind,
        Dictionary<string, string>? extraLabels, (string Name, string Ip) node, Ipam ipam)
    {
        var meta = template["metadata"]?.DeepClone() as JsonObject ?? new JsonObject();
        meta.Remove("creationTimestamp");
        meta["name"] = name;
        meta["namespace"] = ns;
        var pod = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Pod", ["metadata"] = meta };
        var labels = Labels(pod);
        foreach (var (k, v) in extraLabels ?? new Dictionary<string, string>())
        {
            labels[k] = v;
        }

        meta["ownerReferences"] = new JsonArray(OwnerRef(owner, ownerApiVersion, ownerKind));
        var spec = template["spec"]?.DeepClone() as JsonObject ?? new JsonObject();
        spec["nodeName"] = node.Name;
        spec["restartPolicy"] ??= "Always";
        spec["dnsPolicy"] ??= "ClusterFirst";
        spec["schedulerName"] ??= "default-scheduler";
        spec["serviceAccountName"] ??= "default";
        spec["terminationGracePeriodSeconds"] ??= 30;
        pod["spec"] = spec;
        var hostNetwork = spec["hostNetwork"] is JsonValue hn && hn.GetValue<bool>();
        pod["status"] = PodStatus(hostNetwork ? node.Ip : ipam.NextPodIp(), node.Ip);
        return pod;
    }

    private static JsonObject PodStatus(string podIp, string hostIp) => new()
    {
        ["phase"] = "Running",
        ["hostIP"] = hostIp,
        ["hostIPs"] = new JsonArray(new JsonObject { ["ip"] = hostIp }),
        ["podIP"] = podIp,
        ["podIPs"] = new JsonArray(new JsonObject { ["ip"] = podIp }),
        ["qosClass"] = "BestEffort",
        ["conditions"] = new JsonArray(
            new JsonObject { ["type"] = "Initialized", ["status"] = "True" },
            new JsonObject { ["type"] = "Ready", ["status"] = "True" },
            new JsonObject { ["type"] = "ContainersReady", ["status"] = "True" },
            new JsonObject { ["type"] = "PodScheduled", ["status"] = "True" }),
    };

    private static JsonObject NewNode(string name, string ip, int index) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Node",
        ["metadata"] = new JsonObject
        {
            ["name"] = name,
            ["labels"] = new JsonObject
            {
                ["kubernetes.io/hostname"] = name,
                ["kubernetes.io/os"] = "linux",
                ["kubernetes.io/arch"] = "amd64",
                ["topology.kubernetes.io/zone"] = $"zone-{(char)('a' + ((index - 1) % 3))}",
            },
        },
        ["spec"] = new JsonObject { ["podCIDR"] = $"10.244.{index}.0/24", ["podCIDRs"] = new JsonArray($"10.244.{index}.0/24") },
        ["status"] = new JsonObject
        {
            ["addresses"] = new JsonArray(
                new JsonObject { ["type"] = "InternalIP", ["address"] = ip },
                new JsonObject { ["type"] = "Hostname", ["address"] = name }),
            ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "True", ["reason"] = "KubeletReady" }),
            ["nodeInfo"] = new JsonObject
            {
                ["kubeletVersion"] = "v1.31.2",
                ["containerRuntimeVersion"] = "containerd://1.7.22",
                ["operatingSystem"] = "linux",
                ["architecture"] = "amd64",
            },
        },
    };

    private static string NodeIp(JsonObject node) =>
        (node["status"]?["addresses"] as JsonArray)?.FirstOrDefault(a => (string?)a?["type"] == "InternalIP")?["address"]?.ToString() ?? "192.0.2.1";

    /// <summary>A name suffix the way controllers make them: stable here, so the same manifests give the same cluster.</summary>
    private static string Hash(string text, int length)
    {
        var h = SHA256.HashData(Encoding.UTF8.GetBytes(text));
        var sb = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            sb.Append(NameAlphabet[h[i] % NameAlphabet.Length]);
        }

        return sb.ToString();
    }

    /// <summary>Hands out pod IPs from 10.244.0.0/16 and service IPs from 10.96.0.0/16, in order.</summary>
    private sealed class Ipam
    {
        private int pods;
        private int services = 1;

        public string NextPodIp() => Ip(10, 244, ++pods);

        public string NextServiceIp() => Ip(10, 96, ++services);

        private static string Ip(int a, int b, int n) => $"{a}.{b}.{(n / 254).ToString(CultureInfo.InvariantCulture)}.{(n % 254 + 1).ToString(CultureInfo.InvariantCulture)}";
    }
}
