using NetSecPS.Core.Scanning;

namespace NetSecPS.Core.Tests.Composition;

/// <summary>One count of findings by severity behind the audit summary, the history and the reports.</summary>
public class FindingCountsTests
{
    private static Finding F(Severity severity, bool suppressed = false) => new()
    {
        CheckId = "NP-001",
        Severity = severity,
        Title = "t",
        Resource = "Namespace/shop",
        Suppressed = suppressed,
    };

    [Fact]
    public void Open_and_suppressed_findings_are_counted_apart_by_severity()
    {
        var counts = FindingCounts.Of(new[] { F(Severity.Critical), F(Severity.Critical), F(Severity.High, suppressed: true), F(Severity.Info) });
        Assert.Equal(2, counts.OpenOf(Severity.Critical));
        Assert.Equal(0, counts.OpenOf(Severity.High));
        Assert.Equal(1, counts.OpenOf(Severity.Info));
        Assert.Equal(1, counts.SuppressedBySeverity[(int)Severity.High]);
        Assert.Equal(3, counts.Open);
        Assert.Equal(1, counts.Suppressed);
    }

    [Fact]
    public void The_history_record_of_a_scan_carries_the_same_counts()
    {
        var findings = new[] { F(Severity.Medium), F(Severity.Low), F(Severity.Low, suppressed: true) };
        var record = HistoryFile.RecordOf(new ScanResult { Provenance = new Provenance(), Profile = new ProfileInfo { Name = "default" }, Score = new ScoreDetails(), Findings = findings, ScannedAt = DateTimeOffset.UnixEpoch });
        var counts = FindingCounts.Of(findings);
        Assert.Equal((counts.OpenOf(Severity.Medium), counts.OpenOf(Severity.Low), counts.Suppressed), (record.Medium, record.Low, record.Suppressed));
        Assert.Equal((1, 1, 1), (record.Medium, record.Low, record.Suppressed));
    }
}
