using NetSecPS.Core.Checks;

namespace NetSecPS.Core.Tests.Checks;

public class FixtureCoverageTests
{
    [Fact]
    public void Every_check_of_the_catalogue_has_a_failing_and_a_passing_manifest_fixture()
    {
        foreach (var check in CheckCatalogue.All)
        {
            foreach (var outcome in new[] { "fail", "pass" })
            {
                var dir = TestPaths.Fixture("checks", check.Info.Id, outcome);
                Assert.True(Directory.Exists(dir) && Directory.EnumerateFiles(dir, "*.yaml").Any(), $"{check.Info.Id} has no {outcome} fixture in {dir}");
            }
        }
    }

    public static IEnumerable<object[]> Fixtures() =>
        Directory.EnumerateDirectories(TestPaths.Fixture("checks"))
            .SelectMany(d => new[] { "fail", "pass" }.SelectMany(o =>
                Directory.Exists(Path.Combine(d, o)) ? Directory.EnumerateFiles(Path.Combine(d, o), "*.yaml").Select(f => new object[] { Path.GetFileName(d), o, Path.GetFileName(f) }) : Enumerable.Empty<object[]>()))
            .OrderBy(x => (string)x[0], StringComparer.Ordinal).ThenBy(x => (string)x[1], StringComparer.Ordinal).ThenBy(x => (string)x[2], StringComparer.Ordinal);

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void A_fixture_in_fail_fails_its_check_and_one_in_pass_does_not(string checkId, string outcome, string file)
    {
        Assert.NotNull(CheckCatalogue.Find(checkId));
        var findings = CheckHarness.Run(checkId, outcome, file);
        if (outcome == "fail")
        {
            Assert.NotEmpty(findings);
        }
        else
        {
            Assert.True(findings.Count == 0, $"{checkId} should pass {file} but reported: {string.Join("; ", findings.Select(f => f.Resource + ": " + f.Evidence))}");
        }
    }
}
