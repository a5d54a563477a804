using NetSecPS.Core.Connectivity;
using k8s.Models;
using NetSecPS.Core.Checks.Support;

namespace NetSecPS.Core.Checks.Exposure;

/// <summary>EX-001: a public LoadBalancer that accepts clients from anywhere.</summary>
internal sealed class Ex001LoadBalancerOpen : Check
{
    /// <summary>Annotations that make a cloud load balancer internal, with the values that do.</summary>
    private static readonly (string Annotation, Func<string, bool> Internal)[] InternalAnnotations =
    {
        ("service.beta.kubernetes.io/aws-load-balancer-internal", v => !v.Equals("false", StringComparison.OrdinalIgnoreCase) && v.Length > 0),
        ("service.beta.kubernetes.io/aws-load-balancer-scheme", v => v.Equals("internal", StringComparison.OrdinalIgnoreCase)),
        ("service.beta.kubernetes.io/azure-load-balancer-internal", v => v.Equals("true", StringComparison.OrdinalIgnoreCase)),
        ("networking.gke.io/load-balancer-type", v => v.Equals("Internal", StringComparison.OrdinalIgnoreCase)),
        ("cloud.google.com/load-balancer-type", v => v.Equals("Internal", StringComparison.OrdinalIgnoreCase)),
    };

    private const string SourceRangesAnnotation = "service.beta.kubernetes.io/load-balancer-source-ranges";

    public override CheckInfo Info { get; } = new()
    {
        Id = "EX-001",
        Title = "LoadBalancer open to the internet",
        Severity = Severity.High,
        Category = "Exposure",
        Frameworks = new[] { "MITRE T1190" },
        FailsWhen = "A LoadBalancer Service has no loadBalancerSourceRanges and no internal-load-balancer annotation (AWS, Azure, GCP).",
        AppliesTo = "Services of type LoadBalancer, in every namespace.",
        Rationale = "A public load balancer without source ranges accepts connections from the whole internet; NetworkPolicy often cannot help because the client address is lost on the way in (EX-007).",
        Remediation = "Limit the load balancer to the client ranges that need it (spec.loadBalancerSourceRanges; the manifest is a merge patch with a placeholder range), or make it internal with the cloud's annotation.",
        Notes = "Internal annotations: service.beta.kubernetes.io/aws-load-balancer-internal (any value but false), service.beta.kubernetes.io/aws-load-balancer-scheme=internal, service.beta.kubernetes.io/azure-load-balancer-internal=true, networking.gke.io/load-balancer-type=Internal, cloud.google.com/load-balancer-type=Internal. Source ranges given by the service.beta.kubernetes.io/load-balancer-source-ranges annotation count; a range list containing 0.0.0.0/0 or ::/0 counts as none. Findings are reported in every namespace, excluded ones included. Comparable control in other tools: kubescape C-0256.",
    };

    public override IEnumerable<CheckSubject> Subjects(AuditContext context) =>
        SubjectSets.Services(context, "LoadBalancer");

    public override bool HonoursExcludedNamespaces => false;

    public override IEnumerable<Finding> Evaluate(AuditContext context)
    {
        foreach (var (obj, svc) in context.Model.Data.TypedWithSource<V1Service>())
        {
            if (svc.Spec?.Type != "LoadBalancer")
            {
                continue;
            }

            var annotations = svc.Metadata?.Annotations ?? new Dictionary<string, string>();
            var internalBy = InternalAnnotations.FirstOrDefault(a => annotations.TryGetValue(a.Annotation, out var v) && a.Internal(v ?? string.Empty));
            if (internalBy.Annotation is not null)
            {
                continue;
            }

            var ranges = (svc.Spec.LoadBalancerSourceRanges ?? new List<string>()).ToList();
            if (ranges.Count == 0 && annotations.TryGetValue(SourceRangesAnnotation, out var annotated) && !string.IsNullOrWhiteSpace(annotated))
            {
                ranges = annotated.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
            }

            var open = ranges.Where(r => IpRange.TryParseCidr(r?.Trim(), out _, out var prefix) && prefix == 0).ToList();
            if (ranges.Count > 0 && open.Count == 0)
            {
                continue;
            }

            var ns = obj.Namespace ?? "default";
            var backends = context.Exposure.SelectedBy(obj).Select(w => w.Peer).ToList();
            var evidence = (ranges.Count == 0 ? $"LoadBalancer Service {ns}/{obj.Name} has no loadBalancerSourceRanges and no internal-load-balancer annotation"
                    : $"LoadBalancer Service {ns}/{obj.Name} admits {string.Join(", ", open)}")
                + $"; ports {string.Join(", ", (svc.Spec.Ports ?? new List<V1ServicePort>()).Select(p => $"{p.Port}/{p.Protocol ?? "TCP"}"))}"
                + (backends.Count > 0 ? $"; backends {string.Join(", ", backends)}." : ".");
            var data = new List<EvidenceItem> { new("Service", $"Service {ns}/{obj.Name}", ranges.Count == 0 ? "loadBalancerSourceRanges: none" : $"loadBalancerSourceRanges: {string.Join(", ", ranges)}") };
            data.AddRange(backends.Select(b => new EvidenceItem("Backend", b, "selected by the Service")));
            yield return Fail(ResourceName.Of(obj), ns, evidence, obj, data, manifest: Remediations.LoadBalancerSourceRanges(ns, obj.Name));
        }
    }
}
