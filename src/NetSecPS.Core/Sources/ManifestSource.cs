using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;

namespace NetSecPS.Core.Sources;

/// <summary>
/// Reads manifests: YAML and JSON files, multi-document YAML, <c>List</c> and <c>*List</c> kinds
/// (<c>kubectl get -o json|yaml</c> dumps), folders walked recursively. A bad file never stops
/// the read: it becomes a diagnostic with file, line and column.
/// </summary>
public static class ManifestSource
{
    private static readonly string[] ManifestExtensions = { ".yaml", ".yml", ".json" };

    /// <summary>Expands paths into the manifest files under them, sorted for a stable result.</summary>
    public static IReadOnlyList<string> ExpandFiles(IEnumerable<string> paths, SnapshotBuilder builder)
    {
        var files = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var path in paths)
        {
            if (File.Exists(path))
            {
                files.Add(Path.GetFullPath(path));
            }
            else if (Directory.Exists(path))
            {
                var found = 0;
                foreach (var f in Directory.EnumerateFiles(path, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.Hidden }))
                {
                    if (ManifestExtensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
                    {
                        files.Add(Path.GetFullPath(f));
                        found++;
                    }
                }

                if (found == 0)
                {
                    builder.AddDiagnostic(new InputDiagnostic("Warning", "NoManifests", "The folder holds no .yaml, .yml or .json file.", Path.GetFullPath(path), null, null));
                }
            }
            else
            {
                builder.AddDiagnostic(new InputDiagnostic("Error", "PathNotFound", $"Path not found: {path}", path, null, null));
            }
        }

        return files.ToList();
    }

    /// <summary>Reads every manifest under <paramref name="paths"/> into a snapshot.</summary>
    public static ClusterData Read(IEnumerable<string> paths, Action<InputDiagnostic>? onDiagnostic = null, CancellationToken cancellationToken = default, Action<int, int, string>? onProgress = null)
    {
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
            results[i] = ReadFile(files[i], objectReader);
            Interlocked.Increment(ref done);
        });

        var inputs = new List<InputFile>(files.Count);
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
        }

        builder.SetManifestCoverage();
        return builder.Build(new Provenance
        {
            SourceKind = "files",
            CollectedAt = DateTimeOffset.UtcNow,
            Paths = pathList.Select(Path.GetFullPath).ToList(),
            Inputs = inputs,
        });
    }

    private sealed record FileResult(InputFile? Input, List<KubeObject> Objects, List<InputDiagnostic> Diagnostics);

    /// <summary>Reads one file; never throws for bad content.</summary>
    private static FileResult ReadFile(string file, ObjectReader objectReader)
    {
        var objects = new List<KubeObject>();
        var diagnostics = new List<InputDiagnostic>();
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            diagnostics.Add(new InputDiagnostic("Error", "FileUnreadable", $"Cannot read the file: {ex.Message}", file, null, null));
            return new FileResult(null, objects, diagnostics);
        }

        var input = new InputFile(file, Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant(), bytes.Length);

        var notObjects = 0;
        var documents = 0;
        if (!TryReadJsonFile(bytes, file, objects, diagnostics, objectReader, ref notObjects, ref documents))
        {
            var text = Decode(bytes);
            try
            {
                foreach (var doc in YamlJsonReader.ReadDocumentsAsJson(new StringReader(text)))
                {
                    if (doc.IsEmpty)
                    {
                        continue;
                    }

                    documents++;
                    if (!doc.IsObject)
                    {
                        notObjects++;
                        continue;
                    }

                    var marks = doc.ItemMarks;
                    var start = new SourceLocation(file, (int)doc.Start.Line, (int)doc.Start.Column);
                    notObjects += AddDocument(doc.Json.Span, DescribeJson(doc.Json.Span, checkDuplicateKeys: false), start,
                        i => i < marks.Count && marks[i] is { } m ? new SourceLocation(file, (int)m.Line, (int)m.Column) : start,
                        objects, diagnostics, objectReader);
                }
            }
            catch (YamlException ex)
            {
                diagnostics.Add(new InputDiagnostic("Error", "MalformedYaml",
                    $"Malformed YAML: {CleanMessage(ex)}", file, (int)ex.Start.Line, (int)ex.Start.Column));
                return new FileResult(input, objects, diagnostics);
            }
        }

        if (objects.Count == 0 && notObjects > 0 && !diagnostics.Any(d => d.Severity == "Error"))
        {
            diagnostics.Add(new InputDiagnostic("Warning", "NotKubernetesObject",
                "Skipped: the file holds no Kubernetes object.", file, null, null));
        }
        else if (notObjects > 0)
        {
            diagnostics.Add(new InputDiagnostic("Warning", "NotKubernetesObject",
                $"Skipped {notObjects} document(s) that are not Kubernetes objects.", file, null, null));
        }
        else if (documents == 0)
        {
            diagnostics.Add(new InputDiagnostic("Warning", "EmptyFile", "Skipped: the file is empty.", file, null, null));
        }

        return new FileResult(input, objects, diagnostics);
    }

    /// <summary>
    /// UTF-8 unless a byte order mark says otherwise: Windows PowerShell 5.1 redirects
    /// `kubectl get -o yaml > file` as UTF-16 with a BOM, and such files must read the same.
    /// </summary>
    private static string Decode(byte[] bytes)
    {
        using var reader = new StreamReader(new MemoryStream(bytes), new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }

    private static string CleanMessage(YamlException ex)
    {
        var m = ex.InnerException?.Message ?? ex.Message;
        var paren = m.IndexOf("): ", StringComparison.Ordinal);
        return m.StartsWith('(') && paren > 0 ? m[(paren + 3)..] : m;
    }

    /// <summary>The top of a JSON document: its kind and apiVersion, and where the items of its <c>items</c> list are.</summary>
    private readonly record struct JsonShape(bool IsObject, string? Kind, string? ApiVersion, List<(int Start, int Length, bool IsObject)>? Items);

    /// <summary>
    /// Reads the top of a JSON document; with <paramref name="checkDuplicateKeys"/> walks all of it and
    /// throws <see cref="JsonException"/> for a key given twice in one object (as the YAML reader refuses).
    /// </summary>
    private static JsonShape DescribeJson(ReadOnlySpan<byte> json, bool checkDuplicateKeys)
    {
        var reader = new Utf8JsonReader(json);
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
            var name = reader.GetString()!;
            if (rootKeys is not null && !rootKeys.Add(name))
            {
                throw new JsonException($"Duplicate key '{name}'.");
            }

            reader.Read();
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
                    SkipValue(ref reader, keySets, 1);
                    items.Add((itemStart, (int)reader.BytesConsumed - itemStart, isObject));
                }
            }
            else
            {
                SkipValue(ref reader, keySets, 0);
            }
        }

        if (checkDuplicateKeys && reader.Read())
        {
            throw new JsonException("More than one JSON value.");
        }

        return new JsonShape(true, kind, apiVersion, items);
    }

    /// <summary>Skips the value at the reader; with key sets, checks every object in it for duplicate keys.</summary>
    private static void SkipValue(ref Utf8JsonReader reader, List<HashSet<string>>? keySets, int depth)
    {
        if (keySets is null || reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
        {
            reader.Skip();
            return;
        }

        if (reader.TokenType == JsonTokenType.StartArray)
        {
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                SkipValue(ref reader, keySets, depth + 1);
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
            var name = reader.GetString()!;
            if (!keys.Add(name))
            {
                throw new JsonException($"Duplicate key '{name}'.");
            }

            reader.Read();
            SkipValue(ref reader, keySets, depth + 1);
        }
    }

    /// <summary>
    /// A file that is JSON (a <c>kubectl get -o json</c> dump) is read as JSON, far faster than
    /// through the YAML parser. Anything the JSON reader does not take cleanly (comments, several
    /// documents, duplicate keys, errors) goes the YAML way, which words the problem.
    /// </summary>
    private static bool TryReadJsonFile(byte[] bytes, string file, List<KubeObject> objects, List<InputDiagnostic> diagnostics, ObjectReader objectReader,
        ref int notObjects, ref int documents)
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
            shape = DescribeJson(json, checkDuplicateKeys: true);
        }
        catch (JsonException)
        {
            return false;
        }

        documents++;
        if (!shape.IsObject)
        {
            notObjects++;
            return true;
        }

        var lines = new LineIndex(json);
        notObjects += AddDocument(json, shape, lines.At(file, first), i => lines.At(file, shape.Items![i].Start), objects, diagnostics, objectReader);
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

    /// <summary>Adds one document's objects, unwrapping lists; returns how many parts were not objects.</summary>
    private static int AddDocument(ReadOnlySpan<byte> json, JsonShape shape, SourceLocation start, Func<int, SourceLocation> itemLocation,
        List<KubeObject> objects, List<InputDiagnostic> diagnostics, ObjectReader objectReader)
    {
        var kind = shape.Kind;
        if (kind is not null && (kind == "List" || kind.EndsWith("List", StringComparison.Ordinal)) && shape.Items is { } items)
        {
            var itemKind = kind == "List" ? null : kind[..^4];
            var skipped = 0;
            for (var i = 0; i < items.Count; i++)
            {
                var (itemStart, length, isObject) = items[i];
                if (!isObject)
                {
                    skipped++;
                    continue;
                }

                skipped += AddObject(json.Slice(itemStart, length), itemLocation(i), shape.ApiVersion, itemKind, objects, diagnostics, objectReader);
            }

            return skipped;
        }

        return AddObject(json, start, null, null, objects, diagnostics, objectReader);
    }

    private static int AddObject(ReadOnlySpan<byte> json, SourceLocation loc, string? apiVersion, string? kind, List<KubeObject> objects, List<InputDiagnostic> diagnostics,
        ObjectReader objectReader)
    {
        var result = objectReader.Create(json, loc, apiVersion, kind);
        if (result.Object is not null)
        {
            objects.Add(result.Object);
            return 0;
        }

        if (result.Error is not null)
        {
            var obj = JsonNode.Parse(json) as JsonObject;
            diagnostics.Add(new InputDiagnostic("Error", "InvalidObject", result.Error, loc.File, loc.Line, loc.Column,
                obj?["kind"]?.ToString(), obj?["metadata"]?["name"]?.ToString()));
            return 0;
        }

        return 1;
    }
}
