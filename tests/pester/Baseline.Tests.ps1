[Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSAvoidUsingConvertToSecureStringWithPlainText', '', Justification = 'The tests sign and verify baselines with known keys, which they make from text.')]
param()

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $script:Shop = Join-Path $Fixtures 'baseline'
    $script:Scenarios = Join-Path $Conformance 'scenarios'
    $script:GoldenDiff = Join-Path $Conformance 'expected/diff'
    $script:Key = ConvertTo-SecureString 'a baseline signing key for tests' -AsPlainText -Force
    $script:OtherKey = ConvertTo-SecureString 'not the key the baseline was signed with' -AsPlainText -Force

    function Export-TestBaseline([string] $Source, [string] $Name, [object] $SigningKey, [string] $ExceptionsPath) {
        $file = Join-Path $TestDrive $Name
        $params = @{ Path = $file; Force = $true }
        if ($SigningKey) { $params.SigningKey = $SigningKey }
        if ($ExceptionsPath) { $params.ExceptionsPath = $ExceptionsPath }
        Get-NetSecSnapshot -Path $Source -WarningAction SilentlyContinue | Export-NetSecBaseline @params -WarningAction SilentlyContinue
        $file
    }
}

Describe 'Export-NetSecBaseline' {
    It 'writes a sealed netsecps.baseline document of the posture and returns the file with -PassThru' {
        $file = Join-Path $TestDrive 'shop.baseline.json'
        $info = Get-NetSecSnapshot -Path (Join-Path $Shop 'shop-v1') | Export-NetSecBaseline -Path $file -PassThru
        $info | Should -BeOfType ([System.IO.FileInfo])
        $doc = Get-Content $file -Raw | ConvertFrom-Json -AsHashtable
        $doc.schema | Should -Be 'netsecps.baseline'
        $doc.schemaVersion | Should -Be 1
        $doc.integrity.contentDigest | Should -Match '^sha256:[0-9a-f]{64}$'
        $doc.integrity.signed | Should -BeFalse
        $doc.posture.workloads.peer | Should -Be @('shop/db[StatefulSet]', 'shop/web[Deployment]')
        $doc.posture.flows | Where-Object { $_.source -eq 'shop/web[Deployment]' -and $_.destination -eq 'shop/db[StatefulSet]' } |
            ForEach-Object connections | Should -Be 'TCP 5432'
        $doc.posture.findings.checkId | Should -Contain 'NP-001'
        $doc.provenance.source.paths | Should -Not -BeNullOrEmpty
    }

    It 'gives the same content digest for the same cluster written differently, and differs only in provenance' {
        $a = Export-TestBaseline (Join-Path $Shop 'shop-v1') 'a.json'
        $b = Export-TestBaseline (Join-Path $Shop 'shop-v1-reformatted') 'b.json'
        $docA = Get-Content $a -Raw | ConvertFrom-Json
        $docB = Get-Content $b -Raw | ConvertFrom-Json
        $docA.integrity.contentDigest | Should -Be $docB.integrity.contentDigest
        $docA.provenance.source.paths | Should -Not -Be $docB.provenance.source.paths
        ($docA.posture | ConvertTo-Json -Depth 30) | Should -Be ($docB.posture | ConvertTo-Json -Depth 30)
    }

    It 'keeps the exceptions in force in the baseline and marks the suppressed findings' {
        $file = Export-TestBaseline (Join-Path $Shop 'shop-v1') 'exc.json' -ExceptionsPath (Join-Path $Shop 'exceptions.yaml')
        $doc = Get-Content $file -Raw | ConvertFrom-Json -AsHashtable
        $doc.posture.exceptions.content.exceptions[0].checkId | Should -Be 'NP-002'
        ($doc.posture.findings | Where-Object checkId -eq 'NP-002').suppressed | Should -BeTrue
        $doc.provenance.exceptionsPath | Should -Match 'exceptions\.yaml$'
    }

    It 'refuses to overwrite without -Force and writes nothing with -WhatIf' {
        $file = Join-Path $TestDrive 'exists.json'
        Set-Content -Path $file -Value 'keep me'
        $snap = Get-NetSecSnapshot -Path (Join-Path $Shop 'shop-v1')
        $snap | Export-NetSecBaseline -Path $file -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'NetSecPS.FileExists*'
        Get-Content $file | Should -Be 'keep me'
        $new = Join-Path $TestDrive 'whatif.json'
        $snap | Export-NetSecBaseline -Path $new -WhatIf
        Test-Path $new | Should -BeFalse
    }

    It 'saves a ScanResult as it was reported, warning that a different -Profile is ignored' {
        $snap = Get-NetSecSnapshot -Path (Join-Path $Shop 'shop-v1')
        $scan = [NetSecPS.ScanResult]@{
            Provenance = $snap.Provenance
            Profile    = [NetSecPS.ProfileInfo]@{ Name = 'default' }
            Score      = [NetSecPS.ScoreDetails]@{ Score = 50 }
            Snapshot   = $snap
            Flows      = [NetSecPS.Flow[]]@(Get-NetSecConnectivity -Snapshot $snap)
            Findings   = [NetSecPS.Finding[]]@([NetSecPS.Finding]@{ CheckId = 'NP-001'; Title = 'No default deny'; Resource = 'Namespace/shop'; Severity = 'High' })
        }
        $file = Join-Path $TestDrive 'scan.json'
        $scan | Export-NetSecBaseline -Path $file -Profile cis -WarningVariable warn -WarningAction SilentlyContinue
        ($warn -join "`n") | Should -Match "profile 'default'.*-Profile 'cis' is ignored"
        $doc = Get-Content $file -Raw | ConvertFrom-Json
        $doc.posture.findings.checkId | Should -Be 'NP-001'
        $doc.posture.profile.name | Should -Be 'default'
        $doc.posture.flows.Count | Should -Be @($scan.Flows).Count
    }

    It 'refuses a signing key given as a plain string' {
        { Get-NetSecSnapshot -Path (Join-Path $Shop 'shop-v1') | Export-NetSecBaseline -Path (Join-Path $TestDrive 'plain.json') -SigningKey 'secret' } |
            Should -Throw '*SecureString*'
    }

    It 'does not write the signing key into the file' {
        $file = Export-TestBaseline (Join-Path $Shop 'shop-v1') 'signed.json' -SigningKey $Key
        $text = Get-Content $file -Raw
        $text | Should -Not -Match 'a baseline signing key'
        ($text | ConvertFrom-Json).integrity.signature | Should -Match '^hmac-sha256:[0-9a-f]{64}$'
    }
}

Describe 'Connectivity semantics of a baseline' {
    It 'records netpol-analyzer semantics and compares with them unless told otherwise' {
        $hostNetwork = Join-Path $Fixtures 'connectivity/hostnetwork'
        $file = Join-Path $TestDrive 'na.baseline.json'
        Get-NetSecSnapshot -Path $hostNetwork -WarningAction SilentlyContinue | Export-NetSecBaseline -Path $file -NetpolAnalyzerSemantics
        (Get-Content $file -Raw | ConvertFrom-Json).posture.semantics | Should -Be 'netpol-analyzer'

        # The same cluster compared with the baseline's own semantics: no flow drift, no warning about semantics.
        $drift = @(Compare-NetSecBaseline -Baseline $file -Path $hostNetwork -Category Flow -WarningVariable warn -WarningAction SilentlyContinue)
        $drift | Should -HaveCount 0
        ($warn -join "`n") | Should -Not -Match 'semantics'

        # NetSecPS's own semantics treat host-network pods as node addresses, so the flows differ, and the mismatch is warned about.
        $plain = Join-Path $TestDrive 'plain.baseline.json'
        Get-NetSecSnapshot -Path $hostNetwork -WarningAction SilentlyContinue | Export-NetSecBaseline -Path $plain
        (Get-Content $plain -Raw | ConvertFrom-Json).posture.PSObject.Properties.Name | Should -Not -Contain 'semantics'
        $crossed = @(Compare-NetSecBaseline -Baseline $plain -Path $hostNetwork -Category Flow -NetpolAnalyzerSemantics -WarningVariable warn2 -WarningAction SilentlyContinue)
        $crossed.Count | Should -BeGreaterThan 0
        ($warn2 -join "`n") | Should -Match 'semantics'
    }
}

Describe 'Compare-NetSecBaseline' {
    It 'reports no drift when nothing changed' {
        $file = Export-TestBaseline (Join-Path $Shop 'shop-v1') 'same.json'
        @(Compare-NetSecBaseline -Baseline $file -Path (Join-Path $Shop 'shop-v1-reformatted') -WarningAction SilentlyContinue) | Should -HaveCount 0
    }

    It 'reports a new data store once as a workload, per flow, and its exposure and findings' {
        $file = Export-TestBaseline (Join-Path $Shop 'shop-v1') 'v1.json'
        $drift = Compare-NetSecBaseline -Baseline $file -Path (Join-Path $Shop 'shop-v2')
        $drift | Should -Not -BeNullOrEmpty
        $drift[0] | Should -BeOfType ([NetSecPS.DriftRecord])
        @($drift | Where-Object { $_.Category -eq 'Workload' -and $_.Subject -eq 'shop/cache[Deployment]' }) | Should -HaveCount 1
        $internet = $drift | Where-Object Subject -eq '0.0.0.0-255.255.255.255[External] => shop/cache[Deployment]'
        $internet.Severity | Should -Be 'Critical'
        $internet.Detail | Should -Be 'workload shop/cache[Deployment] added'
        ($drift | Where-Object { $_.Category -eq 'Exposure' }).Subject | Should -Be 'Ingress/shop/web'
        ($drift | Where-Object { $_.Category -eq 'Finding' -and $_.Change -eq 'Added' }).Subject | Should -Contain 'LAT-001 Deployment/shop/cache'
        @(Compare-NetSecBaseline -Baseline $file -Path (Join-Path $Shop 'shop-v2') -MinimumSeverity Critical).Subject |
            Should -Be @('0.0.0.0-255.255.255.255[External] => shop/cache[Deployment]')
    }

    It 'shows drift in a table with severity first' {
        $file = Export-TestBaseline (Join-Path $Shop 'shop-v1') 'table.json'
        $text = Compare-NetSecBaseline -Baseline $file -Path (Join-Path $Shop 'shop-v2') -Category Exposure | Out-String -Width 200
        $text | Should -Match 'Severity\s+Category\s+Change\s+Subject'
        $text | Should -Match 'High\s+Exposure\s+Added\s+Ingress/shop/web'
    }

    It 'refuses a tampered baseline and compares nothing' {
        $file = Export-TestBaseline (Join-Path $Shop 'shop-v1') 'tampered.json'
        (Get-Content $file -Raw) -replace '"TCP 5432"', '"All Connections"' | Set-Content $file -NoNewline
        { $script:out = Compare-NetSecBaseline -Baseline $file -Path (Join-Path $Shop 'shop-v1') -ErrorAction Stop } |
            Should -Throw -ErrorId 'NetSecPS.BaselineRejected.DigestMismatch*'
        $script:out | Should -BeNullOrEmpty
        $failure = $null
        try { Compare-NetSecBaseline -Baseline $file -Path (Join-Path $Shop 'shop-v1') -ErrorAction Stop } catch { $failure = $_ }
        $failure.CategoryInfo.Category | Should -Be 'SecurityError'
        $failure.Exception.Message | Should -Match 'altered'
    }

    It 'refuses a wrong signing key, accepts the right one, and warns when none is given' {
        $file = Export-TestBaseline (Join-Path $Shop 'shop-v1') 'keyed.json' -SigningKey $Key
        { Compare-NetSecBaseline -Baseline $file -Path (Join-Path $Shop 'shop-v1') -SigningKey $OtherKey -ErrorAction Stop } |
            Should -Throw -ErrorId 'NetSecPS.BaselineRejected.SignatureMismatch*'
        @(Compare-NetSecBaseline -Baseline $file -Path (Join-Path $Shop 'shop-v1') -SigningKey $Key) | Should -HaveCount 0
        $null = Compare-NetSecBaseline -Baseline $file -Path (Join-Path $Shop 'shop-v1') -WarningVariable warn -WarningAction SilentlyContinue
        ($warn -join "`n") | Should -Match 'signed, but no -SigningKey'
    }

    It 'refuses an unsigned baseline when a key is given' {
        $file = Export-TestBaseline (Join-Path $Shop 'shop-v1') 'unsigned.json'
        { Compare-NetSecBaseline -Baseline $file -Path (Join-Path $Shop 'shop-v1') -SigningKey $Key -ErrorAction Stop } |
            Should -Throw -ErrorId 'NetSecPS.BaselineRejected.SignatureMissing*'
    }

    It 'refuses a file that is not a baseline, and one of a newer schema' {
        $snapshot = Join-Path $TestDrive 'shop.json.gz'
        Get-NetSecSnapshot -Path (Join-Path $Shop 'shop-v1') | Export-NetSecSnapshot -Path $snapshot
        { Compare-NetSecBaseline -Baseline $snapshot -Path (Join-Path $Shop 'shop-v1') -ErrorAction Stop } |
            Should -Throw -ErrorId 'NetSecPS.BaselineRejected.NotABaseline*'
        $future = Export-TestBaseline (Join-Path $Shop 'shop-v1') 'future.json'
        (Get-Content $future -Raw) -replace '"schemaVersion": 1', '"schemaVersion": 2' | Set-Content $future -NoNewline
        { Compare-NetSecBaseline -Baseline $future -Path (Join-Path $Shop 'shop-v1') -ErrorAction Stop } |
            Should -Throw '*newer*'
    }

    It 'applies the baseline''s exceptions unless another file is given' {
        $file = Export-TestBaseline (Join-Path $Shop 'shop-v1') 'with-exc.json' -ExceptionsPath (Join-Path $Shop 'exceptions.yaml')
        @(Compare-NetSecBaseline -Baseline $file -Path (Join-Path $Shop 'shop-v1')) | Should -HaveCount 0
        $empty = Join-Path $TestDrive 'no-exceptions.yaml'
        Set-Content $empty 'exceptions: []'
        $drift = Compare-NetSecBaseline -Baseline $file -Path (Join-Path $Shop 'shop-v1') -ExceptionsPath $empty -WarningVariable warn -WarningAction SilentlyContinue
        $drift.Subject | Should -Be 'NP-002 Namespace/shop'
        $drift.After | Should -Be 'Medium, open'
        ($warn -join "`n") | Should -Match 'exceptions file differs'
    }
}

Describe 'ConvertTo-NetSecConnlistDiff' {
    # Cases without host-network pods: the cmdlets run the engine with NetSecPS's own semantics,
    # which differ from netpol-analyzer's only there (the xUnit conformance theory runs all cases).
    It 'reproduces the golden diff of <Case>' -ForEach @(
        @{ Case = 'acs-security-demos-new_and_acs-security-demos'; Baseline = 'acs-security-demos'; Current = 'acs-security-demos-new' }
        @{ Case = 'onlineboutique_workloads_changed_netpols_and_onlineboutique_workloads'; Baseline = 'onlineboutique_workloads'; Current = 'onlineboutique_workloads_changed_netpols' }
        @{ Case = 'k8s_ingress_test_new_and_k8s_ingress_test'; Baseline = 'k8s_ingress_test'; Current = 'k8s_ingress_test_new' }
    ) {
        Skip-WithoutConformance
        $file = Export-TestBaseline (Join-Path $Scenarios $Baseline) "$Baseline.json"
        $lines = Compare-NetSecBaseline -Baseline $file -Path (Join-Path $Scenarios $Current) -WarningAction SilentlyContinue | ConvertTo-NetSecConnlistDiff
        $golden = Get-Content (Join-Path $GoldenDiff "$Case.txt") | Where-Object { $_.Trim() }
        $lines[0] | Should -Be 'Connectivity diff:'
        @(Compare-Object $golden $lines) | Should -HaveCount 0
    }

    It 'gives the same lines from two baseline files as from the drift records' {
        Skip-WithoutConformance
        $before = Export-TestBaseline (Join-Path $Scenarios 'acs-security-demos') 'acs.json' -SigningKey $Key
        $after = Export-TestBaseline (Join-Path $Scenarios 'acs-security-demos-added-workloads') 'acs-added.json' -SigningKey $Key
        $fromFiles = ConvertTo-NetSecConnlistDiff -Baseline $before -Current $after -SigningKey $Key
        $fromDrift = Compare-NetSecBaseline -Baseline $before -Path (Join-Path $Scenarios 'acs-security-demos-added-workloads') -SigningKey $Key -WarningAction SilentlyContinue | ConvertTo-NetSecConnlistDiff
        $fromFiles | Should -Be $fromDrift
        $fromFiles | Should -Contain 'diff-type: added, source: payments/gateway[Deployment], destination: payments/visa-processor-v2[Deployment], ref1: No Connections, ref2: TCP 8080, workloads-diff-info: workload payments/visa-processor-v2[Deployment] added'
    }

    It 'writes nothing when the connectivity did not change' {
        $file = Export-TestBaseline (Join-Path $Shop 'shop-v1') 'nodiff.json'
        @(ConvertTo-NetSecConnlistDiff -Baseline $file -Current $file) | Should -HaveCount 0
    }
}
