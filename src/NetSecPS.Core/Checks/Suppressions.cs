using System.Globalization;
using NetSecPS.Core.Sources;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace NetSecPS.Core.Checks;

/// <summary>One accepted risk: findings of <see cref="CheckId"/> on resources matching <see cref="Resource"/> are suppressed until <see cref="Expires"/> (inclusive).</summary>
internal sealed record Suppression(string CheckId, string Resource, string Justification, string Owner, DateOnly Expires, string File, int Line)
{
    public bool IsExpired(DateOnly today) => today > Expires;

    public bool Matches(Finding f) => Wildcard.IsMatch(f.CheckId, CheckId) && Wildcard.IsMatch(f.Resource, Resource);

    public override string ToString() => $"{CheckId} {Resource} (owner {Owner}, expires {Expires:yyyy-MM-dd}) at {File}:{Line}";
}

/// <summary>A malformed exceptions file, with the line where it goes wrong.</summary>
internal sealed class ExceptionsFileException : FormatException
{
    public ExceptionsFileException(string file, int line, string message)
        : base($"{file}:{line}: {message}")
    {
        File = file;
        Line = line;
    }

    public ExceptionsFileException()
    {
        File = string.Empty;
    }

    public ExceptionsFileException(string message)
        : base(message)
    {
        File = string.Empty;
    }

    public ExceptionsFileException(string message, Exception innerException)
        : base(message, innerException)
    {
        File = string.Empty;
    }

    public string File { get; }
    public int Line { get; }
}

/// <summary>
/// The exceptions file: a YAML list (or a mapping with an <c>exceptions:</c> list) of entries
/// with <c>checkId</c>, <c>resource</c> (wildcards <c>*</c> and <c>?</c> against the finding's
/// <c>Kind/namespace/name</c>), <c>justification</c>, <c>owner</c> and <c>expires</c>
/// (<c>yyyy-MM-dd</c>). Every field is required, unknown fields are refused, and a malformed
/// file is refused as a whole with the line of its first problem: half-applied exceptions
/// would silently change what an audit reports.
/// </summary>
internal sealed class ExceptionsFile
{
    private static readonly string[] Fields = { "checkId", "resource", "justification", "owner", "expires" };

    private ExceptionsFile(string path, IReadOnlyList<Suppression> entries)
    {
        Path = path;
        Entries = entries;
    }

    public string Path { get; }
    public IReadOnlyList<Suppression> Entries { get; }

    public static ExceptionsFile Load(string path)
    {
        using var reader = new StringReader(InputFiles.ReadAllText(path, "The exceptions file"));
        return Parse(reader, path);
    }

    public static ExceptionsFile Parse(TextReader reader, string path)
    {
        var stream = new YamlStream();
        var scanner = new Scanner(reader);
        try
        {
            stream.Load(new Parser(scanner));
        }
        catch (YamlException ex)
        {
            throw new ExceptionsFileException(path, (int)ex.Start.Line, "not valid YAML: " + FirstLine(ex.Message));
        }
        catch (InvalidOperationException ex)
        {
            // YamlDotNet reports some unterminated constructs without a mark; the scanner knows where it stopped.
            throw new ExceptionsFileException(path, (int)scanner.CurrentPosition.Line, "not valid YAML: " + FirstLine(ex.Message));
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            return new ExceptionsFile(path, Array.Empty<Suppression>());
        }

        var root = stream.Documents[0].RootNode;
        if (root is YamlMappingNode map)
        {
            var key = map.Children.Keys.OfType<YamlScalarNode>().FirstOrDefault(k => k.Value == "exceptions");
            if (key is null || map.Children.Count != 1)
            {
                throw new ExceptionsFileException(path, Line(root), "expected a list of exceptions, or a mapping with one key 'exceptions' holding that list.");
            }

            root = map.Children[key];
        }

        if (root is not YamlSequenceNode list)
        {
            throw new ExceptionsFileException(path, Line(root), "expected a list of exceptions.");
        }

        var entries = new List<Suppression>();
        foreach (var item in list)
        {
            if (item is not YamlMappingNode entry)
            {
                throw new ExceptionsFileException(path, Line(item), "each exception must be a mapping with checkId, resource, justification, owner and expires.");
            }

            var values = new Dictionary<string, YamlScalarNode>(StringComparer.Ordinal);
            foreach (var (k, v) in entry.Children)
            {
                var name = (k as YamlScalarNode)?.Value ?? string.Empty;
                if (!Fields.Contains(name, StringComparer.Ordinal))
                {
                    throw new ExceptionsFileException(path, Line(k), $"unknown field '{name}'; an exception has {string.Join(", ", Fields)}.");
                }

                if (v is not YamlScalarNode s || string.IsNullOrWhiteSpace(s.Value))
                {
                    throw new ExceptionsFileException(path, Line(v), $"'{name}' must be a non-empty text value.");
                }

                values[name] = s;
            }

            foreach (var f in Fields)
            {
                if (!values.ContainsKey(f))
                {
                    throw new ExceptionsFileException(path, Line(entry), $"the exception has no '{f}'; every exception needs {string.Join(", ", Fields)}.");
                }
            }

            var checkId = values["checkId"].Value!.Trim();
            var known = Wildcard.HasWildcards(checkId) ? CheckCatalogue.All.Any(c => Wildcard.IsMatch(c.Info.Id, checkId)) : CheckCatalogue.Find(checkId) is not null;
            if (!known)
            {
                throw new ExceptionsFileException(path, Line(values["checkId"]), $"'{checkId}' is not a check id and matches none (see Get-NetSecCheck).");
            }

            var expiresText = values["expires"].Value!.Trim();
            if (!DateOnly.TryParseExact(expiresText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var expires))
            {
                throw new ExceptionsFileException(path, Line(values["expires"]), $"expires '{expiresText}' is not a date (yyyy-MM-dd).");
            }

            entries.Add(new Suppression(checkId, values["resource"].Value!.Trim(), values["justification"].Value!.Trim(), values["owner"].Value!.Trim(), expires, path, Line(entry)));
        }

        return new ExceptionsFile(path, entries);
    }

    private static int Line(YamlNode node) => (int)node.Start.Line;

    private static string FirstLine(string message)
    {
        var nl = message.IndexOf('\n', StringComparison.Ordinal);
        return nl < 0 ? message : message[..nl];
    }
}
