using NetSecPS.Core.Checks.Support;

namespace NetSecPS.Core.Checks.Mesh;

/// <summary>MESH-003: Istio-meshed workloads that every caller may call.</summary>
public sealed class Mesh003NoAuthorizationPolicy : Check
{
    public override CheckInfo Info { get; } = new()
    {
        Id = "MESH-003",
        Title = "No authorization policy",
        Severity = Severity.Medium,
        Category = "Mesh",
        Frameworks = Array.Empty<string>(),
        FailsWhen = "An Istio-meshed workload has no ALLOW AuthorizationPolicy applying to it, so every caller is allowed.",
        AppliesTo = "Istio-meshed workloads outside the excluded namespaces, when Istio is present.",
        Rationale = "mTLS proves who is calling; only an ALLOW policy turns that identity into a decision. Without one, every meshed workload may call every other.",
        Remediation = "Add ALLOW AuthorizationPolicies that name the callers (source principals or namespaces) and operations the workload serves; an ALLOW policy with no rules denies everything until rules are added.",
        Notes = "A policy applies when it is in the root namespace without a selector (mesh-wide), in the workload's namespace without a selector, or selects the workload's labels. Policies attached with targetRef(s) (waypoints, gateways) are not counted. An ALLOW policy with an empty rule (rules: [{}]) admits every caller and does not count; DENY, AUDIT and CUSTOM policies do not count.",
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
            if (mesh.IstioEnrolment(w) is null)
            {
                continue;
            }

            var applying = mesh.AuthorizationPoliciesFor(w).ToList();
            var allow = applying.Where(a => MeshState.ActionOf(a) == "ALLOW").ToList();
            if (allow.Any(a => !MeshState.AllowsEveryone(a)))
            {
                continue;
            }

            var data = applying.Select(a => new EvidenceItem("AuthorizationPolicy", $"{a.Namespace}/{a.Name}",
                MeshState.ActionOf(a) == "ALLOW" ? "ALLOW with an empty rule: admits every caller" : $"{MeshState.ActionOf(a)}: does not restrict callers by itself")).ToList();
            if (data.Count == 0)
            {
                data.Add(new EvidenceItem("AuthorizationPolicy", w.Peer, $"no AuthorizationPolicy applies (none selects it, none is namespace-wide in {w.Namespace} or mesh-wide in {mesh.IstioRootNamespace})"));
            }

            yield return Fail(w, $"No ALLOW AuthorizationPolicy restricts the callers of {w.Peer}"
                + (applying.Count > 0 ? $"; applying: {string.Join(", ", data.Select(d => d.Subject + " (" + d.Detail + ")"))}." : "; none applies at all."), data);
        }
    }
}
