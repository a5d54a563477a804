using System.Text.Json.Nodes;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Checks.Support;

/// <summary>
/// The admin policy layers (AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy)
/// as the isolation checks need them: which workloads a policy's subject selects, and whether it
/// denies by default in a direction, that is, has a Deny rule on every port for every peer
/// (<c>namespaces: {}</c>, <c>pods</c> with empty selectors, or the /0 networks for egress).
/// An admin policy that only allows does not isolate anything: unlike a NetworkPolicy, selecting
/// a pod does not deny what it does not allow.
/// </summary>
public sealed class AdminPolicies
{
    private static readonly string[] Kinds = { "AdminNetworkPolicy", "BaselineAdminNetworkPolicy", "ClusterNetworkPolicy" };

    private readonly ClusterModel model;

    public AdminPolicies(ClusterModel model)
    {
        this.model = model;
        Policies = Kinds.SelectMany(k => model.Data.OfKind(k).Where(o => o.Raw is not null && o.Group == "policy.networking.k8s.io")).ToList();
    }

    public IReadOnlyList<KubeObject> Policies { get; }

    /// <summary>The admin policies whose subject selects the workload and that deny every peer by default in the direction.</summary>
    public IEnumerable<KubeObject> DenyingByDefault(Workload w, TrafficDirection direction) =>
        Policies.Where(p => SelectsSubject(p, w) && HasCatchAllDeny(p, direction));

    public bool SelectsSubject(KubeObject policy, Workload w)
    {
        var subject = policy.Raw!["spec"]?["subject"] as JsonObject;
        if (subject is null)
        {
            return false;
        }

        var nsLabels = model.Namespaces.TryGetValue(w.Namespace, out var ns) ? ns.Labels : new Dictionary<string, string> { [ClusterModel.NamespaceNameLabel] = w.Namespace };
        if (subject["namespaces"] is JsonObject namespaces)
        {
            return LabelSelector.From(namespaces).Matches(nsLabels);
        }

        if (subject["pods"] is JsonObject pods)
        {
            return LabelSelector.From(pods["namespaceSelector"]).Matches(nsLabels) && w.Pods.Any(p => LabelSelector.From(pods["podSelector"]).Matches(p.Labels));
        }

        return false;
    }

    private static bool HasCatchAllDeny(KubeObject policy, TrafficDirection direction)
    {
        var ingress = direction == TrafficDirection.Ingress;
        var rules = policy.Raw!["spec"]?[ingress ? "ingress" : "egress"] as JsonArray ?? new JsonArray();
        return rules.OfType<JsonObject>().Any(rule =>
            string.Equals(rule["action"]?.ToString(), "Deny", StringComparison.OrdinalIgnoreCase)
            && rule["ports"] is null
            && (rule[ingress ? "from" : "to"] as JsonArray ?? new JsonArray()).OfType<JsonObject>().Any(peer => IsEveryone(peer, ingress)));
    }

    private static bool IsEveryone(JsonObject peer, bool ingress)
    {
        if (peer["namespaces"] is JsonObject ns && LabelSelector.From(ns).IsEmpty)
        {
            return true;
        }

        if (peer["pods"] is JsonObject pods && LabelSelector.From(pods["namespaceSelector"]).IsEmpty && LabelSelector.From(pods["podSelector"]).IsEmpty)
        {
            return true;
        }

        return !ingress && peer["networks"] is JsonArray networks && networks.Any(n => Cidr.Parse(n?.ToString()) is { PrefixLength: 0 });
    }
}
