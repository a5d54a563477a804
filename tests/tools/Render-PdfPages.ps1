#Requires -Version 7.4
<#
.SYNOPSIS
    Renders the pages of a PDF report, or of an Excel workbook as it prints, to PNG files so a
    person can look at them.

.DESCRIPTION
    A workbook (.xlsx) is first printed to PDF by LibreOffice headless, with its print areas,
    landscape setup and footers, the way an auditor's printer would; then every page is rendered
    by pdftoppm. Writes <name>-<page>.png into -OutputDirectory (default: a folder named after the
    report beside it) and returns the files.

    Not part of the test suite, which needs neither a display nor LibreOffice. The tools come from
    Debian packages: poppler-utils (pdftoppm), libreoffice-calc-nogui (soffice) and
    fonts-crosextra-carlito (Carlito has Calibri's metrics, so rows wrap as in Excel). A missing
    one is installed with apt-get when the script runs as root; otherwise the script says which
    command to run.

.EXAMPLE
    ./tests/tools/Render-PdfPages.ps1 -Path out/test-reports/sample.pdf

    Renders every page at 80 dpi into out/test-reports/sample/.

.EXAMPLE
    ./tests/tools/Render-PdfPages.ps1 -Path out/demo/demo.xlsx -Dpi 60

    Prints the demo workbook to PDF with LibreOffice and renders each printed page into out/demo/demo/.

.EXAMPLE
    ./tests/tools/Render-PdfPages.ps1 -Path out/demo/demo.pdf -FirstPage 1 -LastPage 3 -Dpi 150

    Renders the cover, the executive summary and the next page at print-like resolution.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory, Position = 0)]
    [string] $Path,

    [string] $OutputDirectory,

    [ValidateRange(30, 600)]
    [int] $Dpi = 80,

    [ValidateRange(1, 100000)]
    [int] $FirstPage = 1,

    [ValidateRange(1, 100000)]
    [int] $LastPage
)

$ErrorActionPreference = 'Stop'

function Install-DebianPackage([string] $Package) {
    $apt = Get-Command apt-get -CommandType Application -ErrorAction SilentlyContinue
    if (-not $apt -or (& id -u) -ne '0') { return $false }
    Write-Verbose "Installing $Package"
    & $apt.Source update -qq | Out-Null
    & $apt.Source install -y -qq --no-install-recommends $Package | Out-Null
    $LASTEXITCODE -eq 0
}

function Get-Tool([string] $Name, [string] $Package) {
    $tool = Get-Command $Name -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if (-not $tool -and (Install-DebianPackage $Package)) {
        $tool = Get-Command $Name -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    }
    if (-not $tool) { throw "$Name was not found. Install it with: apt-get update && apt-get install -y $Package" }
    $tool
}

$report = (Resolve-Path -LiteralPath $Path).Path
$name = [IO.Path]::GetFileNameWithoutExtension($report)
if (-not $OutputDirectory) {
    $OutputDirectory = Join-Path (Split-Path $report -Parent) $name
}
New-Item -ItemType Directory -Path $OutputDirectory -Force | Out-Null
$pdftoppm = Get-Tool pdftoppm poppler-utils

$pdf = $report
$scratch = $null
if ([IO.Path]::GetExtension($report) -in '.xlsx', '.xls', '.ods') {
    $soffice = Get-Tool soffice libreoffice-calc-nogui
    $fonts = Get-Command fc-list -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if ($fonts -and -not (& $fonts.Source | Select-String -SimpleMatch Carlito) -and -not (Install-DebianPackage fonts-crosextra-carlito)) {
        Write-Warning 'Carlito is not installed (apt-get install -y fonts-crosextra-carlito): LibreOffice substitutes a wider font, so text wraps and clips more than in Excel.'
    }
    # A profile of its own, so a LibreOffice already open for the user neither blocks nor takes the conversion.
    $scratch = Join-Path ([IO.Path]::GetTempPath()) "netsecps-render-$([guid]::NewGuid().ToString('N'))"
    New-Item -ItemType Directory -Path $scratch | Out-Null
    $profileUri = ([uri] (Join-Path $scratch 'profile')).AbsoluteUri
    & $soffice.Source "-env:UserInstallation=$profileUri" --headless --convert-to pdf --outdir $scratch $report | Write-Verbose
    $pdf = Join-Path $scratch "$name.pdf"
    if (-not (Test-Path -LiteralPath $pdf)) {
        Remove-Item -LiteralPath $scratch -Recurse -Force
        throw "LibreOffice could not print $report to PDF (exit code $LASTEXITCODE)."
    }
}

try {
    $prefix = Join-Path $OutputDirectory $name
    Get-ChildItem -LiteralPath $OutputDirectory -Filter '*.png' | Remove-Item
    $arguments = @('-png', '-r', $Dpi, '-f', $FirstPage)
    if ($LastPage) { $arguments += @('-l', $LastPage) }
    & $pdftoppm.Source @arguments $pdf $prefix
    if ($LASTEXITCODE -ne 0) { throw "pdftoppm failed with exit code $LASTEXITCODE" }
}
finally {
    if ($scratch) { Remove-Item -LiteralPath $scratch -Recurse -Force -ErrorAction SilentlyContinue }
}

Get-ChildItem -LiteralPath $OutputDirectory -Filter '*.png' | Sort-Object Name
