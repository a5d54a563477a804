using System.Globalization;

namespace NetSecPS.Core.Sources;

/// <summary>
/// Budgets on what one input may make NetSecPS read, hold or compute. Each bounds an attack that
/// costs the attacker a few kilobytes and the reader gigabytes or minutes (nested aliases, a
/// compressed file that inflates a thousandfold, a nesting that makes the YAML scanner quadratic);
/// none of them is close to what a real cluster holds. The manifest limits follow the Kubernetes
/// API server's own: no object it accepts can exceed them, so a manifest that does could never
/// have been applied.
/// </summary>
internal sealed record InputLimits
{
    /// <summary>The API server's limit on one request body (kube-apiserver MaxRequestBodyBytes, 3 MiB): no value of an object a cluster accepted is longer.</summary>
    public const int ApiServerRequestBytes = 3 * 1024 * 1024;

    /// <summary>The defaults, each documented in about_NetSecPS and docs/architecture.md.</summary>
    public static InputLimits Default { get; } = new();

    /// <summary>Largest manifest file read. A `kubectl get -A -o yaml` dump of a 50,000-pod cluster is about 330 MiB.</summary>
    public long MaxManifestFileBytes { get; init; } = 1L << 30;

    /// <summary>Longest single value (scalar, key or comment) of a manifest, in characters.</summary>
    public int MaxValueChars { get; init; } = ApiServerRequestBytes;

    /// <summary>
    /// Deepest nesting of mappings and sequences. Kubernetes objects nest about 15 levels deep, CRD
    /// schemas up to about 60; deeper documents only make the YAML scanner slow.
    /// </summary>
    public int MaxNestingDepth { get; init; } = 200;

    /// <summary>
    /// Most text the aliases of one YAML document may add (a `*alias` copies its anchor's content).
    /// The API server refuses request bodies above 3 MiB before it decodes them.
    /// </summary>
    public long MaxAliasExpansionChars { get; init; } = ApiServerRequestBytes;

    /// <summary>
    /// Largest decompressed content of a saved snapshot (`-MaximumSnapshotSize`). The generated
    /// 50,000-pod cluster's snapshot inflates to 296 MiB (docs/performance.md), so a cluster at
    /// Kubernetes' own scalability limit of 150,000 pods fits with room to spare.
    /// </summary>
    public long MaxSnapshotBytes { get; init; } = 2L << 30;

    /// <summary>Largest single value of a saved snapshot (one object, or the diagnostics section).</summary>
    public int MaxSnapshotValueBytes { get; init; } = 64 * 1024 * 1024;

    /// <summary>
    /// How much of a YAML document may come from alias expansion, as the API server's YAML decoder
    /// (go-yaml, since CVE-2019-11253) allows it: 99% of a small document, falling to 10% of a
    /// document of four million nodes and more. Counted in nodes, expansions included.
    /// </summary>
    internal static double AllowedAliasRatio(long nodes) => nodes switch
    {
        <= AliasRatioRangeLow => 0.99,
        >= AliasRatioRangeHigh => 0.10,
        _ => 0.99 - (0.89 * (nodes - AliasRatioRangeLow) / (double)(AliasRatioRangeHigh - AliasRatioRangeLow)),
    };

    /// <summary>True when a document of <paramref name="nodes"/> nodes, <paramref name="aliasNodes"/> of them from aliases, aliases excessively (go-yaml's rule).</summary>
    internal static bool IsExcessiveAliasing(long nodes, long aliasNodes) =>
        aliasNodes > 100 && nodes > 1000 && aliasNodes / (double)nodes > AllowedAliasRatio(nodes);

    private const long AliasRatioRangeLow = 400_000;
    private const long AliasRatioRangeHigh = 4_000_000;

    /// <summary>A size for messages: "3 MiB", "1 GiB", "512 KiB".</summary>
    public static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 when bytes % (1L << 30) == 0 => (bytes >> 30).ToString(CultureInfo.InvariantCulture) + " GiB",
        >= 1L << 20 when bytes % (1L << 20) == 0 => (bytes >> 20).ToString(CultureInfo.InvariantCulture) + " MiB",
        >= 1L << 30 => (bytes / (double)(1L << 30)).ToString("0.#", CultureInfo.InvariantCulture) + " GiB",
        >= 1L << 20 => (bytes / (double)(1L << 20)).ToString("0.#", CultureInfo.InvariantCulture) + " MiB",
        >= 1L << 10 => (bytes / (double)(1L << 10)).ToString("0.#", CultureInfo.InvariantCulture) + " KiB",
        _ => bytes.ToString(CultureInfo.InvariantCulture) + " bytes",
    };
}

/// <summary>An input refused by one of the <see cref="InputLimits"/>: the code names the limit, the message the file and the size.</summary>
internal sealed class InputLimitException : Exception
{
    public InputLimitException(string code, string message, int? line = null, int? column = null)
        : base(message)
    {
        Code = code;
        Line = line;
        Column = column;
    }

    public InputLimitException()
        : this("InputLimit", "The input exceeds a limit.")
    {
    }

    public InputLimitException(string message)
        : this("InputLimit", message)
    {
    }

    public InputLimitException(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = "InputLimit";
    }

    /// <summary>Stable id of the limit: ExcessiveAliasing, NestingTooDeep, ValueTooLarge, FileTooLarge, SnapshotTooLarge.</summary>
    public string Code { get; }

    public int? Line { get; }

    public int? Column { get; }
}
