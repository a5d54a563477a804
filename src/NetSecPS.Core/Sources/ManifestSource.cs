using System.Security.Cryptography;
using System.Text;
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
        var text = Decode(bytes);

        var notObjects = 0;
        var documents = 0;
        try
        {
            foreach (var doc in YamlJsonReader.ReadDocuments(new StringReader(text)))
            {
                if (doc.Root is null)
                {
                    continue;
                }

                documents++;
                if (doc.Root is not JsonObject root)
                {
                    notObjects++;
                    continue;
                }

                notObjects += AddDocument(root, file, doc, objects, diagnostics, objectReader);
            }
        }
        catch (YamlException ex)
        {
            diagnostics.Add(new InputDiagnostic("Error", "MalformedYaml",
                $"Malformed YAML: {CleanMessage(ex)}", file, (int)ex.Start.Line, (int)ex.Start.Column));
            return new FileResult(input, objects, diagnostics);
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

    /// <summary>Adds one document's objects, unwrapping lists; returns how many parts were not objects.</summary>
    private static int AddDocument(JsonObject root, string file, YamlDocument doc, List<KubeObject> objects, List<InputDiagnostic> diagnostics, ObjectReader objectReader)
    {
        var kind = root["kind"]?.ToString();
        if (kind is not null && (kind == "List" || kind.EndsWith("List", StringComparison.Ordinal)) && root["items"] is JsonArray items)
        {
            var itemKind = kind == "List" ? null : kind[..^4];
            var listApiVersion = root["apiVersion"]?.ToString();
            var skipped = 0;
            foreach (var item in items.ToList())
            {
                if (item is not JsonObject obj)
                {
                    skipped++;
                    continue;
                }

                var loc = Location(file, obj, doc);
                obj.Parent?.AsArray().Remove(obj);
                skipped += AddObject(obj, loc, listApiVersion, itemKind, objects, diagnostics, objectReader);
            }

            return skipped;
        }

        return AddObject(root, Location(file, root, doc), null, null, objects, diagnostics, objectReader);
    }

    private static SourceLocation Location(string file, JsonObject node, YamlDocument doc) =>
        doc.Marks.TryGetValue(node, out var m) ? new SourceLocation(file, (int)m.Line, (int)m.Column) : new SourceLocation(file, doc.Line, doc.Column);

    private static int AddObject(JsonObject obj, SourceLocation loc, string? apiVersion, string? kind, List<KubeObject> objects, List<InputDiagnostic> diagnostics, ObjectReader objectReader)
    {
        var result = objectReader.Create(obj, loc, apiVersion, kind);
        if (result.Object is not null)
        {
            objects.Add(result.Object);
            return 0;
        }

        if (result.Error is not null)
        {
            diagnostics.Add(new InputDiagnostic("Error", "InvalidObject", result.Error, loc.File, loc.Line, loc.Column,
                obj["kind"]?.ToString(), obj["metadata"]?["name"]?.ToString()));
            return 0;
        }

        return 1;
    }
}
