using NetSecPS.Core.Checks;
using static NetSecPS.Core.Tests.Checks.CheckHarness;

namespace NetSecPS.Core.Tests.Checks;

public class ProfileAndScoreTests
{
    [Fact]
    public void The_default_profile_runs_every_check_and_excludes_the_kubernetes_system_namespaces()
    {
        var p = Profiles.Default;
        Assert.Equal(CheckCatalogue.All.Count, Auditor.Select(p, null).Count);
        Assert.Equal(new[] { "kube-system", "kube-public", "kube-node-lease" }, p.ExcludedNamespaces);
    }

    [Fact]
    public void The_cis_profile_runs_the_cis_5_3_checks_excludes_no_namespace_and_reports_np_002_as_high()
    {
        var p = Profiles.Cis;
        Assert.Equal(new[] { "NP-001", "NP-002", "CNI-001", "CNI-002" }, Auditor.Select(p, null).Select(c => c.Info.Id));
        Assert.Empty(p.ExcludedNamespaces);
        Assert.Equal(NetSecPS.Severity.High, p.SeverityOf(CheckCatalogue.Find("NP-002")!.Info));
        Assert.Equal("CIS", p.Framework);
    }

    [Fact]
    public void The_nsa_profile_reports_missing_encryption_in_transit_as_medium()
    {
        var result = Audit(Read(FixturePath("MESH-005", "fail", "flannel-without-encryption.yaml")), profile: Profiles.Nsa);
        var f = result.Findings.Single(x => x.CheckId == "MESH-005");
        Assert.Equal(NetSecPS.Severity.Medium, f.Severity);
        Assert.Equal(NetSecPS.Severity.Medium, result.Checks.Single(c => c.Id == "MESH-005").Severity);
        Assert.Equal("nsa", result.Profile.Name);
    }

    [Fact]
    public void Explicit_check_ids_replace_the_profile_selection_but_keep_its_exclusions()
    {
        var selected = Auditor.Select(Profiles.Cis, new[] { "HN-*" });
        Assert.Equal(new[] { "HN-001", "HN-002" }, selected.Select(c => c.Info.Id));
    }

    [Theory]
    [InlineData("cis", false)]
    [InlineData("my-profile", false)]
    [InlineData("strict.json", true)]
    [InlineData("STRICT.JSON", true)]
    [InlineData("./strict", true)]
    [InlineData("profiles/strict", true)]
    [InlineData(@"profiles\strict", true)]
    public void A_profile_is_a_file_when_it_names_a_folder_or_the_json_extension(string nameOrPath, bool isPath) =>
        Assert.Equal(isPath, AuditProfile.IsPath(nameOrPath));

    [Fact]
    public void An_unknown_profile_name_is_refused_naming_the_known_ones()
    {
        var ex = Assert.Throws<FileNotFoundException>(() => AuditProfile.Resolve("pci", Profiles.Directory));
        Assert.Contains("cis, default, nsa", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_profile_with_a_severity_override_for_an_unknown_check_is_refused()
    {
        var path = Path.Combine(Path.GetTempPath(), $"netsecps-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """{ "name": "x", "severityOverrides": { "NP-999": "High" } }""");
        try
        {
            var ex = Assert.Throws<InvalidDataException>(() => AuditProfile.Load(path));
            Assert.Contains("NP-999", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_profile_with_an_unknown_field_is_refused_with_its_line()
    {
        var path = Path.Combine(Path.GetTempPath(), $"netsecps-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, "{\n  \"name\": \"x\",\n  \"excludedNamespace\": [\"a\"]\n}\n");
        try
        {
            var ex = Assert.Throws<InvalidDataException>(() => AuditProfile.Load(path));
            Assert.Contains($"{path}:3", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
