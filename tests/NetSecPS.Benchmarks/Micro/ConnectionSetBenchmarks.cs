using BenchmarkDotNet.Attributes;
using NetSecPS.Core.Connectivity;

namespace NetSecPS.Benchmarks.Micro;

/// <summary>
/// ConnectionSet algebra, which the engine runs for every rule of every policy: sets as
/// policies produce them (a few ports and endPort ranges on two protocols) and a fragmented
/// one (after many excepts).
/// </summary>
[MemoryDiagnoser]
public class ConnectionSetBenchmarks
{
    private ConnectionSet typical = null!;
    private ConnectionSet other = null!;
    private ConnectionSet fragmented = null!;

    [GlobalSetup]
    public void Setup()
    {
        typical = ConnectionSet.Port("TCP", 8080).Union(ConnectionSet.Port("TCP", 9102)).Union(ConnectionSet.Ports("TCP", 8000, 9999))
            .Union(ConnectionSet.Port("UDP", 53)).Union(ConnectionSet.Port("TCP", 53));
        other = ConnectionSet.Ports("TCP", 443, 8443).Union(ConnectionSet.Ports("UDP", 6831, 6832)).Union(ConnectionSet.Port("SCTP", 9899));
        var f = ConnectionSet.None;
        for (var p = 1000; p < 1000 + (64 * 10); p += 10)
        {
            f = f.Union(ConnectionSet.Ports("TCP", p, p + 4)).Union(ConnectionSet.Port("UDP", p + 1));
        }

        fragmented = f;
    }

    [Benchmark]
    public object UnionOfTwoPolicySets() => typical.Union(other);

    [Benchmark]
    public object IntersectWithAll() => typical.Intersect(ConnectionSet.All);

    [Benchmark]
    public object AllMinus128Ranges() => ConnectionSet.All.Subtract(fragmented);

    [Benchmark]
    public bool IsSubsetOfAll() => typical.IsSubsetOf(ConnectionSet.All);

    [Benchmark]
    public bool ContainsOnePort() => typical.Contains("TCP", 9102);

    [Benchmark]
    public string ConnlistTextOf128Ranges() => fragmented.ToString();
}
