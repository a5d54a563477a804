using System.Management.Automation;
using NetSecPS.Core.Baseline;

namespace NetSecPS.Commands;

/// <summary>Writes connectivity drift in netpol-analyzer's diff text format, from drift records or from two baselines.</summary>
[Cmdlet(VerbsData.ConvertTo, "NetSecConnlistDiff", DefaultParameterSetName = DriftSet)]
[OutputType(typeof(string))]
public sealed class ConvertToNetSecConnlistDiffCommand : NetSecCmdlet
{
    private const string DriftSet = "Drift";
    private const string BaselineSet = "Baseline";
    private readonly List<DriftRecord> records = new();

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = DriftSet)]
    [AllowEmptyCollection]
    public DriftRecord[] InputObject { get; set; } = Array.Empty<DriftRecord>();

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = BaselineSet)]
    [ValidateNotNullOrEmpty]
    public string Baseline { get; set; } = string.Empty;

    [Parameter(Mandatory = true, Position = 1, ParameterSetName = BaselineSet)]
    [ValidateNotNullOrEmpty]
    public string Current { get; set; } = string.Empty;

    [Parameter(ParameterSetName = BaselineSet)]
    [SigningKeyTransformation]
    public byte[]? SigningKey { get; set; }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == DriftSet)
        {
            records.AddRange(InputObject.Where(r => r is not null));
        }
    }

    protected override void EndProcessing()
    {
        IReadOnlyList<string> lines;
        if (ParameterSetName == DriftSet)
        {
            try
            {
                lines = ConnlistDiff.Render(records);
            }
            catch (FormatException ex)
            {
                ThrowTerminating(ex, "InvalidDriftRecord", ErrorCategory.InvalidData, null);
                return;
            }
        }
        else
        {
            BaselineCommandSupport.CheckKey(this, SigningKey);
            var (_, before) = BaselineCommandSupport.ReadBaseline(this, Baseline, SigningKey, keepKey: true);
            var (_, after) = BaselineCommandSupport.ReadBaseline(this, Current, SigningKey);

            lines = ConnlistDiff.Render(DriftAnalyzer.FlowDiffs(before.Posture, after.Posture));
        }

        if (lines.Count == 0)
        {
            WriteVerbose("No connectivity drift.");
        }

        foreach (var line in lines)
        {
            WriteObject(line);
        }
    }
}
