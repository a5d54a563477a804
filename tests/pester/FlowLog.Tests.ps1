BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $script:Cluster = Join-Path $Samples 'cluster'
    $script:Flows = Join-Path $Fixtures 'flows'
    $script:Hubble = Join-Path $Flows 'hubble-observe.json'
    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ('netsecps-flows-' + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $Work | Out-Null
}

AfterAll {
    Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Import-NetSecFlowLog' {
    It 'reads each format into flow records and reports bad lines as errors with file and line' {
        $hubble = @(Import-NetSecFlowLog -Path $Hubble -ErrorVariable errs -ErrorAction SilentlyContinue)
        $hubble.Count | Should -Be 237
        $hubble[0] | Should -BeOfType ([NetSecPS.ObservedFlow])
        $hubble[0].Destination.Namespace | Should -Be 'ingress-nginx'
        $hubble[0].Verdict | Should -Be 'Forwarded'
        @($errs).Count | Should -Be 1
        "$($errs[0])" | Should -BeLike "*hubble-observe.json:26:1: not valid JSON*"
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'NetSecPS.FlowLogLineInvalid*'
        $errs[0].CategoryInfo.Category | Should -Be 'InvalidData'

        @(Import-NetSecFlowLog -Path (Join-Path $Flows 'calico-flows.log') -ErrorAction SilentlyContinue).Count | Should -Be 107
        @(Import-NetSecFlowLog -Path (Join-Path $Flows 'flows.csv') -Format Csv -ErrorAction SilentlyContinue).Count | Should -Be 69
    }

    It 'reads files piped from Get-ChildItem and folders given as -Path' {
        $piped = @(Get-ChildItem $Flows -Filter 'hubble-observe.*' | Import-NetSecFlowLog -ErrorAction SilentlyContinue)
        $piped.Count | Should -Be (237 * 2)
        ($piped | Group-Object Format).Name | Should -Be 'Hubble'
    }

    It 'resolves the ends against a snapshot and warns once about each end it cannot resolve' {
        $snapshot = Get-NetSecSnapshot -Path $Cluster -WarningAction SilentlyContinue
        $flows = @(Import-NetSecFlowLog -Path $Hubble -Snapshot $snapshot -ErrorAction SilentlyContinue -WarningVariable warns -WarningAction SilentlyContinue)
        $toFrontend = $flows | Where-Object { $_.SourcePeer -eq 'ingress-nginx/ingress-nginx-controller[Deployment]' -and $_.DestinationPeer -eq 'shop/frontend[Deployment]' }
        @($toFrontend).Count | Should -Be 28 -Because '14 connections, each seen leaving and arriving'
        $legacy = $flows | Where-Object { $_.Source.Pod -like 'legacy-checkout-*' }
        $legacy | ForEach-Object { $_.SourcePeer | Should -BeNullOrEmpty; $_.Unresolved | Should -Match '^source: no workload of the snapshot matches' }
        @($warns | Where-Object { "$_" -like '*legacy-checkout*' }).Count | Should -Be 1
    }

    It 'writes an error for a path that does not exist and reads the rest' {
        $flows = @(Import-NetSecFlowLog -Path (Join-Path $Work 'missing.json'), (Join-Path $Flows 'flows.csv') -ErrorVariable errs -ErrorAction SilentlyContinue)
        $flows.Count | Should -Be 69
        $errs.FullyQualifiedErrorId | Should -Contain 'NetSecPS.PathNotFound,NetSecPS.Commands.ImportNetSecFlowLogCommand'
    }
}

Describe 'Compare-NetSecFlowLog' {
    It 'returns every category, and flags the forwarded flow the policies deny' {
        $records = @(Compare-NetSecFlowLog -Path $Cluster -FlowLog $Hubble -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)
        ($records | Group-Object Category).Name | Should -Be @('ObservedAllowed', 'ObservedDenied', 'UnusedAllowed', 'Unresolved') -Because 'records come category by category'
        $forwarded = $records | Where-Object { $_.Category -eq 'ObservedDenied' -and $_.DatapathDisagrees -and $_.Source -eq 'shop/frontend[Deployment]' }
        $forwarded.Destination | Should -Be 'payments/payments-api[Deployment]'
        $forwarded.Connections | Should -Be 'TCP 8443'
        $forwarded.LogVerdict | Should -Be 'Forwarded'
        $forwarded.Policy | Should -Be 'shop/default-deny-all'
        $forwarded.Explanation | Should -Match '^denied: pod shop/frontend\[Deployment\] is isolated for egress'
    }

    It 'takes flows piped from Import-NetSecFlowLog, filters by category and namespace' {
        $denied = @(Import-NetSecFlowLog -Path (Join-Path $Flows 'calico-flows.log') -ErrorAction SilentlyContinue |
                Compare-NetSecFlowLog -Path $Cluster -Category ObservedDenied -Namespace data -WarningAction SilentlyContinue)
        $denied.Category | Sort-Object -Unique | Should -Be 'ObservedDenied'
        ($denied | ForEach-Object { "$($_.Source) => $($_.Destination)" } | Sort-Object) |
            Should -Be @('monitoring/grafana[Deployment] => data/postgres[StatefulSet]', 'shop/netshoot[Pod] => data/postgres[StatefulSet]')
    }

    It 'shows a table by category with whether the log agrees' {
        $text = Compare-NetSecFlowLog -Path $Cluster -FlowLog (Join-Path $Flows 'flows.csv') -Category ObservedDenied -ErrorAction SilentlyContinue -WarningAction SilentlyContinue | Out-String -Width 250
        $text | Should -Match 'Category: ObservedDenied'
        $text | Should -Match 'shop/frontend\[Deployment\]\s+payments/payments-api\[Deployment\]\s+TCP 8443\s+3\s+Forwarded\s+NO'
    }

    It 'refuses to run without flows' {
        { Compare-NetSecFlowLog -Path $Cluster -ErrorAction Stop } | Should -Throw -ErrorId 'NetSecPS.NoFlows,NetSecPS.Commands.CompareNetSecFlowLogCommand'
    }
}

Describe 'New-NetSecPolicyRecommendation' {
    It 'writes verified NetworkPolicies that, applied to a copy of the cluster, keep the observed flows and close paths' {
        $recs = @(New-NetSecPolicyRecommendation -Path $Cluster -FlowLog $Hubble -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)
        $recs.Count | Should -BeGreaterThan 3
        $recs | ForEach-Object { $_ | Should -BeOfType ([NetSecPS.PolicyRecommendation]); $_.ClosesPaths | Should -BeGreaterThan 0 }
        $copy = Join-Path $Work 'cluster'
        Copy-Item -Path $Cluster -Destination $copy -Recurse
        $recs | ForEach-Object { Set-Content -LiteralPath (Join-Path $copy "$($_.Namespace)-$($_.Name).yaml") -Value $_.Manifest }
        $key = { "$($_.Source) => $($_.Destination) : $($_.Connections)" }
        $deniedBefore = @(Compare-NetSecFlowLog -Path $Cluster -FlowLog $Hubble -Category ObservedDenied -ErrorAction SilentlyContinue -WarningAction SilentlyContinue | ForEach-Object $key)
        $after = @(Compare-NetSecFlowLog -Path $copy -FlowLog $Hubble -Category ObservedDenied -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)
        # Nothing the log shows forwarded is denied now that was allowed before (external ranges are cut finer by the new ipBlocks, so they are compared by what happened to them).
        $newlyDenied = @($after | Where-Object { $_.LogVerdict -ne 'Dropped' -and (& $key) -notin $deniedBefore })
        $newlyDenied | Should -BeNullOrEmpty
        # Still denied: the frontend's call, and Prometheus' scrape of payments-api, which payments' STRICT mTLS refuses (no NetworkPolicy can let it in).
        ($after | Where-Object LogVerdict -ne 'Dropped' | ForEach-Object $key) |
            Should -Be @('shop/frontend[Deployment] => payments/payments-api[Deployment] : TCP 8443', 'monitoring/prometheus[Deployment] => payments/payments-api[Deployment] : TCP 9090')
        @(Get-NetSecConnectivity -Path $copy -WarningAction SilentlyContinue | Where-Object { $_.SourceKind -ne 'External' -and $_.DestinationKind -ne 'External' }).Count |
            Should -BeLessThan @(Get-NetSecConnectivity -Path $Cluster -WarningAction SilentlyContinue | Where-Object { $_.SourceKind -ne 'External' -and $_.DestinationKind -ne 'External' }).Count
    }

    It 'limits the policies to the namespaces and direction asked for' {
        $recs = @(New-NetSecPolicyRecommendation -Path $Cluster -FlowLog $Hubble -Namespace 'mon*' -Direction Egress -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)
        $recs.Workload | Should -Be @('monitoring/grafana[Deployment]', 'monitoring/prometheus[Deployment]')
        $recs.Direction | Sort-Object -Unique | Should -Be 'Egress'
        $recs[0].Manifest | Should -Match '(?m)^kind: NetworkPolicy$'
    }

    It 'writes Calico NetworkPolicies for a cluster that runs Calico, and Cilium''s only where Cilium runs, before reading any flow' {
        $recs = @(New-NetSecPolicyRecommendation -Path $Cluster -FlowLog $Hubble -Kind CalicoNetworkPolicy -Namespace data -Direction Egress -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)
        $recs.Workload | Should -Be @('data/postgres-backup[CronJob]', 'data/postgres[StatefulSet]', 'data/redis[Deployment]')
        $recs | ForEach-Object { $_.Kind | Should -Be 'CalicoNetworkPolicy'; $_.Manifest | Should -Match '(?m)^apiVersion: projectcalico.org/v3$'; $_.ClosesPaths | Should -BeGreaterThan 0 }
        $missing = Join-Path $Work 'no-such-log.json'
        { New-NetSecPolicyRecommendation -Path $Cluster -FlowLog $missing -Kind CiliumNetworkPolicy -ErrorAction Stop } |
            Should -Throw -ErrorId 'NetSecPS.KindNotEnforced,NetSecPS.Commands.NewNetSecPolicyRecommendationCommand'
    }
}

Describe 'Invoke-NetSecScan -FlowLog' {
    It 'adds the observed traffic to the result and to the workbook' {
        $scan = Invoke-NetSecScan -Path $Cluster -FlowLog $Hubble -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $scan.ObservedTraffic | Should -Not -BeNullOrEmpty
        # frontend => payments-api and redis => postgres against NetworkPolicy; Prometheus => payments-api is forwarded by the CNI and refused by the sidecar (STRICT), which agrees.
        $scan.ObservedTraffic.Disagreements | Should -Be 2
        $scan.ObservedTraffic.Files | Should -Be @((Resolve-Path $Hubble).ProviderPath)
        $xlsx = Join-Path $Work 'scan.xlsx'
        $scan | Export-NetSecReport -Path $xlsx
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [IO.Compression.ZipFile]::OpenRead($xlsx)
        try {
            $workbook = [IO.StreamReader]::new($zip.GetEntry('xl/workbook.xml').Open()).ReadToEnd()
        }
        finally { $zip.Dispose() }
        foreach ($sheet in 'Observed traffic', 'Observed allowed', 'Observed denied', 'Unused allowed', 'Unresolved flows') {
            $workbook | Should -Match ([regex]::Escape("name=`"$sheet`""))
        }
    }
}
