using NetSecPS.Core.Checks.Support;

namespace NetSecPS.Core.Checks.AccessControl;

/// <summary>RBAC-001: who besides cluster admins may rewrite the network policy.</summary>
internal sealed class Rbac001PolicyWriters : Check
{
    private static readonly string[] WriteVerbs = { "create", "update", "patch", "delete", "deletecollection" };

    /// <summary>The policy kinds whose writers this check names: Kubernetes, admin, Calico, Cilium and Istio policies.</summary>
    private static readonly (string Group, string Resource)[] PolicyResources =
    {
        ("networking.k8s.io", "networkpolicies"), ("extensions", "networkpolicies"),
        ("policy.networking.k8s.io", "adminnetworkpolicies"), ("policy.networking.k8s.io", "baselineadminnetworkpolicies"), ("policy.networking.k8s.io", "clusternetworkpolicies"),
        ("crd.projectcalico.org", "networkpolicies"), ("crd.projectcalico.org", "globalnetworkpolicies"),
        ("projectcalico.org", "networkpolicies"), ("projectcalico.org", "globalnetworkpolicies"),
        ("cilium.io", "ciliumnetworkpolicies"), ("cilium.io", "ciliumclusterwidenetworkpolicies"), ("cilium.io", "ciliumcidrgroups"),
        ("security.istio.io", "authorizationpolicies"), ("security.istio.io", "peerauthentications"),
    };

    public override CheckInfo Info { get; } = new()
    {
        Id = "RBAC-001",
        Title = "Non-admins can change network policy",
        Severity = Severity.High,
        Category = "AccessControl",
        Frameworks = new[] { "NSA Role-based access control", "MITRE T1562.007" },
        FailsWhen = "A Role/ClusterRole that grants create/update/patch/delete on networkpolicies (or the admin, Calico, Cilium or Istio policy kinds), directly or by wildcard, is bound to a subject other than cluster admins and system: subjects.",
        AppliesTo = "RoleBindings and ClusterRoleBindings whose role is in the input, outside the excluded namespaces.",
        Rationale = "Whoever can write policies can open any path this audit proves closed; the posture is only as strong as the list of people and automations that may change it.",
        Remediation = "Bind policy-writing roles only to cluster admins and the deployment pipeline; give other users and service accounts read-only roles (view), or use AdminNetworkPolicy for guardrails tenants cannot override.",
        Notes = "Reads Roles, ClusterRoles and their bindings only. Cluster admins: subjects bound to cluster-admin by a ClusterRoleBinding, and the group system:masters. system: subjects: users and groups named system:* that are Kubernetes components, and service accounts of kube-system; system:authenticated, system:unauthenticated, system:anonymous and system:serviceaccounts[:ns] stand for many identities and are not exempt. The built-in admin and edit roles grant NetworkPolicy writes (used when the input lacks them), so namespace admins and editors fail. A rule limited by resourceNames still counts. Reported once per binding.",
    };

    public override IEnumerable<CheckSubject> Subjects(AuditContext context) =>
        context.Rbac.Bindings.Where(b => context.Rbac.RulesOf(b) is not null).Select(b => new CheckSubject(ResourceName.Of(b.Object), b.Namespace));

    public override IEnumerable<Finding> Evaluate(AuditContext context)
    {
        var rbac = context.Rbac;
        foreach (var binding in rbac.Bindings)
        {
            if (rbac.RulesOf(binding) is not { } role)
            {
                continue;
            }

            var grants = new List<EvidenceItem>();
            foreach (var rule in role.Rules)
            {
                var kinds = PolicyResources.Where(r => RbacIndex.Grants(rule, r.Group, r.Resource, WriteVerbs)).Select(r => r.Resource).Distinct(StringComparer.Ordinal).ToList();
                if (kinds.Count > 0)
                {
                    grants.Add(new EvidenceItem("Rule", role.Origin, $"{RbacIndex.DescribeRule(rule)} → may write {string.Join(", ", kinds)}"));
                }
            }

            if (grants.Count == 0)
            {
                continue;
            }

            var subjects = binding.Subjects.Where(s => !rbac.IsClusterAdmin(s) && !RbacIndex.IsSystemSubject(s, binding.Namespace)).ToList();
            if (subjects.Count == 0)
            {
                continue;
            }

            var data = new List<EvidenceItem>(grants);
            data.AddRange(subjects.Select(s => new EvidenceItem("Subject", RbacIndex.SubjectKey(s), $"bound by {binding.Object.Key}")));
            var scope = binding.Namespace is null ? "cluster-wide" : $"in namespace {binding.Namespace}";
            yield return Fail(ResourceName.Of(binding.Object), binding.Namespace,
                $"{binding.Object.Key} lets {string.Join(", ", subjects.Select(RbacIndex.SubjectKey))} write network policy {scope} through {role.Origin}: {string.Join("; ", grants.Select(g => g.Detail))}.",
                binding.Object, data);
        }
    }
}
