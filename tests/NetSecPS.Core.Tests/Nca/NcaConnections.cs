using System.Globalization;
using NetSecPS.Core.Connectivity;

namespace NetSecPS.Core.Tests.Nca;

/// <summary>
/// The connections of one NCA fw-rule, read into NetSecPS's <see cref="ConnectionSet"/>:
/// <c>All connections</c>, <c>All but {...}</c>, or cubes <c>{protocols:TCP,dst_ports:80-90}</c>
/// joined by <c>},{</c>, with ICMP <c>icmp_type</c>/<c>icmp_code</c> and L7 parts
/// (<c>methods</c>, <c>paths</c>, <c>hosts</c>).
/// </summary>
/// <remarks>
/// Two projections, both stated so a reader knows what a passing case asserts:
/// <list type="bullet">
/// <item>Source ports (<c>src_ports</c>) are projected away: NetSecPS's connections are (protocol,
/// destination port), and a connection counts as allowed when some source port is allowed, which
/// is what NetSecPS reports for rules that name source ports.</item>
/// <item>L7 parts restrict an L4 allow: the L4 part counts as allowed (with the restriction), as
/// NetSecPS records L7 conditions on an L4 allow. The L4 part of the restricted cubes is kept in
/// <see cref="L7Restricted"/> with the L7 text, for harnesses whose engine reports L7 restrictions.</item>
/// </list>
/// </remarks>
internal sealed record NcaConnections(ConnectionSet Allowed, ConnectionSet L7Restricted, IReadOnlyList<string> L7Texts)
{
    public static NcaConnections None { get; } = new(ConnectionSet.None, ConnectionSet.None, Array.Empty<string>());

    private static readonly string[] Fields = { "protocols", "src_ports", "dst_ports", "icmp_type", "icmp_code", "methods", "paths", "hosts" };

    /// <summary>IANA protocol keywords NCA prints (its protocol name resolver), by number.</summary>
    private static readonly Dictionary<string, int> ProtocolNumbers = new(StringComparer.OrdinalIgnoreCase)
    {
        ["ICMP"] = 1, ["IGMP"] = 2, ["GGP"] = 3, ["IPv4"] = 4, ["ST"] = 5, ["TCP"] = 6, ["CBT"] = 7, ["EGP"] = 8, ["IGP"] = 9, ["UDP"] = 17,
        ["IPv6"] = 41, ["RSVP"] = 46, ["GRE"] = 47, ["ESP"] = 50, ["AH"] = 51, ["ICMPv6"] = 58, ["IPv6-ICMP"] = 58, ["OSPFIGP"] = 89, ["PIM"] = 103,
        ["VRRP"] = 112, ["L2TP"] = 115, ["SCTP"] = 132, ["UDPLite"] = 136, ["MPLS-in-IP"] = 137,
    };

    /// <summary>The whole set of one section: <c>TCP</c> sections hold TCP only, <c>non-TCP</c> sections everything else.</summary>
    public static ConnectionSet Universe(string? sectionProtocol) => sectionProtocol switch
    {
        null => ConnectionSet.All,
        "TCP" => ConnectionSet.AllOf("TCP"),
        _ => ConnectionSet.All.Subtract(ConnectionSet.AllOf("TCP")),
    };

    /// <summary>Reads the txt form (<c>conn: ...</c>) within a section's protocols.</summary>
    public static NcaConnections ParseText(string text, string? sectionProtocol)
    {
        var universe = Universe(sectionProtocol);
        var t = text.Trim();
        if (t.Equals("All connections", StringComparison.OrdinalIgnoreCase))
        {
            return new NcaConnections(universe, ConnectionSet.None, Array.Empty<string>());
        }

        if (t.Equals("No connections", StringComparison.OrdinalIgnoreCase))
        {
            return None;
        }

        var complement = false;
        if (t.StartsWith("All but ", StringComparison.OrdinalIgnoreCase))
        {
            complement = true;
            t = t["All but ".Length..].Trim();
        }

        if (!t.StartsWith('{') || !t.EndsWith('}'))
        {
            throw new FormatException($"connections '{text}' are neither 'All connections' nor {{...}} cubes");
        }

        var cubes = t[1..^1].Split("},{").Select(c => ParseCubeText(c)).ToList();
        return Combine(cubes, universe, complement);
    }

    /// <summary>Reads one item of the yaml form's <c>connection:</c> list (a string or a mapping of fields).</summary>
    public static NcaConnections ParseYamlItem(object item, string? sectionProtocol)
    {
        var universe = Universe(sectionProtocol);
        if (item is string s)
        {
            return ParseText(s, sectionProtocol);
        }

        if (item is not IReadOnlyDictionary<string, object> map)
        {
            throw new FormatException("a connection item is neither text nor a mapping");
        }

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in map)
        {
            fields[key] = value is IReadOnlyList<object> list ? string.Join(",", list.Select(v => v.ToString())) : value.ToString() ?? string.Empty;
        }

        // "protocols: all but UDPLite" is the yaml form of "All but {protocols:UDPLite}".
        if (fields.TryGetValue("protocols", out var p) && p.StartsWith("all but ", StringComparison.OrdinalIgnoreCase))
        {
            fields["protocols"] = p["all but ".Length..];
            return Combine(new[] { Cube(fields) }, universe, complement: true);
        }

        return Combine(new[] { Cube(fields) }, universe, complement: false);
    }

    /// <summary>Unions the parts of several items (the yaml form lists one cube per item).</summary>
    public NcaConnections Union(NcaConnections other) =>
        new(Allowed.Union(other.Allowed), L7Restricted.Union(other.L7Restricted), L7Texts.Concat(other.L7Texts).Distinct().ToList());

    private static NcaConnections Combine(IReadOnlyList<(ConnectionSet L4, string? L7)> cubes, ConnectionSet universe, bool complement)
    {
        var l4 = ConnectionSet.None;
        var restricted = ConnectionSet.None;
        var texts = new List<string>();
        foreach (var (set, l7) in cubes)
        {
            l4 = l4.Union(set);
            if (l7 is not null)
            {
                restricted = restricted.Union(set);
                texts.Add(l7);
            }
        }

        if (complement)
        {
            if (texts.Count > 0)
            {
                throw new FormatException("'All but' with L7 parts is not a form NCA prints for one rule");
            }

            return new NcaConnections(universe.Subtract(l4), ConnectionSet.None, Array.Empty<string>());
        }

        return new NcaConnections(l4.Intersect(universe), restricted.Intersect(universe), texts);
    }

    /// <summary>One cube of the txt form: fields separated by commas where the next text is <c>name:</c>; other commas belong to the value.</summary>
    private static (ConnectionSet L4, string? L7) ParseCubeText(string body)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        string? current = null;
        foreach (var piece in body.Split(','))
        {
            var colon = piece.IndexOf(':', StringComparison.Ordinal);
            var name = colon > 0 ? piece[..colon].Trim() : null;
            if (name is not null && Fields.Contains(name))
            {
                current = name;
                fields[name] = piece[(colon + 1)..];
            }
            else if (current is not null)
            {
                fields[current] += "," + piece;
            }
            else
            {
                throw new FormatException($"cube '{body}' does not start with a field name");
            }
        }

        return Cube(fields);
    }

    private static (ConnectionSet L4, string? L7) Cube(Dictionary<string, string> fields)
    {
        var protocols = ConnectionSet.All;
        if (fields.TryGetValue("protocols", out var p))
        {
            protocols = ConnectionSet.None;
            foreach (var name in p.Split(',').Select(x => x.Trim()).Where(x => x.Length > 0))
            {
                protocols = protocols.Union(Protocol(name));
            }
        }

        var set = protocols;
        if (fields.TryGetValue("dst_ports", out var ports))
        {
            var portSet = ConnectionSet.None;
            foreach (var range in Ranges(ports, ConnectionSet.MinPort, ConnectionSet.MaxPort))
            {
                foreach (var proto in ConnectionSet.Protocols)
                {
                    portSet = portSet.Union(ConnectionSet.Ports(proto, range.From, range.To));
                }
            }

            set = set.Intersect(portSet);
        }

        if (fields.TryGetValue("icmp_type", out var type))
        {
            var types = Ranges(type, 0, 255).ToList();
            var codes = fields.TryGetValue("icmp_code", out var code) ? Ranges(code, 0, 255).ToList() : null;
            var icmp = ConnectionSet.None;
            foreach (var family in new[] { 4, 6 })
            {
                foreach (var (tf, tt) in types)
                {
                    for (var ty = tf; ty <= tt; ty++)
                    {
                        if (codes is null)
                        {
                            icmp = icmp.Union(ConnectionSet.IcmpMessages(family, ty, null));
                            continue;
                        }

                        foreach (var (cf, ct) in codes)
                        {
                            for (var co = cf; co <= ct; co++)
                            {
                                icmp = icmp.Union(ConnectionSet.IcmpMessages(family, ty, co));
                            }
                        }
                    }
                }
            }

            set = set.Intersect(icmp);
        }

        // src_ports: projected away (a connection is allowed when some source port is).
        var l7 = new[] { "methods", "paths", "hosts" }.Where(fields.ContainsKey).Select(f => $"{f}:{fields[f]}").ToList();
        return (set, l7.Count == 0 ? null : string.Join(",", l7));
    }

    private static ConnectionSet Protocol(string name)
    {
        if (int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || ProtocolNumbers.TryGetValue(name, out number))
        {
            return ConnectionSet.IpProtocol(number);
        }

        throw new FormatException($"unknown protocol '{name}'");
    }

    private static IEnumerable<(int From, int To)> Ranges(string text, int min, int max)
    {
        foreach (var part in text.Split(',').Select(x => x.Trim()).Where(x => x.Length > 0))
        {
            var dash = part.IndexOf('-', StringComparison.Ordinal);
            var from = int.Parse(dash < 0 ? part : part[..dash], CultureInfo.InvariantCulture);
            var to = int.Parse(dash < 0 ? part : part[(dash + 1)..], CultureInfo.InvariantCulture);
            if (from < min || to > max || from > to)
            {
                throw new FormatException($"range '{part}' is outside {min}-{max}");
            }

            yield return (from, to);
        }
    }
}
