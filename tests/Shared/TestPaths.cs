namespace NetSecPS.Tests;

/// <summary>Locates the repository's fixtures and the conformance data from the test binaries.</summary>
internal static class TestPaths
{
    /// <summary>The environment variable that names the folder of conformance data.</summary>
    public const string ConformanceVariable = "NETSECPS_CONFORMANCE_DIR";

    public static string RepoRoot { get; } = FindRoot();

    public static string Fixtures => Path.Combine(RepoRoot, "tests", "fixtures");

    public static string Fixture(params string[] parts) => Path.Combine(new[] { Fixtures }.Concat(parts).ToArray());

    /// <summary>
    /// The folder of conformance data (one sub-folder per suite: netpol-analyzer,
    /// clusternetworkpolicy, nca, cilium): <c>NETSECPS_CONFORMANCE_DIR</c> when set, else
    /// <c>conformance</c> in the <c>shared</c> folder beside the repository. The data comes from
    /// upstream projects and is not part of the repository (README, "Testing").
    /// </summary>
    public static string ConformanceRoot { get; } = FindConformance();

    /// <summary>The netpol-analyzer suite.</summary>
    public static string Conformance => ConformanceSuite("netpol-analyzer");

    public static string ConformanceSuite(string suite) => Path.Combine(ConformanceRoot, suite);

    /// <summary>Null when the suite's data is present; otherwise why its tests are skipped.</summary>
    public static string? ConformanceSkipReason(string suite) =>
        Directory.Exists(ConformanceSuite(suite)) ? null
        : $"conformance data '{suite}' not found at {ConformanceSuite(suite)} (set {ConformanceVariable} to the folder that holds it)";

    private static string FindConformance()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(ConformanceVariable);
        return !string.IsNullOrWhiteSpace(fromEnvironment)
            ? Path.GetFullPath(fromEnvironment)
            : Path.Combine(Path.GetDirectoryName(RepoRoot)!, "shared", "conformance");
    }

    private static string FindRoot()
    {
        var dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "NetSecPS.sln")))
        {
            dir = Path.GetDirectoryName(dir);
        }

        return dir ?? throw new InvalidOperationException("Cannot find the repository root (NetSecPS.sln) above " + AppContext.BaseDirectory);
    }
}

/// <summary>A fact that needs a conformance suite: skipped, with the reason, when its data is absent.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class ConformanceFactAttribute : FactAttribute
{
    public ConformanceFactAttribute(string suite = "netpol-analyzer")
    {
        Skip = TestPaths.ConformanceSkipReason(suite);
    }
}

/// <summary>A theory over a conformance suite's cases: one skipped test, with the reason, when its data is absent.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class ConformanceTheoryAttribute : TheoryAttribute
{
    public ConformanceTheoryAttribute(string suite = "netpol-analyzer")
    {
        Skip = TestPaths.ConformanceSkipReason(suite);
    }
}
