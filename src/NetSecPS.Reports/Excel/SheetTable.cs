using ClosedXML.Excel;

namespace NetSecPS.Reports.Excel;

/// <summary>One column of a sheet's table: its header, how a row gives its value, and the widest it may grow.</summary>
/// <remarks>
/// Text with line breaks wraps so the row grows to show it, unless <paramref name="OneLine"/> is set:
/// a column of YAML manifests would make every row tall, so its cells show their first line and hold the rest.
/// </remarks>
internal sealed record SheetColumn<T>(string Header, Func<T, object?> Value, double MaxWidth = 40, string? NumberFormat = null, bool OneLine = false);

/// <summary>
/// Writes rows as an Excel table the way ImportExcel users expect: header in the first row, bold and
/// frozen, a filter on every column, widths sized from the text. Widths come from text lengths
/// because ClosedXML's AdjustToContents needs System.Drawing, which does not work on Linux.
/// </summary>
internal static class SheetTable
{
    /// <summary>Excel's limit on the characters of one cell.</summary>
    public const int MaxCellText = 32_767;

    private const string TruncatedNote = " … [truncated at Excel's cell limit; the JSON report has the full text]";

    /// <param name="printColumns">
    /// On a sheet too wide to print legibly on one page, the leading columns an auditor reads on
    /// paper; the print area covers them (one page wide) and the footer says the rest are in the
    /// workbook. Null prints every column.
    /// </param>
    public static IXLTable? Write<T>(IXLWorksheet ws, string tableName, IReadOnlyList<SheetColumn<T>> columns, IEnumerable<T> rows, string emptyNote, CancellationToken cancellationToken, int? printColumns = null)
    {
        // Set on the columns before any cell exists, so every cell inherits it at no cost per cell.
        ws.Columns(1, columns.Count).Style.Alignment.Vertical = XLAlignmentVerticalValues.Top;
        var widths = new double[columns.Count];
        for (var c = 0; c < columns.Count; c++)
        {
            ws.Cell(1, c + 1).SetValue(columns[c].Header);
            // Room for the filter button beside the header text.
            widths[c] = columns[c].Header.Length + 4;
        }

        var wrapped = new List<(int Row, int Column, string Text)>();
        var numeric = Enumerable.Repeat(true, columns.Count).ToArray();
        var filled = new bool[columns.Count];
        var printed = printColumns ?? columns.Count;
        var r = 1;
        foreach (var row in rows)
        {
            r++;
            if ((r & 1023) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            for (var c = 0; c < columns.Count; c++)
            {
                var value = columns[c].Value(row);
                var cell = ws.Cell(r, c + 1);
                var len = SetCell(cell, value);
                if (len + 2 > widths[c])
                {
                    widths[c] = len + 2;
                }

                // Styling only the cells that need it keeps a sheet of 100,000 rows quick to save.
                if (value is not null && columns[c].NumberFormat is { } format)
                {
                    cell.Style.NumberFormat.Format = format;
                }

                if (value is not null)
                {
                    filled[c] = true;
                    numeric[c] &= value is int or double or long;
                }

                // Text with line breaks, or longer than its column may grow, wraps in the printed
                // columns: a printed sheet would otherwise cut it at the column's edge.
                if (value is string text && c < printed && !columns[c].OneLine && (text.Contains('\n', StringComparison.Ordinal) || text.Length > WidthLimit(columns[c])))
                {
                    cell.Style.Alignment.WrapText = true;
                    wrapped.Add((r, c, text));
                }
            }
        }

        var header = ws.Range(1, 1, 1, columns.Count);
        header.Style.Font.Bold = true;
        ws.SheetView.FreezeRows(1);
        PrintSetup(ws, repeatHeader: true);
        for (var c = 0; c < columns.Count; c++)
        {
            var col = ws.Column(c + 1);
            col.Width = Math.Clamp(widths[c], 6, WidthLimit(columns[c]));
        }

        // Counts sit centred: right-aligned beside left-aligned text they read as one word ("20Ingress").
        for (var c = 0; c < columns.Count; c++)
        {
            if (filled[c] && numeric[c])
            {
                ws.Column(c + 1).Style.Alignment.Horizontal = XLAlignmentHorizontalValues.Center;
            }
        }

        // Readers do not all grow a row to fit wrapped text, so the few rows that wrap get their height.
        foreach (var byRow in wrapped.GroupBy(w => w.Row))
        {
            var lines = byRow.Max(w => EstimateLines(w.Text, ws.Column(w.Column + 1).Width));
            ws.Row(byRow.Key).Height = Math.Min(409, lines * LineHeight);
        }

        PrintArea(ws, columns, r, printColumns);

        if (r == 1)
        {
            // An Excel table needs a data row; an empty sheet says why it is empty instead.
            header.SetAutoFilter();
            ws.Cell(2, 1).SetValue(emptyNote);
            ws.Cell(2, 1).Style.Font.Italic = true;
            return null;
        }

        var table = ws.Range(1, 1, r, columns.Count).CreateTable(tableName);
        table.Theme = XLTableTheme.TableStyleLight9;
        table.ShowAutoFilter = true;
        table.HeadersRow().Style.Font.Bold = true;
        return table;
    }

    /// <summary>
    /// Fit to one page wide shrinks a sheet of many columns to a type nobody reads on paper; unless
    /// the sheet names its printed columns, the print area stops at the last column that keeps the
    /// print large enough, and the footer says so. The area's rows end at <paramref name="lastRow"/>;
    /// <see cref="ExtendPrintAreas"/> later takes in what is written below the table.
    /// </summary>
    private static void PrintArea<T>(IXLWorksheet ws, IReadOnlyList<SheetColumn<T>> columns, int lastRow, int? printColumns)
    {
        ws.PageSetup.PrintAreas.Clear();
        ws.PageSetup.Footer.Left.Clear();
        if (printColumns is null)
        {
            var printable = PrintableColumns(Enumerable.Range(1, columns.Count).Select(c => ws.Column(c).Width).ToList());
            printColumns = printable < columns.Count ? printable : null;
        }

        if (printColumns is { } pc && pc < columns.Count && lastRow > 1)
        {
            ws.PageSetup.PrintAreas.Add(1, 1, lastRow, pc);
            ws.PageSetup.Footer.Left.AddText($"Printed: columns {columns[0].Header} to {columns[pc - 1].Header}; the workbook holds all {columns.Count}.");
        }
    }

    /// <summary>
    /// Widens each sheet's print area down to its last row: the notes and totals written below a
    /// table, and the rows streamed into it (<paramref name="streamed"/>), which are no ClosedXML
    /// cells, print with it.
    /// </summary>
    public static void ExtendPrintAreas(XLWorkbook wb, IEnumerable<StreamedRows> streamed)
    {
        var streamedLast = streamed.GroupBy(s => s.SheetName, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Max(s => s.LastTableRow), StringComparer.Ordinal);
        foreach (var ws in wb.Worksheets)
        {
            if (ws.PageSetup.PrintAreas.Count() != 1)
            {
                continue;
            }

            var area = ws.PageSetup.PrintAreas.Single();
            var last = Math.Max(area.RangeAddress.LastAddress.RowNumber, Math.Max(ws.LastRowUsed()?.RowNumber() ?? 1, streamedLast.GetValueOrDefault(ws.Name)));
            if (last > area.RangeAddress.LastAddress.RowNumber)
            {
                var (first, columns) = (area.RangeAddress.FirstAddress, area.RangeAddress.LastAddress.ColumnNumber);
                ws.PageSetup.PrintAreas.Clear();
                ws.PageSetup.PrintAreas.Add(first.RowNumber, first.ColumnNumber, last, columns);
            }
        }
    }

    private static double WidthLimit<T>(SheetColumn<T> column) => Math.Max(column.MaxWidth, column.Header.Length + 4);

    /// <summary>Excel's last row; a table of rows streamed by <see cref="WriteLarge{T}"/> leaves room for a note below it.</summary>
    public const int MaxSheetRows = 1_048_576;

    /// <summary>
    /// <see cref="Write{T}"/> up to <paramref name="cellRowsLimit"/> rows; past it the rows are
    /// streamed (<see cref="WriteLarge{T}"/>, added to <paramref name="streamed"/>), as many as a
    /// sheet holds, with a note under a cut table that the JSON report lists every one of the
    /// <paramref name="noun"/>. Returns the table, and whether its rows are streamed.
    /// </summary>
    public static (IXLTable? Table, bool Streamed) WriteMany<T>(IXLWorksheet ws, string tableName, IReadOnlyList<SheetColumn<T>> columns, IReadOnlyList<T> rows,
        string emptyNote, string noun, int cellRowsLimit, List<StreamedRows> streamed, CancellationToken cancellationToken)
    {
        if (rows.Count <= cellRowsLimit)
        {
            return (Write(ws, tableName, columns, rows, emptyNote, cancellationToken), false);
        }

        var listed = Math.Min(rows.Count, MaxSheetRows - 3);
        if (WriteLarge(ws, tableName, columns, rows, listed, emptyNote, cancellationToken) is { } large)
        {
            streamed.Add(large);
        }

        if (rows.Count > listed)
        {
            var note = ws.Cell(listed + 3, 1);
            note.SetValue($"Only the first {ReportText.Number(listed)} of {ReportText.Number(rows.Count)} {noun} are listed here; the JSON report lists every one.");
            note.Style.Font.Bold = true;
        }

        return (ws.Tables.FirstOrDefault(t => t.Name == tableName), true);
    }

    /// <summary>
    /// Like <see cref="Write{T}"/> for tables of many rows of text: the header and the first row are
    /// written here, the rest is returned to be streamed into the saved workbook
    /// (<see cref="StreamedRows"/>), so the rows never exist as ClosedXML cells. Widths come from
    /// every row. Values are written as text.
    /// </summary>
    public static StreamedRows? WriteLarge<T>(IXLWorksheet ws, string tableName, IReadOnlyList<SheetColumn<T>> columns, IReadOnlyList<T> rows, int count, string emptyNote, CancellationToken cancellationToken)
    {
        count = Math.Min(count, rows.Count);
        Write(ws, tableName, columns, rows.Take(Math.Min(count, 1)), emptyNote, cancellationToken);
        if (count <= 1)
        {
            return null;
        }

        var widths = Enumerable.Range(1, columns.Count).Select(c => ws.Column(c).Width).ToArray();
        for (var i = 1; i < count; i++)
        {
            if ((i & 1023) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            for (var c = 0; c < columns.Count; c++)
            {
                var len = LongestLine(Text(columns[c].Value(rows[i])) ?? string.Empty) + 2;
                widths[c] = Math.Max(widths[c], Math.Clamp(len, 6, Math.Max(columns[c].MaxWidth, columns[c].Header.Length + 4)));
            }
        }

        for (var c = 0; c < columns.Count; c++)
        {
            ws.Column(c + 1).Width = widths[c];
        }

        // The print area follows the widths of every row, not only the first's.
        PrintArea(ws, columns, count + 1, null);
        var texts = Enumerable.Range(1, count - 1).Select(i => columns.Select(c => Text(c.Value(rows[i]))).ToArray());
        return new StreamedRows(ws.Name, tableName, columns.Count, FirstRow: 3, texts, count - 1);
    }

    /// <summary>The text a cell shows for a value: cleaned for Excel and cut at its cell limit.</summary>
    private static string? Text(object? value)
    {
        var s = value switch
        {
            null => null,
            string t => t,
            bool b => ReportText.YesNo(b),
            _ => Convert.ToString(value, ReportText.Culture),
        };
        if (string.IsNullOrEmpty(s))
        {
            return null;
        }

        s = ReportText.Clean(s);
        return s.Length > MaxCellText ? string.Concat(s.AsSpan(0, MaxCellText - TruncatedNote.Length), TruncatedNote) : s;
    }

    /// <summary>Auditors print workbooks: landscape, one page wide (long text wraps, so that stays readable), the header row on every printed page.</summary>
    public static void PrintSetup(IXLWorksheet ws, bool repeatHeader)
    {
        ws.PageSetup.PageOrientation = XLPageOrientation.Landscape;
        ws.PageSetup.PaperSize = XLPaperSize.A4Paper;
        ws.PageSetup.FitToPages(1, 0);
        ws.PageSetup.Margins.Left = 0.4;
        ws.PageSetup.Margins.Right = 0.4;
        if (repeatHeader)
        {
            ws.PageSetup.SetRowsToRepeatAtTop(1, 1);
        }

        ws.PageSetup.Footer.Center.AddText(XLHFPredefinedText.SheetName);
        ws.PageSetup.Footer.Right.AddText("Page ");
        ws.PageSetup.Footer.Right.AddText(XLHFPredefinedText.PageNumber);
        ws.PageSetup.Footer.Right.AddText(" of ");
        ws.PageSetup.Footer.Right.AddText(XLHFPredefinedText.NumberOfPages);
    }

    /// <summary>Sets a typed cell value (text never turns into a formula or a number) and returns the widest line's length.</summary>
    public static int SetCell(IXLCell cell, object? value)
    {
        switch (value)
        {
            case null:
                return 0;
            case string s:
                if (s.Length == 0)
                {
                    return 0;
                }

                s = Text(s)!;
                cell.SetValue(s);
                return LongestLine(s);
            case int i:
                cell.SetValue(i);
                return 8;
            case double d:
                cell.SetValue(d);
                return 8;
            case bool b:
                // A boolean cell reads TRUE/FALSE in Excel and 1/0 in LibreOffice; readers get a word.
                cell.SetValue(ReportText.YesNo(b));
                return 3;
            case DateTimeOffset t:
                if (t.Year < 1900)
                {
                    // Excel has no dates before 1900; an unset time stays blank.
                    return 0;
                }

                cell.SetValue(t.UtcDateTime);
                return 18;
            default:
                var text = Convert.ToString(value, ReportText.Culture) ?? string.Empty;
                cell.SetValue(text);
                return LongestLine(text);
        }
    }

    /// <summary>Lines a wrapped cell takes: its line breaks, and long lines folded at the column width (in characters).</summary>
    /// <summary>Points per line of the default 11-point font, with the leading Excel and LibreOffice add.</summary>
    internal const double LineHeight = 15;

    /// <summary>
    /// The widest a printed area may be, in column-width units: an A4 landscape page holds about
    /// 145 at full size, so this keeps a sheet printed one page wide at about 70% or more.
    /// </summary>
    internal const double MaxPrintWidth = 210;

    /// <summary>How many leading columns fit within <see cref="MaxPrintWidth"/>; never fewer than three.</summary>
    internal static int PrintableColumns(IReadOnlyList<double> widths)
    {
        var total = 0.0;
        for (var c = 0; c < widths.Count; c++)
        {
            total += widths[c];
            if (total > MaxPrintWidth)
            {
                return Math.Min(widths.Count, Math.Max(3, c));
            }
        }

        return widths.Count;
    }

    /// <summary>
    /// The lines a wrapped cell takes: words wrap whole, so a line holds less than its width in
    /// characters. A column's width counts its widest digits, which the average character of
    /// Calibri (Excel) matches; the wider faces a reader may substitute (LibreOffice without
    /// Carlito) are why it is not counted as more.
    /// </summary>
    internal static int EstimateLines(string text, double width)
    {
        var perLine = Math.Max(1, (int)width - 1);
        var lines = 0;
        foreach (var line in text.Split('\n'))
        {
            lines++;
            var used = 0;
            foreach (var word in line.Split(' '))
            {
                var length = word.Length;
                if (used > 0 && used + 1 + length > perLine)
                {
                    lines++;
                    used = 0;
                }

                // A word longer than a line breaks where the line ends.
                while (length > perLine)
                {
                    lines++;
                    length -= perLine;
                }

                used += used > 0 ? 1 + length : length;
            }
        }

        return lines;
    }

    private static int LongestLine(string s)
    {
        var nl = s.IndexOf('\n');
        if (nl < 0)
        {
            return s.Length;
        }

        var longest = 0;
        foreach (var line in s.Split('\n'))
        {
            longest = Math.Max(longest, line.Length);
        }

        return longest;
    }
}
