using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace NetSecPS.Core.Baseline;

/// <summary>
/// An inclusive interval of addresses of one family, as an external peer names it
/// (<c>first-last[External]</c>). Addresses are numbers so intervals can be cut and joined.
/// </summary>
public readonly record struct ExternalRange(AddressFamily Family, UInt128 First, UInt128 Last)
{
    public const string Suffix = "[External]";

    public static UInt128 MaxOf(AddressFamily family) => family == AddressFamily.InterNetwork ? uint.MaxValue : UInt128.MaxValue;

    /// <summary>True when the peer name is an external range (whether or not it parses).</summary>
    public static bool IsExternalPeer(string peer) => peer.EndsWith(Suffix, StringComparison.Ordinal);

    /// <summary>
    /// Reads <c>first-last[External]</c>; a single address or a CIDR is accepted too, because
    /// baselines written by other tools or by hand may use them.
    /// </summary>
    public static bool TryParse(string peer, out ExternalRange range)
    {
        range = default;
        if (!IsExternalPeer(peer))
        {
            return false;
        }

        var text = peer[..^Suffix.Length];
        var dash = text.IndexOf('-', StringComparison.Ordinal);
        if (dash > 0)
        {
            if (TryAddress(text[..dash], out var fam1, out var a) && TryAddress(text[(dash + 1)..], out var fam2, out var b) && fam1 == fam2 && a <= b)
            {
                range = new ExternalRange(fam1, a, b);
                return true;
            }

            return false;
        }

        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0)
        {
            if (!TryAddress(text[..slash], out var fam, out var addr)
                || !int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var prefix))
            {
                return false;
            }

            var bits = fam == AddressFamily.InterNetwork ? 32 : 128;
            if (prefix > bits)
            {
                return false;
            }

            var hostBits = bits - prefix;
            var hostMask = hostBits == 128 ? UInt128.MaxValue : (UInt128.One << hostBits) - 1;
            range = new ExternalRange(fam, addr & ~hostMask & MaxOf(fam), (addr | hostMask) & MaxOf(fam));
            return true;
        }

        if (TryAddress(text, out var f, out var single))
        {
            range = new ExternalRange(f, single, single);
            return true;
        }

        return false;
    }

    private static bool TryAddress(string text, out AddressFamily family, out UInt128 value)
    {
        family = default;
        value = default;
        if (!IPAddress.TryParse(text, out var ip))
        {
            return false;
        }

        family = ip.AddressFamily;
        var bytes = ip.GetAddressBytes();
        foreach (var b in bytes)
        {
            value = (value << 8) | b;
        }

        return true;
    }

    private string Format(UInt128 v)
    {
        var size = Family == AddressFamily.InterNetwork ? 4 : 16;
        var bytes = new byte[size];
        for (var i = size - 1; i >= 0; i--)
        {
            bytes[i] = (byte)(v & 0xFF);
            v >>= 8;
        }

        return new IPAddress(bytes).ToString();
    }

    /// <summary>The peer name: <c>first-last[External]</c>.</summary>
    public override string ToString() => $"{Format(First)}-{Format(Last)}{Suffix}";

    public bool Contains(ExternalRange other) => Family == other.Family && First <= other.First && other.Last <= Last;
}
