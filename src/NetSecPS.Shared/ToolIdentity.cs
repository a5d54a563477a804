using System.Reflection;

namespace NetSecPS;

/// <summary>
/// The name and version of NetSecPS as snapshots, baselines, reports and API requests state them.
/// The version is the one every assembly carries from <c>Version</c> in Directory.Build.props, the
/// single source that build.ps1 also writes into the module manifest, so nothing here can drift.
/// </summary>
internal static class ToolIdentity
{
    public const string Name = "NetSecPS";

    /// <summary>The informational version without its build metadata (<c>0.2.0</c>, <c>0.2.0-preview1</c>).</summary>
    public static string Version { get; } = Read(typeof(ToolIdentity).Assembly);

    internal static string Read(Assembly assembly)
    {
        // The SDK appends "+<commit>" to the informational version; the tool's version is what precedes it.
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (!string.IsNullOrEmpty(informational))
        {
            var plus = informational.IndexOf('+', StringComparison.Ordinal);
            return plus < 0 ? informational : informational[..plus];
        }

        return assembly.GetName().Version?.ToString(3) ?? "0.0.0";
    }
}
