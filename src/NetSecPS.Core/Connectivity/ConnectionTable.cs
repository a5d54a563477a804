using System.Collections.Concurrent;

namespace NetSecPS.Core.Connectivity;

/// <summary>
/// Interns connection sets as small integers and memoizes their set algebra, so the engine's
/// pairwise work is table look-ups: a cluster has few distinct connection sets, while it has
/// millions of peer pairs.
/// </summary>
internal sealed class ConnectionTable
{
    public const int None = 0;
    public const int All = 1;

    // Reads (the hot path: every peer pair) take no lock: the sets live in an array that is
    // replaced, never changed in place, when it grows, and the memos are concurrent dictionaries.
    // Interning a new set is the only locked step.
    private ConnectionSet[] sets = { ConnectionSet.None, ConnectionSet.All, null!, null! };
    private int count = 2;
    private readonly Dictionary<ConnectionSet, int> ids = new() { [ConnectionSet.None] = None, [ConnectionSet.All] = All };
    private readonly ConcurrentDictionary<long, int> unions = new();
    private readonly ConcurrentDictionary<long, int> intersections = new();
    private readonly ConcurrentDictionary<long, int> differences = new();
    private readonly object gate = new();

    public ConnectionSet this[int id] => Volatile.Read(ref sets)[id];

    public int Intern(ConnectionSet set)
    {
        if (set.IsEmpty)
        {
            return None;
        }

        if (set.IsAll)
        {
            return All;
        }

        lock (gate)
        {
            if (!ids.TryGetValue(set, out var id))
            {
                id = count;
                var array = sets;
                if (id == array.Length)
                {
                    Array.Resize(ref array, array.Length * 2);
                }

                array[id] = set;
                count++;
                Volatile.Write(ref sets, array);
                ids[set] = id;
            }

            return id;
        }
    }

    public int Union(int a, int b)
    {
        if (a == b || b == None)
        {
            return a;
        }

        if (a == None)
        {
            return b;
        }

        if (a == All || b == All)
        {
            return All;
        }

        return Memo(unions, Math.Min(a, b), Math.Max(a, b), static (x, y) => x.Union(y));
    }

    public int Intersect(int a, int b)
    {
        if (a == b || b == All)
        {
            return a;
        }

        if (a == All)
        {
            return b;
        }

        if (a == None || b == None)
        {
            return None;
        }

        return Memo(intersections, Math.Min(a, b), Math.Max(a, b), static (x, y) => x.Intersect(y));
    }

    public int Subtract(int a, int b)
    {
        if (b == None)
        {
            return a;
        }

        if (a == None || a == b || b == All)
        {
            return None;
        }

        return Memo(differences, a, b, static (x, y) => x.Subtract(y));
    }

    private int Memo(ConcurrentDictionary<long, int> memo, int a, int b, Func<ConnectionSet, ConnectionSet, ConnectionSet> op)
    {
        var key = ((long)a << 32) | (uint)b;
        if (memo.TryGetValue(key, out var cached))
        {
            return cached;
        }

        var id = Intern(op(this[a], this[b]));
        memo.TryAdd(key, id);
        return id;
    }
}
