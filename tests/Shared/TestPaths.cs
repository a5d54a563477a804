namespace NetSecPS.Tests;

/// <summary>Locates the repository's fixtures and the shared conformance data from the test binaries.</summary>
internal static class TestPaths
{
    public static string RepoRoot { get; } = FindRoot();

    public static string Fixtures => Path.Combine(RepoRoot, "tests", "fixtures");

    public static string Fixture(params string[] parts) => Path.Combine(new[] { Fixtures }.Concat(parts).ToArray());

    /// <summary>../shared/conformance/netpol-analyzer beside the repository.</summary>
    public static string Conformance => Path.Combine(Path.GetDirectoryName(RepoRoot)!, "shared", "conformance", "netpol-analyzer");

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
