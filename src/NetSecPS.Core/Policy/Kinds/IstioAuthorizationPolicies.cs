using System.Globalization;
using System.Text.Json.Nodes;
using k8s.Models;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Policy;

/// <summary>
/// AuthorizationPolicy (security.istio.io/v1 and v1beta1) compiled into the mesh layer. Sources:
/// istio.io reference "Authorization Policy" (order CUSTOM, DENY, ALLOW; no ALLOW policy means
/// allow; a policy without rules never matches, so as ALLOW it denies everything; the selector of
/// a policy in the root namespace matches workloads in every namespace), concepts "Dependency on
/// mutual TLS" (principals and namespaces need mTLS: a plaintext caller has neither) and the task
/// "TCP Traffic" (on TCP traffic an ALLOW rule with HTTP-only fields is ignored; a DENY rule drops
/// them and matches on the rest). A port counts as TCP traffic when every Service in front of it
/// declares a non-HTTP protocol (<c>tcp</c>, <c>tls</c>, <c>https</c>, <c>mongo</c>, <c>mysql</c>,
/// <c>redis</c>, by name prefix or appProtocol); otherwise it is taken as HTTP, which Istio detects
/// on undeclared ports, and HTTP-only fields make the rule conditional (allowed at L4, restricted at L7).
/// </summary>
internal sealed partial class IstioPolicyKind
{
    private static readonly ConnectionSet Tcp = ConnectionSet.AllPorts("TCP");

    private static readonly HashSet<string> OpaqueProtocols = new(StringComparer.OrdinalIgnoreCase) { "tcp", "tls", "https", "mongo", "mysql", "redis" };

    /// <summary>What a subject class fixes for compiling a rule: ports without mTLS (DISABLE), ports declared as plain TCP, intercepted ports.</summary>
    private sealed record SubjectVariant(ConnectionSet Disabled, ConnectionSet Opaque, ConnectionSet Captured);

    private static void CompileAuthorizationPolicies(PolicyCompileContext context, IstioMeshModel mesh)
    {
        var opaque = new OpaquePorts(context);
        foreach (var obj in mesh.Facts.AuthorizationPolicies)
        {
            if (obj.Raw!["spec"] is not JsonObject spec)
            {
                // `spec: {}` may arrive as no spec at all: an ALLOW policy with no rules.
                spec = new JsonObject();
            }

            var action = (PolicyCompileContext.Str(spec["action"]) ?? "ALLOW").ToUpperInvariant();
            Tier tier;
            switch (action)
            {
                case "ALLOW":
                    tier = context.Tier(PolicyLayer.Mesh, MeshTiers.Allow, 500, TierKind.Union, NoMatchAction.Deny,
                        "the ALLOW AuthorizationPolicies (once one applies to a workload, a request no ALLOW rule matches is denied)");
                    break;
                case "DENY":
                    tier = context.Tier(PolicyLayer.Mesh, MeshTiers.Deny, 300, TierKind.Union, NoMatchAction.Next, "the DENY AuthorizationPolicies (any matching rule denies)");
                    break;
                case "CUSTOM":
                    tier = context.Tier(PolicyLayer.Mesh, MeshTiers.Custom, 200, TierKind.Union, NoMatchAction.Next, "the CUSTOM AuthorizationPolicies (an external authorizer decides)");
                    break;
                case "AUDIT":
                    tier = context.Tier(PolicyLayer.Mesh, MeshTiers.Audit, 400, TierKind.Union, NoMatchAction.Next, "the AUDIT AuthorizationPolicies (they only mark requests for auditing)");
                    break;
                default:
                    context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidPolicy", $"spec.action '{action}' is not ALLOW, DENY, CUSTOM or AUDIT; the policy is ignored.");
                    continue;
            }

            if (!TrySubject(context, mesh, obj, spec, out var subject, out var subjectText, out var clusterWide))
            {
                continue;
            }

            // Pods without a sidecar have no proxy to enforce the policy.
            var withoutSidecar = subject.Members().Where(i => !mesh.HasSidecar(i) && context.Classes.Classes[i].Kind == PeerClassKind.Pod).ToList();
            foreach (var i in withoutSidecar)
            {
                subject.Remove(i);
            }

            if (withoutSidecar.Count > 0)
            {
                var names = withoutSidecar.SelectMany(i => context.Classes.Classes[i].Workloads).Select(w => w.Peer).Distinct().ToList();
                context.Diagnose(obj, DiagnosticSeverity.Warning, "NoSidecar", $"selects {string.Join(", ", names.Take(5))}{(names.Count > 5 ? ", ..." : string.Empty)}, which run(s) no Istio sidecar (or run in ambient mode): the policy has no effect on them here.");
            }

            var variants = new Dictionary<SubjectVariant, ClassSet>();
            foreach (var i in subject.Members())
            {
                var disabled = context.Options.IstioPeerAuthentication && mesh.Mtls[i] is { } mtls ? mtls.PortsWith("DISABLE") : ConnectionSet.None;
                var variant = new SubjectVariant(disabled.Intersect(mesh.Captured[i]), opaque.Of(context.Classes.Classes[i]), mesh.Captured[i]);
                if (!variants.TryGetValue(variant, out var set))
                {
                    variants[variant] = set = context.NewClassSet();
                }

                set.Add(i);
            }

            if (variants.Count == 0)
            {
                // Keep the policy visible to the checks even when it selects no sidecar pod today.
                variants[new SubjectVariant(ConnectionSet.None, ConnectionSet.None, Tcp)] = context.NewClassSet();
            }

            foreach (var (variant, classes) in variants)
            {
                var policy = new CompiledPolicy("AuthorizationPolicy", obj.Name, obj.Namespace, null, obj, classes, subjectText)
                {
                    SubjectNamespace = clusterWide ? null : obj.Namespace,
                    SelectsWholeNamespace = !clusterWide && spec["selector"] is null && spec["targetRef"] is null && spec["targetRefs"] is null,
                    AffectsIngress = true,
                    IsolatesIngress = action == "ALLOW",
                };
                CompileRules(context, mesh, obj, spec, action, policy, variant);
                context.Add(tier, policy);
            }
        }
    }

    /// <summary>
    /// The classes a policy applies to: by <c>selector</c> in its namespace (in every namespace
    /// from the root namespace), or by <c>targetRef(s)</c> to a Gateway (its deployed pods carry
    /// <c>gateway.networking.k8s.io/gateway-name</c>). Waypoint targets (Service, ServiceEntry) are
    /// ambient mode and a GatewayClass (in the root namespace) stands for all its Gateways: not evaluated.
    /// </summary>
    private static bool TrySubject(PolicyCompileContext context, IstioMeshModel mesh, KubeObject obj, JsonObject spec, out ClassSet subject, out string text, out bool clusterWide)
    {
        var ns = obj.Namespace ?? "default";
        var root = ns == mesh.Facts.RootNamespace;
        clusterWide = root;
        subject = context.NewClassSet();
        text = string.Empty;
        var refs = new List<JsonNode?>();
        if (spec["targetRef"] is JsonObject single)
        {
            refs.Add(single);
        }

        if (spec["targetRefs"] is JsonArray many)
        {
            refs.AddRange(many);
        }

        var scope = root ? context.Classes.Classes.Select(c => c.Namespace).Distinct().ToList() : new List<string> { ns };
        if (refs.Count > 0)
        {
            clusterWide = false;
            var gateways = new List<string>();
            foreach (var r in refs)
            {
                var kind = PolicyCompileContext.Str(r?["kind"]);
                var name = PolicyCompileContext.Str(r?["name"]);
                if (kind == "Gateway" && name is not null)
                {
                    gateways.Add(name);
                    subject.UnionWith(context.PodsMatching(new List<string> { ns }, "istio-gateway:" + name,
                        labels => labels.TryGetValue("gateway.networking.k8s.io/gateway-name", out var g) && g == name));
                }
                else
                {
                    var what = kind == "GatewayClass"
                        ? "every Gateway of that class, which is not evaluated"
                        : "a waypoint of Istio's ambient mode, which is not evaluated";
                    context.NoteUndecided($"AuthorizationPolicy {ns}/{obj.Name} targets {kind} {name}: {what}.");
                }
            }

            text = gateways.Count > 0 ? $"the pods of Gateway {string.Join(", ", gateways)} in namespace {ns}" : "a waypoint (not evaluated)";
            return true;
        }

        var selector = LabelSelector.Everything;
        if (spec["selector"] is JsonObject s)
        {
            selector = LabelSelector.Parse(s, out var error);
            if (error is not null)
            {
                context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidSelector", $"spec.selector is invalid ({error}); the policy is ignored.");
                return false;
            }
        }

        subject = context.PodsMatching(scope, selector);
        subject.Remove(context.Classes.Arbitrary.Index);
        subject.Remove(context.Classes.IngressController.Index);
        text = (selector.IsEverything ? "every workload" : $"workloads {selector}") + (root ? " in every namespace (root namespace)" : $" in namespace {ns}");
        return true;
    }

    // ---------------------------------------------------------------- rules

    private static void CompileRules(PolicyCompileContext context, IstioMeshModel mesh, KubeObject obj, JsonObject spec, string action, CompiledPolicy policy, SubjectVariant variant)
    {
        var ruleAction = action switch { "ALLOW" => RuleAction.Allow, "DENY" => RuleAction.Deny, _ => RuleAction.Log };
        if (action == "ALLOW")
        {
            // Sidecars intercept TCP only (and only the inbound ports they capture): the rest never meets the policy.
            var bypass = ConnectionSet.All.Subtract(variant.Captured);
            policy.Ingress.Add(new CompiledRule(policy, TrafficDirection.Ingress, policy.Ingress.Count, BypassRule, RuleAction.Allow,
                new PortSpec(bypass, Array.Empty<NamedPortRef>(), "every protocol but TCP" + (variant.Captured.Equals(Tcp) ? string.Empty : ", and TCP ports the sidecar does not intercept")))
            {
                AllPeers = true,
                Classes = context.NewClassSet(),
                PeersText = "any peer",
            });
        }

        var provider = PolicyCompileContext.Str(spec["provider"]?["name"]) ?? "(no provider named)";
        var rules = spec["rules"] as JsonArray ?? new JsonArray();
        for (var i = 0; i < rules.Count; i++)
        {
            if (rules[i] is not JsonObject rule)
            {
                context.Diagnose(obj, DiagnosticSeverity.Error, "InvalidRule", $"rules[{i}] is not an object; it is ignored.");
                continue;
            }

            var written = new IstioRule(context, mesh, obj, rule, i);
            var ops = written.Operations.Count == 0 ? new List<IstioOperation?> { null } : written.Operations.Select(o => (IstioOperation?)o).ToList();
            for (var j = 0; j < ops.Count; j++)
            {
                var op = ops[j];
                var name = ops.Count > 1 ? $"rule {i + 1}, operation {j + 1}" : $"rule {i + 1}";
                var ports = (op?.Ports ?? Tcp).Intersect(written.WhenPorts).Intersect(variant.Captured);
                foreach (var identity in new[] { true, false })
                {
                    var byTransport = identity ? ports.Subtract(variant.Disabled) : ports.Intersect(variant.Disabled);
                    foreach (var tcpOnly in new[] { false, true })
                    {
                        var region = tcpOnly ? byTransport.Intersect(variant.Opaque) : byTransport.Subtract(variant.Opaque);
                        if (region.IsEmpty)
                        {
                            continue;
                        }

                        var http = written.HttpText(op);
                        if (tcpOnly && http is not null && action == "ALLOW")
                        {
                            context.Diagnose(obj, DiagnosticSeverity.Warning, "HttpFieldsOnTcp", $"rules[{i}] uses HTTP-only fields ({http}) on {region.Format(false)}, which Services declare as TCP: Istio ignores the ALLOW rule there.");
                            continue;
                        }

                        var conditions = new List<string>();
                        if (!tcpOnly && http is not null)
                        {
                            conditions.Add(http);
                        }

                        conditions.AddRange(written.Unevaluated);
                        var compiled = new CompiledRule(policy, TrafficDirection.Ingress, policy.Ingress.Count, name + (identity ? string.Empty : " (ports without mTLS)"), ruleAction,
                            new PortSpec(region, Array.Empty<NamedPortRef>(), region.Equals(Tcp) ? "all TCP ports" : region.Format(false)))
                        {
                            Classes = context.NewClassSet(),
                            Condition = conditions.Count == 0 ? null : string.Join("; ", conditions),
                        };
                        written.Peers(compiled, identity);
                        if (action == "CUSTOM")
                        {
                            compiled.Undecided.Add($"CUSTOM action: the external authorizer {provider} decides the requests this rule matches; not evaluated");
                            context.NoteUndecided($"AuthorizationPolicy {obj.Namespace}/{obj.Name} (CUSTOM, provider {provider}) delegates decisions to an external authorizer: what it denies is not evaluated.");
                        }

                        policy.Ingress.Add(compiled);
                    }
                }
            }
        }
    }

    /// <summary>The TCP ports of a class that every Service in front of it declares as a non-HTTP protocol.</summary>
    private sealed class OpaquePorts
    {
        private readonly List<(string Ns, IDictionary<string, string> Selector, V1Service Service)> services = new();
        private readonly Dictionary<int, ConnectionSet> cache = new();

        public OpaquePorts(PolicyCompileContext context)
        {
            foreach (var (obj, svc) in context.Cluster.Data.TypedWithSource<V1Service>())
            {
                if (svc.Spec?.Selector is { Count: > 0 } selector)
                {
                    services.Add((obj.Namespace ?? "default", selector, svc));
                }
            }
        }

        public ConnectionSet Of(PeerClass c)
        {
            if (cache.TryGetValue(c.Index, out var known))
            {
                return known;
            }

            ConnectionSet opaque = ConnectionSet.None, http = ConnectionSet.None;
            foreach (var (ns, selector, svc) in services)
            {
                if (ns != c.Namespace || !selector.All(kv => c.Labels.TryGetValue(kv.Key, out var v) && v == kv.Value))
                {
                    continue;
                }

                foreach (var port in svc.Spec.Ports ?? new List<V1ServicePort>())
                {
                    if (!string.Equals(port.Protocol ?? "TCP", "TCP", StringComparison.OrdinalIgnoreCase) || TargetPort(c, port) is not { } target)
                    {
                        continue;
                    }

                    var protocol = port.AppProtocol ?? (port.Name ?? string.Empty).Split('-')[0];
                    var set = ConnectionSet.Port("TCP", target);
                    if (OpaqueProtocols.Contains(protocol))
                    {
                        opaque = opaque.Union(set);
                    }
                    else
                    {
                        http = http.Union(set);
                    }
                }
            }

            // A port some Service declares as HTTP (or leaves to protocol detection) may carry HTTP.
            var result = opaque.Subtract(http);
            cache[c.Index] = result;
            return result;
        }

        private static int? TargetPort(PeerClass c, V1ServicePort port)
        {
            var target = port.TargetPort?.Value;
            if (string.IsNullOrEmpty(target))
            {
                return port.Port;
            }

            return int.TryParse(target, NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number : c.NamedPort(target)?.Port;
        }
    }
}
