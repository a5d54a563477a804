using System.Management.Automation;
using NetSecPS.Core.Model;

namespace NetSecPS.Commands;

/// <summary>Lists the network-relevant objects of a snapshot as typed records.</summary>
[Cmdlet(VerbsCommon.Get, "NetSecInventory", DefaultParameterSetName = LiveSet)]
[OutputType(typeof(NamespaceItem), typeof(WorkloadItem), typeof(ServiceItem), typeof(PolicyItem), typeof(ExposureItem), typeof(OtherItem))]
public sealed class GetNetSecInventoryCommand : SnapshotInputCmdlet
{
    /// <summary>Kinds to return (Namespace, Workload, Service, NetworkPolicy, Ingress, ... or a workload kind).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(InventoryKindCompleter))]
    [SupportsWildcards]
    public string[]? Kind { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    public string[]? Namespace { get; set; }

    protected override IReadOnlyList<string> LiveNamespaces =>
        Namespace?.Any(WildcardPattern.ContainsWildcardCharacters) == false ? Namespace : Array.Empty<string>();

    protected override void ProcessRecord()
    {
        var data = ReadInput();
        var model = ClusterModel.Build(data);
        var kinds = Kind?.Select(k => WildcardPattern.Get(k, WildcardOptions.IgnoreCase)).ToList();
        var namespaces = Namespace?.Select(n => WildcardPattern.Get(n, WildcardOptions.IgnoreCase)).ToList();
        foreach (var item in InventoryBuilder.Build(model))
        {
            if (kinds is not null && !kinds.Any(k => k.IsMatch(item.Kind) || (item is WorkloadItem && k.IsMatch("Workload"))))
            {
                continue;
            }

            if (namespaces is not null && !namespaces.Any(n => n.IsMatch(item is NamespaceItem ? item.Name : item.Namespace ?? string.Empty)))
            {
                continue;
            }

            WriteObject(item);
        }
    }
}
