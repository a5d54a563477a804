using System.Globalization;
using System.Text.Json.Nodes;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Policy;

/// <summary>The L4 and L7 part of Cilium rules: <c>toPorts</c> and <c>icmps</c>.</summary>
internal sealed partial class CiliumPolicyCompiler
{
    /// <summary>
    /// The ports of a rule, split where some entries carry L7 conditions: one segment for the
    /// ports without conditions (and the ICMP messages), one per entry with conditions. Null when
    /// the rule has neither <c>toPorts</c> nor <c>icmps</c> (an L3-only rule: every protocol, ICMP
    /// included). "If any layer 4 policy is specified, then ICMP will be blocked", so ports never
    /// admit ICMP.
    /// </summary>
    private List<(PortSpec Ports, string? L7, bool DnsProxy)>? CompilePorts(KubeObject obj, TrafficDirection direction, RuleAction action, JsonObject rule, string where)
    {
        var toPorts = rule["toPorts"] as JsonArray;
        var icmps = rule["icmps"] as JsonArray;
        if (rule["toPorts"] is not null and not JsonArray || rule["icmps"] is not null and not JsonArray)
        {
            context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPort", $"{where}: toPorts and icmps must be lists; they are ignored.");
        }

        if (toPorts is not { Count: > 0 } && icmps is not { Count: > 0 })
        {
            return null;
        }

        var numeric = ConnectionSet.None;
        var named = new List<NamedPortRef>();
        var texts = new List<string>();
        var segments = new List<(PortSpec, string?, bool)>();
        for (var i = 0; i < (toPorts?.Count ?? 0); i++)
        {
            var at = $"{where}.toPorts[{i}]";
            if (toPorts![i] is not JsonObject entry)
            {
                context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPort", $"{at} is not an object; it is ignored.");
                continue;
            }

            var (set, names, text) = PortEntry(obj, entry, at);
            var (l7, dns) = L7(entry);
            if (l7 is not null && action == RuleAction.Deny)
            {
                context.Diagnose(obj, DiagnosticSeverity.Warning, "UnsupportedField", $"{at}: deny rules carry no L7 rules; they are ignored.");
                l7 = null;
            }

            if (l7 is null)
            {
                numeric = numeric.Union(set);
                named.AddRange(names);
                texts.AddRange(text);
                continue;
            }

            segments.Add((new PortSpec(set, names, text.Count == 0 ? "no valid port" : string.Join(", ", text)), l7, dns));
        }

        var icmp = ConnectionSet.None;
        var icmpTexts = new List<string>();
        for (var i = 0; i < (icmps?.Count ?? 0); i++)
        {
            foreach (var field in icmps![i]?["fields"] as JsonArray ?? new JsonArray())
            {
                var family = PolicyCompileContext.Str(field?["family"]) is "IPv6" ? 6 : 4;
                var type = IcmpType(field?["type"], family);
                if (type is null)
                {
                    context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPort", $"{where}.icmps[{i}]: ICMP type {field?["type"]?.ToJsonString()} is not a type number or name of {(family == 6 ? "ICMPv6" : "ICMP")}; it is ignored.");
                    continue;
                }

                icmp = icmp.Union(ConnectionSet.IcmpMessages(family, type, null));
                icmpTexts.Add(string.Create(CultureInfo.InvariantCulture, $"{(family == 6 ? "ICMPv6" : "ICMP")} type {type}"));
            }
        }

        if (!numeric.IsEmpty || named.Count > 0 || !icmp.IsEmpty || (segments.Count == 0 && texts.Count + icmpTexts.Count == 0))
        {
            var all = texts.Concat(icmpTexts).ToList();
            segments.Insert(0, (new PortSpec(numeric.Union(icmp), named, all.Count == 0 ? "no valid port" : string.Join(", ", all))
            {
                NamesNonPortProtocols = !icmp.IsEmpty,
            }, null, false));
        }

        return segments;
    }

    /// <summary>
    /// What <c>ANY</c> (or no protocol) stands for: TCP and UDP, and SCTP where cilium-config
    /// enables it (<c>enable-sctp</c>; without it Cilium does not carry SCTP).
    /// </summary>
    private string[] AnyProtocol => cilium.Sctp ? new[] { "SCTP", "TCP", "UDP" } : new[] { "TCP", "UDP" };

    /// <summary>
    /// One <c>toPorts</c> entry's <c>ports</c>: <c>port</c> (a number, <c>0</c> or empty for every
    /// port, or a name resolved on the destination pod), <c>endPort</c>, and <c>protocol</c> TCP,
    /// UDP, SCTP or ANY (the default). No <c>ports</c> is every port.
    /// </summary>
    private (ConnectionSet Set, List<NamedPortRef> Named, List<string> Text) PortEntry(KubeObject obj, JsonObject entry, string at)
    {
        var set = ConnectionSet.None;
        var named = new List<NamedPortRef>();
        var texts = new List<string>();
        var ports = entry["ports"] as JsonArray;
        if (ports is not { Count: > 0 })
        {
            foreach (var p in AnyProtocol)
            {
                set = set.Union(ConnectionSet.AllPorts(p));
            }

            texts.Add("every port");
            return (set, named, texts);
        }

        for (var i = 0; i < ports.Count; i++)
        {
            var where = $"{at}.ports[{i}]";
            if (ports[i] is not JsonObject port)
            {
                context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPort", $"{where} is not an object; it is ignored.");
                continue;
            }

            var protocolText = (PolicyCompileContext.Str(port["protocol"]) ?? string.Empty).ToUpperInvariant();
            string[] protocols;
            switch (protocolText)
            {
                case "" or "ANY":
                    protocols = AnyProtocol;
                    protocolText = "ANY";
                    break;
                case "TCP" or "UDP" or "SCTP":
                    protocols = new[] { protocolText };
                    break;
                default:
                    context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPort", $"{where}: protocol '{port["protocol"]}' is not TCP, UDP, SCTP or ANY (ICMP goes in icmps); the entry is ignored.");
                    continue;
            }

            var value = port["port"] switch
            {
                JsonValue v when v.TryGetValue<int>(out var n) => n.ToString(CultureInfo.InvariantCulture),
                var n => PolicyCompileContext.Str(n) ?? string.Empty,
            };
            var endPort = PolicyCompileContext.Int(port["endPort"]);
            if (value is "" or "0")
            {
                foreach (var p in protocols)
                {
                    set = set.Union(ConnectionSet.AllPorts(p));
                }

                texts.Add($"{protocolText} (all ports)");
                continue;
            }

            if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number))
            {
                // "EndPort is ignored if Port is a named port."
                named.Add(new NamedPortRef(value, protocolText == "ANY" ? null : protocolText));
                texts.Add(protocolText == "ANY" ? $"port named {value}" : $"{protocolText} port named {value}");
                continue;
            }

            var end = endPort is { } e && e > number ? e : number;
            if (number is < ConnectionSet.MinPort or > ConnectionSet.MaxPort || end > ConnectionSet.MaxPort)
            {
                context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPort", string.Create(CultureInfo.InvariantCulture, $"{where}: port {number}{(end != number ? $"-{end}" : string.Empty)} is not within 1-65535; the entry is ignored."));
                continue;
            }

            foreach (var p in protocols)
            {
                set = set.Union(ConnectionSet.Ports(p, number, end));
            }

            texts.Add(protocolText == "ANY"
                ? string.Create(CultureInfo.InvariantCulture, $"ANY {number}{(end != number ? $"-{end}" : string.Empty)}")
                : PortSpec.Describe(protocolText, number, end));
        }

        return (set, named, texts);
    }

    /// <summary>
    /// The application-layer conditions of a <c>toPorts</c> entry in words, null when it has none
    /// (no rules, or empty lists: "If no rules are specified, then all traffic is permitted");
    /// and whether the entry is a DNS rule (what Cilium's DNS proxy needs for <c>toFQDNs</c>).
    /// </summary>
    private static (string? Text, bool Dns) L7(JsonObject entry)
    {
        var parts = new List<string>();
        var dns = false;
        if (entry["rules"] is JsonObject rules)
        {
            if (rules["http"] is JsonArray { Count: > 0 } http)
            {
                parts.Add("HTTP " + string.Join("; ", http.Select(h => string.Join(" ", new[]
                {
                    PolicyCompileContext.Str(h?["method"]) ?? "any method",
                    PolicyCompileContext.Str(h?["path"]) ?? "any path",
                    PolicyCompileContext.Str(h?["host"]) is { } host ? "host " + host : null,
                    h?["headers"] is JsonArray { Count: > 0 } headers ? "headers " + string.Join(", ", headers.Select(x => x?.ToString())) : null,
                }.Where(x => x is not null)))));
            }

            if (rules["kafka"] is JsonArray { Count: > 0 } kafka)
            {
                parts.Add("Kafka " + string.Join("; ", kafka.Select(k => k?.ToJsonString())));
            }

            if (rules["dns"] is JsonArray { Count: > 0 } dnsRules)
            {
                dns = true;
                parts.Add("DNS " + string.Join(", ", dnsRules.Select(d => PolicyCompileContext.Str(d?["matchName"]) ?? PolicyCompileContext.Str(d?["matchPattern"]) ?? d?.ToJsonString())));
            }

            if (rules["l7"] is JsonArray { Count: > 0 } generic)
            {
                parts.Add($"{PolicyCompileContext.Str(rules["l7proto"]) ?? "L7"} {string.Join("; ", generic.Select(x => x?.ToJsonString()))}");
            }
        }

        if (entry["serverNames"] is JsonArray { Count: > 0 } names)
        {
            parts.Add("TLS server names " + string.Join(", ", names.Select(n => n?.ToString())));
        }

        if (entry["listener"] is JsonObject listener)
        {
            parts.Add($"Envoy listener {listener["name"]}");
        }

        return (parts.Count == 0 ? null : string.Join("; ", parts), dns);
    }

    private static readonly Dictionary<string, int> Icmp4Types = new(StringComparer.Ordinal)
    {
        ["EchoReply"] = 0, ["DestinationUnreachable"] = 3, ["Redirect"] = 5, ["Echo"] = 8, ["EchoRequest"] = 8, ["RouterAdvertisement"] = 9,
        ["RouterSelection"] = 10, ["TimeExceeded"] = 11, ["ParameterProblem"] = 12, ["Timestamp"] = 13, ["TimestampReply"] = 14, ["Photuris"] = 40,
        ["ExtendedEchoRequest"] = 42, ["ExtendedEchoReply"] = 43,
    };

    private static readonly Dictionary<string, int> Icmp6Types = new(StringComparer.Ordinal)
    {
        ["DestinationUnreachable"] = 1, ["PacketTooBig"] = 2, ["TimeExceeded"] = 3, ["ParameterProblem"] = 4, ["EchoRequest"] = 128, ["EchoReply"] = 129,
        ["MulticastListenerQuery"] = 130, ["MulticastListenerReport"] = 131, ["MulticastListenerDone"] = 132, ["RouterSolicitation"] = 133,
        ["RouterAdvertisement"] = 134, ["NeighborSolicitation"] = 135, ["NeighborAdvertisement"] = 136, ["RedirectMessage"] = 137, ["RouterRenumbering"] = 138,
        ["ICMPNodeInformationQuery"] = 139, ["ICMPNodeInformationResponse"] = 140, ["InverseNeighborDiscoverySolicitation"] = 141,
        ["InverseNeighborDiscoveryAdvertisement"] = 142, ["HomeAgentAddressDiscoveryRequest"] = 144, ["HomeAgentAddressDiscoveryReply"] = 145,
        ["MobilePrefixSolicitation"] = 146, ["MobilePrefixAdvertisement"] = 147, ["DuplicateAddressRequestCodeSuffix"] = 157,
        ["DuplicateAddressConfirmationCodeSuffix"] = 158, ["ExtendedEchoRequest"] = 160, ["ExtendedEchoReply"] = 161,
    };

    /// <summary>An ICMP type by number (0-255) or by the CamelCase name Cilium accepts for the family.</summary>
    private static int? IcmpType(JsonNode? node, int family)
    {
        if (PolicyCompileContext.Int(node) is { } n)
        {
            return n is >= 0 and <= 255 ? n : null;
        }

        return PolicyCompileContext.Str(node) is { } name && (family == 6 ? Icmp6Types : Icmp4Types).TryGetValue(name, out var t) ? t : null;
    }

    /// <summary>Every CIDR a Cilium policy names (rules of spec and specs, CIDR groups resolved), for pod address cuts.</summary>
    internal static IEnumerable<string> AllCidrs(JsonObject? raw, IReadOnlyDictionary<string, CiliumCluster.CidrGroup> groups)
    {
        var rules = new List<JsonObject>();
        if (raw?["spec"] is JsonObject spec)
        {
            rules.Add(spec);
        }

        rules.AddRange((raw?["specs"] as JsonArray ?? new JsonArray()).OfType<JsonObject>());
        foreach (var rule in rules)
        {
            foreach (var section in new[] { "ingress", "ingressDeny", "egress", "egressDeny" })
            {
                foreach (var r in (rule[section] as JsonArray ?? new JsonArray()).OfType<JsonObject>())
                {
                    foreach (var key in new[] { "fromCIDR", "toCIDR" })
                    {
                        foreach (var c in r[key] as JsonArray ?? new JsonArray())
                        {
                            if (NormalizeCidr(PolicyCompileContext.Str(c)) is { } cidr)
                            {
                                yield return cidr;
                            }
                        }
                    }

                    foreach (var key in new[] { "fromCIDRSet", "toCIDRSet" })
                    {
                        foreach (var entry in (r[key] as JsonArray ?? new JsonArray()).OfType<JsonObject>())
                        {
                            if (NormalizeCidr(PolicyCompileContext.Str(entry["cidr"])) is { } cidr)
                            {
                                yield return cidr;
                            }

                            if (PolicyCompileContext.Str(entry["cidrGroupRef"]) is { } g && groups.TryGetValue(g, out var group))
                            {
                                foreach (var gc in group.Cidrs)
                                {
                                    yield return gc;
                                }
                            }

                            foreach (var e in entry["except"] as JsonArray ?? new JsonArray())
                            {
                                if (NormalizeCidr(PolicyCompileContext.Str(e)) is { } ex)
                                {
                                    yield return ex;
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
