using System.Management.Automation;

namespace NetSecPS.Commands;

/// <summary>Turns flows into connlist text lines (<c>SRC => DST : CONNECTIONS</c>), sorted as netpol-analyzer sorts them.</summary>
[Cmdlet(VerbsData.ConvertTo, "NetSecConnlist")]
[OutputType(typeof(string))]
public sealed class ConvertToNetSecConnlistCommand : NetSecCmdlet
{
    private readonly List<Flow> flows = new();

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [AllowEmptyCollection]
    public Flow[] InputObject { get; set; } = Array.Empty<Flow>();

    protected override void ProcessRecord() => flows.AddRange(InputObject.Where(f => f is not null));

    protected override void EndProcessing()
    {
        // Sorted by source, then destination, in ordinal order, so outputs diff cleanly.
        foreach (var f in flows.OrderBy(f => f.Source, StringComparer.Ordinal).ThenBy(f => f.Destination, StringComparer.Ordinal))
        {
            WriteObject(f.ToString());
        }
    }
}
