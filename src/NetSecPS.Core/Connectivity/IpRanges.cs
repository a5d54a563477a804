using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace NetSecPS.Core.Connectivity;

/// <summary>An inclusive range of IPv4 or IPv6 addresses (family 4 or 6), held as 128-bit numbers.</summary>
internal readonly record struct IpRange(int Family, UInt128 First, UInt128 Last)
{
    public static UInt128 MaxOf(int family) => family == 4 ? uint.MaxValue : UInt128.MaxValue;

    /// <summary>The whole address space of a family: <c>0.0.0.0/0</c> or <c>::/0</c>.</summary>
    public static IpRange All(int family) => new(family, UInt128.Zero, MaxOf(family));

    public bool Contains(IpRange other) => other.Family == Family && other.First >= First && other.Last <= Last;

    public bool Overlaps(IpRange other) => other.Family == Family && other.First <= Last && other.Last >= First;

    /// <summary>The suffix of an external peer's name: <c>first-last[External]</c>.</summary>
    public const string PeerSuffix = "[External]";

    /// <summary>The connlist form of an external peer: <c>first-last</c>.</summary>
    public override string ToString() => Format(Family, First) + "-" + Format(Family, Last);

    /// <summary>The external peer's name: <c>first-last[External]</c>.</summary>
    public string ToPeerName() => ToString() + PeerSuffix;

    /// <summary>True when the peer name is an external range (whether or not it parses).</summary>
    public static bool IsExternalPeer(string peer) => peer.EndsWith(PeerSuffix, StringComparison.Ordinal);

    /// <summary>
    /// Reads an external peer, <c>first-last[External]</c>; a single address or a CIDR before the
    /// suffix is accepted too, because baselines written by other tools or by hand may use them.
    /// </summary>
    public static bool TryParsePeer(string peer, out IpRange range)
    {
        range = default;
        if (!IsExternalPeer(peer))
        {
            return false;
        }

        var text = peer[..^PeerSuffix.Length];
        var dash = text.IndexOf('-', StringComparison.Ordinal);
        if (dash > 0)
        {
            if (TryParseAddress(text[..dash], out var a) && TryParseAddress(text[(dash + 1)..], out var b) && a.Family == b.Family && a.First <= b.First)
            {
                range = new IpRange(a.Family, a.First, b.Last);
                return true;
            }

            return false;
        }

        return TryParseCidr(text, out range, out _) || TryParseAddress(text, out range);
    }

    public static string Format(int family, UInt128 value)
    {
        if (family == 4)
        {
            var v = (uint)value;
            return string.Create(CultureInfo.InvariantCulture, $"{v >> 24}.{(v >> 16) & 0xff}.{(v >> 8) & 0xff}.{v & 0xff}");
        }

        var bytes = new byte[16];
        for (var i = 15; i >= 0; i--)
        {
            bytes[i] = (byte)(value & 0xff);
            value >>= 8;
        }

        return new IPAddress(bytes).ToString();
    }

    /// <summary>Parses a CIDR (<c>10.0.0.0/8</c>, <c>fd00::/8</c>); host bits are masked as the API server's parser does.</summary>
    public static bool TryParseCidr(string? text, out IpRange range, out int prefixLength)
    {
        range = default;
        prefixLength = -1;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || !IPAddress.TryParse(text[..slash], out var address) ||
            !int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out prefixLength))
        {
            return false;
        }

        var (family, value) = ToNumber(address);
        var bits = family == 4 ? 32 : 128;
        if (prefixLength > bits)
        {
            return false;
        }

        var hostBits = bits - prefixLength;
        var hostMask = hostBits == 128 ? UInt128.MaxValue : (UInt128.One << hostBits) - 1;
        var first = value & ~hostMask & MaxOf(family);
        range = new IpRange(family, first, first | (hostMask & MaxOf(family)));
        return true;
    }

    /// <summary>
    /// An IPv6 range as netpol-analyzer's IP blocks hold it: IPv4 only, from the first 32 bits of
    /// the address and of the mask (an IPv4 range is returned as it is).
    /// </summary>
    public IpRange AsNetpolAnalyzerIpv4(int prefixLength)
    {
        if (Family == 4)
        {
            return this;
        }

        var start = (uint)(First >> 96);
        var mask = prefixLength >= 32 ? uint.MaxValue : prefixLength <= 0 ? 0u : uint.MaxValue << (32 - prefixLength);
        return new IpRange(4, start & mask, (start & mask) | ~mask);
    }

    public static bool TryParseAddress(string? text, out IpRange range)
    {
        range = default;
        if (string.IsNullOrWhiteSpace(text) || text.Contains('/', StringComparison.Ordinal) || !IPAddress.TryParse(text, out var address))
        {
            return false;
        }

        var (family, value) = ToNumber(address);
        range = new IpRange(family, value, value);
        return true;
    }

    public static (int Family, UInt128 Value) ToNumber(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        var bytes = address.GetAddressBytes();
        UInt128 value = 0;
        foreach (var b in bytes)
        {
            value = (value << 8) | b;
        }

        return (address.AddressFamily == AddressFamily.InterNetwork ? 4 : 6, value);
    }
}

/// <summary>
/// The one definition of "the internet" that every check and report uses: every address outside
/// the internal ranges, which are the private networks (RFC 1918, and unique local addresses
/// fc00::/7), the shared address space of carrier-grade NAT and cloud pod networks (RFC 6598,
/// 100.64.0.0/10), link-local addresses (169.254.0.0/16 with the cloud metadata endpoint,
/// fe80::/10) and loopback (127.0.0.0/8, ::1).
/// </summary>
internal static class AddressSpace
{
    /// <summary>The internal ranges, IPv4 then IPv6, as CIDRs.</summary>
    public static IReadOnlyList<string> InternalCidrs { get; } = new[]
    {
        "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16", "127.0.0.0/8",
        "fc00::/7", "fe80::/10", "::1/128",
    };

    /// <summary>The internal ranges a pod's traffic can reach through a policy (loopback never leaves the pod).</summary>
    public static IReadOnlyList<string> RoutableInternalCidrs { get; } = InternalCidrs.Where(c => c is not ("127.0.0.0/8" or "::1/128")).ToList();

    /// <summary>
    /// Where pod networks live: the private ranges, the shared address space and unique local
    /// addresses (never link-local or loopback). A CIDR outside them cannot hold a pod address.
    /// </summary>
    public static IpSet PodNetworks { get; } = IpSet.Of(new[] { "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7" }.Select(Parse));

    /// <summary>The internal ranges as an address set.</summary>
    public static IpSet Internal { get; } = IpSet.Of(InternalCidrs.Select(Parse));

    /// <summary>True when the range holds some internet address, that is an address outside <see cref="Internal"/>.</summary>
    public static bool ReachesInternet(IpRange range) => !Internal.Contains(range);

    /// <summary>The internal ranges the set holds in part or whole, as CIDRs (routable ones only).</summary>
    public static IEnumerable<string> RoutableInternalIn(IpSet set) =>
        RoutableInternalCidrs.Where(c => set.Ranges.Any(r => r.Overlaps(Parse(c))));

    public static IpRange Parse(string cidr) =>
        IpRange.TryParseCidr(cidr, out var r, out _) ? r : throw new ArgumentException($"'{cidr}' is not a CIDR.", nameof(cidr));
}

/// <summary>An immutable set of addresses: disjoint, sorted ranges per family.</summary>
internal sealed class IpSet
{
    private readonly IpRange[] ranges;

    private IpSet(IpRange[] ranges) => this.ranges = ranges;

    public static IpSet Empty { get; } = new(Array.Empty<IpRange>());

    public IReadOnlyList<IpRange> Ranges => ranges;

    public bool IsEmpty => ranges.Length == 0;

    public static IpSet Of(IEnumerable<IpRange> input) => new(Normalize(input));

    public IpSet Union(IpSet other) => new(Normalize(ranges.Concat(other.ranges)));

    /// <summary>Removes <paramref name="holes"/> (the <c>except</c> list of an ipBlock).</summary>
    public IpSet Subtract(IEnumerable<IpRange> holes)
    {
        var current = ranges.ToList();
        foreach (var h in holes)
        {
            var next = new List<IpRange>(current.Count + 1);
            foreach (var r in current)
            {
                if (!r.Overlaps(h))
                {
                    next.Add(r);
                    continue;
                }

                if (h.First > r.First)
                {
                    next.Add(r with { Last = h.First - 1 });
                }

                if (h.Last < r.Last)
                {
                    next.Add(r with { First = h.Last + 1 });
                }
            }

            current = next;
        }

        return new IpSet(Normalize(current));
    }

    /// <summary>True when every address of <paramref name="range"/> is in the set.</summary>
    public bool Contains(IpRange range)
    {
        foreach (var r in ranges)
        {
            if (r.Contains(range))
            {
                return true;
            }
        }

        return false;
    }

    private static IpRange[] Normalize(IEnumerable<IpRange> input)
    {
        var sorted = input.OrderBy(r => r.Family).ThenBy(r => r.First).ToList();
        var result = new List<IpRange>(sorted.Count);
        foreach (var r in sorted)
        {
            if (result.Count > 0)
            {
                var last = result[^1];
                if (last.Family == r.Family && (last.Last == IpRange.MaxOf(r.Family) || r.First <= last.Last + 1))
                {
                    if (r.Last > last.Last)
                    {
                        result[^1] = last with { Last = r.Last };
                    }

                    continue;
                }
            }

            result.Add(r);
        }

        return result.ToArray();
    }

    public override string ToString() => IsEmpty ? "none" : string.Join(",", ranges.Select(r => r.ToString()));

    /// <summary>
    /// Cuts the address space into the disjoint intervals that the given ranges' boundaries
    /// define: every given range is a union of the result's intervals. IPv4 is always cut (the
    /// whole space when nothing cuts it); IPv6 only when some range is IPv6.
    /// </summary>
    public static IReadOnlyList<IpRange> Cut(IEnumerable<IpRange> cuts)
    {
        var list = cuts.ToList();
        var result = new List<IpRange>();
        foreach (var family in new[] { 4, 6 })
        {
            var ofFamily = list.Where(r => r.Family == family).ToList();
            if (family == 6 && ofFamily.Count == 0)
            {
                continue;
            }

            var max = IpRange.MaxOf(family);
            var starts = new SortedSet<UInt128> { UInt128.Zero };
            foreach (var r in ofFamily)
            {
                starts.Add(r.First);
                if (r.Last < max)
                {
                    starts.Add(r.Last + 1);
                }
            }

            var points = starts.ToList();
            for (var i = 0; i < points.Count; i++)
            {
                var last = i + 1 < points.Count ? points[i + 1] - 1 : max;
                result.Add(new IpRange(family, points[i], last));
            }
        }

        return result;
    }
}
