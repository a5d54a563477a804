using System.Globalization;
using System.Net;
using System.Text;

namespace NetSecPS.Core.Traffic;

/// <summary>
/// A plain CSV of <c>source,destination,port,protocol[,verdict,count,time]</c> for any other
/// exporter. A first line naming the columns (<c>source</c>, <c>destination</c>, ...) sets their
/// order and may add <c>direction</c>; otherwise the columns come in that order. Peers are written
/// as connectivity output writes them: <c>ns/name</c>, <c>ns/name[Kind]</c>, an IP address, or
/// <c>{ingress-controller}</c>. Lines starting with <c>#</c> are comments.
/// </summary>
internal sealed class CsvFlowParser : IFlowLineParser
{
    private static readonly string[] Positional = { "source", "destination", "port", "protocol", "verdict", "count", "time" };

    private static readonly Dictionary<string, string> Synonyms = new(StringComparer.OrdinalIgnoreCase)
    {
        ["source"] = "source", ["src"] = "source", ["from"] = "source", ["sourcepeer"] = "source",
        ["destination"] = "destination", ["dst"] = "destination", ["dest"] = "destination", ["to"] = "destination", ["destinationpeer"] = "destination",
        ["port"] = "port", ["dport"] = "port", ["destinationport"] = "port", ["destport"] = "port", ["dstport"] = "port",
        ["protocol"] = "protocol", ["proto"] = "protocol",
        ["verdict"] = "verdict", ["action"] = "verdict", ["decision"] = "verdict",
        ["count"] = "count", ["flows"] = "count", ["numflows"] = "count",
        ["time"] = "time", ["timestamp"] = "time", ["starttime"] = "time",
        ["direction"] = "direction", ["reporter"] = "direction",
    };

    private readonly Dictionary<string, FlowEndpoint> peers = new(StringComparer.Ordinal);
    private Dictionary<string, int>? columns;
    private bool firstLine = true;

    public LineResult Parse(ReadOnlyMemory<byte> line, string file, long lineNumber)
    {
        var text = Encoding.UTF8.GetString(line.Span).Trim();
        if (text.Length == 0 || text[0] == '#')
        {
            return LineResult.Skipped("comment or blank line");
        }

        if (!TrySplit(text, out var fields, out var splitError))
        {
            return LineResult.Bad(splitError!);
        }

        if (firstLine)
        {
            firstLine = false;
            var named = fields.Select(f => Synonyms.GetValueOrDefault(PbJson.Normalize(f))).ToList();
            if (named.Contains("source") && named.Contains("destination"))
            {
                columns = new Dictionary<string, int>(StringComparer.Ordinal);
                for (var i = 0; i < named.Count; i++)
                {
                    if (named[i] is { } n)
                    {
                        columns.TryAdd(n, i);
                    }
                }

                return LineResult.Skipped("header line");
            }
        }

        string? Field(string name)
        {
            var index = columns is null ? Array.IndexOf(Positional, name) : columns.GetValueOrDefault(name, -1);
            return index >= 0 && index < fields.Count && fields[index].Trim() is { Length: > 0 } v ? v : null;
        }

        if (Field("source") is not { } sourceText || Field("destination") is not { } destinationText)
        {
            return LineResult.Bad("expected source,destination,port,protocol[,verdict,count,time]");
        }

        if (!Peer(sourceText, out var source, out var peerError) || !Peer(destinationText, out var destination, out peerError))
        {
            return LineResult.Bad(peerError!);
        }

        var protocol = FlowProtocols.Normalize(Field("protocol") ?? "TCP");
        var port = 0;
        if (Field("port") is { } portText)
        {
            if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port > 65535)
            {
                return LineResult.Bad($"'{portText}' is not a port (0-65535)");
            }
        }

        if (FlowProtocols.IsPolicyProtocol(protocol) && port == 0)
        {
            return LineResult.Bad($"{protocol} needs a port between 1 and 65535");
        }

        var verdict = FlowVerdict.Unknown;
        if (Field("verdict") is { } verdictText)
        {
            verdict = verdictText.ToUpperInvariant() switch
            {
                "FORWARDED" or "ALLOWED" or "ALLOW" or "ACCEPT" or "ACCEPTED" or "PASS" or "1" => FlowVerdict.Forwarded,
                "DROPPED" or "DENIED" or "DENY" or "DROP" or "REJECT" or "REJECTED" or "BLOCKED" or "2" => FlowVerdict.Dropped,
                "AUDIT" or "4" => FlowVerdict.Audit,
                "UNKNOWN" or "-" => FlowVerdict.Unknown,
                _ => (FlowVerdict)(-1),
            };
            if ((int)verdict < 0)
            {
                return LineResult.Bad($"'{verdictText}' is not a verdict (forwarded, dropped or audit)");
            }
        }

        long count = 1;
        if (Field("count") is { } countText && (!long.TryParse(countText, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count < 1))
        {
            return LineResult.Bad($"'{countText}' is not a count (a whole number, at least 1)");
        }

        DateTimeOffset? time = null;
        if (Field("time") is { } timeText && (time = PbJson.ParseTime(timeText)) is null)
        {
            return LineResult.Bad($"'{timeText}' is not a time (RFC 3339 or seconds since the epoch)");
        }

        var direction = Field("direction")?.ToUpperInvariant() switch
        {
            "INGRESS" or "DST" or "DESTINATION" => FlowDirection.Ingress,
            "EGRESS" or "SRC" or "SOURCE" => FlowDirection.Egress,
            _ => FlowDirection.Unknown,
        };

        return LineResult.Of(new ObservedFlow
        {
            Source = source!,
            Destination = destination!,
            Protocol = protocol,
            Port = port,
            Direction = direction,
            Verdict = verdict,
            DropReason = verdict == FlowVerdict.Dropped ? "dropped" : null,
            Time = time,
            Count = count,
            Format = FlowLogFormat.Csv,
            File = file,
            Line = lineNumber,
        });
    }

    /// <summary>A peer, one object per distinct text so that later stages can key on it.</summary>
    private bool Peer(string text, out FlowEndpoint? endpoint, out string? error)
    {
        error = null;
        if (peers.TryGetValue(text, out endpoint))
        {
            return true;
        }

        if (!TryPeer(text, out endpoint, out error))
        {
            return false;
        }

        if (peers.Count > 100_000)
        {
            peers.Clear();
        }

        peers[text] = endpoint!;
        return true;
    }

    /// <summary>A peer as connectivity output writes it.</summary>
    internal static bool TryPeer(string text, out FlowEndpoint? endpoint, out string? error)
    {
        error = null;
        var t = text.Trim();
        if (t is "{ingress-controller}" or "ingress-controller")
        {
            endpoint = new FlowEndpoint { Entity = "ingress" };
            return true;
        }

        if (IPAddress.TryParse(t, out var ip))
        {
            endpoint = new FlowEndpoint { Address = ip.ToString() };
            return true;
        }

        var slash = t.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0 && slash < t.Length - 1 && t.IndexOf('/', slash + 1) < 0)
        {
            var ns = t[..slash];
            var rest = t[(slash + 1)..];
            if (rest.EndsWith(']') && rest.IndexOf('[', StringComparison.Ordinal) is var open and > 0)
            {
                endpoint = new FlowEndpoint { Namespace = ns, WorkloadName = rest[..open], WorkloadKind = rest[(open + 1)..^1] };
                return true;
            }

            endpoint = new FlowEndpoint { Namespace = ns, Pod = rest };
            return true;
        }

        endpoint = null;
        error = $"'{text}' is not a peer: write namespace/name, namespace/name[Kind], an IP address or {{ingress-controller}}";
        return false;
    }

    /// <summary>Splits one CSV line (RFC 4180 quoting, no line breaks inside fields).</summary>
    internal static bool TrySplit(string line, out List<string> fields, out string? error)
    {
        fields = new List<string>();
        error = null;
        var sb = new StringBuilder();
        var i = 0;
        while (true)
        {
            sb.Clear();
            if (i < line.Length && line[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= line.Length)
                    {
                        error = "a quoted field is not closed";
                        return false;
                    }

                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"')
                        {
                            sb.Append('"');
                            i += 2;
                            continue;
                        }

                        i++;
                        break;
                    }

                    sb.Append(line[i++]);
                }

                while (i < line.Length && line[i] is ' ' or '\t')
                {
                    i++;
                }

                if (i < line.Length && line[i] != ',')
                {
                    error = "text after a quoted field";
                    return false;
                }
            }
            else
            {
                while (i < line.Length && line[i] != ',')
                {
                    sb.Append(line[i++]);
                }
            }

            fields.Add(sb.ToString());
            if (i >= line.Length)
            {
                return true;
            }

            i++;
        }
    }
}
