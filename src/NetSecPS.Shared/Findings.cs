namespace NetSecPS;

/// <summary>A check of the catalogue.</summary>
public sealed record CheckInfo
{
    public required string Id { get; init; }
    public required string Title { get; init; }
    public Severity Severity { get; init; }
    /// <summary>Segmentation, Exposure, HostNetworking, Mesh, Platform, AccessControl, Detection, LateralMovement.</summary>
    public string Category { get; init; } = string.Empty;
    public IReadOnlyList<string> Frameworks { get => TextValues.List(field); init; } = Array.Empty<string>();
    public string FailsWhen { get; init; } = string.Empty;
    /// <summary>The subjects the check evaluates (namespaces, workloads, services, policies, bindings, the cluster), which its compliance counts.</summary>
    public string AppliesTo { get; init; } = string.Empty;
    public string Rationale { get; init; } = string.Empty;
    public string Remediation { get; init; } = string.Empty;
    /// <summary>How the check decides where the catalogue leaves a choice open.</summary>
    public string Notes { get; init; } = string.Empty;
}

/// <summary>One piece of evidence behind a finding, as data.</summary>
public sealed record EvidenceItem(string Kind, string Subject, string Detail)
{
    public override string ToString() => $"{Subject}: {Detail}";
}

/// <summary>A failed check on one resource.</summary>
public sealed record Finding
{
    public required string CheckId { get; init; }
    public Severity Severity { get; init; }
    public required string Title { get; init; }
    public string? Namespace { get; init; }
    /// <summary><c>Kind/namespace/name</c>, or <c>Kind/name</c> for cluster-scoped objects.</summary>
    public required string Resource { get; init; }
    /// <summary>The evidence in words.</summary>
    public string Evidence { get; init; } = string.Empty;
    public IReadOnlyList<EvidenceItem> EvidenceData { get => TextValues.List(field); init; } = Array.Empty<EvidenceItem>();
    public string Remediation { get; init; } = string.Empty;
    /// <summary>A manifest (YAML) that fixes the finding, when one does.</summary>
    public string? RemediationManifest { get; init; }
    public IReadOnlyList<string> Frameworks { get => TextValues.List(field); init; } = Array.Empty<string>();
    public bool Suppressed { get; init; }
    public string? Justification { get; init; }
    public string? SuppressedBy { get; init; }
    public DateTimeOffset? SuppressionExpires { get; init; }
    public string? SourceFile { get; init; }
    public int? SourceLine { get; init; }
}

/// <summary>What changed between a baseline and now.</summary>
public enum DriftCategory { Flow, Exposure, Finding, Policy, Workload }

public enum DriftChange { Added, Removed, Changed }

/// <summary>One semantic difference between a baseline and the current posture.</summary>
public sealed record DriftRecord
{
    public DriftCategory Category { get; init; }
    public DriftChange Change { get; init; }
    public required string Subject { get; init; }
    public string? Before { get; init; }
    public string? After { get; init; }
    public Severity Severity { get; init; }
    public string? Namespace { get; init; }
    /// <summary>More about the change: for a flow, the workloads that exist on one side only (<c>workload NAME added</c>); for a finding, its title.</summary>
    public string? Detail { get; init; }
}
