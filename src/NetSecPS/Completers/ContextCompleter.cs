using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using k8s;

namespace NetSecPS.Commands;

/// <summary>Completes <c>-Context</c> with the context names of the kubeconfig.</summary>
public sealed class ContextCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        IEnumerable<string> names;
        try
        {
            var path = fakeBoundParameters["Kubeconfig"] as string;
            var config = path is null ? KubernetesClientConfiguration.LoadKubeConfig() : KubernetesClientConfiguration.LoadKubeConfig(path);
            names = config.Contexts?.Select(c => c.Name).Where(n => n is not null).ToList() ?? new List<string>();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or k8s.Exceptions.KubeConfigException or InvalidOperationException or YamlDotNet.Core.YamlException)
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
