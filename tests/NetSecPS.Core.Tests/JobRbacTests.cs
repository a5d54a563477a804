using System.Text.RegularExpressions;
using k8s.Models;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Tests;

/// <summary>
/// The job's ClusterRole, its documentation (docs/rbac.md) and the kinds the scan reads
/// (<see cref="KindRegistry"/>) must say the same thing, or a reviewer signs off the wrong list.
/// </summary>
public partial class JobRbacTests
{
    private static readonly string[] ReadVerbs = { "get", "list", "watch" };

    private static string ClusterRolePath => Path.Combine(TestPaths.RepoRoot, "jobs", "kubernetes", "clusterrole.yaml");

    private static string RbacDocPath => Path.Combine(TestPaths.RepoRoot, "docs", "rbac.md");

    private static string GroupCell(string group) => group.Length == 0 ? "(core)" : group;

    private static string Row(KindRegistry.KindInfo k) =>
        $"| {GroupCell(k.Group)} | {k.Plural} | {k.Kind} | {(k.Namespaced ? "namespaced" : "cluster")} | get, list, watch |";

    [GeneratedRegex(@"^\|\s*(?<group>[^|]+?)\s*\|\s*(?<resource>[a-z]+)\s*\|\s*(?<kind>[A-Za-z]+)\s*\|\s*(?<scope>namespaced|cluster)\s*\|\s*(?<verbs>[^|]+?)\s*\|$")]
    private static partial Regex TableRow();

    [Fact]
    public void The_scan_reads_no_secrets()
    {
        Assert.DoesNotContain(KindRegistry.Kinds, k => k.Plural == "secrets" || k.Kind == "Secret");
    }

    [Fact]
    public void The_rbac_page_lists_exactly_the_kinds_the_scan_reads_in_registry_order()
    {
        var documented = File.ReadLines(RbacDocPath)
            .Select(l => l.Trim())
            .Where(l => TableRow().IsMatch(l))
            .Select(l => Regex.Replace(l, @"\s*\|\s*", " | ").Trim())
            .ToList();
        var expected = KindRegistry.Kinds.Select(Row).ToList();

        // On a registry change, the expected rows are the table to paste into docs/rbac.md.
        Assert.True(expected.SequenceEqual(documented), "docs/rbac.md must list, in order:\n" + string.Join('\n', expected));
    }

    [Fact]
    public void The_cluster_role_grants_only_read_verbs_on_exactly_the_kinds_the_scan_reads()
    {
        var data = ManifestSource.Read(new[] { ClusterRolePath });
        Assert.DoesNotContain(data.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        var role = Assert.Single(data.Typed<V1ClusterRole>());
        Assert.Null(role.AggregationRule);

        var granted = new HashSet<(string Group, string Resource)>();
        foreach (var rule in role.Rules)
        {
            Assert.Equal(ReadVerbs, rule.Verbs.OrderBy(v => v, StringComparer.Ordinal));
            Assert.True(rule.NonResourceURLs is null || rule.NonResourceURLs.Count == 0, "no non-resource URLs");
            Assert.True(rule.ResourceNames is null || rule.ResourceNames.Count == 0, "grants are per kind, not per object");
            Assert.DoesNotContain("*", rule.ApiGroups);
            Assert.DoesNotContain(rule.Resources, r => r.Contains('*', StringComparison.Ordinal) || r.Contains('/', StringComparison.Ordinal));

            // A rule grants every listed resource in every listed group.
            foreach (var group in rule.ApiGroups)
            {
                foreach (var resource in rule.Resources)
                {
                    Assert.True(granted.Add((group, resource)), $"{group}/{resource} is granted twice");
                }
            }
        }

        var read = KindRegistry.Kinds.Select(k => (k.Group, k.Plural)).ToHashSet();
        Assert.Empty(granted.Except(read));
        Assert.Empty(read.Except(granted));
        Assert.DoesNotContain(granted, g => g.Resource == "secrets");
    }
}
