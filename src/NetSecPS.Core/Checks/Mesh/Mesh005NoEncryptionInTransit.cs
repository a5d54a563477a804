namespace NetSecPS.Core.Checks.Mesh;

/// <summary>MESH-005: nothing encrypts pod-to-pod traffic.</summary>
internal sealed class Mesh005NoEncryptionInTransit : Check
{
    public override CheckInfo Info { get; } = new()
    {
        Id = "MESH-005",
        Title = "No encryption in transit detected",
        Severity = Severity.Info,
        Category = "Mesh",
        Frameworks = new[] { "NSA Encryption", "MITRE T1040" },
        FailsWhen = "No mesh encrypts any flow (no Linkerd, and no flow carried by Istio mutual TLS), and no CNI encryption (Cilium WireGuard/IPsec, Calico WireGuard).",
        AppliesTo = "The cluster.",
        Rationale = "Without a mesh or CNI encryption, pod-to-pod traffic crosses the node network in plaintext; anyone with access to that network can read it.",
        Remediation = "Enable transparent encryption in the CNI (Cilium encryption.type wireguard or ipsec, Calico wireguardEnabled in FelixConfiguration) or adopt a service mesh with mTLS.",
        Notes = "One cluster-wide finding. Also recognised as encryption: Antrea trafficEncryptionMode wireguard/ipsec, Flannel's WireGuard backend and Weave Net's encryption. Istio counts when some allowed flow runs between two sidecars (mutual TLS); an Istio whose policies exist but that meshes no workload encrypts nothing. With manifest input that holds no CNI DaemonSet or configuration, nothing can be detected and the check fails.",
    };

    public override IEnumerable<CheckSubject> Subjects(AuditContext context) =>
        new[] { CheckSubject.OfCluster(context) };

    public override IEnumerable<Finding> Evaluate(AuditContext context)
    {
        var mesh = context.Mesh;
        // Without the engine, Istio's presence stands in for its flows.
        var istioEncrypts = mesh.IstioPresent && (mesh.Flows?.AnyMutualTls ?? context.Connectivity is null);
        if (mesh.LinkerdPresent || istioEncrypts || context.Cni.Encryption is not null)
        {
            yield break;
        }

        var cluster = ResourceName.Cluster(context);
        if (mesh.IstioPresent)
        {
            yield return Fail(cluster, null, $"Istio is present ({mesh.IstioEvidence}) but no allowed flow runs between two sidecars, so mutual TLS carries nothing, and the network plugin ({context.Cni.Describe()}) has no encryption switched on.", null,
                new[] { new EvidenceItem("Cluster", cluster, $"mesh: Istio, no flow with mutual TLS; CNI: {context.Cni.Describe()}; encryption: none") });
            yield break;
        }

        yield return Fail(cluster, null, context.Cni.Identified ? $"No service mesh was found and the network plugin ({context.Cni.Describe()}) has no encryption switched on." : "No service mesh and no known network plugin were found, so nothing encrypts pod-to-pod traffic.", null,
            new[] { new EvidenceItem("Cluster", cluster, $"mesh: none; CNI: {context.Cni.Describe()}; encryption: none") });
    }
}
