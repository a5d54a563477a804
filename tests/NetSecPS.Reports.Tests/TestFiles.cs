using NetSecPS.Core;
using NetSecPS.Core.Baseline;
using NetSecPS.Core.Scanning;
using NetSecPS.Core.Sources;

namespace NetSecPS.Reports.Tests;

/// <summary>Where the tests write their reports: out/test-reports under the repository, kept after the run so a person can open them.</summary>
internal static class TestFiles
{
    public static string RepoRoot { get; } = FindRoot();

    /// <summary>The demo cluster of the README (samples/cluster).</summary>
    public static string DemoCluster { get; } = Path.Combine(RepoRoot, "samples", "cluster");

    /// <summary>The demo cluster's Hubble log fixture.</summary>
    public static string HubbleLog { get; } = Path.Combine(RepoRoot, "tests", "fixtures", "flows", "hubble-observe.json");

    /// <summary>A scan of the demo cluster with samples/exceptions.yaml at a fixed time, appending to <paramref name="history"/> when given.</summary>
    public static ScanResult ScanDemo(string? history = null) => Scanner.Run(
        ManifestSource.Read(new[] { DemoCluster }),
        new ScanOptions
        {
            Exceptions = ExceptionsInForce.Load(Path.Combine(RepoRoot, "samples", "exceptions.yaml")),
            Now = new DateTimeOffset(2026, 11, 27, 9, 15, 0, TimeSpan.Zero),
            HistoryPath = history,
        },
        new CollectingSink());

    /// <summary>One scan, shared by the test classes, of the demo cluster with its Hubble log (<see cref="HubbleLog"/>) at <see cref="SampleScan.ScannedAt"/>.</summary>
    public static Lazy<ScanResult> DemoWithFlowLog { get; } = new(() =>
        Scanner.Run(ManifestSource.Read(new[] { DemoCluster }), new ScanOptions { FlowLogs = new[] { HubbleLog }, Now = SampleScan.ScannedAt }, new CollectingSink()));

    public static string Directory { get; } = System.IO.Directory.CreateDirectory(Path.Combine(RepoRoot, "out", "test-reports")).FullName;

    public static string PathFor(string name) => Path.Combine(Directory, name);

    /// <summary>Writes the report to a file the way Export-NetSecReport does and returns its path.</summary>
    public static string Write(ScanResult scan, string name, ReportOptions? options = null)
    {
        var path = PathFor(name);
        var format = ReportFormats.FromPath(path) ?? throw new ArgumentException("no format for " + name);
        ReportWriter.WriteFile(scan, path, format, options);
        return path;
    }

    private static string FindRoot()
    {
        var dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "NetSecPS.sln")))
        {
            dir = Path.GetDirectoryName(dir);
        }

        return dir ?? throw new InvalidOperationException("Cannot find the repository root above " + AppContext.BaseDirectory);
    }
}
