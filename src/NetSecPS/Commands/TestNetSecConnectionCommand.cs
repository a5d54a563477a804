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

    /// <summary>The destination port; for ICMP and ICMPv6 the message type.</summary>
    [Parameter(Mandatory = true)]
    [ValidateRange(0, 65535)]
    public int Port { get; set; }

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

        ConnectionVerdict verdict;
        try
        {
            verdict = engine.Test(from, to, Protocol, Port);
        }
        catch (ArgumentException ex)
        {
            WriteError(new ErrorRecord(ex, "NetSecPS.InvalidConnection", ErrorCategory.InvalidArgument, From + " -> " + To));
            return;
        }

        if (!Explain)
        {
            WriteObject(verdict with { Steps = Array.Empty<string>() });
            return;
        }

        // The explained verdict gets its own list view; the object is the same type.
        var wrapped = PSObject.AsPSObject(verdict);
        wrapped.TypeNames.Insert(0, "NetSecPS.ConnectionVerdict#Explained");
        WriteObject(wrapped);
    }
}
