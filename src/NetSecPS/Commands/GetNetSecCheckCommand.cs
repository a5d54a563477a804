using System.Management.Automation;
using NetSecPS.Core.Checks;

namespace NetSecPS.Commands;

/// <summary>Lists the check catalogue, filtered by id, severity or framework.</summary>
[Cmdlet(VerbsCommon.Get, "NetSecCheck")]
[OutputType(typeof(CheckInfo))]
public sealed class GetNetSecCheckCommand : NetSecCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("CheckId")]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(CheckIdCompleter))]
    public string[]? Id { get; set; }

    [Parameter]
    public Severity[]? Severity { get; set; }

    [Parameter]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(FrameworkCompleter))]
    public string[]? Framework { get; set; }

    protected override void ProcessRecord()
    {
        var matched = false;
        foreach (var info in CheckCatalogue.Infos)
        {
            if (Id is not null && !Id.Any(p => Core.Checks.Wildcard.IsMatch(info.Id, p)))
            {
                continue;
            }

            if (Severity is not null && !Severity.Contains(info.Severity))
            {
                continue;
            }

            if (Framework is not null && !Framework.Any(f => AuditProfile.HasFramework(info, f)))
            {
                continue;
            }

            matched = true;
            WriteObject(info);
        }

        if (!matched && Id is not null)
        {
            foreach (var id in Id.Where(i => !Core.Checks.Wildcard.HasWildcards(i) && CheckCatalogue.Find(i) is null))
            {
                WriteError(new ErrorRecord(new ItemNotFoundException($"There is no check '{id}'. Get-NetSecCheck lists the catalogue."), "NetSecPS.CheckNotFound", ErrorCategory.ObjectNotFound, id));
            }
        }
    }
}
