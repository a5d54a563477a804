using System.Reflection;
using System.Runtime.Loader;

namespace NetSecPS.Shared;

/// <summary>
/// The module's private AssemblyLoadContext. The cmdlet assembly and every third-party
/// dependency (KubernetesClient, YamlDotNet, ClosedXML, OpenXml, PDFsharp) load here, so a
/// session that already holds another version of any of them keeps working. Only this
/// assembly and PowerShell/BCL assemblies live in the default context.
/// </summary>
public sealed class LoadContext : AssemblyLoadContext
{
    private static readonly object Gate = new();
    private static LoadContext? instance;
    private readonly string assemblyDirectory;
    private readonly string sharedName;

    private LoadContext(string assemblyDirectory)
        : base("NetSecPS", isCollectible: false)
    {
        this.assemblyDirectory = assemblyDirectory;
        sharedName = typeof(LoadContext).Assembly.GetName().Name!;
    }

    /// <summary>Directory the module's private assemblies are loaded from.</summary>
    public string AssemblyDirectory => assemblyDirectory;

    /// <summary>
    /// Creates the context once per process and returns the cmdlet assembly loaded in it.
    /// Re-importing the module reuses the same context.
    /// </summary>
    public static Assembly Initialize(string mainAssemblyName = "NetSecPS")
    {
        lock (Gate)
        {
            if (instance is null)
            {
                var dir = Path.GetDirectoryName(typeof(LoadContext).Assembly.Location)
                    ?? throw new InvalidOperationException("Cannot locate the NetSecPS module directory.");
                instance = new LoadContext(dir);
            }

            return instance.LoadFromAssemblyName(new AssemblyName(mainAssemblyName));
        }
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        // The shared types must be the very same Type objects in both contexts.
        if (string.Equals(assemblyName.Name, sharedName, StringComparison.Ordinal))
        {
            return null;
        }

        var candidate = Path.Combine(assemblyDirectory, assemblyName.Name + ".dll");
        return File.Exists(candidate) ? LoadFromAssemblyPath(candidate) : null;
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        var candidate = Path.Combine(assemblyDirectory, unmanagedDllName);
        return File.Exists(candidate) ? LoadUnmanagedDllFromPath(candidate) : IntPtr.Zero;
    }
}
