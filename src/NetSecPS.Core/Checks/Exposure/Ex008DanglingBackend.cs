using k8s.Models;
using NetSecPS.Core.Checks.Support;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Checks.Exposure;

/// <summary>EX-008: routes to Services that do not exist and Services that select no pod.</summary>
internal sealed class Ex008DanglingBackend : Check
{
    public override CheckInfo Info { get; } = new()
    {
        Id = "EX-008",
        Title = "Dangling backend",
        Severity = Severity.Medium,
        Category = "Exposure",
        Frameworks = Array.Empty<string>(),
        FailsWhen = "An Ingress/Route/HTTPRoute backend Service does not exist, or a Service selects no pod.",
        AppliesTo = "Ingresses, OpenShift Routes and Gateway API HTTPRoutes, and Services with a pod selector (not ExternalName) whose absence of pods can be told.",
        Rationale = "A dangling route or selector is a takeover risk: whoever creates the missing Service, or a pod with the selected labels, receives the traffic meant for the application.",
        Remediation = "Delete the route or Service that points nowhere, or fix the name or selector to the intended backend.",
        Notes = "Services without a selector (manual Endpoints, ExternalName) are not checked. With manifest input, a backend Service is only called missing when the input holds Services of its namespace, and a selector only called empty when the input holds workloads of its namespace, so partial inputs do not produce noise. Findings are reported in every namespace, excluded ones included. Comparable control in other tools: kubescape C-0298, C-0293.",
    };

    public override IEnumerable<CheckSubject> Subjects(AuditContext context)
    {
        var data = context.Model.Data;
        var live = data.Provenance.SourceKind != "files";
        foreach (var (obj, _) in data.TypedWithSource<V1Ingress>())
        {
            yield return CheckSubject.Of(obj);
        }

        foreach (var route in data.OfKind("Route").Where(r => r.Raw is not null && r.Group == "route.openshift.io")
            .Concat(data.OfKind("HTTPRoute").Where(r => r.Raw is not null && r.Group == "gateway.networking.k8s.io")))
        {
            yield return CheckSubject.Of(route);
        }

        // A Service whose pods cannot be in the input (manifest mode, no workload in its namespace) is not judged.
        var workloadNamespaces = context.Model.Workloads.Select(w => w.Namespace).ToHashSet(StringComparer.Ordinal);
        foreach (var (obj, svc) in data.TypedWithSource<V1Service>())
        {
            if (svc.Spec?.Selector is { Count: > 0 } && svc.Spec.Type != "ExternalName" && (live || workloadNamespaces.Contains(obj.Namespace ?? "default")))
            {
                yield return SubjectSets.ServiceSubject(obj);
            }
        }
    }

    public override bool HonoursExcludedNamespaces => false;

    public override IEnumerable<Finding> Evaluate(AuditContext context)
    {
        var data = context.Model.Data;
        var live = data.Provenance.SourceKind != "files";
        var servicesByNs = data.TypedWithSource<V1Service>().Select(s => s.Object.Namespace ?? "default").ToHashSet(StringComparer.Ordinal);
        bool CanTell(string ns) => live || servicesByNs.Contains(ns);

        foreach (var (obj, ing) in data.TypedWithSource<V1Ingress>())
        {
            var ns = obj.Namespace ?? "default";
            foreach (var f in Missing(obj, "Ingress", ExposureIndex.IngressBackendServices(ing).Select(n => (ns, n)), context, CanTell))
            {
                yield return f;
            }
        }

        foreach (var route in data.OfKind("Route").Where(r => r.Raw is not null && r.Group == "route.openshift.io"))
        {
            var ns = route.Namespace ?? "default";
            foreach (var f in Missing(route, "Route", ExposureIndex.OpenShiftRouteServices(route.Raw!).Select(n => (ns, n)), context, CanTell))
            {
                yield return f;
            }
        }

        foreach (var route in data.OfKind("HTTPRoute").Where(r => r.Raw is not null && r.Group == "gateway.networking.k8s.io"))
        {
            foreach (var f in Missing(route, "HTTPRoute", ExposureIndex.GatewayRouteServices(route), context, CanTell))
            {
                yield return f;
            }
        }

        var workloadNamespaces = context.Model.Workloads.Select(w => w.Namespace).ToHashSet(StringComparer.Ordinal);
        foreach (var (obj, svc) in data.TypedWithSource<V1Service>())
        {
            var ns = obj.Namespace ?? "default";
            var selector = svc.Spec?.Selector;
            if (selector is null || selector.Count == 0 || svc.Spec?.Type == "ExternalName" || context.Exposure.SelectedBy(obj).Count > 0 || !(live || workloadNamespaces.Contains(ns)))
            {
                continue;
            }

            var text = string.Join(",", selector.Select(kv => $"{kv.Key}={kv.Value}"));
            yield return Fail(ResourceName.Of(obj), ns, $"Service {ns}/{obj.Name} selects pods with {text}, and no pod in namespace {ns} has those labels.", obj,
                new[] { new EvidenceItem("Selector", $"Service {ns}/{obj.Name} spec.selector", text) });
        }
    }

    private IEnumerable<Finding> Missing(KubeObject exposer, string kind, IEnumerable<(string Ns, string Name)> backends, AuditContext context, Func<string, bool> canTell)
    {
        var missing = backends.Distinct().Where(b => canTell(b.Ns) && context.Exposure.FindService(b.Ns, b.Name) is null).ToList();
        if (missing.Count == 0)
        {
            yield break;
        }

        yield return Fail(ResourceName.Of(exposer), exposer.Namespace,
            $"{kind} {exposer.Namespace}/{exposer.Name} routes to Service(s) that do not exist: {string.Join(", ", missing.Select(m => $"{m.Ns}/{m.Name}"))}.", exposer,
            missing.Select(m => new EvidenceItem("Backend", $"Service {m.Ns}/{m.Name}", "not found")).ToList());
    }
}
