namespace NetSecPS.Core.Traffic;

/// <summary>What one line of a log is: a flow, a record left out on purpose (with why), or an error (with why).</summary>
internal readonly record struct LineResult(ObservedFlow? Flow, string? Skip, string? Error)
{
    public static LineResult Skipped(string reason) => new(null, reason, null);
    public static LineResult Bad(string error) => new(null, null, error);
    public static LineResult Of(ObservedFlow flow) => new(flow, null, null);
}

/// <summary>Turns one line of one log format into a flow. One parser reads one file, in order.</summary>
internal interface IFlowLineParser
{
    LineResult Parse(ReadOnlyMemory<byte> line, string file, long lineNumber);
}

/// <summary>Names shared by the parsers.</summary>
internal static class FlowProtocols
{
    /// <summary>TCP, UDP and SCTP by name or IANA number; other numbers and names as written (ICMP included).</summary>
    public static string Normalize(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return "unknown";
        }

        var t = text.Trim();
        return t.ToUpperInvariant() switch
        {
            "TCP" or "6" => "TCP",
            "UDP" or "17" => "UDP",
            "SCTP" or "132" => "SCTP",
            "ICMP" or "ICMPV4" or "1" => "ICMPv4",
            "ICMPV6" or "ICMP6" or "58" => "ICMPv6",
            _ => t,
        };
    }

    public static bool IsPolicyProtocol(string protocol) => protocol is "TCP" or "UDP" or "SCTP";
}
