using System.Text.Json;
using NetSecPS.ClusterGenerator;
using NetSecPS.Core.Sources;

namespace NetSecPS.Benchmarks;

/// <summary>A generated cluster on disk: its manifests folder and its saved snapshot.</summary>
internal sealed record Dataset(ClusterShape Shape, string ManifestsFolder, string SnapshotPath, GenerationSummary Summary)
{
    /// <summary>Yesterday's baseline of the cluster, written by the stage-by-stage scan for the one-process run.</summary>
    public string BaselinePath => Path.Combine(Path.GetDirectoryName(ManifestsFolder)!, "yesterday.baseline.json");
}

/// <summary>
/// Generated clusters cached under <c>out/bench-data</c>, keyed by shape, seed and generator
/// version, so a second benchmark run spends its time measuring, not generating.
/// </summary>
internal static class BenchData
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    public static string RepositoryRoot { get; } = FindRoot();

    public static string OutFolder => Path.Combine(RepositoryRoot, "out");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "build.ps1")) && File.Exists(Path.Combine(dir.FullName, "NetSecPS.sln")))
            {
                return dir.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }

    public static Dataset Ensure(ClusterShape shape, TextWriter log)
    {
        var folder = Path.Combine(OutFolder, "bench-data", $"{shape.Id}-g{SyntheticCluster.Version}");
        var manifests = Path.Combine(folder, "manifests");
        var snapshot = Path.Combine(folder, "snapshot.json.gz");
        var marker = Path.Combine(folder, "summary.json");
        if (File.Exists(marker) && File.Exists(snapshot) && JsonSerializer.Deserialize<StoredSummary>(File.ReadAllText(marker)) is { } stored)
        {
            return new Dataset(shape, manifests, snapshot, stored.ToSummary(shape));
        }

        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        var sw = System.Diagnostics.Stopwatch.StartNew();
        log.WriteLine($"Generating {shape} into {folder} ...");
        var generator = new SyntheticCluster(shape);
        var summary = ClusterOutput.WriteManifests(generator, manifests);
        log.WriteLine($"  {summary} in {sw.Elapsed.TotalSeconds:0.0} s");

        // The saved snapshot is what Get-NetSecSnapshot -Path … | Export-NetSecSnapshot would write.
        sw.Restart();
        var data = ManifestSource.Read(new[] { manifests });
        ClusterOutput.WriteSnapshot(data, snapshot);
        log.WriteLine($"  snapshot {new FileInfo(snapshot).Length / 1024.0 / 1024.0:0.0} MiB in {sw.Elapsed.TotalSeconds:0.0} s");
        File.WriteAllText(marker, JsonSerializer.Serialize(StoredSummary.From(summary), JsonOptions));
        return new Dataset(shape, manifests, snapshot, summary);
    }

    private sealed record StoredSummary(Dictionary<string, int> Kinds, int Files, long Bytes, int Nodes, int Namespaces, int IpBlocks)
    {
        public static StoredSummary From(GenerationSummary s) => new(new Dictionary<string, int>(s.Kinds), s.Files, s.Bytes, s.Nodes, s.Namespaces, s.IpBlocks);

        public GenerationSummary ToSummary(ClusterShape shape) => new(shape, Kinds, Files, Bytes, Nodes, Namespaces, IpBlocks);
    }
}
