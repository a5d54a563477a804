using System.Net;
using System.Net.Sockets;

namespace NetSecPS.Core.Checks.Support;

/// <summary>An IPv4 or IPv6 network as an inclusive address interval, for containment questions.</summary>
public sealed record Cidr(AddressFamily Family, UInt128 First, UInt128 Last, int PrefixLength, string Text)
{
    /// <summary>The private ranges a workload's egress to "the internet" should not silently include.</summary>
    public static IReadOnlyList<Cidr> PrivateV4 { get; } = new[] { Parse("10.0.0.0/8")!, Parse("172.16.0.0/12")!, Parse("192.168.0.0/16")! };

    /// <summary>IPv6 unique local addresses, the IPv6 counterpart of the private ranges.</summary>
    public static IReadOnlyList<Cidr> PrivateV6 { get; } = new[] { Parse("fc00::/7")! };

    public static Cidr? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var addressText = slash < 0 ? text : text[..slash];
        if (!IPAddress.TryParse(addressText.Trim(), out var address))
        {
            return null;
        }

        var bits = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var prefix = bits;
        if (slash >= 0 && (!int.TryParse(text[(slash + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out prefix) || prefix < 0 || prefix > bits))
        {
            return null;
        }

        var value = ToNumber(address);
        var hostBits = bits - prefix;
        var mask = hostBits == 128 ? UInt128.MaxValue : (UInt128.One << hostBits) - 1;
        var first = value & ~mask;
        var last = first | mask;
        if (bits == 32)
        {
            last &= uint.MaxValue;
        }

        return new Cidr(address.AddressFamily, first, last, prefix, text.Trim());
    }

    public static UInt128 ToNumber(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        UInt128 v = 0;
        foreach (var b in bytes)
        {
            v = (v << 8) | b;
        }

        return v;
    }

    public bool Contains(IPAddress address) => address.AddressFamily == Family && ToNumber(address) is var n && n >= First && n <= Last;

    public bool Contains(Cidr other) => other.Family == Family && other.First >= First && other.Last <= Last;

    public bool Overlaps(Cidr other) => other.Family == Family && other.First <= Last && other.Last >= First;

    /// <summary>True when the union of <paramref name="parts"/> covers every address of this network.</summary>
    public bool IsCoveredBy(IEnumerable<Cidr> parts)
    {
        var next = First;
        foreach (var p in parts.Where(p => p.Family == Family).OrderBy(p => p.First))
        {
            if (p.First > next)
            {
                return false;
            }

            if (p.Last >= next)
            {
                if (p.Last == UInt128.MaxValue || (Family == AddressFamily.InterNetwork && p.Last >= uint.MaxValue))
                {
                    return true;
                }

                next = p.Last + 1;
            }

            if (next > Last)
            {
                return true;
            }
        }

        return next > Last;
    }

    public override string ToString() => Text;
}
