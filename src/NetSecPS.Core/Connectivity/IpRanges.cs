using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace NetSecPS.Core.Connectivity;

/// <summary>An inclusive range of IPv4 or IPv6 addresses (family 4 or 6), held as 128-bit numbers.</summary>
public readonly record struct IpRange(int Family, UInt128 First, UInt128 Last)
{
    public static UInt128 MaxOf(int family) => family == 4 ? uint.MaxValue : UInt128.MaxValue;

    /// <summary>The whole address space of a family: <c>0.0.0.0/0</c> or <c>::/0</c>.</summary>
    public static IpRange All(int family) => new(family, UInt128.Zero, MaxOf(family));

    public bool Contains(IpRange other) => other.Family == Family && other.First >= First && other.Last <= Last;

    public bool Overlaps(IpRange other) => other.Family == Family && other.First <= Last && other.Last >= First;

    /// <summary>The connlist form of an external peer: <c>first-last</c>.</summary>
    public override string ToString() => Format(Family, First) + "-" + Format(Family, Last);

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

/// <summary>An immutable set of addresses: disjoint, sorted ranges per family.</summary>
public sealed class IpSet
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
