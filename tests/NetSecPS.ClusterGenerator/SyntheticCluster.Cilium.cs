using System.Text.Json.Nodes;
using static NetSecPS.ClusterGenerator.Json;

namespace NetSecPS.ClusterGenerator;

/// <summary>
/// The Cilium variant (<see cref="ClusterShape.Cilium"/>): the same clusters, segmented the way
/// Cilium users write it. Tenant namespaces of even index get their NetworkPolicies rewritten as
/// CiliumNetworkPolicies with the same meaning, plus what Cilium adds: an L7 rule on the ingress
/// path, DNS through the DNS proxy, an FQDN rule, the world entity for internet egress in some
/// namespaces, a deny of the metadata address, partners as a CiliumCIDRGroup. Platform and
/// odd-index namespaces keep their NetworkPolicies (Cilium enforces both as one union).
/// CiliumClusterwideNetworkPolicies replace the admin policies, which Cilium does not implement.
/// </summary>
public sealed partial class SyntheticCluster
{
    private const string CiliumApi = "cilium.io/v2";

    /// <summary>
    /// False: the Cilium variant keeps every NetworkPolicy as it is (the agent and the cluster-wide
    /// policies stay), so tests can check that the rewritten policies mean the same.
    /// </summary>
    internal bool RewritesAsCilium { get; init; } = true;

    private IEnumerable<JsonObject> CiliumPolicies(NamespacePlan ns, Random random)
    {
        if (ns.Name == "kube-system")
        {
            yield return Map(("apiVersion", "v1"), ("kind", "ConfigMap"), ("metadata", Meta(random, "cilium-config", ns.Name)),
                ("data", Map(("cluster-name", "bench"), ("enable-policy", "default"), ("enable-l7-proxy", "true"), ("enable-hubble", "true"),
                    ("enable-wireguard", "true"), ("enable-k8s-cluster-network-policy", "false"))));
        }

        var convert = RewritesAsCilium && !ns.IsPlatform && ns.Index % 2 == 0;
        foreach (var np in NetworkPolicies(ns, random))
        {
            if (!convert)
            {
                yield return np;
                continue;
            }

            var name = np["metadata"]!["name"]!.GetValue<string>();
            if (name == "allow-partner-ingress")
            {
                yield return PartnerGroup(ns, np);
            }

            yield return ToCilium(ns, np);
        }
    }

    /// <summary>The partner networks of a namespace as a CiliumCIDRGroup (each block once; its excepts stay in the policy).</summary>
    private static JsonObject PartnerGroup(NamespacePlan ns, JsonObject np)
    {
        var cidrs = (np["spec"]!["ingress"]![0]!["from"] as JsonArray)!.Select(p => p!["ipBlock"]!["cidr"]!.GetValue<string>()).ToList();
        return Map(("apiVersion", "cilium.io/v2alpha1"), ("kind", "CiliumCIDRGroup"),
            ("metadata", Map(("name", ns.Name + "-partners"), ("labels", MatchLabels(("team", ns.Team))["matchLabels"]!.DeepClone()))),
            ("spec", Map(("externalCIDRs", Strings(cidrs)))));
    }

    /// <summary>One NetworkPolicy as the CiliumNetworkPolicy that means the same, with Cilium's additions for some of them.</summary>
    private static JsonObject ToCilium(NamespacePlan ns, JsonObject np)
    {
        var name = np["metadata"]!["name"]!.GetValue<string>();
        var spec = (JsonObject)np["spec"]!;
        var types = (spec["policyTypes"] as JsonArray)!.Select(t => t!.GetValue<string>()).ToList();
        var cnp = Map(("endpointSelector", spec["podSelector"]!.DeepClone()));
        foreach (var (direction, peersKey, type) in new[] { ("ingress", "from", "Ingress"), ("egress", "to", "Egress") })
        {
            if (!types.Contains(type))
            {
                continue;
            }

            var rules = new JsonArray();
            foreach (var rule in spec[direction] as JsonArray ?? new JsonArray())
            {
                rules.Add(ToCiliumRule(ns, name, direction, (JsonObject)rule!, peersKey));
            }

            if (name == "allow-telemetry-egress" && direction == "egress")
            {
                // Telemetry also leaves for the vendor, by name (resolved through the DNS proxy rule of allow-dns).
                rules.Add(Map(("toFQDNs", Array(Map(("matchPattern", "*.telemetry-vendor.example")))),
                    ("toPorts", Array(Map(("ports", Array(Map(("port", "443"), ("protocol", "TCP")))))))));
            }

            // A NetworkPolicy type without rules isolates; in Cilium, an empty rule does that.
            cnp[direction] = rules.Count == 0 ? Array(Empty()) : rules;
        }

        if (name == "default-deny-all")
        {
            cnp["egressDeny"] = Array(Map(("toCIDR", Strings(new[] { "169.254.169.254/32" }))));
        }

        return Map(("apiVersion", CiliumApi), ("kind", "CiliumNetworkPolicy"), ("metadata", np["metadata"]!.DeepClone()), ("spec", cnp));
    }

    private static JsonObject ToCiliumRule(NamespacePlan ns, string policy, string direction, JsonObject rule, string peersKey)
    {
        var ingress = direction == "ingress";
        var result = new JsonObject();
        var endpoints = new JsonArray();
        var cidrs = new JsonArray();
        foreach (var peer in rule[peersKey] as JsonArray ?? new JsonArray())
        {
            if (peer!["ipBlock"] is JsonObject block)
            {
                cidrs.Add(block.DeepClone());
                continue;
            }

            endpoints.Add(EndpointSelector((JsonObject)peer));
        }

        var ports = (rule["ports"] as JsonArray ?? new JsonArray()).Select(p => p!.DeepClone()).ToList();
        if (endpoints.Count > 0)
        {
            result[ingress ? "fromEndpoints" : "toEndpoints"] = endpoints;
        }

        if (cidrs.Count > 0)
        {
            if (policy == "allow-partner-ingress")
            {
                // The partners by reference; each block's except stays here.
                var excepts = cidrs.SelectMany(c => c!["except"] as JsonArray ?? new JsonArray()).Select(e => e!.GetValue<string>()).ToList();
                result["fromCIDRSet"] = Array(Map(("cidrGroupRef", ns.Name + "-partners"), ("except", Strings(excepts))));
            }
            else if (policy == "allow-egress-https-internet" && ns.Index % 4 == 0)
            {
                // Written "for the internet" as Cilium users often do: the world entity (NP-008 reports it).
                result["toEntities"] = Strings(new[] { "world" });
            }
            else
            {
                result[ingress ? "fromCIDRSet" : "toCIDRSet"] = cidrs;
            }
        }

        if (rule[peersKey] is null && ports.Count == 0)
        {
            // A NetworkPolicy rule without peers and ports admits everything; in Cilium that is the all entity.
            result[ingress ? "fromEntities" : "toEntities"] = Strings(new[] { "all" });
        }

        if (ports.Count > 0)
        {
            var entry = Map(("ports", Array(ports.Select(CiliumPort).ToArray())));
            if (policy == "allow-from-ingress-controller")
            {
                entry["rules"] = Map(("http", Array(Map(("method", "GET"), ("path", "/.*")), Map(("method", "POST"), ("path", "/api/.*")))));
            }
            else if (policy == "allow-dns")
            {
                entry["rules"] = Map(("dns", Array(Map(("matchPattern", "*")))));
            }

            result["toPorts"] = Array(entry);
        }

        return result;
    }

    /// <summary>A NetworkPolicy port as a Cilium port: the protocol spelled out (a NetworkPolicy port without one is TCP).</summary>
    private static JsonNode CiliumPort(JsonNode port)
    {
        var p = Map(("port", port["port"]!.ToString()), ("protocol", port["protocol"]?.GetValue<string>() ?? "TCP"));
        if (port["endPort"] is { } end)
        {
            p["endPort"] = end.DeepClone();
        }

        return p;
    }

    /// <summary>
    /// A NetworkPolicy peer as a Cilium endpoint selector: namespace labels become
    /// <c>io.cilium.k8s.namespace.labels.*</c> (the namespace name <c>io.kubernetes.pod.namespace</c>),
    /// an empty namespace selector every namespace, a pod selector alone the policy's namespace.
    /// </summary>
    private static JsonObject EndpointSelector(JsonObject peer)
    {
        var labels = new JsonObject();
        var expressions = new JsonArray();
        if (peer["namespaceSelector"] is JsonObject nsSelector)
        {
            foreach (var (k, v) in nsSelector["matchLabels"] as JsonObject ?? new JsonObject())
            {
                labels[NamespaceKey(k)] = v!.DeepClone();
            }

            foreach (var e in nsSelector["matchExpressions"] as JsonArray ?? new JsonArray())
            {
                var copy = (JsonObject)e!.DeepClone();
                copy["key"] = NamespaceKey(copy["key"]!.GetValue<string>());
                expressions.Add(copy);
            }

            if (labels.Count == 0 && expressions.Count == 0)
            {
                expressions.Add(Requirement("io.kubernetes.pod.namespace", "Exists"));
            }
        }

        foreach (var (k, v) in peer["podSelector"]?["matchLabels"] as JsonObject ?? new JsonObject())
        {
            labels[k] = v!.DeepClone();
        }

        foreach (var e in peer["podSelector"]?["matchExpressions"] as JsonArray ?? new JsonArray())
        {
            expressions.Add(e!.DeepClone());
        }

        var selector = new JsonObject();
        if (labels.Count > 0)
        {
            selector["matchLabels"] = labels;
        }

        if (expressions.Count > 0)
        {
            selector["matchExpressions"] = expressions;
        }

        return selector;
    }

    private static string NamespaceKey(string key) =>
        key == "kubernetes.io/metadata.name" ? "io.kubernetes.pod.namespace" : "io.cilium.k8s.namespace.labels." + key;

    /// <summary>
    /// The cluster-wide policies of a Cilium cluster: Prometheus may scrape every pod and the
    /// metadata address is denied, without making anything default-deny; each team's namespaces
    /// refuse SSH from dev namespaces and a blocklisted range, one policy per 1,000 policies.
    /// </summary>
    private IEnumerable<JsonObject> CiliumClusterPolicies(Random random)
    {
        JsonObject Ccnp(string name, JsonObject spec) =>
            Map(("apiVersion", CiliumApi), ("kind", "CiliumClusterwideNetworkPolicy"), ("metadata", Meta(random, name, null)), ("spec", spec));
        JsonObject NoDefaultDeny() => Map(("ingress", false), ("egress", false));
        JsonObject Ports(params JsonObject[] ports) => Map(("ports", Array(ports)));
        JsonObject P(string port, int? end = null)
        {
            var o = Map(("port", port), ("protocol", "TCP"));
            if (end is { } e)
            {
                o["endPort"] = e;
            }

            return o;
        }

        yield return Ccnp("cluster-allow-monitoring", Map(
            ("endpointSelector", Empty()),
            ("enableDefaultDeny", NoDefaultDeny()),
            ("ingress", Array(Map(
                ("fromEndpoints", Array(MatchLabels(("io.kubernetes.pod.namespace", "monitoring"), ("app.kubernetes.io/name", "prometheus")))),
                ("toPorts", Array(Ports(P("9102"), P("9100", 9200)))))))));
        yield return Ccnp("deny-cloud-metadata", Map(
            ("endpointSelector", MatchExpressions(Requirement("io.kubernetes.pod.namespace", "NotIn", "kube-system"))),
            ("enableDefaultDeny", NoDefaultDeny()),
            ("egressDeny", Array(Map(("toCIDR", Strings(new[] { "169.254.169.254/32", "fd00:ec2::254/128" })))))));
        yield return Ccnp("protect-kube-system", Map(
            ("endpointSelector", MatchLabels(("io.kubernetes.pod.namespace", "kube-system"))),
            ("enableDefaultDeny", NoDefaultDeny()),
            ("ingressDeny", Array(Map(
                ("fromEndpoints", Array(MatchLabels(("io.cilium.k8s.namespace.labels.env", "dev")))),
                ("toPorts", Array(Ports(P("10250"), P("9153")))))))));

        var teams = Plan.Namespaces.Where(n => !n.IsPlatform).Select(n => n.Team).Distinct().OrderBy(t => t, StringComparer.Ordinal).ToList();
        for (var i = 0; i < Plan.AdminPolicies - 3 && teams.Count > 0; i++)
        {
            var team = teams[(i * 7) % teams.Count];
            var (cidr, _) = PublicBlock(random, 16);
            yield return Ccnp($"{team}-isolation-{i}", Map(
                ("endpointSelector", MatchLabels(("io.cilium.k8s.namespace.labels.team", team))),
                ("enableDefaultDeny", NoDefaultDeny()),
                ("ingressDeny", Array(Map(
                    ("fromEndpoints", Array(MatchLabels(("io.cilium.k8s.namespace.labels.env", "dev")))),
                    ("toPorts", Array(Ports(P("22"))))))),
                ("egressDeny", Array(Map(("toCIDR", Strings(new[] { cidr })))))));
        }
    }
}
