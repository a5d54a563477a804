using NetSecPS.Core.Connectivity;

namespace NetSecPS.Core.Baseline;

/// <summary>
/// Reads the connlist text form of connections (<c>All Connections</c>, <c>No Connections</c>,
/// <c>SCTP 1-9002,TCP 80,UDP 53</c>) back into a <see cref="ConnectionSet"/>, so connections
/// saved in a baseline compare by meaning, not by spelling.
/// </summary>
internal static class ConnectionText
{
    public const string All = "All Connections";
    public const string None = "No Connections";

    public static bool TryParse(string? text, out ConnectionSet connections) => ConnectionSet.TryParse(text, out connections);

    /// <summary>
    /// True when the text names ICMP or other IP protocols. Texts that do not describe TCP, UDP
    /// and SCTP only (the netpol-analyzer form, where <c>All Connections</c> means every port of
    /// the three), and compare by those protocols alone (<see cref="ConnectionSet.Format(bool)"/>).
    /// </summary>
    public static bool NamesNonPortProtocols(string? text) =>
        text is not null && (text.Contains("ICMP", StringComparison.OrdinalIgnoreCase) || text.Contains("protocols", StringComparison.OrdinalIgnoreCase));

    public static ConnectionSet Parse(string? text) =>
        TryParse(text, out var c) ? c : throw new FormatException($"'{text}' is not a connection list (expected e.g. 'All Connections' or 'TCP 80,UDP 53').");
}
