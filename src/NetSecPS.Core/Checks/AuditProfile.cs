using System.Text.Json;
using System.Text.Json.Serialization;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Checks;

/// <summary>
/// A report profile (reports/profiles/*.json): which checks run, severity overrides, the
/// namespaces the checks skip, and the report's title. Data, not code, so an organisation can
/// ship its own.
/// </summary>
internal sealed record AuditProfile
{
    public static readonly IReadOnlyList<string> DefaultExcludedNamespaces = new[] { "kube-system", "kube-public", "kube-node-lease" };

    public required string Name { get; init; }
    public string Title { get; init; } = "Kubernetes network security report";
    public string? Description { get; init; }
    public string? Organization { get; init; }

    /// <summary>The framework the profile reports against (CIS, NSA), shown in reports.</summary>
    public string? Framework { get; init; }

    /// <summary>Check id patterns (wildcards) to run; with <see cref="Frameworks"/> empty too, every check runs.</summary>
    public IReadOnlyList<string> Checks { get; init; } = Array.Empty<string>();

    /// <summary>Framework keys (CIS, NSA, KS): every check mapped to one of them runs as well.</summary>
    public IReadOnlyList<string> Frameworks { get; init; } = Array.Empty<string>();

    /// <summary>Check id patterns never to run, applied last.</summary>
    public IReadOnlyList<string> ExcludeChecks { get; init; } = Array.Empty<string>();

    /// <summary>Check id → severity this profile reports it with.</summary>
    public IReadOnlyDictionary<string, Severity> SeverityOverrides { get; init; } = new Dictionary<string, Severity>();

    public IReadOnlyList<string> ExcludedNamespaces { get; init; } = DefaultExcludedNamespaces;

    /// <summary>Where the profile was read from, or null for the built-in default.</summary>
    [JsonIgnore]
    public string? SourcePath { get; init; }

    /// <summary>The built-in default, used when no profile file can be found.</summary>
    public static AuditProfile BuiltInDefault { get; } = new() { Name = "default" };

    /// <summary>Whether the profile selects a check.</summary>
    public bool Includes(CheckInfo check)
    {
        var included = Checks.Count == 0 && Frameworks.Count == 0
            || Checks.Any(p => Wildcard.IsMatch(check.Id, p))
            || Frameworks.Any(f => HasFramework(check, f));
        return included && !ExcludeChecks.Any(p => Wildcard.IsMatch(check.Id, p));
    }

    /// <summary>True when a check maps to a framework key: <c>CIS</c> matches <c>CIS 5.3.2</c>; wildcards allowed.</summary>
    public static bool HasFramework(CheckInfo check, string framework) =>
        check.Frameworks.Any(f => f.Equals(framework, StringComparison.OrdinalIgnoreCase)
            || f.StartsWith(framework + " ", StringComparison.OrdinalIgnoreCase)
            || Wildcard.IsMatch(f, framework));

    public Severity SeverityOf(CheckInfo check) => SeverityOverrides.TryGetValue(check.Id, out var s) ? s : check.Severity;

    public bool IsExcluded(string? ns) => ns is not null && ExcludedNamespaces.Contains(ns, StringComparer.Ordinal);

    public ProfileInfo ToInfo(IEnumerable<string> checkIds) => new()
    {
        Name = Name,
        Title = Title,
        Organization = Organization,
        ExcludedNamespaces = ExcludedNamespaces,
        Checks = checkIds.ToList(),
        Framework = Framework,
    };

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        Converters = { new JsonStringEnumConverter() },
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>Reads a profile file; a bad file throws <see cref="InvalidDataException"/> naming the file and line.</summary>
    public static AuditProfile Load(string path)
    {
        var text = InputFiles.ReadAllText(path, "The profile");
        try
        {
            var file = JsonSerializer.Deserialize<ProfileFile>(text, JsonOptions) ?? throw new InvalidDataException($"{path}: the profile is empty.");
            var name = string.IsNullOrWhiteSpace(file.Name) ? Path.GetFileNameWithoutExtension(path) : file.Name;
            var overrides = new Dictionary<string, Severity>(StringComparer.OrdinalIgnoreCase);
            foreach (var (id, sev) in file.SeverityOverrides ?? new Dictionary<string, Severity>())
            {
                if (CheckCatalogue.Find(id) is null)
                {
                    throw new InvalidDataException($"{path}: severityOverrides names '{id}', which is not a check id.");
                }

                overrides[id] = sev;
            }

            return new AuditProfile
            {
                Name = name,
                Title = file.Title ?? BuiltInDefault.Title,
                Description = file.Description,
                Organization = file.Organization,
                Framework = file.Framework,
                Checks = file.Checks ?? Array.Empty<string>(),
                Frameworks = file.Frameworks ?? Array.Empty<string>(),
                ExcludeChecks = file.ExcludeChecks ?? Array.Empty<string>(),
                SeverityOverrides = overrides,
                ExcludedNamespaces = file.ExcludedNamespaces ?? DefaultExcludedNamespaces,
                SourcePath = path,
            };
        }
        catch (JsonException ex)
        {
            var line = ex.LineNumber is { } l ? $":{l + 1}" : string.Empty;
            throw new InvalidDataException($"{path}{line}: not a valid profile: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// The one rule that tells a profile file from a profile name: a path has a folder separator
    /// (either kind, as PowerShell accepts both) or the <c>.json</c> extension profiles are written
    /// in; anything else is a name looked up in the profiles folder. A file in the working folder
    /// with a bare name is therefore given as <c>./name</c>, as in any shell.
    /// </summary>
    public static bool IsPath(string nameOrPath) =>
        nameOrPath.EndsWith(".json", StringComparison.OrdinalIgnoreCase)
        || nameOrPath.Contains('/', StringComparison.Ordinal)
        || nameOrPath.Contains('\\', StringComparison.Ordinal);

    /// <summary>
    /// Finds a profile by name in <paramref name="profilesDirectory"/> (the module's
    /// <c>profiles</c> folder) or by path. Null <paramref name="nameOrPath"/> means "default",
    /// falling back to the built-in default when no default file is there.
    /// </summary>
    public static AuditProfile Resolve(string? nameOrPath, string? profilesDirectory)
    {
        if (nameOrPath is not null && IsPath(nameOrPath))
        {
            if (!File.Exists(nameOrPath))
            {
                throw new FileNotFoundException($"The profile file '{nameOrPath}' does not exist.", nameOrPath);
            }

            return Load(nameOrPath);
        }

        var name = nameOrPath ?? "default";
        if (profilesDirectory is not null)
        {
            var file = Path.Combine(profilesDirectory, name + ".json");
            if (File.Exists(file))
            {
                return Load(file);
            }

            var match = Directory.Exists(profilesDirectory)
                ? Directory.EnumerateFiles(profilesDirectory, "*.json").FirstOrDefault(f => Path.GetFileNameWithoutExtension(f).Equals(name, StringComparison.OrdinalIgnoreCase))
                : null;
            if (match is not null)
            {
                return Load(match);
            }
        }

        if (nameOrPath is null || name.Equals("default", StringComparison.OrdinalIgnoreCase))
        {
            return BuiltInDefault;
        }

        var known = profilesDirectory is not null && Directory.Exists(profilesDirectory)
            ? string.Join(", ", Directory.EnumerateFiles(profilesDirectory, "*.json").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal))
            : "default";
        throw new FileNotFoundException($"No profile named '{name}'. Known profiles: {known}; or give the path of a profile file.", name);
    }

    /// <summary>The names of the profiles in a folder, for completion and help.</summary>
    public static IReadOnlyList<string> Available(string? profilesDirectory) =>
        profilesDirectory is not null && Directory.Exists(profilesDirectory)
            ? Directory.EnumerateFiles(profilesDirectory, "*.json").Select(f => Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal).ToList()
            : new[] { "default" };

    private sealed record ProfileFile
    {
        [JsonPropertyName("$schema")]
        public string? Schema { get; init; }
        public string? Name { get; init; }
        public string? Title { get; init; }
        public string? Description { get; init; }
        public string? Organization { get; init; }
        public string? Framework { get; init; }
        public string[]? Checks { get; init; }
        public string[]? Frameworks { get; init; }
        public string[]? ExcludeChecks { get; init; }
        public Dictionary<string, Severity>? SeverityOverrides { get; init; }
        public string[]? ExcludedNamespaces { get; init; }
    }
}

/// <summary>Glob matching with <c>*</c> and <c>?</c>, case-insensitive, as PowerShell users expect.</summary>
internal static class Wildcard
{
    public static bool IsMatch(string text, string pattern) => Match(text.AsSpan(), pattern.AsSpan());

    public static bool HasWildcards(string pattern) => pattern.AsSpan().IndexOfAny('*', '?') >= 0;

    private static bool Match(ReadOnlySpan<char> text, ReadOnlySpan<char> pattern)
    {
        int t = 0, p = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || char.ToUpperInvariant(pattern[p]) == char.ToUpperInvariant(text[t])))
            {
                t++;
                p++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = t;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++mark;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}
