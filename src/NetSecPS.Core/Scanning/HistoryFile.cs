using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace NetSecPS.Core.Scanning;

/// <summary>
/// The scan history: one compact JSON object per line (JSON Lines), one line per scan, oldest
/// first. A scan appends its own record and keeps the newest N, so the file stays small however
/// long a CronJob runs; the reports draw their trend from it. Keep one file per cluster.
/// </summary>
internal static class HistoryFile
{
    /// <summary>How many scans a history keeps unless told otherwise: a year of daily scans, and some.</summary>
    public const int DefaultKeep = 400;

    private static readonly JsonSerializerOptions Json = CreateOptions();

    /// <summary>The record of a scan: its time, cluster, score, open findings per severity, suppressed findings and flows.</summary>
    public static HistoryRecord RecordOf(ScanResult scan)
    {
        ArgumentNullException.ThrowIfNull(scan);
        var counts = FindingCounts.Of(scan.Findings);

        return new HistoryRecord
        {
            Time = scan.ScannedAt,
            Cluster = scan.ClusterName,
            Score = Math.Round(scan.Score.Score, 2, MidpointRounding.AwayFromZero),
            ScoreVersion = scan.Score.Version,
            Critical = counts.OpenOf(Severity.Critical),
            High = counts.OpenOf(Severity.High),
            Medium = counts.OpenOf(Severity.Medium),
            Low = counts.OpenOf(Severity.Low),
            Info = counts.OpenOf(Severity.Info),
            Suppressed = counts.Suppressed,
            Flows = scan.Flows.Count,
        };
    }

    /// <summary>
    /// Reads a history, oldest first. A missing file is an empty history; a line that is not a
    /// record is skipped with a warning that names the file and line, and the rest is read.
    /// </summary>
    public static IReadOnlyList<HistoryRecord> Read(string path, IOutputSink? sink = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            return Array.Empty<HistoryRecord>();
        }

        var records = new List<HistoryRecord>();
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            try
            {
                if (JsonSerializer.Deserialize<HistoryRecord>(line, Json) is { } record)
                {
                    records.Add(record);
                }
            }
            catch (JsonException ex)
            {
                sink?.Diagnostic(new InputDiagnostic(DiagnosticSeverity.Warning, "BadHistoryLine", $"skipped a history line that is not a scan record: {ex.Message}", path, number, null));
            }
        }

        return records.OrderBy(r => r.Time).ToArray();
    }

    /// <summary>
    /// Adds a record and keeps the newest <paramref name="keep"/> records, rewriting the file
    /// atomically so an interrupted scan never corrupts the history. Returns the history as kept.
    /// </summary>
    /// <remarks>
    /// Scans that share one history (several CronJobs on one volume, a CI matrix) would each read
    /// the file, add their record and replace it, and all but the last record would be lost. The
    /// read and the rewrite therefore happen under an exclusive lock on a sidecar file
    /// (<c>&lt;history&gt;.lock</c>, which stays beside the history): a scan that finds the lock
    /// held waits and retries until <paramref name="lockTimeout"/> (default
    /// <see cref="DefaultLockTimeout"/>), then fails with an <see cref="IOException"/> that says
    /// so. The lock is an advisory operating-system lock (flock on Linux and macOS), so it is
    /// released when its holder dies, and it holds across processes and containers that share
    /// the volume.
    /// </remarks>
    public static IReadOnlyList<HistoryRecord> Append(string path, HistoryRecord record, int keep = DefaultKeep, IOutputSink? sink = null, TimeSpan? lockTimeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(record);
        ArgumentOutOfRangeException.ThrowIfLessThan(keep, 1);
        using var held = AcquireLock(path, lockTimeout ?? DefaultLockTimeout, cancellationToken);
        var all = Read(path, sink).Append(record).OrderBy(r => r.Time).ToList();
        var kept = all.Skip(Math.Max(0, all.Count - keep)).ToArray();
        AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false));
            foreach (var r in kept)
            {
                writer.Write(JsonSerializer.Serialize(r, Json));
                writer.Write('\n');
            }
        });
        return kept;
    }

    /// <summary>How long a scan waits for another scan to finish writing the same history.</summary>
    public static readonly TimeSpan DefaultLockTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The lock file of a history: the history's path with <c>.lock</c> appended.</summary>
    public static string LockPathOf(string path) => Path.GetFullPath(path) + ".lock";

    private static FileStream AcquireLock(string path, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var lockPath = LockPathOf(path);
        Directory.CreateDirectory(Path.GetDirectoryName(lockPath)!);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        var pause = TimeSpan.FromMilliseconds(5);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                // FileShare.None is the exclusive lock: LockFileEx on Windows, flock(LOCK_EX) elsewhere.
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1);
            }
            catch (IOException ex) when (IsHeldByAnother(ex))
            {
                if (waited.Elapsed >= timeout)
                {
                    throw new IOException($"The history {path} is being written by another scan: its lock {lockPath} was still held after {timeout.TotalSeconds:0.#} s.", ex);
                }
            }

            // Random pauses that grow, so waiting scans do not retry in step.
            var remaining = timeout - waited.Elapsed;
            var sleep = TimeSpan.FromMilliseconds(Random.Shared.Next(1, (int)pause.TotalMilliseconds + 1));
            cancellationToken.WaitHandle.WaitOne(sleep < remaining ? sleep : remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
            pause = TimeSpan.FromMilliseconds(Math.Min(pause.TotalMilliseconds * 2, 200));
        }
    }

    // Only "someone else holds it" is worth waiting for; a read-only volume or a missing
    // permission fails at once.
    private static bool IsHeldByAnother(IOException ex) => OperatingSystem.IsWindows()
        ? (ex.HResult & 0xFFFF) is 32 or 33 // ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION
        : ex.HResult == (OperatingSystem.IsLinux() ? 11 : 35); // EWOULDBLOCK from flock

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
