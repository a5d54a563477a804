using System.Management.Automation;
using NetSecPS.Core.Traffic;

namespace NetSecPS.Commands;

/// <summary>
/// Compares observed flows with what the cluster's policies allow: one record per peer pair and
/// port (or unused port range) with its category, the deciding policy and rule, and whether the
/// log agrees.
/// </summary>
[Cmdlet(VerbsData.Compare, "NetSecFlowLog", DefaultParameterSetName = LiveSet)]
[OutputType(typeof(FlowComparison))]
public sealed class CompareNetSecFlowLogCommand : FlowInputCmdlet
{
    /// <summary>Categories to return (all by default).</summary>
    [Parameter]
    public TrafficCategory[]? Category { get; set; }

    /// <summary>Keeps records with either end in one of these namespaces.</summary>
    [Parameter]
    [SupportsWildcards]
    public string[]? Namespace { get; set; }

    private protected override void Complete(TrafficComparison comparison)
    {
        var categories = Category is { Length: > 0 } c ? new HashSet<TrafficCategory>(c) : null;
        var namespaces = Namespace?.Select(n => WildcardPattern.Get(n, WildcardOptions.IgnoreCase)).ToList();
        foreach (var record in comparison.All)
        {
            if (categories is not null && !categories.Contains(record.Category))
            {
                continue;
            }

            if (namespaces is not null && !namespaces.Any(n => (record.SourceNamespace is { } s && n.IsMatch(s)) || (record.DestinationNamespace is { } d && n.IsMatch(d))))
            {
                continue;
            }

            WriteObject(record);
        }
    }
}
