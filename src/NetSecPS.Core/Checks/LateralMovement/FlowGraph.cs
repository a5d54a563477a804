using System.Collections;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;

namespace NetSecPS.Core.Checks.LateralMovement;

/// <summary>
/// The workload-to-workload graph of allowed flows, with multi-hop reachability computed once
/// for all workloads: strongly connected components and a bitset per component, so asking
/// every exposed workload costs one pass, not one search each.
/// </summary>
internal sealed class FlowGraph
{
    private readonly IReadOnlyList<Workload> nodes;
    private readonly Dictionary<Workload, int> index;
    private readonly int[] component;
    private readonly BitArray[] reach;
    private readonly List<int>[] direct;

    /// <summary>The workloads a workload may connect to in one hop (whether or not it is a pivot).</summary>
    public IEnumerable<Workload> DirectlyReachable(Workload workload) =>
        index.TryGetValue(workload, out var i) ? direct[i].Select(d => nodes[d]) : Enumerable.Empty<Workload>();

    /// <param name="connectivity">The engine whose flows make the edges.</param>
    /// <param name="isPivot">Whether paths may continue through a workload; non-pivots are endpoints only.</param>
    public FlowGraph(IConnectivityQuery connectivity, Func<Workload, bool> isPivot)
    {
        nodes = connectivity.Model.Workloads;
        index = new Dictionary<Workload, int>(nodes.Count);
        var byPeer = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < nodes.Count; i++)
        {
            index[nodes[i]] = i;
            byPeer[nodes[i].Peer] = i;
        }

        var edges = new List<int>[nodes.Count];
        direct = new List<int>[nodes.Count];
        for (var i = 0; i < edges.Length; i++)
        {
            edges[i] = new List<int>();
            direct[i] = new List<int>();
        }

        foreach (var f in connectivity.Flows)
        {
            if (f.SourceKind == NetSecPS.PeerKind.Workload && f.DestinationKind == NetSecPS.PeerKind.Workload
                && byPeer.TryGetValue(f.Source, out var s) && byPeer.TryGetValue(f.Destination, out var d) && s != d)
            {
                direct[s].Add(d);
                if (isPivot(nodes[s]))
                {
                    edges[s].Add(d);
                }
            }
        }

        (component, var count, var order) = StronglyConnected(edges);
        reach = new BitArray[count];

        // Tarjan's algorithm completes components sinks first, so successors are done before their predecessors.
        foreach (var c in order)
        {
            reach[c] = new BitArray(nodes.Count);
        }

        var members = new List<int>[count];
        for (var i = 0; i < count; i++)
        {
            members[i] = new List<int>();
        }

        for (var v = 0; v < nodes.Count; v++)
        {
            members[component[v]].Add(v);
        }

        foreach (var c in order)
        {
            var bits = reach[c];
            foreach (var v in members[c])
            {
                bits[v] = true;
                foreach (var d in edges[v])
                {
                    if (component[d] != c)
                    {
                        bits.Or(reach[component[d]]);
                    }
                }
            }
        }
    }

    /// <summary>The workloads reachable from <paramref name="start"/> in one or more hops (itself excluded).</summary>
    public IEnumerable<Workload> ReachableFrom(Workload start)
    {
        if (!index.TryGetValue(start, out var s))
        {
            yield break;
        }

        var bits = reach[component[s]];
        for (var v = 0; v < nodes.Count; v++)
        {
            if (v != s && bits[v])
            {
                yield return nodes[v];
            }
        }
    }

    /// <summary>Iterative Tarjan: component of each node, the component count, and components in completion order.</summary>
    private static (int[] Component, int Count, List<int> Order) StronglyConnected(List<int>[] edges)
    {
        var n = edges.Length;
        var idx = new int[n];
        var low = new int[n];
        var onStack = new bool[n];
        var comp = new int[n];
        Array.Fill(idx, -1);
        var stack = new Stack<int>();
        var order = new List<int>();
        var counter = 0;
        var count = 0;
        var work = new Stack<(int Node, int Edge)>();
        for (var root = 0; root < n; root++)
        {
            if (idx[root] >= 0)
            {
                continue;
            }

            work.Push((root, 0));
            while (work.Count > 0)
            {
                var (v, e) = work.Pop();
                if (e == 0)
                {
                    idx[v] = low[v] = counter++;
                    stack.Push(v);
                    onStack[v] = true;
                }

                var descended = false;
                while (e < edges[v].Count)
                {
                    var w = edges[v][e++];
                    if (idx[w] < 0)
                    {
                        work.Push((v, e));
                        work.Push((w, 0));
                        descended = true;
                        break;
                    }

                    if (onStack[w])
                    {
                        low[v] = Math.Min(low[v], idx[w]);
                    }
                }

                if (descended)
                {
                    continue;
                }

                if (low[v] == idx[v])
                {
                    int x;
                    do
                    {
                        x = stack.Pop();
                        onStack[x] = false;
                        comp[x] = count;
                    }
                    while (x != v);
                    order.Add(count);
                    count++;
                }

                if (work.Count > 0)
                {
                    var parent = work.Peek().Node;
                    low[parent] = Math.Min(low[parent], low[v]);
                }
            }
        }

        return (comp, count, order);
    }
}
