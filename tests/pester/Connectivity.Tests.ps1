BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $script:Conn = Join-Path $Fixtures 'connectivity'
    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ("netsecps-conn-" + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $Work | Out-Null
}

AfterAll {
    Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Get-NetSecConnectivity' {
    It 'returns flow records with text and structured connections' {
        $flows = Get-NetSecConnectivity -Path (Join-Path $Conn 'named-ports')
        $flow = $flows | Where-Object { $_.Source -eq 'shop/client[Deployment]' -and $_.Destination -eq 'shop/cart[Deployment]' }
        $flow.Connections | Should -Be 'TCP 9090'
        $flow.AllConnections | Should -BeFalse
        $flow.Ports.Count | Should -Be 1
        $flow.Ports[0].Protocol | Should -Be 'TCP'
        $flow.Ports[0].From | Should -Be 9090
        $flow.SourceNamespace | Should -Be 'shop'
        $flows | Where-Object Source -eq $_.Destination | Should -BeNullOrEmpty
    }

    It 'filters by source, destination and namespace, with ns/name matching any kind' {
        $path = Join-Path $Conn 'named-ports'
        $toCart = Get-NetSecConnectivity -Path $path -Destination 'shop/cart'
        $toCart.Destination | Sort-Object -Unique | Should -Be 'shop/cart[Deployment]'
        @($toCart).Count | Should -Be 1 -Because "only the client passes the isolation of cart"
        (Get-NetSecConnectivity -Path $path -Source 'shop/c*' -Destination 'shop/client[Deployment]').Source | Sort-Object |
            Should -Be @('shop/cart[Deployment]', 'shop/catalog[Deployment]')
        Get-NetSecConnectivity -Path $path -Namespace 'nowhere' | Should -BeNullOrEmpty
    }

    It 'reads a saved snapshot from the pipeline the same as the manifests' {
        $path = Join-Path $Conn 'exposure'
        $direct = Get-NetSecConnectivity -Path $path | ConvertTo-NetSecConnlist
        $viaSnapshot = Get-NetSecSnapshot -Path $path | Get-NetSecConnectivity | ConvertTo-NetSecConnlist
        $viaSnapshot | Should -Be $direct
        $direct | Should -Contain '{ingress-controller} => front/web[Deployment] : TCP 8080'
    }

    It 'reports an invalid policy as an error naming it and still lists the flows' {
        $flows = Get-NetSecConnectivity -Path (Join-Path $Conn 'invalid') -ErrorVariable errs -ErrorAction SilentlyContinue
        ($errs | ForEach-Object { "$_" }) -join "`n" | Should -Match 'NetworkPolicy broken/db-mixed: ingress rule 1, peer 1: ''10.0.0.0/33'' is not a valid CIDR'
        ($flows | ConvertTo-NetSecConnlist) | Should -Contain 'broken/app[Pod] => broken/db[Pod] : TCP 5432'
    }

    It 'treats host-network pods as node addresses unless -NetpolAnalyzerSemantics is given' {
        $path = Join-Path $Conn 'hostnetwork'
        $default = Get-NetSecConnectivity -Path $path | ConvertTo-NetSecConnlist
        $default | Should -Contain 'infra/web[Pod] => infra/agent[DaemonSet] : All Connections'
        $asPod = Get-NetSecConnectivity -Path $path -NetpolAnalyzerSemantics | ConvertTo-NetSecConnlist
        $asPod | Should -Not -Contain 'infra/web[Pod] => infra/agent[DaemonSet] : All Connections'
        $asPod | Should -Contain 'infra/agent[DaemonSet] => infra/web[Pod] : All Connections'
    }
}

Describe 'ConvertTo-NetSecConnlist' {
    It 'writes sorted connlist lines equal to a netpol-analyzer golden file' {
        Skip-WithoutConformance
        $lines = Get-NetSecConnectivity -Path (Join-Path $Conformance 'scenarios/acs-security-demos') -WarningAction SilentlyContinue | ConvertTo-NetSecConnlist
        $expected = Get-Content (Join-Path $Conformance 'expected/connlist/acs-security-demos.txt') | Where-Object { $_ }
        # The golden file is sorted byte-wise, as the cmdlet sorts (ordinal): same lines, same order.
        $lines | Should -Be $expected
    }
}

Describe 'Test-NetSecConnection' {
    BeforeAll {
        $script:Layers = Join-Path $Conn 'admin-layers'
        $script:Ports = Join-Path $Conn 'named-ports'
    }

    It 'explains a default allow' {
        $v = Test-NetSecConnection -Path $Ports -From shop/cart -To shop/client -Port 22 -Explain
        $v.Allowed | Should -BeTrue
        $v.Tier | Should -BeNullOrEmpty
        $v.Policy | Should -BeNullOrEmpty
        $v.Explanation | Should -Be 'allowed: no policy restricts egress of shop/cart[Deployment] or ingress of shop/client[Deployment]'
        $v.PSObject.TypeNames[0] | Should -Be 'NetSecPS.ConnectionVerdict#Explained'
    }

    It 'explains a NetworkPolicy isolation deny' {
        $v = Test-NetSecConnection -Path $Ports -From shop/catalog -To shop/cart -Port 9090 -Explain
        $v.Allowed | Should -BeFalse
        $v.Tier | Should -Be 'NetworkPolicy'
        $v.Explanation | Should -BeLike 'denied: pod shop/cart`[Deployment`] is isolated for ingress by shop/backends-http-from-client; no ingress rule*'
    }

    It 'explains a NetworkPolicy rule allow with a named port resolved on the destination' {
        $v = Test-NetSecConnection -Path $Ports -From shop/client -To 'shop/catalog[Deployment]' -Port 8080 -Explain
        $v.Allowed | Should -BeTrue
        $v.Rule | Should -Be 'ingress rule #1'
        $v.Steps.Count | Should -Be 2
    }

    It 'explains an admin policy pass that the baseline denies' {
        $v = Test-NetSecConnection -Path $Layers -From other/client2 -To pass/server2 -Port 80 -Explain
        $v.Allowed | Should -BeFalse
        $v.PolicyKind | Should -Be 'BaselineAdminNetworkPolicy'
        $v.Tier | Should -Be 'Baseline'
        $v.Rule | Should -Be 'deny-other'
        ($v.Steps -join "`n") | Should -Match 'pass-everything'
    }

    It 'explains an admin policy deny with UDP' {
        $v = Test-NetSecConnection -Path (Join-Path $Conn 'admin-layers/priorities.yaml') -From other/client -To prio/server -Port 53 -Protocol UDP -Explain
        $v.Allowed | Should -BeFalse
        $v.PolicyKind | Should -Be 'AdminNetworkPolicy'
        $v.Action | Should -Be 'Deny'
        $v.Policy | Should -Be 'ordered-rules'
        $v.Protocol | Should -Be 'UDP'
    }

    It 'explains exposure and host-network verdicts' {
        (Test-NetSecConnection -Path (Join-Path $Conn 'exposure') -From '{ingress-controller}' -To front/web -Port 9000 -Explain).Layer | Should -Be 'Exposure'
        (Test-NetSecConnection -Path (Join-Path $Conn 'hostnetwork') -From infra/web -To infra/agent -Port 10250 -Explain).Explanation | Should -Match 'uses the host network'
    }

    It 'takes the source from piped workload records' {
        $verdicts = Get-NetSecInventory -Path $Ports -Kind Workload | Test-NetSecConnection -Path $Ports -To shop/cart -Port 9090
        ($verdicts | Where-Object Allowed).From | Should -Be 'shop/client[Deployment]'
        @($verdicts).Count | Should -Be 3
    }

    It 'tests every piped pair against a -LiteralPath given on the command line' {
        $verdicts = Get-NetSecInventory -Path $Ports -Kind Workload | Test-NetSecConnection -LiteralPath $Ports -To shop/cart -Port 9090
        @($verdicts).Count | Should -Be 3 -Because 'the piped records are sources, not files to collect'
        ($verdicts | Where-Object Allowed).From | Should -Be 'shop/client[Deployment]'
    }

    It 'writes an error for an unknown peer' {
        Test-NetSecConnection -Path $Ports -From shop/ghost -To shop/cart -Port 80 -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'NetSecPS.PeerNotFound*'
        "$($errs[0])" | Should -Match 'shop/ghost'
    }
}

Describe 'Export-NetSecConnectivity' {
    It 'writes a self-contained HTML graph grouped by namespace' {
        $file = Join-Path $Work 'graph.html'
        $info = Get-NetSecConnectivity -Path (Join-Path $Conn 'exposure') | Export-NetSecConnectivity -Path $file -Title 'Front door' -PassThru
        $info.FullName | Should -Be $file
        $html = Get-Content -LiteralPath $file -Raw
        $html | Should -Match '<title>Front door</title>'
        $html | Should -Match 'namespace front'
        $html | Should -Match '\{ingress-controller\} =&gt; front/web\[Deployment\] : TCP 8080'
        $html | Should -Not -Match '<script[^>]+src='
        $html | Should -Not -Match '<link[^>]+href='
    }

    It 'writes Graphviz DOT with one cluster per namespace' {
        $file = Join-Path $Work 'graph.dot'
        Get-NetSecConnectivity -Path (Join-Path $Conn 'named-ports') | Export-NetSecConnectivity -Path $file
        $dot = Get-Content -LiteralPath $file -Raw
        $dot | Should -Match 'subgraph cluster_\d+ \{\s+label="namespace shop"'
        $dot | Should -Match '"shop/client\[Deployment\]" -> "shop/cart\[Deployment\]" \[label="TCP 9090"\]'
    }

    It 'keeps an existing file without -Force, writes nothing with -WhatIf and refuses unknown formats' {
        $file = Join-Path $Work 'keep.dot'
        Set-Content -LiteralPath $file -Value 'original'
        $flows = Get-NetSecConnectivity -Path (Join-Path $Conn 'named-ports')
        $flows | Export-NetSecConnectivity -Path $file -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'NetSecPS.FileExists*'
        Get-Content -LiteralPath $file | Should -Be 'original'
        $flows | Export-NetSecConnectivity -Path $file -Force -WhatIf
        Get-Content -LiteralPath $file | Should -Be 'original'
        $flows | Export-NetSecConnectivity -Path $file -Force
        Get-Content -LiteralPath $file -Raw | Should -Match '^digraph'
        { $flows | Export-NetSecConnectivity -Path (Join-Path $Work 'graph.pdf') -ErrorAction Stop } | Should -Throw '*.dot*'
        Get-ChildItem -LiteralPath $Work -Filter '*.tmp' -Force | Should -BeNullOrEmpty
    }
}
