using NetSecPS.Core.Checks.Support;
using NetSecPS.Core.Connectivity;

namespace NetSecPS.Core.Checks.Mesh;

/// <summary>MESH-001: Istio-meshed workloads that some allowed connection reaches without mutual TLS.</summary>
internal sealed class Mesh001MtlsNotStrict : Check
{
    public override CheckInfo Info { get; } = new()
    {
        Id = "MESH-001",
        Title = "mTLS not enforced",
        Severity = Severity.High,
        Category = "Mesh",
        Frameworks = new[] { "NSA Encryption", "MITRE T1557" },
        FailsWhen = "Istio is present and an allowed flow reaches a meshed workload without mutual TLS: from a caller without a sidecar or an external address (its effective PeerAuthentication is PERMISSIVE on that port), on a port whose mode is DISABLE, or from a pod outside the snapshot that the policies let in on a port that is not STRICT.",
        AppliesTo = "Istio-meshed workloads outside the excluded namespaces (not Istio gateways), when Istio is present.",
        Rationale = "PERMISSIVE and DISABLE accept plaintext, so a caller outside the mesh, or an attacker on the network, talks to the workload unauthenticated and unencrypted, and identity-based authorization cannot see who it is.",
        Remediation = "Set mtls.mode: STRICT for the namespace (the manifest) or the whole mesh (a PeerAuthentication named default in the root namespace), mesh the callers that send plaintext, and remove PERMISSIVE or DISABLE port-level exceptions once they are meshed.",
        Notes = "Decided per flow, from the connectivity: each flow's mutual TLS (Get-NetSecConnectivity, property Mtls) follows the destination's effective PeerAuthentication (workload selector over namespace over the mesh root namespace, the oldest of competing policies, UNSET inheriting, portLevelMtls per port) and whether each end runs a sidecar. A PERMISSIVE workload that no plaintext caller can reach (policies admit only meshed callers) passes; the evidence names the flows that arrive in plaintext. The root namespace is MeshConfig rootNamespace, else istio-system. Istio gateways are not evaluated here: PeerAuthentication does not configure them, their Gateway servers decide TLS.",
    };

    public override bool NeedsConnectivity => true;

    public override IEnumerable<CheckSubject> Subjects(AuditContext context) =>
        context.Mesh.IstioPresent ? context.EvaluatedWorkloads.Where(w => context.Mesh.IstioEnrolment(w) is not null && !context.Mesh.IsIstioGateway(w)).Select(CheckSubject.Of) : Enumerable.Empty<CheckSubject>();

    public override IEnumerable<Finding> Evaluate(AuditContext context)
    {
        var mesh = context.Mesh;
        if (!mesh.IstioPresent || mesh.Flows is not { } flows)
        {
            yield break;
        }

        var connectivity = context.RequireConnectivity();
        foreach (var w in context.EvaluatedWorkloads)
        {
            if (mesh.IstioEnrolment(w) != "sidecar" || mesh.IsIstioGateway(w))
            {
                continue;
            }

            var pa = mesh.EffectivePeerAuthentication(w);
            var plaintext = flows.PlaintextInto.GetValueOrDefault(w.Peer);
            var unknownCallers = connectivity.FromArbitraryPod(w).Intersect(ConnectionSet.AllPorts("TCP"));
            if (plaintext is null && unknownCallers.IsEmpty)
            {
                continue;
            }

            var decidedBy = pa.Source is null ? "no PeerAuthentication applies (PERMISSIVE by default)" : $"PeerAuthentication {pa.Source.Namespace}/{pa.Source.Name} ({pa.Level} level)";
            var data = new List<EvidenceItem> { new("PeerAuthentication", w.Peer, $"mode {pa.Mode}: {decidedBy}") };
            data.AddRange(pa.WeakPorts.Select(p => new EvidenceItem("PortLevelMtls", $"{w.Peer} port {p.Port}", $"mode {p.Mode}")));
            if (plaintext is not null)
            {
                data.AddRange(plaintext.Flows.Select(f => new EvidenceItem("Flow", $"{f.Source} => {f.Destination}", $"{f.Connections}; {f.Mtls}: {f.MtlsDetail}")));
            }

            if (!unknownCallers.IsEmpty)
            {
                data.Add(new EvidenceItem("UnknownCaller", w.Peer, $"a pod outside the mesh and the snapshot may connect without mTLS on {unknownCallers}"));
            }

            var parts = new List<string>();
            if (plaintext is not null)
            {
                var callers = plaintext.Flows.Select(f => f.Source).Distinct().ToList();
                parts.Add($"{plaintext.Count} allowed flow(s) arrive without mutual TLS (from {string.Join(", ", callers.Take(5))}{(callers.Count > 5 || plaintext.Count > plaintext.Flows.Count ? ", ..." : string.Empty)})");
            }

            if (!unknownCallers.IsEmpty)
            {
                parts.Add($"a pod unknown to the snapshot may connect without mTLS on {unknownCallers}");
            }

            var manifest = pa.Level is "default" or "mesh" && pa.Mode != "STRICT" ? Remediations.StrictPeerAuthentication(w.Namespace) : null;
            var remediation = pa.Level is "workload" or "namespace" ? $"Change PeerAuthentication {pa.Source!.Namespace}/{pa.Source.Name} to mtls.mode: STRICT and drop non-STRICT portLevelMtls entries, once the callers listed are meshed." : null;
            yield return Fail(w, $"{w.Peer} accepts plaintext: {string.Join("; ", parts)}. Effective mTLS mode {pa.Mode}: {decidedBy}"
                + (pa.WeakPorts.Count > 0 ? $"; port(s) {string.Join(", ", pa.WeakPorts.Select(p => $"{p.Port} ({p.Mode})"))}." : "."), data, remediation, manifest);
        }
    }
}
