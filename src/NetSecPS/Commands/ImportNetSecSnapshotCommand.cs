using System.Management.Automation;
using NetSecPS.Core.Sources;

namespace NetSecPS.Commands;

/// <summary>Loads a snapshot saved by <c>Export-NetSecSnapshot</c>.</summary>
[Cmdlet(VerbsData.Import, "NetSecSnapshot", DefaultParameterSetName = "Path")]
[OutputType(typeof(Snapshot))]
public sealed class ImportNetSecSnapshotCommand : NetSecCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Path", ValueFromPipeline = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    [Parameter(Mandatory = true, ParameterSetName = "LiteralPath", ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "FullName")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = Array.Empty<string>();

    protected override void ProcessRecord()
    {
        var files = new List<string>();
        if (ParameterSetName == "LiteralPath")
        {
            files.AddRange(LiteralPath.Select(p => SessionState.Path.GetUnresolvedProviderPathFromPSPath(p)));
        }
        else
        {
            foreach (var p in Path)
            {
                try
                {
                    files.AddRange(SessionState.Path.GetResolvedProviderPathFromPSPath(p, out _));
                }
                catch (ItemNotFoundException ex)
                {
                    WriteError(new ErrorRecord(ex, "NetSecPS.PathNotFound", ErrorCategory.ObjectNotFound, p));
                }
            }
        }

        foreach (var file in files)
        {
            try
            {
                using var stream = File.OpenRead(file);
                WriteObject(SnapshotFile.Read(stream, file).ToSnapshot());
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                WriteError(new ErrorRecord(ex, "NetSecPS.InvalidSnapshot", ex is InvalidDataException ? ErrorCategory.InvalidData : ErrorCategory.ReadError, file));
            }
        }
    }
}
