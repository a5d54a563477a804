namespace NetSecPS.Core.Sources;

/// <summary>
/// Collects objects, diagnostics and coverage from any source into a <see cref="ClusterData"/>.
/// Thread-safe so live collection can stream kinds in parallel into one builder.
/// </summary>
internal sealed class SnapshotBuilder
{
    private readonly object gate = new();
    private readonly List<KubeObject> objects = new();
    private readonly Dictionary<string, KubeObject> byKey = new(StringComparer.Ordinal);
    private readonly List<InputDiagnostic> diagnostics = new();
    private readonly Dictionary<string, CoverageEntry> coverage = new(StringComparer.Ordinal);

    /// <summary>Raised for every diagnostic as it happens, so cmdlets can warn while reading.</summary>
    public event Action<InputDiagnostic>? DiagnosticAdded;

    public int Count
    {
        get
        {
            lock (gate)
            {
                return objects.Count;
            }
        }
    }

    public bool Add(KubeObject obj)
    {
        lock (gate)
        {
            if (byKey.TryGetValue(obj.Group + "|" + obj.Key, out var first))
            {
                var where = first.Source is { } src ? $" (first in {src})" : string.Empty;
                AddDiagnosticLocked(new InputDiagnostic(DiagnosticSeverity.Warning, "DuplicateObject",
                    $"{obj.Key} appears more than once; the first one is kept{where}.", obj.Source?.File, obj.Source?.Line, obj.Source?.Column, obj.Kind, obj.Name));
                return false;
            }

            byKey[obj.Group + "|" + obj.Key] = obj;
            objects.Add(obj);
            return true;
        }
    }

    public void AddDiagnostic(InputDiagnostic diagnostic)
    {
        lock (gate)
        {
            AddDiagnosticLocked(diagnostic);
        }
    }

    private void AddDiagnosticLocked(InputDiagnostic diagnostic)
    {
        diagnostics.Add(diagnostic);
        DiagnosticAdded?.Invoke(diagnostic);
    }

    public void SetCoverage(CoverageEntry entry)
    {
        lock (gate)
        {
            coverage[entry.ApiVersion + "/" + entry.Kind] = entry;
        }
    }

    public ClusterData Build(Provenance provenance)
    {
        lock (gate)
        {
            var cov = coverage.Values
                .OrderBy(c => c.ApiVersion, StringComparer.Ordinal)
                .ThenBy(c => c.Kind, StringComparer.Ordinal)
                .ToList();
            return new ClusterData(objects.ToList(), provenance, cov, diagnostics.ToList());
        }
    }

    /// <summary>Coverage of manifest input: a kind is Read when objects of it were found, else NotInInput.</summary>
    public void SetManifestCoverage()
    {
        lock (gate)
        {
            var counts = objects
                .GroupBy(o => (Info: KindRegistry.Find(o.ApiVersion, o.Kind), o.Kind, o.ApiVersion))
                .GroupBy(g => g.Key.Info is null ? g.Key.ApiVersion + "/" + g.Key.Kind : g.Key.Info.Group + "/" + g.Key.Info.Kind)
                .ToDictionary(g => g.Key, g => g.Sum(x => x.Count()), StringComparer.Ordinal);
            foreach (var info in KindRegistry.Kinds)
            {
                var apiVersion = info.Group.Length == 0 ? info.Version : info.Group + "/" + info.Version;
                var n = counts.TryGetValue(info.Group + "/" + info.Kind, out var c) ? c : 0;
                coverage[apiVersion + "/" + info.Kind] = new CoverageEntry(info.Kind, apiVersion, n > 0 ? CoverageStatus.Read : CoverageStatus.NotInInput, n,
                    n > 0 ? null : "no objects of this kind in the input");
            }
        }
    }

    /// <summary>
    /// Says in the ConfigMap coverage that <paramref name="withheld"/> ConfigMaps were read and not
    /// kept (<see cref="Retention"/>): the kind was read, only what the checks use was kept.
    /// </summary>
    public void NoteWithheldConfigMaps(int withheld)
    {
        lock (gate)
        {
            var key = "v1/ConfigMap";
            var kept = coverage.TryGetValue(key, out var entry) ? entry.Count : 0;
            coverage[key] = new CoverageEntry("ConfigMap", "v1", CoverageStatus.Read, kept,
                $"{kept + withheld} read; {kept} kept: only the CNI and mesh configuration the checks read ({string.Join(", ", Retention.ConfigMapKeys.Keys)}), with only the keys they read");
        }
    }
}
