using System.Text.Json.Nodes;
using NetSecPS.Core.Model;

namespace NetSecPS.Core.Checks.Detection;

/// <summary>DET-002: nobody can see which connections actually happen.</summary>
internal sealed class Det002FlowVisibility : Check
{
    public override CheckInfo Info { get; } = new()
    {
        Id = "DET-002",
        Title = "No network flow visibility",
        Severity = Severity.Info,
        Category = "Detection",
        Frameworks = new[] { "NSA Logging" },
        FailsWhen = "No flow observability (Hubble relay, Calico flow logs, Retina, Kubeshark, an Istio telemetry stack).",
        AppliesTo = "The cluster.",
        Rationale = "Policies say what may happen; flow logs show what does. Without them, blocked attacks, unexpected paths and policy regressions are invisible, and tightening policies is guesswork.",
        Remediation = "Turn on the CNI's flow observability (Cilium Hubble with hubble-relay, Calico flow logs), deploy Retina or Kubeshark, or run Istio with its telemetry (Kiali, Telemetry resources).",
        Notes = "One cluster-wide finding. Recognised: a hubble-relay workload; a FelixConfiguration with flowLogsFileEnabled; a retina-agent workload; kubeshark workloads; Istio together with Kiali or a telemetry.istio.io Telemetry resource.",
    };

    public override IEnumerable<CheckSubject> Subjects(AuditContext context) =>
        new[] { CheckSubject.OfCluster(context) };

    public override bool HonoursExcludedNamespaces => false;

    public override IEnumerable<Finding> Evaluate(AuditContext context)
    {
        var found = Find(context);
        if (found is not null)
        {
            context.Sink.Verbose($"DET-002: flow visibility from {found}.");
            yield break;
        }

        var cluster = ResourceName.Cluster(context);
        yield return Fail(cluster, null, "No flow observability was found (no hubble-relay, Calico flow logs, Retina, Kubeshark or Istio telemetry).", null,
            new[] { new EvidenceItem("Detection", cluster, $"{context.Model.Workloads.Count} workload(s) inspected") });
    }

    private static string? Find(AuditContext context)
    {
        static bool Named(Workload w, string name) => w.Name.StartsWith(name, StringComparison.Ordinal);
        if (context.Model.Workloads.FirstOrDefault(w => Named(w, "hubble-relay") || Named(w, "retina-agent") || Named(w, "retina") || Named(w, "kubeshark")) is { } w)
        {
            return w.Peer;
        }

        foreach (var felix in context.Model.Data.OfKind("FelixConfiguration").Where(o => o.Raw is not null))
        {
            if (felix.Raw!["spec"]?["flowLogsFileEnabled"] is JsonValue v && v.TryGetValue<bool>(out var on) && on)
            {
                return $"FelixConfiguration {felix.Name} flowLogsFileEnabled";
            }
        }

        if (context.Mesh.IstioPresent)
        {
            if (context.Model.Workloads.FirstOrDefault(x => Named(x, "kiali")) is { } kiali)
            {
                return $"Istio with {kiali.Peer}";
            }

            if (context.Model.Data.OfKind("Telemetry").FirstOrDefault(o => o.Group == "telemetry.istio.io") is { } telemetry)
            {
                return $"Istio with Telemetry {telemetry.Key}";
            }
        }

        return null;
    }
}
