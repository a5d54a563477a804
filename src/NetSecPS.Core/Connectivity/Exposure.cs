using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;
using NetSecPS.Core.Model;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Connectivity;

/// <summary>One object that exposes a peer class to the ingress controller, with the ports it opens.</summary>
internal sealed record ExposureSource(string Kind, string Namespace, string Name, string Service, ConnectionSet Connections)
{
    public override string ToString() => $"{Kind} {Namespace}/{Name} (service {Service}, {Connections})";
}

/// <summary>
/// What Ingress, OpenShift Route and Gateway API routes open from the ingress controller: per
/// peer class, the backend ports their Services resolve to. As netpol-analyzer resolves them:
/// the Service is in the object's namespace and selects pods by labels; a backend port selects
/// the Service port by name, number or target port (no port: every Service port); the target
/// port (a number, or a name resolved on the pod) counts only where the pod declares it.
/// </summary>
internal sealed class ExposureMap
{
    private static readonly string[] GatewayRouteKinds = { "HTTPRoute", "GRPCRoute", "TCPRoute", "TLSRoute", "UDPRoute" };

    private readonly Dictionary<int, List<ExposureSource>> byClass = new();

    public bool IsEmpty => byClass.Count == 0;

    public IReadOnlyList<ExposureSource> SourcesOf(PeerClass c) => byClass.TryGetValue(c.Index, out var l) ? l : Array.Empty<ExposureSource>();

    public ConnectionSet ConnectionsOf(PeerClass c)
    {
        var result = ConnectionSet.None;
        foreach (var s in SourcesOf(c))
        {
            result = result.Union(s.Connections);
        }

        return result;
    }

    private sealed record BackendPort(int? Number, string? Name)
    {
        public bool IsEmpty => Number is null && Name is null;
    }

    private sealed record Target(string Kind, string Namespace, string Name, string Service, BackendPort Port, string Protocol);

    public static ExposureMap Build(ClusterModel model, PeerClassBuilder.Result classes, IOutputSink sink)
    {
        var map = new ExposureMap();
        var targets = BackendTargets(model, sink);
        if (targets.Count == 0)
        {
            return map;
        }

        var services = ServicesWithTheirPodClasses(model, classes);
        foreach (var t in targets)
        {
            if (!services.TryGetValue((t.Namespace, t.Service), out var s))
            {
                sink.Warning($"{t.Kind} {t.Namespace}/{t.Name}: backend service {t.Service} is not in the snapshot; it exposes nothing.");
                continue;
            }

            if (s.Service.Spec?.Selector is not { Count: > 0 })
            {
                sink.Warning($"{t.Kind} {t.Namespace}/{t.Name}: service {t.Service} has no selector, so its pods cannot be known; it exposes nothing here.");
                continue;
            }

            var accessPorts = AccessPorts(s.Service, t.Port);
            foreach (var c in s.Selected)
            {
                var conns = OpenedOn(c, accessPorts, t.Protocol);
                if (conns.IsEmpty)
                {
                    continue;
                }

                if (!map.byClass.TryGetValue(c.Index, out var list))
                {
                    map.byClass[c.Index] = list = new List<ExposureSource>();
                }

                list.Add(new ExposureSource(t.Kind, t.Namespace, t.Name, t.Service, conns));
            }
        }

        return map;
    }

    /// <summary>The backends of every Ingress, OpenShift Route and Gateway API route in the snapshot.</summary>
    private static List<Target> BackendTargets(ClusterModel model, IOutputSink sink)
    {
        var targets = new List<Target>();
        foreach (var (obj, ing) in model.Data.TypedWithSource<V1Ingress>())
        {
            var ns = obj.Namespace ?? "default";
            if (ing.Spec?.DefaultBackend is { } def)
            {
                AddIngressBackend(targets, sink, ns, obj.Name, def);
            }

            foreach (var rule in ing.Spec?.Rules ?? new List<V1IngressRule>())
            {
                foreach (var path in rule?.Http?.Paths ?? new List<V1HTTPIngressPath>())
                {
                    if (path?.Backend is { } b)
                    {
                        AddIngressBackend(targets, sink, ns, obj.Name, b);
                    }
                }
            }
        }

        foreach (var obj in model.Data.OfKind("Route", "route.openshift.io"))
        {
            if (obj.Raw?["spec"] is not JsonObject spec)
            {
                continue;
            }

            var ns = obj.Namespace ?? "default";
            var port = PortOf(spec["port"]?["targetPort"]);
            AddRouteBackend(targets, sink, ns, obj.Name, spec["to"], port);
            if (spec["alternateBackends"] is JsonArray alternates)
            {
                foreach (var a in alternates)
                {
                    AddRouteBackend(targets, sink, ns, obj.Name, a, port);
                }
            }
        }

        foreach (var kind in GatewayRouteKinds)
        {
            foreach (var obj in model.Data.OfKind(kind, "gateway.networking.k8s.io"))
            {
                AddGatewayRoute(targets, sink, obj);
            }
        }

        return targets;
    }

    /// <summary>Every Service by namespace and name, with the pod classes its selector selects in its namespace.</summary>
    private static Dictionary<(string Ns, string Name), (V1Service Service, List<PeerClass> Selected)> ServicesWithTheirPodClasses(ClusterModel model, PeerClassBuilder.Result classes)
    {
        var services = new Dictionary<(string Ns, string Name), (V1Service Service, List<PeerClass> Selected)>();
        var podClassesByNs = classes.Classes.Where(c => c.Kind == PeerClassKind.Pod).GroupBy(c => c.Namespace).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        foreach (var (obj, svc) in model.Data.TypedWithSource<V1Service>())
        {
            var ns = obj.Namespace ?? "default";
            var selector = svc.Spec?.Selector;
            var selected = new List<PeerClass>();
            if (selector is { Count: > 0 } && podClassesByNs.TryGetValue(ns, out var inNs))
            {
                selected.AddRange(inNs.Where(c => selector.All(kv => c.Labels.TryGetValue(kv.Key, out var v) && v == kv.Value)));
            }

            services[(ns, obj.Name)] = (svc, selected);
        }

        return services;
    }

    /// <summary>
    /// The connections the access ports open on a pod class: a named port resolves on the pod (same
    /// protocol), and only ports the pod declares are reachable through the Service (netpol-analyzer semantics).
    /// </summary>
    private static ConnectionSet OpenedOn(PeerClass c, List<BackendPort> accessPorts, string protocol)
    {
        var conns = ConnectionSet.None;
        foreach (var access in accessPorts)
        {
            int number;
            if (access.Name is not null)
            {
                var named = c.NamedPort(access.Name);
                if (named is null || named.Protocol != protocol)
                {
                    continue;
                }

                number = named.Port;
            }
            else
            {
                number = access.Number!.Value;
            }

            if (c.Ports.Any(p => p.Port == number))
            {
                conns = conns.Union(ConnectionSet.Port(protocol, number));
            }
        }

        return conns;
    }

    /// <summary>The pod ports behind a backend port: the first Service port matching it by name, number or target port; every port when none is given.</summary>
    private static List<BackendPort> AccessPorts(V1Service svc, BackendPort required)
    {
        var result = new List<BackendPort>();
        foreach (var sp in svc.Spec?.Ports ?? new List<V1ServicePort>())
        {
            if (sp is null)
            {
                continue;
            }

            var target = PortOf(sp.TargetPort?.Value);
            var access = target.IsEmpty ? new BackendPort(sp.Port, null) : target;
            if (required.IsEmpty)
            {
                result.Add(access);
                continue;
            }

            if ((required.Name is not null && sp.Name == required.Name) || (required.Number is not null && sp.Port == required.Number) ||
                (!target.IsEmpty && target == required))
            {
                result.Add(access);
                break;
            }
        }

        return result;
    }

    private static void AddIngressBackend(List<Target> targets, IOutputSink sink, string ns, string name, V1IngressBackend backend)
    {
        if (backend.Service is not { Name: { Length: > 0 } svcName } service)
        {
            sink.Warning($"Ingress {ns}/{name}: a backend without a Service is ignored.");
            return;
        }

        targets.Add(new Target("Ingress", ns, name, svcName, new BackendPort(service.Port?.Number, string.IsNullOrEmpty(service.Port?.Name) ? null : service.Port.Name), "TCP"));
    }

    private static void AddRouteBackend(List<Target> targets, IOutputSink sink, string ns, string name, JsonNode? to, BackendPort port)
    {
        var kind = Str(to?["kind"]);
        var svc = Str(to?["name"]);
        if (!string.IsNullOrEmpty(kind) && kind != "Service" || string.IsNullOrEmpty(svc))
        {
            sink.Warning($"Route {ns}/{name}: a backend that is not a Service is ignored.");
            return;
        }

        targets.Add(new Target("Route", ns, name, svc, port, "TCP"));
    }

    private static void AddGatewayRoute(List<Target> targets, IOutputSink sink, KubeObject obj)
    {
        var ns = obj.Namespace ?? "default";
        if (obj.Raw?["spec"] is not JsonObject spec)
        {
            return;
        }

        if (spec["parentRefs"] is not JsonArray { Count: > 0 })
        {
            sink.Warning($"{obj.Kind} {ns}/{obj.Name} is attached to no Gateway (no parentRefs); it exposes nothing.");
            return;
        }

        var protocol = obj.Kind == "UDPRoute" ? "UDP" : "TCP";
        foreach (var rule in spec["rules"] as JsonArray ?? new JsonArray())
        {
            foreach (var backend in rule?["backendRefs"] as JsonArray ?? new JsonArray())
            {
                var group = Str(backend?["group"]) ?? string.Empty;
                var kind = Str(backend?["kind"]) ?? "Service";
                var name = Str(backend?["name"]);
                if (group.Length != 0 || kind != "Service" || string.IsNullOrEmpty(name))
                {
                    sink.Warning($"{obj.Kind} {ns}/{obj.Name}: a backend that is not a core Service is ignored.");
                    continue;
                }

                var number = backend?["port"] is JsonValue v && v.TryGetValue<long>(out var l) ? (int?)l :
                    backend?["port"] is JsonValue vi && vi.TryGetValue<int>(out var i) ? i : null;
                targets.Add(new Target(obj.Kind, Str(backend?["namespace"]) ?? ns, obj.Name, name, new BackendPort(number, null), protocol));
            }
        }
    }

    private static BackendPort PortOf(JsonNode? node) => node switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<long>(out var l) => new BackendPort((int)l, null),
        JsonValue v when v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<int>(out var i) => new BackendPort(i, null),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => PortOf(v.GetValue<string>()),
        _ => new BackendPort(null, null),
    };

    private static BackendPort PortOf(string? text) =>
        string.IsNullOrEmpty(text) ? new BackendPort(null, null) :
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? (n == 0 ? new BackendPort(null, null) : new BackendPort(n, null)) :
        new BackendPort(null, text);

    private static string? Str(JsonNode? n) => n is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
}
