# The module package: what build.ps1 package writes is published to a repository and installed
# from it with PSResourceGet, the way users will get NetSecPS, then imported by name.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $script:Manifest = Import-PowerShellDataFile -LiteralPath (Join-Path $RepoRoot 'module/NetSecPS.psd1')
    # The version comes from Directory.Build.props, the one version source; build.ps1 writes it into the built manifest.
    $props = [xml](Get-Content -LiteralPath (Join-Path $RepoRoot 'Directory.Build.props') -Raw)
    $script:Version = $props.Project.PropertyGroup.Version | Where-Object { $_ } | Select-Object -First 1
    $script:Package = Join-Path $RepoRoot "out/package/NetSecPS.$Version.nupkg"
    if (-not (Test-Path -LiteralPath $Package)) {
        # build.ps1 test packs before it runs Pester; run alone, the test packs itself.
        & dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $RepoRoot 'build.ps1') package | Out-Host
        if ($LASTEXITCODE -ne 0) { throw 'build.ps1 package failed' }
    }

    # The CHANGELOG.md section of a version, as the release notes carry it.
    function Get-ChangelogSection([string] $Name) {
        $text = (Get-Content -LiteralPath (Join-Path $RepoRoot 'CHANGELOG.md') -Raw).Replace("`r`n", "`n")
        $m = [regex]::Match($text, "(?ms)^## \[$([regex]::Escape($Name))\][^\n]*\n.*?(?=^## \[|\z)")
        if ($m.Success) { $m.Value.Trim() }
    }

    # A pwsh process whose every per-user folder (PSResourceGet's repository list, the CurrentUser
    # module path, caches) is under $UserHome, with no PSModulePath inherited from this test run.
    function Invoke-IsolatedPwsh {
        param([Parameter(Mandatory)][string] $UserHome, [Parameter(Mandatory)][string] $Script)
        $file = Join-Path $TestDrive ("script-" + [guid]::NewGuid().ToString('N') + '.ps1')
        Set-Content -LiteralPath $file -Value $Script
        $exe = [Environment]::ProcessPath
        $psi = [Diagnostics.ProcessStartInfo]::new($exe)
        if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $psi.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
        foreach ($a in '-NoProfile', '-NonInteractive', '-File', $file) { $psi.ArgumentList.Add($a) }
        $psi.WorkingDirectory = $RepoRoot
        $psi.UseShellExecute = $false
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        [void]$psi.Environment.Remove('PSModulePath')
        $psi.Environment['HOME'] = $UserHome
        $psi.Environment['XDG_DATA_HOME'] = Join-Path $UserHome '.local/share'
        $psi.Environment['XDG_CONFIG_HOME'] = Join-Path $UserHome '.config'
        $psi.Environment['XDG_CACHE_HOME'] = Join-Path $UserHome '.cache'
        # .NET reports a per-user folder that does not exist as "", and PSResourceGet would then
        # keep its repository list in the working folder.
        foreach ($d in '.local/share', '.config', '.cache') { $null = New-Item -ItemType Directory -Path (Join-Path $UserHome $d) -Force }
        # Plain text errors: escape sequences in a failure message break the JUnit report.
        $psi.Environment['NO_COLOR'] = '1'
        $process = [Diagnostics.Process]::Start($psi)
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $stderr = $process.StandardError.ReadToEndAsync()
        if (-not $process.WaitForExit(600000)) { $process.Kill($true); throw 'pwsh did not end within 10 minutes' }
        $process.WaitForExit()
        [pscustomobject]@{ ExitCode = $process.ExitCode; Output = @($stdout.Result -split "`r?`n" | Where-Object { $_ }); Stderr = $stderr.Result }
    }
}

Describe 'The module package (build.ps1 package)' {
    It 'writes out/package/NetSecPS.<version>.nupkg with complete gallery metadata, release notes from CHANGELOG.md and the licence' {
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [IO.Compression.ZipFile]::OpenRead($Package)
        try {
            $names = @($zip.Entries.FullName)
            $reader = [IO.StreamReader]::new($zip.GetEntry('NetSecPS.nuspec').Open())
            $nuspec = [xml]$reader.ReadToEnd()
            $reader.Dispose()
            $reader = [IO.StreamReader]::new($zip.GetEntry('NetSecPS.psd1').Open())
            $packedManifest = $reader.ReadToEnd()
            $reader.Dispose()
            $reader = [IO.StreamReader]::new($zip.GetEntry('LICENSE').Open())
            $license = $reader.ReadToEnd()
            $reader.Dispose()
        }
        finally { $zip.Dispose() }
        foreach ($f in 'NetSecPS.psd1', 'NetSecPS.psm1', 'NetSecPS.Format.ps1xml', 'bin/NetSecPS.dll', 'bin/NetSecPS.Shared.dll', 'en-US/NetSecPS.dll-Help.xml', 'LICENSE') {
            $names | Should -Contain $f
        }
        @($names | Where-Object { $_ -like 'bin/System.Management.Automation*' }) | Should -BeNullOrEmpty -Because 'PowerShell provides it'
        $m = $nuspec.package.metadata
        $m.id | Should -Be 'NetSecPS'
        $m.version | Should -Be $Version
        $m.description | Should -Be $Manifest.Description
        $m.tags -split ' ' | Should -Contain 'PSEdition_Core'
        $m.tags -split ' ' | Should -Contain 'PSModule'
        $m.licenseUrl | Should -Be 'https://www.apache.org/licenses/LICENSE-2.0'
        $license | Should -Match 'Apache License\s+Version 2\.0, January 2004'
        $license | Should -Match 'END OF TERMS AND CONDITIONS'
        $Manifest.Copyright | Should -Match 'Apache-2\.0'
        # The release notes are the version's CHANGELOG section, after the Unreleased one while it has entries.
        $expected = @((Get-ChangelogSection 'Unreleased'), (Get-ChangelogSection $Version) | Where-Object { $_ -and $_ -notmatch '^## \[Unreleased\]\s*$' }) -join "`n`n"
        $m.releaseNotes.Replace("`r`n", "`n") | Should -Be $expected
        $expected | Should -Not -BeNullOrEmpty -Because 'a version is released with its section, or prepared with Unreleased entries (tests/pester/Version.Tests.ps1)'
        $packed = [scriptblock]::Create($packedManifest).InvokeReturnAsIs()
        $packed.ModuleVersion | Should -Be $Version
        $packed.PowerShellVersion | Should -Be '7.4'
        $packed.CompatiblePSEditions | Should -Be @('Core')
        $packed.PrivateData.PSData.ReleaseNotes.Replace("`r`n", "`n") | Should -Be $expected
    }

    It 'publishes to a file-system repository, installs with Install-PSResource, and a new pwsh imports NetSecPS by name and audits samples/cluster' {
        $userHome = Join-Path $TestDrive 'user'
        $repository = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'repository') -Force
        $install = Invoke-IsolatedPwsh -UserHome $userHome -Script @"
`$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name NetSecPSTest -Uri '$repository' -Trusted
Publish-PSResource -NupkgPath '$Package' -Repository NetSecPSTest
`$found = Find-PSResource -Name NetSecPS -Repository NetSecPSTest
'found ' + `$found.Version + ' ' + (`$found.Tags -join ',')
Install-PSResource -Name NetSecPS -Repository NetSecPSTest -Scope CurrentUser -TrustRepository -Quiet
`$installed = Get-InstalledPSResource -Name NetSecPS -Scope CurrentUser
'installed ' + `$installed.Version + ' ' + `$installed.InstalledLocation
"@
        $install.ExitCode | Should -Be 0 -Because ($install.Output + $install.Stderr -join "`n")
        Test-Path (Join-Path $repository "NetSecPS.$Version.nupkg") | Should -BeTrue -Because 'Publish-PSResource puts the package into the repository'
        $found = $install.Output | Where-Object { $_ -like 'found *' }
        $found | Should -Match "^found $([regex]::Escape($Version)) .*PSEdition_Core"
        $moduleRoot = Join-Path $userHome '.local/share/powershell/Modules'
        $install.Output | Where-Object { $_ -like 'installed *' } | Should -Be "installed $Version $moduleRoot"
        Test-Path (Join-Path $moduleRoot "NetSecPS/$Version/NetSecPS.psd1") | Should -BeTrue
        Get-Content (Join-Path $userHome '.local/share/PSResourceGet/PSResourceRepository.xml') -Raw | Should -Match 'NetSecPSTest' -Because 'the test repository is registered for the test''s own user only'

        $use = Invoke-IsolatedPwsh -UserHome $userHome -Script @"
`$ErrorActionPreference = 'Stop'
Import-Module NetSecPS
`$module = Get-Module NetSecPS
'base ' + `$module.ModuleBase
'version ' + `$module.Version
`$findings = @(Invoke-NetSecAudit -Path '$(Join-Path $Samples 'cluster')' -WarningAction SilentlyContinue)
'findings ' + `$findings.Count
'checks ' + (@(`$findings.CheckId | Sort-Object -Unique) -join ',')
"@
        $use.ExitCode | Should -Be 0 -Because ($use.Output + $use.Stderr -join "`n")
        $use.Stderr | Should -BeNullOrEmpty
        $use.Output | Where-Object { $_ -like 'base *' } | Should -Be "base $(Join-Path $moduleRoot "NetSecPS/$Version")"
        $use.Output | Where-Object { $_ -like 'version *' } | Should -Be "version $Version"
        # The installed module finds what the built one finds.
        Import-Module $ModulePath -Force
        $reference = @(Invoke-NetSecAudit -Path (Join-Path $Samples 'cluster') -WarningAction SilentlyContinue)
        $reference.Count | Should -BeGreaterThan 0
        $use.Output | Where-Object { $_ -like 'findings *' } | Should -Be "findings $($reference.Count)"
        $use.Output | Where-Object { $_ -like 'checks *' } | Should -Be "checks $(@($reference.CheckId | Sort-Object -Unique) -join ',')"
    }
}
