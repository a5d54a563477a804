# Dot-sourced by every Pester file: where the built module, the fixtures and the shared data are.
$script:RepoRoot = if ($env:NETSECPS_ROOT) { $env:NETSECPS_ROOT } else { (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path }
$script:ModulePath = if ($env:NETSECPS_MODULE) { $env:NETSECPS_MODULE } else { Join-Path $RepoRoot 'out/NetSecPS/NetSecPS.psd1' }
$script:Fixtures = Join-Path $RepoRoot 'tests/fixtures'
$script:Samples = Join-Path $RepoRoot 'samples'
# Conformance data is not part of the repository: NETSECPS_CONFORMANCE_DIR names its folder, else
# the 'shared/conformance' folder beside the repository (README, "Testing").
$script:ConformanceRoot = if ($env:NETSECPS_CONFORMANCE_DIR) { $env:NETSECPS_CONFORMANCE_DIR } else { Join-Path (Split-Path $RepoRoot -Parent) 'shared/conformance' }
$script:Conformance = Join-Path $ConformanceRoot 'netpol-analyzer'

# Skips the current It when a conformance suite's data is absent, with the reason.
function Skip-WithoutConformance {
    param([string] $Suite = 'netpol-analyzer')
    $dir = Join-Path $ConformanceRoot $Suite
    if (-not (Test-Path -LiteralPath $dir -PathType Container)) {
        Set-ItResult -Skipped -Because "conformance data '$Suite' not found at $dir (set NETSECPS_CONFORMANCE_DIR to the folder that holds it)"
    }
}
$script:NuGetRoot = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }

# Runs a script in a fresh PowerShell process (the same pwsh as this one) and returns its output lines.
function Invoke-FreshPwsh {
    param([Parameter(Mandatory)][string] $Script)
    $file = Join-Path ([IO.Path]::GetTempPath()) ("netsecps-" + [guid]::NewGuid().ToString('N') + '.ps1')
    Set-Content -LiteralPath $file -Value $Script
    try {
        $exe = [Environment]::ProcessPath
        if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') {
            $output = & $exe pwsh -NoProfile -NonInteractive -File $file 2>&1
        }
        else {
            $output = & $exe -NoProfile -NonInteractive -File $file 2>&1
        }
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = @($output | ForEach-Object { "$_" }) }
    }
    finally { Remove-Item -LiteralPath $file -ErrorAction SilentlyContinue }
}

# Every text a set of written files holds, to grep it for credentials: plain files as read,
# .json.gz inflated, workbooks unzipped, and every Flate stream of a PDF inflated (PDF text is
# compressed).
function Get-WrittenText {
    param([string[]] $Path)
    foreach ($file in Get-ChildItem -LiteralPath $Path -Recurse -File -Force) {
        $bytes = [IO.File]::ReadAllBytes($file.FullName)
        "== $($file.Name)"
        if ($file.Name -like '*.gz') {
            $gz = [IO.Compression.GZipStream]::new([IO.MemoryStream]::new($bytes), [IO.Compression.CompressionMode]::Decompress)
            try { [IO.StreamReader]::new($gz).ReadToEnd() } finally { $gz.Dispose() }
        }
        elseif ($file.Extension -eq '.xlsx') {
            $zip = [IO.Compression.ZipArchive]::new([IO.MemoryStream]::new($bytes))
            try { foreach ($e in $zip.Entries) { $r = [IO.StreamReader]::new($e.Open()); try { $r.ReadToEnd() } finally { $r.Dispose() } } } finally { $zip.Dispose() }
        }
        elseif ($file.Extension -eq '.pdf') {
            $latin = [Text.Encoding]::Latin1.GetString($bytes)
            $latin
            foreach ($m in [regex]::Matches($latin, 'stream\r?\n')) {
                $start = $m.Index + $m.Length
                $end = $latin.IndexOf('endstream', $start)
                if ($end -lt 0) { continue }
                try {
                    $z = [IO.Compression.ZLibStream]::new([IO.MemoryStream]::new($bytes, $start, $end - $start), [IO.Compression.CompressionMode]::Decompress)
                    try { [Text.Encoding]::Latin1.GetString(([IO.StreamReader]::new($z, [Text.Encoding]::Latin1)).ReadToEnd()) } finally { $z.Dispose() }
                }
                catch { Write-Verbose "the stream at $start is not zlib-compressed: $_" }
            }
        }
        else { [Text.Encoding]::UTF8.GetString($bytes) }
    }
}
