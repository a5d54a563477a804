using NetSecPS.Core.Connectivity;

namespace NetSecPS.Core.Checks.Support;

/// <summary>
/// The flows the MESH checks look at, gathered in one pass over the flow list: per workload, the
/// flows that reach it without mutual TLS, the flows it sends into the mesh in plaintext, and every
/// flow into it (a count and the first few, for evidence).
/// </summary>
internal sealed class MeshFlows
{
    /// <summary>How many flows a check lists as evidence; the count says how many there are in all.</summary>
    public const int Examples = 20;

    private MeshFlows()
    {
    }

    /// <summary>Flows into a workload (by peer name) that arrive in plaintext: from a caller without a sidecar, or on ports whose mode is DISABLE.</summary>
    public Dictionary<string, Bucket> PlaintextInto { get; } = new(StringComparer.Ordinal);

    /// <summary>Flows from a workload without a sidecar into meshed workloads (plaintext, accepted because the destination is not STRICT there).</summary>
    public Dictionary<string, Bucket> PlaintextFrom { get; } = new(StringComparer.Ordinal);

    /// <summary>Every flow into a workload, by peer name.</summary>
    public Dictionary<string, Bucket> Into { get; } = new(StringComparer.Ordinal);

    /// <summary>Some flow is carried by mutual TLS.</summary>
    public bool AnyMutualTls { get; private set; }

    /// <summary>A count of flows and the first <see cref="Examples"/> of them.</summary>
    public sealed class Bucket
    {
        public int Count { get; private set; }

        public List<Flow> Flows { get; } = new();

        public void Add(Flow f)
        {
            Count++;
            if (Flows.Count < Examples)
            {
                Flows.Add(f);
            }
        }
    }

    public static MeshFlows Collect(IConnectivityQuery connectivity)
    {
        var result = new MeshFlows();
        foreach (var f in connectivity.Flows)
        {
            if (f.DestinationKind != PeerKind.Workload)
            {
                continue;
            }

            Put(result.Into, f.Destination, f);
            result.AnyMutualTls |= f.MutuallyAuthenticated;
            if (f.Mtls is MtlsState.SourceWithoutSidecar or MtlsState.Disable)
            {
                Put(result.PlaintextInto, f.Destination, f);
            }

            if (f.Mtls == MtlsState.SourceWithoutSidecar && f.SourceKind == PeerKind.Workload)
            {
                Put(result.PlaintextFrom, f.Source, f);
            }
        }

        return result;
    }

    private static void Put(Dictionary<string, Bucket> map, string key, Flow f)
    {
        if (!map.TryGetValue(key, out var bucket))
        {
            map[key] = bucket = new Bucket();
        }

        bucket.Add(f);
    }
}
