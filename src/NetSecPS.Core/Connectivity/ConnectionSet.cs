using System.Globalization;
using System.Text;

namespace NetSecPS.Core.Connectivity;

/// <summary>
/// An immutable set of connections: for each protocol (TCP, UDP, SCTP) a set of disjoint,
/// sorted, inclusive port ranges within 1-65535. Renders in the connlist text form
/// (<c>All Connections</c>, or <c>SCTP 1-9002,TCP 80,UDP 53</c>).
/// </summary>
public sealed class ConnectionSet : IEquatable<ConnectionSet>
{
    public const int MinPort = 1;
    public const int MaxPort = 65535;

    /// <summary>The protocols NetworkPolicy knows, in the alphabetical order the text form uses.</summary>
    public static readonly IReadOnlyList<string> Protocols = new[] { "SCTP", "TCP", "UDP" };

    private static readonly (int From, int To)[] NoRanges = Array.Empty<(int, int)>();
    private static readonly (int From, int To)[] FullRange = { (MinPort, MaxPort) };

    // index: 0 SCTP, 1 TCP, 2 UDP
    private readonly (int From, int To)[][] ranges;

    private ConnectionSet((int From, int To)[][] ranges) => this.ranges = ranges;

    public static ConnectionSet None { get; } = new(new[] { NoRanges, NoRanges, NoRanges });

    public static ConnectionSet All { get; } = new(new[] { FullRange, FullRange, FullRange });

    public static int ProtocolIndex(string protocol) => protocol.ToUpperInvariant() switch
    {
        "SCTP" => 0,
        "TCP" => 1,
        "UDP" => 2,
        _ => throw new ArgumentException($"Unknown protocol '{protocol}'; NetworkPolicy knows TCP, UDP and SCTP.", nameof(protocol)),
    };

    /// <summary>One protocol, every port.</summary>
    public static ConnectionSet AllPorts(string protocol) => Ports(protocol, MinPort, MaxPort);

    /// <summary>One protocol, one inclusive port range.</summary>
    public static ConnectionSet Ports(string protocol, int from, int to)
    {
        if (from > to || from < MinPort || to > MaxPort)
        {
            return None;
        }

        var r = new[] { NoRanges, NoRanges, NoRanges };
        r[ProtocolIndex(protocol)] = new[] { (from, to) };
        return new ConnectionSet(r);
    }

    public static ConnectionSet Port(string protocol, int port) => Ports(protocol, port, port);

    public bool IsEmpty => ranges.All(r => r.Length == 0);

    public bool IsAll => ranges.All(r => r.Length == 1 && r[0] == (MinPort, MaxPort));

    /// <summary>The ranges of one protocol.</summary>
    public IReadOnlyList<(int From, int To)> RangesOf(string protocol) => ranges[ProtocolIndex(protocol)];

    public bool Contains(string protocol, int port)
    {
        foreach (var (from, to) in ranges[ProtocolIndex(protocol)])
        {
            if (port < from)
            {
                return false;
            }

            if (port <= to)
            {
                return true;
            }
        }

        return false;
    }

    public bool IsSubsetOf(ConnectionSet other) => Subtract(other).IsEmpty;

    public ConnectionSet Union(ConnectionSet other) => Combine(other, (a, b) => a || b);

    public ConnectionSet Intersect(ConnectionSet other) => Combine(other, (a, b) => a && b);

    public ConnectionSet Subtract(ConnectionSet other) => Combine(other, (a, b) => a && !b);

    private ConnectionSet Combine(ConnectionSet other, Func<bool, bool, bool> op)
    {
        if (ReferenceEquals(this, other))
        {
            var same = op(true, true);
            return same ? this : None;
        }

        var result = new (int, int)[3][];
        for (var p = 0; p < 3; p++)
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

        if (start is not null)
        {
            list.Add((start.Value, MaxPort));
        }

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

    /// <summary>The set as structured ranges, protocols in alphabetical order.</summary>
    public IReadOnlyList<PortRange> ToPortRanges()
    {
        var list = new List<PortRange>();
        for (var p = 0; p < 3; p++)
        {
            foreach (var (f, t) in ranges[p])
            {
                list.Add(new PortRange(Protocols[p], f, t));
            }
        }

        return list;
    }

    /// <summary>Reads the connlist text form back (<c>All Connections</c>, <c>No Connections</c>, <c>SCTP 1-9002,TCP 80,UDP 53</c>).</summary>
    public static bool TryParse(string? text, out ConnectionSet result)
    {
        result = None;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var t = text.Trim();
        if (t == "All Connections")
        {
            result = All;
            return true;
        }

        if (t == "No Connections")
        {
            return true;
        }

        string? protocol = null;
        var set = None;
        foreach (var raw in t.Split(','))
        {
            var part = raw.Trim();
            var space = part.IndexOf(' ', StringComparison.Ordinal);
            if (space > 0)
            {
                protocol = part[..space].ToUpperInvariant();
                part = part[(space + 1)..].Trim();
                if (!Protocols.Contains(protocol))
                {
                    return false;
                }
            }

            if (protocol is null)
            {
                return false;
            }

            var dash = part.IndexOf('-', StringComparison.Ordinal);
            if (!int.TryParse(dash < 0 ? part : part[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var from) ||
                !int.TryParse(dash < 0 ? part : part[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var to) ||
                from < MinPort || to > MaxPort || to < from)
            {
                return false;
            }

            set = set.Union(Ports(protocol, from, to));
        }

        result = set;
        return true;
    }

    /// <summary>The connlist text form: <c>All Connections</c>, <c>No Connections</c>, or protocols with merged port ranges.</summary>
    public override string ToString()
    {
        if (IsAll)
        {
            return "All Connections";
        }

        if (IsEmpty)
        {
            return "No Connections";
        }

        var sb = new StringBuilder();
        for (var p = 0; p < 3; p++)
        {
            if (ranges[p].Length == 0)
            {
                continue;
            }

            if (sb.Length > 0)
            {
                sb.Append(',');
            }

            sb.Append(Protocols[p]).Append(' ');
            sb.AppendJoin(',', ranges[p].Select(r => r.From == r.To
                ? r.From.ToString(CultureInfo.InvariantCulture)
                : string.Create(CultureInfo.InvariantCulture, $"{r.From}-{r.To}")));
        }

        return sb.ToString();
    }

    public bool Equals(ConnectionSet? other)
    {
        if (other is null)
        {
            return false;
        }

        for (var p = 0; p < 3; p++)
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
