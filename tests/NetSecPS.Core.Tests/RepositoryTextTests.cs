using System.Text.RegularExpressions;
using NetSecPS.Core.Checks;

namespace NetSecPS.Core.Tests;

/// <summary>
/// What a user reads (README, docs, samples, help, profiles, the check texts) cites only files
/// that ship in the repository: the repository stands on its own.
/// </summary>
public partial class RepositoryTextTests
{
    private static IEnumerable<string> UserFacingFiles()
    {
        var root = TestPaths.RepoRoot;
        yield return Path.Combine(root, "README.md");
        foreach (var (dir, pattern) in new[] { ("docs", "*.md"), ("samples", "*.*"), ("module/en-US", "*.*"), ("reports", "*.json"), ("jobs", "*.md") })
        {
            var full = Path.Combine(root, dir);
            if (Directory.Exists(full))
            {
                foreach (var f in Directory.EnumerateFiles(full, pattern, SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                {
                    yield return f;
                }
            }
        }
    }

    [GeneratedRegex(@"CHECKS\.md|\.\./shared|/work/|shared/design")]
    private static partial Regex OutsideReference();

    [GeneratedRegex(@"\]\((?!https?:|#|mailto:)([^)#\s]+)(#[^)]*)?\)")]
    private static partial Regex MarkdownLink();

    [Fact]
    public void No_user_facing_text_points_outside_the_repository()
    {
        var problems = new List<string>();
        foreach (var file in UserFacingFiles())
        {
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                if (OutsideReference().Match(lines[i]) is { Success: true } m)
                {
                    problems.Add($"{Path.GetRelativePath(TestPaths.RepoRoot, file)}:{i + 1}: {m.Value}");
                }
            }
        }

        foreach (var c in CheckCatalogue.Infos)
        {
            foreach (var text in new[] { c.FailsWhen, c.AppliesTo, c.Rationale, c.Remediation, c.Notes })
            {
                if (OutsideReference().IsMatch(text))
                {
                    problems.Add($"{c.Id}: {text}");
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Every_relative_link_of_the_markdown_files_names_a_file_of_the_repository()
    {
        var problems = new List<string>();
        foreach (var file in UserFacingFiles().Where(f => f.EndsWith(".md", StringComparison.Ordinal)))
        {
            foreach (Match m in MarkdownLink().Matches(File.ReadAllText(file)))
            {
                var target = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, m.Groups[1].Value));
                if (!File.Exists(target) && !Directory.Exists(target))
                {
                    problems.Add($"{Path.GetRelativePath(TestPaths.RepoRoot, file)}: {m.Groups[1].Value}");
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }
}
