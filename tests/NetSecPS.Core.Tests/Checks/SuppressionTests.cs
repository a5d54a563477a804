using NetSecPS.Core.Checks;
using static NetSecPS.Core.Tests.Checks.CheckHarness;

namespace NetSecPS.Core.Tests.Checks;

public class SuppressionTests
{
    private static string ExceptionsFixture(string name) => TestPaths.Fixture("checks", "_exceptions", name);

    private static NetSecPS.Core.Sources.ClusterData TwoOpenLoadBalancers() =>
        Read(FixturePath("EX-001", "fail", "public-load-balancer.yaml"), FixturePath("EX-001", "fail", "source-range-is-everything.yaml"));

    [Fact]
    public void A_suppressed_finding_stays_in_the_results_marked_with_its_justification_owner_and_expiry()
    {
        var result = Audit(TwoOpenLoadBalancers(), new[] { "EX-001" }, exceptions: ExceptionsFile.Load(ExceptionsFixture("valid.yaml")));
        Assert.Equal(2, result.Findings.Count);
        var storefront = result.Findings.Single(f => f.Resource == "Service/edge/storefront");
        Assert.True(storefront.Suppressed);
        Assert.Equal("Public storefront; the CDN in front filters clients.", storefront.Justification);
        Assert.Equal("web-team@example.com", storefront.SuppressedBy);
        Assert.Equal(new DateTimeOffset(2027, 3, 31, 0, 0, 0, TimeSpan.Zero), storefront.SuppressionExpires);
    }

    [Fact]
    public void An_expired_exception_stops_suppressing_and_warns_with_its_file_and_line()
    {
        var sink = new CollectingSink();
        var result = Audit(TwoOpenLoadBalancers(), new[] { "EX-001" }, exceptions: ExceptionsFile.Load(ExceptionsFixture("valid.yaml")), sink: sink);
        var admin = result.Findings.Single(f => f.Resource == "Service/edge/admin-api");
        Assert.False(admin.Suppressed);
        var warning = Assert.Single(sink.Warnings, w => w.Contains("expired", StringComparison.Ordinal));
        Assert.Contains("valid.yaml:7", warning, StringComparison.Ordinal);
        Assert.Contains("2026-01-31", warning, StringComparison.Ordinal);
        Assert.Contains("1 finding(s) it covered are reported", warning, StringComparison.Ordinal);
        Assert.Contains(warning, result.Warnings);
    }

    [Fact]
    public void An_exception_still_applies_on_its_expiry_date()
    {
        var result = Audit(TwoOpenLoadBalancers(), new[] { "EX-001" }, exceptions: ExceptionsFile.Load(ExceptionsFixture("valid.yaml")),
            now: new DateTimeOffset(2026, 1, 31, 23, 0, 0, TimeSpan.Zero));
        Assert.All(result.Findings, f => Assert.True(f.Suppressed));
    }

    [Fact]
    public void A_suppressed_finding_counts_as_an_accepted_subject_and_the_score_without_exceptions_shows_its_cost()
    {
        var plain = Audit(TwoOpenLoadBalancers(), new[] { "EX-001" });
        var suppressed = Audit(TwoOpenLoadBalancers(), new[] { "EX-001" }, exceptions: ExceptionsFile.Load(ExceptionsFixture("valid.yaml")));
        var before = Assert.Single(plain.Score.Checks);
        Assert.Equal((2, 2, 0, 0), (before.Evaluated, before.Failed, before.Accepted, before.Passed));
        Assert.Equal(0.0, plain.Score.Score);
        var after = Assert.Single(suppressed.Score.Checks);
        Assert.Equal((2, 1, 1, 0), (after.Evaluated, after.Failed, after.Accepted, after.Passed));
        Assert.Equal(50.0, suppressed.Score.Score, 6);
        Assert.Equal(0.0, suppressed.Score.ScoreWithoutExceptions);
        Assert.Contains(suppressed.Subjects, s => s.Outcome == SubjectOutcome.Accepted && s.CheckId == "EX-001");
    }

    [Theory]
    [InlineData("missing-owner.yaml", 7, "no 'owner'")]
    [InlineData("bad-date.yaml", 5, "not a date")]
    [InlineData("unknown-check.yaml", 1, "EX-999")]
    [InlineData("not-yaml.yaml", 4, "not valid YAML")]
    public void A_malformed_exceptions_file_is_refused_with_the_line_of_the_problem(string file, int line, string message)
    {
        var ex = Assert.Throws<ExceptionsFileException>(() => ExceptionsFile.Load(ExceptionsFixture(file)));
        Assert.Equal(line, ex.Line);
        Assert.Contains($"{file}:{line}:", ex.Message, StringComparison.Ordinal);
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_field_is_refused_so_a_typo_cannot_silently_drop_the_expiry()
    {
        using var reader = new StringReader("- checkId: EX-001\n  resource: Service/a/b\n  justification: j\n  owner: o\n  expiry: 2027-01-01\n");
        var ex = Assert.Throws<ExceptionsFileException>(() => ExceptionsFile.Parse(reader, "inline.yaml"));
        Assert.Equal(5, ex.Line);
        Assert.Contains("unknown field 'expiry'", ex.Message, StringComparison.Ordinal);
    }
}
