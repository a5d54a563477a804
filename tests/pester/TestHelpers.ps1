# Dot-sourced by every Pester file: where the built module, the fixtures and the shared data are.
$script:RepoRoot = if ($env:NETSECPS_ROOT) { $env:NETSECPS_ROOT } else { (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path }
$script:ModulePath = if ($env:NETSECPS_MODULE) { $env:NETSECPS_MODULE } else { Join-Path $RepoRoot 'out/NetSecPS/NetSecPS.psd1' }
$script:Fixtures = Join-Path $RepoRoot 'tests/fixtures'
$script:Samples = Join-Path $RepoRoot 'samples'
$script:Conformance = Join-Path (Split-Path $RepoRoot -Parent) 'shared/conformance/netpol-analyzer'
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
