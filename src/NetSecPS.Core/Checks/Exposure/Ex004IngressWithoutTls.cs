using System.Text.Json.Nodes;
using k8s.Models;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Checks.Exposure;

/// <summary>EX-004: hosts served over plain HTTP by an Ingress, Route or Gateway listener.</summary>
internal sealed class Ex004IngressWithoutTls : Check
{
    public override CheckInfo Info { get; } = new()
    {
        Id = "EX-004",
        Title = "Ingress without TLS",
        Severity = Severity.High,
        Category = "Exposure",
        Frameworks = new[] { "NSA Encryption", "MITRE T1040" },
        FailsWhen = "An Ingress (or Route / Gateway listener) serves a host without TLS.",
        AppliesTo = "Ingresses, OpenShift Routes and Gateway API Gateways, in every namespace.",
        Rationale = "Plain HTTP from outside the cluster exposes credentials, session cookies and data to anyone on the path, and lets them tamper with responses.",
        Remediation = "Add a TLS section (Ingress spec.tls with the host and a certificate Secret, Route spec.tls with insecureEdgeTerminationPolicy Redirect or None, an HTTPS listener on the Gateway).",
        Notes = "Ingress: each rule host must appear in some spec.tls[].hosts (a *.example.com entry covers one label); a rule without a host, or a default backend alone, needs a TLS entry without hosts. OpenShift Route: no spec.tls, or insecureEdgeTerminationPolicy: Allow (which also serves HTTP), fails. Gateway: an HTTP listener fails unless every HTTPRoute attached to it only redirects to https. Findings are reported in every namespace, excluded ones included. Comparable control in other tools: kubescape C-0263.",
    };

    public override IEnumerable<CheckSubject> Subjects(AuditContext context) =>
        context.Model.Data.TypedWithSource<V1Ingress>().Select(i => CheckSubject.Of(i.Object))
            .Concat(context.Model.Data.OfKind("Route").Where(r => r.Raw is not null && r.Group == "route.openshift.io").Select(CheckSubject.Of))
            .Concat(context.Model.Data.OfKind("Gateway").Where(g => g.Raw is not null && g.Group == "gateway.networking.k8s.io").Select(CheckSubject.Of));

    public override bool HonoursExcludedNamespaces => false;

    public override IEnumerable<Finding> Evaluate(AuditContext context)
    {
        foreach (var (obj, ing) in context.Model.Data.TypedWithSource<V1Ingress>())
        {
            var tls = ing.Spec?.Tls ?? new List<V1IngressTLS>();
            var tlsHosts = tls.SelectMany(t => t.Hosts ?? new List<string>()).ToList();
            var defaultCert = tls.Any(t => t.Hosts is null || t.Hosts.Count == 0);
            var hosts = (ing.Spec?.Rules ?? new List<V1IngressRule>()).Select(r => r.Host ?? string.Empty).ToList();
            if (hosts.Count == 0 && ing.Spec?.DefaultBackend is not null)
            {
                hosts.Add(string.Empty);
            }

            var plain = hosts.Distinct(StringComparer.Ordinal).Where(h => h.Length == 0 ? !defaultCert : !tlsHosts.Any(t => Covers(t, h))).ToList();
            if (plain.Count > 0)
            {
                var shown = plain.Select(h => h.Length == 0 ? "(any host)" : h).ToList();
                yield return Fail(ResourceName.Of(obj), obj.Namespace, $"Ingress {obj.Namespace}/{obj.Name} serves {string.Join(", ", shown)} without TLS.", obj,
                    shown.Select(h => new EvidenceItem("Host", h, tls.Count == 0 ? "the Ingress has no spec.tls" : "not listed in spec.tls[].hosts")).ToList());
            }
        }

        foreach (var route in context.Model.Data.OfKind("Route").Where(r => r.Raw is not null && r.Group == "route.openshift.io"))
        {
            var spec = route.Raw!["spec"] as JsonObject;
            var host = spec?["host"]?.ToString() ?? "(generated host)";
            var tls = spec?["tls"] as JsonObject;
            var insecure = tls?["insecureEdgeTerminationPolicy"]?.ToString();
            if (tls is not null && !string.Equals(insecure, "Allow", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var why = tls is null ? "the Route has no spec.tls" : "insecureEdgeTerminationPolicy: Allow also serves plain HTTP";
            yield return Fail(ResourceName.Of(route), route.Namespace, $"Route {route.Namespace}/{route.Name} serves {host} without TLS: {why}.", route,
                new[] { new EvidenceItem("Host", host, why) });
        }

        var routes = context.Model.Data.OfKind("HTTPRoute").Where(r => r.Raw is not null && r.Group == "gateway.networking.k8s.io").ToList();
        foreach (var gw in context.Model.Data.OfKind("Gateway").Where(g => g.Raw is not null && g.Group == "gateway.networking.k8s.io"))
        {
            var data = new List<EvidenceItem>();
            foreach (var listener in (gw.Raw!["spec"]?["listeners"] as JsonArray ?? new JsonArray()).OfType<JsonObject>())
            {
                if (!string.Equals(listener["protocol"]?.ToString(), "HTTP", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                var name = listener["name"]?.ToString() ?? string.Empty;
                var attached = routes.Where(r => AttachesTo(r, gw, listener)).ToList();
                if (attached.Count > 0 && attached.All(RedirectsToHttps))
                {
                    continue;
                }

                data.Add(new EvidenceItem("Listener", $"Gateway {gw.Namespace}/{gw.Name} listener {name}",
                    $"HTTP on port {listener["port"]} for {listener["hostname"]?.ToString() ?? "any host"}" + (attached.Count > 0 ? $"; routes {string.Join(", ", attached.Select(a => a.Name))} serve content over it" : string.Empty)));
            }

            if (data.Count > 0)
            {
                yield return Fail(ResourceName.Of(gw), gw.Namespace, $"Gateway {gw.Namespace}/{gw.Name} serves plain HTTP: {string.Join("; ", data.Select(d => d.Subject[(d.Subject.LastIndexOf(' ') + 1)..] + " " + d.Detail))}.", gw, data);
            }
        }
    }

    /// <summary>TLS host patterns: exact, or <c>*.example.com</c> covering exactly one more label.</summary>
    private static bool Covers(string tlsHost, string host)
    {
        if (string.Equals(tlsHost, host, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (tlsHost.StartsWith("*.", StringComparison.Ordinal) && host.IndexOf('.', StringComparison.Ordinal) is var dot and > 0)
        {
            return string.Equals(host[(dot + 1)..], tlsHost[2..], StringComparison.OrdinalIgnoreCase);
        }

        return false;
    }

    private static bool AttachesTo(KubeObject route, KubeObject gateway, JsonObject listener) =>
        (route.Raw!["spec"]?["parentRefs"] as JsonArray ?? new JsonArray()).OfType<JsonObject>().Any(p =>
            (p["kind"]?.ToString() ?? "Gateway") == "Gateway"
            && p["name"]?.ToString() == gateway.Name
            && (p["namespace"]?.ToString() ?? route.Namespace) == gateway.Namespace
            && (p["sectionName"] is null || p["sectionName"]!.ToString() == listener["name"]?.ToString())
            && (p["port"] is null || p["port"]!.ToString() == listener["port"]?.ToString()));

    private static bool RedirectsToHttps(KubeObject route)
    {
        var rules = (route.Raw!["spec"]?["rules"] as JsonArray ?? new JsonArray()).OfType<JsonObject>().ToList();
        return rules.Count > 0 && rules.All(r => (r["filters"] as JsonArray ?? new JsonArray()).OfType<JsonObject>().Any(f =>
            f["type"]?.ToString() == "RequestRedirect" && string.Equals(f["requestRedirect"]?["scheme"]?.ToString(), "https", StringComparison.OrdinalIgnoreCase)));
    }
}
