using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;

namespace NetSecPS.Core.Policy;

/// <summary>
/// A pod class as a Calico workload endpoint: the pod's labels, the labels Calico sets on the
/// endpoint (<c>projectcalico.org/namespace</c>, <c>projectcalico.org/orchestrator</c>,
/// <c>projectcalico.org/serviceaccount</c>), the <c>labelsToApply</c> of its profiles, and the
/// labels it inherits from its namespace (<c>pcns.&lt;key&gt;</c>, <c>pcns.projectcalico.org/name</c>)
/// and service account (<c>pcsa.&lt;key&gt;</c>, <c>pcsa.projectcalico.org/name</c>) through the
/// <c>kns.</c> and <c>ksa.</c> profiles Calico generates for them.
/// </summary>
/// <remarks>
/// Precedence as Calico's: the labels Calico sets win over the pod's own, the endpoint's labels
/// over inherited ones, and among profiles the first (namespace, then service account) wins.
/// </remarks>
internal sealed class CalicoEndpointLabels : ICalicoLabels
{
    private readonly string ns;
    private readonly IReadOnlyDictionary<string, string> own;
    private readonly IReadOnlyDictionary<string, string> namespaceLabels;
    private readonly string? serviceAccount;
    private readonly IReadOnlyDictionary<string, string> serviceAccountLabels;
    private readonly IReadOnlyList<IReadOnlyDictionary<string, string>> profileLabels;

    public CalicoEndpointLabels(string ns, IReadOnlyDictionary<string, string> own, IReadOnlyDictionary<string, string> namespaceLabels, string? serviceAccount,
        IReadOnlyDictionary<string, string> serviceAccountLabels, IReadOnlyList<IReadOnlyDictionary<string, string>> profileLabels)
    {
        this.ns = ns;
        this.own = own;
        this.namespaceLabels = namespaceLabels;
        this.serviceAccount = serviceAccount;
        this.serviceAccountLabels = serviceAccountLabels;
        this.profileLabels = profileLabels;
    }

    public bool TryGet(string key, out string value)
    {
        switch (key)
        {
            case CalicoLabels.Namespace:
                value = ns;
                return true;
            case CalicoLabels.Orchestrator:
                value = "k8s";
                return true;
            case CalicoLabels.ServiceAccount when serviceAccount is not null:
                value = serviceAccount;
                return true;
        }

        if (own.TryGetValue(key, out value!))
        {
            return true;
        }

        foreach (var p in profileLabels)
        {
            if (p.TryGetValue(key, out value!))
            {
                return true;
            }
        }

        return CalicoNamespaceLabels.TryInherited(key, ns, namespaceLabels, serviceAccount, serviceAccountLabels, out value);
    }
}

/// <summary>A namespace as a Calico namespace selector sees it: its labels under <c>pcns.</c> and its name as <c>projectcalico.org/name</c>.</summary>
internal sealed class CalicoNamespaceLabels : ICalicoLabels
{
    private readonly string name;
    private readonly IReadOnlyDictionary<string, string> labels;

    public CalicoNamespaceLabels(IReadOnlyDictionary<string, string> labels)
    {
        this.labels = labels;
        name = labels.TryGetValue(ClusterModel.NamespaceNameLabel, out var n) ? n : string.Empty;
    }

    public bool TryGet(string key, out string value)
    {
        if (key == CalicoLabels.Namespace)
        {
            value = name;
            return true;
        }

        return TryInherited(key, name, labels, null, PodInfo.Empty, out value);
    }

    /// <summary>The labels a namespaced endpoint inherits from its namespace (<c>pcns.</c>) and service account (<c>pcsa.</c>).</summary>
    public static bool TryInherited(string key, string ns, IReadOnlyDictionary<string, string> namespaceLabels, string? serviceAccount,
        IReadOnlyDictionary<string, string> serviceAccountLabels, out string value)
    {
        if (key.StartsWith(CalicoLabels.NamespacePrefix, StringComparison.Ordinal))
        {
            var k = key[CalicoLabels.NamespacePrefix.Length..];
            if (k == CalicoLabels.Name)
            {
                value = ns;
                return true;
            }

            return namespaceLabels.TryGetValue(k, out value!);
        }

        if (serviceAccount is not null && key.StartsWith(CalicoLabels.ServiceAccountPrefix, StringComparison.Ordinal))
        {
            var k = key[CalicoLabels.ServiceAccountPrefix.Length..];
            if (k == CalicoLabels.Name)
            {
                value = serviceAccount;
                return true;
            }

            return serviceAccountLabels.TryGetValue(k, out value!);
        }

        value = string.Empty;
        return false;
    }
}

/// <summary>
/// A NetworkSet (namespaced) or GlobalNetworkSet: labelled address ranges that rule selectors
/// match like endpoints. A namespaced set carries <c>projectcalico.org/namespace</c> and inherits
/// its namespace's labels as endpoints do.
/// </summary>
internal sealed class CalicoNetworkSet : ICalicoLabels
{
    private readonly IReadOnlyDictionary<string, string> namespaceLabels;

    public CalicoNetworkSet(string name, string? ns, IReadOnlyDictionary<string, string> labels, IReadOnlyDictionary<string, string> namespaceLabels, IpSet nets)
    {
        Name = name;
        Namespace = ns;
        Labels = labels;
        this.namespaceLabels = namespaceLabels;
        Nets = nets;
    }

    public string Name { get; }
    public string? Namespace { get; }
    public IReadOnlyDictionary<string, string> Labels { get; }
    public IpSet Nets { get; }

    public string DisplayName => Namespace is null ? $"GlobalNetworkSet {Name}" : $"NetworkSet {Namespace}/{Name}";

    public bool TryGet(string key, out string value)
    {
        if (Namespace is not null && key == CalicoLabels.Namespace)
        {
            value = Namespace;
            return true;
        }

        if (Labels.TryGetValue(key, out value!))
        {
            return true;
        }

        if (Namespace is null)
        {
            value = string.Empty;
            return false;
        }

        return CalicoNamespaceLabels.TryInherited(key, Namespace, namespaceLabels, null, PodInfo.Empty, out value);
    }
}
