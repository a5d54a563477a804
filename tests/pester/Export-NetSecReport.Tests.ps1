BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force

    # Until Invoke-NetSecScan lands, the scan result is built the way a user would from PowerShell.
    function New-TestScan {
        $at = [datetimeoffset]'2026-11-27T09:00:00Z'
        $findings = [NetSecPS.Finding[]]@(
            [NetSecPS.Finding]@{ CheckId = 'NP-001'; Severity = 'High'; Title = 'Namespace has no effective default-deny ingress'; Namespace = 'shop'; Resource = 'Namespace/shop'
                Evidence = 'shop/frontend[Deployment] accepts TCP 8080 from an arbitrary peer'; Remediation = 'Add a default-deny ingress policy.'; SourceFile = 'manifests/shop.yaml'; SourceLine = 7 }
            [NetSecPS.Finding]@{ CheckId = 'EX-004'; Severity = 'High'; Title = 'Ingress without TLS'; Namespace = 'shop'; Resource = 'Ingress/shop/storefront'
                Evidence = 'host shop.example.com has no TLS'; Suppressed = $true; Justification = 'TLS ends at the CDN' }
        )
        [NetSecPS.ScanResult]@{
            Provenance = [NetSecPS.Provenance]@{ Cluster = 'pester-cluster'; CollectedAt = $at }
            Profile    = [NetSecPS.ProfileInfo]@{ Name = 'default' }
            Score      = [NetSecPS.ScoreDetails]@{ Score = 88.5; EvaluatedWorkloads = 4 }
            Findings   = $findings
            ScannedAt  = $at
        }
    }
}

Describe 'Export-NetSecReport' {
    BeforeEach {
        $dir = Join-Path ([IO.Path]::GetTempPath()) ('netsecps-report-' + [guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory -Path $dir | Out-Null
        $scan = New-TestScan
    }
    AfterEach { Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction SilentlyContinue }

    It 'writes one report per path in the format of its extension and returns FileInfo with -PassThru' {
        $paths = 'r.xlsx', 'r.pdf', 'r.json', 'r.csv', 'r.sarif', 'r.junit.xml' | ForEach-Object { Join-Path $dir $_ }
        $files = $scan | Export-NetSecReport -Path $paths -PassThru
        $files | Should -HaveCount 6
        $files | ForEach-Object { $_ | Should -BeOfType ([System.IO.FileInfo]) }
        $files.FullName | Should -Be $paths
        $json = Get-Content -LiteralPath (Join-Path $dir 'r.json') -Raw | ConvertFrom-Json
        $json.provenance.cluster | Should -Be 'pester-cluster'
        $json.findings | Should -HaveCount 2
        $csv = Import-Csv -LiteralPath (Join-Path $dir 'r.csv')
        $csv.Resource | Should -Be @('Namespace/shop', 'Ingress/shop/storefront')
        $sarif = Get-Content -LiteralPath (Join-Path $dir 'r.sarif') -Raw | ConvertFrom-Json
        $sarif.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri | Should -Be 'manifests/shop.yaml'
        $junit = [xml](Get-Content -LiteralPath (Join-Path $dir 'r.junit.xml') -Raw)
        $junit.testsuites.failures | Should -Be '1'
        $junit.testsuites.skipped | Should -Be '1'
        [IO.File]::ReadAllBytes((Join-Path $dir 'r.pdf'))[0..3] | Should -Be ([byte[]][char[]]'%PDF')
        [IO.File]::ReadAllBytes((Join-Path $dir 'r.xlsx'))[0..1] | Should -Be ([byte[]][char[]]'PK')
    }

    It 'writes nothing with -WhatIf' {
        $path = Join-Path $dir 'whatif.pdf'
        $result = $scan | Export-NetSecReport -Path $path -WhatIf -PassThru
        $result | Should -BeNullOrEmpty
        Get-ChildItem -LiteralPath $dir | Should -BeNullOrEmpty
    }

    It 'refuses to replace an existing file without -Force and replaces it with -Force' {
        $path = Join-Path $dir 'exists.json'
        Set-Content -LiteralPath $path -Value 'old report'
        $err = $null
        $scan | Export-NetSecReport -Path $path -ErrorVariable err -ErrorAction SilentlyContinue
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'NetSecPS.FileExists*'
        $err[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        Get-Content -LiteralPath $path -Raw | Should -Match 'old report'

        $scan | Export-NetSecReport -Path $path -Force
        (Get-Content -LiteralPath $path -Raw | ConvertFrom-Json).schema | Should -Be 'netsecps.scanresult'
    }

    It 'reports an unknown extension as an error and still writes the other reports' {
        $err = $null
        $files = $scan | Export-NetSecReport -Path (Join-Path $dir 'r.docx'), (Join-Path $dir 'r.csv') -PassThru -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'NetSecPS.UnknownReportFormat*'
        $files.Name | Should -Be 'r.csv'
        Test-Path (Join-Path $dir 'r.docx') | Should -BeFalse
    }

    It 'puts the -Profile title and organization on the PDF' {
        $path = Join-Path $dir 'board.pdf'
        $scan | Export-NetSecReport -Path $path -Profile @{ Name = 'board'; Title = 'Quarterly network audit'; Organization = 'Example Corp' }
        # PDFsharp writes the document title into the file's Info dictionary as text.
        $raw = [Text.Encoding]::Latin1.GetString([IO.File]::ReadAllBytes($path))
        $raw | Should -Match 'Quarterly network audit: pester-cluster'
    }

    It 'takes a profile name as the CronJob passes it, and warns when it is not the scan''s profile' {
        $warnings = $null
        $scan | Export-NetSecReport -Path (Join-Path $dir 'same.json') -Profile 'default' -WarningVariable warnings
        $warnings | Should -BeNullOrEmpty
        $scan | Export-NetSecReport -Path (Join-Path $dir 'other.pdf') -Profile 'cis' -WarningVariable warnings -WarningAction SilentlyContinue
        $warnings | Should -HaveCount 1
        "$($warnings[0])" | Should -Match "profile 'default', not 'cis'"
        Test-Path (Join-Path $dir 'other.pdf') | Should -BeTrue
    }

    It 'keeps ClosedXML, OpenXml and PDFsharp out of the default load context while writing' {
        $r = Invoke-FreshPwsh @"
Import-Module '$ModulePath'
`$scan = [NetSecPS.ScanResult]@{ Provenance = [NetSecPS.Provenance]@{ Cluster = 'alc' }; Profile = [NetSecPS.ProfileInfo]@{ Name = 'default' }; Score = [NetSecPS.ScoreDetails]@{ Score = 90 } }
`$null = `$scan | Export-NetSecReport -Path '$dir/alc.xlsx', '$dir/alc.pdf'
[System.Runtime.Loader.AssemblyLoadContext]::Default.Assemblies | ForEach-Object { 'DEFAULT:' + `$_.GetName().Name }
([System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -eq 'NetSecPS').Assemblies | ForEach-Object { 'NETSEC:' + `$_.GetName().Name }
"@
        $r.ExitCode | Should -Be 0
        $default = $r.Output | Where-Object { $_ -like 'DEFAULT:*' } | ForEach-Object { $_.Substring(8) }
        $private = $r.Output | Where-Object { $_ -like 'NETSEC:*' } | ForEach-Object { $_.Substring(7) }
        foreach ($name in 'ClosedXML', 'DocumentFormat.OpenXml', 'PdfSharp', 'PdfSharp.WPFonts') {
            $default | Should -Not -Contain $name
            $private | Should -Contain $name
        }
        Test-Path "$dir/alc.xlsx", "$dir/alc.pdf" | Should -Be @($true, $true)
    }

    It 'shows a scan result as a one-line table' {
        $text = $scan | Format-Table | Out-String
        $text | Should -Match 'pester-cluster'
        $text | Should -Match '88\.5'
    }
}
