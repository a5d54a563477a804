using NetSecPS.Core.Connectivity;

namespace NetSecPS.Core.Checks.Mesh;

/// <summary>MESH-002: workloads left out of the mesh that the cluster runs.</summary>
internal sealed class Mesh002OutsideMesh : Check
{
    public override CheckInfo Info { get; } = new()
    {
        Id = "MESH-002",
        Title = "Workload outside the mesh",
        Severity = Severity.Medium,
        Category = "Mesh",
        Frameworks = new[] { "NSA Encryption" },
        FailsWhen = "A mesh is present and the workload has no sidecar and no ambient enrolment (namespace label istio-injection=enabled/istio.io/rev/istio.io/dataplane-mode=ambient, in a namespace without injection labels the pod label sidecar.istio.io/inject=true or istio.io/rev, linkerd.io/inject; istio-injection=disabled or a pod's sidecar.istio.io/inject=false label or annotation keeps the sidecar out).",
        AppliesTo = "Workloads outside the excluded namespaces with no pod on the host network and not part of a mesh control plane, when a mesh is present.",
        Rationale = "A workload outside the mesh sends and receives plaintext, has no workload identity for authorization policies, and forces meshed neighbours to keep PERMISSIVE mode for it; where they are STRICT its calls are refused.",
        Remediation = "Enable injection for the namespace (istio-injection=enabled, istio.io/rev, istio.io/dataplane-mode=ambient, or the linkerd.io/inject=enabled annotation) and restart the workload, or record why it must stay outside in the exceptions file.",
        Notes = "A mesh is Istio or Linkerd detected from control-plane workloads, mesh policies, injection labels or proxies. Real pods count as meshed only when they run the proxy; pod templates when injection is asked for; the connectivity uses the same reading. With Istio the evidence comes from the flows: the flows the workload sends into meshed workloads in plaintext, and the connections the network allows it but meshed workloads refuse (STRICT mTLS, or authorization by identity it cannot present). The meshes' own control planes and hostNetwork workloads (which cannot be meshed; see HN-001) are not counted.",
    };

    public override bool NeedsConnectivity => true;

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
        var meshed = mesh.IstioPresent ? context.Model.Workloads.Where(w => mesh.IstioEnrolment(w) == "sidecar").ToList() : new List<Model.Workload>();
        foreach (var w in context.EvaluatedWorkloads.Where(w => !w.Pods.Any(p => p.HostNetwork) && !mesh.IsControlPlane(w)))
        {
            if (mesh.IstioEnrolment(w) is not null || mesh.IsLinkerdMeshed(w))
            {
                continue;
            }

            var real = w.Pods.Any(p => !p.FromTemplate);
            var data = new List<EvidenceItem> { new("Enrolment", w.Peer, real ? "running pods without istio-proxy or linkerd-proxy" : "no injection label or annotation on the pod template or its namespace") };
            var evidence = $"{w.Peer} has no mesh proxy and no ambient enrolment, while {meshes} is present" + (real ? " (its running pods have no proxy container)" : string.Empty);
            if (mesh.Flows?.PlaintextFrom.GetValueOrDefault(w.Peer) is { } plaintext)
            {
                data.AddRange(plaintext.Flows.Select(f => new EvidenceItem("PlaintextFlow", $"{f.Source} => {f.Destination}", $"{f.Connections}; {f.MtlsDetail}")));
                evidence += $"; {plaintext.Count} of its flows reach meshed workloads in plaintext";
            }

            var refused = Refused(context, w, meshed);
            if (refused.Count > 0)
            {
                data.AddRange(refused.Take(Support.MeshFlows.Examples).Select(r => new EvidenceItem("RefusedByMesh", $"{w.Peer} => {r.Destination.Peer}", $"{r.Connections}: the network allows it, the destination's sidecar refuses it")));
                evidence += $"; {refused.Count} meshed workload(s) refuse connections the network allows it (STRICT mTLS or authorization by identity): {string.Join(", ", refused.Take(5).Select(r => $"{r.Destination.Peer} ({r.Connections})"))}{(refused.Count > 5 ? ", ..." : string.Empty)}";
            }

            yield return Fail(w, evidence + ".", data);
        }
    }

    /// <summary>The TCP connections the CNI lets the workload open to meshed workloads that their sidecars refuse to a caller without identity.</summary>
    private static List<(Model.Workload Destination, ConnectionSet Connections)> Refused(AuditContext context, Model.Workload source, List<Model.Workload> meshed)
    {
        var result = new List<(Model.Workload, ConnectionSet)>();
        if (context.Connectivity is not { } connectivity)
        {
            return result;
        }

        var tcp = ConnectionSet.AllPorts("TCP");
        foreach (var d in meshed)
        {
            if (ReferenceEquals(d, source))
            {
                continue;
            }

            var allowed = connectivity.Between(source, d).Intersect(tcp);
            if (allowed.Equals(tcp))
            {
                continue;
            }

            var refused = connectivity.AllowedByLayer(source, d, PolicyLayer.Cni).Intersect(tcp).Subtract(allowed);
            if (!refused.IsEmpty)
            {
                result.Add((d, refused));
            }
        }

        return result;
    }
}
