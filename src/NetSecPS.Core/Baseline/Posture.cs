using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace NetSecPS.Core.Baseline;

/// <summary>
/// The comparable part of a scan: what an auditor signs off and what drift is measured
/// against. Every list is sorted by its key and holds no time and no provenance, so the same
/// cluster always gives the same posture (see <see cref="PostureBuilder"/>).
/// </summary>
internal sealed record Posture
{
    public IReadOnlyList<PostureWorkload> Workloads { get; init; } = Array.Empty<PostureWorkload>();
    public IReadOnlyList<PosturePolicy> Policies { get; init; } = Array.Empty<PosturePolicy>();
    public IReadOnlyList<PostureExposure> Exposures { get; init; } = Array.Empty<PostureExposure>();
    /// <summary>Allowed flows in connlist form, external ranges as this side's engine cut them.</summary>
    public IReadOnlyList<PostureFlow> Flows { get; init; } = Array.Empty<PostureFlow>();
    public IReadOnlyList<PostureFinding> Findings { get; init; } = Array.Empty<PostureFinding>();
    public PostureProfile? Profile { get; init; }
    /// <summary>The exceptions file in force (suppressions), or null when none was used.</summary>
    public PostureExceptions? Exceptions { get; init; }

    /// <summary>
    /// The connectivity semantics the flows were computed with: null for NetSecPS's own,
    /// <c>netpol-analyzer</c> for netpol-analyzer's (<c>-NetpolAnalyzerSemantics</c>). A comparison
    /// computes the current flows the same way.
    /// </summary>
    public string? Semantics { get; init; }

    /// <summary>The same posture with every list in its canonical order.</summary>
    public Posture Sorted() => this with
    {
        Workloads = Workloads.Select(w => w.Sorted()).OrderBy(w => w.Peer, StringComparer.Ordinal).ToList(),
        Policies = Policies.Select(p => p.Sorted()).OrderBy(p => p.Key, StringComparer.Ordinal).ToList(),
        Exposures = Exposures.Select(e => e.Sorted()).OrderBy(e => e.Key, StringComparer.Ordinal).ToList(),
        Flows = InOrder(Flows, FlowOrder) ? Flows : Flows.OrderBy(f => f.Source, StringComparer.Ordinal).ThenBy(f => f.Destination, StringComparer.Ordinal)
            .ThenBy(f => f.Connections, StringComparer.Ordinal).ToList(),
        Findings = Findings.OrderBy(f => f.CheckId, StringComparer.Ordinal).ThenBy(f => f.Resource, StringComparer.Ordinal)
            .ThenBy(f => f.Evidence, StringComparer.Ordinal).ThenBy(f => f.Suppressed).ToList(),
        Profile = Profile?.Sorted(),
    };

    private static int FlowOrder(PostureFlow a, PostureFlow b)
    {
        var c = string.CompareOrdinal(a.Source, b.Source);
        c = c != 0 ? c : string.CompareOrdinal(a.Destination, b.Destination);
        return c != 0 ? c : string.CompareOrdinal(a.Connections, b.Connections);
    }

    /// <summary>Whether the list is already in order: postures are sorted when built, and sorting a million flows again costs seconds.</summary>
    private static bool InOrder<T>(IReadOnlyList<T> list, Comparison<T> order)
    {
        for (var i = 1; i < list.Count; i++)
        {
            if (order(list[i - 1], list[i]) > 0)
            {
                return false;
            }
        }

        return true;
    }

    internal static IReadOnlyList<string> SortedList(IEnumerable<string> items) => items.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    internal static IReadOnlyDictionary<string, string> SortedMap(IReadOnlyDictionary<string, string> map) =>
        new SortedDictionary<string, string>(map.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal), StringComparer.Ordinal);
}

/// <summary>A workload as the baseline remembers it: what decides which policies select it and what it is.</summary>
internal sealed record PostureWorkload
{
    /// <summary><c>namespace/name[Kind]</c>.</summary>
    public required string Peer { get; init; }
    public required string Namespace { get; init; }
    public required string Name { get; init; }
    public required string Kind { get; init; }
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<string> Images { get; init; } = Array.Empty<string>();
    /// <summary>Container ports as <c>name:port/PROTOCOL</c>.</summary>
    public IReadOnlyList<string> Ports { get; init; } = Array.Empty<string>();
    public bool HostNetwork { get; init; }
    public string? ServiceAccount { get; init; }
    /// <summary>The data store product the workload was recognised as (CHECKS.md: by image or declared port), or null.</summary>
    public string? DataStore { get; init; }

    internal PostureWorkload Sorted() => this with { Labels = Posture.SortedMap(Labels), Images = Posture.SortedList(Images), Ports = Posture.SortedList(Ports) };
}

/// <summary>
/// A policy, normalized: a digest of its spec in canonical JSON (so formatting, key order and
/// defaulted nulls never count as a change) and a readable summary.
/// </summary>
internal sealed record PosturePolicy
{
    public required string Kind { get; init; }
    /// <summary>API group, empty for none (so a NetworkPolicy of Calico or Cilium is not a Kubernetes one).</summary>
    public string Group { get; init; } = string.Empty;
    public string? Namespace { get; init; }
    public required string Name { get; init; }
    public int? Priority { get; init; }
    public IReadOnlyList<string> PolicyTypes { get; init; } = Array.Empty<string>();
    /// <summary>Readable summary of the pods (or subject) the policy applies to.</summary>
    public string Subject { get; init; } = string.Empty;
    public int IngressRules { get; init; }
    public int EgressRules { get; init; }
    /// <summary><c>sha256:</c> of the spec as canonical JSON.</summary>
    public required string SpecDigest { get; init; }

    /// <summary><c>Kind/namespace/name</c> (<c>Kind/name</c> when cluster scoped), with the group when it is not the usual one.</summary>
    [JsonIgnore]
    public string Key => (Namespace is null ? $"{Kind}/{Name}" : $"{Kind}/{Namespace}/{Name}") + (Group.Length == 0 || IsUsualGroup ? string.Empty : $" ({Group})");

    private bool IsUsualGroup => Group is "networking.k8s.io" or "policy.networking.k8s.io";

    /// <summary>The summary a drift record shows.</summary>
    public string Describe() =>
        $"{Subject}; types {string.Join(",", PolicyTypes)}; {IngressRules} ingress / {EgressRules} egress rules"
        + (Priority is { } p ? $"; priority {p}" : string.Empty) + $"; spec {SpecDigest[..Math.Min(SpecDigest.Length, 19)]}";

    internal PosturePolicy Sorted() => this with { PolicyTypes = Posture.SortedList(PolicyTypes) };
}

/// <summary>A way in from outside the cluster: a LoadBalancer/NodePort/externalIPs Service, an Ingress, a Route or a Gateway API object.</summary>
internal sealed record PostureExposure
{
    public required string Kind { get; init; }
    public string? Namespace { get; init; }
    public required string Name { get; init; }
    /// <summary>LoadBalancer, NodePort, ExternalIPs for Services; the kind otherwise.</summary>
    public required string Type { get; init; }
    public IReadOnlyList<string> Hosts { get; init; } = Array.Empty<string>();
    public IReadOnlyList<string> Backends { get; init; } = Array.Empty<string>();
    public IReadOnlyList<string> Ports { get; init; } = Array.Empty<string>();
    public bool Tls { get; init; }
    public IReadOnlyList<string> SourceRanges { get; init; } = Array.Empty<string>();
    public IReadOnlyList<string> ExternalIPs { get; init; } = Array.Empty<string>();

    [JsonIgnore]
    public string Key => Namespace is null ? $"{Kind}/{Name}" : $"{Kind}/{Namespace}/{Name}";

    public string Describe()
    {
        var parts = new List<string> { Type };
        if (Hosts.Count > 0)
        {
            parts.Add("hosts " + string.Join(",", Hosts));
        }

        if (Ports.Count > 0)
        {
            parts.Add("ports " + string.Join(",", Ports));
        }

        if (Backends.Count > 0)
        {
            parts.Add("backends " + string.Join(",", Backends));
        }

        if (ExternalIPs.Count > 0)
        {
            parts.Add("externalIPs " + string.Join(",", ExternalIPs));
        }

        if (Type is "LoadBalancer" || SourceRanges.Count > 0)
        {
            parts.Add(SourceRanges.Count > 0 ? "from " + string.Join(",", SourceRanges) : "from anywhere");
        }

        if (Kind is not "Service")
        {
            parts.Add(Tls ? "TLS" : "no TLS");
        }

        return string.Join("; ", parts);
    }

    internal PostureExposure Sorted() => this with
    {
        Hosts = Posture.SortedList(Hosts),
        Backends = Posture.SortedList(Backends),
        Ports = Posture.SortedList(Ports),
        SourceRanges = Posture.SortedList(SourceRanges),
        ExternalIPs = Posture.SortedList(ExternalIPs),
    };
}

/// <summary>An allowed flow in connlist form.</summary>
internal sealed record PostureFlow(string Source, string Destination, string Connections)
{
    public override string ToString() => $"{Source} => {Destination} : {Connections}";
}

/// <summary>A finding with its suppression state.</summary>
internal sealed record PostureFinding
{
    public required string CheckId { get; init; }
    public Severity Severity { get; init; }
    public string Title { get; init; } = string.Empty;
    public string? Namespace { get; init; }
    public required string Resource { get; init; }
    public string Evidence { get; init; } = string.Empty;
    public bool Suppressed { get; init; }
    public string? Justification { get; init; }
    public string? SuppressedBy { get; init; }
    /// <summary>Expiry of the suppression as an ISO date (<c>yyyy-MM-dd</c>), when it has one.</summary>
    public string? SuppressionExpires { get; init; }

    /// <summary>What identifies the finding across scans: the check and the resource.</summary>
    [JsonIgnore]
    public string Key => $"{CheckId} {Resource}";
}

/// <summary>The report profile in force: what it audits, not how the report looks.</summary>
internal sealed record PostureProfile
{
    public required string Name { get; init; }
    public IReadOnlyList<string> ExcludedNamespaces { get; init; } = Array.Empty<string>();
    public IReadOnlyList<string> Checks { get; init; } = Array.Empty<string>();
    public string? Framework { get; init; }

    internal PostureProfile Sorted() => this with { ExcludedNamespaces = Posture.SortedList(ExcludedNamespaces), Checks = Posture.SortedList(Checks) };
}

/// <summary>
/// The exceptions file in force, as its content in canonical JSON (YAML and JSON spellings of
/// the same file are the same exceptions) with the digest of that content.
/// </summary>
internal sealed record PostureExceptions
{
    /// <summary><c>sha256:</c> of <see cref="Content"/> in canonical JSON.</summary>
    public required string Digest { get; init; }
    public JsonNode? Content { get; init; }
}
