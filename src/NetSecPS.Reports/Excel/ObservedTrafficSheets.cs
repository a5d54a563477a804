using ClosedXML.Excel;

namespace NetSecPS.Reports.Excel;

/// <summary>
/// The workbook's "Observed traffic": a summary sheet, then one sheet per category (observed and
/// allowed, observed and denied, allowed but unused, unresolved), when the scan read flow logs.
/// </summary>
internal static class ObservedTrafficSheets
{
    /// <summary>Sheets with more rows than this are streamed into the saved workbook as text (see <see cref="StreamedRows"/>).</summary>
    private const int CellRowsLimit = 20_000;

    private const string DateFormat = "yyyy-mm-dd hh:mm";

    public static void Write(XLWorkbook wb, ReportView view, List<StreamedRows> streamed, CancellationToken cancellationToken)
    {
        if (view.Scan.ObservedTraffic is not { } t)
        {
            return;
        }

        Summary(wb.Worksheets.Add("Observed traffic"), t);
        Category(wb.Worksheets.Add("Observed allowed"), "ObservedAllowed", t.ObservedAllowed, Observed, "No observed flow is allowed by policy.", streamed, cancellationToken);
        var denied = Category(wb.Worksheets.Add("Observed denied"), "ObservedDenied", t.ObservedDenied, Observed, "No observed flow is denied by policy.", streamed, cancellationToken);
        if (denied is not null && DataColumn(denied, "Datapath disagrees") is { } disagrees)
        {
            disagrees.AddConditionalFormat().WhenEquals($"\"{ReportText.YesNo(true)}\"").Fill.SetBackgroundColor(XLColor.FromArgb(0xC0, 0x2B, 0x2B)).Font.SetFontColor(XLColor.White);
        }

        Category(wb.Worksheets.Add("Unused allowed"), "UnusedAllowed", t.UnusedAllowed, Unused, "Every allowed connection was used in the log's window.", streamed, cancellationToken);
        Category(wb.Worksheets.Add("Unresolved flows"), "UnresolvedFlows", t.Unresolved, UnresolvedColumns, "Every observed flow was resolved against the snapshot.", streamed, cancellationToken);
    }

    private static readonly SheetColumn<FlowComparison>[] Observed =
    {
        new("Source", r => r.Source, 50),
        new("Destination", r => r.Destination, 50),
        new("Source namespace", r => r.SourceNamespace, 20),
        new("Destination namespace", r => r.DestinationNamespace, 20),
        new("Connections", r => r.Connections, 14),
        new("Observed", r => (double)r.Observed, 10),
        new("Forwarded", r => (double)r.Forwarded, 10),
        new("Dropped", r => (double)r.Dropped, 10),
        new("Audited", r => (double)r.Audited, 9),
        new("Log verdict", r => r.LogVerdict.ToString(), 11),
        new("Datapath disagrees", r => ReportText.YesNo(r.DatapathDisagrees), 10),
        new("Layer", r => r.Layer?.ToString(), 10),
        new("Policy kind", r => r.PolicyKind, 24),
        new("Policy", r => r.Policy, 36),
        new("Rule", r => r.Rule, 24),
        new("Explanation", r => r.Explanation, 70),
        new("Policies in the log", r => string.Join("; ", r.LogPolicies), 40),
        new("First seen (UTC)", r => r.FirstSeen, 18, DateFormat),
        new("Last seen (UTC)", r => r.LastSeen, 18, DateFormat),
        new("Evidence", r => r.Evidence, 50),
        new("Logged source", r => r.ObservedSource, 40),
        new("Logged destination", r => r.ObservedDestination, 40),
    };

    private static readonly SheetColumn<FlowComparison>[] Unused =
    {
        new("Source", r => r.Source, 50),
        new("Destination", r => r.Destination, 50),
        new("Source namespace", r => r.SourceNamespace, 20),
        new("Destination namespace", r => r.DestinationNamespace, 20),
        new("Connections", r => r.Connections, 18),
        new("Layer", r => r.Layer?.ToString(), 10),
        new("Policy kind", r => r.PolicyKind, 24),
        new("Policy", r => r.Policy, 36),
        new("Rule", r => r.Rule, 24),
        new("Explanation (first port)", r => r.Explanation, 70),
    };

    private static readonly SheetColumn<FlowComparison>[] UnresolvedColumns =
    {
        new("Source", r => r.Source, 50),
        new("Destination", r => r.Destination, 50),
        new("Connections", r => r.Connections, 14),
        new("Observed", r => (double)r.Observed, 10),
        new("Log verdict", r => r.LogVerdict.ToString(), 11),
        new("Reason", r => r.Reason, 70),
        new("First seen (UTC)", r => r.FirstSeen, 18, DateFormat),
        new("Last seen (UTC)", r => r.LastSeen, 18, DateFormat),
        new("Evidence", r => r.Evidence, 50),
        new("Logged source", r => r.ObservedSource, 40),
        new("Logged destination", r => r.ObservedDestination, 40),
    };

    /// <summary>A category's table; null when its rows are streamed (values then are text, which the highlight does not read).</summary>
    private static IXLTable? Category(IXLWorksheet ws, string table, IReadOnlyList<FlowComparison> rows, IReadOnlyList<SheetColumn<FlowComparison>> columns, string emptyNote,
        List<StreamedRows> streamed, CancellationToken cancellationToken)
    {
        var (written, isStreamed) = SheetTable.WriteMany(ws, table, columns, rows, emptyNote, "records", CellRowsLimit, streamed, cancellationToken);
        return isStreamed ? null : written;
    }

    /// <summary>
    /// Text longer than its column wraps, and its row grows to show it: past the column's edge it
    /// would be cut where the next cell begins, and on paper at the edge of the printed columns.
    /// </summary>
    private static void WrapLongText(IXLWorksheet ws, int firstRow)
    {
        var heights = new Dictionary<int, int>();
        foreach (var cell in ws.CellsUsed(c => c.Address.RowNumber >= firstRow && c.DataType == XLDataType.Text))
        {
            var text = cell.GetString();
            var width = ws.Column(cell.Address.ColumnNumber).Width;
            if (text.Length < width - 1)
            {
                continue;
            }

            cell.Style.Alignment.WrapText = true;
            var row = cell.Address.RowNumber;
            heights[row] = Math.Max(heights.GetValueOrDefault(row, 1), SheetTable.EstimateLines(text, width));
        }

        foreach (var (row, lines) in heights)
        {
            ws.Row(row).Height = Math.Min(409, lines * SheetTable.LineHeight);
        }
    }

    private static IXLRange? DataColumn(IXLTable table, string header)
    {
        var field = table.Fields.FirstOrDefault(f => f.Name == header);
        return field is null ? null : table.DataRange.Column(field.Index + 1).AsRange();
    }

    private static void Summary(IXLWorksheet ws, ObservedTraffic t)
    {
        ws.Column(1).Width = 44;
        ws.Column(2).Width = 20;
        ws.Column(3).Width = 70;
        ws.Cell(1, 1).SetValue("Observed traffic");
        ws.Cell(1, 1).Style.Font.Bold = true;
        ws.Cell(1, 1).Style.Font.FontSize = 16;
        ws.Columns(1, 3).Style.Alignment.Vertical = XLAlignmentVerticalValues.Top;
        ws.Cell(2, 1).SetValue("The flow logs compared with what the policies allow: what is used, what is denied, and what is open for nothing.");
        ws.Range(2, 1, 2, 3).Merge().Style.Alignment.WrapText = true;
        var row = 4;
        void Pair(string label, object? value, string? note = null)
        {
            ws.Cell(row, 1).SetValue(label);
            SheetTable.SetCell(ws.Cell(row, 2), value);
            if (value is DateTimeOffset)
            {
                ws.Cell(row, 2).Style.NumberFormat.Format = DateFormat;
            }

            if (note is not null)
            {
                ws.Cell(row, 3).SetValue(note);
            }

            row++;
        }

        void Heading(string text)
        {
            row++;
            ws.Cell(row, 1).SetValue(text);
            ws.Cell(row, 1).Style.Font.Bold = true;
            ws.Cell(row, 1).Style.Font.FontSize = 12;
            row++;
        }

        Pair("Window from (UTC)", t.From);
        Pair("Window to (UTC)", t.To);
        Pair("Flows", (double)t.Flows, $"in {ReportText.Number((int)Math.Min(int.MaxValue, t.Records))} records of {ReportText.Number((int)Math.Min(int.MaxValue, t.Lines))} lines");
        Pair("Lines that could not be read", (double)t.BadLines, t.BadLines > 0 ? "error records with file and line; the first are listed below" : null);
        foreach (var (reason, count) in t.Skipped.OrderByDescending(p => p.Value))
        {
            Pair("Left out: " + reason, (double)count);
        }

        Heading("Compared with the policies");
        Pair("Observed and allowed (paths)", t.ObservedAllowed.Count, "sheet Observed allowed");
        Pair("Observed and denied (paths)", t.ObservedDenied.Count, "sheet Observed denied");
        Pair("Where the datapath and the policies disagree", t.Disagreements,
            "denied by policy but forwarded, or allowed by policy but dropped by policy: a policy the snapshot does not hold, a CNI that does not enforce, or a stale snapshot");
        Pair("Allowed but unused (port ranges)", t.UnusedAllowed.Count, "sheet Unused allowed: what to tighten");
        Pair("Unresolved (paths)", t.Unresolved.Count, $"{ReportText.Number((int)Math.Min(int.MaxValue, t.UnresolvedFlows))} flows; sheet Unresolved flows");

        Heading("Widest unused allowed paths into data stores");
        Paths(t.TopUnusedIntoDataStores, "No unused allowed path leads into a data store.");
        Heading("Widest unused allowed paths from exposed workloads");
        Paths(t.TopUnusedFromExposed, "No unused allowed path starts at an exposed workload.");

        Heading("Data stores");
        foreach (var s in t.DataStores.DefaultIfEmpty("No workload was taken as a data store."))
        {
            ws.Cell(row++, 1).SetValue(s);
        }

        Heading("Exposed workloads");
        foreach (var s in t.ExposedWorkloads.DefaultIfEmpty("No workload is exposed outside the cluster."))
        {
            ws.Cell(row++, 1).SetValue(s);
        }

        Heading("Flow logs read");
        foreach (var f in t.Files)
        {
            ws.Cell(row++, 1).SetValue(f);
        }

        if (t.Diagnostics.Count > 0)
        {
            Heading("Lines that could not be read");
            foreach (var d in t.Diagnostics)
            {
                ws.Cell(row, 1).SetValue(d.File is null ? string.Empty : $"{d.File}:{d.Line}");
                ws.Cell(row, 3).SetValue(d.Message);
                row++;
            }
        }

        WrapLongText(ws, 4);
        SheetTable.PrintSetup(ws, repeatHeader: false);

        void Paths(IReadOnlyList<FlowComparison> paths, string empty)
        {
            if (paths.Count == 0)
            {
                ws.Cell(row++, 1).SetValue(empty);
                return;
            }

            foreach (var p in paths)
            {
                ws.Cell(row, 1).SetValue($"{p.Source} => {p.Destination}");
                ws.Cell(row, 2).SetValue(p.Connections);
                ws.Cell(row, 3).SetValue(p.Policy is null ? p.Layer?.ToString() ?? string.Empty : $"{p.PolicyKind} {p.Policy}" + (p.Rule is null ? string.Empty : $" ({p.Rule})"));
                row++;
            }
        }
    }
}
