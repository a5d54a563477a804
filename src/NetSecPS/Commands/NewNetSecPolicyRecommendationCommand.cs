using System.Management.Automation;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Traffic;

namespace NetSecPS.Commands;

/// <summary>
/// Writes least-privilege policies from observed traffic for the workloads no policy isolates
/// yet (NetworkPolicy, or the CNI's own kind), each verified by the connectivity engine before it
/// is returned.
/// </summary>
[Cmdlet(VerbsCommon.New, "NetSecPolicyRecommendation", DefaultParameterSetName = LiveSet)]
[OutputType(typeof(PolicyRecommendation))]
public sealed class NewNetSecPolicyRecommendationCommand : FlowInputCmdlet
{
    /// <summary>Namespaces to write policies for (wildcards); every namespace but kube-system, kube-public and kube-node-lease by default.</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Namespace { get; set; }

    /// <summary>The kind of policy to write.</summary>
    [Parameter]
    public PolicyRecommendationKind Kind { get; set; } = PolicyRecommendationKind.NetworkPolicy;

    /// <summary>Which directions to restrict (both by default).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public PolicyDirection[]? Direction { get; set; }

    protected override IReadOnlyList<string> LiveNamespaces => Array.Empty<string>();

    /// <summary>A CNI's own kind only where the snapshot runs that CNI; refused before any flow is read.</summary>
    private protected override void CheckCluster(ConnectivityEngine engine)
    {
        if (RecommendationKinds.WhyNot(Kind, engine.Model) is { } whyNot)
        {
            ThrowTerminating(new NotSupportedException(whyNot), "KindNotEnforced", ErrorCategory.InvalidArgument, Kind);
        }
    }

    private protected override void Complete(TrafficComparison comparison)
    {
        var engine = Engine(withFlows: true);
        IReadOnlyList<string>? namespaces = null;
        if (Namespace is { Length: > 0 })
        {
            var patterns = Namespace.Select(n => WildcardPattern.Get(n, WildcardOptions.IgnoreCase)).ToList();
            namespaces = engine.Model.Namespaces.Keys.Where(n => patterns.Any(p => p.IsMatch(n))).Order(StringComparer.Ordinal).ToList();
            foreach (var n in Namespace.Where(n => !WildcardPattern.ContainsWildcardCharacters(n) && !engine.Model.Namespaces.ContainsKey(n)))
            {
                WriteError(new ErrorRecord(new ItemNotFoundException($"The namespace {n} is not in the snapshot."), "NetSecPS.NamespaceNotFound", ErrorCategory.ObjectNotFound, n));
            }
        }

        var options = new RecommendationOptions
        {
            Namespaces = namespaces,
            Kind = Kind,
            Directions = Direction is { Length: > 0 } d ? d.Distinct().ToList() : new[] { PolicyDirection.Ingress, PolicyDirection.Egress },
        };
        var recommendations = Run((sink, ct) => new PolicyRecommender(engine, comparison, options, sink).Recommend(ct));
        foreach (var r in recommendations)
        {
            WriteObject(r);
        }
    }
}
