using System.Globalization;
using System.Net;
using System.Text;

namespace NetSecPS.Reports.Graph;

/// <summary>
/// Renders flows as a graph grouped by namespace: Graphviz DOT, or one self-contained HTML page
/// (inline SVG, inline style and script, nothing fetched from elsewhere) with a flow table.
/// </summary>
internal static class ConnectivityGraph
{
    private const string OutsideGroup = "outside the cluster";

    private sealed record Node(string Id, string Label, string Group, PeerKind Kind);

    private static (List<Node> Nodes, List<Flow> Edges) Collect(IEnumerable<Flow> flows)
    {
        var edges = flows.Where(f => f is not null).OrderBy(f => f.Source, StringComparer.Ordinal).ThenBy(f => f.Destination, StringComparer.Ordinal).ToList();
        var nodes = new Dictionary<string, Node>(StringComparer.Ordinal);
        foreach (var f in edges)
        {
            nodes.TryAdd(f.Source, MakeNode(f.Source, f.SourceKind, f.SourceNamespace));
            nodes.TryAdd(f.Destination, MakeNode(f.Destination, f.DestinationKind, f.DestinationNamespace));
        }

        return (nodes.Values.OrderBy(n => n.Group == OutsideGroup ? 0 : 1).ThenBy(n => n.Group, StringComparer.Ordinal).ThenBy(n => n.Id, StringComparer.Ordinal).ToList(), edges);
    }

    private static Node MakeNode(string peer, PeerKind kind, string? ns)
    {
        if (kind != PeerKind.Workload || ns is null)
        {
            return new Node(peer, peer.Replace("[External]", string.Empty, StringComparison.Ordinal), OutsideGroup, kind);
        }

        var label = peer.StartsWith(ns + "/", StringComparison.Ordinal) ? peer[(ns.Length + 1)..] : peer;
        return new Node(peer, label, ns, kind);
    }

    /// <summary>Graphviz DOT: one cluster per namespace, external peers and the ingress controller outside them.</summary>
    public static string ToDot(IEnumerable<Flow> flows)
    {
        var (nodes, edges) = Collect(flows);
        var sb = new StringBuilder();
        sb.Append("digraph \"NetSecPS connectivity\" {\n");
        sb.Append("  rankdir=LR;\n  compound=true;\n  node [shape=box, style=\"rounded,filled\", fillcolor=\"#eef4fb\", fontname=\"Helvetica\", fontsize=10];\n");
        sb.Append("  edge [fontname=\"Helvetica\", fontsize=9, color=\"#4a6a8a\"];\n");
        var index = 0;
        foreach (var group in nodes.GroupBy(n => n.Group))
        {
            if (group.Key == OutsideGroup)
            {
                foreach (var n in group)
                {
                    var shape = n.Kind == PeerKind.IngressController ? "hexagon" : "ellipse";
                    sb.Append(CultureInfo.InvariantCulture, $"  {Quote(n.Id)} [label={Quote(n.Label)}, shape={shape}, style=\"dashed,filled\", fillcolor=\"#fff6e5\"];\n");
                }

                continue;
            }

            sb.Append(CultureInfo.InvariantCulture, $"  subgraph cluster_{index++} {{\n    label={Quote("namespace " + group.Key)};\n    style=\"rounded\";\n    color=\"#9bb3cc\";\n");
            foreach (var n in group)
            {
                sb.Append(CultureInfo.InvariantCulture, $"    {Quote(n.Id)} [label={Quote(n.Label)}];\n");
            }

            sb.Append("  }\n");
        }

        foreach (var e in edges)
        {
            sb.Append(CultureInfo.InvariantCulture, $"  {Quote(e.Source)} -> {Quote(e.Destination)} [label={Quote(e.Connections)}];\n");
        }

        sb.Append("}\n");
        return sb.ToString();
    }

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    /// <summary>A self-contained HTML page: the graph as inline SVG (namespaces as boxes) and a filterable table of the flows.</summary>
    public static string ToHtml(IEnumerable<Flow> flows, string title)
    {
        var (nodes, edges) = Collect(flows);
        var groups = nodes.GroupBy(n => n.Group).ToList();
        const int nodeW = 200, nodeH = 26, gap = 8, pad = 14, header = 26, colGap = 70, rowGap = 40;
        var columns = Math.Max(1, (int)Math.Ceiling(Math.Sqrt(groups.Count)));
        var positions = new Dictionary<string, (double X, double Y)>(StringComparer.Ordinal);
        var boxes = new List<(string Label, double X, double Y, double W, double H, bool Outside)>();
        var rowHeights = new List<double>();
        for (var g = 0; g < groups.Count; g++)
        {
            var row = g / columns;
            var h = header + pad + (groups[g].Count() * (nodeH + gap)) + pad;
            if (rowHeights.Count <= row)
            {
                rowHeights.Add(0);
            }

            rowHeights[row] = Math.Max(rowHeights[row], h);
        }

        for (var g = 0; g < groups.Count; g++)
        {
            var row = g / columns;
            var col = g % columns;
            var x = 20 + col * (nodeW + 2 * pad + colGap);
            var y = 20 + rowHeights.Take(row).Sum() + row * rowGap;
            var members = groups[g].ToList();
            var h = header + pad + (members.Count * (nodeH + gap)) + pad;
            boxes.Add((groups[g].Key, x, y, nodeW + 2 * pad, h, groups[g].Key == OutsideGroup));
            for (var i = 0; i < members.Count; i++)
            {
                positions[members[i].Id] = (x + pad, y + header + pad + i * (nodeH + gap));
            }
        }

        // The right margin leaves room for the loops of flows within one column.
        var width = 140 + Math.Min(columns, Math.Max(1, groups.Count)) * (nodeW + 2 * pad + colGap);
        var height = 40 + rowHeights.Sum() + Math.Max(0, rowHeights.Count - 1) * rowGap;
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        sb.Append(inv, $"<title>{H(title)}</title>\n");
        sb.Append("<style>\nbody{font-family:Segoe UI,Helvetica,Arial,sans-serif;margin:16px;color:#1d2733}\nh1{font-size:20px}\n");
        sb.Append(".ns{fill:#f5f8fc;stroke:#9bb3cc;rx:8}.out{fill:#fff9ef;stroke:#d8b36a;stroke-dasharray:4 3}\n");
        sb.Append(".node rect{fill:#e3edf8;stroke:#5d84ad;rx:5}.node.ext rect{fill:#fff1d6;stroke:#c4933a}.node text,.grp{font-size:11px}\n");
        sb.Append(".grp{font-weight:600;fill:#34506e}.edge{stroke:#6d8aa8;stroke-width:1.2;fill:none;opacity:.55}.edge:hover,.edge.hl{stroke:#d9480f;opacity:1;stroke-width:2.2}\n");
        sb.Append("table{border-collapse:collapse;margin-top:20px;font-size:13px}th,td{border:1px solid #c9d6e3;padding:4px 8px;text-align:left}th{background:#e3edf8}\n");
        sb.Append("#filter{margin-top:16px;padding:4px 8px;width:320px}\n</style>\n</head>\n<body>\n");
        sb.Append(inv, $"<h1>{H(title)}</h1>\n<p>{edges.Count} allowed flows between {nodes.Count} peers, grouped by namespace. Hover an arrow for its connections.</p>\n");
        sb.Append(inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\">\n");
        sb.Append("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0L10,5L0,10z\" fill=\"#6d8aa8\"/></marker></defs>\n");
        foreach (var b in boxes)
        {
            sb.Append(inv, $"<rect class=\"{(b.Outside ? "out" : "ns")}\" x=\"{b.X}\" y=\"{b.Y}\" width=\"{b.W}\" height=\"{b.H}\"/>");
            sb.Append(inv, $"<text class=\"grp\" x=\"{b.X + 10}\" y=\"{b.Y + 18}\">{H(b.Outside ? b.Label : "namespace " + b.Label)}</text>\n");
        }

        var n = 0;
        foreach (var e in edges)
        {
            var (sx, sy) = positions[e.Source];
            var (dx, dy) = positions[e.Destination];
            double x1 = sx + nodeW, y1 = sy + nodeH / 2.0, x2 = dx, y2 = dy + nodeH / 2.0;
            if (dx + nodeW / 2.0 < sx + nodeW / 2.0)
            {
                x1 = sx;
                x2 = dx + nodeW;
            }
            else if (Math.Abs(dx - sx) < 1)
            {
                x1 = sx + nodeW;
                x2 = dx + nodeW;
            }

            var bend = Math.Abs(dx - sx) < 1 ? 60 + (n++ % 5) * 12 : 0;
            var c1x = Math.Abs(dx - sx) < 1 ? x1 + bend : (x1 + x2) / 2;
            var c2x = Math.Abs(dx - sx) < 1 ? x2 + bend : (x1 + x2) / 2;
            sb.Append(inv, $"<path class=\"edge\" data-src=\"{H(e.Source)}\" data-dst=\"{H(e.Destination)}\" d=\"M{x1:F1},{y1:F1} C{c1x:F1},{y1:F1} {c2x:F1},{y2:F1} {x2:F1},{y2:F1}\" marker-end=\"url(#arrow)\">");
            sb.Append(inv, $"<title>{H(e.ToString())}</title></path>\n");
        }

        foreach (var node in nodes)
        {
            var (x, y) = positions[node.Id];
            var label = node.Label.Length > 30 ? node.Label[..29] + "…" : node.Label;
            sb.Append(inv, $"<g class=\"node{(node.Group == OutsideGroup ? " ext" : string.Empty)}\" data-peer=\"{H(node.Id)}\"><rect x=\"{x}\" y=\"{y}\" width=\"{nodeW}\" height=\"{nodeH}\"/>");
            sb.Append(inv, $"<text x=\"{x + 8}\" y=\"{y + 17}\">{H(label)}</text><title>{H(node.Id)}</title></g>\n");
        }

        sb.Append("</svg>\n<input id=\"filter\" placeholder=\"Filter flows (text)\" aria-label=\"Filter flows\">\n");
        sb.Append("<table id=\"flows\"><thead><tr><th>Source</th><th>Destination</th><th>Connections</th></tr></thead><tbody>\n");
        foreach (var e in edges)
        {
            sb.Append(inv, $"<tr><td>{H(e.Source)}</td><td>{H(e.Destination)}</td><td>{H(e.Connections)}</td></tr>\n");
        }

        sb.Append("</tbody></table>\n<script>\n");
        sb.Append("document.getElementById('filter').addEventListener('input',function(){var q=this.value.toLowerCase();");
        sb.Append("document.querySelectorAll('#flows tbody tr').forEach(function(r){r.style.display=r.textContent.toLowerCase().indexOf(q)<0?'none':'';});});\n");
        sb.Append("document.querySelectorAll('.node').forEach(function(n){var p=n.getAttribute('data-peer');");
        sb.Append("n.addEventListener('mouseenter',function(){document.querySelectorAll('.edge').forEach(function(e){if(e.getAttribute('data-src')===p||e.getAttribute('data-dst')===p){e.classList.add('hl');}});});");
        sb.Append("n.addEventListener('mouseleave',function(){document.querySelectorAll('.edge.hl').forEach(function(e){e.classList.remove('hl');});});});\n");
        sb.Append("</script>\n</body>\n</html>\n");
        return sb.ToString();
    }

    private static string H(string s) => WebUtility.HtmlEncode(s);
}
