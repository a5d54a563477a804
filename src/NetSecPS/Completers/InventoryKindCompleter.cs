using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using NetSecPS.Core.Sources;

namespace NetSecPS.Commands;

/// <summary>Completes <c>-Kind</c> with the kinds the inventory knows.</summary>
public sealed class InventoryKindCompleter : IArgumentCompleter
{
    /// <summary>Every kind -Kind can select: the kinds the module reads, and Workload for all workload kinds.</summary>
    public static IReadOnlyList<string> KnownKinds { get; } =
        KindRegistry.Kinds.Select(k => k.Kind).Append("Workload").Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        KnownKinds.Where(k => k.StartsWith(wordToComplete.Trim('\'', '"'), StringComparison.OrdinalIgnoreCase))
            .Select(k => new CompletionResult(k, k, CompletionResultType.ParameterValue, k));
}
