using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace NetSecPS.Reports.Excel;

/// <summary>
/// The rows of a large table that are written straight into the workbook file instead of through
/// ClosedXML. ClosedXML holds every cell as an object until it saves (about 450 MiB for 100,000
/// flows of five columns); here ClosedXML lays out the sheet with its header and first row
/// (styles, widths, table, print setup), and <see cref="StreamedWorkbook"/> then copies the saved
/// package into the output, writing the remaining rows into that sheet's XML one at a time.
/// </summary>
/// <param name="FirstRow">Row number (1-based) of the first streamed row: the table's header and first data row come before it.</param>
/// <param name="Rows">Cell texts per row, already cleaned for Excel.</param>
internal sealed record StreamedRows(string SheetName, string TableName, int ColumnCount, int FirstRow, IEnumerable<string?[]> Rows, int RowCount)
{
    /// <summary>Last row of the table once the rows are in.</summary>
    public int LastTableRow => FirstRow + RowCount - 1;

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

/// <summary>
/// Copies a workbook saved by ClosedXML into the output package entry by entry (no part is held
/// whole in memory), streaming the rows of <see cref="StreamedRows"/> into their sheets and
/// widening their tables' ranges. Only <c>System.IO.Compression</c> and small XML documents are
/// used: the Open XML SDK's packages buffer every part they write.
/// </summary>
internal static partial class StreamedWorkbook
{
    private static readonly XNamespace Main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    private static readonly XNamespace OfficeRelationships = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    private static readonly XNamespace PackageRelationships = "http://schemas.openxmlformats.org/package/2006/relationships";
    private const string Marker = "netsecps-streamed-rows";

    public static void Write(Stream saved, IReadOnlyList<StreamedRows> tables, Stream output, CancellationToken cancellationToken)
    {
        using var source = new ZipArchive(saved, ZipArchiveMode.Read, leaveOpen: true);
        var sheets = new Dictionary<string, StreamedRows>(StringComparer.Ordinal);
        var tableParts = new Dictionary<string, StreamedRows>(StringComparer.Ordinal);
        foreach (var t in tables.Where(t => t.RowCount > 0))
        {
            var (sheetPath, tablePath) = Locate(source, t);
            sheets[sheetPath] = t;
            tableParts[tablePath] = t;
        }

        using var target = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true);
        foreach (var entry in source.Entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var copy = target.CreateEntry(entry.FullName, CompressionLevel.Optimal);
            copy.LastWriteTime = entry.LastWriteTime;
            using var to = copy.Open();
            if (sheets.TryGetValue(entry.FullName, out var rows))
            {
                WriteSheet(Load(entry), rows, to, cancellationToken);
            }
            else if (tableParts.TryGetValue(entry.FullName, out var table))
            {
                var doc = Load(entry);
                var reference = $"A1:{StreamedRows.ColumnName(table.ColumnCount)}{table.LastTableRow}";
                doc.Root!.SetAttributeValue("ref", reference);
                doc.Root.Element(Main + "autoFilter")?.SetAttributeValue("ref", reference);
                doc.Save(to, SaveOptions.DisableFormatting);
            }
            else
            {
                using var from = entry.Open();
                from.CopyTo(to);
            }
        }
    }

    /// <summary>The package paths of the table's sheet and of the table part, from the workbook's relationships.</summary>
    private static (string Sheet, string Table) Locate(ZipArchive package, StreamedRows t)
    {
        var workbookPath = Targets(package, "_rels/.rels", string.Empty)
            .FirstOrDefault(r => r.Type.EndsWith("/officeDocument", StringComparison.Ordinal)).Target
            ?? throw new InvalidDataException("The saved workbook has no main part.");
        var workbook = Load(Entry(package, workbookPath));
        var sheet = workbook.Root!.Element(Main + "sheets")?.Elements(Main + "sheet").FirstOrDefault(s => (string?)s.Attribute("name") == t.SheetName)
            ?? throw new InvalidDataException($"The saved workbook has no sheet '{t.SheetName}'.");
        var sheetId = (string?)sheet.Attribute(OfficeRelationships + "id");
        var sheetPath = Targets(package, RelationshipsOf(workbookPath), Folder(workbookPath)).FirstOrDefault(r => r.Id == sheetId).Target
            ?? throw new InvalidDataException($"The sheet '{t.SheetName}' has no part.");
        foreach (var (_, _, tablePath) in Targets(package, RelationshipsOf(sheetPath), Folder(sheetPath)).Where(r => r.Type.EndsWith("/table", StringComparison.Ordinal)))
        {
            var table = Load(Entry(package, tablePath));
            if ((string?)table.Root!.Attribute("name") == t.TableName || (string?)table.Root.Attribute("displayName") == t.TableName)
            {
                return (sheetPath, tablePath);
            }
        }

        throw new InvalidDataException($"The sheet '{t.SheetName}' has no table '{t.TableName}'.");
    }

    private static IEnumerable<(string Id, string Type, string Target)> Targets(ZipArchive package, string relsPath, string folder)
    {
        if (package.GetEntry(relsPath) is not { } entry)
        {
            yield break;
        }

        foreach (var r in Load(entry).Root!.Elements(PackageRelationships + "Relationship"))
        {
            var target = (string?)r.Attribute("Target") ?? string.Empty;
            var path = target.StartsWith('/') ? target[1..] : Normalize(folder + target);
            yield return ((string?)r.Attribute("Id") ?? string.Empty, (string?)r.Attribute("Type") ?? string.Empty, path);
        }
    }

    private static string RelationshipsOf(string partPath) => Folder(partPath) + "_rels/" + partPath[(partPath.LastIndexOf('/') + 1)..] + ".rels";

    private static string Folder(string partPath) => partPath.Contains('/', StringComparison.Ordinal) ? partPath[..(partPath.LastIndexOf('/') + 1)] : string.Empty;

    /// <summary>Resolves <c>..</c> in a relative target.</summary>
    private static string Normalize(string path)
    {
        var parts = new List<string>();
        foreach (var p in path.Split('/'))
        {
            if (p == "..")
            {
                if (parts.Count > 0)
                {
                    parts.RemoveAt(parts.Count - 1);
                }
            }
            else if (p is not ("." or ""))
            {
                parts.Add(p);
            }
        }

        return string.Join('/', parts);
    }

    private static ZipArchiveEntry Entry(ZipArchive package, string path) =>
        package.GetEntry(path) ?? throw new InvalidDataException($"The saved workbook has no part {path}.");

    private static XDocument Load(ZipArchiveEntry entry)
    {
        using var s = entry.Open();
        return XDocument.Load(s);
    }

    /// <summary>
    /// The sheet as ClosedXML wrote it (header, first row, notes below the table) with the streamed
    /// rows between the first row and the notes, and its dimension widened.
    /// </summary>
    private static void WriteSheet(XDocument sheet, StreamedRows t, Stream to, CancellationToken cancellationToken)
    {
        var root = sheet.Root!;
        var data = root.Element(Main + "sheetData") ?? throw new InvalidDataException($"The sheet '{t.SheetName}' has no data.");
        var after = data.Elements(Main + "row").Where(r => (int?)r.Attribute("r") > t.LastTableRow).ToList();
        foreach (var r in data.Elements(Main + "row").Where(r => (int?)r.Attribute("r") >= t.FirstRow).ToList())
        {
            r.Remove();
        }

        var lastRow = Math.Max(t.LastTableRow, after.Select(r => (int?)r.Attribute("r") ?? 0).DefaultIfEmpty(0).Max());
        root.Element(Main + "dimension")?.SetAttributeValue("ref", $"A1:{StreamedRows.ColumnName(t.ColumnCount)}{lastRow}");
        foreach (var format in root.Elements(Main + "conditionalFormatting"))
        {
            format.SetAttributeValue("sqref", ExtendToTable((string?)format.Attribute("sqref"), t));
        }

        var styles = ColumnStyles(root, t.ColumnCount);
        data.Add(new XComment(Marker));

        // The small document is written around the marker; the rows go straight into the entry's stream.
        var text = sheet.Declaration + sheet.ToString(SaveOptions.DisableFormatting);
        var at = text.IndexOf("<!--" + Marker + "-->", StringComparison.Ordinal);
        using var writer = new StreamWriter(to, new UTF8Encoding(false), 1 << 16);
        writer.Write(text.AsSpan(0, at));
        writer.Flush();
        using (var xml = XmlWriter.Create(writer, new XmlWriterSettings { ConformanceLevel = ConformanceLevel.Fragment, CheckCharacters = false, CloseOutput = false }))
        {
            WriteRows(xml, t, styles, cancellationToken);
            foreach (var r in after)
            {
                r.WriteTo(xml);
            }
        }

        writer.Write(text.AsSpan(at + Marker.Length + 7));
    }

    /// <summary>
    /// A conditional format laid on the table's first data row (all ClosedXML saw of a streamed
    /// table) widened to every row of the table: <c>E2:E2</c> becomes <c>E2:E40001</c>.
    /// </summary>
    internal static string? ExtendToTable(string? sqref, StreamedRows t)
    {
        if (sqref is null)
        {
            return null;
        }

        var firstDataRow = t.FirstRow - 1;
        var parts = sqref.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(part =>
        {
            var m = CellRange().Match(part);
            if (!m.Success || int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) != firstDataRow
                || (m.Groups[4].Success && int.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture) != firstDataRow))
            {
                return part;
            }

            var lastColumn = m.Groups[3].Success ? m.Groups[3].Value : m.Groups[1].Value;
            return $"{m.Groups[1].Value}{firstDataRow}:{lastColumn}{t.LastTableRow}";
        });
        return string.Join(' ', parts);
    }

    [System.Text.RegularExpressions.GeneratedRegex("^([A-Z]+)([0-9]+)(?::([A-Z]+)([0-9]+))?$")]
    private static partial System.Text.RegularExpressions.Regex CellRange();

    private static void WriteRows(XmlWriter xml, StreamedRows t, string?[] styles, CancellationToken cancellationToken)
    {
        var ns = Main.NamespaceName;
        var names = Enumerable.Range(1, t.ColumnCount).Select(StreamedRows.ColumnName).ToArray();
        var number = t.FirstRow;
        foreach (var values in t.Rows.Take(t.RowCount))
        {
            if ((number & 1023) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var rowText = number.ToString(CultureInfo.InvariantCulture);
            xml.WriteStartElement("row", ns);
            xml.WriteAttributeString("r", rowText);
            for (var c = 0; c < t.ColumnCount && c < values.Length; c++)
            {
                if (string.IsNullOrEmpty(values[c]))
                {
                    continue;
                }

                xml.WriteStartElement("c", ns);
                xml.WriteAttributeString("r", names[c] + rowText);
                if (styles[c] is { } s)
                {
                    xml.WriteAttributeString("s", s);
                }

                xml.WriteAttributeString("t", "inlineStr");
                xml.WriteStartElement("is", ns);
                xml.WriteStartElement("t", ns);
                if (values[c]!.Trim().Length != values[c]!.Length)
                {
                    xml.WriteAttributeString("xml", "space", null, "preserve");
                }

                xml.WriteString(values[c]);
                xml.WriteEndElement();
                xml.WriteEndElement();
                xml.WriteEndElement();
            }

            xml.WriteEndElement();
            number++;
        }
    }

    /// <summary>The style of each column (what ClosedXML gave the column), for the streamed cells.</summary>
    private static string?[] ColumnStyles(XElement worksheet, int count)
    {
        var styles = new string?[count];
        foreach (var col in worksheet.Element(Main + "cols")?.Elements(Main + "col") ?? Enumerable.Empty<XElement>())
        {
            var min = (int?)col.Attribute("min") ?? 1;
            var max = (int?)col.Attribute("max") ?? 0;
            for (var i = min; i <= max && i <= count; i++)
            {
                styles[i - 1] = (string?)col.Attribute("style");
            }
        }

        return styles;
    }
}
