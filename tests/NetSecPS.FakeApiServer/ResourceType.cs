namespace NetSecPS.FakeApiServer;

/// <summary>One resource the fake server serves: what discovery lists and what lists and gets answer.</summary>
public sealed record ResourceType(string Group, string Version, string Kind, string Plural, bool Namespaced, bool BuiltIn, params string[] ShortNames)
{
    public string GroupVersion => Group.Length == 0 ? Version : Group + "/" + Version;
    public string ListKind => Kind + "List";
    public string Singular => Kind.ToLowerInvariant();

    /// <summary>The kinds every cluster serves, as a v1.31 API server lists them (the part NetSecPS and kubectl care about).</summary>
    public static IReadOnlyList<ResourceType> BuiltIns { get; } = new ResourceType[]
    {
        new("", "v1", "Namespace", "namespaces", false, true, "ns"),
        new("", "v1", "Node", "nodes", false, true, "no"),
        new("", "v1", "Pod", "pods", true, true, "po"),
        new("", "v1", "Service", "services", true, true, "svc"),
        new("", "v1", "Endpoints", "endpoints", true, true, "ep"),
        new("", "v1", "ReplicationController", "replicationcontrollers", true, true, "rc"),
        new("", "v1", "ServiceAccount", "serviceaccounts", true, true, "sa"),
        new("", "v1", "ConfigMap", "configmaps", true, true, "cm"),
        new("", "v1", "Secret", "secrets", true, true),
        new("apps", "v1", "Deployment", "deployments", true, true, "deploy"),
        new("apps", "v1", "ReplicaSet", "replicasets", true, true, "rs"),
        new("apps", "v1", "StatefulSet", "statefulsets", true, true, "sts"),
        new("apps", "v1", "DaemonSet", "daemonsets", true, true, "ds"),
        new("batch", "v1", "Job", "jobs", true, true),
        new("batch", "v1", "CronJob", "cronjobs", true, true, "cj"),
        new("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", true, true, "netpol"),
        new("networking.k8s.io", "v1", "Ingress", "ingresses", true, true, "ing"),
        new("networking.k8s.io", "v1", "IngressClass", "ingressclasses", false, true),
        new("rbac.authorization.k8s.io", "v1", "Role", "roles", true, true),
        new("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", false, true),
        new("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", true, true),
        new("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", false, true),
        new("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", false, true, "crd"),
    };

    /// <summary>The plural the API would give a kind that no registry names (Kubernetes' own English rules, simplified).</summary>
    public static string GuessPlural(string kind)
    {
        var k = kind.ToLowerInvariant();
        if (k.EndsWith('s') || k.EndsWith("ch", StringComparison.Ordinal) || k.EndsWith('x'))
        {
            return k + "es";
        }

        return k.EndsWith('y') && k.Length > 1 && !"aeiou".Contains(k[^2], StringComparison.Ordinal) ? k[..^1] + "ies" : k + "s";
    }
}
