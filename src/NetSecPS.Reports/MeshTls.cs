namespace NetSecPS.Reports;

/// <summary>
/// One namespace's flows by their mesh transport: of the allowed flows between workloads that
/// end in the namespace, how many mutual TLS carries (STRICT, or PERMISSIVE between two
/// sidecars), how many arrive in plaintext, how many never meet the mesh.
/// </summary>
internal sealed record MeshTlsRow(string Namespace, int Flows, int Strict, int Permissive, int Plaintext, int OutsideMesh, int Ambient)
{
    public int MutuallyAuthenticated => Strict + Permissive;

    /// <summary>The share of the namespace's flows mutual TLS carries, 0..1.</summary>
    public double Share => Flows == 0 ? 0 : (double)MutuallyAuthenticated / Flows;
}

/// <summary>
/// The per-namespace share of mutually authenticated flows the reports show where Istio runs.
/// It only counts what the scan's flows hold (each flow's <see cref="Flow.Mtls"/>); it decides nothing.
/// </summary>
internal static class MeshTls
{
    /// <summary>True when some flow of the scan meets the mesh: the reports then carry the mTLS section.</summary>
    public static bool Applies(ScanResult scan) => scan.Flows.Any(f => f.Mtls != MtlsState.None);

    /// <summary>One row per destination namespace, in name order, for flows whose two ends are workloads.</summary>
    public static IReadOnlyList<MeshTlsRow> Rows(ScanResult scan)
    {
        var counts = new SortedDictionary<string, int[]>(StringComparer.Ordinal);
        foreach (var f in scan.Flows)
        {
            if (f.SourceKind != PeerKind.Workload || f.DestinationKind != PeerKind.Workload || f.DestinationNamespace is not { } ns)
            {
                continue;
            }

            if (!counts.TryGetValue(ns, out var c))
            {
                counts[ns] = c = new int[6];
            }

            c[0]++;
            c[f.Mtls switch
            {
                MtlsState.Strict => 1,
                MtlsState.Permissive => 2,
                MtlsState.Disable or MtlsState.SourceWithoutSidecar or MtlsState.DestinationWithoutSidecar => 3,
                MtlsState.Ambient => 5,
                _ => 4,
            }]++;
        }

        return counts.Select(kv => new MeshTlsRow(kv.Key, kv.Value[0], kv.Value[1], kv.Value[2], kv.Value[3], kv.Value[4], kv.Value[5])).ToList();
    }

    public const string Explanation = "Allowed flows between workloads, by destination namespace, and how the Istio mesh carries them: mutual TLS (STRICT, or PERMISSIVE between two sidecars, which Istio's automatic mTLS encrypts), plaintext (a caller or destination without a sidecar, or DISABLE), outside the mesh (neither end has a sidecar), or ambient mode (not evaluated).";
}
