using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Policy;

namespace NetSecPS.Core.Checks.Mesh;

/// <summary>MESH-003: Istio-meshed workloads that every caller may call.</summary>
internal sealed class Mesh003NoAuthorizationPolicy : Check
{
    public override CheckInfo Info { get; } = new()
    {
        Id = "MESH-003",
        Title = "No authorization policy",
        Severity = Severity.Medium,
        Category = "Mesh",
        Frameworks = Array.Empty<string>(),
        FailsWhen = "An Istio-meshed workload has no ALLOW AuthorizationPolicy applying to it, or one whose rule admits any caller on every port, so the mesh lets every caller in.",
        AppliesTo = "Istio-meshed workloads outside the excluded namespaces, when Istio is present.",
        Rationale = "mTLS proves who is calling; only an ALLOW policy turns that identity into a decision. Without one, every meshed workload may call every other.",
        Remediation = "Add ALLOW AuthorizationPolicies that name the callers (source principals or namespaces) and operations the workload serves; an ALLOW policy with no rules denies everything until rules are added.",
        Notes = "Read from the mesh layer of the policy model, the one the connectivity evaluates: a policy applies when it is in the root namespace (without a selector, or with one that selects the workload in any namespace), in the workload's namespace without a selector, selects the workload's labels, or targets the Gateway whose pods the workload runs. An ALLOW rule admits any caller when its sources (none, principals \"*\", namespaces \"*\", not-forms that exclude nothing a stranger holds) would match a meshed pod of an unrelated namespace, on every TCP port the sidecar intercepts. DENY, AUDIT and CUSTOM policies do not count. The evidence lists the flows the mesh admits into the workload.",
    };

    public override bool NeedsConnectivity => true;

    public override IEnumerable<CheckSubject> Subjects(AuditContext context) =>
        context.Mesh.IstioPresent ? context.EvaluatedWorkloads.Where(w => context.Mesh.IstioEnrolment(w) is not null).Select(CheckSubject.Of) : Enumerable.Empty<CheckSubject>();

    public override IEnumerable<Finding> Evaluate(AuditContext context)
    {
        var mesh = context.Mesh;
        if (!mesh.IstioPresent || context.Policies.Mesh is not { } model)
        {
            yield break;
        }

        var programs = context.Policies.Programs(TrafficDirection.Ingress);
        foreach (var w in context.EvaluatedWorkloads)
        {
            var classes = context.Policies.ClassesOf(w).Where(c => model.HasSidecar(c.Index)).ToList();
            if (classes.Count == 0 || mesh.IstioEnrolment(w) != "sidecar")
            {
                continue;
            }

            var tiers = classes.SelectMany(c => programs.For(c.Index).TiersOf(PolicyLayer.Mesh)).ToList();
            var allow = tiers.Where(t => t.Tier.Name == MeshTiers.Allow).ToList();
            var tcp = classes.Select(c => model.Captured[c.Index]).Aggregate(ConnectionSet.None, (a, b) => a.Union(b));
            var openRules = allow.SelectMany(t => t.Rules).Where(r => r.Name != IstioPolicyKind.BypassRule && (r.AllPeers || r.Peers.Any(p => p.MatchesArbitraryPod))
                && tcp.IsSubsetOf(r.Ports.Numeric)).ToList();
            if (allow.Count > 0 && openRules.Count == 0)
            {
                continue;
            }

            var data = new List<EvidenceItem>();
            var others = tiers.Where(t => t.Tier.Name != MeshTiers.Allow).SelectMany(t => t.Policies).Distinct().ToList();
            data.AddRange(openRules.Select(r => new EvidenceItem("AuthorizationPolicy", r.Policy.DisplayName, $"ALLOW {r.Name} admits any caller ({r.PeersText}) on {r.Ports.Text}")));
            data.AddRange(others.Select(p => new EvidenceItem(p.Kind, p.DisplayName, $"{p.Tier.Name}: does not restrict callers by itself")));
            var callers = mesh.Flows?.Into.GetValueOrDefault(w.Peer);
            if (callers is not null)
            {
                data.AddRange(callers.Flows.Select(f => new EvidenceItem("AdmittedFlow", $"{f.Source} => {f.Destination}", f.Connections)));
            }

            if (data.Count == 0)
            {
                data.Add(new EvidenceItem("AuthorizationPolicy", w.Peer, $"no AuthorizationPolicy applies (none selects it, none is namespace-wide in {w.Namespace} or mesh-wide in {mesh.IstioRootNamespace})"));
            }

            var why = openRules.Count > 0
                ? $"ALLOW AuthorizationPolicy {string.Join(", ", openRules.Select(r => r.Policy.DisplayName).Distinct())} admits any caller on every port"
                : "no ALLOW AuthorizationPolicy applies to it" + (others.Count > 0 ? $" (applying: {string.Join(", ", others.Select(p => $"{p} ({p.Tier.Name})"))})" : string.Empty);
            yield return Fail(w, $"The mesh lets every caller into {w.Peer}: {why}" + (callers is null ? "." : $"; {callers.Count} flow(s) reach it today."), data);
        }
    }
}
