using System.Text.RegularExpressions;
using NetSecPS.Core.Connectivity;
using YamlDotNet.RepresentationModel;

namespace NetSecPS.Core.Tests.Nca;

/// <summary>One side of an NCA fw-rule: pods (namespaces and pod groups), addresses, or DNS names.</summary>
internal abstract record NcaSide
{
    public sealed record Pods(IReadOnlyList<string> Namespaces, IReadOnlyList<NcaPodGroup> Groups) : NcaSide;

    public sealed record Addresses(IpSet Set) : NcaSide;

    public sealed record DnsNames(IReadOnlyList<string> Names) : NcaSide;

    /// <summary>Pods or workloads named <c>namespace/name</c> (the <c>outputEndpoints</c> forms).</summary>
    public sealed record PodNames(IReadOnlyList<string> Names) : NcaSide;

    /// <summary>
    /// An address list as NCA prints it: CIDRs and <c>first-last</c> ranges separated by commas,
    /// or DNS names (Istio egress to a ServiceEntry host).
    /// </summary>
    public static NcaSide FromAddressText(IEnumerable<string> items)
    {
        var ranges = new List<IpRange>();
        var names = new List<string>();
        var pods = new List<string>();
        foreach (var raw in items.SelectMany(i => i.Split(',')).Select(i => i.Trim()).Where(i => i.Length > 0))
        {
            if (IpRange.TryParseCidr(raw, out var cidr, out _))
            {
                ranges.Add(cidr);
            }
            else if (raw.Contains('-', StringComparison.Ordinal) && IpRange.TryParsePeer(raw + IpRange.PeerSuffix, out var range))
            {
                ranges.Add(range);
            }
            else if (IpRange.TryParseAddress(raw, out var single))
            {
                ranges.Add(single);
            }
            else if (raw.Contains('/', StringComparison.Ordinal))
            {
                pods.Add(raw);
            }
            else
            {
                names.Add(raw);
            }
        }

        if ((ranges.Count > 0 ? 1 : 0) + (names.Count > 0 ? 1 : 0) + (pods.Count > 0 ? 1 : 0) > 1)
        {
            throw new FormatException($"a side mixes addresses, names and pods: {string.Join(",", items)}");
        }

        return names.Count > 0 ? new DnsNames(names) : pods.Count > 0 ? new PodNames(pods) : new Addresses(IpSet.Of(ranges));
    }
}

internal sealed record NcaRule(NcaSide Source, NcaSide Destination, NcaConnections Connections, string Text);

/// <summary>
/// The rules of one query and configuration (one <c>final fw rules for query: Q, config: C:</c>
/// section), for Istio split by the section's protocol (<c>TCP</c> or <c>non-TCP</c>; null when the
/// output is not split). An empty section means nothing is allowed.
/// </summary>
internal sealed record NcaSection(string Query, string Config, string? Protocol, IReadOnlyList<NcaRule> Rules);

/// <summary>Reads NCA's expected connectivity maps in the txt and yaml fw-rules forms.</summary>
internal static partial class NcaFwRules
{
    [GeneratedRegex(@"^(?:For connections of type (?<proto>TCP|non-TCP), )?final fw rules for query: (?<query>.*?), config: (?<config>.*):\s*$")]
    private static partial Regex Header();

    [GeneratedRegex(@"^(?:src_ns: \[(?<sns>[^\]]*)\] src_pods: \[(?<spods>.*?)\]|src: (?<saddr>\S+)) (?:dst_ns: \[(?<dns>[^\]]*)\] dst_pods: \[(?<dpods>.*?)\]|dst: (?<daddr>\S+)) conn: (?<conn>.*)$")]
    private static partial Regex RuleLine();

    public static IReadOnlyList<NcaSection> Read(string file) =>
        file.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || file.EndsWith(".yml", StringComparison.OrdinalIgnoreCase)
            ? ReadYaml(File.ReadAllText(file))
            : ReadText(File.ReadAllText(file));

    public static IReadOnlyList<NcaSection> ReadText(string text)
    {
        var sections = new List<NcaSection>();
        (string Query, string Config, string? Protocol)? current = null;
        var rules = new List<NcaRule>();
        void Flush()
        {
            if (current is { } c)
            {
                sections.Add(new NcaSection(c.Query, c.Config, c.Protocol, rules));
            }

            rules = new List<NcaRule>();
        }

        var lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = raw.TrimEnd('\r');
            if (line.Trim().Length == 0)
            {
                continue;
            }

            if (Header().Match(line) is { Success: true } h)
            {
                Flush();
                current = (h.Groups["query"].Value, h.Groups["config"].Value, h.Groups["proto"].Success ? h.Groups["proto"].Value : null);
                continue;
            }

            if (current is null)
            {
                throw new FormatException($"line {lineNumber}: a rule before any 'final fw rules' header: {line}");
            }

            var m = RuleLine().Match(line);
            if (!m.Success)
            {
                throw new FormatException($"line {lineNumber}: not an fw-rule: {line}");
            }

            var source = m.Groups["saddr"].Success ? NcaSide.FromAddressText(new[] { m.Groups["saddr"].Value }) : PodsSide(m.Groups["sns"].Value, m.Groups["spods"].Value);
            var destination = m.Groups["daddr"].Success ? NcaSide.FromAddressText(new[] { m.Groups["daddr"].Value }) : PodsSide(m.Groups["dns"].Value, m.Groups["dpods"].Value);
            rules.Add(new NcaRule(source, destination, NcaConnections.ParseText(m.Groups["conn"].Value, current.Value.Protocol), line));
        }

        Flush();
        return sections;
    }

    /// <summary>The yaml form: a list of queries, each with <c>configs</c> and <c>explanation</c> (<c>rules</c>, or <c>TCP_rules</c> and <c>non-TCP_rules</c>).</summary>
    public static IReadOnlyList<NcaSection> ReadYaml(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        var sections = new List<NcaSection>();
        foreach (var doc in stream.Documents)
        {
            foreach (var q in ((YamlSequenceNode)doc.RootNode).Children.Cast<YamlMappingNode>())
            {
                var query = Scalar(q, "query");
                var configs = ((YamlSequenceNode)q.Children[new YamlScalarNode("configs")]).Children.Select(c => ((YamlScalarNode)c).Value!).ToList();
                if (configs.Count != 1)
                {
                    throw new FormatException($"query {query}: expected one config per connectivity map, found {configs.Count}");
                }

                var explanation = q.Children.TryGetValue(new YamlScalarNode("explanation"), out var e) ? (YamlSequenceNode)e : new YamlSequenceNode();
                var found = false;
                foreach (var part in explanation.Children.Cast<YamlMappingNode>())
                {
                    foreach (var (key, protocol) in new[] { ("rules", (string?)null), ("TCP_rules", "TCP"), ("non-TCP_rules", "non-TCP") })
                    {
                        if (part.Children.TryGetValue(new YamlScalarNode(key), out var list))
                        {
                            found = true;
                            sections.Add(new NcaSection(query, configs[0], protocol, ((YamlSequenceNode)list).Children.Cast<YamlMappingNode>()
                                .Select(r => YamlRule(r, protocol)).ToList()));
                        }
                    }
                }

                if (!found)
                {
                    sections.Add(new NcaSection(query, configs[0], null, Array.Empty<NcaRule>()));
                }
            }
        }

        return sections;
    }

    private static NcaRule YamlRule(YamlMappingNode r, string? protocol)
    {
        List<string>? Seq(string key) => r.Children.TryGetValue(new YamlScalarNode(key), out var n)
            ? ((YamlSequenceNode)n).Children.Select(c => ((YamlScalarNode)c).Value!).ToList() : null;

        NcaSide Side(string prefix)
        {
            if (Seq(prefix + "_ip_block") is { } block)
            {
                return NcaSide.FromAddressText(block);
            }

            if (Seq(prefix) is { } names)
            {
                return NcaSide.FromAddressText(names);
            }

            return new NcaSide.Pods(Seq(prefix + "_ns") ?? throw new FormatException($"rule without {prefix}_ns"),
                (Seq(prefix + "_pods") ?? new List<string> { "*" }).Select(NcaPodGroup.Parse).ToList());
        }

        var connections = NcaConnections.None;
        foreach (var item in ((YamlSequenceNode)r.Children[new YamlScalarNode("connection")]).Children)
        {
            connections = connections.Union(NcaConnections.ParseYamlItem(Plain(item), protocol));
        }

        return new NcaRule(Side("src"), Side("dst"), connections, r.ToString());
    }

    private static object Plain(YamlNode node) => node switch
    {
        YamlScalarNode s => s.Value ?? string.Empty,
        YamlSequenceNode seq => seq.Children.Select(Plain).ToList(),
        YamlMappingNode map => map.Children.ToDictionary(kv => ((YamlScalarNode)kv.Key).Value!, kv => Plain(kv.Value), StringComparer.Ordinal),
        _ => throw new FormatException("unexpected yaml node"),
    };

    private static string Scalar(YamlMappingNode map, string key) => ((YamlScalarNode)map.Children[new YamlScalarNode(key)]).Value!;

    private static NcaSide PodsSide(string namespaces, string pods) =>
        new NcaSide.Pods(namespaces.Split(',').Select(n => n.Trim()).Where(n => n.Length > 0).ToList(), SplitTopLevel(pods).Select(NcaPodGroup.Parse).ToList());

    /// <summary>Splits a pod list on commas outside parentheses (<c>a, b, app in (x,y)</c>).</summary>
    internal static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
                case ',' when depth == 0:
                    yield return text[start..i].Trim();
                    start = i + 1;
                    break;
            }
        }

        if (text[start..].Trim().Length > 0)
        {
            yield return text[start..].Trim();
        }
    }
}
