using NetSecPS.Core.Checks.Support;

namespace NetSecPS.Core.Checks.AccessControl;

/// <summary>RBAC-002: roles granting every verb on every resource bound to people or workloads.</summary>
internal sealed class Rbac002WildcardRbac : Check
{
    public override CheckInfo Info { get; } = new()
    {
        Id = "RBAC-002",
        Title = "Wildcard RBAC",
        Severity = Severity.Medium,
        Category = "AccessControl",
        Frameworks = new[] { "CIS 5.1.3", "NSA Role-based access control" },
        FailsWhen = "A role granting * verbs on * resources is bound to a non-system subject.",
        AppliesTo = "RoleBindings and ClusterRoleBindings whose role is in the input, outside the excluded namespaces.",
        Rationale = "A */* grant includes every policy kind, Secrets and RBAC itself, including kinds installed later: a holder can rewrite the whole network posture and grant itself more.",
        Remediation = "Replace the wildcard role with roles listing the resources and verbs needed; keep cluster-admin for break-glass identities.",
        Notes = "Reads Roles, ClusterRoles and their bindings only; any apiGroups. Non-system subjects are all but Kubernetes components (users and groups named system:* other than the broad system:authenticated, system:unauthenticated, system:anonymous, system:serviceaccounts[:ns]) and kube-system service accounts; cluster admins are not exempt here, so a human bound to cluster-admin fails. Reported once per binding. Comparable control in other tools: kubescape C-0187.",
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

            var wildcard = role.Rules.Where(r => (r.Verbs ?? new List<string>()).Contains("*") && (r.Resources ?? new List<string>()).Contains("*")).ToList();
            if (wildcard.Count == 0)
            {
                continue;
            }

            var subjects = binding.Subjects.Where(s => !RbacIndex.IsSystemSubject(s, binding.Namespace)).ToList();
            if (subjects.Count == 0)
            {
                continue;
            }

            var data = wildcard.Select(r => new EvidenceItem("Rule", role.Origin, RbacIndex.DescribeRule(r))).ToList();
            data.AddRange(subjects.Select(s => new EvidenceItem("Subject", RbacIndex.SubjectKey(s), $"bound by {binding.Object.Key}")));
            yield return Fail(ResourceName.Of(binding.Object), binding.Namespace,
                $"{binding.Object.Key} binds {role.Origin}, which grants * on *, to {string.Join(", ", subjects.Select(RbacIndex.SubjectKey))}"
                + (binding.Namespace is null ? " cluster-wide." : $" in namespace {binding.Namespace}."),
                binding.Object, data);
        }
    }
}
