using System.Management.Automation;

namespace NetSecPS.Commands;

/// <summary>Tells whether one connection is allowed and, with -Explain, which layer, policy and rule decided it.</summary>
[Cmdlet(VerbsDiagnostic.Test, "NetSecConnection", DefaultParameterSetName = LiveSet)]
[OutputType(typeof(ConnectionVerdict))]
public sealed class TestNetSecConnectionCommand : ConnectivityInputCmdlet
{
    /// <summary>The source: <c>ns/name</c>, <c>ns/name[Kind]</c>, an IP address or <c>{ingress-controller}</c>.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Peer", "Source")]
    [ValidateNotNullOrEmpty]
    public string From { get; set; } = string.Empty;

    /// <summary>The destination, written like -From.</summary>
    [Parameter(Mandatory = true)]
    [Alias("Destination")]
    [ValidateNotNullOrEmpty]
    public string To { get; set; } = string.Empty;

    /// <summary>A port number (for ICMP and ICMPv6 the message type), or a port name that the destination's containers declare (resolved as NetworkPolicy resolves named ports).</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string Port { get; set; } = string.Empty;

    [Parameter]
    [ValidateSet("TCP", "UDP", "SCTP", "ICMP", "ICMPv6", IgnoreCase = true)]
    public string Protocol { get; set; } = "TCP";

    /// <summary>Adds the explanation and each evaluation step.</summary>
    [Parameter]
    public SwitchParameter Explain { get; set; }

    protected override void ProcessInput()
    {
        var engine = Engine();
        Core.Connectivity.ConnectionEndpoint from, to;
        try
        {
            from = engine.ResolveEndpoint(From);
            to = engine.ResolveEndpoint(To);
        }
        catch (ArgumentException ex)
        {
            WriteError(new ErrorRecord(ex, "NetSecPS.PeerNotFound", ErrorCategory.ObjectNotFound, ex.ParamName == "text" ? (From + " -> " + To) : null));
            return;
        }

        var protocol = Protocol.ToUpperInvariant();
        if (ResolvePorts(to, protocol) is not { } ports)
        {
            return;
        }

        foreach (var port in ports)
        {
            ConnectionVerdict verdict;
            try
            {
                verdict = engine.Test(from, to, protocol, port);
            }
            catch (ArgumentException ex)
            {
                WriteError(new ErrorRecord(ex, "NetSecPS.InvalidConnection", ErrorCategory.InvalidArgument, From + " -> " + To));
                return;
            }

            if (!Explain)
            {
                WriteObject(verdict with { Steps = Array.Empty<string>() });
                continue;
            }

            // The explained verdict gets its own list view; the object is the same type.
            var wrapped = PSObject.AsPSObject(verdict);
            wrapped.TypeNames.Insert(0, "NetSecPS.ConnectionVerdict#Explained");
            WriteObject(wrapped);
        }
    }

    /// <summary>
    /// The port numbers -Port stands for: the number itself, or the numbers the destination's
    /// containers declare under that name for the protocol (one per distinct number, as a named
    /// port resolves per pod). Null after an error record when it stands for none.
    /// </summary>
    private IReadOnlyList<int>? ResolvePorts(Core.Connectivity.ConnectionEndpoint to, string protocol)
    {
        var text = Port.Trim();
        if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number))
        {
            var icmp = protocol is "ICMP" or "ICMPV6";
            if (icmp ? number is >= 0 and <= 255 : number is >= 1 and <= 65535)
            {
                return new[] { number };
            }

            WriteError(new ErrorRecord(new ArgumentOutOfRangeException(nameof(Port), number, icmp
                    ? $"ICMP type {number} is out of range: for {Protocol}, -Port is the message type, 0 to 255."
                    : $"Port {number} is out of range: a port is a number from 1 to 65535 or a port name."),
                "NetSecPS.InvalidPort", ErrorCategory.InvalidArgument, Port));
            return null;
        }

        if (to.Workload is not { } w)
        {
            WriteError(new ErrorRecord(new ArgumentException($"The port name '{text}' resolves on the destination's containers, and {to} is not a workload: give a port number."),
                "NetSecPS.InvalidPort", ErrorCategory.InvalidArgument, Port));
            return null;
        }

        var declared = w.Pods.SelectMany(p => p.Ports).ToList();
        var numbers = declared.Where(p => string.Equals(p.Name, text, StringComparison.Ordinal) && p.Protocol == protocol).Select(p => p.Port).Distinct().Order().ToList();
        if (numbers.Count == 0)
        {
            var names = declared.Where(p => p.Name is not null).Select(p => p.ToString()).Distinct(StringComparer.Ordinal).ToList();
            WriteError(new ErrorRecord(new ArgumentException($"{to} declares no {protocol} port named '{text}'" + (names.Count > 0 ? $"; its named ports: {string.Join(", ", names)}." : "; it declares no named ports.")),
                "NetSecPS.PortNotFound", ErrorCategory.ObjectNotFound, Port));
            return null;
        }

        WriteVerbose($"Port {text} of {to} is {string.Join(", ", numbers)}/{protocol}.");
        return numbers;
    }
}
