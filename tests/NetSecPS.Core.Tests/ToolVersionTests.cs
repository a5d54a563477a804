using System.Text.Json;
using System.Xml.Linq;
using NetSecPS.Core.Baseline;

namespace NetSecPS.Core.Tests;

/// <summary>
/// Snapshots and baselines state the version of Directory.Build.props, the one version source
/// (docs/contributing.md, "Versions"); tests/pester/Version.Tests.ps1 checks the manifest, the
/// shipped assemblies, the image tags and the changelog against the same source.
/// </summary>
public sealed class ToolVersionTests
{
    private static string SourceVersion { get; } =
        XDocument.Load(Path.Combine(TestPaths.RepoRoot, "Directory.Build.props")).Descendants("Version").Single().Value;

    [Fact]
    public void The_assemblies_carry_the_version_of_Directory_Build_props()
    {
        Assert.Matches(@"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$", SourceVersion);
        Assert.Equal(SourceVersion, ToolIdentity.Version);
        Assert.Equal(SourceVersion, ToolIdentity.Read(typeof(BaselineFile).Assembly));
    }

    [Fact]
    public void A_snapshot_and_a_baseline_state_that_version()
    {
        var snapshot = Sources.ManifestSource.Read(new[] { TestPaths.Fixture("manifests", "multi-doc.yaml") });
        Assert.Equal(("NetSecPS", SourceVersion), (snapshot.Provenance.Tool, snapshot.Provenance.ToolVersion));

        var bytes = BaselineFile.Serialize(new Posture(), new BaselineProvenance { CreatedAt = DateTimeOffset.UnixEpoch });
        using var written = JsonDocument.Parse(bytes);
        var provenance = written.RootElement.GetProperty("provenance");
        Assert.Equal("NetSecPS", provenance.GetProperty("tool").GetString());
        Assert.Equal(SourceVersion, provenance.GetProperty("toolVersion").GetString());
        Assert.Equal(SourceVersion, BaselineFile.Read(bytes, "test.baseline.json").Provenance.ToolVersion);
    }
}
