using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Policy;

/// <summary>
/// Compiles the rules of one Calico policy. A rule's criteria are ANDed: protocol/notProtocol,
/// icmp/notICMP, ipVersion, and the source and destination entity rules (nets, notNets,
/// selector, notSelector, namespaceSelector, serviceAccounts, services, ports, notPorts). The
/// remote side of a rule (an ingress rule's source, an egress rule's destination) becomes the
/// rule's peers; the local side narrows the policy's endpoints the rule applies to.
/// </summary>
/// <remarks>
/// Peer semantics follow libcalico-go's conversion of a rule to Felix's form
/// (<c>updateprocessors/rules.go</c>, <c>GetEntityRuleSelector</c>): in a namespaced policy a
/// selector, notSelector or serviceAccounts without namespaceSelector means the policy's
/// namespace; <c>namespaceSelector: all()</c> is every namespaced endpoint and <c>global()</c> the
/// non-namespaced ones; a selector matches endpoints and the network sets whose labels it
/// matches, by address; nets and notNets match addresses (pods' too, where their address is
/// known); an entity rule without any of them matches every endpoint and address.
/// </remarks>
internal sealed class CalicoRuleCompiler
{
    private static readonly IpSet Universe = IpSet.Of(new[] { IpRange.All(4), IpRange.All(6) });

    private readonly CalicoScope scope;
    private readonly PolicyCompileContext context;
    private readonly KubeObject obj;
    private readonly CompiledPolicy policy;

    public CalicoRuleCompiler(CalicoScope scope, KubeObject obj, CompiledPolicy policy)
    {
        this.scope = scope;
        context = scope.Context;
        this.obj = obj;
        this.policy = policy;
    }

    /// <summary>A CIDR, or a single address (Calico accepts both in nets).</summary>
    public static bool TryParseNet(string? text, out IpRange range, out int prefix)
    {
        if (IpRange.TryParseCidr(text, out range, out prefix))
        {
            return true;
        }

        if (IpRange.TryParseAddress(text, out range))
        {
            prefix = range.Family == 4 ? 32 : 128;
            return true;
        }

        return false;
    }

    /// <summary>One entity rule (<c>source</c> or <c>destination</c>) as parsed.</summary>
    private sealed class Entity
    {
        public List<(IpRange Range, int Prefix, string Text)>? Nets { get; set; }
        public List<(IpRange Range, int Prefix, string Text)>? NotNets { get; set; }
        public CalicoSelector? Selector { get; set; }
        public CalicoSelector? NotSelector { get; set; }
        public CalicoSelector? NamespaceSelector { get; set; }
        public List<string>? ServiceAccountNames { get; set; }
        public CalicoSelector? ServiceAccountSelector { get; set; }
        public (string Name, string Namespace)? Service { get; set; }
        public JsonArray? Ports { get; set; }
        public JsonArray? NotPorts { get; set; }

        public bool HasSelector => Selector is not null || NotSelector is not null || NamespaceSelector is not null || ServiceAccountNames is not null || ServiceAccountSelector is not null;

        public bool HasAddresses => Nets is not null || NotNets is not null;

        public bool IsEmpty => !HasSelector && !HasAddresses && Service is null;

        public IpSet NetsSet => IpSet.Of(Nets!.Select(n => n.Range));

        public IpSet NotNetsSet => IpSet.Of(NotNets!.Select(n => n.Range));
    }

    public CompiledRule? Compile(TrafficDirection direction, int index, JsonNode? node)
    {
        var dir = direction == TrafficDirection.Ingress ? "ingress" : "egress";
        var where = $"{dir} rule {index + 1}";
        if (node is not JsonObject rule)
        {
            context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidRule", $"{where} is not an object; it is ignored.");
            return null;
        }

        var actionText = PolicyCompileContext.Str(rule["action"]);
        RuleAction? action = actionText switch
        {
            "Allow" => RuleAction.Allow,
            "Deny" => RuleAction.Deny,
            "Pass" => RuleAction.Pass,
            "Log" => RuleAction.Log,
            _ => null,
        };
        if (action is null)
        {
            context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidRule", $"{where}: action '{actionText}' is not Allow, Deny, Pass or Log; the rule is ignored.");
            return null;
        }

        if (!TryEntity(rule["source"], $"{where} source", out var source) || !TryEntity(rule["destination"], $"{where} destination", out var destination))
        {
            return null;
        }

        var ports = Ports(rule, destination, where, out var notes);
        if (ports is null)
        {
            return null;
        }

        var whole = SourcePorts(action.Value, source, notes) & Http(action.Value, rule["http"], notes);
        if (!whole)
        {
            // The rule decides only some of a connection's packets or requests: it stays in the model, matching no whole connection.
            ports = new PortSpec(ConnectionSet.None, Array.Empty<NamedPortRef>(), ports.Text + " (matches no whole connection)") { NamesNonPortProtocols = ports.NamesNonPortProtocols };
        }

        var compiled = new CompiledRule(policy, direction, index, "#" + (index + 1).ToString(CultureInfo.InvariantCulture), action.Value, ports)
        {
            Classes = context.NewClassSet(),
        };
        compiled.Undecided.AddRange(notes);
        var (remote, local) = direction == TrafficDirection.Ingress ? (source, destination) : (destination, source);
        var family = PolicyCompileContext.Int(rule["ipVersion"]) is 4 or 6 ? PolicyCompileContext.Int(rule["ipVersion"]) : null;

        Peers(compiled, remote, family);
        compiled.LocalClasses = Local(compiled, local, direction == TrafficDirection.Ingress ? "destination" : "source");
        foreach (var note in compiled.Undecided)
        {
            context.NoteUndecided($"{compiled.Reference}: {note}.");
        }

        return compiled;
    }

    // ---------------------------------------------------------------- entity rules

    private bool TryEntity(JsonNode? node, string where, out Entity entity)
    {
        entity = new Entity();
        if (node is null)
        {
            return true;
        }

        if (node is not JsonObject e)
        {
            context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidRule", $"{where} is not an object; the rule is ignored.");
            return false;
        }

        if (!scope.TryParse(obj, where + ".selector", e["selector"], out var selector) ||
            !scope.TryParse(obj, where + ".notSelector", e["notSelector"], out var notSelector) ||
            !scope.TryParse(obj, where + ".namespaceSelector", e["namespaceSelector"], out var namespaceSelector) ||
            !scope.TryParse(obj, where + ".serviceAccounts.selector", e["serviceAccounts"]?["selector"], out var saSelector))
        {
            return false;
        }

        entity.Selector = selector;
        entity.NotSelector = notSelector;
        entity.NamespaceSelector = namespaceSelector;
        entity.ServiceAccountSelector = saSelector;
        if (e["serviceAccounts"]?["names"] is JsonArray names)
        {
            entity.ServiceAccountNames = names.Select(PolicyCompileContext.Str).OfType<string>().ToList();
        }

        if (!TryNets(e["nets"], where + ".nets", out var nets) || !TryNets(e["notNets"], where + ".notNets", out var notNets))
        {
            return false;
        }

        entity.Nets = nets;
        entity.NotNets = notNets;
        if (e["services"] is JsonObject svc && PolicyCompileContext.Str(svc["name"]) is { Length: > 0 } svcName)
        {
            entity.Service = (svcName, PolicyCompileContext.Str(svc["namespace"]) ?? policy.Namespace ?? "default");
        }

        entity.Ports = e["ports"] as JsonArray;
        entity.NotPorts = e["notPorts"] as JsonArray;
        return true;
    }

    private bool TryNets(JsonNode? node, string where, out List<(IpRange Range, int Prefix, string Text)>? nets)
    {
        nets = null;
        if (node is null)
        {
            return true;
        }

        if (node is not JsonArray list)
        {
            context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidCidr", $"{where} is not a list of CIDRs; the rule is ignored.");
            return false;
        }

        nets = new List<(IpRange, int, string)>();
        foreach (var item in list)
        {
            var text = PolicyCompileContext.Str(item);
            if (!TryParseNet(text, out var range, out var prefix))
            {
                context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidCidr", $"{where}: '{text ?? item?.ToJsonString()}' is not a CIDR or address; the rule is ignored.");
                return false;
            }

            if (context.Options.Ipv6AsNetpolAnalyzerReadsIt && range.Family == 6)
            {
                range = range.AsNetpolAnalyzerIpv4(prefix);
                prefix = Math.Min(prefix, 32);
            }

            nets.Add((range, prefix, text!.Trim()));
        }

        return true;
    }

    // ---------------------------------------------------------------- connections

    /// <summary>
    /// The rule's connections: protocol and notProtocol (by name or number), icmp and notICMP
    /// (type, code), ipVersion for ICMP, and the destination's ports and notPorts (numbers, ranges
    /// <c>a:b</c>, named ports resolved on the destination endpoint). Null when the rule is invalid.
    /// </summary>
    private PortSpec? Ports(JsonObject rule, Entity destination, string where, out List<string> notes)
    {
        notes = new List<string>();
        var set = ConnectionSet.All;
        var texts = new List<string>();
        var namesNonPort = false;
        string? portProtocol = null;
        if (rule["protocol"] is { } p)
        {
            if (Protocol(p) is not { } number)
            {
                context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidProtocol", $"{where}: protocol {p.ToJsonString()} is not a protocol name (TCP, UDP, ICMP, ICMPv6, SCTP, UDPLite) or number 1-255; the rule is ignored.");
                return null;
            }

            set = ConnectionSet.IpProtocol(number);
            namesNonPort |= number is not (6 or 17 or 132);
            portProtocol = number switch { 6 => "TCP", 17 => "UDP", 132 => "SCTP", _ => null };
            texts.Add(ProtocolText(number));
        }

        if (rule["notProtocol"] is { } np)
        {
            if (Protocol(np) is not { } number)
            {
                context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidProtocol", $"{where}: notProtocol {np.ToJsonString()} is not a protocol name or number 1-255; the rule is ignored.");
                return null;
            }

            set = set.Subtract(ConnectionSet.IpProtocol(number));
            namesNonPort = true;
            texts.Add("not " + ProtocolText(number));
        }

        var icmpFamily = set.Intersect(ConnectionSet.IpProtocol(58)).IsEmpty ? 4 : set.Intersect(ConnectionSet.IpProtocol(1)).IsEmpty ? 6 : 0;
        foreach (var (field, negate) in new[] { ("icmp", false), ("notICMP", true) })
        {
            if (rule[field] is not JsonObject icmp)
            {
                continue;
            }

            if (icmpFamily == 0 || rule["protocol"] is null)
            {
                context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidProtocol", $"{where}: {field} needs protocol ICMP or ICMPv6; the rule is ignored.");
                return null;
            }

            var type = PolicyCompileContext.Int(icmp["type"]);
            var code = PolicyCompileContext.Int(icmp["code"]);
            if (code is not null && type is null)
            {
                context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidProtocol", $"{where}: {field}.code needs {field}.type; the rule is ignored.");
                return null;
            }

            var messages = ConnectionSet.IcmpMessages(icmpFamily, type, code);
            set = negate ? set.Subtract(messages) : set.Intersect(messages);
            namesNonPort = true;
            texts.Add($"{(negate ? "not " : string.Empty)}{(icmpFamily == 6 ? "ICMPv6" : "ICMP")} {(type is null ? "any type" : $"type {type}")}{(code is null ? string.Empty : $" code {code}")}");
        }

        if (PolicyCompileContext.Int(rule["ipVersion"]) is { } version)
        {
            // ICMP of the other family cannot be IP traffic of this version.
            set = set.Subtract(ConnectionSet.IpProtocol(version == 4 ? 58 : 1));
            texts.Add($"IPv{version}");
        }

        var named = new List<NamedPortRef>();
        var excluded = new List<NamedPortRef>();
        if (destination.Ports is not null || destination.NotPorts is not null)
        {
            if (portProtocol is null)
            {
                context.Diagnose(obj, DiagnosticSeverity.Warning, "InvalidPort", $"{where}: destination ports need protocol TCP, UDP or SCTP, which the API requires; they are read for all three.");
            }

            if (destination.Ports is { } list)
            {
                if (PortList(list, where + " destination.ports", portProtocol, named) is not { } ports)
                {
                    return null;
                }

                set = set.Intersect(ports);
                texts.Add("ports " + string.Join(", ", list.Select(PortText)));
            }
            else
            {
                set = set.Intersect(PortProtocols(portProtocol));
            }

            if (destination.NotPorts is { } notList)
            {
                if (PortList(notList, where + " destination.notPorts", portProtocol, excluded) is not { } notPorts)
                {
                    return null;
                }

                set = set.Subtract(notPorts);
                texts.Add("not ports " + string.Join(", ", notList.Select(PortText)));
            }
        }

        if (destination.Service is { } service)
        {
            if (destination.Ports is not null || destination.NotPorts is not null)
            {
                context.Diagnose(obj, DiagnosticSeverity.Warning, "InvalidPort", $"{where}: destination.services takes its ports from the service; ports and notPorts beside it are read as well.");
            }

            if (ServicePorts(service, named, out var servicePorts))
            {
                set = set.Intersect(servicePorts);
                texts.Add($"the ports of service {service.Namespace}/{service.Name}");
            }
            else
            {
                notes.Add($"destination.services names service {service.Namespace}/{service.Name}, which is not in the snapshot; the rule matches no connection here");
                set = ConnectionSet.None;
                named.Clear();
            }
        }

        var text = texts.Count == 0 ? "all ports" : string.Join(", ", texts);
        return new PortSpec(set, named, text) { ExcludedNamed = excluded, NamesNonPortProtocols = namesNonPort };
    }

    /// <summary>TCP, UDP and SCTP ports (only the rule's protocol when it names one).</summary>
    private static ConnectionSet PortProtocols(string? protocol) =>
        protocol is not null ? ConnectionSet.AllPorts(protocol) : ConnectionSet.Protocols.Aggregate(ConnectionSet.None, (s, p) => s.Union(ConnectionSet.AllPorts(p)));

    private static string PortText(JsonNode? n) => PolicyCompileContext.Str(n) ?? n?.ToJsonString() ?? string.Empty;

    /// <summary>Numbers, <c>a:b</c> ranges and port names; names go to <paramref name="named"/>. Null when an entry is invalid.</summary>
    private ConnectionSet? PortList(JsonArray list, string where, string? protocol, List<NamedPortRef> named)
    {
        var set = ConnectionSet.None;
        var protocols = protocol is not null ? new[] { protocol } : ConnectionSet.Protocols.ToArray();
        foreach (var item in list)
        {
            int from, to;
            if (PolicyCompileContext.Int(item) is { } number && item is JsonValue v && v.GetValueKind() == JsonValueKind.Number)
            {
                (from, to) = (number, number);
            }
            else if (PolicyCompileContext.Str(item) is { Length: > 0 } text)
            {
                var colon = text.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0 && int.TryParse(text[..colon], NumberStyles.None, CultureInfo.InvariantCulture, out from)
                    && int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out to))
                {
                    // a:b is an inclusive range.
                }
                else if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out from))
                {
                    to = from;
                }
                else
                {
                    named.Add(new NamedPortRef(text, protocol));
                    continue;
                }
            }
            else
            {
                context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPort", $"{where}: {item?.ToJsonString()} is not a port, a range a:b or a port name; the rule is ignored.");
                return null;
            }

            if (from < ConnectionSet.MinPort || to > ConnectionSet.MaxPort || from > to)
            {
                context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPort", string.Create(CultureInfo.InvariantCulture, $"{where}: {from}-{to} is not within 1-65535 or ends before it starts; the rule is ignored."));
                return null;
            }

            foreach (var p in protocols)
            {
                set = set.Union(ConnectionSet.Ports(p, from, to));
            }
        }

        return set;
    }

    private static int? Protocol(JsonNode node)
    {
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.Number)
        {
            return PolicyCompileContext.Int(node) is { } n && n is >= 1 and <= 255 ? n : null;
        }

        return PolicyCompileContext.Str(node)?.Trim() switch
        {
            { } s when s.Equals("TCP", StringComparison.OrdinalIgnoreCase) => 6,
            { } s when s.Equals("UDP", StringComparison.OrdinalIgnoreCase) => 17,
            { } s when s.Equals("SCTP", StringComparison.OrdinalIgnoreCase) => 132,
            { } s when s.Equals("ICMP", StringComparison.OrdinalIgnoreCase) => 1,
            { } s when s.Equals("ICMPv6", StringComparison.OrdinalIgnoreCase) => 58,
            { } s when s.Equals("UDPLite", StringComparison.OrdinalIgnoreCase) => 136,
            { } s when int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 255 => n,
            _ => null,
        };
    }

    private static string ProtocolText(int number) => number switch
    {
        6 => "TCP",
        17 => "UDP",
        132 => "SCTP",
        1 => "ICMP",
        58 => "ICMPv6",
        136 => "UDPLite",
        _ => "protocol " + number.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// Source ports narrow a connection by the port the client picks. NetSecPS's connections are
    /// (protocol, destination port): a connection counts as allowed when some source port is, so
    /// an Allow rule with source ports counts as matching (on those source ports only) and a
    /// Deny, Pass or Log rule with source ports as matching nothing; both are reported. False when
    /// the rule matches no whole connection.
    /// </summary>
    private static bool SourcePorts(RuleAction action, Entity source, List<string> notes)
    {
        if (source.Ports is null && source.NotPorts is null)
        {
            return true;
        }

        var text = (string.Join(", ", (source.Ports ?? new JsonArray()).Select(PortText))
            + (source.NotPorts is { } np ? " not " + string.Join(", ", np.Select(PortText)) : string.Empty)).Trim();
        if (action == RuleAction.Allow)
        {
            notes.Add($"it allows only from source ports {text}, which the client chooses; the connection is counted as allowed");
            return true;
        }

        notes.Add($"it applies only to source ports {text}; connections from other source ports are not matched, so the rule is taken to match none");
        return false;
    }

    /// <summary>
    /// HTTP match criteria are an L7 restriction: on an Allow rule, an L4 allow with the
    /// restriction noted; a Deny or Pass of some requests does not decide the connection (false).
    /// </summary>
    private static bool Http(RuleAction action, JsonNode? http, List<string> notes)
    {
        if (http is not JsonObject h)
        {
            return true;
        }

        var parts = new List<string>();
        if (h["methods"] is JsonArray methods)
        {
            parts.Add("methods " + string.Join(", ", methods.Select(PortText)));
        }

        if (h["paths"] is JsonArray paths)
        {
            parts.Add("paths " + string.Join(", ", paths.Select(p => p?.ToJsonString())));
        }

        var what = parts.Count == 0 ? "requests" : string.Join("; ", parts);
        if (action == RuleAction.Allow)
        {
            notes.Add($"L7: only HTTP {what} are allowed (application layer policy); the connection is counted as allowed");
            return true;
        }

        notes.Add($"L7: it applies only to HTTP {what}; other requests on the connection are not matched, so the rule is taken to match none");
        return false;
    }

    private bool ServicePorts((string Name, string Namespace) service, List<NamedPortRef> named, out ConnectionSet ports)
    {
        ports = ConnectionSet.None;
        var svc = Service(service);
        if (svc is null)
        {
            return false;
        }

        foreach (var p in svc.Spec?.Ports ?? new List<V1ServicePort>())
        {
            var protocol = string.IsNullOrEmpty(p.Protocol) ? "TCP" : p.Protocol.ToUpperInvariant();
            if (!ConnectionSet.Protocols.Contains(protocol))
            {
                continue;
            }

            var target = p.TargetPort?.Value;
            if (string.IsNullOrEmpty(target))
            {
                ports = ports.Union(ConnectionSet.Port(protocol, p.Port));
            }
            else if (int.TryParse(target, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                ports = ports.Union(ConnectionSet.Port(protocol, number));
            }
            else
            {
                named.Add(new NamedPortRef(target, protocol));
            }
        }

        return true;
    }

    private V1Service? Service((string Name, string Namespace) service) =>
        context.Cluster.Data.TypedWithSource<V1Service>().FirstOrDefault(s => s.Object.Name == service.Name && (s.Object.Namespace ?? "default") == service.Namespace).Model;

    // ---------------------------------------------------------------- peers

    /// <summary>The remote side of the rule: pod classes (by selectors, service, or address) and addresses.</summary>
    private void Peers(CompiledRule rule, Entity e, int? family)
    {
        if (e.IsEmpty && family is null)
        {
            rule.AllPeers = true;
            rule.PeersText = "any peer";
            return;
        }

        var addressesMatchPods = context.Options.AddressRulesMatchPods;
        var namespaced = policy.Namespace is not null;

        // Felix's selector for the rule side is empty only when no selector field (or, in a
        // namespaced policy, no notSelector) is set: it then matches every address.
        var positiveEmpty = !(e.Selector is not null || e.ServiceAccountNames is not null || e.ServiceAccountSelector is not null || e.NamespaceSelector is not null
            || (namespaced && e.NotSelector is not null));

        var positiveSets = positiveEmpty ? new List<CalicoNetworkSet>() : scope.NetworkSets.Where(s => PositiveMatch(e, s)).ToList();
        var negativeSets = e.NotSelector is null ? new List<CalicoNetworkSet>() : scope.NetworkSets.Where(s => e.NotSelector.Matches(s)).ToList();
        var positiveSetNets = IpSet.Of(positiveSets.SelectMany(s => s.Nets.Ranges));
        var negativeSetNets = IpSet.Of(negativeSets.SelectMany(s => s.Nets.Ranges));

        // Addresses outside the cluster's pods.
        var addresses = positiveEmpty ? Universe : positiveSetNets;
        addresses = addresses.Subtract(negativeSetNets.Ranges);
        if (e.Nets is not null)
        {
            addresses = Intersect(addresses, e.NetsSet);
        }

        if (e.NotNets is not null)
        {
            addresses = addresses.Subtract(e.NotNetsSet.Ranges);
        }

        if (family is { } f)
        {
            addresses = Intersect(addresses, IpSet.Of(new[] { IpRange.All(f) }));
        }

        if (e.Service is not null)
        {
            // A service peer is its endpoints, pods only.
            addresses = IpSet.Empty;
        }

        // Pods: by selectors (or every pod when no selector), by a service, and by address where addresses match pods.
        ClassSet selected;
        if (e.Service is { } svc)
        {
            selected = ServicePods(svc, rule);
        }
        else if (positiveEmpty && e.NotSelector is null)
        {
            selected = context.PodsMatching(scope.AllNamespaces, "calico-all-pods", (_, _) => true);
        }
        else
        {
            var namespaces = e.NamespaceSelector is not null ? scope.Namespaces(e.NamespaceSelector) : namespaced ? new List<string> { policy.Namespace! } : scope.AllNamespaces;
            var key = $"calico-peer:{e.Selector?.Canonical}|{e.NotSelector?.Canonical}|{e.ServiceAccountSelector?.Canonical}|{string.Join(",", e.ServiceAccountNames ?? new List<string>())}";
            selected = context.PodsMatching(namespaces, key, (_, c) =>
            {
                var v = scope.View(c);
                return (positiveEmpty || EndpointMatch(e, v)) && (e.NotSelector is null || !e.NotSelector.Matches(v));
            });
        }

        var dependent = false;
        if (e.HasAddresses || (addressesMatchPods && (!positiveSetNets.IsEmpty || !negativeSetNets.IsEmpty)))
        {
            foreach (var c in context.Classes.Classes)
            {
                if (c.HostNetwork)
                {
                    continue;
                }

                var inPositiveSets = !positiveSetNets.IsEmpty ? In(c, positiveSetNets, addressesMatchPods) : false;
                var matched = selected.Contains(c.Index) || (inPositiveSets == true && (e.NotSelector is null || !e.NotSelector.Matches(scope.View(c))));
                bool? keep = matched;
                if (matched)
                {
                    keep = And(keep, Not(!negativeSetNets.IsEmpty ? In(c, negativeSetNets, addressesMatchPods) : false));
                    keep = And(keep, e.Nets is null ? true : In(c, e.NetsSet, addressesMatchPods));
                    keep = And(keep, e.NotNets is null ? true : Not(In(c, e.NotNetsSet, addressesMatchPods)));
                }

                if (keep == true)
                {
                    selected.Add(c.Index);
                }
                else
                {
                    selected.Remove(c.Index);
                    if (keep is null && c.Kind == PeerClassKind.Pod)
                    {
                        (rule.AddressDependent ??= context.NewClassSet()).Add(c.Index);
                        dependent = true;
                    }
                }
            }
        }

        if (family is { } fam)
        {
            foreach (var c in context.Classes.Classes.Where(c => selected.Contains(c.Index) && (c.AddressFamily == 0 ? 4 : c.AddressFamily) != fam).ToList())
            {
                selected.Remove(c.Index);
            }
        }

        rule.Classes.UnionWith(selected);

        // A selector written for network sets (or global() ones) is an address peer, not a pod peer that matches nothing.
        var setsOnly = positiveSets.Count > 0 && context.RealClasses(selected) == 0 || e.NamespaceSelector?.IsGlobal == true;
        if ((!positiveEmpty || e.NotSelector is not null || e.Service is not null || !e.HasAddresses) && !setsOnly)
        {
            rule.Peers.Add(PodsPeer(e, selected, positiveEmpty));
        }

        AddAddressPeers(rule, e, addresses, positiveEmpty, positiveSets, family);
        context.FinishPeers(rule);
        if (dependent)
        {
            context.NoteUndecided($"{rule.Reference} names addresses that may hold the addresses of pods whose address the snapshot does not know; those pods are taken to be outside them.");
        }
    }

    private static IpSet Intersect(IpSet a, IpSet b) => a.Subtract(Universe.Subtract(b.Ranges).Ranges);

    private static bool? And(bool? a, bool? b) => a == false || b == false ? false : a == true && b == true ? true : null;

    private static bool? Not(bool? a) => a is null ? null : !a;

    /// <summary>Whether a class's pods have their address in the set: null when it depends on addresses the snapshot does not know.</summary>
    private static bool? In(PeerClass c, IpSet set, bool addressesMatchPods)
    {
        if (!addressesMatchPods)
        {
            return false;
        }

        if (c.AddressInterval is { } interval)
        {
            return set.Contains(interval);
        }

        var family = c.AddressFamily == 6 ? 6 : 4;
        if (set.Contains(IpRange.All(family)))
        {
            return true;
        }

        return set.Ranges.Any(r => r.Family == family && AddressSpace.Internal.Ranges.Any(i => i.Overlaps(r))) && c.Kind == PeerClassKind.Pod ? null : false;
    }

    /// <summary>An endpoint (pod or network set) matches the positive part of an entity rule: namespace, selector and service accounts.</summary>
    private bool PositiveMatch(Entity e, ICalicoLabels v)
    {
        if (e.NamespaceSelector is not null)
        {
            if (!e.NamespaceSelector.Matches(v, CalicoSelectorScope.Namespace))
            {
                return false;
            }
        }
        else if (policy.Namespace is not null && (!v.TryGet(CalicoLabels.Namespace, out var ns) || ns != policy.Namespace))
        {
            return false;
        }

        return EndpointMatch(e, v);
    }

    private static bool EndpointMatch(Entity e, ICalicoLabels v)
    {
        if (e.Selector is not null && !e.Selector.Matches(v))
        {
            return false;
        }

        if (e.ServiceAccountNames is { } names && (!v.TryGet(CalicoLabels.ServiceAccount, out var sa) || !names.Contains(sa)))
        {
            return false;
        }

        return e.ServiceAccountSelector is null || e.ServiceAccountSelector.Matches(v, CalicoSelectorScope.ServiceAccount);
    }

    private ClassSet ServicePods((string Name, string Namespace) service, CompiledRule rule)
    {
        var svc = Service(service);
        if (svc?.Spec?.Selector is not { Count: > 0 } selector)
        {
            rule.Undecided.Add(svc is null
                ? $"services names service {service.Namespace}/{service.Name}, which is not in the snapshot; the peer matches no pod here"
                : $"service {service.Namespace}/{service.Name} has no selector, so its endpoints are not known here; the peer matches no pod");
            return context.NewClassSet();
        }

        return context.PodsMatching(new List<string> { service.Namespace }, "calico-service:" + string.Join(",", selector.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + "=" + kv.Value)),
            labels => selector.All(kv => labels.TryGetValue(kv.Key, out var v) && v == kv.Value));
    }

    private RulePeer PodsPeer(Entity e, ClassSet matched, bool positiveEmpty)
    {
        var namespaced = policy.Namespace is not null;
        NamespaceScope scopeKind;
        List<string> namespaces;
        string nsText;
        if (e.Service is { } svc)
        {
            namespaces = new List<string> { svc.Namespace };
            return context.PodsPeer(NamespaceScope.Selected, namespaces, matched, false, $"the endpoints of service {svc.Namespace}/{svc.Name}");
        }

        if (e.NamespaceSelector is not null)
        {
            scopeKind = e.NamespaceSelector.IsAll ? NamespaceScope.All : NamespaceScope.Selected;
            namespaces = scope.Namespaces(e.NamespaceSelector);
            nsText = e.NamespaceSelector.IsAll ? "every namespace" : $"namespaces {e.NamespaceSelector}";
        }
        else if (namespaced && !positiveEmpty)
        {
            scopeKind = NamespaceScope.Own;
            namespaces = new List<string> { policy.Namespace! };
            nsText = $"namespace {policy.Namespace}";
        }
        else
        {
            scopeKind = NamespaceScope.All;
            namespaces = scope.AllNamespaces;
            nsText = "every namespace";
        }

        var parts = new List<string>();
        if (e.Selector is not null && !e.Selector.IsAll)
        {
            parts.Add(e.Selector.ToString());
        }

        if (e.ServiceAccountNames is { } names)
        {
            parts.Add("service account " + string.Join(", ", names));
        }

        if (e.ServiceAccountSelector is not null)
        {
            parts.Add($"service accounts {e.ServiceAccountSelector}");
        }

        var everyPod = parts.Count == 0 && e.NotSelector is null;
        var text = (everyPod ? "every pod" : parts.Count == 0 ? "pods" : "pods " + string.Join(" and ", parts))
            + (e.NotSelector is null ? string.Empty : $" not matching {e.NotSelector}") + " in " + nsText;
        return context.PodsPeer(scopeKind, namespaces, matched, everyPod, text, e.NamespaceSelector?.ToString(), e.Selector?.ToString());
    }

    private void AddAddressPeers(CompiledRule rule, Entity e, IpSet addresses, bool positiveEmpty, List<CalicoNetworkSet> sets, int? family)
    {
        var cuts = rule.Direction == TrafficDirection.Ingress ? context.IngressCuts : context.EgressCuts;
        foreach (var f in new[] { 4, 6 })
        {
            var part = Intersect(addresses, IpSet.Of(new[] { IpRange.All(f) }));
            if (!part.Contains(IpRange.All(f)))
            {
                cuts.AddRange(part.Ranges);
            }

            // An address no rule names is matched when the rule starts from every address (no selector) or a /0 of nets.
            if (positiveEmpty && (family is null || family == f) && e.Service is null
                && (e.Nets is null || e.Nets.Any(n => n.Prefix == 0 && n.Range.Family == f)))
            {
                if (f == 4)
                {
                    rule.OpenToAnyAddress4 = true;
                }
                else
                {
                    rule.OpenToAnyAddress6 = true;
                }
            }
        }

        if (addresses.IsEmpty)
        {
            return;
        }

        var notNets = e.NotNets?.Select(n => n.Range).ToList() ?? new List<IpRange>();
        if (positiveEmpty && e.Nets is not null)
        {
            foreach (var (range, prefix, text) in e.Nets)
            {
                var held = Intersect(addresses, IpSet.Of(new[] { range }));
                if (held.IsEmpty)
                {
                    continue;
                }

                var except = notNets.Where(n => range.Overlaps(n)).ToList();
                rule.Peers.Add(new RulePeer
                {
                    Kind = RulePeerKind.Addresses,
                    Text = except.Count == 0 ? text : $"{text} except {string.Join(", ", e.NotNets!.Where(n => range.Overlaps(n.Range)).Select(n => n.Text))}",
                    Block = range,
                    PrefixLength = prefix,
                    Except = except,
                    Addresses = held,
                });
            }

            return;
        }

        if (positiveEmpty)
        {
            foreach (var f in new[] { 4, 6 })
            {
                var part = Intersect(addresses, IpSet.Of(new[] { IpRange.All(f) }));
                if (part.IsEmpty)
                {
                    continue;
                }

                var except = IpSet.Of(new[] { IpRange.All(f) }).Subtract(part.Ranges).Ranges.ToList();
                var all = f == 4 ? "0.0.0.0/0" : "::/0";
                rule.Peers.Add(new RulePeer
                {
                    Kind = RulePeerKind.Addresses,
                    Text = except.Count == 0 ? $"any address ({all})" : $"any address ({all}) except {string.Join(", ", except)}",
                    Block = IpRange.All(f),
                    PrefixLength = 0,
                    Except = except,
                    Addresses = part,
                });
            }

            return;
        }

        rule.Peers.Add(new RulePeer
        {
            Kind = RulePeerKind.Addresses,
            Text = $"the addresses of {string.Join(", ", sets.Select(s => s.DisplayName))} ({addresses})",
            Addresses = addresses,
        });
    }

    /// <summary>The local side: the endpoints of the policy's subject the rule applies to (null: all of them).</summary>
    private ClassSet? Local(CompiledRule rule, Entity e, string side)
    {
        if (!e.HasSelector && !e.HasAddresses && e.Service is null)
        {
            return null;
        }

        var addressesMatchPods = context.Options.AddressRulesMatchPods;
        var local = context.NewClassSet();
        var service = e.Service is { } svc ? ServicePods(svc, rule) : null;
        foreach (var i in policy.Subject.Members())
        {
            var c = context.Classes.Classes[i];
            var v = scope.View(c);
            bool? keep = (!e.HasSelector || PositiveMatch(e, v))
                && (e.NotSelector is null || !e.NotSelector.Matches(v))
                && (service is null || service.Contains(i));
            keep = And(keep, e.Nets is null ? true : In(c, e.NetsSet, addressesMatchPods));
            keep = And(keep, e.NotNets is null ? true : Not(In(c, e.NotNetsSet, addressesMatchPods)));
            if (keep == true)
            {
                local.Add(i);
            }
            else if (keep is null)
            {
                rule.Undecided.Add($"its {side} nets may hold the address of {c}, which the snapshot does not know; the rule is taken not to apply to it");
            }
        }

        return local;
    }
}
