namespace NetSecPS.Reports.Pdf;

/// <summary>
/// The PDF's "Observed traffic": what the flow logs show beside what the policies allow, where the
/// datapath disagrees, and the widest unused allowed paths into data stores and from exposed
/// workloads.
/// </summary>
internal static class ObservedTrafficSection
{
    private const int DisagreementsListed = 10;

    public static void Write(PdfComposer c, ReportView view, CancellationToken cancellationToken)
    {
        if (view.Scan.ObservedTraffic is not { } t)
        {
            return;
        }

        cancellationToken.ThrowIfCancellationRequested();
        c.Section("Observed traffic");
        var window = t.From is { } from && t.To is { } to ? $"from {ReportText.Time(from)} to {ReportText.Time(to)}" : "over a window the logs do not date";
        c.Paragraph($"{ReportText.Plural(t.Files.Count, "flow log", "flow logs")} {window} show {Count(t.Flows, "flow", "flows")}. " +
            $"Compared with the policies: {ReportText.Plural(t.ObservedAllowed.Count, "observed path is", "observed paths are")} allowed and " +
            $"{ReportText.Plural(t.ObservedDenied.Count, "is", "are")} denied; {ReportText.Plural(t.UnusedAllowed.Count, "allowed port range was", "allowed port ranges were")} not used, " +
            $"and {Count(t.UnresolvedFlows, "flow", "flows")} could not be matched to the snapshot.");
        if (t.Disagreements > 0)
        {
            c.Callout($"In {ReportText.Plural(t.Disagreements, "case", "cases")} the log and the analysis disagree: policy denies a flow the datapath forwarded, or allows one it dropped. " +
                "A policy the snapshot does not hold, a CNI that does not enforce, or a snapshot older than the logs explains it; each is listed below.", PdfCharts.Color((0xC0, 0x2B, 0x2B)));
        }

        if (t.BadLines > 0)
        {
            c.Callout($"{Count(t.BadLines, "line", "lines")} of the logs could not be read; the workbook's Observed traffic sheet names the first with their file and line.", PdfCharts.Color((0xF0, 0x8C, 0x1A)));
        }

        c.Table(new PdfTable(new[] { "Category", "Paths", "What it means" }, new[] { 1.6, 0.7, 3.7 }), new[]
        {
            new[] { "Observed, allowed", ReportText.Number(t.ObservedAllowed.Count), "seen in the logs and allowed by policy" },
            new[] { "Observed, denied", ReportText.Number(t.ObservedDenied.Count), "seen in the logs and denied by policy (dropped, or forwarded where they disagree)" },
            new[] { "Allowed, unused", ReportText.Number(t.UnusedAllowed.Count), "port ranges policy allows that no flow used: what to tighten" },
            new[] { "Unresolved", ReportText.Number(t.Unresolved.Count), "ends the snapshot does not hold, a node's own traffic, or protocols policies do not name" },
        });

        var disagreeing = t.ObservedDenied.Concat(t.ObservedAllowed).Where(r => r.DatapathDisagrees).Take(DisagreementsListed).ToList();
        if (disagreeing.Count > 0)
        {
            c.Heading("Where the datapath and the policies disagree", c.Fonts.H3);
            c.Table(new PdfTable(new[] { "Source", "Destination", "Connection", "Log", "Policy says" }, new[] { 2.0, 2.0, 0.9, 0.8, 2.3 }),
                disagreeing.Select(r => new[] { r.Source, r.Destination, r.Connections, $"{r.LogVerdict} ({Number(r.Observed)})", Decided(r, r.Category == TrafficCategory.ObservedDenied ? "denied" : "allowed") }));
        }

        cancellationToken.ThrowIfCancellationRequested();
        c.Heading("Widest unused allowed paths into data stores", c.Fonts.H3);
        Paths(c, t.TopUnusedIntoDataStores, t.DataStores.Count == 0
            ? "No workload of the snapshot was taken as a data store (by a database, cache or queue image, or their well-known ports)."
            : "Every path into a data store that policy allows was used.");
        c.Heading("Widest unused allowed paths from exposed workloads", c.Fonts.H3);
        Paths(c, t.TopUnusedFromExposed, t.ExposedWorkloads.Count == 0
            ? "No workload is exposed outside the cluster."
            : "Every path from an exposed workload that policy allows was used.");
        c.Paragraph("Paths from outside the cluster come first, then paths across namespaces, then the widest port ranges. New-NetSecPolicyRecommendation writes verified least-privilege policies that close them.",
            c.Fonts.Small, c.MutedBrush);

        if (t.Unresolved.Count > 0)
        {
            c.Heading("Flows not compared", c.Fonts.H3);
            c.Bullets(t.Unresolved.GroupBy(r => r.Reason ?? "unknown").OrderByDescending(g => g.Sum(r => r.Observed)).Take(6)
                .Select(g => $"{Count(g.Sum(r => r.Observed), "flow", "flows")}: {g.Key} (for example {g.First().Source} => {g.First().Destination})"));
        }
    }

    private static void Paths(PdfComposer c, IReadOnlyList<FlowComparison> paths, string empty)
    {
        if (paths.Count == 0)
        {
            c.Paragraph(empty);
            return;
        }

        c.Table(new PdfTable(new[] { "Source", "Destination", "Unused", "Allowed by" }, new[] { 2.1, 2.1, 1.1, 2.3 }),
            paths.Select(r => new[] { r.Source, r.Destination, r.Connections, Decided(r, null) }));
    }

    private static string Decided(FlowComparison r, string? verdict)
    {
        var by = r.Policy is null ? r.Layer?.ToString() ?? "—" : $"{r.PolicyKind} {r.Policy}" + (r.Rule is null ? string.Empty : $" ({r.Rule})");
        return verdict is null ? by : $"{verdict}: {by}";
    }

    private static string Number(long n) => n.ToString("#,0", ReportText.Culture);

    private static string Count(long n, string one, string many) => $"{Number(n)} {(n == 1 ? one : many)}";
}
