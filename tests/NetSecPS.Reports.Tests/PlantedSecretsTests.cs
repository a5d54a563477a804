using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using NetSecPS.Core;
using NetSecPS.Core.Baseline;
using NetSecPS.Core.Scanning;
using NetSecPS.Core.Sources;
using UglyToad.PdfPig;

namespace NetSecPS.Reports.Tests;

/// <summary>
/// Values that are commonly secrets (container env values, args, command, probe commands and
/// headers, the last-applied-configuration annotation, ConfigMap data, Secret data) are planted
/// in a manifest folder; no file NetSecPS writes from it may hold any of them.
/// </summary>
public sealed class PlantedSecretsTests : IDisposable
{
    private static readonly string Folder = Path.Combine(TestFiles.RepoRoot, "tests", "fixtures", "secrets");
    private readonly string dir = Directory.CreateTempSubdirectory("netsecps-planted-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    /// <summary>Every planted value, read from the manifests themselves so a value added there is checked too.</summary>
    private static IReadOnlyList<string> Planted { get; } = Directory.GetFiles(Folder, "*.yaml")
        .SelectMany(f => System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(f), "PLANTED-[A-Z0-9-]+").Select(m => m.Value))
        .Distinct(StringComparer.Ordinal).ToList();

    [Fact]
    public void The_fixture_plants_a_secret_in_every_place_the_issue_names()
    {
        foreach (var place in new[] { "ENV", "ARG", "COMMAND", "LAST-APPLIED", "CONFIGMAP", "SECRET", "PROBE", "RAW" })
        {
            Assert.Contains(Planted, p => p.Contains(place, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void No_planted_secret_reaches_the_snapshot_the_baseline_or_any_report()
    {
        var data = ManifestSource.Read(new[] { Folder });
        Assert.DoesNotContain(data.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        var scan = Scanner.Run(data, new ScanOptions { ClusterName = "planted" }, new CollectingSink());

        var outputs = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["snapshot"] = SnapshotText(data),
            ["baseline"] = BaselineText(scan),
        };
        foreach (var format in Enum.GetValues<ReportFormat>())
        {
            outputs[format.ToString()] = ReportText(scan, format);
        }

        foreach (var (name, text) in outputs)
        {
            // Each output really describes the planted cluster, so an empty file cannot pass.
            Assert.True(text.Contains("web", StringComparison.Ordinal) && text.Contains("shop", StringComparison.Ordinal), $"the {name} output does not describe the cluster");
            var leaked = Planted.Where(p => text.Contains(p, StringComparison.Ordinal)).ToList();
            Assert.True(leaked.Count == 0, $"the {name} output holds {string.Join(", ", leaked)}");
        }

        // What the analysis needs is still there: env names and references, the CNI flag it reads.
        Assert.Contains("AWS_SECRET_ACCESS_KEY", outputs["snapshot"], StringComparison.Ordinal);
        Assert.Contains("secretKeyRef", outputs["snapshot"], StringComparison.Ordinal);
        Assert.Contains("--enable-network-policy=true", outputs["snapshot"], StringComparison.Ordinal);
    }

    [Fact]
    public void An_object_from_the_live_api_is_trimmed_like_one_from_a_file()
    {
        // LiveSource hands every listed item to ObjectFactory.Create as a JSON tree.
        var pod = JsonNode.Parse("""
            {"metadata":{"name":"api","namespace":"shop","annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"PLANTED-LIVE-LAST-APPLIED\":1}"}},
             "spec":{"containers":[{"name":"api","image":"api:1","command":["PLANTED-LIVE-COMMAND"],"args":["--key=PLANTED-LIVE-ARG"],
               "env":[{"name":"TOKEN","value":"PLANTED-LIVE-ENV"},{"name":"DB","valueFrom":{"secretKeyRef":{"name":"db","key":"password"}}}]}]}}
            """)!.AsObject();
        var result = ObjectFactory.Create(pod, null, "v1", "Pod");
        var text = ObjectFactory.ToJson(result.Object!).ToJsonString();
        Assert.DoesNotContain("PLANTED", text, StringComparison.Ordinal);
        Assert.Contains("\"TOKEN\"", text, StringComparison.Ordinal);
        Assert.Contains("secretKeyRef", text, StringComparison.Ordinal);

        var configMap = JsonNode.Parse("""{"metadata":{"name":"app","namespace":"shop"},"data":{"password":"PLANTED-LIVE-CONFIGMAP"}}""")!.AsObject();
        Assert.Null(ObjectFactory.Create(configMap, null, "v1", "ConfigMap").Object);
    }

    private string SnapshotText(ClusterData data)
    {
        var path = Path.Combine(dir, "planted.json.gz");
        AtomicFile.Write(path, stream => SnapshotFile.Write(data, stream));
        using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var reader = new StreamReader(gz, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    private string BaselineText(ScanResult scan)
    {
        var path = Path.Combine(dir, "planted.baseline.json");
        var provenance = new BaselineProvenance { CreatedAt = DateTimeOffset.Now, Source = scan.Provenance };
        AtomicFile.Write(path, stream => BaselineFile.Write(stream, PostureBuilder.FromScan(scan), provenance));
        return File.ReadAllText(path);
    }

    /// <summary>The text a reader of the report sees: every part of a workbook, the extracted text of a PDF, the file itself otherwise.</summary>
    private string ReportText(ScanResult scan, ReportFormat format)
    {
        var path = Path.Combine(dir, "planted." + format.ToString().ToLowerInvariant());
        ReportWriter.WriteFile(scan, path, format);
        switch (format)
        {
            case ReportFormat.Excel:
                using (var zip = ZipFile.OpenRead(path))
                {
                    var text = new StringBuilder();
                    foreach (var entry in zip.Entries)
                    {
                        using var reader = new StreamReader(entry.Open(), Encoding.UTF8);
                        text.Append(reader.ReadToEnd());
                    }

                    return text.ToString();
                }

            case ReportFormat.Pdf:
                using (var pdf = PdfDocument.Open(path))
                {
                    return string.Join("\n", pdf.GetPages().Select(p => p.Text))
                        + string.Join("\n", pdf.GetPages().SelectMany(p => p.GetWords()).Select(w => w.Text));
                }

            default:
                return File.ReadAllText(path);
        }
    }
}
