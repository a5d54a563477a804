using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace NetSecPS.Core.Tests.Nca;

/// <summary>
/// One case of the network-config-analyzer (NCA) conformance data: its row of <c>cases.tsv</c>,
/// its <c>MANIFEST.md</c> (expected output files, output configuration) and its scheme file
/// (the named configurations and the files each is made of).
/// </summary>
internal sealed partial class NcaCase
{
    public const string Suite = "nca";

    private NcaCase(string name, string group, string layer, string queryType, string directory, string schemePath)
    {
        Name = name;
        Group = group;
        Layer = layer;
        QueryType = queryType;
        Directory = directory;
        SchemePath = schemePath;
    }

    public string Name { get; }

    /// <summary><c>calico</c>, <c>istio-authz</c>, <c>istio-sidecar</c>, <c>istio-gateway</c>, <c>query</c>.</summary>
    public string Group { get; }
    public string Layer { get; }

    /// <summary><c>connectivityMap</c> for the cases this harness compares.</summary>
    public string QueryType { get; }
    public string Directory { get; }
    public string SchemePath { get; }

    public static string Root => TestPaths.ConformanceSuite(Suite);

    /// <summary>Every case of <c>cases.tsv</c>.</summary>
    public static IReadOnlyList<NcaCase> All()
    {
        var result = new List<NcaCase>();
        foreach (var line in File.ReadLines(Path.Combine(Root, "cases.tsv")).Skip(1).Where(l => l.Trim().Length > 0))
        {
            var f = line.Split('\t');
            var dir = Path.Combine(Root, f[0]);
            result.Add(new NcaCase(f[0], f[1], f[2], f[3], dir, Path.Combine(dir, f[5])));
        }

        return result;
    }

    public static NcaCase Get(string name) => All().Single(c => c.Name == name);

    /// <summary>The connectivity-map cases of a group, for a theory's data.</summary>
    public static IEnumerable<string> ConnectivityMapCases(string group) =>
        All().Where(c => c.Group == group && c.QueryType == "connectivityMap").Select(c => c.Name);

    public string Manifest => File.ReadAllText(Path.Combine(Directory, "MANIFEST.md"));

    [GeneratedRegex(@"^- expected output: (?<files>.*)$", RegexOptions.Multiline)]
    private static partial Regex ExpectedLine();

    [GeneratedRegex(@"^- output configuration: (?<settings>.*)$", RegexOptions.Multiline)]
    private static partial Regex OutputLine();

    [GeneratedRegex(@"^- configs \(.*?\): (?<configs>.*)$", RegexOptions.Multiline)]
    private static partial Regex ConfigsLine();

    /// <summary>The configuration references the case's queries name, as the scheme writes them.</summary>
    public IReadOnlyList<string> ConfigReferences =>
        Regex.Matches(ConfigsLine().Match(Manifest).Groups["configs"].Value, "`([^`]+)`").Select(m => m.Groups[1].Value).ToList();

    /// <summary>
    /// The reference a section header names, as the query wrote it: NCA's headers leave out the
    /// policy type of a one-policy reference (<c>config/K8sNetworkPolicy/ns/p</c> prints as <c>config/ns/p</c>).
    /// </summary>
    public string ResolveConfig(string printed) =>
        ConfigReferences.FirstOrDefault(r => r == printed)
        ?? ConfigReferences.FirstOrDefault(r => NcaPolicySelection.WithoutType(r) == printed)
        ?? printed;

    /// <summary>The expected output files, yaml first where the case has both forms.</summary>
    public IReadOnlyList<string> ExpectedOutputs =>
        Regex.Matches(ExpectedLine().Match(Manifest).Groups["files"].Value, "`([^`]+)`").Select(m => Path.Combine(Directory, m.Groups[1].Value))
            .OrderBy(f => f.EndsWith(".txt", StringComparison.Ordinal) ? 1 : 0).ToList();

    /// <summary>NCA prints IPv6 addresses only with <c>excludeIPv6Range: false</c>.</summary>
    public bool IncludesIpv6 => OutputLine().Match(Manifest).Groups["settings"].Value.Contains("excludeIPv6Range=False", StringComparison.Ordinal);

    private YamlMappingNode Scheme
    {
        get
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(File.ReadAllText(SchemePath)));
            return (YamlMappingNode)stream.Documents[0].RootNode;
        }
    }

    /// <summary>
    /// A configuration reference as queries write it: <c>config</c>, or one policy of it
    /// (<c>config/namespace/policy</c>, <c>config/policy</c> for a cluster-scoped one, optionally
    /// with NCA's policy type after the config: <c>config/K8sNetworkPolicy/namespace/policy</c>).
    /// </summary>
    public NcaConfig Config(string reference)
    {
        var scheme = Scheme;
        var configs = ((YamlSequenceNode)scheme.Children[new YamlScalarNode("networkConfigList")]).Children.Cast<YamlMappingNode>().ToList();
        YamlMappingNode? config = null;
        string? rest = null;
        foreach (var c in configs.OrderByDescending(c => Str(c, "name")!.Length))
        {
            var name = Str(c, "name")!;
            if (reference == name || reference.StartsWith(name + "/", StringComparison.Ordinal))
            {
                config = c;
                rest = reference == name ? null : reference[(name.Length + 1)..];
                break;
            }
        }

        if (config is null)
        {
            throw new InvalidOperationException($"{Name}: no configuration '{reference}' in {SchemePath}");
        }

        var baseDir = Path.GetDirectoryName(SchemePath)!;
        var files = new List<string>();
        var topology = new List<string>();
        foreach (var key in new[] { "namespaceList", "podList" })
        {
            var own = Str(config, key);
            if ((own ?? Str(scheme, key)) is { } list)
            {
                topology.AddRange(Expand(baseDir, list));
            }
        }

        foreach (var key in new[] { "networkPolicyList", "resourceList" })
        {
            if (config.Children.TryGetValue(new YamlScalarNode(key), out var node))
            {
                foreach (var item in ((YamlSequenceNode)node).Children.Cast<YamlScalarNode>())
                {
                    files.AddRange(Expand(baseDir, item.Value!));
                }
            }
        }

        // NCA reads only namespaces and pods from namespaceList and podList: a policy file in those folders is not part of the configuration.
        var topologyOnly = topology.Except(files, StringComparer.Ordinal).ToHashSet(StringComparer.Ordinal);
        return new NcaConfig(this, reference, topology.Concat(files).Distinct(StringComparer.Ordinal).ToList(), NcaPolicySelection.Parse(rest)) { TopologyOnly = topologyOnly };
    }

    private IEnumerable<string> Expand(string baseDir, string relative)
    {
        var full = Path.GetFullPath(Path.Combine(baseDir, relative));
        if (System.IO.Directory.Exists(full))
        {
            return System.IO.Directory.EnumerateFiles(full, "*", SearchOption.AllDirectories).Where(IsManifest).Order(StringComparer.Ordinal);
        }

        if (relative.Contains('*', StringComparison.Ordinal))
        {
            var dir = Path.GetDirectoryName(full)!;
            return System.IO.Directory.Exists(dir) ? System.IO.Directory.EnumerateFiles(dir, Path.GetFileName(full)).Where(IsManifest).Order(StringComparer.Ordinal) : Array.Empty<string>();
        }

        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"{Name}: the scheme names {relative}, which the case does not hold", full);
        }

        return new[] { full };
    }

    private static bool IsManifest(string f) => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase)
        || f.EndsWith(".json", StringComparison.OrdinalIgnoreCase);

    private static string? Str(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var n) && n is YamlScalarNode s ? s.Value : null;

    public override string ToString() => Name;
}

/// <summary>Which single policy of a configuration a query names (<c>config/ns/policy</c>); null selects the whole configuration.</summary>
internal sealed record NcaPolicySelection(string? Type, string? Namespace, string Name)
{
    /// <summary>NCA's policy type names, by the API group they stand for.</summary>
    private static readonly Dictionary<string, string> TypeGroups = new(StringComparer.Ordinal)
    {
        ["K8sNetworkPolicy"] = "networking.k8s.io",
        ["CalicoNetworkPolicy"] = "projectcalico.org",
        ["CalicoGlobalNetworkPolicy"] = "projectcalico.org",
        ["IstioAuthorizationPolicy"] = "security.istio.io",
        ["IstioSidecar"] = "networking.istio.io",
        ["K8sIngress"] = "networking.k8s.io",
        ["IstioGatewayPolicy"] = "networking.istio.io",
    };

    public static NcaPolicySelection? Parse(string? rest)
    {
        if (rest is null)
        {
            return null;
        }

        var parts = rest.Split('/');
        string? type = null;
        if (parts.Length > 1 && TypeGroups.ContainsKey(parts[0]))
        {
            type = parts[0];
            parts = parts[1..];
        }

        return parts.Length switch
        {
            1 => new NcaPolicySelection(type, null, parts[0]),
            2 => new NcaPolicySelection(type, parts[0], parts[1]),
            _ => throw new FormatException($"'{rest}' is not namespace/policy"),
        };
    }

    /// <summary>A reference with NCA's policy type segment removed.</summary>
    public static string WithoutType(string reference) =>
        string.Join('/', reference.Split('/').Where(p => !TypeGroups.ContainsKey(p)));

    /// <summary>The API group the type names, or null when no type is given.</summary>
    public string? Group => Type is null ? null : TypeGroups[Type];
}

/// <summary>One configuration of a case: the files it reads and, for a one-policy reference, which policy it keeps.</summary>
internal sealed record NcaConfig(NcaCase Case, string Reference, IReadOnlyList<string> Files, NcaPolicySelection? Selection)
{
    /// <summary>Files read for their namespaces and pods only (a namespaceList or podList that no policy list names).</summary>
    public IReadOnlySet<string> TopologyOnly { get; init; } = new HashSet<string>();
}
