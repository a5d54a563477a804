using System.Text.Json.Nodes;
using k8s.Models;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Model;

/// <summary>Projects a snapshot and its model into the typed inventory records users see.</summary>
internal static class InventoryBuilder
{
    public static IEnumerable<InventoryItem> Build(ClusterModel model)
    {
        var data = model.Data;
        var workloadsByNs = model.Workloads.GroupBy(w => w.Namespace).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var policiesByNs = data.OfKind("NetworkPolicy", "networking.k8s.io").GroupBy(p => p.Namespace ?? string.Empty).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

        foreach (var ns in model.Namespaces.Values.OrderBy(n => n.Name, StringComparer.Ordinal))
        {
            var wls = workloadsByNs.TryGetValue(ns.Name, out var l) ? l : new List<Workload>();
            yield return new NamespaceItem
            {
                Kind = "Namespace",
                ApiVersion = "v1",
                Name = ns.Name,
                Labels = ns.Labels,
                Workloads = wls.Count,
                Pods = wls.Sum(w => w.Pods.Count(p => !p.FromTemplate)),
                NetworkPolicies = policiesByNs.TryGetValue(ns.Name, out var c) ? c : 0,
                SourceFile = ns.Source?.Source?.File,
                SourceLine = ns.Source?.Source?.Line,
            };
        }

        foreach (var w in model.Workloads)
        {
            yield return new WorkloadItem
            {
                Kind = w.Kind,
                ApiVersion = w.Source?.ApiVersion ?? ApiVersionOf(w.Kind),
                Namespace = w.Namespace,
                Name = w.Name,
                Peer = w.Peer,
                Labels = w.Labels,
                Pods = w.Pods.Count(p => !p.FromTemplate),
                Images = w.Pods.SelectMany(p => p.Spec?.Containers ?? Enumerable.Empty<V1Container>()).Select(c => c.Image ?? string.Empty)
                    .Where(i => i.Length > 0).Distinct(StringComparer.Ordinal).ToList(),
                Ports = w.Pods.SelectMany(p => p.Ports).Select(p => p.ToString()).Distinct(StringComparer.Ordinal).ToList(),
                HostNetwork = w.HostNetwork,
                ServiceAccount = w.Spec?.ServiceAccountName,
                SourceFile = w.Source?.Source?.File,
                SourceLine = w.Source?.Source?.Line,
            };
        }

        // Calico objects the v3 API and its CRDs both serve are listed once.
        var duplicates = Policy.CalicoObjects.Read(data).Duplicates.ToHashSet();
        foreach (var o in data.Objects)
        {
            if (duplicates.Contains(o))
            {
                continue;
            }

            var item = Project(o);
            if (item is not null)
            {
                yield return item;
            }
        }
    }

    /// <summary>The apiVersion of a workload kind whose object is not in the input (named from owner references).</summary>
    private static string ApiVersionOf(string kind) => kind switch
    {
        "Pod" or "ReplicationController" => "v1",
        "Job" or "CronJob" => "batch/v1",
        _ => "apps/v1",
    };

    private static InventoryItem? Project(KubeObject o)
    {
        if (ClusterModel.WorkloadKinds.Contains(o.Kind) && o.Typed is not null || o.Kind is "Pod" or "Namespace" && o.Typed is not null)
        {
            return null;
        }

        var file = o.Source?.File;
        var line = o.Source?.Line;
        switch (o.Typed)
        {
            case V1Service svc:
                return new ServiceItem
                {
                    Kind = o.Kind, ApiVersion = o.ApiVersion, Namespace = o.Namespace, Name = o.Name, SourceFile = file, SourceLine = line,
                    Labels = ClusterModel.Dict(svc.Metadata?.Labels),
                    Type = svc.Spec?.Type ?? "ClusterIP",
                    ClusterIP = svc.Spec?.ClusterIP,
                    Ports = (svc.Spec?.Ports ?? new List<V1ServicePort>()).Select(p =>
                        $"{p.Port}{(p.NodePort is { } np ? ":" + np : string.Empty)}->{p.TargetPort?.Value ?? p.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)}/{p.Protocol ?? "TCP"}").ToList(),
                    Selector = ClusterModel.Dict(svc.Spec?.Selector),
                    ExternalIPs = svc.Spec?.ExternalIPs?.ToList() ?? new List<string>(),
                    LoadBalancerSourceRanges = svc.Spec?.LoadBalancerSourceRanges?.ToList() ?? new List<string>(),
                    ExternalTrafficPolicy = svc.Spec?.ExternalTrafficPolicy,
                };
            case V1NetworkPolicy np:
                return new PolicyItem
                {
                    Kind = o.Kind, ApiVersion = o.ApiVersion, Namespace = o.Namespace, Name = o.Name, SourceFile = file, SourceLine = line,
                    Labels = ClusterModel.Dict(np.Metadata?.Labels),
                    Subject = DescribeSelector(np.Spec?.PodSelector),
                    PolicyTypes = EffectivePolicyTypes(np),
                    IngressRules = np.Spec?.Ingress?.Count ?? 0,
                    EgressRules = np.Spec?.Egress?.Count ?? 0,
                };
            case V1Ingress ing:
                return new ExposureItem
                {
                    Kind = o.Kind, ApiVersion = o.ApiVersion, Namespace = o.Namespace, Name = o.Name, SourceFile = file, SourceLine = line,
                    Labels = ClusterModel.Dict(ing.Metadata?.Labels),
                    Hosts = ing.Spec?.Rules?.Select(r => r.Host ?? "*").Distinct().ToList() ?? new List<string>(),
                    Backends = IngressBackends(ing).ToList(),
                    Tls = ing.Spec?.Tls?.Count > 0,
                };
        }

        if (o.Raw is { } raw)
        {
            return RawItem(o, raw);
        }

        if (o.Typed is IMetadata<V1ObjectMeta> meta)
        {
            return new OtherItem
            {
                Kind = o.Kind, ApiVersion = o.ApiVersion, Namespace = o.Namespace, Name = o.Name, SourceFile = file, SourceLine = line,
                Labels = ClusterModel.Dict(meta.Metadata?.Labels),
                Summary = Summarize(o),
            };
        }

        return null;
    }

    private static IEnumerable<string> IngressBackends(V1Ingress ing)
    {
        static string B(V1IngressBackend? b) => b?.Service is { } s ? $"{s.Name}:{(s.Port?.Number?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? s.Port?.Name)}" : "resource";
        if (ing.Spec?.DefaultBackend is { } d)
        {
            yield return B(d);
        }

        foreach (var r in ing.Spec?.Rules ?? new List<V1IngressRule>())
        {
            foreach (var p in r.Http?.Paths ?? new List<V1HTTPIngressPath>())
            {
                yield return B(p.Backend);
            }
        }
    }

    private static string Summarize(KubeObject o) => o.Typed switch
    {
        V1Node n => $"{n.Status?.NodeInfo?.KubeletVersion} {string.Join(",", n.Status?.Addresses?.Select(a => a.Address) ?? Enumerable.Empty<string>())}".Trim(),
        V1Role r => $"{r.Rules?.Count ?? 0} rules",
        V1ClusterRole r => $"{r.Rules?.Count ?? 0} rules",
        V1RoleBinding b => $"{b.RoleRef?.Kind}/{b.RoleRef?.Name} -> {string.Join(", ", b.Subjects?.Select(s => s.Kind + "/" + s.Name) ?? Enumerable.Empty<string>())}",
        V1ClusterRoleBinding b => $"{b.RoleRef?.Kind}/{b.RoleRef?.Name} -> {string.Join(", ", b.Subjects?.Select(s => s.Kind + "/" + s.Name) ?? Enumerable.Empty<string>())}",
        V1ConfigMap c => $"{c.Data?.Count ?? 0} keys",
        _ => string.Empty,
    };

    private static InventoryItem RawItem(KubeObject o, JsonObject raw)
    {
        var labels = raw["metadata"]?["labels"] is JsonObject l
            ? l.Where(kv => kv.Value is JsonValue).ToDictionary(kv => kv.Key, kv => kv.Value!.ToString(), StringComparer.Ordinal)
            : new Dictionary<string, string>();
        var spec = raw["spec"] as JsonObject;
        if (Policy.CalicoObjects.IsCalicoGroup(o.Group) && Policy.CalicoObjects.InventoryItem(o, raw, labels) is { } calico)
        {
            return calico;
        }

        if (o.Group == "cilium.io" && o.Kind is "CiliumNetworkPolicy" or "CiliumClusterwideNetworkPolicy" or "CiliumCIDRGroup")
        {
            return CiliumItem(o, raw, labels);
        }

        if (o.Group is "security.istio.io" or "networking.istio.io" && IstioInventory.Item(o, raw, labels) is { } istio)
        {
            return istio;
        }

        if (o.Kind is "AdminNetworkPolicy" or "BaselineAdminNetworkPolicy" or "ClusterNetworkPolicy" or "CiliumNetworkPolicy" or "CiliumClusterwideNetworkPolicy" or "GlobalNetworkPolicy"
            || (o.Kind == "NetworkPolicy" && o.Group != "networking.k8s.io" && o.Group != "extensions"))
        {
            var ingress = (spec?["ingress"] as JsonArray)?.Count ?? 0;
            var egress = (spec?["egress"] as JsonArray)?.Count ?? 0;
            var types = spec?["types"] is JsonArray calicoTypes
                ? calicoTypes.Select(t => t?.ToString() ?? string.Empty).Where(t => t.Length > 0).ToList()
                : new[] { ingress > 0 ? "Ingress" : null, egress > 0 ? "Egress" : null }.OfType<string>().ToList();
            return new PolicyItem
            {
                Kind = o.Kind, ApiVersion = o.ApiVersion, Namespace = o.Namespace, Name = o.Name, SourceFile = o.Source?.File, SourceLine = o.Source?.Line,
                Labels = labels,
                Tier = o.Kind switch
                {
                    "AdminNetworkPolicy" => "Admin",
                    "BaselineAdminNetworkPolicy" => "Baseline",
                    "ClusterNetworkPolicy" => spec?["tier"]?.ToString(),
                    _ => spec?["tier"]?.ToString(),
                },
                Priority = WholeNumber(spec?["priority"]) ?? WholeNumber(spec?["order"]),
                Subject = DescribeSubject(spec),
                PolicyTypes = types,
                IngressRules = ingress,
                EgressRules = egress,
            };
        }

        if (o.Kind is "Route" or "HTTPRoute" or "GRPCRoute" or "TCPRoute" or "TLSRoute" or "UDPRoute" or "Gateway")
        {
            var hosts = new List<string>();
            if (spec?["host"] is JsonValue h)
            {
                hosts.Add(h.ToString());
            }

            if (spec?["hostnames"] is JsonArray hn)
            {
                hosts.AddRange(hn.Select(x => x?.ToString() ?? string.Empty));
            }

            var backends = new List<string>();
            if (spec?["to"]?["name"] is JsonValue rn)
            {
                backends.Add($"{rn}:{spec["port"]?["targetPort"]}");
            }

            foreach (var rule in spec?["rules"] as JsonArray ?? new JsonArray())
            {
                foreach (var br in rule?["backendRefs"] as JsonArray ?? new JsonArray())
                {
                    backends.Add($"{br?["name"]}:{br?["port"]}");
                }
            }

            var tls = o.Kind == "Route" ? spec?["tls"] is JsonObject : o.Kind == "Gateway" && (spec?["listeners"] as JsonArray)?.Any(li => li?["tls"] is JsonObject) == true;
            return new ExposureItem
            {
                Kind = o.Kind, ApiVersion = o.ApiVersion, Namespace = o.Namespace, Name = o.Name, SourceFile = o.Source?.File, SourceLine = o.Source?.Line,
                Labels = labels, Hosts = hosts, Backends = backends, Tls = tls,
            };
        }

        return new OtherItem
        {
            Kind = o.Kind, ApiVersion = o.ApiVersion, Namespace = o.Namespace, Name = o.Name, SourceFile = o.Source?.File, SourceLine = o.Source?.Line,
            Labels = labels,
        };
    }

    /// <summary>
    /// A Cilium policy: its rules in <c>spec</c> and <c>specs</c>, deny sections counted with their
    /// direction (a deny section makes the direction enforced as an allow section does); a
    /// CiliumCIDRGroup, which Cilium rules reference, with its CIDRs.
    /// </summary>
    private static PolicyItem CiliumItem(KubeObject o, JsonObject raw, Dictionary<string, string> labels)
    {
        var rules = new List<JsonObject>();
        if (raw["spec"] is JsonObject spec)
        {
            rules.Add(spec);
        }

        rules.AddRange((raw["specs"] as JsonArray ?? new JsonArray()).OfType<JsonObject>());
        int Count(string key) => rules.Sum(r => (r[key] as JsonArray)?.Count ?? 0);
        var ingress = Count("ingress") + Count("ingressDeny");
        var egress = Count("egress") + Count("egressDeny");
        var subject = o.Kind == "CiliumCIDRGroup"
            ? "external CIDRs: " + string.Join(", ", (raw["spec"]?["externalCIDRs"] as JsonArray ?? new JsonArray()).Select(c => c?.ToString()))
            : string.Join("; ", rules.Select(DescribeSubject));
        return new PolicyItem
        {
            Kind = o.Kind, ApiVersion = o.ApiVersion, Namespace = o.Namespace, Name = o.Name, SourceFile = o.Source?.File, SourceLine = o.Source?.Line,
            Labels = labels,
            Subject = subject,
            PolicyTypes = new[] { ingress > 0 ? "Ingress" : null, egress > 0 ? "Egress" : null }.OfType<string>().ToList(),
            IngressRules = ingress,
            EgressRules = egress,
        };
    }

    private static int? WholeNumber(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<double>(out var d) && d >= int.MinValue && d <= int.MaxValue ? (int)d : null;

    /// <summary>Who an admin, Cilium or Calico policy applies to, in the words kubectl describe uses.</summary>
    private static string DescribeSubject(JsonObject? spec)
    {
        if (spec is null)
        {
            return string.Empty;
        }

        if (spec["subject"] is JsonObject subject)
        {
            if (subject["namespaces"] is JsonObject namespaces)
            {
                return "pods in namespaces: " + DescribeSelector(namespaces, "all");
            }

            if (subject["pods"] is JsonObject pods)
            {
                return $"pods: {DescribeSelector(pods["podSelector"] as JsonObject, "all")} in namespaces: {DescribeSelector(pods["namespaceSelector"] as JsonObject, "all")}";
            }

            return subject.ToJsonString();
        }

        if (spec["endpointSelector"] is JsonObject endpoints)
        {
            return DescribeSelector(endpoints, "all pods");
        }

        if (spec["nodeSelector"] is JsonObject nodes)
        {
            return "nodes: " + DescribeSelector(nodes, "all");
        }

        return spec["selector"]?.ToString() ?? string.Empty;
    }

    /// <summary>A label selector kept as JSON, described like <see cref="DescribeSelector(V1LabelSelector?)"/>.</summary>
    private static string DescribeSelector(JsonObject? selector, string whenEmpty)
    {
        var parts = new List<string>();
        if (selector?["matchLabels"] is JsonObject labels)
        {
            parts.AddRange(labels.Select(kv => $"{kv.Key}={kv.Value}"));
        }

        if (selector?["matchExpressions"] is JsonArray expressions)
        {
            foreach (var e in expressions.OfType<JsonObject>())
            {
                var values = string.Join(",", (e["values"] as JsonArray ?? new JsonArray()).Select(v => v?.ToString()));
                parts.Add(e["operator"]?.ToString() switch
                {
                    "In" => $"{e["key"]} in ({values})",
                    "NotIn" => $"{e["key"]} notin ({values})",
                    "Exists" => $"{e["key"]}",
                    "DoesNotExist" => $"!{e["key"]}",
                    var op => $"{e["key"]} {op}",
                });
            }
        }

        return parts.Count == 0 ? whenEmpty : string.Join(",", parts);
    }

    /// <summary>policyTypes as the API server defaults them: Ingress always, Egress when egress rules exist.</summary>
    public static IReadOnlyList<string> EffectivePolicyTypes(V1NetworkPolicy np)
    {
        if (np.Spec?.PolicyTypes is { Count: > 0 } types)
        {
            return types.ToList();
        }

        return np.Spec?.Egress is { Count: > 0 } ? new[] { "Ingress", "Egress" } : new[] { "Ingress" };
    }

    public static string DescribeSelector(V1LabelSelector? selector)
    {
        if (selector is null || ((selector.MatchLabels?.Count ?? 0) == 0 && (selector.MatchExpressions?.Count ?? 0) == 0))
        {
            return "all pods";
        }

        var parts = new List<string>();
        parts.AddRange(selector.MatchLabels?.Select(kv => $"{kv.Key}={kv.Value}") ?? Enumerable.Empty<string>());
        parts.AddRange(selector.MatchExpressions?.Select(e => e.OperatorProperty switch
        {
            "In" => $"{e.Key} in ({string.Join(",", e.Values ?? new List<string>())})",
            "NotIn" => $"{e.Key} notin ({string.Join(",", e.Values ?? new List<string>())})",
            "Exists" => e.Key,
            "DoesNotExist" => "!" + e.Key,
            _ => $"{e.Key} {e.OperatorProperty}",
        }) ?? Enumerable.Empty<string>());
        return string.Join(",", parts);
    }
}
