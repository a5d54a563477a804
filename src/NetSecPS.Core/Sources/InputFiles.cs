using System.Runtime.InteropServices;

namespace NetSecPS.Core.Sources;

/// <summary>What a path names, after following symbolic links.</summary>
internal enum InputFileKind
{
    Missing,
    Regular,
    Directory,
    Fifo,
    CharacterDevice,
    BlockDevice,
    Socket,
    Other,
}

/// <summary>
/// The file system side of reading input: only regular files are opened (opening a FIFO blocks
/// until a writer comes, reading a device never ends), and a folder walk enters each real folder
/// once however many symbolic links lead to it, so link loops cannot make it endless.
/// </summary>
internal static class InputFiles
{
    /// <summary>How many links one path may pass through, as Linux allows (ELOOP after 40).</summary>
    private const int MaxLinkHops = 40;

    private static readonly StringComparer PathComparer = OperatingSystem.IsLinux() ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase;

    /// <summary>A set of paths compared as the platform's file system compares names.</summary>
    public static ISet<string> NewPathSet() => new HashSet<string>(PathComparer);

    /// <summary>What <paramref name="path"/> is, following symbolic links; never opens it.</summary>
    public static InputFileKind KindOf(string path)
    {
        if (!OperatingSystem.IsWindows() && UnixFileType.TryGet(path, out var kind))
        {
            return kind;
        }

        // Windows keeps pipes and devices out of folders; .NET's own view is enough there.
        if (Directory.Exists(path))
        {
            return InputFileKind.Directory;
        }

        if (!File.Exists(path))
        {
            return InputFileKind.Missing;
        }

        return (File.GetAttributes(path) & FileAttributes.Device) != 0 ? InputFileKind.CharacterDevice : InputFileKind.Regular;
    }

    /// <summary>"a FIFO (named pipe)", "a character device", ...: for messages.</summary>
    public static string Describe(InputFileKind kind) => kind switch
    {
        InputFileKind.Fifo => "a FIFO (named pipe)",
        InputFileKind.CharacterDevice => "a character device",
        InputFileKind.BlockDevice => "a block device",
        InputFileKind.Socket => "a socket",
        InputFileKind.Directory => "a folder",
        InputFileKind.Missing => "missing",
        _ => "not a regular file",
    };

    /// <summary>Fails with the reason when <paramref name="path"/> is not a regular file, before anything opens it.</summary>
    public static void EnsureRegularFile(string path)
    {
        var kind = KindOf(path);
        switch (kind)
        {
            case InputFileKind.Regular:
                return;
            case InputFileKind.Missing:
                throw new FileNotFoundException($"{path} does not exist.", path);
            default:
                throw new InvalidDataException($"{path} is {Describe(kind)}, not a regular file: only regular files are read.");
        }
    }

    /// <summary>The most a profile, an exceptions file, a certificate or a token file may hold: far above any real one.</summary>
    public const long MaxSmallFileBytes = 16L * 1024 * 1024;

    /// <summary>
    /// The bytes of a regular file of at most <paramref name="maxBytes"/>: a FIFO, a device or a
    /// folder is refused before it is opened (opening a FIFO waits for a writer forever), and a
    /// file larger than the limit is refused before it is read, naming <paramref name="what"/>.
    /// </summary>
    public static byte[] ReadAllBytes(string path, string what, long maxBytes = MaxSmallFileBytes)
    {
        EnsureRegularFile(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        if (stream.Length > maxBytes)
        {
            throw new InvalidDataException($"{what} {path} is {stream.Length:N0} bytes, more than the {maxBytes:N0} it may have; it is not read.");
        }

        // Read to the end rather than trust the length: a file that grows while it is read stops at the limit.
        using var buffer = new MemoryStream((int)stream.Length);
        var chunk = new byte[1 << 16];
        int n;
        while ((n = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (buffer.Length + n > maxBytes)
            {
                throw new InvalidDataException($"{what} {path} grew past the {maxBytes:N0} bytes it may have while it was read; it is not read.");
            }

            buffer.Write(chunk, 0, n);
        }

        return buffer.ToArray();
    }

    /// <summary>
    /// The text of a regular file of at most <paramref name="maxBytes"/> (see <see cref="ReadAllBytes"/>),
    /// which must be UTF-8 (a byte order mark is allowed); invalid UTF-8 is refused, naming the file.
    /// </summary>
    public static string ReadAllText(string path, string what, long maxBytes = MaxSmallFileBytes)
    {
        var bytes = ReadAllBytes(path, what, maxBytes);
        try
        {
            var text = new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes);
            return text.Length > 0 && text[0] == '\uFEFF' ? text[1..] : text;
        }
        catch (System.Text.DecoderFallbackException)
        {
            throw new InvalidDataException($"{what} {path} is not UTF-8 text.");
        }
    }

    /// <summary>
    /// The path with every symbolic link resolved, as realpath(3) gives it: two paths name the same
    /// file or folder exactly when their real paths are equal. Throws <see cref="IOException"/> for
    /// a link cycle.
    /// </summary>
    public static string RealPath(string path)
    {
        var hops = 0;
        return RealPath(Path.GetFullPath(path), ref hops);
    }

    private static string RealPath(string fullPath, ref int hops)
    {
        var root = Path.GetPathRoot(fullPath) ?? string.Empty;
        var current = root;
        foreach (var part in fullPath[root.Length..].Split(new[] { Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar }, StringSplitOptions.RemoveEmptyEntries))
        {
            var next = Path.Combine(current, part);
            var target = new FileInfo(next).LinkTarget;
            if (target is not null)
            {
                if (++hops > MaxLinkHops)
                {
                    throw new IOException($"{fullPath}: too many levels of symbolic links.");
                }

                next = RealPath(Path.GetFullPath(target, current), ref hops);
            }

            current = next;
        }

        return current;
    }

    /// <summary>
    /// The files under <paramref name="folder"/> whose names pass <paramref name="include"/>, with
    /// their real paths (two names of one file share it), depth first in name order. Hidden files
    /// and folders (names starting with a dot) are skipped; a folder reached again through a link
    /// is not entered again.
    /// </summary>
    public static IEnumerable<(string Path, string RealPath, InputFileKind Kind)> Walk(string folder, Func<string, bool> include, Action<InputDiagnostic> report)
    {
        var options = new EnumerationOptions { RecurseSubdirectories = false, IgnoreInaccessible = false, AttributesToSkip = FileAttributes.Hidden, ReturnSpecialDirectories = false };
        var visited = new HashSet<string>(PathComparer);
        var root = Path.GetFullPath(folder);
        var pending = new Stack<(string Display, string Real)>();
        string rootReal;
        try
        {
            rootReal = RealPath(root);
        }
        catch (IOException ex)
        {
            report(new InputDiagnostic(DiagnosticSeverity.Warning, "FolderUnreadable", $"Skipped: {ex.Message}", root, null, null));
            yield break;
        }

        visited.Add(rootReal);
        pending.Push((root, rootReal));
        while (pending.Count > 0)
        {
            var (display, real) = pending.Pop();
            List<FileSystemInfo> entries;
            try
            {
                entries = new DirectoryInfo(display).EnumerateFileSystemInfos("*", options).OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                report(new InputDiagnostic(DiagnosticSeverity.Warning, "FolderUnreadable", $"Skipped a folder that cannot be read: {ex.Message}", display, null, null));
                continue;
            }

            var subfolders = new List<(string, string)>();
            foreach (var entry in entries)
            {
                var isLink = (entry.Attributes & FileAttributes.ReparsePoint) != 0;
                if (!isLink && entry is DirectoryInfo)
                {
                    var childReal = Path.Combine(real, entry.Name);
                    if (visited.Add(childReal))
                    {
                        subfolders.Add((entry.FullName, childReal));
                    }

                    continue;
                }

                if (!isLink && !include(entry.Name))
                {
                    continue;
                }

                string entryReal;
                InputFileKind kind;
                try
                {
                    entryReal = isLink ? RealPath(entry.FullName) : Path.Combine(real, entry.Name);
                    kind = KindOf(entryReal);
                }
                catch (IOException ex)
                {
                    report(new InputDiagnostic(DiagnosticSeverity.Warning, "BrokenLink", $"Skipped: {ex.Message}", entry.FullName, null, null));
                    continue;
                }

                if (kind == InputFileKind.Directory)
                {
                    if (visited.Add(entryReal))
                    {
                        subfolders.Add((entry.FullName, entryReal));
                    }

                    continue;
                }

                if (!include(entry.Name))
                {
                    continue;
                }

                if (kind == InputFileKind.Missing)
                {
                    report(new InputDiagnostic(DiagnosticSeverity.Warning, "BrokenLink", "Skipped: the symbolic link points at nothing.", entry.FullName, null, null));
                }
                else
                {
                    yield return (entry.FullName, entryReal, kind);
                }
            }

            // Depth first in name order: the first name of a file reached twice is stable.
            for (var i = subfolders.Count - 1; i >= 0; i--)
            {
                pending.Push(subfolders[i]);
            }
        }
    }

    /// <summary>
    /// The file type from stat(2), through the runtime's own native shim (libSystem.Native ships
    /// with every .NET on Linux and macOS): .NET has no API for it, and opening a FIFO to find
    /// out would block.
    /// </summary>
    private static class UnixFileType
    {
        private const int TypeMask = 0xF000;
        private static readonly bool Available = Probe();

        public static bool TryGet(string path, out InputFileKind kind)
        {
            kind = InputFileKind.Missing;
            if (!Available)
            {
                return false;
            }

            if (NativeMethods.Stat(path, out var status) != 0)
            {
                // ENOENT, ENOTDIR, ELOOP, EACCES: nothing that can be read here.
                kind = InputFileKind.Missing;
                return true;
            }

            kind = (status.Mode & TypeMask) switch
            {
                0x8000 => InputFileKind.Regular,
                0x4000 => InputFileKind.Directory,
                0x1000 => InputFileKind.Fifo,
                0x2000 => InputFileKind.CharacterDevice,
                0x6000 => InputFileKind.BlockDevice,
                0xC000 => InputFileKind.Socket,
                _ => InputFileKind.Other,
            };
            return true;
        }

        private static bool Probe()
        {
            try
            {
                return NativeMethods.Stat("/", out var root) == 0 && (root.Mode & TypeMask) == 0x4000;
            }
            catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
            {
                return false;
            }
        }
    }

    /// <summary>
    /// The head of libSystem.Native's FileStatus (Flags, then Mode in the S_IF* values); the rest
    /// of the structure, whose layout has grown between .NET versions, is left as padding.
    /// </summary>
    [StructLayout(LayoutKind.Sequential, Size = 512)]
    private struct FileStatus
    {
        public int Flags;
        public int Mode;
    }

    private static class NativeMethods
    {
        [DllImport("libSystem.Native", EntryPoint = "SystemNative_Stat", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int Stat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, out FileStatus output);
    }
}
