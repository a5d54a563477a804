using System.Globalization;
using System.Text;

namespace NetSecPS.Core.Connectivity;

/// <summary>
/// An immutable set of connections over every IP protocol: for TCP, UDP and SCTP a set of
/// disjoint, sorted, inclusive port ranges within 1-65535; for ICMP and ICMPv6 a set of
/// (type, code) pairs; for every other IP protocol whether it is in the set. Renders in the
/// connlist text form (<c>All Connections</c>, or <c>SCTP 1-9002,TCP 80,UDP 53</c>).
/// </summary>
/// <remarks>
/// Kubernetes NetworkPolicy names only TCP, UDP and SCTP; a rule without <c>ports</c> admits
/// every protocol, a rule with ports admits only those ports. Calico and Cilium rules also name
/// ICMP (by type and code) and protocols by number, so the set holds them too. ICMP (type, code)
/// pairs are kept as the numbers <c>type × 256 + code</c>, so one range algebra serves every
/// dimension.
/// </remarks>
internal sealed class ConnectionSet : IEquatable<ConnectionSet>
{
    public const int MinPort = 1;
    public const int MaxPort = 65535;

    /// <summary>The protocols NetworkPolicy knows (the ones with ports), in the alphabetical order the text form uses.</summary>
    public static readonly IReadOnlyList<string> Protocols = new[] { "SCTP", "TCP", "UDP" };

    /// <summary>Every protocol name the set understands: the port protocols, ICMP and ICMPv6.</summary>
    public static readonly IReadOnlyList<string> NamedProtocols = new[] { "ICMP", "ICMPv6", "SCTP", "TCP", "UDP" };

    // Dimensions: 0 SCTP, 1 TCP, 2 UDP (ports), 3 ICMP, 4 ICMPv6 (type*256+code), 5 other IP protocol numbers.
    private const int PortDimensions = 3;
    private const int Icmp = 3;
    private const int Icmp6 = 4;
    private const int Other = 5;
    private const int Dimensions = 6;

    /// <summary>IP protocol numbers of the protocols that have a dimension of their own.</summary>
    private static readonly int[] NumberOfDimension = { 132, 6, 17, 1, 58 };

    private static readonly (int From, int To)[] NoRanges = Array.Empty<(int, int)>();
    private static readonly (int From, int To)[][] Universe =
    {
        new[] { (MinPort, MaxPort) }, new[] { (MinPort, MaxPort) }, new[] { (MinPort, MaxPort) },
        new[] { (0, 65535) }, new[] { (0, 65535) },
        new[] { (0, 0), (2, 5), (7, 16), (18, 57), (59, 131), (133, 255) },
    };

    private readonly (int From, int To)[][] ranges;

    private ConnectionSet((int From, int To)[][] ranges) => this.ranges = ranges;

    public static ConnectionSet None { get; } = new(Enumerable.Repeat(NoRanges, Dimensions).ToArray());

    public static ConnectionSet All { get; } = new(Universe);

    /// <summary>The index of a port protocol (SCTP 0, TCP 1, UDP 2).</summary>
    public static int ProtocolIndex(string protocol) => protocol.ToUpperInvariant() switch
    {
        "SCTP" => 0,
        "TCP" => 1,
        "UDP" => 2,
        _ => throw new ArgumentException($"Unknown protocol '{protocol}'; ports belong to TCP, UDP and SCTP.", nameof(protocol)),
    };

    /// <summary>True for TCP, UDP and SCTP, the protocols with ports.</summary>
    public static bool HasPorts(string protocol) => protocol.ToUpperInvariant() is "SCTP" or "TCP" or "UDP";

    /// <summary>
    /// The protocol as this set names it: <c>TCP</c>, <c>UDP</c>, <c>SCTP</c>, <c>ICMP</c>,
    /// <c>ICMPv6</c>, from a name or an IP protocol number; null when it is neither.
    /// </summary>
    public static string? NormalizeProtocol(string? protocol)
    {
        if (string.IsNullOrWhiteSpace(protocol))
        {
            return null;
        }

        var p = protocol.Trim();
        if (int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return number switch { 1 => "ICMP", 6 => "TCP", 17 => "UDP", 58 => "ICMPv6", 132 => "SCTP", _ => null };
        }

        return p.ToUpperInvariant() switch
        {
            "TCP" => "TCP",
            "UDP" => "UDP",
            "SCTP" => "SCTP",
            "ICMP" => "ICMP",
            "ICMPV6" or "ICMP6" or "IPV6-ICMP" => "ICMPv6",
            _ => null,
        };
    }

    /// <summary>One port protocol, every port.</summary>
    public static ConnectionSet AllPorts(string protocol) => Ports(protocol, MinPort, MaxPort);

    /// <summary>One port protocol, one inclusive port range.</summary>
    public static ConnectionSet Ports(string protocol, int from, int to)
    {
        if (from > to || from < MinPort || to > MaxPort)
        {
            return None;
        }

        return Single(ProtocolIndex(protocol), from, to);
    }

    public static ConnectionSet Port(string protocol, int port) => Ports(protocol, port, port);

    /// <summary>Every connection of one protocol: all ports of a port protocol, every ICMP type, or one other IP protocol by name or number.</summary>
    public static ConnectionSet AllOf(string protocol)
    {
        var normalized = NormalizeProtocol(protocol);
        if (normalized is null)
        {
            return int.TryParse(protocol, NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? IpProtocol(number) : None;
        }

        return normalized switch
        {
            "ICMP" => Single(Icmp, 0, 65535),
            "ICMPv6" => Single(Icmp6, 0, 65535),
            _ => AllPorts(normalized),
        };
    }

    /// <summary>Every connection of one IP protocol, by number (6 is TCP with every port).</summary>
    public static ConnectionSet IpProtocol(int number)
    {
        if (number is < 0 or > 255)
        {
            return None;
        }

        var dimension = Array.IndexOf(NumberOfDimension, number);
        return dimension switch
        {
            < 0 => Single(Other, number, number),
            < PortDimensions => Single(dimension, MinPort, MaxPort),
            _ => Single(dimension, 0, 65535),
        };
    }

    /// <summary>ICMP (family 4) or ICMPv6 (family 6) messages: one type, or every type; one code of it, or every code.</summary>
    public static ConnectionSet IcmpMessages(int family, int? type, int? code)
    {
        var dimension = family == 6 ? Icmp6 : Icmp;
        if (type is null)
        {
            return Single(dimension, 0, 65535);
        }

        if (type is < 0 or > 255 || code is < 0 or > 255)
        {
            return None;
        }

        return code is null ? Single(dimension, type.Value << 8, (type.Value << 8) | 255) : Single(dimension, (type.Value << 8) | code.Value, (type.Value << 8) | code.Value);
    }

    /// <summary>Every protocol but TCP, UDP and SCTP: what a rule without ports admits beyond its ports.</summary>
    public static ConnectionSet NonPortProtocols { get; } = new(new[] { NoRanges, NoRanges, NoRanges, Universe[Icmp], Universe[Icmp6], Universe[Other] });

    private static ConnectionSet Single(int dimension, int from, int to)
    {
        var r = Enumerable.Repeat(NoRanges, Dimensions).ToArray();
        r[dimension] = new[] { (from, to) };
        return new ConnectionSet(r);
    }

    public bool IsEmpty => ranges.All(r => r.Length == 0);

    public bool IsAll => Equals(All);

    /// <summary>Every port of TCP, UDP and SCTP is in the set (what netpol-analyzer calls All Connections).</summary>
    public bool HasAllPorts
    {
        get
        {
            for (var p = 0; p < PortDimensions; p++)
            {
                if (!ranges[p].AsSpan().SequenceEqual(Universe[p]))
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>The set holds ICMP, ICMPv6 or other protocols in part: neither none nor all of them.</summary>
    public bool HasPartialNonPortProtocols
    {
        get
        {
            var none = true;
            var all = true;
            for (var d = PortDimensions; d < Dimensions; d++)
            {
                none &= ranges[d].Length == 0;
                all &= ranges[d].AsSpan().SequenceEqual(Universe[d]);
            }

            return !none && !all;
        }
    }

    private bool HasNonPortProtocols
    {
        get
        {
            for (var d = PortDimensions; d < Dimensions; d++)
            {
                if (ranges[d].Length > 0)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>The ranges of one port protocol.</summary>
    public IReadOnlyList<(int From, int To)> RangesOf(string protocol) => ranges[ProtocolIndex(protocol)];

    /// <summary>
    /// True when the set holds the connection: a port of TCP, UDP or SCTP, or an ICMP/ICMPv6
    /// message whose type is <paramref name="port"/> (code 0), or an IP protocol by number (port ignored).
    /// </summary>
    public bool Contains(string protocol, int port)
    {
        var normalized = NormalizeProtocol(protocol);
        switch (normalized)
        {
            case "ICMP":
                return ContainsIcmp(4, port, 0);
            case "ICMPv6":
                return ContainsIcmp(6, port, 0);
            case null:
                return int.TryParse(protocol, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && In(ranges[Other], number);
            default:
                return In(ranges[ProtocolIndex(normalized)], port);
        }
    }

    public bool ContainsIcmp(int family, int type, int code) => In(ranges[family == 6 ? Icmp6 : Icmp], (type << 8) | code);

    public bool IsSubsetOf(ConnectionSet other) => Subtract(other).IsEmpty;

    public ConnectionSet Union(ConnectionSet other) => Combine(other, (a, b) => a || b);

    public ConnectionSet Intersect(ConnectionSet other) => Combine(other, (a, b) => a && b);

    public ConnectionSet Subtract(ConnectionSet other) => Combine(other, (a, b) => a && !b);

    /// <summary>The set without ICMP, ICMPv6 and other protocols: only its TCP, UDP and SCTP ports.</summary>
    public ConnectionSet PortsOnly() => Intersect(new(new[] { Universe[0], Universe[1], Universe[2], NoRanges, NoRanges, NoRanges }));

    private ConnectionSet Combine(ConnectionSet other, Func<bool, bool, bool> op)
    {
        if (ReferenceEquals(this, other))
        {
            var same = op(true, true);
            return same ? this : None;
        }

        var result = new (int, int)[Dimensions][];
        for (var p = 0; p < Dimensions; p++)
        {
            result[p] = CombineRanges(ranges[p], other.ranges[p], op);
        }

        return new ConnectionSet(result);
    }

    /// <summary>Sweeps the boundaries of both range lists and keeps the segments where op holds.</summary>
    private static (int, int)[] CombineRanges((int From, int To)[] a, (int From, int To)[] b, Func<bool, bool, bool> op)
    {
        if (a.Length == 0 && b.Length == 0)
        {
            return NoRanges;
        }

        var points = new int[(a.Length + b.Length) * 2];
        var n = 0;
        foreach (var (f, t) in a)
        {
            points[n++] = f;
            points[n++] = t + 1;
        }

        foreach (var (f, t) in b)
        {
            points[n++] = f;
            points[n++] = t + 1;
        }

        Array.Sort(points);

        var list = new List<(int, int)>();
        int? start = null;
        for (var i = 0; i < points.Length; i++)
        {
            var x = points[i];
            if (i > 0 && points[i - 1] == x)
            {
                continue;
            }

            var inside = op(In(a, x), In(b, x));
            if (inside && start is null)
            {
                start = x;
            }
            else if (!inside && start is not null)
            {
                list.Add((start.Value, x - 1));
                start = null;
            }
        }

        // Every range ends below the last point, so a segment is always closed above.
        return list.Count == 0 ? NoRanges : list.ToArray();
    }

    private static bool In((int From, int To)[] r, int x)
    {
        foreach (var (f, t) in r)
        {
            if (x < f)
            {
                return false;
            }

            if (x <= t)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The set as structured ranges, protocols in alphabetical order. ICMP and ICMPv6 ranges
    /// are of message types (a range that covers only some codes of a type names that type);
    /// other protocols are <c>IP</c> ranges of protocol numbers.
    /// </summary>
    public IReadOnlyList<PortRange> ToPortRanges()
    {
        var list = new List<PortRange>();
        foreach (var d in new[] { Icmp, Icmp6 })
        {
            foreach (var (f, t) in ranges[d])
            {
                list.Add(new PortRange(d == Icmp ? "ICMP" : "ICMPv6", f >> 8, t >> 8));
            }
        }

        for (var p = 0; p < PortDimensions; p++)
        {
            foreach (var (f, t) in ranges[p])
            {
                list.Add(new PortRange(Protocols[p], f, t));
            }
        }

        foreach (var (f, t) in ranges[Other])
        {
            list.Add(new PortRange("IP", f, t));
        }

        return list;
    }

    /// <summary>Reads the connlist text form back (<c>All Connections</c>, <c>No Connections</c>, <c>SCTP 1-9002,TCP 80,UDP 53</c>, <c>ICMP 8/0</c>, <c>other protocols</c>).</summary>
    public static bool TryParse(string? text, out ConnectionSet result)
    {
        result = None;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var t = text.Trim();
        if (t.Equals("All Connections", StringComparison.OrdinalIgnoreCase))
        {
            result = All;
            return true;
        }

        if (t.Equals("No Connections", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        // Items are comma separated; an item that starts with a protocol switches the protocol,
        // the others are further ranges of the current one ("TCP 80,443,UDP 53").
        string? protocol = null;
        var set = None;
        foreach (var raw in t.Split(','))
        {
            var part = raw.Trim();
            if (part.Equals("other protocols", StringComparison.OrdinalIgnoreCase))
            {
                set = set.Union(new ConnectionSet(new[] { NoRanges, NoRanges, NoRanges, NoRanges, NoRanges, Universe[Other] }));
                protocol = null;
                continue;
            }

            var space = part.IndexOf(' ', StringComparison.Ordinal);
            var head = space > 0 ? part[..space] : part;
            var named = head.Equals("protocols", StringComparison.OrdinalIgnoreCase) ? "protocols" : NormalizeProtocol(head) is { } n && !int.TryParse(head, out _) ? n : null;
            if (named is not null)
            {
                protocol = named;
                if (space < 0)
                {
                    if (protocol == "protocols")
                    {
                        return false;
                    }

                    set = set.Union(AllOf(protocol));
                    protocol = null;
                    continue;
                }

                part = part[(space + 1)..].Trim();
            }

            if (protocol is null || !TryItem(protocol, part, out var item))
            {
                return false;
            }

            set = set.Union(item);
        }

        result = set;
        return true;
    }

    private static bool TryItem(string protocol, string text, out ConnectionSet item)
    {
        item = None;
        if (protocol is "ICMP" or "ICMPv6")
        {
            var family = protocol == "ICMP" ? 4 : 6;
            var slash = text.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0)
            {
                if (!TryRange(text, 0, 255, out var fromType, out var toType))
                {
                    return false;
                }

                item = Single(family == 6 ? Icmp6 : Icmp, fromType << 8, (toType << 8) | 255);
                return true;
            }

            if (!int.TryParse(text[..slash], NumberStyles.None, CultureInfo.InvariantCulture, out var type) || type > 255 ||
                !TryRange(text[(slash + 1)..], 0, 255, out var fromCode, out var toCode))
            {
                return false;
            }

            item = Single(family == 6 ? Icmp6 : Icmp, (type << 8) | fromCode, (type << 8) | toCode);
            return true;
        }

        if (protocol == "protocols")
        {
            if (!TryRange(text, 0, 255, out var fromNumber, out var toNumber))
            {
                return false;
            }

            for (var number = fromNumber; number <= toNumber; number++)
            {
                item = item.Union(IpProtocol(number));
            }

            return true;
        }

        if (!TryRange(text, MinPort, MaxPort, out var from, out var to))
        {
            return false;
        }

        item = Ports(protocol, from, to);
        return true;
    }

    private static bool TryRange(string text, int min, int max, out int from, out int to)
    {
        var dash = text.IndexOf('-', StringComparison.Ordinal);
        to = 0;
        if (!int.TryParse(dash < 0 ? text : text[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out from) ||
            !int.TryParse(dash < 0 ? text : text[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out to))
        {
            return false;
        }

        return from >= min && to <= max && from <= to;
    }

    /// <summary>
    /// The connlist text form. ICMP, ICMPv6 and other protocols are listed when the set holds
    /// them in part, or holds nothing else; otherwise the text lists TCP, UDP and SCTP as
    /// netpol-analyzer does (see <see cref="Format(bool)"/>).
    /// </summary>
    public override string ToString() => Format(HasPartialNonPortProtocols || (HasNonPortProtocols && PortsOnly().IsEmpty));

    /// <summary>
    /// The connlist text form: <c>All Connections</c>, <c>No Connections</c>, or protocols with
    /// merged ranges. Without <paramref name="nonPortProtocols"/> only TCP, UDP and SCTP are listed
    /// and every port of all three reads <c>All Connections</c>, the form of the netpol-analyzer
    /// golden files for clusters whose policies name no other protocol. With it, ICMP and ICMPv6
    /// messages (<c>ICMP</c>, <c>ICMP 8</c>, <c>ICMP 8/0</c>) and other IP protocols
    /// (<c>protocols 47,50</c>, or <c>other protocols</c> for all of them) are listed too.
    /// </summary>
    public string Format(bool nonPortProtocols)
    {
        if (nonPortProtocols ? IsAll : HasAllPorts)
        {
            return "All Connections";
        }

        var sb = new StringBuilder();
        void Item(string text)
        {
            if (sb.Length > 0)
            {
                sb.Append(',');
            }

            sb.Append(text);
        }

        if (nonPortProtocols)
        {
            foreach (var d in new[] { Icmp, Icmp6 })
            {
                var name = d == Icmp ? "ICMP" : "ICMPv6";
                if (ranges[d].AsSpan().SequenceEqual(Universe[d]))
                {
                    Item(name);
                    continue;
                }

                var first = true;
                foreach (var (f, t) in ranges[d])
                {
                    Item((first ? name + " " : string.Empty) + IcmpText(f, t));
                    first = false;
                }
            }
        }

        for (var p = 0; p < PortDimensions; p++)
        {
            if (ranges[p].Length == 0)
            {
                continue;
            }

            Item(Protocols[p] + " " + string.Join(',', ranges[p].Select(r => RangeText(r.From, r.To))));
        }

        if (nonPortProtocols && ranges[Other].Length > 0)
        {
            Item(ranges[Other].AsSpan().SequenceEqual(Universe[Other])
                ? "other protocols"
                : "protocols " + string.Join(',', ranges[Other].Select(r => RangeText(r.From, r.To))));
        }

        return sb.Length == 0 ? "No Connections" : sb.ToString();
    }

    private static string RangeText(int from, int to) =>
        from == to ? from.ToString(CultureInfo.InvariantCulture) : string.Create(CultureInfo.InvariantCulture, $"{from}-{to}");

    /// <summary>ICMP messages from <paramref name="from"/> to <paramref name="to"/> (type × 256 + code): whole types as <c>8</c> or <c>3-5</c>, else <c>type/code</c> items.</summary>
    private static string IcmpText(int from, int to)
    {
        if ((from & 255) == 0 && (to & 255) == 255)
        {
            return RangeText(from >> 8, to >> 8);
        }

        var items = new List<string>();
        var x = from;
        while (x <= to)
        {
            var type = x >> 8;
            if ((x & 255) == 0 && ((type << 8) | 255) <= to)
            {
                var lastWhole = (to & 255) == 255 ? to >> 8 : (to >> 8) - 1;
                items.Add(RangeText(type, lastWhole));
                x = (lastWhole + 1) << 8;
                continue;
            }

            var end = Math.Min(to, (type << 8) | 255);
            items.Add(string.Create(CultureInfo.InvariantCulture, $"{type}/{RangeText(x & 255, end & 255)}"));
            x = end + 1;
        }

        return string.Join(',', items);
    }

    public bool Equals(ConnectionSet? other)
    {
        if (other is null)
        {
            return false;
        }

        for (var p = 0; p < Dimensions; p++)
        {
            if (!ranges[p].AsSpan().SequenceEqual(other.ranges[p]))
            {
                return false;
            }
        }

        return true;
    }

    public override bool Equals(object? obj) => obj is ConnectionSet c && Equals(c);

    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var r in ranges)
        {
            foreach (var x in r)
            {
                h.Add(x);
            }

            h.Add(-1);
        }

        return h.ToHashCode();
    }
}
