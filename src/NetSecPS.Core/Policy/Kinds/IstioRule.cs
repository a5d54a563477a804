using System.Globalization;
using System.Text.Json.Nodes;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Policy;

/// <summary>One <c>to.operation</c> of an AuthorizationPolicy rule: its TCP ports and its HTTP-only fields in words.</summary>
internal sealed record IstioOperation(ConnectionSet? Ports, string? Http);

/// <summary>
/// One AuthorizationPolicy rule as written: sources (OR), operations (OR), <c>when</c> conditions
/// (AND). Fields inside a source or operation AND, values of a field OR, <c>not*</c> fields negate.
/// What a static analysis can decide at L4 (principals, namespaces, ipBlocks, ports, and the
/// <c>when</c> keys source.ip, source.namespace, source.principal, destination.port) becomes
/// peers and ports; HTTP-only fields and other conditions become the rule's condition.
/// </summary>
internal sealed class IstioRule
{
    private static readonly ConnectionSet Tcp = ConnectionSet.AllPorts("TCP");
    private const string ArbitraryNamespace = "\u0000an unrelated namespace";

    private readonly PolicyCompileContext context;
    private readonly IstioMeshModel mesh;
    private readonly KubeObject obj;
    private readonly int index;
    private readonly List<JsonObject> sources = new();
    private readonly bool hasFrom;
    private readonly List<(string Key, List<string> Values, bool Not)> whenSource = new();
    private readonly List<string> httpRule = new();

    public IstioRule(PolicyCompileContext context, IstioMeshModel mesh, KubeObject obj, JsonObject rule, int index)
    {
        this.context = context;
        this.mesh = mesh;
        this.obj = obj;
        this.index = index;
        if (rule["from"] is JsonArray from && from.Count > 0)
        {
            hasFrom = true;
            foreach (var f in from)
            {
                sources.Add(f?["source"] as JsonObject ?? new JsonObject());
            }
        }

        foreach (var t in rule["to"] as JsonArray ?? new JsonArray())
        {
            Operations.Add(Operation(t?["operation"] as JsonObject ?? new JsonObject()));
        }

        foreach (var s in sources)
        {
            foreach (var field in new[] { "requestPrincipals", "notRequestPrincipals" })
            {
                if (IstioPolicyKind.Strings(s[field]).ToList() is { Count: > 0 } values)
                {
                    httpRule.Add($"{field} {string.Join(", ", values)}");
                }
            }

            foreach (var field in new[] { "remoteIpBlocks", "notRemoteIpBlocks" })
            {
                if (IstioPolicyKind.Strings(s[field]).ToList() is { Count: > 0 } values)
                {
                    Unevaluated.Add($"{field} {string.Join(", ", values)} (the original client of X-Forwarded-For or PROXY protocol: not evaluated)");
                }
            }
        }

        foreach (var c in rule["when"] as JsonArray ?? new JsonArray())
        {
            Condition(c as JsonObject ?? new JsonObject());
        }
    }

    public List<IstioOperation> Operations { get; } = new();

    /// <summary>The TCP ports <c>destination.port</c> conditions leave (every port without one).</summary>
    public ConnectionSet WhenPorts { get; private set; } = Tcp;

    /// <summary>Conditions a static analysis does not evaluate, in words (they hold on HTTP and TCP alike).</summary>
    public List<string> Unevaluated { get; } = new();

    /// <summary>The HTTP-only fields the rule sets for this operation, in words; null when none.</summary>
    public string? HttpText(IstioOperation? op)
    {
        var parts = new List<string>(httpRule);
        if (op?.Http is { } h)
        {
            parts.Insert(0, h);
        }

        return parts.Count == 0 ? null : string.Join("; ", parts);
    }

    private IstioOperation Operation(JsonObject op)
    {
        ConnectionSet? ports = null;
        if (IstioPolicyKind.Strings(op["ports"]).ToList() is { Count: > 0 } listed)
        {
            ports = PortSet(listed, "to.operation.ports");
        }

        if (IstioPolicyKind.Strings(op["notPorts"]).ToList() is { Count: > 0 } excluded)
        {
            ports = (ports ?? Tcp).Subtract(PortSet(excluded, "to.operation.notPorts"));
        }

        var http = new List<string>();
        foreach (var field in new[] { "hosts", "notHosts", "methods", "notMethods", "paths", "notPaths" })
        {
            if (IstioPolicyKind.Strings(op[field]).ToList() is { Count: > 0 } values)
            {
                http.Add($"{field} {string.Join(", ", values)}");
            }
        }

        return new IstioOperation(ports, http.Count == 0 ? null : string.Join("; ", http));
    }

    private ConnectionSet PortSet(IEnumerable<string> values, string where)
    {
        var set = ConnectionSet.None;
        foreach (var v in values)
        {
            if (int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535)
            {
                set = set.Union(ConnectionSet.Port("TCP", port));
            }
            else
            {
                context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPort", $"rules[{index}] {where}: '{v}' is not a port number; it is ignored.");
            }
        }

        return set;
    }

    private void Condition(JsonObject c)
    {
        var key = PolicyCompileContext.Str(c["key"]) ?? string.Empty;
        var values = IstioPolicyKind.Strings(c["values"]).ToList();
        var notValues = IstioPolicyKind.Strings(c["notValues"]).ToList();
        switch (key)
        {
            case "destination.port":
                if (values.Count > 0)
                {
                    WhenPorts = WhenPorts.Intersect(PortSet(values, "when destination.port"));
                }

                if (notValues.Count > 0)
                {
                    WhenPorts = WhenPorts.Subtract(PortSet(notValues, "when destination.port"));
                }

                break;
            case "source.ip" or "source.namespace" or "source.principal":
                if (values.Count > 0)
                {
                    whenSource.Add((key, values, false));
                }

                if (notValues.Count > 0)
                {
                    whenSource.Add((key, notValues, true));
                }

                break;
            default:
                var text = $"when {key} {(values.Count > 0 ? "in " + string.Join(", ", values) : string.Empty)}{(notValues.Count > 0 ? " not in " + string.Join(", ", notValues) : string.Empty)}".Trim();
                if (key.StartsWith("request.", StringComparison.Ordinal))
                {
                    httpRule.Add(text);
                }
                else
                {
                    Unevaluated.Add(text + " (not evaluated)");
                }

                break;
        }
    }

    // ---------------------------------------------------------------- peers

    /// <summary>
    /// Fills the rule's peers: the union of its sources, each the AND of its fields and of the
    /// <c>when</c> source conditions. <paramref name="identity"/> false: the destination ports
    /// carry no mutual TLS (DISABLE), so no caller has a principal or namespace there.
    /// </summary>
    public void Peers(CompiledRule rule, bool identity)
    {
        if (!hasFrom && whenSource.Count == 0)
        {
            rule.AllPeers = true;
            rule.PeersText = "any caller";
            rule.Peers.Add(new RulePeer { Kind = RulePeerKind.Pods, Text = "any caller", NamespaceScope = NamespaceScope.All, EveryPod = true, MatchesArbitraryPod = true });
            return;
        }

        var addresses = IpSet.Empty;
        var texts = new List<string>();
        foreach (var s in hasFrom ? sources : new List<JsonObject> { new() })
        {
            var (classes, set, open4, open6, text, arbitrary) = Source(s, identity);
            rule.Classes.UnionWith(classes);
            addresses = addresses.Union(set);
            rule.OpenToAnyAddress4 |= open4;
            rule.OpenToAnyAddress6 |= open6;
            texts.Add(text);
            var matched = context.RealClasses(classes);
            rule.Peers.Add(new RulePeer
            {
                Kind = matched == 0 && !set.IsEmpty ? RulePeerKind.Addresses : RulePeerKind.Pods,
                Text = text,
                NamespaceScope = NamespaceScope.All,
                EveryPod = arbitrary && open4,
                MatchedClasses = matched,
                MatchesArbitraryPod = arbitrary,
                Addresses = set,
            });
        }

        rule.Addresses = addresses;
        rule.PeersText = string.Join("; or ", texts.Distinct());
    }

    private (ClassSet Classes, IpSet Addresses, bool Open4, bool Open6, string Text, bool Arbitrary) Source(JsonObject source, bool identity)
    {
        var constraints = new List<(string Field, List<string> Values, bool Not)>();
        foreach (var field in new[] { "principals", "notPrincipals", "namespaces", "notNamespaces", "ipBlocks", "notIpBlocks" })
        {
            if (IstioPolicyKind.Strings(source[field]).ToList() is { Count: > 0 } values)
            {
                var not = field.StartsWith("not", StringComparison.Ordinal);
                var name = not ? char.ToLowerInvariant(field[3]) + field[4..] : field;
                constraints.Add((name, values, not));
            }
        }

        foreach (var (key, values, not) in whenSource)
        {
            constraints.Add((key switch { "source.ip" => "ipBlocks", "source.namespace" => "namespaces", _ => "principals" }, values, not));
        }

        var classes = context.NewClassSet();
        foreach (var c in context.Classes.Classes)
        {
            if (constraints.All(k => Holds(k, c, identity)))
            {
                classes.Add(c.Index);
            }
        }

        // External addresses have no sidecar: no principal, no namespace; ipBlocks are their own.
        bool open4 = true, open6 = true;
        var set = IpSet.Of(new[] { IpRange.All(4), IpRange.All(6) });
        foreach (var (field, values, not) in constraints)
        {
            if (field is "principals" or "namespaces")
            {
                if (!not)
                {
                    set = IpSet.Empty;
                    open4 = open6 = false;
                }

                continue;
            }

            var blocks = IpSet.Of(values.Select(IstioPolicyKind.ParseBlock).OfType<IpRange>());
            foreach (var r in blocks.Ranges)
            {
                // The whole space of a family draws no line between external ranges.
                if (r != IpRange.All(r.Family))
                {
                    context.IngressCuts.Add(r);
                }
            }

            if (not)
            {
                set = set.Subtract(blocks.Ranges);
            }
            else
            {
                set = set.Subtract(IpSet.Of(new[] { IpRange.All(4), IpRange.All(6) }).Subtract(blocks.Ranges).Ranges);
                open4 &= blocks.Ranges.Contains(IpRange.All(4));
                open6 &= blocks.Ranges.Contains(IpRange.All(6));
            }
        }

        var arbitrary = constraints.All(k => Holds(k, null, true));
        var text = constraints.Count == 0 ? "any caller" : string.Join(" and ", constraints.Select(k => $"{(k.Not ? "not " : string.Empty)}{k.Field} {string.Join(", ", k.Values)}"));
        return (classes, set, open4 && !set.IsEmpty, open6 && !set.IsEmpty, text, arbitrary);
    }

    /// <summary>
    /// Whether a class (null: an arbitrary meshed pod in an unrelated namespace) meets one
    /// constraint. Principals and namespaces come from the caller's certificate: a caller without a
    /// sidecar, or any caller on a port without mTLS, has neither, so it never meets a positive
    /// constraint and always meets a negated one.
    /// </summary>
    private bool Holds((string Field, List<string> Values, bool Not) constraint, PeerClass? c, bool identity)
    {
        bool matched;
        switch (constraint.Field)
        {
            case "principals":
            {
                var principal = !identity ? null : c is null ? mesh.Facts.Principal(ArbitraryNamespace, "default") : mesh.Principals[c.Index];
                matched = principal is not null && constraint.Values.Any(p => MatchesPrincipal(p, principal));
                break;
            }

            case "namespaces":
            {
                var hasIdentity = identity && (c is null || mesh.Principals[c.Index] is not null);
                var ns = c?.Namespace ?? ArbitraryNamespace;
                matched = hasIdentity && constraint.Values.Any(p => IstioPolicyKind.Matches(p, ns));
                break;
            }

            default:
                matched = AddressIn(c, constraint.Values);
                break;
        }

        return matched != constraint.Not;
    }

    private bool MatchesPrincipal(string pattern, string principal)
    {
        if (IstioPolicyKind.Matches(pattern, principal))
        {
            return true;
        }

        // Policies written for the default trust domain keep working when the mesh has its own.
        const string defaultTrustDomain = "cluster.local/";
        return mesh.Facts.TrustDomain != "cluster.local" && pattern.StartsWith(defaultTrustDomain, StringComparison.Ordinal)
            && IstioPolicyKind.Matches(mesh.Facts.TrustDomain + "/" + pattern[defaultTrustDomain.Length..], principal);
    }

    /// <summary>A pod's address is in the blocks: known for host-network pods (their node) and, where rules match pods by address, for pods whose address the snapshot has.</summary>
    private bool AddressIn(PeerClass? c, List<string> values)
    {
        if (c is null)
        {
            return false;
        }

        var address = c.HostNetwork ? c.HostAddress : context.Options.AddressRulesMatchPods ? c.AddressInterval : null;
        var blocks = values.Select(IstioPolicyKind.ParseBlock).OfType<IpRange>().ToList();
        if (address is { } a)
        {
            return blocks.Any(b => b.Contains(a));
        }

        if (c.Kind == PeerClassKind.Pod && context.Options.AddressRulesMatchPods && blocks.Any(b => AddressSpace.Internal.Ranges.Any(i => i.Overlaps(b))))
        {
            context.NoteUndecided($"AuthorizationPolicy {obj.Namespace}/{obj.Name} rules[{index}] names {string.Join(", ", values)}, which may hold the addresses of pods whose address the snapshot does not know; those pods are taken to be outside it.");
        }

        return false;
    }
}
