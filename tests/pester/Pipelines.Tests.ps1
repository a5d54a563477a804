# Pipelines chain as a PowerShell user expects: what one cmdlet writes, the next takes; one
# problem gives one error, and -ErrorAction decides what it does.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $script:Demo = Join-Path $Samples 'cluster'
    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ("netsecps-pipe-" + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $Work | Out-Null
}

AfterAll {
    Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Get-NetSecSnapshot from the pipeline' {
    It 'reads a path piped as text' {
        $snap = $Demo | Get-NetSecSnapshot
        $snap | Should -BeOfType ([NetSecPS.Snapshot])
        $snap.ObjectCount | Should -Be (Get-NetSecSnapshot -Path $Demo).ObjectCount
    }

    It 'reads several piped paths together, as one cluster' {
        $snap = @((Join-Path $Demo 'shop'), (Join-Path $Demo 'payments') | Get-NetSecSnapshot)
        $snap.Count | Should -Be 1
        $snap[0].Provenance.Paths.Count | Should -Be 2
    }

    It 'names the cluster by its folder, never by an absolute path' {
        (Get-NetSecSnapshot -Path $Demo).ToString() | Should -Match '^Snapshot of cluster '
        (Invoke-NetSecScan -Path $Demo).ClusterName | Should -Be 'cluster'
        (Invoke-NetSecScan -Path $Demo -ClusterName prod-eu).ClusterName | Should -Be 'prod-eu'
    }

    It 'gives one error for a missing path, which -ErrorAction SilentlyContinue silences' {
        $out = Get-NetSecSnapshot -Path (Join-Path $Work 'nope') -ErrorVariable errs -ErrorAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        @($errs).Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'NetSecPS.PathNotFound*'
        { Get-NetSecSnapshot -Path (Join-Path $Work 'nope') -ErrorAction SilentlyContinue } | Should -Not -Throw
        { Get-NetSecSnapshot -Path (Join-Path $Work 'nope') -ErrorAction Stop } | Should -Throw
    }
}

Describe 'Get-NetSecInventory -Kind' {
    It 'warns about a kind it does not know and lists the known ones' {
        $items = Get-NetSecInventory -Path $Demo -Kind Deploymnet -WarningVariable warns -WarningAction SilentlyContinue
        $items | Should -BeNullOrEmpty
        @($warns).Count | Should -Be 1
        "$($warns[0])" | Should -Match "'Deploymnet' matches no kind"
        "$($warns[0])" | Should -Match 'Known kinds: .*Deployment.*Workload'
        Get-NetSecInventory -Path $Demo -Kind Deploy* -WarningVariable quiet -WarningAction SilentlyContinue | Should -Not -BeNullOrEmpty
        $quiet | Should -BeNullOrEmpty
    }
}

Describe 'Test-NetSecConnection -Port' {
    It 'takes a number or a port name the destination declares' {
        $byName = Test-NetSecConnection -Path $Demo -From shop/frontend -To shop/cart -Port http
        $byNumber = Test-NetSecConnection -Path $Demo -From shop/frontend -To shop/cart -Port 8080
        $byName.Port | Should -Be 8080
        $byName.Allowed | Should -Be $byNumber.Allowed
    }

    It 'says which names the destination declares when the name is unknown' {
        Test-NetSecConnection -Path $Demo -From shop/frontend -To shop/cart -Port htpp -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        "$($errs[0])" | Should -Match "declares no TCP port named 'htpp'; its named ports: .*http:8080/TCP"
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'NetSecPS.PortNotFound*'
    }
}

Describe 'Invoke-NetSecScan -HistoryPath' {
    It 'supports -WhatIf: the scan runs, the history is left alone' {
        $history = Join-Path $Work 'history.jsonl'
        $scan = Invoke-NetSecScan -Path $Demo -HistoryPath $history -WhatIf
        $scan | Should -BeOfType ([NetSecPS.ScanResult])
        Test-Path $history | Should -BeFalse
        Invoke-NetSecScan -Path $Demo -HistoryPath $history | Out-Null
        @(Get-Content $history).Count | Should -Be 1
        (Get-Content $history | ConvertFrom-Json).scoreVersion | Should -Be 2
    }
}

Describe 'Signing keys' {
    It 'leaves the caller''s byte[] key whole, so it signs and then verifies' {
        $key = [System.Security.Cryptography.RandomNumberGenerator]::GetBytes(32)
        $copy = [byte[]]$key.Clone()
        $baseline = Join-Path $Work 'signed.baseline.json'
        Get-NetSecSnapshot -Path $Demo | Export-NetSecBaseline -Path $baseline -SigningKey $key -Force
        $key | Should -Be $copy
        { Compare-NetSecBaseline -Baseline $baseline -Path $Demo -SigningKey $key -ErrorAction Stop } | Should -Not -Throw
    }
}
