using System.Globalization;
using NetSecPS.Core.Connectivity;

namespace NetSecPS.Core.Baseline;

/// <summary>
/// Reads the connlist text form of connections (<c>All Connections</c>, <c>No Connections</c>,
/// <c>SCTP 1-9002,TCP 80,UDP 53</c>) back into a <see cref="ConnectionSet"/>, so connections
/// saved in a baseline compare by meaning, not by spelling.
/// </summary>
public static class ConnectionText
{
    public const string All = "All Connections";
    public const string None = "No Connections";

    public static bool TryParse(string? text, out ConnectionSet connections)
    {
        connections = ConnectionSet.None;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        if (text.Equals(All, StringComparison.OrdinalIgnoreCase))
        {
            connections = ConnectionSet.All;
            return true;
        }

        if (text.Equals(None, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        // Items are comma separated; an item that starts with a protocol switches the protocol,
        // the others are further port ranges of the current one ("TCP 80,443,UDP 53").
        var result = ConnectionSet.None;
        string? protocol = null;
        foreach (var raw in text.Split(','))
        {
            var item = raw.Trim();
            var space = item.IndexOf(' ', StringComparison.Ordinal);
            string ports;
            if (space > 0 && ConnectionSet.Protocols.Contains(item[..space].ToUpperInvariant()))
            {
                protocol = item[..space].ToUpperInvariant();
                ports = item[(space + 1)..].Trim();
            }
            else if (ConnectionSet.Protocols.Contains(item.ToUpperInvariant()))
            {
                result = result.Union(ConnectionSet.AllPorts(item));
                protocol = null;
                continue;
            }
            else
            {
                ports = item;
            }

            if (protocol is null || !TryPorts(ports, out var from, out var to))
            {
                return false;
            }

            result = result.Union(ConnectionSet.Ports(protocol, from, to));
        }

        connections = result;
        return true;
    }

    public static ConnectionSet Parse(string? text) =>
        TryParse(text, out var c) ? c : throw new FormatException($"'{text}' is not a connection list (expected e.g. 'All Connections' or 'TCP 80,UDP 53').");

    private static bool TryPorts(string text, out int from, out int to)
    {
        var dash = text.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            var ok = int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out from);
            to = from;
            return ok && from >= ConnectionSet.MinPort && from <= ConnectionSet.MaxPort;
        }

        to = 0;
        return int.TryParse(text[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out from)
            && int.TryParse(text[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out to)
            && from >= ConnectionSet.MinPort && to <= ConnectionSet.MaxPort && from <= to;
    }
}
