#Requires -Version 7.4

<#
.SYNOPSIS
    The one entry point of the NetSecPS build: build, test, demo, bench.

.DESCRIPTION
    Run as `dotnet tool restore && dotnet pwsh ./build.ps1 <task>`. Only the .NET SDK is
    needed: PowerShell comes as a local dotnet tool, Pester as a NuGet package download.

    build    builds the module into out/NetSecPS (importable as out/NetSecPS/NetSecPS.psd1), with
             LICENSE and the release notes of its version from CHANGELOG.md in the manifest
    package  builds and writes out/package/NetSecPS.<version>.nupkg, the module package that
             Publish-PSResource publishes and Install-PSResource installs
    test     builds and packages, installs bubblewrap for the job sandbox tests when it is
             missing and can be (Debian, as root or with sudo -n), runs every xUnit project and
             every Pester file against the built module, and ends with one line
             "N passed, N failed, N skipped"
    demo   builds and runs the main job on the demo cluster in samples/
    bench  builds and runs the benchmarks
    docs   regenerates docs/checks.md from the check classes (a test fails when it is not current)
#>
[CmdletBinding()]
[Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSAvoidUsingWriteHost', '', Justification = 'The build reports progress to the person or CI log running it; its functions return values, so progress cannot go to the output stream.')]
param(
    [Parameter(Position = 0)]
    [ValidateSet('build', 'package', 'test', 'demo', 'bench', 'docs', 'clean')]
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
    Copy-Item (Join-Path $root 'module/NetSecPS.psd1'), (Join-Path $root 'module/NetSecPS.psm1'), (Join-Path $root 'LICENSE') -Destination $moduleOut
    Set-ModuleVersion -Manifest (Join-Path $moduleOut 'NetSecPS.psd1') -Assembly (Join-Path $bin 'NetSecPS.dll')
    Set-ReleaseNote (Join-Path $moduleOut 'NetSecPS.psd1')
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

# The module's version is the assemblies' (Version in Directory.Build.props, the one version source,
# docs/contributing.md): written into the built manifest in place of the source manifest's placeholder.
function Set-ModuleVersion {
    param([Parameter(Mandatory)][string] $Manifest, [Parameter(Mandatory)][string] $Assembly)
    $version = ([Diagnostics.FileVersionInfo]::GetVersionInfo($Assembly).ProductVersion -split '\+')[0]
    if ($version -notmatch '^\d+\.\d+\.\d+$') { throw "Version '$version' (Directory.Build.props): the module manifest takes major.minor.patch; a prerelease label would go to PSData.Prerelease, which the build does not write" }
    $lines = Get-Content -LiteralPath $Manifest
    $at = @($lines | Select-String -Pattern "^\s*ModuleVersion\s*=" | ForEach-Object LineNumber)
    if ($at.Count -ne 1) { throw "$Manifest needs exactly one ModuleVersion line" }
    $lines[$at[0] - 1] = $lines[$at[0] - 1] -replace '=.*$', "= '$version'"
    Set-Content -LiteralPath $Manifest -Value $lines -Encoding utf8NoBOM
}

# The release notes of a version: its CHANGELOG.md section, after the Unreleased section while that
# has entries (a build between releases says what it holds beyond the version it is numbered). A
# version not released yet has no section: its notes are the Unreleased entries.
function Get-ReleaseNote {
    param([Parameter(Mandatory)][string] $Version)
    $text = Get-Content -LiteralPath (Join-Path $root 'CHANGELOG.md') -Raw
    $sections = [regex]::Matches($text, '(?ms)^## \[(?<name>[^\]]+)\][^\n]*\n(?<body>.*?)(?=^## \[|\z)')
    $wanted = @($sections | Where-Object { $_.Groups['name'].Value -eq $Version })
    $unreleased = @($sections | Where-Object { $_.Groups['name'].Value -eq 'Unreleased' -and $_.Groups['body'].Value.Trim() })
    if (-not ($wanted + $unreleased)) { throw "CHANGELOG.md has neither a section '## [$Version]' for the module's version nor Unreleased entries" }
    $notes = foreach ($section in $unreleased + $wanted) {
        $section.Value.Trim()
    }
    ($notes -join "`n`n").Replace("`r`n", "`n")
}

# Puts the release notes into a built manifest, in place of the source manifest's placeholder line.
function Set-ReleaseNote {
    param([Parameter(Mandatory)][string] $Manifest)
    $version = (Import-PowerShellDataFile -LiteralPath $Manifest).ModuleVersion
    $notes = Get-ReleaseNote $version
    if ($notes -match "(?m)^'@") { throw "CHANGELOG.md: a line of the $version notes starts with '@, which would end the manifest's string" }
    $lines = Get-Content -LiteralPath $Manifest
    $at = @($lines | Select-String -Pattern "^\s*ReleaseNotes\s*=" | ForEach-Object LineNumber)
    if ($at.Count -ne 1) { throw "$Manifest needs exactly one ReleaseNotes line" }
    $indent = $lines[$at[0] - 1] -replace '^(\s*).*', '$1'
    $lines[$at[0] - 1] = "${indent}ReleaseNotes = @'`n$notes`n'@"
    Set-Content -LiteralPath $Manifest -Value $lines -Encoding utf8NoBOM
    $check = Import-PowerShellDataFile -LiteralPath $Manifest
    if ($check.PrivateData.PSData.ReleaseNotes -ne $notes) { throw "$Manifest did not take the release notes" }
}

# Packs the built module as out/package/NetSecPS.<version>.nupkg with PSResourceGet (bundled with
# PowerShell 7.4+), which validates the manifest and writes the .nuspec from it.
function New-ModulePackage {
    $package = Join-Path $out 'package'
    if (Test-Path $package) { Remove-Item $package -Recurse -Force }
    $null = New-Item -ItemType Directory -Path $package
    $manifest = Test-ModuleManifest -Path (Join-Path $moduleOut 'NetSecPS.psd1') -ErrorAction Stop
    Import-Module Microsoft.PowerShell.PSResourceGet -ErrorAction Stop
    Compress-PSResource -Path $moduleOut -DestinationPath $package -ErrorAction Stop
    $file = Join-Path $package "NetSecPS.$($manifest.Version).nupkg"
    if (-not (Test-Path -LiteralPath $file)) { throw "Compress-PSResource did not write $file" }
    Write-Host "Module package: $file"
    $file
}

# Bubblewrap runs the job sandbox tests (tests/pester/JobSandbox.Tests.ps1). Installed from Debian's
# packages when missing and this user may (root, or sudo without a password); otherwise the tests
# say why they are skipped.
function Install-Bubblewrap {
    if (-not $IsLinux -or (Get-Command bwrap -CommandType Application -ErrorAction Ignore)) { return }
    if (-not (Get-Command apt-get -CommandType Application -ErrorAction Ignore)) {
        Write-Host 'bubblewrap is not installed and this system has no apt-get: the job sandbox tests will be skipped'
        return
    }
    $sudo = @()
    if ((& id -u) -ne '0') {
        & sudo -n true 2>$null
        if ($LASTEXITCODE -ne 0) {
            Write-Host 'bubblewrap is not installed and installing it needs root (sudo asks for a password): the job sandbox tests will be skipped. Install it with: sudo apt-get install bubblewrap'
            return
        }
        $sudo = @('sudo', '-n')
    }
    Write-Host 'Installing bubblewrap (Debian package) for the job sandbox tests'
    $apt = @($sudo) + @('env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', '-o', 'DPkg::Lock::Timeout=300', '-y', '-q')
    $null = & $apt[0] @($apt | Select-Object -Skip 1) update 2>&1
    $log = & $apt[0] @($apt | Select-Object -Skip 1) install --no-install-recommends bubblewrap 2>&1
    if ($LASTEXITCODE -ne 0) { Write-Host "Installing bubblewrap failed, so the job sandbox tests will be skipped: $($log | Select-Object -Last 3)" }
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

# The failed tests of the TRX files, with the first lines of their messages.
function Get-TrxFailure {
    param([string] $Directory)
    foreach ($trx in Get-ChildItem $Directory -Filter '*.trx' -Recurse -ErrorAction SilentlyContinue) {
        $xml = [xml](Get-Content -LiteralPath $trx.FullName -Raw)
        $run = $xml.TestRun
        if (-not $run.PSObject.Properties['Results']) { continue }
        foreach ($r in @($run.Results.UnitTestResult | Where-Object { $_ -and $_.outcome -eq 'Failed' })) {
            $message = "$($r.Output.ErrorInfo.Message)" -split "`n" | Select-Object -First 6
            [pscustomobject]@{ Name = "xUnit $($trx.BaseName): $($r.testName)"; Message = $message -join "`n" }
        }
    }
}

# Where the conformance data is (not part of the repository; README, "Testing"), or why its tests skip.
function Write-ConformanceStatus {
    $dir = if ($env:NETSECPS_CONFORMANCE_DIR) { $env:NETSECPS_CONFORMANCE_DIR } else { Join-Path (Split-Path $root -Parent) 'shared/conformance' }
    if (Test-Path -LiteralPath $dir -PathType Container) {
        $suites = @(Get-ChildItem -LiteralPath $dir -Directory | ForEach-Object Name) -join ', '
        Write-Host "Conformance data: $dir ($suites)"
    }
    else {
        Write-Host "Conformance data not found at $dir (set NETSECPS_CONFORMANCE_DIR to its folder): the conformance tests are skipped."
    }
}

function Invoke-Test {
    Invoke-Build
    Write-ConformanceStatus
    $null = New-ModulePackage
    if (-not $NoPester) { Install-Bubblewrap }
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
$(if ($Filter) { "`$c.Filter.FullName = '*$Filter*'" })
`$r = Invoke-Pester -Configuration `$c
`$failures = @(`$r.Failed | ForEach-Object { @{ Name = "Pester: `$(`$_.ExpandedPath)"; Message = ("`$(`$_.ErrorRecord | Select-Object -First 1)" -split "``n" | Select-Object -First 6) -join "``n" } }) +
    @(`$r.FailedBlocks + `$r.FailedContainers | ForEach-Object { @{ Name = "Pester: `$(`$_.Name) (setup)"; Message = ("`$(`$_.ErrorRecord | Select-Object -First 1)" -split "``n" | Select-Object -First 6) -join "``n" } })
@{ Passed = `$r.PassedCount; Failed = `$r.FailedCount + `$r.FailedBlocksCount + `$r.FailedContainersCount; Skipped = `$r.SkippedCount; Failures = `$failures } | ConvertTo-Json -Depth 4 | Set-Content '$summary'
# Written after the counts: a message Pester's JUnit writer cannot encode (a control character
# from a failing test's output) must not lose the run's result.
try { `$r | Export-JUnitReport -Path '$(Join-Path $results 'pester.junit.xml')' } catch { Write-Warning "JUnit report not written: `$_" }
"@
        Push-Location $root
        try {
            Invoke-Native dotnet @('pwsh', '-NoProfile', '-NonInteractive', '-Command', $script) -AllowFailure | Out-Host
        }
        finally { Pop-Location }
        $counts = if (Test-Path $summary) { Get-Content $summary -Raw | ConvertFrom-Json }
        if ($counts -and $null -ne $counts.Passed -and $null -ne $counts.Failed) {
            $pester = $counts
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
    # The failures again, last, so that a log cut to its tail still names them.
    $failures = @(Get-TrxFailure $results) + @($pester.PSObject.Properties['Failures'] | ForEach-Object { $_.Value })
    if ($failures.Count -gt 0 -or $failedRuns.Count -gt 0) {
        Write-Host 'Failed:'
        foreach ($f in $failures) {
            Write-Host "  $($f.Name)"
            foreach ($line in "$($f.Message)" -split "`n") { if ($line.Trim()) { Write-Host "      $($line.TrimEnd())" } }
        }
        if ($failures.Count -eq 0) { foreach ($run in $failedRuns) { Write-Host "  the $run run ended without a result (build error or crash; see above)" } }
    }
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
    'package' { Invoke-Build; $null = New-ModulePackage }
    'test' { Invoke-Test }
    'demo' { Invoke-Demo }
    'bench' { Invoke-Bench }
    'docs' { Invoke-Docs }
    'clean' { if (Test-Path $out) { Remove-Item $out -Recurse -Force } }
}
