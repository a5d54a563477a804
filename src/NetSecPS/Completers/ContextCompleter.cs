using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using NetSecPS.Core.Sources.Live;

namespace NetSecPS.Commands;

/// <summary>Completes <c>-Context</c> with the context names of the kubeconfig (-Kubeconfig, else every file KUBECONFIG lists, else ~/.kube/config).</summary>
public sealed class ContextCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        IEnumerable<string> names;
        try
        {
            var files = ApiConnection.KubeconfigFiles(fakeBoundParameters["Kubeconfig"] as string);
            names = files.Count == 0 ? new List<string>() : Kubeconfig.Load(files).Contexts.Keys.ToList();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            yield break;
        }

        foreach (var n in names.Where(n => n.StartsWith(wordToComplete.Trim('\'', '"'), StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal))
        {
            var text = n.Contains(' ', StringComparison.Ordinal) ? $"'{n}'" : n;
            yield return new CompletionResult(text, n, CompletionResultType.ParameterValue, n);
        }
    }
}
