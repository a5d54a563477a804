namespace NetSecPS.Reports;

/// <summary>
/// One namespace's allowed flows between workloads that end in it, by how the Istio mesh carries
/// them. Every flow falls in exactly one bucket, so the buckets add up to <see cref="Flows"/>.
/// </summary>
internal sealed record MeshTlsRow(
    string Namespace,
    int Flows,
    int Strict,
    int Permissive,
    int CallerWithoutSidecar,
    int DestinationWithoutSidecar,
    int Disable,
    int NoTcp,
    int OutsideMesh,
    int Ambient)
{
    /// <summary>Flows mutual TLS carries: both ends run a sidecar and the destination is STRICT, or PERMISSIVE (Istio's automatic mTLS).</summary>
    public int MutuallyAuthenticated => Strict + Permissive;

    /// <summary>Flows whose TCP connections cross in plaintext although one end runs a sidecar.</summary>
    public int Plaintext => CallerWithoutSidecar + DestinationWithoutSidecar + Disable;

    /// <summary>Flows the mesh never sees: neither end runs a sidecar, or the flow has no TCP connection (sidecars intercept TCP only).</summary>
    public int NotIntercepted => NoTcp + OutsideMesh;

    /// <summary>The share of the namespace's flows mutual TLS carries, 0..1. Flows the analysis could not verify (ambient) count against it.</summary>
    public double Share => Flows == 0 ? 0 : (double)MutuallyAuthenticated / Flows;

    public static MeshTlsRow Sum(string name, IEnumerable<MeshTlsRow> rows)
    {
        var all = rows.ToList();
        return new MeshTlsRow(name, all.Sum(r => r.Flows), all.Sum(r => r.Strict), all.Sum(r => r.Permissive), all.Sum(r => r.CallerWithoutSidecar),
            all.Sum(r => r.DestinationWithoutSidecar), all.Sum(r => r.Disable), all.Sum(r => r.NoTcp), all.Sum(r => r.OutsideMesh), all.Sum(r => r.Ambient));
    }
}

/// <summary>
/// The per-namespace share of mutually authenticated flows the reports show where Istio runs.
/// It only counts what the scan's flows hold (each flow's <see cref="Flow.Mtls"/>); it decides nothing.
/// </summary>
internal static class MeshTls
{
    /// <summary>
    /// True for a whole scan in which some flow meets the mesh (a sidecar or ambient at one end):
    /// the reports then carry the mutual TLS sheet and section. A cluster without Istio gets neither.
    /// </summary>
    public static bool Applies(ReportView view) => view.IsFullScan && view.Scan.Flows.Any(MeetsMesh);

    /// <summary>
    /// The engine leaves <see cref="Flow.MtlsDetail"/> null only when neither end is in the mesh; a
    /// flow between meshed workloads that has no TCP connection keeps <see cref="MtlsState.None"/> with a detail saying so.
    /// </summary>
    private static bool MeetsMesh(Flow f) => f.Mtls != MtlsState.None || f.MtlsDetail is not null;

    /// <summary>One row per destination namespace, in name order, for allowed flows whose two ends are workloads.</summary>
    public static IReadOnlyList<MeshTlsRow> Rows(ScanResult scan, CancellationToken cancellationToken = default)
    {
        var counts = new SortedDictionary<string, int[]>(StringComparer.Ordinal);
        var n = 0;
        foreach (var f in scan.Flows)
        {
            if ((++n & 4095) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            // Flows from outside the cluster or the ingress controller cannot carry a workload
            // certificate; counting them would measure exposure, not the mesh.
            // The proxies' own channel to istiod is infrastructure, not traffic between workloads.
            if (f.SourceKind != PeerKind.Workload || f.DestinationKind != PeerKind.Workload || f.Mtls == MtlsState.ControlPlane || f.DestinationNamespace is not { } ns)
            {
                continue;
            }

            if (!counts.TryGetValue(ns, out var c))
            {
                counts[ns] = c = new int[10];
            }

            c[0]++;
            c[Bucket(f)]++;
        }

        return counts.Select(kv => new MeshTlsRow(kv.Key, kv.Value[0], kv.Value[1], kv.Value[2], kv.Value[3], kv.Value[4], kv.Value[5], kv.Value[6], kv.Value[7], kv.Value[8])).ToList();
    }

    private static int Bucket(Flow f) => f.Mtls switch
    {
        MtlsState.Strict => 1,
        MtlsState.Permissive => 2,
        MtlsState.SourceWithoutSidecar => 3,
        MtlsState.DestinationWithoutSidecar => 4,
        MtlsState.Disable => 5,
        MtlsState.Ambient => 8,
        _ when f.MtlsDetail is not null => 6,
        _ => 7,
    };

    /// <summary>The label of the row that adds up every namespace; a namespace cannot be named so (names are lower case).</summary>
    public const string TotalLabel = "All namespaces";

    /// <summary>Every namespace's row added up: the mesh's overall counts, which the summaries and the total rows print.</summary>
    public static MeshTlsRow Total(IEnumerable<MeshTlsRow> rows) => MeshTlsRow.Sum(TotalLabel, rows);

    /// <summary>
    /// The overall share in one sentence, the same in the workbook's Summary, the PDF's executive
    /// summary and its mutual TLS section, e.g. "9 of 20 allowed flows between workloads are
    /// mutually authenticated (45.0%); 9 cross in plaintext although one end runs a sidecar."
    /// </summary>
    public static string Sentence(MeshTlsRow total) =>
        $"{ReportText.Number(total.MutuallyAuthenticated)} of {ReportText.Plural(total.Flows, "allowed flow", "allowed flows")} between workloads " +
        $"{(total.MutuallyAuthenticated == 1 ? "is" : "are")} mutually authenticated ({Percent(total.Share)}); " +
        $"{ReportText.Number(total.Plaintext)} cross in plaintext although one end runs a sidecar" +
        (total.Ambient > 0 ? $", and {ReportText.Number(total.Ambient)} in ambient mode were not evaluated." : ".");

    /// <summary>The share as the reports print it, e.g. <c>66.7%</c>.</summary>
    public static string Percent(double share) => share.ToString("0.0%", ReportText.Culture);

    public const string Explanation =
        "Allowed flows between workloads, counted in the namespace they end in, by how the Istio mesh carries their TCP connections. " +
        "Mutual TLS: both ends run a sidecar and the destination's PeerAuthentication is STRICT, or PERMISSIVE (Istio's automatic mTLS then encrypts and authenticates the flow). " +
        "Plaintext: the caller runs no sidecar (the destination accepts it because it is not STRICT), the destination runs no sidecar or bypasses it on the flow's ports, or the destination's mode is DISABLE. " +
        "Not intercepted: neither end runs a sidecar, or the flow has no TCP connection (sidecars intercept TCP only). " +
        "Ambient (ztunnel) flows are not evaluated. Where a flow's ports differ, the weakest state counts. " +
        "The share counts only what the analysis verified: every flow not carried by mutual TLS counts against it. " +
        "Flows from outside the cluster and from the ingress controller are left out: they carry no workload certificate. " +
        "So are the sidecars' connections to istiod on TCP 15012, which istiod secures and authenticates itself: they are the mesh's own infrastructure.";
}
