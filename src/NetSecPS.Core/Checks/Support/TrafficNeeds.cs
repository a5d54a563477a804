using System.Text.Json.Nodes;
using k8s.Models;
using NetSecPS.Core.Model;

namespace NetSecPS.Core.Checks.Support;

/// <summary>The cluster DNS pods a DNS egress exception should name.</summary>
internal sealed record DnsTarget(string Namespace, string LabelKey, string LabelValue, IReadOnlyList<int> UdpPorts, IReadOnlyList<int> TcpPorts)
{
    public static DnsTarget KubeDns { get; } = new("kube-system", "k8s-app", "kube-dns", new[] { 53 }, new[] { 53 });
}

/// <summary>
/// One rule a suggested policy must keep so it breaks nothing the cluster's exposure or DNS
/// needs: the peers (a NetworkPolicy <c>from</c>/<c>to</c> list; null for every peer) and the ports.
/// </summary>
internal sealed record KeptRule(string Why, JsonArray? Peers, JsonArray Ports);

/// <summary>
/// The flows a remediation must not cut: what Ingresses, Routes and Gateway API routes need
/// (the ingress controller to each backend), what LoadBalancer, NodePort and externalIPs
/// Services need (their clients to the pods), and what the cluster's DNS needs (every pod to
/// the DNS servers, the DNS servers to their upstream resolvers and the API server). Built once
/// per audit from the model; every suggested policy adds these rules to its deny-by-default.
/// </summary>
internal sealed class TrafficNeeds
{
    /// <summary>The range the remediations use where the real client range is not known: RFC 5737 TEST-NET-3, to be replaced.</summary>
    public const string PlaceholderClientRange = "203.0.113.0/24";

    /// <summary>Labels that the common ingress controllers and gateways put on their proxy pods (as the connectivity engine recognises them).</summary>
    private static readonly (string Key, string? Value)[] ControllerSignatures =
    {
        ("app.kubernetes.io/name", "ingress-nginx"), ("app.kubernetes.io/name", "rke2-ingress-nginx"), ("app.kubernetes.io/name", "nginx-ingress"),
        ("app", "nginx-ingress"), ("app", "ingress-nginx"), ("app.kubernetes.io/name", "traefik"), ("app.kubernetes.io/name", "haproxy-ingress"),
        ("app.kubernetes.io/name", "kong"), ("istio", "ingressgateway"), ("app", "istio-ingressgateway"),
        ("ingresscontroller.operator.openshift.io/deployment-ingresscontroller", null), ("gateway.envoyproxy.io/owning-gateway-name", null),
        ("app.kubernetes.io/component", "envoy"),
    };

    private readonly AuditContext context;
    private readonly Lazy<IReadOnlyList<Workload>> controllers;
    private readonly Lazy<DnsTarget> dns;

    public TrafficNeeds(AuditContext context)
    {
        this.context = context;
        controllers = new(() => context.Model.Workloads.Where(IsIngressController).OrderBy(w => w.Peer, StringComparer.Ordinal).ToList());
        dns = new(FindDns);
    }

    /// <summary>The ingress controllers' own workloads in the input (empty when the controller runs outside it).</summary>
    public IReadOnlyList<Workload> Controllers => controllers.Value;

    public DnsTarget Dns => dns.Value;

    public static bool IsIngressController(Workload w)
    {
        var labels = w.Labels;
        if (labels.TryGetValue("app.kubernetes.io/component", out var component)
            && (component.Contains("webhook", StringComparison.OrdinalIgnoreCase) || component.Contains("admission", StringComparison.OrdinalIgnoreCase) || component.Contains("certgen", StringComparison.OrdinalIgnoreCase)))
        {
            return false;
        }

        return w.Kind is not ("Job" or "CronJob") && ControllerSignatures.Any(s => labels.TryGetValue(s.Key, out var v) && (s.Value is null || v == s.Value));
    }

    /// <summary>The ingress rules a policy selecting <paramref name="workloads"/> must keep.</summary>
    public IReadOnlyList<KeptRule> Ingress(IEnumerable<Workload> workloads)
    {
        var rules = new List<KeptRule>();
        foreach (var w in workloads.OrderBy(w => w.Peer, StringComparer.Ordinal))
        {
            foreach (var path in context.Exposure.PathsOf(w))
            {
                var ports = ServicePorts(path.Service);
                if (ports.Count == 0)
                {
                    continue;
                }

                if (path.Via is "LoadBalancer" or "NodePort" or "externalIPs")
                {
                    var ranges = ClientRanges(path.Service);
                    var why = ranges.Placeholder
                        ? $"clients of {path.Via} Service {path.Service.Namespace}/{path.Service.Name}; replace {PlaceholderClientRange} with their ranges, as in its loadBalancerSourceRanges"
                        : $"clients of {path.Via} Service {path.Service.Namespace}/{path.Service.Name} (its loadBalancerSourceRanges)";
                    if ((path.Service.Typed as V1Service)?.Spec?.ExternalTrafficPolicy != "Local")
                    {
                        why += "; the pods see client addresses with externalTrafficPolicy: Local only (EX-007)";
                    }
                    rules.Add(new KeptRule(why, new JsonArray(ranges.Cidrs.Select(c => (JsonNode)new JsonObject { ["ipBlock"] = new JsonObject { ["cidr"] = c } }).ToArray()), ports));
                }
                else
                {
                    rules.Add(new KeptRule($"the ingress controller serving {path.Via} {path.Object.Namespace}/{path.Object.Name}", ControllerPeers(), ports));
                }
            }

            if (WorkloadTraits.IsClusterDns(w))
            {
                var (udp, tcp) = WorkloadTraits.DnsPorts(w);
                rules.Add(new KeptRule("DNS queries from the pods of every namespace", new JsonArray(new JsonObject { ["namespaceSelector"] = new JsonObject() }), Ports(udp, tcp)));
            }
        }

        return Merge(rules);
    }

    /// <summary>The egress rules a policy selecting <paramref name="workloads"/> must keep (DNS itself aside).</summary>
    public IReadOnlyList<KeptRule> Egress(IEnumerable<Workload> workloads)
    {
        var rules = new List<KeptRule>();
        var list = workloads.ToList();
        if (list.Any(IsIngressController))
        {
            foreach (var (backend, path) in context.Exposure.Exposed
                .SelectMany(kv => kv.Value.Where(p => p.Via is not ("LoadBalancer" or "NodePort" or "externalIPs")).Select(p => (kv.Key, p)))
                .OrderBy(x => x.Key.Peer, StringComparer.Ordinal))
            {
                var ports = ServicePorts(path.Service);
                if (ports.Count == 0 || list.Contains(backend))
                {
                    continue;
                }

                rules.Add(new KeptRule($"the ingress controller to {backend.Peer}, the backend of {path.Via} {path.Object.Namespace}/{path.Object.Name}",
                    new JsonArray(PodsOf(path.Service, backend)), ports));
            }
        }

        if (list.Any(WorkloadTraits.IsClusterDns))
        {
            rules.Add(new KeptRule("the DNS servers to their upstream resolvers", null, Ports(new[] { 53 }, new[] { 53 })));
            rules.Add(new KeptRule("the DNS servers to the Kubernetes API server, which they watch for Services: narrow to its address", null, Ports(Array.Empty<int>(), new[] { 443, 6443 })));
        }

        return Merge(rules);
    }

    /// <summary>The rule that keeps name resolution: every selected pod to the cluster DNS pods.</summary>
    public KeptRule DnsRule()
    {
        var d = Dns;
        var peer = new JsonObject
        {
            ["namespaceSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { [ClusterModel.NamespaceNameLabel] = d.Namespace } },
            ["podSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { [d.LabelKey] = d.LabelValue } },
        };
        return new KeptRule("name resolution through the cluster DNS", new JsonArray(peer), Ports(d.UdpPorts, d.TcpPorts));
    }

    private DnsTarget FindDns()
    {
        var server = context.Model.Workloads.FirstOrDefault(WorkloadTraits.IsClusterDns);
        if (server is null)
        {
            return DnsTarget.KubeDns;
        }

        var (udp, tcp) = WorkloadTraits.DnsPorts(server);
        var (key, value) = server.Labels.TryGetValue("k8s-app", out var app) ? ("k8s-app", app)
            : server.Labels.TryGetValue("dns.operator.openshift.io/daemonset-dns", out var od) ? ("dns.operator.openshift.io/daemonset-dns", od)
            : server.Labels.Select(kv => (kv.Key, kv.Value)).FirstOrDefault();
        return key is null ? DnsTarget.KubeDns with { Namespace = server.Namespace, UdpPorts = udp, TcpPorts = tcp }
            : new DnsTarget(server.Namespace, key, value, udp, tcp);
    }

    /// <summary>The controller pods as peers, or every pod of every namespace when the controller is not in the input.</summary>
    private JsonArray ControllerPeers()
    {
        if (Controllers.Count == 0)
        {
            return new JsonArray(new JsonObject { ["namespaceSelector"] = new JsonObject() });
        }

        return new JsonArray(Controllers.Select(c => (JsonNode)new JsonObject
        {
            ["namespaceSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { [ClusterModel.NamespaceNameLabel] = c.Namespace } },
            ["podSelector"] = new JsonObject { ["matchLabels"] = Labels(ControllerLabels(c)) },
        }).ToArray());
    }

    /// <summary>The controller's identifying labels: those of its signature, plus the component label when it has one.</summary>
    private static IReadOnlyDictionary<string, string> ControllerLabels(Workload c)
    {
        var keys = ControllerSignatures.Select(s => s.Key).Append("app.kubernetes.io/component").ToHashSet(StringComparer.Ordinal);
        var picked = c.Labels.Where(kv => keys.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        return picked.Count > 0 ? picked : c.Labels;
    }

    /// <summary>A backend's pods as a peer: its namespace by name and the pods by the Service's selector.</summary>
    private static JsonObject PodsOf(Sources.KubeObject service, Workload backend)
    {
        var selector = (service.Typed as V1Service)?.Spec?.Selector;
        var labels = selector is { Count: > 0 } ? selector.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal) : backend.Labels;
        return new JsonObject
        {
            ["namespaceSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { [ClusterModel.NamespaceNameLabel] = backend.Namespace } },
            ["podSelector"] = new JsonObject { ["matchLabels"] = Labels(labels) },
        };
    }

    /// <summary>The target ports of a Service (a number, or the container port's name), each with its protocol.</summary>
    private static JsonArray ServicePorts(Sources.KubeObject service)
    {
        var ports = new JsonArray();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in (service.Typed as V1Service)?.Spec?.Ports ?? new List<V1ServicePort>())
        {
            var protocol = string.IsNullOrEmpty(p.Protocol) ? "TCP" : p.Protocol;
            JsonNode port = p.TargetPort?.Value is { Length: > 0 } t
                ? int.TryParse(t, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? JsonValue.Create(n) : JsonValue.Create(t)
                : JsonValue.Create(p.Port);
            if (seen.Add($"{protocol}/{port.ToJsonString()}"))
            {
                ports.Add(new JsonObject { ["protocol"] = protocol, ["port"] = port });
            }
        }

        return ports;
    }

    private static (IReadOnlyList<string> Cidrs, bool Placeholder) ClientRanges(Sources.KubeObject service)
    {
        var svc = service.Typed as V1Service;
        var ranges = (svc?.Spec?.LoadBalancerSourceRanges ?? new List<string>()).Where(r => System.Net.IPNetwork.TryParse(r.Trim(), out var n) && n.PrefixLength > 0).Select(r => r.Trim()).ToList();
        return ranges.Count > 0 ? (ranges, false) : (new[] { PlaceholderClientRange }, true);
    }

    public static JsonArray Ports(IEnumerable<int> udp, IEnumerable<int> tcp) =>
        new(udp.Select(p => (JsonNode)new JsonObject { ["protocol"] = "UDP", ["port"] = p })
            .Concat(tcp.Select(p => (JsonNode)new JsonObject { ["protocol"] = "TCP", ["port"] = p })).ToArray());

    public static JsonObject Labels(IReadOnlyDictionary<string, string> labels)
    {
        var o = new JsonObject();
        foreach (var (k, v) in labels.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            o[k] = v;
        }

        return o;
    }

    /// <summary>Rules with the same peers become one rule with the union of their ports, so a policy lists each peer once.</summary>
    private static IReadOnlyList<KeptRule> Merge(List<KeptRule> rules)
    {
        var merged = new List<KeptRule>();
        foreach (var group in rules.GroupBy(r => r.Peers?.ToJsonString() ?? string.Empty, StringComparer.Ordinal))
        {
            var first = group.First();
            var ports = new JsonArray();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var p in group.SelectMany(r => r.Ports))
            {
                if (p is not null && seen.Add(p.ToJsonString()))
                {
                    ports.Add(p.DeepClone());
                }
            }

            merged.Add(new KeptRule(string.Join("; ", group.Select(r => r.Why).Distinct(StringComparer.Ordinal)), (JsonArray?)first.Peers?.DeepClone(), ports));
        }

        return merged;
    }
}
