using System.Text.Json.Nodes;
using k8s.Models;
using NetSecPS.Core.Model;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Checks.Support;

/// <summary>One way a workload is reachable from outside the cluster.</summary>
/// <param name="Via">LoadBalancer, NodePort, externalIPs, Ingress, Route, HTTPRoute, ...</param>
/// <param name="Object">The object that exposes it (the Service, Ingress, Route or Gateway API route).</param>
/// <param name="Service">The Service that carries the traffic to the pods.</param>
internal sealed record ExposurePath(string Via, KubeObject Object, KubeObject Service)
{
    public string Describe() => Object == Service
        ? $"{Via} Service {Service.Namespace}/{Service.Name}"
        : $"{Via} {Object.Namespace}/{Object.Name} → Service {Service.Namespace}/{Service.Name}";
}

/// <summary>
/// Which workloads are exposed (docs/checks.md): reachable from outside the cluster through a Service
/// of type LoadBalancer or NodePort, externalIPs, an Ingress, an OpenShift Route or a Gateway
/// API route; and which Services select which workloads.
/// </summary>
internal sealed class ExposureIndex
{
    private static readonly string[] GatewayRouteKinds = { "HTTPRoute", "GRPCRoute", "TCPRoute", "TLSRoute", "UDPRoute" };

    private readonly Dictionary<Workload, List<ExposurePath>> exposed = new();
    private readonly Dictionary<(string Ns, string Name), KubeObject> services = new();
    private readonly Dictionary<KubeObject, IReadOnlyList<Workload>> selected = new();

    public ExposureIndex(ClusterModel model)
    {
        var byNs = model.Workloads.GroupBy(w => w.Namespace).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        foreach (var (obj, svc) in model.Data.TypedWithSource<V1Service>())
        {
            var ns = obj.Namespace ?? "default";
            services[(ns, obj.Name)] = obj;
            var selector = svc.Spec?.Selector;
            if (selector is null || selector.Count == 0 || !byNs.TryGetValue(ns, out var candidates))
            {
                selected[obj] = Array.Empty<Workload>();
                continue;
            }

            selected[obj] = candidates.Where(w => w.Pods.Any(p => selector.All(kv => p.Labels.TryGetValue(kv.Key, out var v) && v == kv.Value))).ToList();
        }

        foreach (var (obj, svc) in model.Data.TypedWithSource<V1Service>())
        {
            var type = svc.Spec?.Type ?? "ClusterIP";
            if (type is "LoadBalancer" or "NodePort")
            {
                AddService(obj, type);
            }

            if (svc.Spec?.ExternalIPs is { Count: > 0 })
            {
                AddService(obj, "externalIPs");
            }
        }

        foreach (var (obj, ing) in model.Data.TypedWithSource<V1Ingress>())
        {
            foreach (var name in IngressBackendServices(ing).Distinct(StringComparer.Ordinal))
            {
                AddBackend(obj, "Ingress", obj.Namespace ?? "default", name);
            }
        }

        foreach (var route in model.Data.OfKind("Route").Where(r => r.Raw is not null))
        {
            foreach (var name in OpenShiftRouteServices(route.Raw!))
            {
                AddBackend(route, "Route", route.Namespace ?? "default", name);
            }
        }

        foreach (var kind in GatewayRouteKinds)
        {
            foreach (var route in model.Data.OfKind(kind).Where(r => r.Raw is not null && r.Group == "gateway.networking.k8s.io"))
            {
                foreach (var (ns, name) in GatewayRouteServices(route))
                {
                    AddBackend(route, kind, ns, name);
                }
            }
        }
    }

    /// <summary>Every exposed workload with the paths that expose it.</summary>
    public IReadOnlyDictionary<Workload, List<ExposurePath>> Exposed => exposed;

    public bool IsExposed(Workload w) => exposed.ContainsKey(w);

    public IReadOnlyList<ExposurePath> PathsOf(Workload w) => exposed.TryGetValue(w, out var l) ? l : Array.Empty<ExposurePath>();

    public KubeObject? FindService(string ns, string name) => services.GetValueOrDefault((ns, name));

    /// <summary>The workloads a Service's selector matches (none for a Service without a selector).</summary>
    public IReadOnlyList<Workload> SelectedBy(KubeObject service) => selected.TryGetValue(service, out var l) ? l : Array.Empty<Workload>();

    private void AddService(KubeObject service, string via)
    {
        foreach (var w in SelectedBy(service))
        {
            Add(w, new ExposurePath(via, service, service));
        }
    }

    private void AddBackend(KubeObject exposer, string via, string ns, string serviceName)
    {
        if (FindService(ns, serviceName) is not { } service)
        {
            return;
        }

        foreach (var w in SelectedBy(service))
        {
            Add(w, new ExposurePath(via, exposer, service));
        }
    }

    private void Add(Workload w, ExposurePath path)
    {
        if (!exposed.TryGetValue(w, out var list))
        {
            exposed[w] = list = new List<ExposurePath>();
        }

        if (!list.Contains(path))
        {
            list.Add(path);
        }
    }

    public static IEnumerable<string> IngressBackendServices(V1Ingress ing)
    {
        if (ing.Spec?.DefaultBackend?.Service?.Name is { } d)
        {
            yield return d;
        }

        foreach (var rule in ing.Spec?.Rules ?? new List<V1IngressRule>())
        {
            foreach (var path in rule.Http?.Paths ?? new List<V1HTTPIngressPath>())
            {
                if (path.Backend?.Service?.Name is { } n)
                {
                    yield return n;
                }
            }
        }
    }

    public static IEnumerable<string> OpenShiftRouteServices(JsonObject route)
    {
        var spec = route["spec"] as JsonObject;
        if (spec?["to"] is JsonObject to && (to["kind"]?.ToString() ?? "Service") == "Service" && to["name"]?.ToString() is { Length: > 0 } n)
        {
            yield return n;
        }

        foreach (var alt in spec?["alternateBackends"] as JsonArray ?? new JsonArray())
        {
            if (alt is JsonObject a && (a["kind"]?.ToString() ?? "Service") == "Service" && a["name"]?.ToString() is { Length: > 0 } an)
            {
                yield return an;
            }
        }
    }

    /// <summary>The Services a Gateway API route sends to: backendRefs of kind Service (the default), in the route's namespace unless named.</summary>
    public static IEnumerable<(string Namespace, string Name)> GatewayRouteServices(KubeObject route)
    {
        foreach (var rule in route.Raw?["spec"]?["rules"] as JsonArray ?? new JsonArray())
        {
            foreach (var br in rule?["backendRefs"] as JsonArray ?? new JsonArray())
            {
                if (br is not JsonObject b)
                {
                    continue;
                }

                var kind = b["kind"]?.ToString() ?? "Service";
                var group = b["group"]?.ToString() ?? string.Empty;
                if (kind != "Service" || group.Length > 0 || b["name"]?.ToString() is not { Length: > 0 } name)
                {
                    continue;
                }

                yield return (b["namespace"]?.ToString() ?? route.Namespace ?? "default", name);
            }
        }
    }
}
