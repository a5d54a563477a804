using System.Globalization;

namespace NetSecPS.Core.Connectivity;

/// <summary>A named port of a rule: the name, and the protocol the rule gives it (null: the port's own, as admin policies use it).</summary>
internal sealed record NamedPortRef(string Name, string? Protocol);

/// <summary>
/// The connections a rule's <c>ports</c> allow before named ports are known: numbered ports and
/// ranges as a <see cref="ConnectionSet"/>, plus named ports that resolve per destination pod.
/// </summary>
internal sealed class PortSpec
{
    public PortSpec(ConnectionSet numeric, IReadOnlyList<NamedPortRef> named, string text)
    {
        Numeric = numeric;
        Named = named;
        Text = text;
    }

    /// <summary>No <c>ports</c>: every port of every protocol.</summary>
    public static PortSpec AllPorts { get; } = new(ConnectionSet.All, Array.Empty<NamedPortRef>(), "all ports");

    public ConnectionSet Numeric { get; }
    public IReadOnlyList<NamedPortRef> Named { get; }

    /// <summary>Named ports the rule excludes (Calico <c>notPorts</c>): on a destination that declares them, their ports are taken out.</summary>
    public IReadOnlyList<NamedPortRef> ExcludedNamed { get; init; } = Array.Empty<NamedPortRef>();

    public bool HasNamedPorts => Named.Count > 0 || ExcludedNamed.Count > 0;

    /// <summary>The rule names ICMP or an IP protocol by number (Calico, Cilium), so connection texts must list those protocols.</summary>
    public bool NamesNonPortProtocols { get; init; }

    /// <summary>Human form: <c>TCP 80, UDP 53, TCP port named http</c>.</summary>
    public string Text { get; }

    /// <summary>The connections on a destination: a named port counts only where the pod declares it (with the rule's protocol, when it names one).</summary>
    public ConnectionSet Resolve(PeerClass? destination)
    {
        if (!HasNamedPorts)
        {
            return Numeric;
        }

        var result = Numeric;
        if (destination is null)
        {
            return result;
        }

        foreach (var n in Named)
        {
            if (Port(destination, n) is { } port)
            {
                result = result.Union(port);
            }
        }

        foreach (var n in ExcludedNamed)
        {
            if (Port(destination, n) is { } port)
            {
                result = result.Subtract(port);
            }
        }

        return result;
    }

    private static ConnectionSet? Port(PeerClass destination, NamedPortRef n)
    {
        var p = destination.NamedPort(n.Name);
        if (p is null || (n.Protocol is not null && !string.Equals(p.Protocol, n.Protocol, StringComparison.OrdinalIgnoreCase)))
        {
            return null;
        }

        return ConnectionSet.Protocols.Contains(p.Protocol.ToUpperInvariant()) ? ConnectionSet.Port(p.Protocol.ToUpperInvariant(), p.Port) : null;
    }

    public static string Describe(string protocol, int from, int to) =>
        from == ConnectionSet.MinPort && to == ConnectionSet.MaxPort ? protocol + " (all ports)" :
        from == to ? string.Create(CultureInfo.InvariantCulture, $"{protocol} {from}") : string.Create(CultureInfo.InvariantCulture, $"{protocol} {from}-{to}");
}
