using System.Management.Automation;

namespace NetSecPS.Commands;

/// <summary>Where the module keeps its data files (profiles/ beside bin/).</summary>
internal static class ModulePaths
{
    /// <summary>The module's profiles folder: from the loaded module when known, else next to this assembly's bin folder.</summary>
    public static string? ProfilesDirectory(PSModuleInfo? module)
    {
        if (module?.ModuleBase is { Length: > 0 } moduleBase)
        {
            return Path.Combine(moduleBase, "profiles");
        }

        var bin = Path.GetDirectoryName(typeof(ModulePaths).Assembly.Location);
        var root = bin is null ? null : Path.GetDirectoryName(bin);
        return root is null ? null : Path.Combine(root, "profiles");
    }
}
