#Requires -Version 7.4

<#
.SYNOPSIS
    The one entry point of the NetSecPS build: build, test, demo, bench.

.DESCRIPTION
    Run as `dotnet tool restore && dotnet pwsh ./build.ps1 <task>`. Only the .NET SDK is
    needed: PowerShell comes as a local dotnet tool, Pester as a NuGet package download.

    build  builds the module into out/NetSecPS (importable as out/NetSecPS/NetSecPS.psd1)
    test   builds, runs every xUnit project and every Pester file against the built module,
           and ends with one line "N passed, N failed"
    demo   builds and runs the main job on the demo cluster in samples/
    bench  builds and runs the benchmarks
    docs   regenerates docs/checks.md from the check classes (a test fails when it is not current)
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('build', 'test', 'demo', 'bench', 'docs', 'clean')]
    [string] $Task = 'build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Only run tests whose names match (passed to dotnet test --filter and Pester -FullNameFilter).
    [string] $Filter,

    # Skip the xUnit projects (Pester only) or the Pester files (xUnit only).
    [switch] $NoXunit,
    [switch] $NoPester,

    # Extra arguments for the benchmark runner.
    [string[]] $BenchArgs = @()
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = $PSScriptRoot
$out = Join-Path $root 'out'
$moduleOut = Join-Path $out 'NetSecPS'
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'

function Invoke-Native {
    param([Parameter(Mandatory)][string] $FilePath, [string[]] $ArgumentList = @(), [switch] $AllowFailure)
    Write-Verbose "$FilePath $($ArgumentList -join ' ')"
    & $FilePath @ArgumentList
    if ($LASTEXITCODE -ne 0 -and -not $AllowFailure) {
        throw "'$FilePath $($ArgumentList -join ' ')' failed with exit code $LASTEXITCODE"
    }
}

# Merges the view fragments in module/formats into one NetSecPS.Format.ps1xml.
function Merge-FormatFile {
    param([string] $Destination)
    $merged = [xml]'<?xml version="1.0" encoding="utf-8"?><Configuration><ViewDefinitions/></Configuration>'
    $target = $merged.Configuration.SelectSingleNode('ViewDefinitions')
    foreach ($file in Get-ChildItem (Join-Path $root 'module/formats') -Filter '*.ps1xml' | Sort-Object Name) {
        $doc = [xml](Get-Content -LiteralPath $file.FullName -Raw)
        foreach ($view in $doc.Configuration.ViewDefinitions.ChildNodes) {
            if ($view.NodeType -eq 'Element') { [void]$target.AppendChild($merged.ImportNode($view, $true)) }
        }
    }
    $merged.Save($Destination)
}

function Invoke-Build {
    $publish = Join-Path $out 'publish'
    if (Test-Path $publish) { Remove-Item $publish -Recurse -Force }
    Invoke-Native dotnet @('publish', (Join-Path $root 'src/NetSecPS/NetSecPS.csproj'), '-c', $Configuration, '-o', $publish, '--nologo', '-v', 'quiet') | Out-Null

    if (Test-Path $moduleOut) { Remove-Item $moduleOut -Recurse -Force }
    $bin = New-Item -ItemType Directory -Path (Join-Path $moduleOut 'bin') -Force
    # Ship what the module needs and nothing PowerShell already provides.
    $exclude = @('System.Management.Automation.dll', 'Microsoft.PowerShell.*.dll')
    Get-ChildItem $publish -File | Where-Object {
        $name = $_.Name
        ($_.Extension -in '.dll', '.pdb', '.json') -and -not ($exclude | Where-Object { $name -like $_ })
    } | Copy-Item -Destination $bin
    Copy-Item (Join-Path $root 'module/NetSecPS.psd1'), (Join-Path $root 'module/NetSecPS.psm1') -Destination $moduleOut
    Merge-FormatFile (Join-Path $moduleOut 'NetSecPS.Format.ps1xml')
    $help = New-Item -ItemType Directory -Path (Join-Path $moduleOut 'en-US') -Force
    Push-Location $root
    try {
        Invoke-Native dotnet @('pwsh', '-NoProfile', '-NonInteractive', '-File', (Join-Path $root 'module/Build-Help.ps1'),
            '-ModulePath', (Join-Path $moduleOut 'NetSecPS.psd1'), '-HelpSource', (Join-Path $root 'module/en-US/help'),
            '-Destination', (Join-Path $help 'NetSecPS.dll-Help.xml')) | Out-Host
    }
    finally { Pop-Location }
    Copy-Item (Join-Path $root 'module/en-US/*.txt') -Destination $help
    $profiles = Join-Path $root 'reports/profiles'
    if (Test-Path $profiles) {
        Copy-Item $profiles -Destination (Join-Path $moduleOut 'profiles') -Recurse
    }
    Write-Host "Built module: $(Join-Path $moduleOut 'NetSecPS.psd1')"
}

# Reads the counters of the TRX files that dotnet test wrote.
function Get-TrxCounts {
    param([string] $Directory)
    $passed = 0; $failed = 0; $skipped = 0
    foreach ($trx in Get-ChildItem $Directory -Filter '*.trx' -Recurse -ErrorAction SilentlyContinue) {
        $xml = [xml](Get-Content -LiteralPath $trx.FullName -Raw)
        $c = $xml.TestRun.ResultSummary.Counters
        $passed += [int]$c.passed
        $failed += [int]$c.failed + [int]$c.error + [int]$c.timeout + [int]$c.aborted
        # xUnit's skipped tests are neither executed nor counted as notExecuted in the TRX.
        $skipped += [int]$c.total - [int]$c.executed
    }
    [pscustomobject]@{ Passed = $passed; Failed = $failed; Skipped = $skipped }
}

function Invoke-Test {
    Invoke-Build
    $results = Join-Path $out 'test-results'
    if (Test-Path $results) { Remove-Item $results -Recurse -Force }
    New-Item -ItemType Directory -Path $results -Force | Out-Null
    $failedRuns = @()

    if (-not $NoXunit) {
        foreach ($proj in Get-ChildItem (Join-Path $root 'tests') -Recurse -Filter '*.Tests.csproj' | Sort-Object FullName) {
            Write-Host "== xUnit: $($proj.BaseName)"
            $testArgs = @('test', $proj.FullName, '-c', $Configuration, '--nologo',
                '--logger', "trx;LogFileName=$($proj.BaseName).trx", '--results-directory', $results)
            if ($Filter) { $testArgs += @('--filter', $Filter) }
            Invoke-Native dotnet $testArgs -AllowFailure | Out-Host
            if ($LASTEXITCODE -ne 0) { $failedRuns += $proj.BaseName }
        }
    }
    $xunit = Get-TrxCounts $results

    $pester = [pscustomobject]@{ Passed = 0; Failed = 0; Skipped = 0 }
    $pesterDir = Join-Path $root 'tests/pester'
    if (-not $NoPester -and (Test-Path $pesterDir)) {
        Write-Host '== Pester'
        Invoke-Native dotnet @('restore', (Join-Path $root 'tests/tools/Tools.csproj'), '--nologo', '-v', 'quiet') | Out-Null
        $props = [xml](Get-Content (Join-Path $root 'Directory.Packages.props') -Raw)
        $pesterVersion = $props.Project.PropertyGroup.PesterVersion | Where-Object { $_ } | Select-Object -First 1
        $nugetRoot = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }
        $pesterPsd1 = Join-Path $nugetRoot "pester/$pesterVersion/tools/Pester.psd1"
        $summary = Join-Path $results 'pester.json'
        $env:NETSECPS_MODULE = Join-Path $moduleOut 'NetSecPS.psd1'
        $env:NETSECPS_ROOT = $root
        $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$pesterPsd1'
`$c = New-PesterConfiguration
`$c.Run.Path = '$pesterDir'
`$c.Run.PassThru = `$true
`$c.Output.Verbosity = 'Detailed'
`$c.TestResult.Enabled = `$true
`$c.TestResult.OutputFormat = 'JUnitXml'
`$c.TestResult.OutputPath = '$(Join-Path $results 'pester.junit.xml')'
$(if ($Filter) { "`$c.Filter.FullName = '*$Filter*'" })
`$r = Invoke-Pester -Configuration `$c
@{ Passed = `$r.PassedCount; Failed = `$r.FailedCount + `$r.FailedBlocksCount + `$r.FailedContainersCount; Skipped = `$r.SkippedCount } | ConvertTo-Json | Set-Content '$summary'
"@
        Push-Location $root
        try {
            Invoke-Native dotnet @('pwsh', '-NoProfile', '-NonInteractive', '-Command', $script) -AllowFailure | Out-Host
        }
        finally { Pop-Location }
        if (Test-Path $summary) {
            $pester = Get-Content $summary -Raw | ConvertFrom-Json
        }
        else {
            $pester = [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 }
            $failedRuns += 'Pester'
        }
    }

    $passed = $xunit.Passed + $pester.Passed
    $failed = $xunit.Failed + $pester.Failed
    if ($failedRuns.Count -gt 0 -and $failed -eq 0) {
        # A test project that failed to build or crashed counts as a failure.
        $failed = $failedRuns.Count
    }
    $skipped = $xunit.Skipped + $pester.Skipped
    Write-Host "xUnit: $($xunit.Passed) passed, $($xunit.Failed) failed, $($xunit.Skipped) skipped; Pester: $($pester.Passed) passed, $($pester.Failed) failed, $($pester.Skipped) skipped"
    Write-Host "$passed passed, $failed failed, $skipped skipped"
    if ($failed -gt 0) { exit 1 }
}

function Invoke-Demo {
    Invoke-Build
    $demoScript = Join-Path $root 'samples/Invoke-Demo.ps1'
    Push-Location $root
    try {
        Invoke-Native dotnet @('pwsh', '-NoProfile', '-NonInteractive', '-File', $demoScript, '-ModulePath', (Join-Path $moduleOut 'NetSecPS.psd1'), '-OutputDirectory', (Join-Path $out 'demo')) | Out-Host
    }
    finally { Pop-Location }
}

function Invoke-Bench {
    Invoke-Build
    $benchProject = Join-Path $root 'tests/NetSecPS.Benchmarks/NetSecPS.Benchmarks.csproj'
    if (-not (Test-Path $benchProject)) {
        Write-Host 'no benchmarks yet'
        return
    }
    Invoke-Native dotnet (@('run', '--project', $benchProject, '-c', 'Release', '--') + $BenchArgs) | Out-Host
}

# docs/checks.md is written by the catalogue test itself, so the file and its check are one code path.
function Invoke-Docs {
    $env:NETSECPS_UPDATE_DOCS = '1'
    try {
        Invoke-Native dotnet @('test', (Join-Path $root 'tests/NetSecPS.Core.Tests/NetSecPS.Core.Tests.csproj'), '-c', $Configuration, '--nologo',
            '--filter', 'FullyQualifiedName~CatalogueTests.The_catalogue_in_docs_is_the_one_the_check_classes_describe') | Out-Host
    }
    finally { Remove-Item Env:NETSECPS_UPDATE_DOCS }
    Write-Host "Wrote $(Join-Path $root 'docs/checks.md')"
}

switch ($Task) {
    'build' { Invoke-Build }
    'test' { Invoke-Test }
    'demo' { Invoke-Demo }
    'bench' { Invoke-Bench }
    'docs' { Invoke-Docs }
    'clean' { if (Test-Path $out) { Remove-Item $out -Recurse -Force } }
}
