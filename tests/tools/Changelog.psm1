# The changelog rule (docs/contributing.md, "Changelog"), checked by tests/pester/Version.Tests.ps1
# against CHANGELOG.md and the version of Directory.Build.props.
Set-StrictMode -Version Latest

$script:ChangeTypes = 'Added', 'Changed', 'Deprecated', 'Removed', 'Fixed', 'Security'

# Major.minor.patch with an optional prerelease label, compared as Semantic Versioning orders them
# (a prerelease comes before its release; labels compare as text, which serves preview1..preview9).
function ConvertTo-SemanticVersion {
    param([string] $Text)
    if ($Text -notmatch '^(?<core>\d+\.\d+\.\d+)(-(?<pre>[0-9A-Za-z.-]+))?$') { return $null }
    [pscustomobject]@{ Text = $Text; Core = [version]$Matches.core; Pre = if ($Matches.ContainsKey('pre')) { $Matches.pre } else { '' } }
}

function Compare-SemanticVersion {
    param($Left, $Right)
    $c = $Left.Core.CompareTo($Right.Core)
    if ($c -ne 0) { return $c }
    if ($Left.Pre -eq $Right.Pre) { return 0 }
    if (-not $Left.Pre) { return 1 }
    if (-not $Right.Pre) { return -1 }
    [string]::CompareOrdinal($Left.Pre, $Right.Pre)
}

<#
.SYNOPSIS
Returns what breaks the changelog rule in a Keep a Changelog text for the version being built; nothing when it holds.
#>
function Test-Changelog {
    param([Parameter(Mandatory)][string] $Text, [Parameter(Mandatory)][string] $Version)
    $text = $Text.Replace("`r`n", "`n")
    $current = ConvertTo-SemanticVersion $Version
    if (-not $current) { "the version '$Version' is not major.minor.patch[-prerelease]"; return }

    $sections = @([regex]::Matches($text, '(?ms)^## (?<heading>[^\n]*)\n(?<body>.*?)(?=^## |\z)') | ForEach-Object {
            $heading = $_.Groups['heading'].Value.Trim()
            $m = [regex]::Match($heading, '^\[(?<name>[^\]]+)\](?: - (?<date>\S+))?$')
            [pscustomobject]@{
                Heading = $heading
                Name    = if ($m.Success) { $m.Groups['name'].Value } else { $null }
                Date    = if ($m.Success -and $m.Groups['date'].Success) { $m.Groups['date'].Value } else { $null }
                Body    = $_.Groups['body'].Value
            }
        })
    if (-not $sections -or $sections[0].Name -ne 'Unreleased' -or $sections[0].Date) {
        "the first section is not '## [Unreleased]'"
        return
    }

    $released = @()
    foreach ($s in $sections) {
        if (-not $s.Name) { "'## $($s.Heading)' is not '## [version] - yyyy-mm-dd' or '## [Unreleased]'"; continue }
        $types = @([regex]::Matches($s.Body, '(?m)^### (?<type>.*)$') | ForEach-Object { $_.Groups['type'].Value.Trim() })
        foreach ($t in $types) { if ($t -notin $script:ChangeTypes) { "[$($s.Name)]: '### $t' is not one of $($script:ChangeTypes -join ', ')" } }
        foreach ($part in [regex]::Matches($s.Body, '(?ms)^### (?<type>[^\n]*)\n(?<items>.*?)(?=^### |\z)')) {
            if ($part.Groups['items'].Value -notmatch '(?m)^- \S') { "[$($s.Name)]: '### $($part.Groups['type'].Value.Trim())' lists no change" }
        }
        if ($s.Name -eq 'Unreleased') { continue }
        $v = ConvertTo-SemanticVersion $s.Name
        if (-not $v) { "[$($s.Name)] is not a version"; continue }
        $date = [datetime]::MinValue
        if (-not $s.Date -or -not [datetime]::TryParseExact($s.Date, 'yyyy-MM-dd', [cultureinfo]::InvariantCulture, 'None', [ref] $date)) {
            "[$($s.Name)] has no release date (## [$($s.Name)] - yyyy-mm-dd)"
        }
        if (-not ($s.Body -match '(?m)^- \S')) { "[$($s.Name)] lists no change" }
        $released += [pscustomobject]@{ Version = $v; Date = $date }
    }
    for ($i = 1; $i -lt $released.Count; $i++) {
        if ((Compare-SemanticVersion $released[$i - 1].Version $released[$i].Version) -le 0) {
            "[$($released[$i - 1].Version.Text)] is listed above [$($released[$i].Version.Text)] but is not newer"
        }
        elseif ($released[$i - 1].Date -lt $released[$i].Date) {
            "[$($released[$i - 1].Version.Text)] is dated before the older [$($released[$i].Version.Text)]"
        }
    }

    $unreleasedHasEntries = $sections[0].Body -match '(?m)^- \S'
    $own = @($released | Where-Object { (Compare-SemanticVersion $_.Version $current) -eq 0 })
    if ($own) {
        if ($released[0] -ne $own[0]) { "[$Version] is the version being built but [$($released[0].Version.Text)] is listed as newer" }
    }
    else {
        # Not released yet: the Unreleased entries are what this version holds.
        if ($released -and (Compare-SemanticVersion $current $released[0].Version) -le 0) {
            "the version being built, $Version, has no section and is not newer than [$($released[0].Version.Text)]"
        }
        elseif (-not $unreleasedHasEntries) {
            "the version being built, $Version, is not released yet (no '## [$Version] - date' section), so '## [Unreleased]' must say what it holds"
        }
    }
}

Export-ModuleMember -Function Test-Changelog
