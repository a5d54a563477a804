using System.Management.Automation;

namespace NetSecPS.Commands;

/// <summary>
/// Matches connlist peer names against what users type: <c>ns/name</c> matches
/// <c>ns/name[Kind]</c>; <c>*</c> and <c>?</c> are wildcards, while <c>[</c> and <c>]</c> stay
/// literal (peer names contain them).
/// </summary>
internal sealed class PeerFilter
{
    private readonly List<WildcardPattern> patterns;

    public PeerFilter(IEnumerable<string> texts) =>
        patterns = texts.Select(t => WildcardPattern.Get(t.Replace("`", "``", StringComparison.Ordinal)
            .Replace("[", "`[", StringComparison.Ordinal).Replace("]", "`]", StringComparison.Ordinal), WildcardOptions.IgnoreCase)).ToList();

    public bool IsMatch(string peer)
    {
        var bracket = peer.IndexOf('[', StringComparison.Ordinal);
        var bare = bracket > 0 && !peer.StartsWith('{') ? peer[..bracket] : peer;
        return patterns.Any(p => p.IsMatch(peer) || p.IsMatch(bare));
    }

    public static PeerFilter? From(string[]? texts) => texts is { Length: > 0 } ? new PeerFilter(texts) : null;
}
