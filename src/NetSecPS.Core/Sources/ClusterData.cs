namespace NetSecPS.Core.Sources;

/// <summary>
/// The engine side of a <see cref="Snapshot"/>: the objects read, indexed by kind, plus the
/// coverage, provenance and diagnostics of the read. Immutable once built.
/// </summary>
internal sealed class ClusterData
{
    private readonly Dictionary<string, List<KubeObject>> byKind;

    public ClusterData(IReadOnlyList<KubeObject> objects, Provenance provenance, IReadOnlyList<CoverageEntry> coverage, IReadOnlyList<InputDiagnostic> diagnostics)
    {
        Objects = objects;
        Provenance = provenance;
        Coverage = coverage;
        Diagnostics = diagnostics;
        byKind = new Dictionary<string, List<KubeObject>>(StringComparer.Ordinal);
        foreach (var o in objects)
        {
            if (!byKind.TryGetValue(o.Kind, out var list))
            {
                byKind[o.Kind] = list = new List<KubeObject>();
            }

            list.Add(o);
        }
    }

    public IReadOnlyList<KubeObject> Objects { get; }
    public Provenance Provenance { get; }
    public IReadOnlyList<CoverageEntry> Coverage { get; }
    public IReadOnlyList<InputDiagnostic> Diagnostics { get; }

    /// <summary>Objects of one kind; with <paramref name="group"/>, only that API group (legacy groups of the same kind included).</summary>
    public IEnumerable<KubeObject> OfKind(string kind, string? group = null)
    {
        if (!byKind.TryGetValue(kind, out var list))
        {
            return Array.Empty<KubeObject>();
        }

        if (group is null)
        {
            return list;
        }

        return list.Where(o => o.Group == group || (KindRegistry.Find(o.ApiVersion, o.Kind)?.Group == group));
    }

    /// <summary>The typed objects of a client model type, e.g. every <c>V1Pod</c>.</summary>
    public IEnumerable<T> Typed<T>() where T : class => Objects.Select(o => o.Typed).OfType<T>();

    /// <summary>Typed objects with their snapshot entry, for callers that need the source location.</summary>
    public IEnumerable<(KubeObject Object, T Model)> TypedWithSource<T>() where T : class =>
        Objects.Where(o => o.Typed is T).Select(o => (o, (T)o.Typed!));

    public IReadOnlyDictionary<string, int> KindCounts() =>
        byKind.OrderBy(k => k.Key, StringComparer.Ordinal).ToDictionary(k => k.Key, k => k.Value.Count, StringComparer.Ordinal);

    public Snapshot ToSnapshot() => new(this, Provenance, Coverage, Diagnostics, Objects.Count, KindCounts());

    public static ClusterData From(Snapshot snapshot) =>
        snapshot.Payload as ClusterData ?? throw new ArgumentException("The snapshot was not made by this version of NetSecPS.", nameof(snapshot));
}
