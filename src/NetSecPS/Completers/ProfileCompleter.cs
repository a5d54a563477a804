using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using NetSecPS.Core.Checks;

namespace NetSecPS.Commands;

/// <summary>Completes <c>-Profile</c> with the profiles shipped in the module's profiles folder.</summary>
public sealed class ProfileCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var word = wordToComplete.Trim('\'', '"');
        return AuditProfile.Available(ModulePaths.ProfilesDirectory(null))
            .Where(p => p.StartsWith(word, StringComparison.OrdinalIgnoreCase))
            .Select(p => new CompletionResult(p, p, CompletionResultType.ParameterValue, p));
    }
}
