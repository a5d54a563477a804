using NetSecPS.Core.Checks.Support;

namespace NetSecPS.Core.Checks.Mesh;

/// <summary>MESH-001: Istio-meshed workloads that still accept plaintext.</summary>
public sealed class Mesh001MtlsNotStrict : Check
{
    public override CheckInfo Info { get; } = new()
    {
        Id = "MESH-001",
        Title = "mTLS not enforced",
        Severity = Severity.High,
        Category = "Mesh",
        Frameworks = new[] { "NSA Encryption", "MITRE T1557" },
        FailsWhen = "Istio is present and a meshed workload's effective PeerAuthentication mode is not STRICT (workload selector over namespace over mesh root namespace; unset means PERMISSIVE); a portLevelMtls DISABLE or PERMISSIVE fails for that port.",
        AppliesTo = "Istio-meshed workloads outside the excluded namespaces, when Istio is present.",
        Rationale = "PERMISSIVE accepts plaintext beside mTLS, so any pod outside the mesh, or an attacker on the network, can talk to the workload unauthenticated and unencrypted.",
        Remediation = "Set mtls.mode: STRICT for the namespace (the manifest) or the whole mesh (a PeerAuthentication named default in the root namespace), and remove PERMISSIVE or DISABLE port-level exceptions once clients are meshed.",
        Notes = "Meshed means an istio-proxy sidecar (for real pods, only a pod that runs one; for pod templates, injection asked by namespace label istio-injection=enabled or istio.io/rev, or by the pod's sidecar.istio.io/inject) or ambient enrolment (istio.io/dataplane-mode=ambient on the pod or its namespace). The root namespace is MeshConfig rootNamespace, else istio-system. A level whose mode is UNSET inherits from the next. Among several workload-level policies matching one workload the oldest applies, as in Istio.",
    };

    public override IEnumerable<CheckSubject> Subjects(AuditContext context) =>
        context.Mesh.IstioPresent ? context.EvaluatedWorkloads.Where(w => context.Mesh.IstioEnrolment(w) is not null).Select(CheckSubject.Of) : Enumerable.Empty<CheckSubject>();

    public override IEnumerable<Finding> Evaluate(AuditContext context)
    {
        var mesh = context.Mesh;
        if (!mesh.IstioPresent)
        {
            yield break;
        }

        foreach (var w in context.EvaluatedWorkloads)
        {
            var enrolment = mesh.IstioEnrolment(w);
            if (enrolment is null)
            {
                continue;
            }

            var pa = mesh.EffectivePeerAuthentication(w);
            if (pa.Mode == "STRICT" && pa.WeakPorts.Count == 0)
            {
                continue;
            }

            var decidedBy = pa.Source is null ? "no PeerAuthentication applies (PERMISSIVE by default)" : $"PeerAuthentication {pa.Source.Namespace}/{pa.Source.Name} ({pa.Level} level)";
            var data = new List<EvidenceItem> { new("PeerAuthentication", w.Peer, $"mode {pa.Mode}: {decidedBy}; enrolled by {enrolment}") };
            data.AddRange(pa.WeakPorts.Select(p => new EvidenceItem("PortLevelMtls", $"{w.Peer} port {p.Port}", $"mode {p.Mode}")));
            var evidence = pa.Mode != "STRICT"
                ? $"{w.Peer} ({enrolment}) has effective mTLS mode {pa.Mode}: {decidedBy}."
                : $"{w.Peer} ({enrolment}) is STRICT except port(s) {string.Join(", ", pa.WeakPorts.Select(p => $"{p.Port} ({p.Mode})"))}.";
            var manifest = pa.Level is "default" or "mesh" && pa.Mode != "STRICT" ? Remediations.StrictPeerAuthentication(w.Namespace) : null;
            var remediation = pa.Level is "workload" or "namespace" ? $"Change PeerAuthentication {pa.Source!.Namespace}/{pa.Source.Name} to mtls.mode: STRICT and drop non-STRICT portLevelMtls entries." : null;
            yield return Fail(w, evidence, data, remediation, manifest);
        }
    }
}
