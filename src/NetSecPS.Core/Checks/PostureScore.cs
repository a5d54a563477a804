using System.Globalization;

namespace NetSecPS.Core.Checks;

/// <summary>A selected check with the outcomes of the subjects it evaluated.</summary>
/// <param name="Check">The check as the profile reports it (its severity sets the weight).</param>
internal sealed record CheckOutcomes(CheckInfo Check, IReadOnlyList<SubjectResult> Subjects);

/// <summary>
/// The posture score of docs/checks.md ("Score"): compliance per check over the subjects it
/// evaluated, weighted by severity.
/// <code>
/// compliance(check) = (passed + accepted) / evaluated subjects
/// score = 100 × Σ w × compliance / Σ w, over the checks with at least one evaluated subject
/// w     = Critical 10, High 5, Medium 2, Low 1, Info 0 (the severity the profile reports)
/// </code>
/// So fixing one failing subject always raises the score, a failing cluster-level check costs its
/// full share at any cluster size, and idle workloads move only the checks that evaluate workloads.
/// The same formula over one namespace's subjects gives the namespace's score, and over the checks
/// mapped to a framework control gives that control's compliance.
/// </summary>
internal static class PostureScore
{
    public const string FormulaText =
        "score = 100 × Σ(w × compliance) ÷ Σ w over the checks with at least one evaluated subject; " +
        "compliance = (passed + accepted) ÷ evaluated subjects; w = Critical 10, High 5, Medium 2, Low 1, Info 0 (the severity the profile reports; when only Info checks apply, they count equally)";

    public static int Weight(Severity severity) => severity switch
    {
        Severity.Critical => 10,
        Severity.High => 5,
        Severity.Medium => 2,
        Severity.Low => 1,
        _ => 0,
    };

    public static ScoreDetails Compute(IReadOnlyList<CheckOutcomes> checks, int evaluatedWorkloads)
    {
        ArgumentNullException.ThrowIfNull(checks);
        var compliance = checks.Select(Compliance).ToList();
        var (score, sumWc, sumW) = Weighted(compliance, c => c.Compliance);
        var (without, _, _) = Weighted(compliance, c => c.ComplianceWithoutExceptions);
        var formula = sumW == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{FormulaText}. No check with a weight above 0 evaluated a subject, so the applicable checks count equally: {score:0.0}")
            : string.Create(CultureInfo.InvariantCulture, $"{FormulaText}. Here Σ(w × compliance) = {sumWc:0.###} and Σ w = {sumW}: 100 × {sumWc:0.###} ÷ {sumW} = {score:0.0}");
        return new ScoreDetails
        {
            Score = score,
            ScoreWithoutExceptions = without,
            Band = ScoreDetails.BandOf(score),
            EvaluatedWorkloads = evaluatedWorkloads,
            EvaluatedSubjects = compliance.Sum(c => c.Evaluated),
            Formula = formula,
            Checks = compliance,
            Namespaces = Namespaces(checks),
            Frameworks = Frameworks(compliance),
        };
    }

    /// <summary>One check's compliance from its subjects' outcomes.</summary>
    public static CheckCompliance Compliance(CheckOutcomes outcomes)
    {
        var (check, subjects) = outcomes;
        int passed = 0, failed = 0, accepted = 0;
        foreach (var s in subjects)
        {
            switch (s.Outcome)
            {
                case SubjectOutcome.Passed: passed++; break;
                case SubjectOutcome.Failed: failed++; break;
                default: accepted++; break;
            }
        }

        var evaluated = passed + failed + accepted;
        return new CheckCompliance
        {
            CheckId = check.Id,
            Title = check.Title,
            Severity = check.Severity,
            Weight = Weight(check.Severity),
            Scope = check.AppliesTo,
            Evaluated = evaluated,
            Passed = passed,
            Failed = failed,
            Accepted = accepted,
            Compliance = evaluated == 0 ? 1 : (double)(passed + accepted) / evaluated,
            ComplianceWithoutExceptions = evaluated == 0 ? 1 : (double)passed / evaluated,
            Frameworks = check.Frameworks,
        };
    }

    /// <summary>
    /// 100 × Σ w × c / Σ w over the applicable checks. When every applicable check weighs 0 (Info
    /// only, as in a framework control of detection checks) they count equally, so a failing Info
    /// check is not shown as 100; with no applicable check at all the result is 100.
    /// </summary>
    private static (double Score, double SumWc, int SumW) Weighted(IEnumerable<CheckCompliance> checks, Func<CheckCompliance, double> value)
    {
        double sumWc = 0, plain = 0;
        int sumW = 0, count = 0;
        foreach (var c in checks.Where(c => c.Applicable))
        {
            sumWc += c.Weight * value(c);
            sumW += c.Weight;
            plain += value(c);
            count++;
        }

        return (sumW > 0 ? 100 * sumWc / sumW : count > 0 ? 100 * plain / count : 100, sumWc, sumW);
    }

    private static IReadOnlyList<NamespaceScore> Namespaces(IReadOnlyList<CheckOutcomes> checks)
    {
        var byNamespace = new SortedDictionary<string, List<CheckOutcomes>>(StringComparer.Ordinal);
        foreach (var c in checks)
        {
            foreach (var group in c.Subjects.Where(s => s.Namespace is not null).GroupBy(s => s.Namespace!, StringComparer.Ordinal))
            {
                if (!byNamespace.TryGetValue(group.Key, out var list))
                {
                    byNamespace[group.Key] = list = new List<CheckOutcomes>();
                }

                list.Add(new CheckOutcomes(c.Check, group.ToList()));
            }
        }

        var result = new List<NamespaceScore>();
        foreach (var (ns, list) in byNamespace)
        {
            var compliance = list.Select(Compliance).ToList();
            var (score, _, _) = Weighted(compliance, c => c.Compliance);
            var (without, _, _) = Weighted(compliance, c => c.ComplianceWithoutExceptions);
            var failing = compliance.Where(c => c.Failed > 0).OrderByDescending(c => c.Severity).ThenBy(c => c.CheckId, StringComparer.Ordinal).ToList();
            result.Add(new NamespaceScore
            {
                Namespace = ns,
                Score = score,
                ScoreWithoutExceptions = without,
                Band = ScoreDetails.BandOf(score),
                Checks = compliance.Count,
                FailingChecks = failing.Count,
                Evaluated = compliance.Sum(c => c.Evaluated),
                Passed = compliance.Sum(c => c.Passed),
                Failed = compliance.Sum(c => c.Failed),
                Accepted = compliance.Sum(c => c.Accepted),
                FailingCheckIds = failing.Select(c => c.CheckId).ToList(),
            });
        }

        return result.OrderBy(n => n.Score).ThenBy(n => n.Namespace, StringComparer.Ordinal).ToList();
    }

    private static IReadOnlyList<FrameworkCompliance> Frameworks(IReadOnlyList<CheckCompliance> checks)
    {
        var result = new List<FrameworkCompliance>();
        foreach (var family in FrameworkControls.Families)
        {
            var mapped = checks.Where(c => c.Frameworks.Any(f => FrameworkControls.FamilyOf(f) == family.Key)).ToList();
            if (mapped.Count == 0)
            {
                continue;
            }

            result.Add(Framework(family.Key, family.Key, family.Name, mapped));
            var controls = mapped.SelectMany(c => c.Frameworks).Where(f => FrameworkControls.FamilyOf(f) == family.Key)
                .Distinct(StringComparer.Ordinal).OrderBy(f => f, FrameworkControls.Order);
            foreach (var control in controls)
            {
                result.Add(Framework(family.Key, control, FrameworkControls.Find(control)?.Name, mapped.Where(c => c.Frameworks.Contains(control, StringComparer.Ordinal)).ToList()));
            }
        }

        return result;
    }

    private static FrameworkCompliance Framework(string family, string control, string? name, IReadOnlyList<CheckCompliance> mapped)
    {
        var applicable = mapped.Where(c => c.Applicable).ToList();
        return new FrameworkCompliance
        {
            Framework = family,
            Control = control,
            Name = name,
            Checks = applicable.Count,
            FullyPassing = applicable.Count(c => c.Failed == 0),
            NotApplicable = mapped.Count - applicable.Count,
            Compliance = Weighted(applicable, c => c.Compliance).Score,
            CheckIds = mapped.Select(c => c.CheckId).ToList(),
        };
    }
}
