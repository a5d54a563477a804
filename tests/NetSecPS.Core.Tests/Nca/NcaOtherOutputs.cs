using System.Text.RegularExpressions;
using NetSecPS.Core.Connectivity;

namespace NetSecPS.Core.Tests.Nca;

/// <summary>
/// NCA's two connectivity-map forms without fw-rules, read into the harness's sections so they
/// compare as the fw-rules forms do: <c>txt_no_fw_rules</c> (one <c>SRC =&gt; DST : CONN</c> line per
/// pair, under <c>TCP Connections:</c> and <c>non-TCP Connections:</c>) and <c>dot</c> (a graph
/// of workloads or pods, address blocks, and bicliques standing for every source to every
/// destination; an edge with <c>arrowtail=normal</c> holds both ways).
/// </summary>
internal static partial class NcaOtherOutputs
{
    /// <summary>True when the file is one of the forms this class reads.</summary>
    public static bool Handles(string file) =>
        file.EndsWith(".dot", StringComparison.Ordinal) || File.ReadLines(file).FirstOrDefault()?.Trim() == "TCP Connections:";

    /// <summary>Reads a file of either form for a configuration; a dot file holds one graph for TCP and one for the other protocols.</summary>
    public static IReadOnlyList<NcaSection> Read(string file, string config, Model.ClusterModel model)
    {
        if (!file.EndsWith(".dot", StringComparison.Ordinal))
        {
            return ReadPairs(File.ReadAllLines(file), config);
        }

        var sections = new List<NcaSection>();
        foreach (var graph in File.ReadAllText(file).Split("// The Connectivity Graph of", StringSplitOptions.RemoveEmptyEntries))
        {
            var header = graph[..graph.IndexOf('\n', StringComparison.Ordinal)];
            var protocol = header.Contains("for non-TCP connections", StringComparison.Ordinal) ? "non-TCP"
                : header.Contains("for TCP connections", StringComparison.Ordinal) ? "TCP" : throw new FormatException($"a graph neither for TCP nor for non-TCP: {header}");
            sections.Add(new NcaSection("dot", config, protocol, ReadDot(graph, protocol, model)));
        }

        return sections;
    }

    private static List<NcaSection> ReadPairs(string[] lines, string config)
    {
        var sections = new List<NcaSection>();
        string? protocol = null;
        var rules = new List<NcaRule>();
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            if (line.EndsWith("Connections:", StringComparison.Ordinal))
            {
                if (protocol is not null)
                {
                    sections.Add(new NcaSection("pairs", config, protocol, rules));
                }

                protocol = line.StartsWith("non-TCP", StringComparison.Ordinal) ? "non-TCP" : "TCP";
                rules = new List<NcaRule>();
                continue;
            }

            var arrow = line.IndexOf(" => ", StringComparison.Ordinal);
            var colon = line.IndexOf(" : ", arrow + 4, StringComparison.Ordinal);
            if (protocol is null || arrow < 0 || colon < 0)
            {
                throw new FormatException($"'{line}' is not SRC => DST : CONN under a section header");
            }

            rules.Add(new NcaRule(Side(line[..arrow]), Side(line[(arrow + 4)..colon]), NcaConnections.ParseText(line[(colon + 3)..], protocol), line));
        }

        if (protocol is not null)
        {
            sections.Add(new NcaSection("pairs", config, protocol, rules));
        }

        return sections;
    }

    /// <summary>A side as the pair and dot forms print it: <c>ns/name[Kind]</c> or <c>ns/name(Kind-...)</c>, an address block, or a DNS name.</summary>
    private static NcaSide Side(string text)
    {
        var t = text.Trim();
        var kind = t.IndexOfAny(new[] { '[', '(' });
        if (kind > 0 && t.Contains('/', StringComparison.Ordinal))
        {
            return new NcaSide.PodNames(new[] { t[..kind] });
        }

        return NcaSide.FromAddressText(new[] { t });
    }

    /// <summary>
    /// The pods a dot node member names, as <c>ns/pod</c>: a pod, or NCA's deployment form
    /// <c>ns/name(Deployment-StatefulSet)</c>, the pods whose workload is that deployment (or, for
    /// pods read without their Deployment, whose ReplicaSet is that name plus the pod template hash).
    /// </summary>
    private static IEnumerable<string> Pods(string member, Model.ClusterModel model)
    {
        var open = member.IndexOf('(', StringComparison.Ordinal);
        if (open < 0)
        {
            return new[] { member };
        }

        var name = member[..open];
        var slash = name.IndexOf('/', StringComparison.Ordinal);
        var (ns, deployment) = (name[..slash], name[(slash + 1)..]);
        return model.Pods.Where(p => p.Namespace == ns && (p.Workload.Name == deployment
                || (p.Labels.TryGetValue("pod-template-hash", out var hash) && p.Workload.Name == deployment + "-" + hash)))
            .Select(p => p.Namespace + "/" + p.Name).ToList();
    }

    [GeneratedRegex("^\\s*\"(?<from>[^\"]+)\" -> \"(?<to>[^\"]+)\"\\[(?<attrs>.*)\\]\\s*$")]
    private static partial Regex Edge();

    [GeneratedRegex("^\\s*\"(?<node>(?:bi)?clique_[^\"]+)\" \\[.*xlabel=\"(?<conn>[^\"]*)\"")]
    private static partial Regex CliqueNode();

    [GeneratedRegex("^\\s*\"(?<node>[^\"/]+/[^\"]+)\" \\[label=<(?<label>.*)>")]
    private static partial Regex WorkloadNode();

    [GeneratedRegex("<td>(?<name>[^<]+)</td>")]
    private static partial Regex Cell();

    [GeneratedRegex("(?<key>labeltooltip)=\"(?<value>[^\"]*)\"")]
    private static partial Regex Tooltip();

    private static List<NcaRule> ReadDot(string text, string protocol, Model.ClusterModel model)
    {
        var members = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var cliques = new Dictionary<string, string>(StringComparer.Ordinal);
        var edges = new List<(string From, string To, string Connections, bool Both)>();
        foreach (var line in text.Split('\n'))
        {
            if (CliqueNode().Match(line) is { Success: true } c)
            {
                cliques[c.Groups["node"].Value] = c.Groups["conn"].Value;
            }
            else if (WorkloadNode().Match(line) is { Success: true } w && !IpRange.TryParseCidr(w.Groups["node"].Value, out _, out _))
            {
                // A node may stand for several workloads with the same connectivity, one table row each.
                var node = w.Groups["node"].Value;
                var ns = node[..node.IndexOf('/', StringComparison.Ordinal)];
                members[node] = Cell().Matches(w.Groups["label"].Value).Select(m => ns + "/" + m.Groups["name"].Value).ToList();
            }
            else if (Edge().Match(line) is { Success: true } e)
            {
                var attrs = e.Groups["attrs"].Value;
                var conn = Tooltip().Match(attrs) is { Success: true } t ? t.Groups["value"].Value : string.Empty;
                edges.Add((e.Groups["from"].Value, e.Groups["to"].Value, conn, attrs.Contains("arrowtail=normal", StringComparison.Ordinal)));
            }
        }

        NcaSide SideOf(string node) => members.TryGetValue(node, out var names)
            ? new NcaSide.PodNames(names.SelectMany(n => Pods(n, model)).ToList())
            : Side(node);

        var rules = new List<NcaRule>();
        void Add(string from, string to, string connections)
        {
            var parsed = NcaConnections.ParseText(connections is "All" or "" ? "All connections" : connections, protocol);
            rules.Add(new NcaRule(SideOf(from), SideOf(to), parsed, $"{from} -> {to} : {connections}"));
        }

        foreach (var (node, connections) in cliques)
        {
            var sources = edges.Where(e => e.To == node).Select(e => e.From).ToList();
            var destinations = edges.Where(e => e.From == node).Select(e => e.To).ToList();
            foreach (var s in sources)
            {
                foreach (var d in destinations)
                {
                    Add(s, d, connections);
                }
            }
        }

        foreach (var (from, to, connections, both) in edges.Where(e => !cliques.ContainsKey(e.From) && !cliques.ContainsKey(e.To)))
        {
            // An edge from a node to itself: every member of the node reaches every other.
            Add(from, to, connections);
            if (both && from != to)
            {
                Add(to, from, connections);
            }
        }

        return rules;
    }
}
