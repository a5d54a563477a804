using System.Globalization;

namespace NetSecPS.Core.Checks;

/// <summary>
/// The posture score of CHECKS.md: findings cost weight by severity and the cost is normalised
/// by the number of evaluated workloads, so a bigger cluster is not punished for its size.
/// <code>
/// P     = Σ weight(severity) over findings that are not suppressed
///         (Critical 10, High 5, Medium 2, Low 1, Info 0; the severity the profile reports)
/// N     = workloads outside the profile's excluded namespaces (at least 1)
/// score = 100 × max(0, 1 − P / (10 × N)), rounded to one decimal
/// </code>
/// So the score reaches 0 when the findings weigh, on average, as much as one Critical
/// finding per workload; a cluster with no unsuppressed finding above Info scores 100.
/// </summary>
public static class PostureScore
{
    /// <summary>The penalty per workload at which the score reaches 0.</summary>
    public const double Budget = 10;

    public const string FormulaText = "score = 100 × max(0, 1 − P ÷ (10 × N)), rounded to one decimal; P = sum of finding weights (Critical 10, High 5, Medium 2, Low 1, Info 0; suppressed findings cost nothing); N = evaluated workloads (outside excluded namespaces, at least 1)";

    public static int Weight(Severity severity) => severity switch
    {
        Severity.Critical => 10,
        Severity.High => 5,
        Severity.Medium => 2,
        Severity.Low => 1,
        _ => 0,
    };

    public static ScoreDetails Compute(IEnumerable<Finding> findings, int evaluatedWorkloads)
    {
        var penalty = findings.Where(f => !f.Suppressed).Sum(f => Weight(f.Severity));
        var n = Math.Max(1, evaluatedWorkloads);
        var score = Math.Round(100 * Math.Max(0, 1 - penalty / (Budget * n)), 1, MidpointRounding.AwayFromZero);
        return new ScoreDetails
        {
            Score = score,
            Penalty = penalty,
            EvaluatedWorkloads = evaluatedWorkloads,
            Formula = string.Create(CultureInfo.InvariantCulture, $"{FormulaText}. Here P = {penalty}, N = {n}: 100 × max(0, 1 − {penalty} ÷ {Budget * n}) = {score:0.0}"),
        };
    }
}
