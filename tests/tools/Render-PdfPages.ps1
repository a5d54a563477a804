#Requires -Version 7.4
<#
.SYNOPSIS
    Renders the pages of a PDF report to PNG files so a person can look at them.

.DESCRIPTION
    Uses pdftoppm from Debian's poppler-utils (`apt-get update && apt-get install -y poppler-utils`).
    Writes <name>-<page>.png into -OutputDirectory (default: a folder named after the PDF beside it)
    and returns the files. Use it on the demo report (out/demo/*.pdf) or on the test reports
    (out/test-reports/*.pdf) after changing the PDF layout, then open the pictures.

.EXAMPLE
    ./tests/tools/Render-PdfPages.ps1 -Path out/test-reports/sample.pdf

    Renders every page at 80 dpi into out/test-reports/sample/.

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
$pdf = (Resolve-Path -LiteralPath $Path).Path
$tool = Get-Command pdftoppm -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
if (-not $tool) {
    throw 'pdftoppm was not found. Install it with: apt-get update && apt-get install -y poppler-utils'
}

if (-not $OutputDirectory) {
    $OutputDirectory = Join-Path (Split-Path $pdf -Parent) ([IO.Path]::GetFileNameWithoutExtension($pdf))
}
New-Item -ItemType Directory -Path $OutputDirectory -Force | Out-Null
$prefix = Join-Path $OutputDirectory ([IO.Path]::GetFileNameWithoutExtension($pdf))
Get-ChildItem -LiteralPath $OutputDirectory -Filter '*.png' | Remove-Item

$arguments = @('-png', '-r', $Dpi, '-f', $FirstPage)
if ($LastPage) { $arguments += @('-l', $LastPage) }
& $tool.Source @arguments $pdf $prefix
if ($LASTEXITCODE -ne 0) { throw "pdftoppm failed with exit code $LASTEXITCODE" }

Get-ChildItem -LiteralPath $OutputDirectory -Filter '*.png' | Sort-Object Name
