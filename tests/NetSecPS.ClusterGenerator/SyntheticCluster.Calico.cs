using System.Globalization;
using System.Text.Json.Nodes;
using static NetSecPS.ClusterGenerator.Json;

namespace NetSecPS.ClusterGenerator;

/// <summary>
/// The Calico variant (<see cref="ClusterShape.Calico"/>): the same clusters, segmented the way
/// Calico users write it. calico-node (and calico-kube-controllers) run in calico-system beside
/// kube-proxy. Tenant namespaces of even index get their NetworkPolicies rewritten as
/// projectcalico.org/v3 NetworkPolicies with the same meaning: selectors in Calico's selector
/// language, <c>namespaceSelector</c>, one rule per peer and protocol, ipBlocks as
/// <c>nets</c>/<c>notNets</c>, the partner networks as a NetworkSet the rule selects by label.
/// Platform and odd-index namespaces keep their NetworkPolicies (Calico puts them in its default
/// tier at order 1000). GlobalNetworkPolicies in Tiers of their own, with the default action Pass,
/// take the place of the admin policies and mean what they meant: the <c>platform</c> tier (order
/// 100) for the AdminNetworkPolicies by priority, the <c>platform-baseline</c> tier (after the
/// default tier) for the BaselineAdminNetworkPolicy; the cloud metadata addresses are a
/// GlobalNetworkSet.
/// </summary>
public sealed partial class SyntheticCluster
{
    private const string CalicoApi = "projectcalico.org/v3";
    private const string PlatformTier = "platform";
    private const string PlatformBaselineTier = "platform-baseline";

    /// <summary>
    /// False: the Calico variant is written with Kubernetes' own policies (its NetworkPolicies as
    /// they are, AdminNetworkPolicies and the BaselineAdminNetworkPolicy instead of the Calico
    /// tiers), on the same plan with calico-node running, so tests can check that the Calico
    /// policies mean the same.
    /// </summary>
    internal bool RewritesAsCalico { get; init; } = true;

    private IEnumerable<JsonObject> CalicoPolicies(NamespacePlan ns, Random random)
    {
        var convert = RewritesAsCalico && !ns.IsPlatform && ns.Index % 2 == 0;
        foreach (var np in NetworkPolicies(ns, random))
        {
            if (!convert)
            {
                yield return np;
                continue;
            }

            var name = np["metadata"]!["name"]!.GetValue<string>();
            JsonObject? partners = null;
            if (name == "allow-partner-ingress")
            {
                partners = PartnerSet(ns, np);
                if (partners is not null)
                {
                    yield return partners;
                }
            }

            yield return ToCalico(np, partners);
        }
    }

    /// <summary>
    /// The partner networks of a namespace as a NetworkSet (each block once); the partner rule
    /// selects it by label and keeps each block's except as <c>notNets</c>. Null when an except
    /// lies inside another partner's block: one rule over the set would then exclude addresses the
    /// other block admits, so the rule keeps one <c>nets</c> entry per block instead.
    /// </summary>
    private static JsonObject? PartnerSet(NamespacePlan ns, JsonObject np)
    {
        var blocks = (np["spec"]!["ingress"]![0]!["from"] as JsonArray)!.Select(p => p!["ipBlock"]!).ToList();
        var cidrs = blocks.Select(b => b["cidr"]!.GetValue<string>()).ToList();
        var excepts = blocks.Select(b => (b["except"] as JsonArray ?? new JsonArray()).Select(e => e!.GetValue<string>()).ToList()).ToList();
        for (var i = 0; i < blocks.Count; i++)
        {
            for (var j = 0; j < blocks.Count; j++)
            {
                if (i != j && excepts[j].Any(e => Contains(cidrs[i], e)))
                {
                    return null;
                }
            }
        }

        return Map(("apiVersion", CalicoApi), ("kind", "NetworkSet"),
            ("metadata", Map(("name", "partners"), ("namespace", ns.Name), ("labels", Labels(new Dictionary<string, string> { ["role"] = "partner", ["team"] = ns.Team })))),
            ("spec", Map(("nets", Strings(cidrs)))));
    }

    /// <summary>One NetworkPolicy as the Calico NetworkPolicy that means the same.</summary>
    private static JsonObject ToCalico(JsonObject np, JsonObject? partners)
    {
        var spec = (JsonObject)np["spec"]!;
        var types = (spec["policyTypes"] as JsonArray)!.Select(t => t!.GetValue<string>()).ToList();
        var calico = Map(("selector", CalicoSelector(spec["podSelector"] as JsonObject)), ("types", Strings(types)));
        foreach (var (direction, peersKey, type) in new[] { ("ingress", "from", "Ingress"), ("egress", "to", "Egress") })
        {
            if (!types.Contains(type))
            {
                continue;
            }

            // A type without rules isolates: in Calico, the policy selects the pod and no rule allows.
            var rules = new JsonArray();
            foreach (var rule in spec[direction] as JsonArray ?? new JsonArray())
            {
                foreach (var r in ToCalicoRules((JsonObject)rule!, peersKey, direction == "ingress", partners))
                {
                    rules.Add(r);
                }
            }

            if (rules.Count > 0)
            {
                calico[direction] = rules;
            }
        }

        return Map(("apiVersion", CalicoApi), ("kind", "NetworkPolicy"), ("metadata", np["metadata"]!.DeepClone()), ("spec", calico));
    }

    /// <summary>
    /// The Calico rules of one NetworkPolicy rule. A NetworkPolicy rule admits any of its peers on
    /// any of its ports; a Calico rule ANDs everything it says and names one protocol, so the rule
    /// becomes one Allow per peer and protocol.
    /// </summary>
    private static IEnumerable<JsonObject> ToCalicoRules(JsonObject rule, string peersKey, bool ingress, JsonObject? partners)
    {
        var peers = new List<JsonObject?>();
        if (rule[peersKey] is JsonArray list)
        {
            var blocks = list.OfType<JsonObject>().Where(p => p["ipBlock"] is not null).ToList();
            if (partners is not null && blocks.Count > 0)
            {
                // The partner blocks by reference to their NetworkSet, with their excepts.
                peers.Add(Map(("selector", "role == 'partner'"),
                    ("notNets", Strings(blocks.SelectMany(b => b["ipBlock"]!["except"] as JsonArray ?? new JsonArray()).Select(e => e!.GetValue<string>())))));
            }

            foreach (var peer in list.OfType<JsonObject>().Where(p => partners is null || p["ipBlock"] is null))
            {
                peers.Add(CalicoPeer(peer));
            }
        }
        else
        {
            // No peers: every source (or destination), in the cluster or not.
            peers.Add(null);
        }

        var byProtocol = (rule["ports"] as JsonArray ?? new JsonArray()).OfType<JsonObject>()
            .GroupBy(p => p["protocol"]?.GetValue<string>() ?? "TCP")
            .Select(g => (Protocol: (string?)g.Key, Ports: g.Select(CalicoPort).ToList()))
            .ToList();
        if (byProtocol.Count == 0)
        {
            byProtocol.Add((null, new List<JsonNode>()));
        }

        foreach (var peer in peers)
        {
            foreach (var (protocol, ports) in byProtocol)
            {
                var r = Map(("action", "Allow"));
                if (protocol is not null)
                {
                    r["protocol"] = protocol;
                }

                var destination = ingress ? new JsonObject() : peer?.DeepClone() as JsonObject ?? new JsonObject();
                if (ports.Count > 0)
                {
                    destination["ports"] = Array(ports.Select(p => p.DeepClone()).ToArray());
                }

                if (ingress && peer is not null)
                {
                    r["source"] = peer.DeepClone();
                }

                if (destination.Count > 0)
                {
                    r["destination"] = destination;
                }

                yield return r;
            }
        }
    }

    /// <summary>
    /// A NetworkPolicy peer as a Calico rule entity: a pod selector alone stays in the policy's
    /// namespace (as in Calico), a namespace selector alone is every pod there, an empty one
    /// <c>all()</c>; an ipBlock is <c>nets</c> with its excepts as <c>notNets</c>.
    /// </summary>
    private static JsonObject CalicoPeer(JsonObject peer)
    {
        if (peer["ipBlock"] is JsonObject block)
        {
            var e = Map(("nets", Strings(new[] { block["cidr"]!.GetValue<string>() })));
            if (block["except"] is JsonArray { Count: > 0 } except)
            {
                e["notNets"] = except.DeepClone();
            }

            return e;
        }

        var entity = new JsonObject();
        if (peer["namespaceSelector"] is JsonObject ns)
        {
            entity["namespaceSelector"] = CalicoSelector(ns);
        }

        if (peer["podSelector"] is JsonObject pods)
        {
            entity["selector"] = CalicoSelector(pods);
        }

        return entity;
    }

    /// <summary>A NetworkPolicy port as a Calico port: a number, a named port, or <c>"start:end"</c>.</summary>
    private static JsonNode CalicoPort(JsonObject port)
    {
        var p = port["port"]!;
        if (port["endPort"] is { } end)
        {
            return JsonValue.Create($"{p}:{end}")!;
        }

        return p.DeepClone();
    }

    /// <summary>A Kubernetes label selector in Calico's selector language (<c>all()</c> when it is empty).</summary>
    internal static string CalicoSelector(JsonObject? selector)
    {
        static string Quote(string v) => "'" + v + "'";
        var terms = new List<string>();
        foreach (var (k, v) in selector?["matchLabels"] as JsonObject ?? new JsonObject())
        {
            terms.Add($"{k} == {Quote(v!.GetValue<string>())}");
        }

        foreach (var e in (selector?["matchExpressions"] as JsonArray ?? new JsonArray()).OfType<JsonObject>())
        {
            var key = e["key"]!.GetValue<string>();
            var values = string.Join(", ", (e["values"] as JsonArray ?? new JsonArray()).Select(v => Quote(v!.GetValue<string>())));
            terms.Add(e["operator"]!.GetValue<string>() switch
            {
                "In" => $"{key} in {{{values}}}",
                "NotIn" => $"{key} not in {{{values}}}",
                "Exists" => $"has({key})",
                "DoesNotExist" => $"!has({key})",
                var op => throw new InvalidOperationException($"Unknown selector operator {op}."),
            });
        }

        return terms.Count == 0 ? "all()" : string.Join(" && ", terms);
    }

    /// <summary>True when IPv4 block <paramref name="inner"/> lies inside <paramref name="outer"/>.</summary>
    private static bool Contains(string outer, string inner)
    {
        static (uint Address, int Prefix) Parse(string cidr)
        {
            var slash = cidr.IndexOf('/', StringComparison.Ordinal);
            var octets = cidr[..slash].Split('.').Select(o => uint.Parse(o, CultureInfo.InvariantCulture)).ToArray();
            return ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3], int.Parse(cidr[(slash + 1)..], CultureInfo.InvariantCulture));
        }

        var (o, op) = Parse(outer);
        var (i, ip) = Parse(inner);
        var mask = op == 0 ? 0u : uint.MaxValue << (32 - op);
        return ip >= op && (o & mask) == (i & mask);
    }

    /// <summary>
    /// The cluster-wide Calico policy in place of the admin policies, with the same meaning: the
    /// <c>platform</c> tier holds one GlobalNetworkPolicy per AdminNetworkPolicy (order = priority;
    /// Allow, Deny and Pass as there; the tier passes what it does not decide, as the admin tier
    /// does); the <c>platform-baseline</c> tier, after Calico's default tier, holds the baseline.
    /// The cloud metadata addresses are a GlobalNetworkSet the deny rule selects.
    /// </summary>
    private IEnumerable<JsonObject> CalicoClusterPolicies(Random random)
    {
        JsonObject Tier(string name, int order) =>
            Map(("apiVersion", CalicoApi), ("kind", "Tier"), ("metadata", Meta(random, name, null)), ("spec", Map(("order", order), ("defaultAction", "Pass"))));
        JsonObject Gnp(string tier, string name, int order, string? namespaces, JsonArray? ingress, JsonArray? egress)
        {
            var types = new List<string>();
            var spec = Map(("tier", tier), ("order", order), ("selector", "all()"));
            if (namespaces is not null)
            {
                spec["namespaceSelector"] = namespaces;
            }

            if (ingress is not null)
            {
                types.Add("Ingress");
                spec["ingress"] = ingress;
            }

            if (egress is not null)
            {
                types.Add("Egress");
                spec["egress"] = egress;
            }

            spec["types"] = Strings(types);
            return Map(("apiVersion", CalicoApi), ("kind", "GlobalNetworkPolicy"), ("metadata", Meta(random, tier + "." + name, null)), ("spec", spec));
        }

        JsonObject Rule(string action, string side, JsonObject entity, string? protocol = null, params JsonNode[] ports)
        {
            var r = Map(("action", action));
            if (protocol is not null)
            {
                r["protocol"] = protocol;
            }

            if (side == "source")
            {
                r["source"] = entity;
                if (ports.Length > 0)
                {
                    r["destination"] = Map(("ports", Array(ports)));
                }
            }
            else
            {
                if (ports.Length > 0)
                {
                    entity["ports"] = Array(ports);
                }

                r["destination"] = entity;
            }

            return r;
        }

        JsonObject Namespaces(string selector) => Map(("namespaceSelector", selector));
        JsonObject Nets(params string[] nets) => Map(("nets", Strings(nets)));

        yield return Gnp(PlatformTier, "cluster-allow-monitoring", 5, null,
            Array(Rule("Allow", "source",
                Map(("namespaceSelector", "kubernetes.io/metadata.name == 'monitoring'"), ("selector", "app.kubernetes.io/name == 'prometheus'")),
                "TCP", 9102, "9100:9200")),
            null);
        yield return Gnp(PlatformTier, "protect-kube-system", 10, "projectcalico.org/name == 'kube-system'",
            Array(
                Rule("Allow", "source", Namespaces("all()"), "UDP", 53),
                Rule("Allow", "source", Namespaces("all()"), "TCP", 53),
                Rule("Allow", "source", Namespaces("projectcalico.org/name == 'monitoring'")),
                Rule("Deny", "source", Namespaces("kubernetes.io/metadata.name not in {'kube-system'}"))),
            null);
        yield return Gnp(PlatformTier, "deny-cloud-metadata", 20, "kubernetes.io/metadata.name not in {'kube-system'}",
            null,
            Array(Rule("Deny", "destination", Map(("selector", "range == 'cloud-metadata'")))));
        yield return Gnp(PlatformTier, "prod-namespaces", 30, "env == 'prod'",
            Array(
                Rule("Pass", "source", Namespaces("env == 'prod'")),
                Rule("Deny", "source", Namespaces("env == 'dev'"))),
            null);

        var teams = Plan.Namespaces.Where(n => !n.IsPlatform).Select(n => n.Team).Distinct().OrderBy(t => t, StringComparer.Ordinal).ToList();
        for (var i = 0; i < Plan.AdminPolicies - 4 && teams.Count > 0; i++)
        {
            var team = teams[(i * 7) % teams.Count];
            var (cidr, _) = PublicBlock(random, 16);
            yield return Gnp(PlatformTier, $"{team}-isolation-{i}", 100 + i, $"team == '{team}'",
                Array(
                    Rule("Allow", "source", Namespaces($"team == '{team}'")),
                    Rule("Pass", "source", Namespaces("env in {'prod', 'staging'}")),
                    Rule("Deny", "source", Namespaces("env == 'dev'"), "SCTP", "1:65535")),
                Array(Rule("Deny", "destination", Nets(cidr))));
        }

        yield return Gnp(PlatformBaselineTier, "default", 10, "env in {'prod', 'staging'}",
            Array(Rule("Deny", "source", Namespaces("!has(env)"))),
            Array(Rule("Deny", "destination", Nets("0.0.0.0/0")), Rule("Deny", "destination", Nets("::/0"))));

        // Last, so the policies above draw the same random numbers (uids, blocklisted ranges) as the admin policies they replace.
        yield return Tier(PlatformTier, 100);
        yield return Tier(PlatformBaselineTier, 5_000_000);
        yield return Map(("apiVersion", CalicoApi), ("kind", "GlobalNetworkSet"),
            ("metadata", Map(("name", "cloud-metadata"), ("labels", Labels(new Dictionary<string, string> { ["range"] = "cloud-metadata" })))),
            ("spec", Map(("nets", Strings(new[] { "169.254.169.254/32", "fd00:ec2::254/128" })))));
    }
}
