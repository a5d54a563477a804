using System.Globalization;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;

namespace NetSecPS.Reports.Excel;

/// <summary>
/// The rows of a large table that are written straight into the saved workbook instead of
/// through ClosedXML. ClosedXML holds every cell as an object until it saves (about 450 MiB for
/// 100,000 flows of five columns); here the sheet is laid out by ClosedXML with its header and
/// first row (styles, widths, table, print setup), and after saving, the remaining rows are
/// streamed into that sheet's XML one at a time as inline strings, and the table's range is
/// widened to them.
/// </summary>
internal sealed class StreamedRows
{
    public StreamedRows(string sheetName, string tableName, int columnCount, int firstRow, IEnumerable<string?[]> rows, int rowCount)
    {
        SheetName = sheetName;
        TableName = tableName;
        ColumnCount = columnCount;
        FirstRow = firstRow;
        Rows = rows;
        RowCount = rowCount;
    }

    public string SheetName { get; }
    public string TableName { get; }
    public int ColumnCount { get; }

    /// <summary>Row number (1-based) of the first streamed row: the table's header and first data row come before it.</summary>
    public int FirstRow { get; }

    /// <summary>Cell texts per row, already cleaned for Excel.</summary>
    public IEnumerable<string?[]> Rows { get; }
    public int RowCount { get; }

    /// <summary>Last row of the table once the rows are in.</summary>
    public int LastTableRow => FirstRow + RowCount - 1;

    /// <summary>Streams the rows into the workbook saved in <paramref name="package"/> (readable, writable, seekable).</summary>
    public void Apply(Stream package, CancellationToken cancellationToken)
    {
        if (RowCount == 0)
        {
            return;
        }

        using var document = SpreadsheetDocument.Open(package, isEditable: true);
        var workbookPart = document.WorkbookPart ?? throw new InvalidOperationException("The workbook has no workbook part.");
        var sheet = workbookPart.Workbook.Sheets?.Elements<Sheet>().FirstOrDefault(s => s.Name?.Value == SheetName)
            ?? throw new InvalidOperationException($"The workbook has no sheet '{SheetName}'.");
        var part = (WorksheetPart)workbookPart.GetPartById(sheet.Id!.Value!);

        // The sheet as ClosedXML wrote it is small (header, first row, notes): read it as a detached tree.
        string xml;
        using (var reader = new StreamReader(part.GetStream(FileMode.Open, FileAccess.Read)))
        {
            xml = reader.ReadToEnd();
        }

        if (xml.StartsWith("<?xml", StringComparison.Ordinal))
        {
            // The element constructor takes the root element only, without the XML declaration.
            xml = xml[(xml.IndexOf("?>", StringComparison.Ordinal) + 2)..].TrimStart();
        }

        var old = new Worksheet(xml);
        var styles = ColumnStyles(old);
        var lastColumn = ColumnName(ColumnCount);
        using (var writer = OpenXmlWriter.Create(part.GetStream(FileMode.Create, FileAccess.Write)))
        {
            writer.WriteStartDocument();
            writer.WriteStartElement(old, old.GetAttributes(), old.NamespaceDeclarations);
            foreach (var child in old.ChildElements)
            {
                switch (child)
                {
                    case SheetDimension:
                        var lastRow = Math.Max(LastTableRow, old.GetFirstChild<SheetData>()?.Elements<Row>().Select(r => (int)(r.RowIndex?.Value ?? 0)).DefaultIfEmpty(0).Max() ?? 0);
                        writer.WriteElement(new SheetDimension { Reference = $"A1:{lastColumn}{lastRow}" });
                        break;
                    case SheetData data:
                        writer.WriteStartElement(new SheetData());
                        var rows = data.Elements<Row>().ToList();
                        foreach (var row in rows.Where(r => r.RowIndex?.Value < FirstRow))
                        {
                            writer.WriteElement(row);
                        }

                        WriteRows(writer, styles, cancellationToken);
                        foreach (var row in rows.Where(r => r.RowIndex?.Value > LastTableRow))
                        {
                            writer.WriteElement(row);
                        }

                        writer.WriteEndElement();
                        break;
                    default:
                        writer.WriteElement(child);
                        break;
                }
            }

            writer.WriteEndElement();
        }

        var table = part.TableDefinitionParts.Select(t => t.Table).FirstOrDefault(t => t.Name?.Value == TableName)
            ?? throw new InvalidOperationException($"The sheet '{SheetName}' has no table '{TableName}'.");
        var reference = $"A1:{lastColumn}{LastTableRow}";
        table.Reference = reference;
        if (table.AutoFilter is { } filter)
        {
            filter.Reference = reference;
        }

        table.Save();
    }

    private void WriteRows(OpenXmlWriter writer, uint?[] styles, CancellationToken cancellationToken)
    {
        var names = Enumerable.Range(1, ColumnCount).Select(ColumnName).ToArray();
        var number = FirstRow;
        foreach (var values in Rows.Take(RowCount))
        {
            if ((number & 1023) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var rowText = number.ToString(CultureInfo.InvariantCulture);
            writer.WriteStartElement(new Row(), new[] { new OpenXmlAttribute("r", string.Empty, rowText) });
            for (var c = 0; c < ColumnCount && c < values.Length; c++)
            {
                if (string.IsNullOrEmpty(values[c]))
                {
                    continue;
                }

                var attributes = new List<OpenXmlAttribute>(3)
                {
                    new("r", string.Empty, names[c] + rowText),
                    new("t", string.Empty, "inlineStr"),
                };
                if (styles[c] is { } s)
                {
                    attributes.Add(new("s", string.Empty, s.ToString(CultureInfo.InvariantCulture)));
                }

                writer.WriteStartElement(new Cell(), attributes);
                writer.WriteStartElement(new InlineString());
                var text = new Text(values[c]!);
                if (values[c]!.Trim().Length != values[c]!.Length)
                {
                    text.Space = SpaceProcessingModeValues.Preserve;
                }

                writer.WriteElement(text);
                writer.WriteEndElement();
                writer.WriteEndElement();
            }

            writer.WriteEndElement();
            number++;
        }
    }

    /// <summary>The style of each column (what ClosedXML gave the column), for the streamed cells.</summary>
    private uint?[] ColumnStyles(Worksheet worksheet)
    {
        var styles = new uint?[ColumnCount];
        foreach (var col in worksheet.GetFirstChild<Columns>()?.Elements<Column>() ?? Enumerable.Empty<Column>())
        {
            for (var i = (int)(col.Min?.Value ?? 1); i <= (int)(col.Max?.Value ?? 0) && i <= ColumnCount; i++)
            {
                styles[i - 1] = col.Style?.Value;
            }
        }

        return styles;
    }

    /// <summary>A, B, … Z, AA, …</summary>
    internal static string ColumnName(int number)
    {
        var name = string.Empty;
        while (number > 0)
        {
            var m = (number - 1) % 26;
            name = (char)('A' + m) + name;
            number = (number - 1) / 26;
        }

        return name;
    }
}
