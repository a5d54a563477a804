using System.Management.Automation;

namespace NetSecPS.Commands;

/// <summary>Lists the allowed flows between workloads, external address ranges and the ingress controller.</summary>
[Cmdlet(VerbsCommon.Get, "NetSecConnectivity", DefaultParameterSetName = LiveSet)]
[OutputType(typeof(Flow))]
public sealed class GetNetSecConnectivityCommand : ConnectivityInputCmdlet
{
    /// <summary>Source peers to keep (<c>ns/name</c>, <c>ns/name[Kind]</c>, wildcards).</summary>
    [Parameter]
    [SupportsWildcards]
    public string[]? Source { get; set; }

    /// <summary>Destination peers to keep.</summary>
    [Parameter]
    [SupportsWildcards]
    public string[]? Destination { get; set; }

    /// <summary>Keeps flows with either end in one of these namespaces.</summary>
    [Parameter]
    [SupportsWildcards]
    public string[]? Namespace { get; set; }

    protected override void ProcessInput()
    {
        var engine = Engine(withFlows: true);
        var sources = PeerFilter.From(Source);
        var destinations = PeerFilter.From(Destination);
        var namespaces = Namespace?.Select(n => WildcardPattern.Get(n, WildcardOptions.IgnoreCase)).ToList();
        foreach (var flow in engine.Flows)
        {
            if (sources is not null && !sources.IsMatch(flow.Source))
            {
                continue;
            }

            if (destinations is not null && !destinations.IsMatch(flow.Destination))
            {
                continue;
            }

            if (namespaces is not null && !namespaces.Any(n => (flow.SourceNamespace is { } s && n.IsMatch(s)) || (flow.DestinationNamespace is { } d && n.IsMatch(d))))
            {
                continue;
            }

            WriteObject(flow);
        }
    }
}
