BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $script:Cluster = Join-Path $Samples 'cluster'
    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ('netsecps-scan-' + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $Work | Out-Null
}

AfterAll {
    Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Invoke-NetSecScan' {
    It 'returns one ScanResult whose findings, flows and score agree with the audit and connectivity cmdlets' {
        $scan = Invoke-NetSecScan -Path $Cluster -WarningAction SilentlyContinue
        $scan | Should -BeOfType ([NetSecPS.ScanResult])
        $audit = Invoke-NetSecAudit -Path $Cluster -WarningAction SilentlyContinue
        $flows = Get-NetSecConnectivity -Path $Cluster -WarningAction SilentlyContinue
        @($scan.Findings).Count | Should -Be @($audit).Count
        ($scan.Findings | ForEach-Object { "$($_.CheckId) $($_.Resource)" } | Sort-Object) |
            Should -Be ($audit | ForEach-Object { "$($_.CheckId) $($_.Resource)" } | Sort-Object)
        @($scan.Flows).Count | Should -Be @($flows).Count
        $scan.Score.Formula | Should -Match 'Critical 10'
        $scan.Provenance.Inputs.Count | Should -BeGreaterThan 0
        $scan.Drift | Should -BeNullOrEmpty -Because 'no baseline was given'
        # The namespace matrix sums to the flows.
        ($scan.NamespaceFlows | Measure-Object Flows -Sum).Sum | Should -Be @($scan.Flows).Count
    }

    It 'scans files piped in as one cluster, as -Path does, and so do the audit and connectivity cmdlets' {
        $files = Get-ChildItem $Cluster -Recurse -Filter *.yaml
        $files.Count | Should -BeGreaterThan 3
        $byPath = Invoke-NetSecScan -Path $Cluster -WarningAction SilentlyContinue
        $piped = @($files | Invoke-NetSecScan -WarningAction SilentlyContinue)
        $piped.Count | Should -Be 1 -Because 'several manifest files of one cluster are one scan'
        @($piped[0].Flows).Count | Should -Be @($byPath.Flows).Count
        @($piped[0].Findings).Count | Should -Be @($byPath.Findings).Count
        $piped[0].Score.Score | Should -Be $byPath.Score.Score
        @($files | Invoke-NetSecAudit -WarningAction SilentlyContinue).Count | Should -Be @($byPath.Findings).Count
        @($files | Get-NetSecConnectivity -WarningAction SilentlyContinue).Count | Should -Be @($byPath.Flows).Count
    }

    It 'appends one record per scan to the history and the second scan carries the trend' {
        $history = Join-Path $Work 'history.jsonl'
        $first = Invoke-NetSecScan -Path $Cluster -HistoryPath $history -WarningAction SilentlyContinue
        $second = Invoke-NetSecScan -Path $Cluster -HistoryPath $history -WarningAction SilentlyContinue
        @(Get-Content -LiteralPath $history).Count | Should -Be 2
        $first.History.Count | Should -Be 1
        $second.History.Count | Should -Be 2
        $second.History[-1].Score | Should -Be ([math]::Round($second.Score.Score, 2, [MidpointRounding]::AwayFromZero)) -Because 'the history keeps the score to two decimals'
        $second.History[-1].High | Should -Be @($second.Findings | Where-Object { $_.Severity -eq 'High' -and -not $_.Suppressed }).Count
    }

    It 'keeps only the newest records with -HistoryKeep' {
        $history = Join-Path $Work 'short.jsonl'
        1..3 | ForEach-Object { $null = Invoke-NetSecScan -Path $Cluster -HistoryPath $history -HistoryKeep 2 -WarningAction SilentlyContinue }
        @(Get-Content -LiteralPath $history).Count | Should -Be 2
    }

    It 'reports no drift against a baseline of the same cluster and drift once a policy is removed' {
        $baseline = Join-Path $Work 'approved.baseline.json'
        Invoke-NetSecScan -Path $Cluster -WarningAction SilentlyContinue | Export-NetSecBaseline -Path $baseline -WarningAction SilentlyContinue
        $same = Invoke-NetSecScan -Path $Cluster -Baseline $baseline -WarningAction SilentlyContinue
        $same.Drift | Should -HaveCount 0
        $same.BaselinePath | Should -Be $baseline

        # A copy of the cluster without shop's default-deny ingress policy.
        $changed = Join-Path $Work 'changed'
        Copy-Item -Path $Cluster -Destination $changed -Recurse
        $policyFile = Get-ChildItem $changed -Recurse -Filter *.yaml | Where-Object { (Get-Content -LiteralPath $_.FullName -Raw) -match 'kind: NetworkPolicy' -and $_.FullName -match 'shop' } | Select-Object -First 1
        $policyFile | Should -Not -BeNullOrEmpty
        Remove-Item -LiteralPath $policyFile.FullName
        $drifted = Invoke-NetSecScan -Path $changed -Baseline $baseline -WarningAction SilentlyContinue
        @($drifted.Drift).Count | Should -BeGreaterThan 0
        @($drifted.Drift | Where-Object Category -eq 'Policy') | Should -Not -BeNullOrEmpty
    }

    It 'refuses a tampered baseline before scanning' {
        $baseline = Join-Path $Work 'tamper.baseline.json'
        Invoke-NetSecScan -Path $Cluster -WarningAction SilentlyContinue | Export-NetSecBaseline -Path $baseline -WarningAction SilentlyContinue
        $text = Get-Content -LiteralPath $baseline -Raw
        $tampered = $text -replace '"TCP 5432"', '"TCP 5433"'
        if ($tampered -eq $text) { $tampered = $text -replace '"High"', '"Low"' }
        $tampered | Should -Not -Be $text
        Set-Content -LiteralPath $baseline -Value $tampered -NoNewline
        { Invoke-NetSecScan -Path $Cluster -Baseline $baseline -ErrorAction Stop } | Should -Throw -ErrorId 'NetSecPS.BaselineRejected*'
    }

    It 'writes reports from the scan that read back with its score' {
        $pdf = Join-Path $Work 'scan.pdf'
        $json = Join-Path $Work 'scan.json'
        $scan = Invoke-NetSecScan -Path $Cluster -ClusterName demo -WarningAction SilentlyContinue
        $scan.Provenance.Cluster | Should -Be 'demo'
        $scan | Export-NetSecReport -Path $pdf, $json
        (Get-Item $pdf).Length | Should -BeGreaterThan 10000
        $doc = Get-Content -LiteralPath $json -Raw | ConvertFrom-Json
        $doc.score.score | Should -Be $scan.Score.Score
        @($doc.findings).Count | Should -Be @($scan.Findings).Count
    }
}
