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

    /// <summary>Largest decompressed size of a snapshot file (bytes; 4GB in PowerShell's units).</summary>
    [Parameter]
    [ValidateRange(1L << 20, long.MaxValue)]
    public long MaximumSnapshotSize { get; set; } = InputLimits.Default.MaxSnapshotBytes;

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

        var limits = InputLimits.Default with { MaxSnapshotBytes = MaximumSnapshotSize };
        foreach (var file in files)
        {
            try
            {
                WriteObject(SnapshotFile.ReadFile(file, limits).ToSnapshot());
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                var errorId = ex.InnerException is InputLimitException limit ? limit.Code : "InvalidSnapshot";
                var category = ex switch
                {
                    InvalidDataException => ErrorCategory.InvalidData,
                    FileNotFoundException => ErrorCategory.ObjectNotFound,
                    _ => ErrorCategory.ReadError,
                };
                WriteError(new ErrorRecord(ex, "NetSecPS." + errorId, category, file));
            }
        }
    }
}
