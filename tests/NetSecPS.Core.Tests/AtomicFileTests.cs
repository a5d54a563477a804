namespace NetSecPS.Core.Tests;

/// <summary>Files written between runs (reports, snapshots, baselines, history) stay whole and folders stay clean.</summary>
public sealed class AtomicFileTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("netsecps-atomic-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string Plant(string name, TimeSpan age)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, "half a report");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow - age);
        return path;
    }

    [Fact]
    public void A_write_removes_the_temporary_files_interrupted_writes_left_in_its_folder_more_than_a_day_ago()
    {
        var stale = Plant(".prod.xlsx.0a1b2c3d.tmp", TimeSpan.FromDays(2));
        var staleOther = Plant(".history.jsonl.deadbeef.tmp", TimeSpan.FromHours(25));
        var recent = Plant(".prod.pdf.12345678.tmp", TimeSpan.FromHours(2));
        var notOurs = Plant(".cache.tmp", TimeSpan.FromDays(30));
        var notOursEither = Plant("notes.0a1b2c3d.tmp", TimeSpan.FromDays(30));

        AtomicFile.Write(Path.Combine(dir, "report.json"), s => s.Write("{}"u8));

        Assert.False(File.Exists(stale));
        Assert.False(File.Exists(staleOther));
        Assert.True(File.Exists(recent), "a write may still be running: a temporary file younger than a day stays");
        Assert.True(File.Exists(notOurs));
        Assert.True(File.Exists(notOursEither));
        Assert.Equal("{}", File.ReadAllText(Path.Combine(dir, "report.json")));
    }

    [Fact]
    public void A_failed_write_leaves_no_temporary_file_and_keeps_the_previous_file()
    {
        var target = Path.Combine(dir, "report.csv");
        File.WriteAllText(target, "previous");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(target, s =>
        {
            s.Write("partial"u8);
            throw new InvalidOperationException("the writer failed");
        }));
        Assert.Equal("previous", File.ReadAllText(target));
        Assert.Equal(new[] { "report.csv" }, Directory.GetFiles(dir).Select(Path.GetFileName));
    }

    [Fact]
    public void An_error_writing_into_a_folder_that_refuses_writes_names_the_target_file_not_the_temporary_file()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var folder = UnwritableFolder();
        var target = Path.Combine(folder, "prod.xlsx");
        var ex = Assert.ThrowsAny<Exception>(() => AtomicFile.Write(target, s => s.Write("x"u8)));
        Assert.True(ex is IOException or UnauthorizedAccessException, ex.GetType().Name);
        Assert.Contains(target, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(".tmp", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_target_name_as_long_as_the_file_system_allows_is_written()
    {
        var name = new string('r', 250) + ".json";
        var target = Path.Combine(dir, name);
        AtomicFile.Write(target, s => s.Write("{}"u8));
        Assert.Equal("{}", File.ReadAllText(target));
    }

    [Fact]
    public void An_error_moving_into_place_names_the_target()
    {
        var target = Path.Combine(dir, "taken");
        Directory.CreateDirectory(target);
        var ex = Assert.ThrowsAny<Exception>(() => AtomicFile.Write(target, s => s.Write("x"u8)));
        Assert.True(ex is IOException or UnauthorizedAccessException, ex.GetType().Name);
        Assert.Contains(target, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(".tmp", ex.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(dir));
    }

    /// <summary>
    /// A folder this process cannot create files in: a read-only folder for an ordinary user; as
    /// root (containers, CI), who may write anywhere the file system allows, /sys.
    /// </summary>
    private string UnwritableFolder()
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException();
        }

        if (Environment.UserName == "root" && Directory.Exists("/sys/kernel"))
        {
            return "/sys/kernel";
        }

        var readOnly = Directory.CreateDirectory(Path.Combine(dir, "readonly")).FullName;
        File.SetUnixFileMode(readOnly, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        return readOnly;
    }
}
