using k8s.Models;

namespace NetSecPS.Core.Sources;

/// <summary>
/// The kinds NetSecPS reads, the client type that models each one (null: kept as JSON), and
/// where a live cluster serves them. Older group versions of the same kind map to the same
/// typed model, as the fields the analysis reads did not change.
/// </summary>
internal static class KindRegistry
{
    public sealed record KindInfo(string Group, string Version, string Kind, string Plural, bool Namespaced, Type? ModelType, bool Optional, string Area);

    /// <summary>Every kind the analysis reads, in collection order.</summary>
    public static IReadOnlyList<KindInfo> Kinds { get; } = new KindInfo[]
    {
        new("", "v1", "Namespace", "namespaces", false, typeof(V1Namespace), false, "core"),
        new("", "v1", "Node", "nodes", false, typeof(V1Node), false, "core"),
        new("", "v1", "Pod", "pods", true, typeof(V1Pod), false, "workloads"),
        new("", "v1", "Service", "services", true, typeof(V1Service), false, "services"),
        new("", "v1", "ReplicationController", "replicationcontrollers", true, typeof(V1ReplicationController), false, "workloads"),
        new("", "v1", "ServiceAccount", "serviceaccounts", true, typeof(V1ServiceAccount), false, "rbac"),
        new("", "v1", "ConfigMap", "configmaps", true, typeof(V1ConfigMap), false, "config"),
        new("apps", "v1", "Deployment", "deployments", true, typeof(V1Deployment), false, "workloads"),
        new("apps", "v1", "ReplicaSet", "replicasets", true, typeof(V1ReplicaSet), false, "workloads"),
        new("apps", "v1", "StatefulSet", "statefulsets", true, typeof(V1StatefulSet), false, "workloads"),
        new("apps", "v1", "DaemonSet", "daemonsets", true, typeof(V1DaemonSet), false, "workloads"),
        new("batch", "v1", "Job", "jobs", true, typeof(V1Job), false, "workloads"),
        new("batch", "v1", "CronJob", "cronjobs", true, typeof(V1CronJob), false, "workloads"),
        new("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", true, typeof(V1NetworkPolicy), false, "policy"),
        new("networking.k8s.io", "v1", "Ingress", "ingresses", true, typeof(V1Ingress), false, "exposure"),
        new("networking.k8s.io", "v1", "IngressClass", "ingressclasses", false, typeof(V1IngressClass), false, "exposure"),
        new("rbac.authorization.k8s.io", "v1", "Role", "roles", true, typeof(V1Role), false, "rbac"),
        new("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", false, typeof(V1ClusterRole), false, "rbac"),
        new("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", true, typeof(V1RoleBinding), false, "rbac"),
        new("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", false, typeof(V1ClusterRoleBinding), false, "rbac"),
        new("policy.networking.k8s.io", "v1alpha1", "AdminNetworkPolicy", "adminnetworkpolicies", false, null, true, "policy"),
        new("policy.networking.k8s.io", "v1alpha1", "BaselineAdminNetworkPolicy", "baselineadminnetworkpolicies", false, null, true, "policy"),
        new("policy.networking.k8s.io", "v1alpha2", "ClusterNetworkPolicy", "clusternetworkpolicies", false, null, true, "policy"),
        new("security.istio.io", "v1", "PeerAuthentication", "peerauthentications", true, null, true, "mesh"),
        new("security.istio.io", "v1", "AuthorizationPolicy", "authorizationpolicies", true, null, true, "mesh"),
        new("networking.istio.io", "v1", "Sidecar", "sidecars", true, null, true, "mesh"),
        new("networking.istio.io", "v1", "ServiceEntry", "serviceentries", true, null, true, "mesh"),
        new("policy.linkerd.io", "v1beta3", "Server", "servers", true, null, true, "mesh"),
        new("policy.linkerd.io", "v1alpha1", "AuthorizationPolicy", "authorizationpolicies", true, null, true, "mesh"),
        new("policy.linkerd.io", "v1beta1", "ServerAuthorization", "serverauthorizations", true, null, true, "mesh"),
        new("cilium.io", "v2", "CiliumNetworkPolicy", "ciliumnetworkpolicies", true, null, true, "cni"),
        new("cilium.io", "v2", "CiliumClusterwideNetworkPolicy", "ciliumclusterwidenetworkpolicies", false, null, true, "cni"),
        new("cilium.io", "v2alpha1", "CiliumCIDRGroup", "ciliumcidrgroups", false, null, true, "cni"),
        new("crd.projectcalico.org", "v1", "NetworkPolicy", "networkpolicies", true, null, true, "cni"),
        new("crd.projectcalico.org", "v1", "GlobalNetworkPolicy", "globalnetworkpolicies", false, null, true, "cni"),
        new("crd.projectcalico.org", "v1", "Tier", "tiers", false, null, true, "cni"),
        new("crd.projectcalico.org", "v1", "NetworkSet", "networksets", true, null, true, "cni"),
        new("crd.projectcalico.org", "v1", "GlobalNetworkSet", "globalnetworksets", false, null, true, "cni"),
        new("crd.projectcalico.org", "v1", "StagedNetworkPolicy", "stagednetworkpolicies", true, null, true, "cni"),
        new("crd.projectcalico.org", "v1", "StagedGlobalNetworkPolicy", "stagedglobalnetworkpolicies", false, null, true, "cni"),
        new("crd.projectcalico.org", "v1", "StagedKubernetesNetworkPolicy", "stagedkubernetesnetworkpolicies", true, null, true, "cni"),
        new("projectcalico.org", "v3", "NetworkPolicy", "networkpolicies", true, null, true, "cni"),
        new("projectcalico.org", "v3", "GlobalNetworkPolicy", "globalnetworkpolicies", false, null, true, "cni"),
        new("projectcalico.org", "v3", "Tier", "tiers", false, null, true, "cni"),
        new("projectcalico.org", "v3", "NetworkSet", "networksets", true, null, true, "cni"),
        new("projectcalico.org", "v3", "GlobalNetworkSet", "globalnetworksets", false, null, true, "cni"),
        new("projectcalico.org", "v3", "StagedNetworkPolicy", "stagednetworkpolicies", true, null, true, "cni"),
        new("projectcalico.org", "v3", "StagedGlobalNetworkPolicy", "stagedglobalnetworkpolicies", false, null, true, "cni"),
        new("projectcalico.org", "v3", "StagedKubernetesNetworkPolicy", "stagedkubernetesnetworkpolicies", true, null, true, "cni"),
        new("gateway.networking.k8s.io", "v1", "Gateway", "gateways", true, null, true, "exposure"),
        new("gateway.networking.k8s.io", "v1", "HTTPRoute", "httproutes", true, null, true, "exposure"),
        new("gateway.networking.k8s.io", "v1", "GRPCRoute", "grpcroutes", true, null, true, "exposure"),
        new("gateway.networking.k8s.io", "v1alpha2", "TCPRoute", "tcproutes", true, null, true, "exposure"),
        new("gateway.networking.k8s.io", "v1alpha2", "TLSRoute", "tlsroutes", true, null, true, "exposure"),
        new("gateway.networking.k8s.io", "v1alpha2", "UDPRoute", "udproutes", true, null, true, "exposure"),
        new("route.openshift.io", "v1", "Route", "routes", true, null, true, "exposure"),
    };

    private static readonly Dictionary<(string Group, string Kind), KindInfo> ByGroupKind =
        Kinds.GroupBy(k => (k.Group, k.Kind)).ToDictionary(g => g.Key, g => g.First());

    /// <summary>Groups whose kinds moved: <c>extensions/v1beta1</c> served Deployments, NetworkPolicies, Ingresses.</summary>
    private static readonly Dictionary<(string Group, string Kind), string> LegacyGroups = new()
    {
        [("extensions", "Deployment")] = "apps",
        [("extensions", "ReplicaSet")] = "apps",
        [("extensions", "DaemonSet")] = "apps",
        [("extensions", "NetworkPolicy")] = "networking.k8s.io",
        [("extensions", "Ingress")] = "networking.k8s.io",
        [("networking.k8s.io", "Ingress")] = "networking.k8s.io",
        [("apps", "StatefulSet")] = "apps",
        [("batch", "CronJob")] = "batch",
    };

    public static string GroupOf(string apiVersion)
    {
        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? string.Empty : apiVersion[..slash];
    }

    /// <summary>Finds the registry entry for an object's apiVersion and kind, or null for a kind NetSecPS does not model.</summary>
    public static KindInfo? Find(string apiVersion, string kind)
    {
        var group = GroupOf(apiVersion);
        if (ByGroupKind.TryGetValue((group, kind), out var info))
        {
            return info;
        }

        return LegacyGroups.TryGetValue((group, kind), out var modern) && ByGroupKind.TryGetValue((modern, kind), out info) ? info : null;
    }

    /// <summary>Cluster-scoped kinds that are not in the registry but are known to be cluster-scoped.</summary>
    public static bool IsClusterScoped(string kind) =>
        Kinds.Any(k => k.Kind == kind && !k.Namespaced) ||
        kind is "CustomResourceDefinition" or "PersistentVolume" or "StorageClass" or "PriorityClass" or "APIService";
}
