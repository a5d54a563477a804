# One version source: Version in Directory.Build.props (docs/contributing.md, "Versions"). The
# assemblies take it from MSBuild, build.ps1 writes it into the module manifest, snapshots,
# baselines and the User-Agent read it from the assemblies; the image tags and the changelog are
# written by hand and checked here.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module (Join-Path $RepoRoot 'tests/tools/Changelog.psm1') -Force
    $props = [xml](Get-Content -LiteralPath (Join-Path $RepoRoot 'Directory.Build.props') -Raw)
    $script:Version = @($props.Project.PropertyGroup.Version | Where-Object { $_ })
    $script:ModuleRoot = Split-Path $ModulePath -Parent
}

AfterAll {
    Remove-Module Changelog -ErrorAction Ignore
}

Describe 'One version' {
    It 'is written once, in Directory.Build.props' {
        $Version.Count | Should -Be 1
        $Version[0] | Should -Match '^\d+\.\d+\.\d+$'
        $source = Import-PowerShellDataFile -LiteralPath (Join-Path $RepoRoot 'module/NetSecPS.psd1')
        $source.ModuleVersion | Should -Be '0.0.0' -Because 'the source manifest holds a placeholder that build.ps1 replaces, not a second version'
    }

    It 'is the built manifest''s ModuleVersion' {
        (Import-PowerShellDataFile -LiteralPath $ModulePath).ModuleVersion | Should -Be $Version[0]
        (Test-ModuleManifest -Path $ModulePath).Version | Should -Be ([version]$Version[0])
    }

    It 'is the version of every shipped assembly' {
        $assemblies = @(Get-ChildItem -LiteralPath (Join-Path $ModuleRoot 'bin') -Filter 'NetSecPS*.dll')
        @($assemblies.Name | Sort-Object) | Should -Be @('NetSecPS.Core.dll', 'NetSecPS.dll', 'NetSecPS.Reports.dll', 'NetSecPS.Shared.dll' | Sort-Object)
        foreach ($a in $assemblies) {
            $info = [Diagnostics.FileVersionInfo]::GetVersionInfo($a.FullName)
            ($info.ProductVersion -split '\+')[0] | Should -Be $Version[0] -Because "$($a.Name) states its informational version"
            $info.FileVersion | Should -Be "$($Version[0]).0" -Because "$($a.Name) states its file version"
        }
    }

    It 'is stated by a snapshot and a baseline the module makes' {
        $r = Invoke-FreshPwsh @"
Import-Module '$ModulePath'
`$s = Get-NetSecSnapshot -Path '$Fixtures/manifests/multi-doc.yaml'
'SNAPSHOT:' + `$s.Provenance.Tool + '/' + `$s.Provenance.ToolVersion
`$file = Join-Path ([IO.Path]::GetTempPath()) ('netsecps-version-' + [guid]::NewGuid().ToString('N') + '.baseline.json')
Export-NetSecBaseline -Snapshot `$s -Path `$file
`$p = (Get-Content -LiteralPath `$file -Raw | ConvertFrom-Json).provenance
'BASELINE:' + `$p.tool + '/' + `$p.toolVersion
Remove-Item -LiteralPath `$file
"@
        $r.ExitCode | Should -Be 0 -Because ($r.Output -join "`n")
        $r.Output | Should -Contain "SNAPSHOT:NetSecPS/$($Version[0])"
        $r.Output | Should -Contain "BASELINE:NetSecPS/$($Version[0])"
    }

    It 'tags the job image in the kustomize base, the Dockerfile and the README' {
        $kustomization = Get-Content -LiteralPath (Join-Path $RepoRoot 'jobs/kubernetes/kustomization.yaml') -Raw
        [regex]::Match($kustomization, '(?m)^\s*newTag:\s*(\S+)\s*$').Groups[1].Value | Should -Be $Version[0]
        foreach ($file in 'jobs/Dockerfile', 'README.md') {
            $tags = @([regex]::Matches((Get-Content -LiteralPath (Join-Path $RepoRoot $file) -Raw), 'registry\.example\.com/netsecps:(?<tag>[^\s)]+)') | ForEach-Object { $_.Groups['tag'].Value })
            $tags.Count | Should -BeGreaterThan 0 -Because "$file shows how to build and tag the image"
            $tags | Should -Be (@($Version[0]) * $tags.Count) -Because "every image tag in $file is the version"
        }
    }

    It 'is the newest version of CHANGELOG.md, or the one its Unreleased entries prepare' {
        $problems = @(Test-Changelog -Text (Get-Content -LiteralPath (Join-Path $RepoRoot 'CHANGELOG.md') -Raw) -Version $Version[0])
        $problems | Should -BeNullOrEmpty -Because ($problems -join "`n")
    }
}

Describe 'The changelog rule' {
    BeforeAll {
        function New-Changelog([string] $Unreleased, [string[]] $Released) {
            "# Changelog`n`nIntro.`n`n## [Unreleased]`n$Unreleased`n" + (($Released | ForEach-Object { "`n$_`n" }) -join '')
        }
        $script:Entry = "`n### Fixed`n`n- A fix.`n"
        $script:V010 = "## [0.1.0] - 2026-11-27`n`n### Added`n`n- The first version.`n"
        $script:V020 = "## [0.2.0] - 2027-01-15`n`n### Added`n`n- More.`n"
    }

    It 'holds for <Case>' -ForEach @(
        @{ Case = 'the released version, nothing unreleased'; Version = '0.1.0'; Unreleased = ''; Released = @('V010') }
        @{ Case = 'the released version, changes since it listed'; Version = '0.1.0'; Unreleased = 'Entry'; Released = @('V010') }
        @{ Case = 'a new version prepared by the Unreleased entries'; Version = '0.2.0'; Unreleased = 'Entry'; Released = @('V010') }
        @{ Case = 'a prerelease of the next version'; Version = '0.2.0-preview1'; Unreleased = 'Entry'; Released = @('V010') }
        @{ Case = 'the first version, before any release'; Version = '0.1.0'; Unreleased = 'Entry'; Released = @() }
    ) {
        $released = @($Released | ForEach-Object { Get-Variable -Name $_ -ValueOnly })
        $unreleased = if ($Unreleased) { Get-Variable -Name $Unreleased -ValueOnly } else { '' }
        Test-Changelog -Text (New-Changelog $unreleased $released) -Version $Version | Should -BeNullOrEmpty
    }

    It 'fails <Case>' -ForEach @(
        @{ Case = 'a new version with nothing in Unreleased'; Version = '0.2.0'; Unreleased = ''; Released = @('V010'); Says = 'must say what it holds' }
        @{ Case = 'a version older than the newest listed'; Version = '0.1.0'; Unreleased = 'Entry'; Released = @('V020', 'V010'); Says = 'listed as newer' }
        @{ Case = 'a version between listed ones without a section'; Version = '0.1.5'; Unreleased = 'Entry'; Released = @('V020', 'V010'); Says = 'is not newer than' }
        @{ Case = 'versions out of order'; Version = '0.2.0'; Unreleased = ''; Released = @('V010', 'V020'); Says = 'is not newer' }
        @{ Case = 'no Unreleased section'; Version = '0.1.0'; Unreleased = $null; Released = @('V010'); Says = "'## [Unreleased]'" }
    ) {
        $released = @($Released | ForEach-Object { Get-Variable -Name $_ -ValueOnly })
        $text = if ($null -eq $Unreleased) { "# Changelog`n`n" + ($released -join "`n") }
        else { New-Changelog $(if ($Unreleased) { Get-Variable -Name $Unreleased -ValueOnly } else { '' }) $released }
        $problems = @(Test-Changelog -Text $text -Version $Version)
        $problems.Count | Should -BeGreaterThan 0
        ($problems -join "`n") | Should -BeLike "*$([WildcardPattern]::Escape($Says))*"
    }

    It 'fails a section that is not Keep a Changelog: <Case>' -ForEach @(
        @{ Case = 'an undated release'; Section = "## [0.1.0]`n`n### Added`n`n- x`n"; Says = 'no release date' }
        @{ Case = 'an unknown kind of change'; Section = "## [0.1.0] - 2026-11-27`n`n### Improved`n`n- x`n"; Says = "'### Improved' is not one of" }
        @{ Case = 'a kind of change that lists none'; Section = "## [0.1.0] - 2026-11-27`n`n### Added`n`n- x`n`n### Fixed`n"; Says = "'### Fixed' lists no change" }
        @{ Case = 'a heading that is no version'; Section = "## Version one`n`n- x`n"; Says = 'is not' }
    ) {
        $problems = @(Test-Changelog -Text (New-Changelog '' @($Section)) -Version '0.1.0')
        ($problems -join "`n") | Should -BeLike "*$([WildcardPattern]::Escape($Says))*"
    }
}
