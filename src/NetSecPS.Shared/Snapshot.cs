namespace NetSecPS;

/// <summary>Whether a kind of object could be read, and why not.</summary>
public enum CoverageStatus
{
    /// <summary>Every object of the kind was read.</summary>
    Read,
    /// <summary>The API server refused to list the kind (HTTP 403).</summary>
    Forbidden,
    /// <summary>The API that serves the kind is not installed on the cluster (an optional API).</summary>
    Absent,
    /// <summary>Listing failed for another reason; the kind is not verified.</summary>
    Error,
    /// <summary>Only part of the objects could be read.</summary>
    Partial,
    /// <summary>The kind was not in the input (manifest mode): nothing can be said about it.</summary>
    NotInInput,
}

/// <summary>One line of a snapshot's coverage: what was read of one kind.</summary>
public sealed record CoverageEntry(string Kind, string ApiVersion, CoverageStatus Status, int Count, string? Message);

/// <summary>One input file of a snapshot taken from manifests, with its digest.</summary>
public sealed record InputFile(string Path, string Sha256, long Length);

/// <summary>
/// How much a diagnostic matters, ordered from least to most severe. The names are the words
/// users see and saved snapshots, history and JSON reports hold, so they must not change.
/// </summary>
public enum DiagnosticSeverity
{
    /// <summary>Context worth knowing; nothing was skipped (shown as verbose output).</summary>
    Information = 0,
    /// <summary>Something was skipped or read partly; the rest of the work went on.</summary>
    Warning = 1,
    /// <summary>Input that could not be read or used at all; what it held is not verified.</summary>
    Error = 2,
}

/// <summary>A problem met while reading the input: the rest of the work went on.</summary>
public sealed record InputDiagnostic(DiagnosticSeverity Severity, string Code, string Message, string? File, int? Line, int? Column, string? Kind = null, string? Name = null)
{
    public override string ToString()
    {
        var where = File is null ? (Kind is null ? string.Empty : Name is null ? $"{Kind}: " : $"{Kind}/{Name}: ") :
            Line is null ? $"{File}: " : $"{File}:{Line}:{Column}: ";
        return where + Message;
    }
}

/// <summary>Where a snapshot came from: files, a live cluster, or a saved snapshot.</summary>
public sealed record Provenance
{
    public string SourceKind { get; init; } = "files";
    public string? Cluster { get; init; }
    public string? Context { get; init; }
    public string? Server { get; init; }
    public string? ServerVersion { get; init; }
    public DateTimeOffset CollectedAt { get; init; }
    public string Tool { get; init; } = ToolIdentity.Name;
    public string ToolVersion { get; init; } = ToolIdentity.Version;
    public IReadOnlyList<string> Paths { get; init; } = Array.Empty<string>();
    public IReadOnlyList<InputFile> Inputs { get; init; } = Array.Empty<InputFile>();
}

/// <summary>
/// An immutable snapshot of a cluster's network-relevant objects with its coverage and
/// provenance. The objects themselves live in the engine (<see cref="Payload"/>), so this
/// type carries BCL types only and can cross the module's load-context boundary.
/// </summary>
public sealed class Snapshot
{
    internal Snapshot(object payload, Provenance provenance, IReadOnlyList<CoverageEntry> coverage,
        IReadOnlyList<InputDiagnostic> diagnostics, int objectCount, IReadOnlyDictionary<string, int> kindCounts)
    {
        Payload = payload;
        Provenance = provenance;
        Coverage = coverage;
        Diagnostics = diagnostics;
        ObjectCount = objectCount;
        KindCounts = kindCounts;
    }

    /// <summary>
    /// Schema version of saved snapshots written by this module. 2: objects keep only what the
    /// analysis reads (no container env values, command or args, no last-applied annotation, only
    /// the ConfigMaps and keys checks read). Version 1 files still load, trimmed the same way.
    /// </summary>
    public const int CurrentSchemaVersion = 2;

    public Provenance Provenance { get; }
    public IReadOnlyList<CoverageEntry> Coverage { get; }
    public IReadOnlyList<InputDiagnostic> Diagnostics { get; }
    public int ObjectCount { get; }
    public IReadOnlyDictionary<string, int> KindCounts { get; }
    public string SourceKind => Provenance.SourceKind;
    public DateTimeOffset CollectedAt => Provenance.CollectedAt;
    public string? Cluster => Provenance.Cluster ?? Provenance.Context;

    /// <summary>The engine's object graph; opaque outside the module.</summary>
    internal object Payload { get; }

    public override string ToString() =>
        $"Snapshot of {ClusterNames.Of(Provenance)} ({ObjectCount} objects, {CollectedAt:u})";
}
