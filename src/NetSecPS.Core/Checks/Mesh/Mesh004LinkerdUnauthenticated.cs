using NetSecPS.Core.Checks.Support;

namespace NetSecPS.Core.Checks.Mesh;

/// <summary>MESH-004: Linkerd workloads whose default inbound policy admits unauthenticated callers.</summary>
internal sealed class Mesh004LinkerdUnauthenticated : Check
{
    public override CheckInfo Info { get; } = new()
    {
        Id = "MESH-004",
        Title = "Linkerd admits unauthenticated traffic",
        Severity = Severity.Medium,
        Category = "Mesh",
        Frameworks = new[] { "NSA Encryption" },
        FailsWhen = "The effective config.linkerd.io/default-inbound-policy (workload, namespace, else the control plane default all-unauthenticated) is all-unauthenticated or cluster-unauthenticated.",
        AppliesTo = "Linkerd-meshed workloads outside the excluded namespaces, when Linkerd is present.",
        Rationale = "Linkerd's default admits any caller, meshed or not; mTLS is then opportunistic and a pod outside the mesh can still reach every meshed workload.",
        Remediation = "Set config.linkerd.io/default-inbound-policy to all-authenticated, cluster-authenticated or deny on the namespace (or cluster-wide with proxy.defaultInboundPolicy), and authorize callers with Server and AuthorizationPolicy resources.",
        Notes = "Only Linkerd-meshed workloads are checked. The control plane default is read from the linkerd-config ConfigMap (proxy.defaultInboundPolicy, or the older policyController.defaultAllowPolicy) and is all-unauthenticated when not found. Server resources that override the default for some ports do not change the verdict for the others; the evidence names the source of the effective value.",
    };

    public override IEnumerable<CheckSubject> Subjects(AuditContext context) =>
        context.Mesh.LinkerdPresent ? context.EvaluatedWorkloads.Where(context.Mesh.IsLinkerdMeshed).Select(CheckSubject.Of) : Enumerable.Empty<CheckSubject>();

    public override IEnumerable<Finding> Evaluate(AuditContext context)
    {
        var mesh = context.Mesh;
        if (!mesh.LinkerdPresent)
        {
            yield break;
        }

        foreach (var w in context.EvaluatedWorkloads.Where(mesh.IsLinkerdMeshed))
        {
            var (policy, source) = mesh.LinkerdInboundPolicy(w);
            if (policy is not ("all-unauthenticated" or "cluster-unauthenticated"))
            {
                continue;
            }

            yield return Fail(w, $"{w.Peer} admits unauthenticated callers: default inbound policy {policy} from the {source}.",
                new[] { new EvidenceItem("InboundPolicy", w.Peer, $"{MeshState.LinkerdInboundPolicyAnnotation}={policy} ({source})") });
        }
    }
}
