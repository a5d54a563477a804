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

    private readonly List<ConnectionSet> sets = new() { ConnectionSet.None, ConnectionSet.All };
    private readonly Dictionary<ConnectionSet, int> ids = new() { [ConnectionSet.None] = None, [ConnectionSet.All] = All };
    private readonly Dictionary<long, int> unions = new();
    private readonly Dictionary<long, int> intersections = new();
    private readonly Dictionary<long, int> differences = new();
    private readonly object gate = new();

    public ConnectionSet this[int id]
    {
        get
        {
            lock (gate)
            {
                return sets[id];
            }
        }
    }

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
                id = sets.Count;
                sets.Add(set);
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

    private int Memo(Dictionary<long, int> memo, int a, int b, Func<ConnectionSet, ConnectionSet, ConnectionSet> op)
    {
        var key = ((long)a << 32) | (uint)b;
        ConnectionSet x, y;
        lock (gate)
        {
            if (memo.TryGetValue(key, out var cached))
            {
                return cached;
            }

            x = sets[a];
            y = sets[b];
        }

        var id = Intern(op(x, y));
        lock (gate)
        {
            memo[key] = id;
        }

        return id;
    }
}
