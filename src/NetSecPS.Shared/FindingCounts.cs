namespace NetSecPS;

/// <summary>
/// Findings counted by severity, open and suppressed apart: the one count behind the audit
/// summary, the history record, the reports' totals and the compliance job's log and metrics
/// (which reach it as <c>[NetSecPS.FindingCounts]::Of($result.Findings)</c>), so they always agree.
/// </summary>
public sealed class FindingCounts
{
    private static readonly int SeverityCount = Enum.GetValues<Severity>().Length;

    private readonly int[] open = new int[SeverityCount];
    private readonly int[] suppressed = new int[SeverityCount];

    private FindingCounts()
    {
    }

    /// <summary>Unsuppressed findings per severity, indexed by the severity's value.</summary>
    public IReadOnlyList<int> OpenBySeverity => open;

    /// <summary>Suppressed findings per severity, indexed by the severity's value.</summary>
    public IReadOnlyList<int> SuppressedBySeverity => suppressed;

    public int Open => open.Sum();

    public int Suppressed => suppressed.Sum();

    public int OpenOf(Severity severity) => open[(int)severity];

    public static FindingCounts Of(IEnumerable<Finding> findings)
    {
        ArgumentNullException.ThrowIfNull(findings);
        var counts = new FindingCounts();
        foreach (var f in findings)
        {
            if (f is null)
            {
                continue;
            }

            (f.Suppressed ? counts.suppressed : counts.open)[(int)f.Severity]++;
        }

        return counts;
    }
}
