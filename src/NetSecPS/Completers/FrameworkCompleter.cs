using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using NetSecPS.Core.Checks;

namespace NetSecPS.Commands;

/// <summary>Completes <c>-Framework</c> with the frameworks (CIS, NSA, MITRE) and every control the catalogue maps to, the control's name as tooltip.</summary>
public sealed class FrameworkCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var word = wordToComplete.Trim('\'', '"');
        var used = CheckCatalogue.Infos.SelectMany(c => c.Frameworks).ToHashSet(StringComparer.Ordinal);
        var candidates = FrameworkControls.Families.Select(f => (Text: f.Key, Tip: f.Name))
            .Concat(FrameworkControls.All.Where(c => used.Contains(c.Id)).OrderBy(c => c.Id, FrameworkControls.Order).Select(c => (Text: c.Id, Tip: c.Name)));
        foreach (var (text, tip) in candidates.Where(c => c.Text.StartsWith(word, StringComparison.OrdinalIgnoreCase)))
        {
            // A control holds a space: quoted, it completes into one argument.
            var completion = text.Contains(' ', StringComparison.Ordinal) ? $"'{text}'" : text;
            yield return new CompletionResult(completion, text, CompletionResultType.ParameterValue, tip);
        }
    }
}
