using System.Management.Automation;
using NetSecPS.Core.Composition;
using NetSecPS.Core.Model;
using NetSecPS.Core.Sources;

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

    // Not bound from the pipeline: piped files must bind to -LiteralPath, and a record's
    // Namespace piped back in would narrow the inventory by accident.
    [Parameter]
    [SupportsWildcards]
    public string[]? Namespace { get; set; }

    protected override IReadOnlyList<string> LiveNamespaces =>
        Namespace?.Any(WildcardPattern.ContainsWildcardCharacters) == false ? Namespace : Array.Empty<string>();

    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        // A kind nobody knows is almost always a typo; say so before reading a whole cluster for nothing.
        var known = InventoryKindCompleter.KnownKinds;
        foreach (var k in Kind ?? Array.Empty<string>())
        {
            var pattern = WildcardPattern.Get(k, WildcardOptions.IgnoreCase);
            if (!known.Any(pattern.IsMatch))
            {
                WriteWarning($"'{k}' matches no kind the inventory knows, so it selects nothing. Known kinds: {string.Join(", ", known)}.");
            }
        }
    }

    protected override void ProcessInput() => WriteInventory(ReadInput());

    private void WriteInventory(ClusterData data)
    {
        var model = Run((_, ct) => ClusterAnalysis.Of(data, ct)).Model;
        var kinds = Kind?.Select(k => WildcardPattern.Get(k, WildcardOptions.IgnoreCase)).ToList();
        var namespaces = Namespace?.Select(n => WildcardPattern.Get(n, WildcardOptions.IgnoreCase)).ToList();
        var selected = new List<InventoryItem>();
        foreach (var item in InventoryBuilder.Build(model))
        {
            if (kinds is not null && !kinds.Any(k => k.IsMatch(item.Kind) || (item is WorkloadItem && k.IsMatch("Workload"))))
            {
                continue;
            }

            // A namespace record matches by its own name; cluster-scoped objects belong to no namespace.
            var itemNamespace = item is NamespaceItem ? item.Name : item.Namespace;
            if (namespaces is not null && (itemNamespace is null || !namespaces.Any(n => n.IsMatch(itemNamespace))))
            {
                continue;
            }

            selected.Add(item);
        }

        // Records of one type get that type's own table view (TYPE#Detail); a mix keeps the common
        // view, because PowerShell lists every record that does not fit the first record's table.
        var detail = selected.Select(i => i.GetType()).Distinct().Count() == 1;
        foreach (var item in selected)
        {
            if (detail)
            {
                var wrapped = new PSObject(item);
                wrapped.TypeNames.Insert(0, item.GetType().FullName + "#Detail");
                WriteObject(wrapped);
            }
            else
            {
                WriteObject(item);
            }
        }
    }
}
