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
    It 'lists the whole catalogue as CheckInfo records, as docs/checks.md does' {
        $all = Get-NetSecCheck
        $documented = @(Select-String -LiteralPath (Join-Path $RepoRoot 'docs/checks.md') -Pattern '^\| \[(?<id>[A-Z]+-\d{3})\]' | ForEach-Object { $_.Matches[0].Groups['id'].Value })
        $documented.Count | Should -BeGreaterThan 0
        $all.Id | Should -Be $documented
        $all[0] | Should -BeOfType ([NetSecPS.CheckInfo])
        $all.Id | Should -Contain 'LAT-002'
    }

    It 'filters by id wildcard, severity and framework' {
        (Get-NetSecCheck -Id 'EX-00?' -Severity High).Id | Should -Be @('EX-001', 'EX-003', 'EX-004', 'EX-005', 'EX-006')
        (Get-NetSecCheck -Framework 'CIS 5.3.*').Id | Should -Be @('NP-001', 'NP-002', 'CNI-001', 'CNI-002')
        (Get-NetSecCheck -Framework 'MITRE T1552*').Id | Should -Be @('NP-009', 'SEC-001')
        (Get-NetSecCheck -Framework NSA).Id | Should -Contain 'DET-001'
    }

    It 'reports an unknown id as an error' {
        Get-NetSecCheck -Id NP-999 -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        "$($errs[0])" | Should -Match "There is no check 'NP-999'"
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'NetSecPS.CheckNotFound*'
    }

    It 'shows id, severity and title in its table view' {
        $text = Get-NetSecCheck -Id NP-001 | Format-Table | Out-String -Width 200
        $text | Should -Match 'NP-001\s+High\s+Namespace has no effective default-deny ingress'
    }

    It 'maps checks only to CIS, NSA/CISA and MITRE ATT&CK controls' {
        (Get-NetSecCheck).Frameworks | ForEach-Object { $_ | Should -Match '^(CIS \d+(\.\d+)+|NSA [A-Z][\w -]+|MITRE T\d{4}(\.\d{3})?)$' }
    }

    It 'completes -Framework with the frameworks and their controls' {
        $line = 'Get-NetSecCheck -Framework CIS'
        $r = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $r.CompletionMatches.CompletionText | Should -Contain 'CIS'
        $r.CompletionMatches.CompletionText | Should -Contain "'CIS 5.3.2'"
        ($r.CompletionMatches | Where-Object ListItemText -eq 'CIS 5.3.2').ToolTip | Should -Match 'all Namespaces have NetworkPolicies'
        $line = 'Get-NetSecCheck -Framework mi'
        $r = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $r.CompletionMatches.CompletionText[0] | Should -Be 'MITRE'
        $r.CompletionMatches.CompletionText | Should -Contain "'MITRE T1552.005'"
        $r.CompletionMatches.ListItemText | ForEach-Object { $_ | Should -BeLike 'MITRE*' }
    }

    It 'completes check ids with their titles for -Id and for Invoke-NetSecAudit -Check' {
        $line = 'Get-NetSecCheck -Id MESH-00'
        $r = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $r.CompletionMatches.CompletionText | Should -Be @('MESH-001', 'MESH-002', 'MESH-003', 'MESH-004', 'MESH-005')
        $r.CompletionMatches[0].ToolTip | Should -Match 'mTLS not enforced'
        $line = 'Invoke-NetSecAudit -Path . -Check np-01'
        $r = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $r.CompletionMatches.CompletionText | Should -Be @((Get-NetSecCheck -Id 'NP-01*').Id)
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
        $s.Score.Formula | Should -Match '100 × Σ\(w × compliance\) ÷ Σ w'
        $applied = @($s.Score.Checks | Where-Object Evaluated)
        $expected = 100 * ($applied | ForEach-Object { $_.Weight * ($_.Passed + $_.Accepted) / $_.Evaluated } | Measure-Object -Sum).Sum / ($applied | Measure-Object Weight -Sum).Sum
        $s.Score.Score | Should -BeGreaterThan ($expected - 1e-9)
        $s.Score.Score | Should -BeLessThan ($expected + 1e-9)
        @($s.Subjects | Where-Object Outcome -eq Passed).Count | Should -BeGreaterThan 0
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
        ($findings | Format-Table | Out-String -Width 200) | Should -Match 'accepted\s+Service/edge/storefront'
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
        (Get-Help Invoke-NetSecAudit -Full | Out-String) | Should -Match 'score = 100 x sum\(w x compliance\) / sum\(w\)'
        (Get-Help about_NetSecPS_Audit | Out-String) | Should -Match 'Critical 10, High 5, Medium 2, Low 1, Info 0'
    }

    It 'collects the fixes of the demo cluster as distinct one-document manifests, as its help example does' {
        $fixes = Join-Path $Work 'fixes.yaml'
        Invoke-NetSecAudit -Path (Join-Path $Samples 'cluster') | Where-Object RemediationManifest |
            Select-Object -ExpandProperty RemediationManifest -Unique | Set-Content $fixes
        $text = Get-Content $fixes -Raw
        $documents = @($text -split '(?m)^---\s*$' | Where-Object { $_.Trim() })
        @([regex]::Matches($text, '(?m)^---\s*$')).Count | Should -Be $documents.Count
        @($documents | Sort-Object -Unique).Count | Should -Be $documents.Count -Because 'each fix appears once'
        $policies = @(Get-NetSecInventory -Path $fixes -Kind NetworkPolicy -WarningAction SilentlyContinue)
        $policies.Count | Should -Be @($documents | Where-Object { $_ -match '(?m)^kind: NetworkPolicy$' }).Count
        # The ingress controller keeps its path to the storefront.
        $egress = Get-Content $fixes -Raw
        $egress | Should -Match 'the ingress controller to shop/frontend\[Deployment\]'
    }
}

Describe 'Findings and summaries feed Export-NetSecReport' {
    It 'writes a findings-only report from Invoke-NetSecAudit, filtered or not' {
        $xlsx = Join-Path $Work 'findings.xlsx'
        $json = Join-Path $Work 'high.json'
        Get-NetSecSnapshot -Path (Join-Path $Samples 'cluster') | Invoke-NetSecAudit | Export-NetSecReport -Path $xlsx -Force -ErrorVariable errs
        $errs | Should -BeNullOrEmpty
        Test-Path $xlsx | Should -BeTrue
        $high = @(Invoke-NetSecAudit -Path (Join-Path $Samples 'cluster') | Where-Object Severity -ge High)
        $high | Export-NetSecReport -Path $json -Force
        $report = Get-Content $json -Raw | ConvertFrom-Json
        $report.content | Should -Be 'Findings'
        @($report.findings).Count | Should -Be $high.Count
        $report.clusterName | Should -Be 'cluster'
    }

    It 'writes a report with the score from an audit summary' {
        $json = Join-Path $Work 'summary.json'
        Invoke-NetSecAudit -Path (Join-Path $Samples 'cluster') -Summary | Export-NetSecReport -Path $json -Force
        $report = Get-Content $json -Raw | ConvertFrom-Json
        $report.content | Should -Be 'Audit'
        $report.score.score | Should -BeGreaterThan 0
        @($report.score.checks).Count | Should -Be @(Get-NetSecCheck).Count
    }

    It 'refuses anything else with one error that says what it takes' {
        1..3 | ForEach-Object { [pscustomobject]@{ Name = $_ } } | Export-NetSecReport -Path (Join-Path $Work 'x.json') -ErrorVariable errs -ErrorAction SilentlyContinue
        @($errs).Count | Should -Be 1
        "$($errs[0])" | Should -Match 'ScanResult \(Invoke-NetSecScan\), an AuditSummary \(Invoke-NetSecAudit -Summary\) or findings'
        Test-Path (Join-Path $Work 'x.json') | Should -BeFalse
    }
}

Describe 'Output objects' {
    It 'export cleanly with Export-Csv: lists become joined text' {
        $csv = Join-Path $Work 'findings.csv'
        Invoke-NetSecAudit -Path (Join-Path $Samples 'cluster') -Check NP-001 | Export-Csv -Path $csv
        $text = Get-Content $csv -Raw
        $text | Should -Not -Match 'System\.(String|Object|Collections)'
        $rows = Import-Csv $csv
        $rows[0].Frameworks | Should -Be 'CIS 5.3.2; NSA Network policies'
        $rows[0].EvidenceData | Should -Match 'Reachability|ingress'
        $inventory = Join-Path $Work 'services.csv'
        Get-NetSecInventory -Path (Join-Path $Samples 'cluster') -Kind Service | Export-Csv -Path $inventory
        (Get-Content $inventory -Raw) | Should -Not -Match 'System\.(String|Object|Collections)'
        (Import-Csv $inventory | Where-Object Name -eq 'payments-partner').LoadBalancerSourceRanges | Should -Match '^\d+\.\d+\.\d+\.\d+/\d+'
        # The structured lists are still there for the pipeline.
        (Get-NetSecCheck NP-001).Frameworks.Count | Should -Be 2
    }

    It 'fit 80 columns in their default table view, with whole headers' -ForEach @(
        @{ Name = 'findings'; Make = { Invoke-NetSecAudit -Path (Join-Path $Samples 'cluster') } }
        @{ Name = 'checks'; Make = { Get-NetSecCheck } }
        @{ Name = 'audit summary'; Make = { Invoke-NetSecAudit -Path (Join-Path $Samples 'cluster') -Summary } }
        @{ Name = 'compliance per check'; Make = { (Invoke-NetSecAudit -Path (Join-Path $Samples 'cluster') -Summary).Score.Checks } }
        @{ Name = 'namespace scores'; Make = { (Invoke-NetSecAudit -Path (Join-Path $Samples 'cluster') -Summary).Score.Namespaces } }
        @{ Name = 'framework compliance'; Make = { (Invoke-NetSecAudit -Path (Join-Path $Samples 'cluster') -Summary).Score.Frameworks } }
        @{ Name = 'subjects'; Make = { (Invoke-NetSecAudit -Path (Join-Path $Samples 'cluster') -Summary).Subjects } }
        @{ Name = 'mixed inventory'; Make = { Get-NetSecInventory -Path (Join-Path $Samples 'cluster') } }
        @{ Name = 'workloads'; Make = { Get-NetSecInventory -Path (Join-Path $Samples 'cluster') -Kind Workload } }
        @{ Name = 'services'; Make = { Get-NetSecInventory -Path (Join-Path $Samples 'cluster') -Kind Service } }
        @{ Name = 'policies'; Make = { Get-NetSecInventory -Path (Join-Path $Samples 'cluster') -Kind NetworkPolicy, AdminNetworkPolicy } }
        @{ Name = 'exposures'; Make = { Get-NetSecInventory -Path (Join-Path $Samples 'cluster') -Kind Ingress } }
        @{ Name = 'other objects'; Make = { Get-NetSecInventory -Path (Join-Path $Samples 'cluster') -Kind ClusterRole } }
        @{ Name = 'snapshot'; Make = { Get-NetSecSnapshot -Path (Join-Path $Samples 'cluster') } }
        @{ Name = 'coverage'; Make = { (Get-NetSecSnapshot -Path (Join-Path $Samples 'cluster')).Coverage } }
        @{ Name = 'scan'; Make = { Invoke-NetSecScan -Path (Join-Path $Samples 'cluster') } }
        @{ Name = 'connection verdicts'; Make = { Test-NetSecConnection -Path (Join-Path $Samples 'cluster') -From shop/frontend -To shop/cart -Port http } }
        @{ Name = 'drift'; Make = { $b = Join-Path $Work 'fmt.baseline.json'; Get-NetSecSnapshot -Path (Join-Path $Fixtures 'baseline/shop-v1') | Export-NetSecBaseline -Path $b -Force; Compare-NetSecBaseline -Baseline $b -Path (Join-Path $Fixtures 'baseline/shop-v2') } }
    ) {
        $objects = @(& $Make)
        $objects.Count | Should -BeGreaterThan 0
        $lines = @(($objects | Format-Table | Out-String -Width 80) -split "`r?`n")
        $lines | ForEach-Object { $_.Length | Should -BeLessOrEqual 80 -Because "'$_' is wider than the console" }
        # The header line is the one above the first dashes line; every label is whole on it.
        $dash = [array]::FindIndex([string[]]$lines, [Predicate[string]] { param($l) $l -match '^-+(\s+-+)*\s*$' })
        $dash | Should -BeGreaterThan 0
        $header = $lines[$dash - 1]
        $widths = [regex]::Matches($lines[$dash], '-+') | ForEach-Object Length
        $widths | ForEach-Object { $_ | Should -BeGreaterThan 2 -Because "a column of $_ characters shows one letter a line ($header)" }
        $lines[$dash - 2].Trim() | Should -BeNullOrEmpty -Because "a header wrapped onto a second line: $($lines[$dash - 2]) / $header"
    }
}
