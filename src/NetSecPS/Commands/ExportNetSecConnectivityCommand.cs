using System.Management.Automation;
using System.Text;
using NetSecPS.Reports.Graph;

namespace NetSecPS.Commands;

/// <summary>Writes flows as a graph grouped by namespace: Graphviz DOT (.dot, .gv) or a self-contained HTML page (.html, .htm).</summary>
[Cmdlet(VerbsData.Export, "NetSecConnectivity", SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class ExportNetSecConnectivityCommand : SingleFileOutputCmdlet
{
    private const int LargeGraph = 5000;
    private readonly List<Flow> flows = new();

    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [AllowEmptyCollection]
    public Flow[] InputObject { get; set; } = Array.Empty<Flow>();

    /// <summary>Title of the HTML page.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Title { get; set; } = "NetSecPS connectivity";

    protected override void ProcessRecord() => flows.AddRange(InputObject.Where(f => f is not null));

    protected override void EndProcessing()
    {
        var target = Target;
        var extension = System.IO.Path.GetExtension(target).ToLowerInvariant();
        Func<string> render = extension switch
        {
            ".dot" or ".gv" => () => ConnectivityGraph.ToDot(flows),
            ".html" or ".htm" => () => ConnectivityGraph.ToHtml(flows, Title),
            _ => null!,
        };
        if (render is null)
        {
            ThrowTerminating(new ArgumentException($"Cannot tell the format from '{extension}': use .dot or .gv (Graphviz) or .html."), "UnknownFormat", ErrorCategory.InvalidArgument, target);
            return;
        }

        if (!MayWrite(target, $"Write connectivity graph of {flows.Count} flows"))
        {
            return;
        }

        if (flows.Count > LargeGraph)
        {
            WriteWarning($"The graph has {flows.Count} flows; drawings that large are hard to read. Filter with Get-NetSecConnectivity -Namespace, -Source or -Destination.");
        }

        var text = render();
        WriteFile(target, stream =>
        {
            var bytes = new UTF8Encoding(false).GetBytes(text);
            stream.Write(bytes, 0, bytes.Length);
        });
    }
}
