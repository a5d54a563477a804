using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace NetSecPS.Core.Checks.Support;

/// <summary>
/// The dated end-of-support table shipped with the module (Resources/kubernetes-support.json):
/// for each Kubernetes minor release, the day its upstream support ends.
/// </summary>
internal sealed partial class KubernetesSupport
{
    private KubernetesSupport(DateOnly updated, IReadOnlyList<(int Major, int Minor, DateOnly EndOfLife)> releases)
    {
        Updated = updated;
        Releases = releases;
    }

    /// <summary>When the table was last brought up to date.</summary>
    public DateOnly Updated { get; }

    public IReadOnlyList<(int Major, int Minor, DateOnly EndOfLife)> Releases { get; }

    public static KubernetesSupport Load()
    {
        using var stream = typeof(KubernetesSupport).Assembly.GetManifestResourceStream("NetSecPS.Core.Resources.kubernetes-support.json")
            ?? throw new InvalidOperationException("The Kubernetes support table is missing from the assembly.");
        using var doc = JsonDocument.Parse(stream);
        var releases = new List<(int, int, DateOnly)>();
        foreach (var r in doc.RootElement.GetProperty("releases").EnumerateArray())
        {
            var (major, minor) = ParseVersion(r.GetProperty("version").GetString()) ?? throw new InvalidDataException("Bad version in the support table.");
            releases.Add((major, minor, DateOnly.ParseExact(r.GetProperty("endOfLife").GetString()!, "yyyy-MM-dd", CultureInfo.InvariantCulture)));
        }

        return new KubernetesSupport(DateOnly.ParseExact(doc.RootElement.GetProperty("updated").GetString()!, "yyyy-MM-dd", CultureInfo.InvariantCulture),
            releases.OrderBy(r => r.Item1).ThenBy(r => r.Item2).ToList());
    }

    /// <summary>Reads <c>v1.29.3-eks-5e0fdde</c>, <c>1.29</c> and the like as (major, minor).</summary>
    public static (int Major, int Minor)? ParseVersion(string? text)
    {
        var m = text is null ? Match.Empty : VersionRegex().Match(text);
        return m.Success ? (int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)) : null;
    }

    /// <summary>The end of support of a release: its date, <see cref="DateOnly.MinValue"/> when older than the table, null when newer than the table knows.</summary>
    public DateOnly? EndOfLife(int major, int minor)
    {
        foreach (var r in Releases)
        {
            if (r.Major == major && r.Minor == minor)
            {
                return r.EndOfLife;
            }
        }

        var oldest = Releases[0];
        return major < oldest.Major || (major == oldest.Major && minor < oldest.Minor) ? DateOnly.MinValue : null;
    }

    [GeneratedRegex(@"^v?(\d+)\.(\d+)")]
    private static partial Regex VersionRegex();
}
