using k8s.Models;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Checks.Support;

/// <summary>A binding of a role to subjects, from a RoleBinding or a ClusterRoleBinding.</summary>
internal sealed record RoleBindingEntry(KubeObject Object, string RoleKind, string RoleName, IReadOnlyList<Rbacv1Subject> Subjects)
{
    public string? Namespace => Object.Kind == "RoleBinding" ? Object.Namespace : null;
}

/// <summary>
/// Roles and bindings (never anything else: RBAC checks read roles and bindings only), with the
/// rules each role grants, who the cluster admins are, and which subjects are Kubernetes'
/// own components.
/// </summary>
internal sealed class RbacIndex
{
    /// <summary>
    /// Rules of the built-in ClusterRoles, used when a binding refers to one the snapshot does not
    /// hold (manifest input): <c>admin</c> and <c>edit</c> may write NetworkPolicies.
    /// </summary>
    private static readonly Dictionary<string, V1PolicyRule[]> BuiltIn = new(StringComparer.Ordinal)
    {
        ["cluster-admin"] = new[] { new V1PolicyRule { ApiGroups = new[] { "*" }, Resources = new[] { "*" }, Verbs = new[] { "*" } } },
        ["admin"] = new[] { new V1PolicyRule { ApiGroups = new[] { "networking.k8s.io" }, Resources = new[] { "networkpolicies", "ingresses" }, Verbs = new[] { "create", "delete", "deletecollection", "patch", "update", "get", "list", "watch" } } },
        ["edit"] = new[] { new V1PolicyRule { ApiGroups = new[] { "networking.k8s.io" }, Resources = new[] { "networkpolicies", "ingresses" }, Verbs = new[] { "create", "delete", "deletecollection", "patch", "update", "get", "list", "watch" } } },
    };

    /// <summary>Groups and users whose names start with <c>system:</c> but that stand for everyone or every service account.</summary>
    private static readonly HashSet<string> BroadSystemSubjects = new(StringComparer.Ordinal)
    {
        "system:authenticated", "system:unauthenticated", "system:anonymous", "system:serviceaccounts",
    };

    private readonly Dictionary<(string? Ns, string Kind, string Name), (KubeObject Object, IReadOnlyList<V1PolicyRule> Rules)> roles = new();

    public RbacIndex(ClusterData data)
    {
        foreach (var (obj, role) in data.TypedWithSource<V1Role>())
        {
            roles[(obj.Namespace, "Role", obj.Name)] = (obj, role.Rules?.ToList() ?? new List<V1PolicyRule>());
        }

        foreach (var (obj, role) in data.TypedWithSource<V1ClusterRole>())
        {
            roles[(null, "ClusterRole", obj.Name)] = (obj, role.Rules?.ToList() ?? new List<V1PolicyRule>());
        }

        var bindings = new List<RoleBindingEntry>();
        foreach (var (obj, b) in data.TypedWithSource<V1RoleBinding>())
        {
            bindings.Add(new RoleBindingEntry(obj, b.RoleRef?.Kind ?? "Role", b.RoleRef?.Name ?? string.Empty, b.Subjects?.ToList() ?? new List<Rbacv1Subject>()));
        }

        foreach (var (obj, b) in data.TypedWithSource<V1ClusterRoleBinding>())
        {
            bindings.Add(new RoleBindingEntry(obj, b.RoleRef?.Kind ?? "ClusterRole", b.RoleRef?.Name ?? string.Empty, b.Subjects?.ToList() ?? new List<Rbacv1Subject>()));
        }

        Bindings = bindings;
        ClusterAdmins = bindings.Where(b => b.Object.Kind == "ClusterRoleBinding" && b.RoleKind == "ClusterRole" && b.RoleName == "cluster-admin")
            .SelectMany(b => b.Subjects).Select(SubjectKey).ToHashSet(StringComparer.Ordinal);
        ClusterAdmins.Add("Group/system:masters");
    }

    public IReadOnlyList<RoleBindingEntry> Bindings { get; }

    /// <summary>Subjects bound to cluster-admin by a ClusterRoleBinding, plus system:masters.</summary>
    public HashSet<string> ClusterAdmins { get; }

    /// <summary>The rules of the role a binding refers to; null when the role is neither in the snapshot nor built in.</summary>
    public (IReadOnlyList<V1PolicyRule> Rules, string Origin)? RulesOf(RoleBindingEntry binding)
    {
        var key = binding.RoleKind == "Role" ? (binding.Object.Namespace, "Role", binding.RoleName) : ((string?)null, "ClusterRole", binding.RoleName);
        if (roles.TryGetValue(key, out var role))
        {
            return (role.Rules, role.Object.Key);
        }

        return binding.RoleKind == "ClusterRole" && BuiltIn.TryGetValue(binding.RoleName, out var rules)
            ? (rules, $"ClusterRole/{binding.RoleName} (built-in)")
            : null;
    }

    public static string SubjectKey(Rbacv1Subject s) => s.Kind == "ServiceAccount" ? $"ServiceAccount/{s.NamespaceProperty ?? "default"}/{s.Name}" : $"{s.Kind}/{s.Name}";

    /// <summary>
    /// Kubernetes' own components: users and groups named <c>system:...</c> (except the groups
    /// that stand for everyone or every service account) and the service accounts of kube-system.
    /// </summary>
    public static bool IsSystemSubject(Rbacv1Subject s, string? bindingNamespace)
    {
        if (s.Kind == "ServiceAccount")
        {
            return (s.NamespaceProperty ?? bindingNamespace) == "kube-system";
        }

        var name = s.Name ?? string.Empty;
        if (!name.StartsWith("system:", StringComparison.Ordinal) || BroadSystemSubjects.Contains(name) || name.StartsWith("system:serviceaccounts:", StringComparison.Ordinal))
        {
            return false;
        }

        if (name.StartsWith("system:serviceaccount:", StringComparison.Ordinal))
        {
            return name.StartsWith("system:serviceaccount:kube-system:", StringComparison.Ordinal);
        }

        return true;
    }

    public bool IsClusterAdmin(Rbacv1Subject s) => ClusterAdmins.Contains(SubjectKey(s));

    public static bool Grants(V1PolicyRule rule, string group, string resource, IReadOnlyCollection<string> verbs) =>
        (rule.ApiGroups ?? new List<string>()).Any(g => g == "*" || g == group)
        && (rule.Resources ?? new List<string>()).Any(r => r == "*" || r == resource)
        && (rule.Verbs ?? new List<string>()).Any(v => v == "*" || verbs.Contains(v));

    public static string DescribeRule(V1PolicyRule rule) =>
        $"apiGroups [{string.Join(",", (rule.ApiGroups ?? new List<string>()).Select(g => g.Length == 0 ? "\"\"" : g))}] resources [{string.Join(",", rule.Resources ?? new List<string>())}] verbs [{string.Join(",", rule.Verbs ?? new List<string>())}]"
        + (rule.ResourceNames is { Count: > 0 } names ? $" resourceNames [{string.Join(",", names)}]" : string.Empty);
}
