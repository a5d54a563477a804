using NetSecPS.Core.Checks;

namespace NetSecPS.Core.Tests.Checks;

public class CatalogueTests
{
    private static readonly string[] CatalogueIds =
    {
        "NP-001", "NP-002", "NP-003", "NP-004", "NP-005", "NP-006", "NP-007", "NP-008", "NP-009", "NP-010", "NP-011", "NP-012", "NP-013", "NP-014", "NP-015",
        "EX-001", "EX-002", "EX-003", "EX-004", "EX-005", "EX-006", "EX-007", "EX-008", "HN-001", "HN-002",
        "MESH-001", "MESH-002", "MESH-003", "MESH-004", "MESH-005", "CNI-001", "CNI-002", "PLAT-001",
        "RBAC-001", "RBAC-002", "SEC-001", "DET-001", "DET-002", "LAT-001", "LAT-002",
    };

    [Fact]
    public void The_catalogue_holds_every_check_of_checks_md_once_in_order() =>
        Assert.Equal(CatalogueIds, CheckCatalogue.Infos.Select(c => c.Id));

    [Fact]
    public void Every_check_says_when_it_fails_why_it_matters_how_to_fix_it_and_how_it_decides()
    {
        foreach (var c in CheckCatalogue.Infos)
        {
            Assert.False(string.IsNullOrWhiteSpace(c.Title), c.Id);
            Assert.False(string.IsNullOrWhiteSpace(c.Category), c.Id);
            Assert.False(string.IsNullOrWhiteSpace(c.FailsWhen), c.Id);
            Assert.False(string.IsNullOrWhiteSpace(c.Rationale), c.Id);
            Assert.False(string.IsNullOrWhiteSpace(c.Remediation), c.Id);
            Assert.False(string.IsNullOrWhiteSpace(c.Notes), c.Id);
        }
    }

    [Fact]
    public void The_catalogue_severities_and_titles_match_checks_md()
    {
        var checksMd = File.ReadAllLines(Path.Combine(Path.GetDirectoryName(TestPaths.RepoRoot)!, "shared", "design", "CHECKS.md"));
        var rows = checksMd.Where(l => l.StartsWith("| ", StringComparison.Ordinal) && CatalogueIds.Any(id => l.StartsWith($"| {id} |", StringComparison.Ordinal)))
            .Select(l => l.Split('|').Select(p => p.Trim()).ToArray()).ToDictionary(p => p[1], p => (Severity: p[2], Title: p[3]));
        // NP-015 (admin policies sharing a priority) is NetSecPS's own addition to the design catalogue.
        Assert.Equal(CatalogueIds.Length - 1, rows.Count);
        foreach (var c in CheckCatalogue.Infos.Where(c => rows.ContainsKey(c.Id)))
        {
            Assert.Equal(rows[c.Id].Severity, c.Severity.ToString());
            Assert.Equal(rows[c.Id].Title.Replace("`", string.Empty, StringComparison.Ordinal), c.Title);
        }
    }

    [Fact]
    public void The_connectivity_based_checks_are_the_semantic_ones_of_the_catalogue() =>
        Assert.Equal(new[] { "NP-001", "NP-002", "NP-009", "NP-010", "EX-005", "MESH-001", "MESH-002", "MESH-003", "LAT-001", "LAT-002" },
            CheckCatalogue.All.Where(c => c.NeedsConnectivity).Select(c => c.Info.Id));
}
