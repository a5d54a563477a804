namespace NetSecPS.Reports;

/// <summary>How a report is laid out. The defaults suit an auditor; every limit is stated in the report when it applies.</summary>
internal sealed record ReportOptions
{
    /// <summary>Title on the cover and in the running header; the scan's profile title when null.</summary>
    public string? Title { get; init; }

    /// <summary>Organization shown under the title; the scan's profile organization when null.</summary>
    public string? Organization { get; init; }

    /// <summary>
    /// Most flows listed one per row in the workbook: by default as many as a sheet holds
    /// (1,048,573 below the header, with room for the note that says where the list was cut).
    /// The namespace matrix always covers them all.
    /// </summary>
    public int MaxFlowRows { get; init; } = Excel.ExcelReport.MaxFlowSheetRows;

    /// <summary>Most namespaces on each axis of the workbook's namespace matrix.</summary>
    public int MaxMatrixNamespaces { get; init; } = 200;

    /// <summary>Most findings listed per check in the PDF; the workbook, CSV and JSON list every one.</summary>
    public int MaxPdfFindingsPerCheck { get; init; } = 150;

    /// <summary>Most drift records listed in the PDF.</summary>
    public int MaxPdfDriftRecords { get; init; } = 200;

    /// <summary>Distinct remediation manifests printed per check in the PDF; the workbook holds each finding's own.</summary>
    public int MaxPdfManifestsPerCheck { get; init; } = 1;

    /// <summary>
    /// Folder that relative SARIF locations start from (usually the repository root or the current
    /// directory); manifest paths under it become relative URIs so code scanning can place them.
    /// </summary>
    public string? SourceRoot { get; init; }

    /// <summary>The title to print: the option, else the profile's.</summary>
    internal string TitleFor(ScanResult scan) => string.IsNullOrWhiteSpace(Title) ? scan.Profile.Title : Title;

    internal string? OrganizationFor(ScanResult scan) => string.IsNullOrWhiteSpace(Organization) ? scan.Profile.Organization : Organization;
}
