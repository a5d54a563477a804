using System.Globalization;
using System.Text.Json;

namespace NetSecPS.Core.Traffic;

/// <summary>What reading flow logs (and flows handed in) amounted to.</summary>
internal sealed class FlowLogStatistics
{
    /// <summary>Bad lines kept as diagnostics; the rest are counted.</summary>
    public const int MaxDiagnostics = 200;

    private readonly List<InputDiagnostic> diagnostics = new();

    public List<string> Files { get; } = new();
    public long Lines { get; internal set; }
    public long Records { get; internal set; }
    public long Flows { get; internal set; }
    public long BadLines { get; internal set; }
    public Dictionary<string, long> Skipped { get; } = new(StringComparer.Ordinal);
    public DateTimeOffset? From { get; private set; }
    public DateTimeOffset? To { get; private set; }
    public IReadOnlyList<InputDiagnostic> Diagnostics => diagnostics;

    internal void Skip(string reason) => Skipped[reason] = Skipped.GetValueOrDefault(reason) + 1;

    /// <summary>Counts one flow record and widens the window to its time.</summary>
    internal void Count(ObservedFlow flow)
    {
        Records++;
        Flows += flow.Count;
        if (flow.Time is { } t)
        {
            From = From is null || t < From ? t : From;
            To = To is null || t > To ? t : To;
        }

        if (flow.EndTime is { } e && (To is null || e > To))
        {
            To = e;
        }
    }

    internal void Keep(InputDiagnostic d)
    {
        if (diagnostics.Count < MaxDiagnostics)
        {
            diagnostics.Add(d);
        }
    }
}

/// <summary>
/// Reads flow logs as a stream of <see cref="ObservedFlow"/>: Hubble JSON, Calico flow logs or
/// CSV, recognised per file unless a format is given, gzip or plain. A bad line is an error
/// diagnostic with its file and line and the rest is read; nothing is held but the current line.
/// </summary>
internal sealed class FlowLogReader
{
    /// <summary>Bad lines of one file written as diagnostics one by one; the rest are summed up in one.</summary>
    public const int DiagnosticsPerFile = 50;

    private const int ProgressId = 7301;

    /// <summary>Files a folder of exported logs may hold beside them that are not logs.</summary>
    private static readonly HashSet<string> NotLogs = new(StringComparer.OrdinalIgnoreCase)
    {
        ".md", ".txt", ".yaml", ".yml", ".ps1", ".psd1", ".psm1", ".xml", ".html", ".htm", ".pdf", ".xlsx", ".sh",
    };
    private readonly FlowLogFormat format;
    private readonly IOutputSink sink;
    private readonly HubbleFlowParser hubble = new();
    private readonly CalicoFlowParser calico = new();

    /// <param name="statistics">Where to count what is read; a fresh one when null.</param>
    public FlowLogReader(FlowLogFormat format, IOutputSink sink, FlowLogStatistics? statistics = null)
    {
        this.format = format;
        this.sink = sink;
        Statistics = statistics ?? new FlowLogStatistics();
    }

    public FlowLogStatistics Statistics { get; }

    /// <summary>The files under the given paths: files as they are, folders walked (hidden entries left out), in name order.</summary>
    public static IReadOnlyList<string> ExpandPaths(IEnumerable<string> paths, IOutputSink sink)
    {
        var files = new List<string>();
        foreach (var path in paths)
        {
            if (File.Exists(path))
            {
                files.Add(Path.GetFullPath(path));
            }
            else if (Directory.Exists(path))
            {
                var all = Directory.EnumerateFiles(path, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.Hidden | FileAttributes.System })
                    .Where(f => !Path.GetFileName(f).StartsWith('.'))
                    .Order(StringComparer.Ordinal)
                    .ToList();
                var found = all.Where(f => !NotLogs.Contains(Path.GetExtension(f))).ToList();
                if (found.Count < all.Count)
                {
                    sink.Verbose($"Left out of the flow logs in {path}: {string.Join(", ", all.Except(found).Select(Path.GetFileName))} (documents and manifests, not logs).");
                }

                if (found.Count == 0)
                {
                    sink.Warning($"The flow log folder {path} holds no files.");
                }

                files.AddRange(found.Select(Path.GetFullPath));
            }
            else
            {
                sink.Diagnostic(new InputDiagnostic(DiagnosticSeverity.Error, "PathNotFound", "The flow log does not exist.", path, null, null));
            }
        }

        return files.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>The flows of the files, one at a time.</summary>
    public IEnumerable<ObservedFlow> Read(IReadOnlyList<string> files, CancellationToken cancellationToken = default)
    {
        for (var i = 0; i < files.Count; i++)
        {
            var file = files[i];
            sink.Progress(new ProgressUpdate(ProgressId, "Reading flow logs", $"{Path.GetFileName(file)} ({i + 1} of {files.Count})", i * 100 / files.Count));
            foreach (var flow in ReadFile(file, cancellationToken))
            {
                yield return flow;
            }
        }

        sink.Progress(new ProgressUpdate(ProgressId, "Reading flow logs", "done", 100, Completed: true));
    }

    private IEnumerable<ObservedFlow> ReadFile(string file, CancellationToken cancellationToken)
    {
        Utf8LineReader reader;
        try
        {
            reader = Utf8LineReader.Open(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Error(file, null, "FlowLogUnreadable", $"Cannot read the flow log: {ex.Message}");
            yield break;
        }

        Statistics.Files.Add(file);
        using (reader)
        {
            long bad = 0, firstUnreported = 0;
            foreach (var (n, result) in Results(reader, file, cancellationToken))
            {
                if (result.Flow is { } flow)
                {
                    Statistics.Count(flow);
                    yield return flow;
                }
                else if (result.Skip is { } reason)
                {
                    Statistics.Skip(reason);
                }
                else if (result.Error is { } error)
                {
                    Statistics.BadLines++;
                    if (++bad <= DiagnosticsPerFile)
                    {
                        Error(file, n, "FlowLogLineInvalid", error);
                    }
                    else if (firstUnreported == 0)
                    {
                        firstUnreported = n;
                    }
                }
            }

            if (bad > DiagnosticsPerFile)
            {
                Error(file, firstUnreported, "FlowLogLineInvalid",
                    string.Create(CultureInfo.InvariantCulture, $"{bad - DiagnosticsPerFile:N0} more lines could not be read (from this line on; {bad:N0} in the file)."));
            }
        }
    }

    /// <summary>Lines read per batch when parsing in parallel.</summary>
    private const int BatchLines = 2048;

    /// <summary>
    /// Each line's result, in file order. JSON lines are parsed in batches on every core (a
    /// parser per thread, since parsers keep caches), read while nothing else runs, so memory
    /// stays at a few batches whatever the file's size; CSV (whose header decides its columns) and
    /// single-core machines read line by line.
    /// </summary>
    private IEnumerable<(long Line, LineResult Result)> Results(Utf8LineReader reader, string file, CancellationToken cancellationToken)
    {
        IFlowLineParser? parser = format switch
        {
            FlowLogFormat.Hubble => hubble,
            FlowLogFormat.Calico => calico,
            FlowLogFormat.Csv => new CsvFlowParser(),
            _ => null,
        };
        var cores = Environment.ProcessorCount;
        Batch[]? window = null;
        var parsers = new System.Collections.Concurrent.ConcurrentBag<IFlowLineParser>();
        var filled = 0;
        while (true)
        {
            ReadOnlyMemory<byte> line;
            bool tooLong;
            var more = true;
            try
            {
                more = reader.TryRead(out line, out tooLong);
            }
            catch (Exception ex) when (ex is IOException or InvalidDataException)
            {
                Error(file, reader.LineNumber + 1, "FlowLogUnreadable", $"Reading stopped: {ex.Message}");
                line = default;
                tooLong = false;
                more = false;
            }

            if (more)
            {
                var n = reader.LineNumber;
                Statistics.Lines++;
                if ((n & 0xFFFF) == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    sink.Progress(new ProgressUpdate(ProgressId, "Reading flow logs", string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(file)}: {n:N0} lines"), -1));
                }

                if (tooLong && window is null)
                {
                    yield return (n, LineResult.Bad($"the line is longer than {Utf8LineReader.MaxLineBytes / 1024 / 1024} MiB"));
                    continue;
                }

                if (!tooLong && IsBlank(line.Span))
                {
                    continue;
                }

                if (parser is null && !tooLong)
                {
                    parser = Detect(line, out var problem);
                    if (parser is null)
                    {
                        Error(file, n, "FlowLogFormatUnknown", problem!);
                        yield break;
                    }

                    sink.Verbose($"Reading {file} as {(parser is HubbleFlowParser ? "Hubble flows" : parser is CalicoFlowParser ? "Calico flow logs" : "CSV")}.");
                }

                if (window is null)
                {
                    yield return (n, parser!.Parse(line, file, n));
                    if (cores > 1 && parser is not CsvFlowParser)
                    {
                        window = new Batch[cores * 2];
                        parsers.Add(parser);
                    }

                    continue;
                }

                Current(window, ref filled).Add(tooLong ? ReadOnlySpan<byte>.Empty : line.Span, n, tooLong);
                if (filled < window.Length || window[^1].Count < BatchLines)
                {
                    continue;
                }
            }

            if (window is not null && filled > 0)
            {
                ParseAll(window, filled, parsers, parser!, file, cancellationToken);
                for (var b = 0; b < filled; b++)
                {
                    var batch = window[b];
                    for (var i = 0; i < batch.Count; i++)
                    {
                        yield return (batch.LineNumbers[i], batch.Results[i]);
                    }

                    batch.Clear();
                }

                filled = 0;
            }

            if (!more)
            {
                yield break;
            }
        }
    }

    /// <summary>The batch being filled: the next one when the current is full.</summary>
    private static Batch Current(Batch[] window, ref int filled)
    {
        if (filled == 0 || window[filled - 1].Count >= BatchLines)
        {
            window[filled] ??= new Batch();
            filled++;
        }

        return window[filled - 1];
    }

    private static void ParseAll(Batch[] window, int filled, System.Collections.Concurrent.ConcurrentBag<IFlowLineParser> parsers, IFlowLineParser first, string file, CancellationToken cancellationToken)
    {
        Parallel.For(0, filled, new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount },
            () => parsers.TryTake(out var p) ? p : first is HubbleFlowParser ? new HubbleFlowParser() : new CalicoFlowParser(),
            (b, _, parser) =>
            {
                window[b].ParseWith(parser, file);
                return parser;
            },
            parsers.Add);
    }

    /// <summary>Lines copied out of the reader's buffer, and their results once parsed.</summary>
    private sealed class Batch
    {
        private byte[] buffer = new byte[1 << 20];
        private int used;
        private readonly List<(int Offset, int Length, bool TooLong)> lines = new(BatchLines);

        public List<long> LineNumbers { get; } = new(BatchLines);
        public LineResult[] Results { get; private set; } = new LineResult[BatchLines];
        public int Count => lines.Count;

        public void Add(ReadOnlySpan<byte> line, long number, bool tooLong)
        {
            if (used + line.Length > buffer.Length)
            {
                Array.Resize(ref buffer, Math.Max(buffer.Length * 2, used + line.Length));
            }

            line.CopyTo(buffer.AsSpan(used));
            lines.Add((used, line.Length, tooLong));
            LineNumbers.Add(number);
            used += line.Length;
        }

        public void ParseWith(IFlowLineParser parser, string file)
        {
            if (Results.Length < lines.Count)
            {
                Results = new LineResult[lines.Count];
            }

            for (var i = 0; i < lines.Count; i++)
            {
                var (offset, length, tooLong) = lines[i];
                Results[i] = tooLong
                    ? LineResult.Bad($"the line is longer than {Utf8LineReader.MaxLineBytes / 1024 / 1024} MiB")
                    : parser.Parse(new ReadOnlyMemory<byte>(buffer, offset, length), file, LineNumbers[i]);
            }
        }

        public void Clear()
        {
            used = 0;
            lines.Clear();
            LineNumbers.Clear();
            Array.Clear(Results);
        }
    }

    private static bool IsBlank(ReadOnlySpan<byte> line)
    {
        foreach (var b in line)
        {
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r'))
            {
                return false;
            }
        }

        return true;
    }

    private void Error(string file, long? line, string code, string message)
    {
        // A bad record is the whole line: it starts at column 1.
        var at = line is { } l && l <= int.MaxValue ? (int?)l : null;
        var d = new InputDiagnostic(DiagnosticSeverity.Error, code, message, file, at, at is null ? null : 1);
        Statistics.Keep(d);
        sink.Diagnostic(d);
    }

    /// <summary>The format of a file, from its first record.</summary>
    private IFlowLineParser? Detect(ReadOnlyMemory<byte> line, out string? problem)
    {
        problem = null;
        var span = line.Span.TrimStart(" \t"u8);
        if (span.Length > 0 && span[0] == (byte)'[')
        {
            problem = "The file is a JSON array; flow logs are read one record per line (hubble observe -o jsonpb, Calico's flow log files).";
            return null;
        }

        if (span.Length == 0 || span[0] != (byte)'{')
        {
            return new CsvFlowParser();
        }

        try
        {
            using var doc = JsonDocument.Parse(line);
            var kind = Classify(doc.RootElement);
            if (kind is null)
            {
                problem = "The first record is neither a Hubble flow nor a Calico flow log record; give -Format when the exporter writes other field names.";
            }

            return kind;
        }
        catch (JsonException)
        {
            // A broken first line says nothing of the format; the Hubble reader reports it as a bad line and reads on.
            return hubble;
        }
    }

    private IFlowLineParser? Classify(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (root.TryGetProperty("_source", out _))
        {
            return calico;
        }

        var fields = CalicoFlowParser.Fields(root);
        if (fields.TryGetValue("flow", out var inner) && inner.ValueKind == JsonValueKind.Object)
        {
            return CalicoFlowParser.Fields(inner).ContainsKey("key") ? calico : hubble;
        }

        if (fields.ContainsKey("key") || new[] { "sourcenamespace", "destnamespace", "destport", "sourcenameaggr", "destnameaggr", "numflows", "reporter", "proto" }.Any(fields.ContainsKey))
        {
            return calico;
        }

        if (new[] { "verdict", "ip", "l4", "nodename", "trafficdirection", "nodestatus", "lostevents", "source", "destination", "time" }.Any(fields.ContainsKey))
        {
            return hubble;
        }

        return null;
    }
}
