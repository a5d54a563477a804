namespace NetSecPS;

/// <summary>What a check concluded about one subject it evaluated.</summary>
public enum SubjectOutcome
{
    /// <summary>The check verified the subject and found nothing.</summary>
    Passed,
    /// <summary>The check failed on the subject and no valid exception covers it.</summary>
    Failed,
    /// <summary>The check failed on the subject and a valid exception accepts the risk.</summary>
    Accepted,
}

/// <summary>
/// One (check, subject) pair an audit evaluated: a namespace, a workload, a Service, a policy, a
/// binding or the cluster, named as findings name resources (<c>Kind/namespace/name</c>).
/// Passed subjects are listed too, so a report can say what was verified, not only what failed.
/// </summary>
public sealed record SubjectResult
{
    public required string CheckId { get; init; }
    /// <summary><c>Kind/namespace/name</c>, <c>Kind/name</c> when cluster-scoped, or <c>Cluster/&lt;name&gt;</c>.</summary>
    public required string Resource { get; init; }
    public string? Namespace { get; init; }
    public SubjectOutcome Outcome { get; init; }
}

/// <summary>
/// A check's compliance in one audit: how many subjects it evaluated, and how many passed, failed
/// or were accepted by an exception. Compliance = (passed + accepted) / evaluated.
/// </summary>
public sealed record CheckCompliance
{
    public required string CheckId { get; init; }
    public string Title { get; init; } = string.Empty;
    /// <summary>The severity the profile reports the check with, which sets its weight.</summary>
    public Severity Severity { get; init; }
    /// <summary>The check's weight in the score: Critical 10, High 5, Medium 2, Low 1, Info 0.</summary>
    public int Weight { get; init; }
    /// <summary>What the check evaluates: namespaces, workloads, services, policies, bindings, the cluster, ...</summary>
    public string Scope { get; init; } = string.Empty;
    public int Evaluated { get; init; }
    public int Passed { get; init; }
    public int Failed { get; init; }
    public int Accepted { get; init; }
    /// <summary>(passed + accepted) / evaluated, from 0 to 1; 1 when nothing was evaluated (the check then does not count).</summary>
    public double Compliance { get; init; }
    /// <summary>passed / evaluated: the compliance if no exception were accepted.</summary>
    public double ComplianceWithoutExceptions { get; init; }
    public IReadOnlyList<string> Frameworks { get => TextValues.List(field); init; } = Array.Empty<string>();

    /// <summary>True when the check evaluated at least one subject, so it counts in the score.</summary>
    public bool Applicable => Evaluated > 0;

    public override string ToString() => $"{CheckId}: {Passed + Accepted} of {Evaluated} compliant";
}

/// <summary>The score restricted to the subjects of one namespace.</summary>
public sealed record NamespaceScore
{
    public required string Namespace { get; init; }
    public double Score { get; init; }
    public double ScoreWithoutExceptions { get; init; }
    /// <summary>good (90 and above), fair (70 to 90) or poor (below 70).</summary>
    public string Band { get; init; } = string.Empty;
    /// <summary>Checks that evaluated at least one subject of the namespace.</summary>
    public int Checks { get; init; }
    /// <summary>Of those, the checks with a failed subject in the namespace.</summary>
    public int FailingChecks { get; init; }
    public int Evaluated { get; init; }
    public int Passed { get; init; }
    public int Failed { get; init; }
    public int Accepted { get; init; }
    /// <summary>Ids of the checks failing in the namespace, most severe first.</summary>
    public IReadOnlyList<string> FailingCheckIds { get => TextValues.List(field); init; } = Array.Empty<string>();
}

/// <summary>
/// Compliance with a framework (<c>CIS</c>) or one of its controls (<c>CIS 5.3.2</c>): the score
/// restricted to the checks mapped to it, and how many of them fully pass.
/// </summary>
public sealed record FrameworkCompliance
{
    /// <summary>The framework key: CIS, NSA or MITRE.</summary>
    public required string Framework { get; init; }
    /// <summary>The control (<c>CIS 5.3.2</c>), or the framework key itself for the framework as a whole.</summary>
    public required string Control { get; init; }
    /// <summary>The control's name, where the catalogue knows it.</summary>
    public string? Name { get; init; }
    /// <summary>Mapped checks that evaluated at least one subject.</summary>
    public int Checks { get; init; }
    /// <summary>Of those, the checks every subject of which passed or was accepted.</summary>
    public int FullyPassing { get; init; }
    /// <summary>Mapped checks that ran but had no subject to evaluate.</summary>
    public int NotApplicable { get; init; }
    /// <summary>The score formula over the mapped checks, from 0 to 100.</summary>
    public double Compliance { get; init; }
    public IReadOnlyList<string> CheckIds { get => TextValues.List(field); init; } = Array.Empty<string>();

    public override string ToString() => $"{Control}: {FullyPassing} of {Checks} checks fully pass";
}
