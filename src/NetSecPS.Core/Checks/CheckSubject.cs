using k8s.Models;
using NetSecPS.Core.Model;
using NetSecPS.Core.Policy;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Checks;

/// <summary>
/// One thing a check evaluates, named as its findings name resources, so the auditor can tell
/// the passed subjects (evaluated, no finding) from the failed and accepted ones.
/// </summary>
internal sealed record CheckSubject(string Resource, string? Namespace)
{
    public static CheckSubject Of(Workload w) => new(ResourceName.Of(w), w.Namespace);

    public static CheckSubject Of(KubeObject o) => new(ResourceName.Of(o), o.Namespace);

    /// <summary>A namespace as a subject of the namespace-level checks (NP-001, NP-002).</summary>
    public static CheckSubject OfNamespace(string ns) => new(ResourceName.Namespace(ns), ns);

    /// <summary>The cluster as the one subject of a cluster-level check.</summary>
    public static CheckSubject OfCluster(AuditContext context) => new(ResourceName.Cluster(context), null);
}

/// <summary>The subject sets several checks share, read from the model (not from a policy index), so a check's scope is independent of how it evaluates.</summary>
internal static class SubjectSets
{
    /// <summary>Workloads outside the excluded namespaces that are not on the host network (NetworkPolicy cannot apply to those).</summary>
    public static IEnumerable<CheckSubject> PodNetworkWorkloads(AuditContext context) =>
        context.EvaluatedWorkloads.Where(w => !w.HostNetwork).Select(CheckSubject.Of);

    /// <summary>
    /// Written policies of the network layer (NetworkPolicy, Calico, Cilium: the policies the
    /// rule-shape checks read, <see cref="Support.PolicyFacts.RulePolicies"/>) that pass
    /// <paramref name="where"/>, named as those checks' findings name them.
    /// </summary>
    internal static IEnumerable<CheckSubject> RulePolicies(AuditContext context, Func<CompiledPolicy, bool> where) =>
        Support.PolicyFacts.RulePolicies(context.Policies).Where(where).Select(p => new CheckSubject(ResourceName.Of(p.Source), p.Namespace));

    /// <summary>Written policies of the network layer that apply in <paramref name="direction"/> and have at least one rule of that direction.</summary>
    public static IEnumerable<CheckSubject> PoliciesWithRules(AuditContext context, string direction)
    {
        var dir = string.Equals(direction, "Ingress", StringComparison.OrdinalIgnoreCase) ? TrafficDirection.Ingress : TrafficDirection.Egress;
        return RulePolicies(context, p => p.Affects(dir) && (dir == TrafficDirection.Ingress ? p.Ingress : p.Egress).Count > 0);
    }

    /// <summary>Services of the given types (all Services when none are given).</summary>
    public static IEnumerable<CheckSubject> Services(AuditContext context, params string[] types) =>
        context.Model.Data.TypedWithSource<V1Service>()
            .Where(s => types.Length == 0 || types.Contains(s.Model.Spec?.Type ?? "ClusterIP", StringComparer.Ordinal))
            .Select(s => ServiceSubject(s.Object));

    /// <summary>A Service as the exposure checks name it: in namespace <c>default</c> when the manifest names none.</summary>
    public static CheckSubject ServiceSubject(KubeObject svc) => new(ResourceName.Of(svc), svc.Namespace ?? "default");

    /// <summary>Workloads reachable from outside the cluster, in every namespace.</summary>
    public static IEnumerable<CheckSubject> ExposedWorkloads(AuditContext context, bool podNetworkOnly = false) =>
        context.Exposure.Exposed.Keys.Where(w => !podNetworkOnly || !w.HostNetwork).Select(CheckSubject.Of);
}
