using System.Text.Json.Nodes;
using k8s.Models;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Policy;

/// <summary>
/// Sidecar (networking.istio.io) egress scoping and the outbound traffic policy, at the source's
/// sidecar. Sources: istio.io reference "Sidecar" (one Sidecar applies to a workload: the one whose
/// workloadSelector selects it, else its namespace's Sidecar without selector, else the root
/// namespace's; <c>egress.hosts</c> are <c>namespace/dnsName</c> with <c>*</c>, <c>.</c> and
/// <c>~</c>; <c>outboundTrafficPolicy</c> REGISTRY_ONLY blocks destinations outside the registry)
/// and "ServiceEntry" (<c>hosts</c>, <c>addresses</c>, <c>exportTo</c>). A destination pod is
/// reachable when a Service the Sidecar imports selects it, as network-config-analyzer models it;
/// with ALLOW_ANY, external addresses stay reachable; with REGISTRY_ONLY only ServiceEntry
/// addresses do. ServiceEntry hosts named by DNS cannot be placed on an address: they are
/// reported, not evaluated.
/// </summary>
internal sealed partial class IstioPolicyKind
{
    private sealed record ServiceTarget(string Namespace, string Name, ClassSet Classes);

    private sealed record EntryHost(KubeObject Entry, string Host, ConnectionSet Ports, IpSet Addresses);

    private static void CompileSidecars(PolicyCompileContext context, IstioMeshModel mesh)
    {
        var facts = mesh.Facts;
        var services = Services(context);
        var entries = ServiceEntryHosts(context, facts);
        var groups = new Dictionary<(KubeObject? Sidecar, string Namespace), ClassSet>();
        foreach (var c in context.Classes.Classes)
        {
            if (!mesh.HasSidecar(c.Index) || IsGateway(c))
            {
                continue;
            }

            var sidecar = SidecarOf(context, facts, c);
            var key = (sidecar, c.Namespace);
            if (!groups.TryGetValue(key, out var set))
            {
                groups[key] = set = context.NewClassSet();
            }

            set.Add(c.Index);
        }

        Tier? tier = null;
        foreach (var ((sidecar, ns), sources) in groups.OrderBy(g => g.Key.Namespace, StringComparer.Ordinal).ThenBy(g => g.Key.Sidecar?.Name, StringComparer.Ordinal))
        {
            var spec = sidecar?.Raw?["spec"] as JsonObject;
            var mode = (PolicyCompileContext.Str(spec?["outboundTrafficPolicy"]?["mode"]) ?? facts.OutboundTrafficPolicy).ToUpperInvariant();
            var hosts = (spec?["egress"] as JsonArray ?? new JsonArray()).SelectMany(l => Strings(l?["hosts"])).ToList();
            var visible = context.NewClassSet();
            var visibleEntries = new List<EntryHost>();
            var restrictsInternal = sidecar is not null && hosts.Count > 0;
            if (restrictsInternal)
            {
                foreach (var host in hosts)
                {
                    Import(context, sidecar!, ns, host, services, entries, visible, visibleEntries);
                }
            }
            else
            {
                visibleEntries.AddRange(entries.Where(e => ExportedTo(e.Entry, ns)));
            }

            var via = sidecar is null ? $"the mesh's outbound traffic policy {mode}" : $"Sidecar {sidecar.Namespace}/{sidecar.Name}";
            foreach (var entry in visibleEntries.Where(e => e.Addresses.IsEmpty))
            {
                mesh.HostEgress.Add(new MeshHostEgress(sources, entry.Host, entry.Ports, $"ServiceEntry {entry.Entry.Namespace}/{entry.Entry.Name}" + (sidecar is null ? string.Empty : $" imported by {via}")));
            }

            if (!restrictsInternal && mode != "REGISTRY_ONLY")
            {
                continue;
            }

            tier ??= context.Tier(PolicyLayer.Mesh, MeshTiers.Sidecar, 600, TierKind.Union, NoMatchAction.Deny,
                "the source's sidecar egress (Sidecar egress hosts and the outbound traffic policy)");
            var source = sidecar ?? facts.MeshConfig ?? context.Cluster.Data.Objects.First(o => o.Group is "security.istio.io" or "networking.istio.io");
            var policy = new CompiledPolicy(sidecar is null ? "MeshConfig" : "Sidecar", sidecar?.Name ?? "outboundTrafficPolicy", sidecar?.Namespace ?? facts.RootNamespace, null, source, sources,
                $"sidecar pods in namespace {ns}")
            {
                SubjectNamespace = ns,
                AffectsEgress = true,
            };
            AddSidecarRules(context, policy, mode, restrictsInternal, visible, visibleEntries, via);
            context.Add(tier, policy);
        }
    }

    private static void AddSidecarRules(PolicyCompileContext context, CompiledPolicy policy, string mode, bool restrictsInternal, ClassSet visible, List<EntryHost> entries, string via)
    {
        var none = Array.Empty<NamedPortRef>();
        policy.Egress.Add(new CompiledRule(policy, TrafficDirection.Egress, policy.Egress.Count, BypassRule, RuleAction.Allow,
            new PortSpec(ConnectionSet.All.Subtract(Tcp), none, "every protocol but TCP"))
        {
            AllPeers = true,
            Classes = context.NewClassSet(),
            PeersText = "any peer",
        });

        var all = context.NewClassSet();
        foreach (var c in context.Classes.Classes)
        {
            all.Add(c.Index);
        }

        var internalRule = new CompiledRule(policy, TrafficDirection.Egress, policy.Egress.Count, restrictsInternal ? "egress hosts" : "every service of the mesh", RuleAction.Allow,
            new PortSpec(Tcp, none, "all TCP ports"))
        {
            Classes = restrictsInternal ? visible : all,
            PeersText = restrictsInternal ? $"pods behind the services {via} imports" : "every pod",
        };
        internalRule.Peers.Add(new RulePeer
        {
            Kind = RulePeerKind.Pods, Text = internalRule.PeersText, NamespaceScope = NamespaceScope.All, EveryPod = !restrictsInternal,
            MatchedClasses = context.RealClasses(internalRule.Classes), MatchesArbitraryPod = !restrictsInternal,
        });
        if (restrictsInternal && mode == "ALLOW_ANY")
        {
            internalRule.Undecided.Add("with ALLOW_ANY, a connection to a service this Sidecar does not import passes through only when the proxy knows no service on its port; NetSecPS takes it as blocked");
        }

        policy.Egress.Add(internalRule);

        var external = new CompiledRule(policy, TrafficDirection.Egress, policy.Egress.Count, mode == "REGISTRY_ONLY" ? "ServiceEntry addresses (REGISTRY_ONLY)" : "outbound traffic (ALLOW_ANY)", RuleAction.Allow,
            new PortSpec(Tcp, none, "all TCP ports"))
        {
            Classes = context.NewClassSet(),
        };
        if (mode == "REGISTRY_ONLY")
        {
            var withAddresses = entries.Where(e => !e.Addresses.IsEmpty).ToList();
            foreach (var e in withAddresses)
            {
                // One rule per entry: its ports apply to its addresses only.
                var rule = new CompiledRule(policy, TrafficDirection.Egress, policy.Egress.Count, $"ServiceEntry {e.Entry.Namespace}/{e.Entry.Name}", RuleAction.Allow,
                    new PortSpec(e.Ports, none, e.Ports.Format(false)))
                {
                    Classes = context.NewClassSet(),
                    Addresses = e.Addresses,
                    PeersText = $"{e.Host} ({e.Addresses})",
                };
                foreach (var r in e.Addresses.Ranges)
                {
                    context.EgressCuts.Add(r);
                }

                rule.Peers.Add(new RulePeer { Kind = RulePeerKind.Addresses, Text = rule.PeersText, Addresses = e.Addresses });
                policy.Egress.Add(rule);
            }

            var dns = entries.Where(e => e.Addresses.IsEmpty).Select(e => e.Host).Distinct().ToList();
            if (dns.Count > 0)
            {
                var named = new CompiledRule(policy, TrafficDirection.Egress, policy.Egress.Count, "ServiceEntry hosts", RuleAction.Allow, new PortSpec(Tcp, none, "their ports"))
                {
                    Classes = context.NewClassSet(),
                    PeersText = string.Join(", ", dns),
                };
                named.Undecided.Add($"REGISTRY_ONLY lets it reach {string.Join(", ", dns)} ({via}), DNS names a static analysis cannot place on addresses");
                named.Peers.Add(new RulePeer { Kind = RulePeerKind.DomainNames, Text = named.PeersText });
                context.NoteUndecided($"{policy} lets sidecars in its scope reach the ServiceEntry hosts {string.Join(", ", dns)}: DNS names, not evaluated.");
                policy.Egress.Add(named);
            }

            return;
        }

        external.Addresses = IpSet.Of(new[] { IpRange.All(4), IpRange.All(6) });
        external.OpenToAnyAddress4 = external.OpenToAnyAddress6 = true;
        external.PeersText = "any external address";
        external.Peers.Add(new RulePeer { Kind = RulePeerKind.Addresses, Text = "any external address", Addresses = external.Addresses, PrefixLength = 0 });
        policy.Egress.Add(external);
    }

    /// <summary>The Sidecar that applies to a class: its selector one (oldest), else its namespace's default, else the root namespace's.</summary>
    private static KubeObject? SidecarOf(PolicyCompileContext context, IstioMesh facts, PeerClass c)
    {
        KubeObject? selected = null;
        foreach (var s in facts.Sidecars)
        {
            var hasSelector = s.Raw?["spec"]?["workloadSelector"] is JsonObject;
            if (s.Namespace != c.Namespace || !hasSelector || !IstioMesh.Selector(s).Matches(c.Labels))
            {
                continue;
            }

            if (s.Namespace == facts.RootNamespace)
            {
                context.Diagnose(s, DiagnosticSeverity.Warning, "IgnoredPolicy", "a Sidecar in the root namespace should have no workloadSelector; Istio does not use it as the global default.");
                continue;
            }

            if (selected is null)
            {
                selected = s;
            }
            else
            {
                context.Diagnose(s, DiagnosticSeverity.Warning, "DuplicatePolicy", $"{selected.Name} already selects {c}; with two Sidecars selecting one workload Istio's behaviour is undefined; NetSecPS uses the oldest.");
            }
        }

        return selected
            ?? facts.Sidecars.FirstOrDefault(s => s.Namespace == c.Namespace && s.Raw?["spec"]?["workloadSelector"] is null)
            ?? facts.Sidecars.FirstOrDefault(s => s.Namespace == facts.RootNamespace && s.Raw?["spec"]?["workloadSelector"] is null);
    }

    /// <summary>Istio gateways run the proxy as their main container; Sidecar resources do not configure them.</summary>
    private static bool IsGateway(PeerClass c) => c.Pods.Any(IstioMesh.IsGateway);

    /// <summary>Adds what one <c>namespace/dnsName</c> host imports: pods behind matching Services, and matching ServiceEntry hosts.</summary>
    private static void Import(PolicyCompileContext context, KubeObject sidecar, string sourceNamespace, string host, List<ServiceTarget> services, List<EntryHost> entries,
        ClassSet visible, List<EntryHost> visibleEntries)
    {
        var slash = host.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == host.Length - 1)
        {
            context.Diagnose(sidecar, DiagnosticSeverity.Error, "InvalidHost", $"egress host '{host}' is not namespace/dnsName; it is ignored.");
            return;
        }

        var nsPart = host[..slash];
        var dnsName = host[(slash + 1)..];
        bool InNamespace(string ns) => nsPart switch
        {
            "*" => true,
            "~" => false,
            // In the root namespace's global default, "." is the workload's own namespace.
            "." => ns == sourceNamespace,
            _ => ns == nsPart,
        };

        foreach (var s in services)
        {
            if (InNamespace(s.Namespace) && (dnsName == "*" || DnsMatches(dnsName, $"{s.Name}.{s.Namespace}.svc.cluster.local")
                || dnsName.StartsWith($"{s.Name}.{s.Namespace}.svc", StringComparison.Ordinal)))
            {
                visible.UnionWith(s.Classes);
            }
        }

        foreach (var e in entries)
        {
            if (InNamespace(e.Entry.Namespace ?? "default") && ExportedTo(e.Entry, sourceNamespace) && (dnsName == "*" || DnsMatches(dnsName, e.Host)) && !visibleEntries.Contains(e))
            {
                visibleEntries.Add(e);
            }
        }
    }

    /// <summary>A Sidecar dnsName covers a host: equal, or a <c>*.suffix</c> wildcard the host falls under (a narrower name does not cover a wildcard host).</summary>
    private static bool DnsMatches(string pattern, string host) =>
        string.Equals(pattern, host, StringComparison.OrdinalIgnoreCase)
        || (pattern.StartsWith("*.", StringComparison.Ordinal) && host.EndsWith(pattern[1..], StringComparison.OrdinalIgnoreCase));

    private static bool ExportedTo(KubeObject entry, string ns)
    {
        var exportTo = Strings(entry.Raw?["spec"]?["exportTo"]).ToList();
        return exportTo.Count == 0 || exportTo.Any(x => x == "*" || (x == "." && entry.Namespace == ns) || x == ns);
    }

    private static List<ServiceTarget> Services(PolicyCompileContext context)
    {
        var result = new List<ServiceTarget>();
        foreach (var (obj, svc) in context.Cluster.Data.TypedWithSource<V1Service>())
        {
            var ns = obj.Namespace ?? "default";
            if (svc.Spec?.Selector is not { Count: > 0 } selector)
            {
                continue;
            }

            var classes = context.PodsMatching(new List<string> { ns }, "svc:" + string.Join(',', selector.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => k.Key + "=" + k.Value)),
                labels => selector.All(kv => labels.TryGetValue(kv.Key, out var v) && v == kv.Value));
            result.Add(new ServiceTarget(ns, obj.Name, classes));
        }

        return result;
    }

    /// <summary>Each host of each ServiceEntry, with the entry's TCP ports and, where it has them, its addresses (or an address written as the host).</summary>
    private static List<EntryHost> ServiceEntryHosts(PolicyCompileContext context, IstioMesh facts)
    {
        var result = new List<EntryHost>();
        foreach (var entry in facts.ServiceEntries)
        {
            var spec = entry.Raw?["spec"];
            var ports = ConnectionSet.None;
            foreach (var p in spec?["ports"] as JsonArray ?? new JsonArray())
            {
                var protocol = (PolicyCompileContext.Str(p?["protocol"]) ?? "TCP").ToUpperInvariant();
                if (PolicyCompileContext.Int(p?["number"]) is { } number && number is >= 1 and <= 65535 && protocol != "UDP")
                {
                    ports = ports.Union(ConnectionSet.Port("TCP", number));
                }
            }

            if (ports.IsEmpty)
            {
                ports = Tcp;
            }

            var addresses = IpSet.Of(Strings(spec?["addresses"]).Select(ParseBlock).OfType<IpRange>());
            foreach (var host in Strings(spec?["hosts"]))
            {
                var own = ParseBlock(host) is { } literal ? IpSet.Of(new[] { literal }) : addresses;
                result.Add(new EntryHost(entry, host, ports, own));
            }
        }

        return result;
    }
}
