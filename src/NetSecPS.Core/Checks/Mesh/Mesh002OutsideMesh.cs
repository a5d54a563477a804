namespace NetSecPS.Core.Checks.Mesh;

/// <summary>MESH-002: workloads left out of the mesh that the cluster runs.</summary>
public sealed class Mesh002OutsideMesh : Check
{
    public override CheckInfo Info { get; } = new()
    {
        Id = "MESH-002",
        Title = "Workload outside the mesh",
        Severity = Severity.Medium,
        Category = "Mesh",
        Frameworks = new[] { "NSA Encryption" },
        FailsWhen = "A mesh is present and the workload has no sidecar and no ambient enrolment (namespace label istio-injection / istio.io/rev / istio.io/dataplane-mode=ambient, pod annotation sidecar.istio.io/inject, linkerd.io/inject).",
        AppliesTo = "Workloads outside the excluded namespaces with no pod on the host network and not part of a mesh control plane, when a mesh is present.",
        Rationale = "A workload outside the mesh sends and receives plaintext, has no workload identity for authorization policies, and forces meshed neighbours to keep PERMISSIVE mode for it.",
        Remediation = "Enable injection for the namespace (istio-injection=enabled, istio.io/rev, istio.io/dataplane-mode=ambient, or the linkerd.io/inject=enabled annotation) and restart the workload, or record why it must stay outside in the exceptions file.",
        Notes = "A mesh is Istio or Linkerd detected from control-plane workloads, mesh policies, injection labels or proxies. Real pods count as meshed only when they run the proxy; pod templates when injection is asked for. The meshes' own control planes and hostNetwork workloads (which cannot be meshed; see HN-001) are not counted.",
    };

    public override IEnumerable<CheckSubject> Subjects(AuditContext context) =>
        context.Mesh.AnyMesh ? context.EvaluatedWorkloads.Where(w => !w.Pods.Any(p => p.HostNetwork) && !context.Mesh.IsControlPlane(w)).Select(CheckSubject.Of) : Enumerable.Empty<CheckSubject>();

    public override IEnumerable<Finding> Evaluate(AuditContext context)
    {
        var mesh = context.Mesh;
        if (!mesh.AnyMesh)
        {
            yield break;
        }

        var meshes = string.Join(" and ", new[] { mesh.IstioPresent ? $"Istio ({mesh.IstioEvidence})" : null, mesh.LinkerdPresent ? $"Linkerd ({mesh.LinkerdEvidence})" : null }.OfType<string>());
        foreach (var w in context.EvaluatedWorkloads.Where(w => !w.Pods.Any(p => p.HostNetwork) && !mesh.IsControlPlane(w)))
        {
            if (mesh.IstioEnrolment(w) is not null || mesh.IsLinkerdMeshed(w))
            {
                continue;
            }

            var real = w.Pods.Any(p => !p.FromTemplate);
            yield return Fail(w, $"{w.Peer} has no mesh proxy and no ambient enrolment, while {meshes} is present" + (real ? " (its running pods have no proxy container)." : "."),
                new[] { new EvidenceItem("Enrolment", w.Peer, real ? "running pods without istio-proxy or linkerd-proxy" : "no injection label or annotation on the pod template or its namespace") });
        }
    }
}
