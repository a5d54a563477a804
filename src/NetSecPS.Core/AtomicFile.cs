using System.Text.RegularExpressions;

namespace NetSecPS.Core;

/// <summary>
/// Writes a file through a temporary file in the same folder, then moves it into place, so a
/// failure never leaves half a file. A write that was killed (a job's pod evicted, a session
/// closed) leaves its hidden temporary file behind; the next write to the same folder removes
/// those older than <see cref="StaleAfter"/>, so folders shared between runs do not fill up.
/// Errors name the file being written, never the temporary file.
/// </summary>
internal static partial class AtomicFile
{
    /// <summary>How old a temporary file must be before it counts as left behind: no write takes a day.</summary>
    public static TimeSpan StaleAfter { get; } = TimeSpan.FromDays(1);

    /// <summary>Longest part of the target's name in the temporary name, so that it stays within the 255 bytes file systems allow.</summary>
    private const int MaxNameInTemp = 200;

    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var target = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(dir);
        RemoveStaleTemporaryFiles(dir);
        var name = Path.GetFileName(target);
        var temp = Path.Combine(dir, "." + (name.Length > MaxNameInTemp ? name[..MaxNameInTemp] : name) + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream);
            }

            File.Move(temp, target, overwrite: true);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new UnauthorizedAccessException(NameTarget(ex.Message, temp, target), ex);
        }
        catch (IOException ex)
        {
            throw new IOException(NameTarget(ex.Message, temp, target), ex);
        }
        finally
        {
            TryDelete(temp);
        }
    }

    /// <summary>Whether a file name is one of the temporary names <see cref="Write"/> uses.</summary>
    public static bool IsTemporaryName(string fileName) => TemporaryNameRegex().IsMatch(fileName);

    /// <summary>
    /// Removes the temporary files of interrupted writes older than <see cref="StaleAfter"/> from
    /// <paramref name="dir"/>; a file it cannot remove stays for a later write.
    /// </summary>
    public static void RemoveStaleTemporaryFiles(string dir)
    {
        var options = new EnumerationOptions { AttributesToSkip = FileAttributes.Directory, IgnoreInaccessible = true, MatchType = MatchType.Simple, RecurseSubdirectories = false };
        var cutoff = DateTime.UtcNow - StaleAfter;
        try
        {
            foreach (var file in new DirectoryInfo(dir).EnumerateFiles(".*.tmp", options))
            {
                if (IsTemporaryName(file.Name) && file.LastWriteTimeUtc < cutoff)
                {
                    TryDelete(file.FullName);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The write itself reports what is wrong with the folder.
        }
    }

    private static void TryDelete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left for the next write to the folder.
        }
    }

    /// <summary>The error as the user should read it: about the file they asked for.</summary>
    private static string NameTarget(string message, string temp, string target) =>
        message.Contains(temp, StringComparison.Ordinal)
            ? message.Replace(temp, target, StringComparison.Ordinal)
            : message.Contains(target, StringComparison.Ordinal) ? message : $"Cannot write {target}: {message}";

    [GeneratedRegex(@"^\..+\.[0-9a-f]{8}\.tmp$", RegexOptions.CultureInvariant)]
    private static partial Regex TemporaryNameRegex();
}
