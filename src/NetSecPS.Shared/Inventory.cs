namespace NetSecPS;

/// <summary>A network-relevant object of a snapshot, as <c>Get-NetSecInventory</c> returns it.</summary>
public abstract record InventoryItem
{
    public required string Kind { get; init; }
    public required string ApiVersion { get; init; }
    public string? Namespace { get; init; }
    public required string Name { get; init; }
    public IReadOnlyDictionary<string, string> Labels { get => TextValues.Map(field); init; } = EmptyLabels;
    public string? SourceFile { get; init; }
    public int? SourceLine { get; init; }

    /// <summary>The resource as findings name it: <c>Kind/namespace/name</c>.</summary>
    public string Resource => Namespace is null ? $"{Kind}/{Name}" : $"{Kind}/{Namespace}/{Name}";

    /// <summary>
    /// One line with what matters for this kind of record, so a mixed inventory fits in one table
    /// (the type-specific properties are still on the record).
    /// </summary>
    public abstract string Details { get; }

    internal static string Join(params string?[] parts) => string.Join("; ", parts.Where(p => !string.IsNullOrEmpty(p)));

    internal static string Count(int n, string one, string many) => n == 1 ? $"1 {one}" : $"{n} {many}";

    internal static string Labelled(IReadOnlyDictionary<string, string> labels) => string.Join(",", labels.Select(kv => $"{kv.Key}={kv.Value}"));

    internal static readonly IReadOnlyDictionary<string, string> EmptyLabels = new Dictionary<string, string>();
}

public sealed record NamespaceItem : InventoryItem
{
    public int Workloads { get; init; }
    public int Pods { get; init; }
    public int NetworkPolicies { get; init; }

    public override string Details => Join(
        $"{Count(Workloads, "workload", "workloads")}, {Count(NetworkPolicies, "NetworkPolicy", "NetworkPolicies")}",
        Labelled(Labels.Where(kv => kv.Key != "kubernetes.io/metadata.name").ToDictionary(kv => kv.Key, kv => kv.Value)));
}

/// <summary>A workload: pods grouped by their top owner, or a workload template in manifest mode.</summary>
public sealed record WorkloadItem : InventoryItem
{
    /// <summary>Peer name as connectivity output names it: <c>namespace/name[Kind]</c>.</summary>
    public required string Peer { get; init; }
    public int Pods { get; init; }
    public IReadOnlyList<string> Images { get => TextValues.List(field); init; } = Array.Empty<string>();
    /// <summary>Container ports as <c>name:port/PROTOCOL</c> (name omitted when unnamed).</summary>
    public IReadOnlyList<string> Ports { get => TextValues.List(field); init; } = Array.Empty<string>();
    public bool HostNetwork { get; init; }
    public string? ServiceAccount { get; init; }

    public override string Details => Join(
        Ports.Count == 0 ? "no ports" : string.Join(",", Ports),
        HostNetwork ? "hostNetwork" : null,
        Pods > 0 ? Count(Pods, "pod", "pods") : null);
}

public sealed record ServiceItem : InventoryItem
{
    public required string Type { get; init; }
    public string? ClusterIP { get; init; }
    /// <summary>Ports as <c>port[:nodePort]->targetPort/PROTOCOL</c>.</summary>
    public IReadOnlyList<string> Ports { get => TextValues.List(field); init; } = Array.Empty<string>();
    public IReadOnlyDictionary<string, string> Selector { get => TextValues.Map(field); init; } = EmptyLabels;
    public IReadOnlyList<string> ExternalIPs { get => TextValues.List(field); init; } = Array.Empty<string>();
    public IReadOnlyList<string> LoadBalancerSourceRanges { get => TextValues.List(field); init; } = Array.Empty<string>();
    public string? ExternalTrafficPolicy { get; init; }

    public override string Details => Join(
        $"{Type} {string.Join(",", Ports)}",
        LoadBalancerSourceRanges.Count > 0 ? "sources " + string.Join(",", LoadBalancerSourceRanges) : null,
        ExternalIPs.Count > 0 ? "externalIPs " + string.Join(",", ExternalIPs) : null,
        Selector.Count > 0 ? "selects " + Labelled(Selector) : "no selector");
}

/// <summary>A NetworkPolicy, AdminNetworkPolicy, BaselineAdminNetworkPolicy or a CNI/mesh policy.</summary>
public sealed record PolicyItem : InventoryItem
{
    /// <summary>Human summary of the pods the policy applies to.</summary>
    public string Subject { get; init; } = string.Empty;

    /// <summary>The tier the policy is evaluated in: <c>Admin</c>, <c>Baseline</c>, a Calico tier (<c>default</c>, <c>security</c>, ...); null for Kubernetes NetworkPolicy.</summary>
    public string? Tier { get; init; }
    public int? Priority { get; init; }
    public IReadOnlyList<string> PolicyTypes { get => TextValues.List(field); init; } = Array.Empty<string>();
    public int IngressRules { get; init; }
    public int EgressRules { get; init; }

    /// <summary>False for policies that are recorded but not enforced (Calico staged policies).</summary>
    public bool Enforced { get; init; } = true;

    /// <summary>What the whole policy does where its kind has one action (Istio AuthorizationPolicy: ALLOW, DENY, CUSTOM, AUDIT); null otherwise.</summary>
    public string? Action { get; init; }

    public override string Details => Join(
        Enforced ? null : "staged: not enforced",
        Action,
        Tier is null ? null : $"{Tier} tier",
        Priority is { } p ? $"priority {p}" : null,
        PolicyTypes.Count > 0 ? string.Join(",", PolicyTypes) : null,
        $"rules: {IngressRules} ingress, {EgressRules} egress",
        string.IsNullOrEmpty(Subject) ? null : "applies to " + Subject);
}

/// <summary>An Ingress, OpenShift Route, or Gateway API route or gateway.</summary>
public sealed record ExposureItem : InventoryItem
{
    public IReadOnlyList<string> Hosts { get => TextValues.List(field); init; } = Array.Empty<string>();
    /// <summary>Backends as <c>service:port</c>.</summary>
    public IReadOnlyList<string> Backends { get => TextValues.List(field); init; } = Array.Empty<string>();
    public bool Tls { get; init; }

    public override string Details => Join(
        Tls ? "TLS" : "no TLS",
        Hosts.Count > 0 ? string.Join(",", Hosts) : null,
        Backends.Count > 0 ? "-> " + string.Join(",", Backends) : null);
}

/// <summary>Any other object the analysis reads (nodes, RBAC, mesh and CNI objects, ...).</summary>
public sealed record OtherItem : InventoryItem
{
    public string Summary { get; init; } = string.Empty;

    public override string Details => Summary;
}
