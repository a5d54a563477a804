using System.Management.Automation;
using System.Text;
using NetSecPS.Core;
using NetSecPS.Reports.Graph;

namespace NetSecPS.Commands;

/// <summary>Writes flows as a graph grouped by namespace: Graphviz DOT (.dot, .gv) or a self-contained HTML page (.html, .htm).</summary>
[Cmdlet(VerbsData.Export, "NetSecConnectivity", SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class ExportNetSecConnectivityCommand : NetSecCmdlet
{
    private const int LargeGraph = 5000;
    private readonly List<Flow> flows = new();

    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = string.Empty;

    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [AllowEmptyCollection]
    public Flow[] InputObject { get; set; } = Array.Empty<Flow>();

    /// <summary>Title of the HTML page.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Title { get; set; } = "NetSecPS connectivity";

    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord() => flows.AddRange(InputObject.Where(f => f is not null));

    protected override void EndProcessing()
    {
        var target = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
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

        if (File.Exists(target) && !Force)
        {
            WriteError(new ErrorRecord(new IOException($"{target} exists; use -Force to overwrite it."), "NetSecPS.FileExists", ErrorCategory.ResourceExists, target));
            return;
        }

        if (!ShouldProcess(target, $"Write connectivity graph of {flows.Count} flows"))
        {
            return;
        }

        if (flows.Count > LargeGraph)
        {
            WriteWarning($"The graph has {flows.Count} flows; drawings that large are hard to read. Filter with Get-NetSecConnectivity -Namespace, -Source or -Destination.");
        }

        var text = render();
        AtomicFile.Write(target, stream =>
        {
            var bytes = new UTF8Encoding(false).GetBytes(text);
            stream.Write(bytes, 0, bytes.Length);
        });
        if (PassThru)
        {
            WriteObject(new FileInfo(target));
        }
    }
}
