using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using NetSecPS.Core.Checks;

namespace NetSecPS.Commands;

/// <summary>Completes <c>-Check</c> and <c>-Id</c> with the catalogue's check ids, the title as tooltip.</summary>
public sealed class CheckIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var word = wordToComplete.Trim('\'', '"');
        return CheckCatalogue.Infos
            .Where(c => c.Id.StartsWith(word, StringComparison.OrdinalIgnoreCase) || (Core.Checks.Wildcard.HasWildcards(word) && Core.Checks.Wildcard.IsMatch(c.Id, word)))
            .Select(c => new CompletionResult(c.Id, c.Id, CompletionResultType.ParameterValue, $"{c.Id} ({c.Severity}) {c.Title}"));
    }
}
