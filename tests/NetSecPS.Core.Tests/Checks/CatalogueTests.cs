using System.Text.RegularExpressions;
using NetSecPS.Core.Checks;

namespace NetSecPS.Core.Tests.Checks;

public partial class CatalogueTests
{
    private static string DocsPath => Path.Combine(TestPaths.RepoRoot, CatalogueDocument.RepositoryPath);

    [GeneratedRegex(@"^(NP|EX|HN|MESH|CNI|PLAT|RBAC|SEC|DET|LAT)-\d{3}$")]
    private static partial Regex CheckIdShape();

    [Fact]
    public void Check_ids_are_unique_well_formed_and_numbered_without_gaps_per_prefix()
    {
        var ids = CheckCatalogue.Infos.Select(c => c.Id).ToList();
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.All(ids, id => Assert.Matches(CheckIdShape(), id));
        foreach (var prefix in ids.GroupBy(id => id[..id.LastIndexOf('-')]))
        {
            var numbers = prefix.Select(id => int.Parse(id[(id.LastIndexOf('-') + 1)..], System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(Enumerable.Range(1, numbers.Count), numbers);
        }
    }

    [Fact]
    public void Every_check_says_when_it_fails_what_it_applies_to_why_it_matters_how_to_fix_it_and_how_it_decides()
    {
        foreach (var c in CheckCatalogue.Infos)
        {
            Assert.False(string.IsNullOrWhiteSpace(c.Title), c.Id);
            Assert.Contains(c.Category, CatalogueDocument.Categories.Select(x => x.Category));
            Assert.False(string.IsNullOrWhiteSpace(c.FailsWhen), c.Id);
            Assert.False(string.IsNullOrWhiteSpace(c.AppliesTo), c.Id);
            Assert.False(string.IsNullOrWhiteSpace(c.Rationale), c.Id);
            Assert.False(string.IsNullOrWhiteSpace(c.Remediation), c.Id);
            Assert.False(string.IsNullOrWhiteSpace(c.Notes), c.Id);
        }
    }

    [Fact]
    public void Checks_map_only_to_real_framework_controls()
    {
        foreach (var c in CheckCatalogue.Infos)
        {
            foreach (var f in c.Frameworks)
            {
                Assert.True(FrameworkControls.Find(f) is not null, $"{c.Id} maps to '{f}', which is no CIS, NSA/CISA or MITRE ATT&CK control of FrameworkControls");
            }
        }

        // Every control the catalogue knows is used by some check, so the list holds no decoration.
        Assert.All(FrameworkControls.All, control => Assert.Contains(CheckCatalogue.Infos, c => c.Frameworks.Contains(control.Id)));
    }

    [Fact]
    public void The_catalogue_in_docs_is_the_one_the_check_classes_describe()
    {
        var expected = CatalogueDocument.Markdown();
        if (Environment.GetEnvironmentVariable("NETSECPS_UPDATE_DOCS") == "1")
        {
            File.WriteAllText(DocsPath, expected);
        }

        var actual = File.Exists(DocsPath) ? File.ReadAllText(DocsPath).ReplaceLineEndings("\n") : string.Empty;
        Assert.True(actual == expected,
            $"{CatalogueDocument.RepositoryPath} is not current with the check classes. Regenerate it with: dotnet pwsh ./build.ps1 docs");
    }

    [Fact]
    public void The_catalogue_document_lists_every_check_with_its_severity_and_title()
    {
        var lines = File.ReadAllLines(DocsPath);
        var rows = lines.Where(l => l.StartsWith("| [", StringComparison.Ordinal)).Select(l => l.Split('|').Select(p => p.Trim()).ToArray()).ToList();
        Assert.Equal(CheckCatalogue.Infos.Count, rows.Count);
        foreach (var (c, row) in CheckCatalogue.Infos.Zip(rows))
        {
            Assert.StartsWith($"[{c.Id}]", row[1], StringComparison.Ordinal);
            Assert.Equal(c.Severity.ToString(), row[2]);
            Assert.Equal(c.Title, row[3]);
        }

        Assert.Contains($"The catalogue holds {CheckCatalogue.Infos.Count} checks", File.ReadAllText(DocsPath), StringComparison.Ordinal);
    }

    [Fact]
    public void The_connectivity_based_checks_are_the_semantic_ones_of_the_catalogue() =>
        Assert.Equal(new[] { "NP-001", "NP-002", "NP-009", "NP-010", "EX-005", "MESH-001", "MESH-002", "MESH-003", "LAT-001", "LAT-002" },
            CheckCatalogue.All.Where(c => c.NeedsConnectivity).Select(c => c.Info.Id));
}
