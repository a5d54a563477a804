using NetSecPS.Core.Scanning;

namespace NetSecPS.Core.Tests;

/// <summary>
/// One history shared by scans that run at the same time (several CronJobs on one volume, a CI
/// matrix): every scan's record is kept. tests/pester/History.Tests.ps1 runs the same race with
/// separate pwsh processes.
/// </summary>
public sealed class HistoryFileLockTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 3, 17, 0, TimeSpan.Zero);
    private readonly string dir = Directory.CreateTempSubdirectory("netsecps-history-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void Eight_scans_appending_to_one_history_at_once_keep_every_record()
    {
        var path = Path.Combine(dir, "history.jsonl");
        const int writers = 8;
        const int appends = 25;
        using var go = new Barrier(writers);
        var threads = Enumerable.Range(0, writers).Select(w => new Thread(() =>
        {
            go.SignalAndWait();
            for (var i = 0; i < appends; i++)
            {
                HistoryFile.Append(path, new HistoryRecord { Time = Start.AddMinutes((w * appends) + i), Cluster = $"writer-{w}", Score = i });
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        var history = HistoryFile.Read(path);
        Assert.Equal(writers * appends, history.Count);
        Assert.Equal(Enumerable.Range(0, writers * appends).Select(m => Start.AddMinutes(m)), history.Select(h => h.Time));
        Assert.Equal(writers * appends, File.ReadAllLines(path).Length);
        Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
    }

    [Fact]
    public async Task A_scan_waits_for_the_scan_that_holds_the_history_and_then_adds_its_record_to_the_newer_file()
    {
        var path = Path.Combine(dir, "history.jsonl");
        HistoryFile.Append(path, new HistoryRecord { Time = Start, Score = 70 });
        Task<IReadOnlyList<HistoryRecord>> waiting;
        using (var held = new FileStream(HistoryFile.LockPathOf(path), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            waiting = Task.Run(() => HistoryFile.Append(path, new HistoryRecord { Time = Start.AddDays(2), Score = 90 }));
            // The holder writes while the other waits: without the lock the waiting record would be lost.
            Thread.Sleep(300);
            Assert.False(waiting.IsCompleted, "the append must wait while another scan holds the history");
            File.AppendAllText(path, "{\"time\":\"2026-01-02T03:17:00+00:00\",\"score\":80}\n");
        }

        await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(new[] { 70.0, 80.0, 90.0 }, HistoryFile.Read(path).Select(h => h.Score));
    }

    [Fact]
    public void A_history_locked_for_longer_than_the_timeout_fails_with_an_error_naming_the_history_and_keeps_it_unchanged()
    {
        var path = Path.Combine(dir, "history.jsonl");
        HistoryFile.Append(path, new HistoryRecord { Time = Start, Score = 70 });
        var before = File.ReadAllText(path);
        using var held = new FileStream(HistoryFile.LockPathOf(path), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);

        var error = Assert.Throws<IOException>(() => HistoryFile.Append(path, new HistoryRecord { Time = Start.AddDays(1) }, lockTimeout: TimeSpan.FromMilliseconds(200)));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("another scan", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(path));
    }
}
