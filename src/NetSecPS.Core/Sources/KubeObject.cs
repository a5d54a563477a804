using System.Text.Json.Nodes;

namespace NetSecPS.Core.Sources;

/// <summary>Where an object was read from: a manifest file and the line its document starts on.</summary>
internal sealed record SourceLocation(string File, int Line, int Column)
{
    public override string ToString() => $"{File}:{Line}:{Column}";
}

/// <summary>
/// One Kubernetes object of a snapshot. Kinds the client library models are typed
/// (<see cref="Typed"/>); every other kind (admin policies, mesh, CNI, Gateway API, routes)
/// keeps its JSON (<see cref="Raw"/>).
/// </summary>
internal sealed class KubeObject
{
    public KubeObject(string apiVersion, string kind, string? ns, string name, object? typed, JsonObject? raw, SourceLocation? source)
    {
        ApiVersion = apiVersion;
        Kind = kind;
        Namespace = string.IsNullOrEmpty(ns) ? null : ns;
        Name = name;
        Typed = typed;
        Raw = raw;
        Source = source;
    }

    public string ApiVersion { get; }
    public string Kind { get; }
    public string? Namespace { get; }
    public string Name { get; }
    public object? Typed { get; }
    public JsonObject? Raw { get; }
    public SourceLocation? Source { get; }

    /// <summary>API group, empty for the core group.</summary>
    public string Group => ApiVersion.Contains('/', StringComparison.Ordinal) ? ApiVersion[..ApiVersion.IndexOf('/', StringComparison.Ordinal)] : string.Empty;

    public T? As<T>() where T : class => Typed as T;

    public string Key => Namespace is null ? $"{Kind}/{Name}" : $"{Kind}/{Namespace}/{Name}";

    public override string ToString() => Key;
}
