using System.Collections;
using System.Management.Automation;

namespace NetSecPS.Commands;

/// <summary>
/// Lets -Profile of Export-NetSecReport take what users and the CronJob have at hand: a ProfileInfo
/// (from a scan), a hashtable with Name, Title and Organization, or a profile name. A bare name
/// carries no title, so the report keeps the title of the profile the scan ran with.
/// </summary>
public sealed class ReportProfileTransformationAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject pso ? pso.BaseObject : inputData;
        return value switch
        {
            null => null,
            ProfileInfo profile => profile,
            string name when !string.IsNullOrWhiteSpace(name) => new ProfileInfo { Name = name, Title = string.Empty },
            IDictionary or PSCustomObject => LanguagePrimitives.ConvertTo<ProfileInfo>(inputData),
            _ => throw new ArgumentTransformationMetadataException($"-Profile takes a profile name, a hashtable with Name, Title and Organization, or a NetSecPS.ProfileInfo; not a {value.GetType().Name}."),
        };
    }
}
