BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $script:Checks = Join-Path $Fixtures 'checks'
    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ("netsecps-audit-" + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $Work | Out-Null
}

AfterAll {
    Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Get-NetSecCheck' {
    It 'lists the whole catalogue as CheckInfo records' {
        $all = Get-NetSecCheck
        @($all).Count | Should -Be 40
        $all[0] | Should -BeOfType ([NetSecPS.CheckInfo])
        $all.Id | Should -Contain 'LAT-002'
    }

    It 'filters by id wildcard, severity and framework' {
        (Get-NetSecCheck -Id 'EX-00?' -Severity High).Id | Should -Be @('EX-001', 'EX-003', 'EX-004', 'EX-005', 'EX-006')
        (Get-NetSecCheck -Framework CIS).Id | Should -Be @('NP-001', 'NP-002', 'CNI-001', 'CNI-002')
        (Get-NetSecCheck -Framework 'KS C-02*').Id | Should -Contain 'EX-001'
    }

    It 'reports an unknown id as an error' {
        Get-NetSecCheck -Id NP-999 -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        "$($errs[0])" | Should -Match "There is no check 'NP-999'"
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'NetSecPS.CheckNotFound*'
    }

    It 'shows id, severity, category and title in its table view' {
        $text = Get-NetSecCheck -Id NP-001 | Format-Table | Out-String -Width 200
        $text | Should -Match 'NP-001\s+High\s+Segmentation\s+Namespace has no effective default-deny ingress'
    }

    It 'completes check ids with their titles for -Id and for Invoke-NetSecAudit -Check' {
        $line = 'Get-NetSecCheck -Id MESH-00'
        $r = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $r.CompletionMatches.CompletionText | Should -Be @('MESH-001', 'MESH-002', 'MESH-003', 'MESH-004', 'MESH-005')
        $r.CompletionMatches[0].ToolTip | Should -Match 'mTLS not enforced'
        $line = 'Invoke-NetSecAudit -Path . -Check np-01'
        $r = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $r.CompletionMatches.CompletionText | Should -Be @('NP-010', 'NP-011', 'NP-012', 'NP-013', 'NP-014', 'NP-015')
    }

    It 'completes the shipped profile names for -Profile' {
        $line = 'Invoke-NetSecAudit -Path . -Profile '
        $r = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $r.CompletionMatches.CompletionText | Should -Be @('cis', 'default', 'nsa')
    }
}

Describe 'Invoke-NetSecAudit' {
    It 'fails NP-001 for a namespace with a default deny and an allow-all policy, with the deciding rule as evidence' {
        $f = Invoke-NetSecAudit -Path (Join-Path $Checks 'NP-001/fail/default-deny-plus-allow-all.yaml') -Check NP-001
        $f | Should -BeOfType ([NetSecPS.Finding])
        $f.Resource | Should -Be 'Namespace/payments'
        $f.Severity | Should -Be 'High'
        $f.Evidence | Should -Match 'payments/allow-all ingress\[0\]'
        $f.Frameworks | Should -Contain 'CIS 5.3.2'
        $f.SourceFile | Should -BeLike '*default-deny-plus-allow-all.yaml'
    }

    It 'passes NP-001 for a namespace whose only ingress comes from a named /24' {
        Invoke-NetSecAudit -Path (Join-Path $Checks 'NP-001/pass/only-named-range.yaml') -Check NP-001 | Should -BeNullOrEmpty
    }

    It 'streams findings most severe first and honours -MinimumSeverity' {
        $path = Join-Path $Checks 'LAT-002/fail/flat-network.yaml'
        $all = @(Invoke-NetSecAudit -Path $path -WarningAction SilentlyContinue)
        $all.Count | Should -BeGreaterThan 5
        $ranks = $all | ForEach-Object { [int]$_.Severity }
        $ranks | Should -Be ($ranks | Sort-Object -Descending)
        $high = @(Invoke-NetSecAudit -Path $path -MinimumSeverity High -WarningAction SilentlyContinue)
        $high.Count | Should -BeLessThan $all.Count
        $high | ForEach-Object { [int]$_.Severity | Should -BeGreaterOrEqual ([int][NetSecPS.Severity]::High) }
    }

    It 'returns the score and its formula with -Summary, and a snapshot from the pipeline gives the same audit' {
        $path = Join-Path $Checks 'LAT-002/fail/flat-network.yaml'
        $s = Invoke-NetSecAudit -Path $path -Summary -WarningAction SilentlyContinue
        $s | Should -BeOfType ([NetSecPS.AuditSummary])
        $s.Score.EvaluatedWorkloads | Should -Be 4
        $s.Score.Formula | Should -Match '100 × max\(0, 1 − P ÷ \(10 × N\)\)'
        $s.Score.Score | Should -Be ([math]::Round([math]::Max(0, 100 * (1 - $s.Score.Penalty / 40)), 1))
        $s.High | Should -Be @($s.Findings | Where-Object { $_.Severity -eq 'High' -and -not $_.Suppressed }).Count
        $viaSnapshot = Get-NetSecSnapshot -Path $path | Invoke-NetSecAudit -Summary -WarningAction SilentlyContinue
        $viaSnapshot.Score.Score | Should -Be $s.Score.Score
        ($s | Format-Table | Out-String) | Should -Match 'Score'
    }

    It 'uses a shipped profile by name: cis audits kube-system too' {
        $path = Join-Path $Checks 'HN-001/pass/host-network-in-kube-system.yaml'
        Invoke-NetSecAudit -Path $path -Check HN-001 | Should -BeNullOrEmpty
        (Invoke-NetSecAudit -Path $path -Check HN-001 -Profile cis).Resource | Should -Be 'DaemonSet/kube-system/kube-proxy'
    }

    It 'reads a profile file by path and applies its severity overrides' {
        $profile = Join-Path $Work 'strict.json'
        '{ "name": "strict", "checks": ["SEC-*"], "severityOverrides": { "SEC-001": "High" }, "excludedNamespaces": [] }' | Set-Content $profile
        $f = Invoke-NetSecAudit -Path (Join-Path $Checks 'SEC-001/fail/secret-env.yaml') -Profile $profile
        $f.CheckId | Should -Be 'SEC-001'
        $f.Severity | Should -Be 'High'
    }

    It 'refuses an unknown profile with an error naming the known ones' {
        { Invoke-NetSecAudit -Path (Join-Path $Checks 'SEC-001/fail/secret-env.yaml') -Profile pci -ErrorAction Stop } |
            Should -Throw -ExpectedMessage '*Known profiles: cis, default, nsa*'
    }

    It 'keeps suppressed findings visible and marked, and warns about an expired exception' {
        $paths = (Join-Path $Checks 'EX-001/fail/public-load-balancer.yaml'), (Join-Path $Checks 'EX-001/fail/source-range-is-everything.yaml')
        $findings = Invoke-NetSecAudit -Path $paths -Check EX-001 -ExceptionsPath (Join-Path $Checks '_exceptions/valid.yaml') -WarningVariable warns -WarningAction SilentlyContinue
        @($findings).Count | Should -Be 2
        $store = $findings | Where-Object Resource -eq 'Service/edge/storefront'
        $store.Suppressed | Should -BeTrue
        $store.Justification | Should -Match 'CDN'
        ($findings | Where-Object Resource -eq 'Service/edge/admin-api').Suppressed | Should -BeFalse
        ($warns | ForEach-Object { "$_" }) -join "`n" | Should -Match 'expired on 2026-01-31'
        ($findings | Format-Table | Out-String -Width 200) | Should -Match 'Service/edge/storefront\s+yes'
    }

    It 'refuses a malformed exceptions file with its line' {
        $err = { Invoke-NetSecAudit -Path (Join-Path $Checks 'EX-001/fail/public-load-balancer.yaml') -ExceptionsPath (Join-Path $Checks '_exceptions/missing-owner.yaml') -ErrorAction Stop } |
            Should -Throw -PassThru
        $err.Exception.Message | Should -Match 'missing-owner\.yaml:7: .*no .owner.'
        $err.FullyQualifiedErrorId | Should -BeLike 'NetSecPS.InvalidExceptionsFile*'
    }

    It 'carries a remediation manifest that kubectl could apply' {
        $f = Invoke-NetSecAudit -Path (Join-Path $Checks 'NP-001/fail/no-policy.yaml') -Check NP-001
        $file = Join-Path $Work 'fix.yaml'
        $f.RemediationManifest | Set-Content $file
        $policy = Get-NetSecInventory -Path $file -Kind NetworkPolicy
        $policy.Name | Should -Be 'default-deny-ingress'
        $policy.Namespace | Should -Be 'shop'
        Invoke-NetSecAudit -Path (Join-Path $Checks 'NP-001/fail/no-policy.yaml'), $file -Check NP-001 | Should -BeNullOrEmpty
    }

    It 'documents the score formula in its help' {
        (Get-Help Invoke-NetSecAudit -Full | Out-String) | Should -Match 'score = 100 x max\(0, 1 - P / \(10 x N\)\)'
        (Get-Help about_NetSecPS_Audit | Out-String) | Should -Match 'Critical 10, High 5, Medium 2, Low 1, Info 0'
    }
}
