using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Unicode;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;

namespace NetSecPS.Core.Sources;

/// <summary>
/// Reads manifests: YAML and JSON files, multi-document YAML, <c>List</c> and <c>*List</c> kinds
/// (<c>kubectl get -o json|yaml</c> dumps), folders walked recursively. A bad file never stops
/// the read: it becomes a diagnostic with file, line and column.
/// </summary>
internal static class ManifestSource
{
    private static readonly string[] ManifestExtensions = { ".yaml", ".yml", ".json" };

    private static bool IsManifestName(string name) => ManifestExtensions.Contains(Path.GetExtension(name), StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Expands paths into the manifest files under them, sorted for a stable result. Only regular
    /// files are taken: a FIFO, device or socket, in a folder or named directly, is skipped with a
    /// warning (opening a FIFO blocks until someone writes to it). Folders are walked into each
    /// real folder once, so symbolic-link loops end, and a file reached twice is read once.
    /// </summary>
    public static IReadOnlyList<string> ExpandFiles(IEnumerable<string> paths, SnapshotBuilder builder)
    {
        var files = new SortedSet<string>(StringComparer.Ordinal);
        var seen = InputFiles.NewPathSet();
        foreach (var path in paths)
        {
            var full = Path.GetFullPath(path);
            var kind = InputFiles.KindOf(full);
            if (kind == InputFileKind.Directory)
            {
                var found = 0;
                foreach (var (file, real, fileKind) in InputFiles.Walk(full, IsManifestName, builder.AddDiagnostic))
                {
                    found++;
                    if (!seen.Add(real))
                    {
                        continue;
                    }

                    if (fileKind == InputFileKind.Regular)
                    {
                        files.Add(file);
                    }
                    else
                    {
                        builder.AddDiagnostic(NotRegularFile(file, fileKind));
                    }
                }

                if (found == 0)
                {
                    builder.AddDiagnostic(new InputDiagnostic(DiagnosticSeverity.Warning, "NoManifests", "The folder holds no .yaml, .yml or .json file.", full, null, null));
                }
            }
            else if (kind == InputFileKind.Missing)
            {
                builder.AddDiagnostic(new InputDiagnostic(DiagnosticSeverity.Error, "PathNotFound", $"Path not found: {path}", path, null, null));
            }
            else if (kind != InputFileKind.Regular)
            {
                builder.AddDiagnostic(NotRegularFile(full, kind));
            }
            else if (seen.Add(RealPathOrSelf(full)))
            {
                files.Add(full);
            }
        }

        return files.ToList();
    }

    private static string RealPathOrSelf(string path)
    {
        try
        {
            return InputFiles.RealPath(path);
        }
        catch (IOException)
        {
            return path;
        }
    }

    private static InputDiagnostic NotRegularFile(string path, InputFileKind kind) =>
        new(DiagnosticSeverity.Warning, "NotRegularFile", $"Skipped: the path is {InputFiles.Describe(kind)}, not a regular file; only regular files are read.", path, null, null);

    /// <summary>Reads every manifest under <paramref name="paths"/> into a snapshot.</summary>
    public static ClusterData Read(IEnumerable<string> paths, Action<InputDiagnostic>? onDiagnostic = null, CancellationToken cancellationToken = default, Action<int, int, string>? onProgress = null,
        InputLimits? limits = null)
    {
        limits ??= InputLimits.Default;
        var pathList = paths.ToList();
        var builder = new SnapshotBuilder();
        if (onDiagnostic is not null)
        {
            builder.DiagnosticAdded += onDiagnostic;
        }

        var files = ExpandFiles(pathList, builder);
        var results = new FileResult[files.Count];
        var objectReader = new ObjectReader();
        var done = 0;
        Parallel.For(0, files.Count, new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            results[i] = ReadFile(files[i], objectReader, limits);
            Interlocked.Increment(ref done);
        });

        var inputs = new List<InputFile>(files.Count);
        var withheld = 0;
        for (var i = 0; i < files.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            onProgress?.Invoke(i + 1, files.Count, files[i]);
            var r = results[i];
            if (r.Input is not null)
            {
                inputs.Add(r.Input);
            }

            foreach (var d in r.Diagnostics)
            {
                builder.AddDiagnostic(d);
            }

            foreach (var o in r.Objects)
            {
                builder.Add(o);
            }

            withheld += r.Withheld;
        }

        builder.SetManifestCoverage();
        if (withheld > 0)
        {
            builder.NoteWithheldConfigMaps(withheld);
        }

        return builder.Build(new Provenance
        {
            SourceKind = "files",
            CollectedAt = DateTimeOffset.UtcNow,
            Paths = pathList.Select(Path.GetFullPath).ToList(),
            Inputs = inputs,
        });
    }

    private sealed record FileResult(InputFile? Input, List<KubeObject> Objects, List<InputDiagnostic> Diagnostics)
    {
        /// <summary>Objects left out of the snapshot on purpose (<see cref="Retention"/>).</summary>
        public int Withheld { get; set; }
    }

    /// <summary>Per-file counters of what was read.</summary>
    private sealed class Tally
    {
        public int NotObjects;
        public int Documents;
        public int Withheld;
    }

    /// <summary>Reads one file; never throws for bad content.</summary>
    private static FileResult ReadFile(string file, ObjectReader objectReader, InputLimits limits)
    {
        var objects = new List<KubeObject>();
        var diagnostics = new List<InputDiagnostic>();
        byte[] bytes;
        try
        {
            var kind = InputFiles.KindOf(file);
            if (kind != InputFileKind.Regular)
            {
                diagnostics.Add(NotRegularFile(file, kind));
                return new FileResult(null, objects, diagnostics);
            }

            var length = new FileInfo(file).Length;
            if (length > limits.MaxManifestFileBytes)
            {
                diagnostics.Add(new InputDiagnostic(DiagnosticSeverity.Error, "FileTooLarge",
                    $"Skipped: the file is {InputLimits.Size(length)}, larger than the {InputLimits.Size(limits.MaxManifestFileBytes)} a manifest file may be. Split it (kubectl get one kind or namespace at a time), or save a snapshot with Export-NetSecSnapshot.",
                    file, null, null));
                return new FileResult(null, objects, diagnostics);
            }

            bytes = File.ReadAllBytes(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            diagnostics.Add(new InputDiagnostic(DiagnosticSeverity.Error, "FileUnreadable", $"Cannot read the file: {ex.Message}", file, null, null));
            return new FileResult(null, objects, diagnostics);
        }

        var input = new InputFile(file, Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant(), bytes.Length);
        if (Utf8Problem(bytes, file) is { } badText)
        {
            diagnostics.Add(badText);
        }

        var tally = new Tally();
        try
        {
            if (!TryReadJsonFile(bytes, file, objects, diagnostics, objectReader, tally, limits))
            {
                ReadYaml(bytes, file, objects, diagnostics, objectReader, tally, limits);
            }
        }
        catch (YamlException ex)
        {
            diagnostics.Add(new InputDiagnostic(DiagnosticSeverity.Error, "MalformedYaml",
                $"Malformed YAML: {CleanMessage(ex)}", file, (int)ex.Start.Line, (int)ex.Start.Column));
            return new FileResult(input, objects, diagnostics) { Withheld = tally.Withheld };
        }
        catch (InputLimitException ex)
        {
            diagnostics.Add(new InputDiagnostic(DiagnosticSeverity.Error, ex.Code, ex.Message, file, ex.Line, ex.Column));
            return new FileResult(input, objects, diagnostics) { Withheld = tally.Withheld };
        }

        var notObjects = tally.NotObjects;
        var documents = tally.Documents;
        if (objects.Count == 0 && notObjects > 0 && !diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error))
        {
            diagnostics.Add(new InputDiagnostic(DiagnosticSeverity.Warning, "NotKubernetesObject",
                "Skipped: the file holds no Kubernetes object.", file, null, null));
        }
        else if (notObjects > 0)
        {
            diagnostics.Add(new InputDiagnostic(DiagnosticSeverity.Warning, "NotKubernetesObject",
                $"Skipped {notObjects} document(s) that are not Kubernetes objects.", file, null, null));
        }
        else if (documents == 0)
        {
            diagnostics.Add(new InputDiagnostic(DiagnosticSeverity.Warning, "EmptyFile", "Skipped: the file is empty.", file, null, null));
        }

        return new FileResult(input, objects, diagnostics) { Withheld = tally.Withheld };
    }

    /// <summary>Reads a YAML file document by document, decoding the bytes as the parser reads them (no second copy of the file as text).</summary>
    private static void ReadYaml(byte[] bytes, string file, List<KubeObject> objects, List<InputDiagnostic> diagnostics, ObjectReader objectReader, Tally tally, InputLimits limits)
    {
        using var text = new StreamReader(new MemoryStream(bytes, writable: false), new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        foreach (var doc in YamlJsonReader.ReadDocumentsAsJson(text, limits))
        {
            if (doc.IsEmpty)
            {
                continue;
            }

            tally.Documents++;
            if (!doc.IsObject)
            {
                tally.NotObjects++;
                continue;
            }

            var marks = doc.ItemMarks;
            var start = new SourceLocation(file, (int)doc.Start.Line, (int)doc.Start.Column);
            AddDocument(doc.Json.Span, DescribeJson(doc.Json.Span, checkDuplicateKeys: false, limits), start,
                i => i < marks.Count && marks[i] is { } m ? new SourceLocation(file, (int)m.Line, (int)m.Column) : start,
                objects, diagnostics, objectReader, tally);
        }
    }

    /// <summary>
    /// A warning naming the first line that is not valid UTF-8 (its bytes are read as U+FFFD, so a
    /// name or label there may not match what the cluster holds). Files with a UTF-16 or UTF-32
    /// byte order mark are decoded as such and not checked here.
    /// </summary>
    private static InputDiagnostic? Utf8Problem(byte[] bytes, string file)
    {
        ReadOnlySpan<byte> text = bytes;
        if (text.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || text.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]) || text.StartsWith((ReadOnlySpan<byte>)[0x00, 0x00, 0xFE, 0xFF]))
        {
            return null;
        }

        if (Utf8.IsValid(text))
        {
            return null;
        }

        var offset = 0;
        var scratch = new char[1 << 14];
        while (offset < text.Length)
        {
            var status = Utf8.ToUtf16(text[offset..], scratch, out var read, out _, replaceInvalidSequences: false);
            offset += read;
            if (status != OperationStatus.DestinationTooSmall)
            {
                break;
            }
        }

        var before = text[..offset];
        var line = before.Count((byte)'\n') + 1;
        var column = offset - (before.LastIndexOf((byte)'\n') + 1) + 1;
        return new InputDiagnostic(DiagnosticSeverity.Warning, "InvalidUtf8",
            "The file is not valid UTF-8 here: the bytes that are not are read as U+FFFD (\uFFFD), so a name, label or value on this line may not be what the cluster holds.",
            file, line, column);
    }

    private static string CleanMessage(YamlException ex)
    {
        var m = ex.InnerException?.Message ?? ex.Message;
        var paren = m.IndexOf("): ", StringComparison.Ordinal);
        return m.StartsWith('(') && paren > 0 ? m[(paren + 3)..] : m;
    }

    /// <summary>The top of a JSON document: its kind and apiVersion, and where the items of its <c>items</c> list are.</summary>
    private readonly record struct JsonShape(bool IsObject, string? Kind, string? ApiVersion, List<(int Start, int Length, bool IsObject)>? Items);

    /// <summary>A string of a JSON file longer than <see cref="InputLimits.MaxValueChars"/>, at a byte offset the caller turns into a line.</summary>
    private sealed class JsonValueTooLargeException(long offset, int length) : Exception
    {
        public long Offset { get; } = offset;

        public int Length { get; } = length;
    }

    /// <summary>
    /// Reads the top of a JSON document; with <paramref name="checkDuplicateKeys"/> walks all of it,
    /// throws <see cref="JsonException"/> for a key given twice in one object (as the YAML reader
    /// refuses) and <see cref="JsonValueTooLargeException"/> for a string longer than the limit.
    /// </summary>
    private static JsonShape DescribeJson(ReadOnlySpan<byte> json, bool checkDuplicateKeys, InputLimits limits)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = limits.MaxNestingDepth + 1 });
        var maxValue = checkDuplicateKeys ? limits.MaxValueChars : 0;
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            if (checkDuplicateKeys)
            {
                reader.Skip();
                if (reader.Read())
                {
                    throw new JsonException("More than one JSON value.");
                }
            }

            return new JsonShape(false, null, null, null);
        }

        var keySets = checkDuplicateKeys ? new List<HashSet<string>>() : null;
        var rootKeys = checkDuplicateKeys ? new HashSet<string>(StringComparer.Ordinal) : null;
        string? kind = null, apiVersion = null;
        List<(int, int, bool)>? items = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            CheckLength(ref reader, maxValue);
            var name = reader.GetString()!;
            if (rootKeys is not null && !rootKeys.Add(name))
            {
                throw new JsonException($"Duplicate key '{name}'.");
            }

            reader.Read();
            CheckLength(ref reader, maxValue);
            if (name is "kind" or "apiVersion" && reader.TokenType == JsonTokenType.String)
            {
                if (name == "kind")
                {
                    kind = reader.GetString();
                }
                else
                {
                    apiVersion = reader.GetString();
                }
            }
            else if (name == "items" && reader.TokenType == JsonTokenType.StartArray)
            {
                items = new List<(int, int, bool)>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    var itemStart = (int)reader.TokenStartIndex;
                    var isObject = reader.TokenType == JsonTokenType.StartObject;
                    SkipValue(ref reader, keySets, 1, maxValue);
                    items.Add((itemStart, (int)reader.BytesConsumed - itemStart, isObject));
                }
            }
            else
            {
                SkipValue(ref reader, keySets, 0, maxValue);
            }
        }

        if (checkDuplicateKeys && reader.Read())
        {
            throw new JsonException("More than one JSON value.");
        }

        return new JsonShape(true, kind, apiVersion, items);
    }

    /// <summary>Skips the value at the reader; with key sets, checks every object in it for duplicate keys.</summary>
    private static void SkipValue(ref Utf8JsonReader reader, List<HashSet<string>>? keySets, int depth, int maxValue)
    {
        if (keySets is null || reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
        {
            CheckLength(ref reader, maxValue);
            reader.Skip();
            return;
        }

        if (reader.TokenType == JsonTokenType.StartArray)
        {
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                SkipValue(ref reader, keySets, depth + 1, maxValue);
            }

            return;
        }

        while (keySets.Count <= depth)
        {
            keySets.Add(new HashSet<string>(StringComparer.Ordinal));
        }

        var keys = keySets[depth];
        keys.Clear();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            CheckLength(ref reader, maxValue);
            var name = reader.GetString()!;
            if (!keys.Add(name))
            {
                throw new JsonException($"Duplicate key '{name}'.");
            }

            reader.Read();
            SkipValue(ref reader, keySets, depth + 1, maxValue);
        }
    }

    private static void CheckLength(ref Utf8JsonReader reader, int maxValue)
    {
        if (maxValue > 0 && reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueSpan.Length > maxValue)
        {
            throw new JsonValueTooLargeException(reader.TokenStartIndex, reader.ValueSpan.Length);
        }
    }

    /// <summary>
    /// A file that is JSON (a <c>kubectl get -o json</c> dump) is read as JSON, far faster than
    /// through the YAML parser. Anything the JSON reader does not take cleanly (comments, several
    /// documents, duplicate keys, errors) goes the YAML way, which words the problem.
    /// </summary>
    private static bool TryReadJsonFile(byte[] bytes, string file, List<KubeObject> objects, List<InputDiagnostic> diagnostics, ObjectReader objectReader,
        Tally tally, InputLimits limits)
    {
        var json = bytes.AsSpan();
        if (json.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            json = json[3..];
        }

        var first = json.IndexOfAnyExcept(" \t\r\n"u8);
        if (first < 0 || json[first] is not ((byte)'{' or (byte)'['))
        {
            return false;
        }

        JsonShape shape;
        try
        {
            shape = DescribeJson(json, checkDuplicateKeys: true, limits);
        }
        catch (JsonException)
        {
            return false;
        }
        catch (JsonValueTooLargeException ex)
        {
            var at = new LineIndex(json).At(file, (int)ex.Offset);
            throw new InputLimitException("ValueTooLarge",
                string.Create(CultureInfo.InvariantCulture, $"A value of {ex.Length:N0} bytes is longer than {InputLimits.Size(limits.MaxValueChars)}: no Kubernetes object can hold it, as the API server refuses requests above {InputLimits.Size(InputLimits.ApiServerRequestBytes)}. The file is not read."),
                at.Line, at.Column);
        }

        tally.Documents++;
        if (!shape.IsObject)
        {
            tally.NotObjects++;
            return true;
        }

        var lines = new LineIndex(json);
        AddDocument(json, shape, lines.At(file, first), i => lines.At(file, shape.Items![i].Start), objects, diagnostics, objectReader, tally);
        return true;
    }

    /// <summary>Line and column (1-based) of byte offsets in a UTF-8 text.</summary>
    private sealed class LineIndex
    {
        private readonly List<int> newlines = new();

        public LineIndex(ReadOnlySpan<byte> text)
        {
            for (var at = text.IndexOf((byte)'\n'); at >= 0;)
            {
                newlines.Add(at);
                var next = text[(at + 1)..].IndexOf((byte)'\n');
                at = next < 0 ? -1 : at + 1 + next;
            }
        }

        public SourceLocation At(string file, int offset)
        {
            var index = newlines.BinarySearch(offset);
            var before = index < 0 ? ~index : index;
            var lineStart = before == 0 ? 0 : newlines[before - 1] + 1;
            return new SourceLocation(file, before + 1, offset - lineStart + 1);
        }
    }

    /// <summary>Adds one document's objects, unwrapping lists; counts the parts that were not objects.</summary>
    private static void AddDocument(ReadOnlySpan<byte> json, JsonShape shape, SourceLocation start, Func<int, SourceLocation> itemLocation,
        List<KubeObject> objects, List<InputDiagnostic> diagnostics, ObjectReader objectReader, Tally tally)
    {
        var kind = shape.Kind;
        if (kind is not null && (kind == "List" || kind.EndsWith("List", StringComparison.Ordinal)) && shape.Items is { } items)
        {
            var itemKind = kind == "List" ? null : kind[..^4];
            for (var i = 0; i < items.Count; i++)
            {
                var (itemStart, length, isObject) = items[i];
                if (!isObject)
                {
                    tally.NotObjects++;
                    continue;
                }

                AddObject(json.Slice(itemStart, length), itemLocation(i), shape.ApiVersion, itemKind, objects, diagnostics, objectReader, tally);
            }

            return;
        }

        AddObject(json, start, null, null, objects, diagnostics, objectReader, tally);
    }

    private static void AddObject(ReadOnlySpan<byte> json, SourceLocation loc, string? apiVersion, string? kind, List<KubeObject> objects, List<InputDiagnostic> diagnostics,
        ObjectReader objectReader, Tally tally)
    {
        var result = objectReader.Create(json, loc, apiVersion, kind);
        if (result.Object is not null)
        {
            objects.Add(result.Object);
        }
        else if (result.Withheld)
        {
            tally.Withheld++;
        }
        else if (result.Error is not null)
        {
            JsonObject? obj = null;
            try
            {
                obj = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { MaxDepth = 256 }) as JsonObject;
            }
            catch (JsonException)
            {
            }

            diagnostics.Add(new InputDiagnostic(DiagnosticSeverity.Error, "InvalidObject", result.Error, loc.File, loc.Line, loc.Column,
                obj?["kind"]?.ToString(), obj?["metadata"]?["name"]?.ToString()));
        }
        else
        {
            tally.NotObjects++;
        }
    }
}
