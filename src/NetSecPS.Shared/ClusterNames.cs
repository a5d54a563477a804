namespace NetSecPS;

/// <summary>How NetSecPS names a cluster when nobody named it: never by an absolute path of the machine that scanned it.</summary>
public static class ClusterNames
{
    /// <summary>What is shown when the input says nothing that could name it.</summary>
    public const string Unnamed = "cluster";

    /// <summary>
    /// The kube context for a live cluster (the name its users type), else the cluster name the
    /// source recorded (in-cluster), else the name of the input folder or file without its
    /// extensions (<c>samples/cluster</c> gives <c>cluster</c>, <c>prod.yaml</c> gives <c>prod</c>).
    /// </summary>
    public static string Of(Provenance provenance)
    {
        ArgumentNullException.ThrowIfNull(provenance);
        if (!string.IsNullOrWhiteSpace(provenance.Context))
        {
            return provenance.Context;
        }

        if (!string.IsNullOrWhiteSpace(provenance.Cluster))
        {
            return provenance.Cluster;
        }

        var names = provenance.Paths.Select(FromPath).Where(n => n.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        return names.Count switch
        {
            0 => Unnamed,
            1 => names[0],
            2 => $"{names[0]} and {names[1]}",
            _ => $"{names[0]} and {names.Count - 1} more",
        };
    }

    /// <summary>The last segment of a path, without the extensions a manifest or snapshot file carries.</summary>
    public static string FromPath(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return string.Empty;
        }

        var trimmed = path.TrimEnd('/', '\\');
        var name = trimmed[(Math.Max(trimmed.LastIndexOf('/'), trimmed.LastIndexOf('\\')) + 1)..];
        foreach (var ext in new[] { ".json.gz", ".yaml", ".yml", ".json", ".gz" })
        {
            if (name.Length > ext.Length && name.EndsWith(ext, StringComparison.OrdinalIgnoreCase))
            {
                return name[..^ext.Length];
            }
        }

        return name is "." or ".." ? string.Empty : name;
    }
}
