BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force

    # The fake API server (tests/NetSecPS.FakeApiServer) as a process, the way a user's cluster is another process.
    $script:FakeDll = Join-Path $RepoRoot 'out/fake-apiserver/NetSecPS.FakeApiServer.dll'
    $project = Join-Path $RepoRoot 'tests/NetSecPS.FakeApiServer/NetSecPS.FakeApiServer.csproj'
    & dotnet build $project -c Release -o (Split-Path $FakeDll) --nologo -v q | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "building the fake API server failed" }

    function Start-FakeApiServer {
        param([string[]] $Arguments = @())
        $dir = Join-Path ([IO.Path]::GetTempPath()) ('netsecps-pester-' + [guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory -Path $dir | Out-Null
        $kubeconfig = Join-Path $dir 'kubeconfig'
        $argList = @($FakeDll, '--manifests', (Join-Path $Fixtures 'live/cluster'), '--kubeconfig-out', $kubeconfig) + $Arguments
        $process = Start-Process -FilePath 'dotnet' -ArgumentList $argList -PassThru -RedirectStandardOutput (Join-Path $dir 'out.txt') -RedirectStandardError (Join-Path $dir 'err.txt')
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while (-not (Test-Path $kubeconfig)) {
            if ($process.HasExited -or [DateTime]::UtcNow -gt $deadline) {
                throw "the fake API server did not start: $(Get-Content (Join-Path $dir 'err.txt') -Raw)"
            }
            Start-Sleep -Milliseconds 100
        }
        $token = (Select-String -LiteralPath $kubeconfig -Pattern '^\s*token:\s*(\S+)').Matches[0].Groups[1].Value
        [pscustomobject]@{ Process = $process; Directory = $dir; Kubeconfig = $kubeconfig; Token = $token }
    }

    function Stop-FakeApiServer {
        param($Server)
        if ($Server -and -not $Server.Process.HasExited) { Stop-Process -Id $Server.Process.Id -ErrorAction SilentlyContinue; $Server.Process.WaitForExit(10000) | Out-Null }
        if ($Server) { Remove-Item -LiteralPath $Server.Directory -Recurse -Force -ErrorAction SilentlyContinue }
    }

    $script:Cluster = Start-FakeApiServer
    $script:Faulty = Start-FakeApiServer -Arguments @('--forbid', 'networking.k8s.io/networkpolicies', '--throttle', 'pods:1:1',
        '--fail', 'services:2', '--expire-continue', 'pods:1')
}

AfterAll {
    Stop-FakeApiServer $Cluster
    Stop-FakeApiServer $Faulty
}

Describe 'Get-NetSecSnapshot from a live cluster' {
    It 'reads the cluster of a kubeconfig with its provenance and coverage' {
        $snap = Get-NetSecSnapshot -Kubeconfig $Cluster.Kubeconfig
        $snap.SourceKind | Should -Be 'live'
        $snap.Provenance.Context | Should -Be 'netsecps-fake'
        $snap.Provenance.ServerVersion | Should -Be 'v1.31.2'
        $snap.Provenance.Server | Should -Match '^https://127\.0\.0\.1:\d+$'
        $snap.KindCounts['Pod'] | Should -Be 10
        $snap.KindCounts['ReplicaSet'] | Should -Be 3
        ($snap.Coverage | Where-Object { $_.Kind -eq 'Pod' }).Status | Should -Be 'Read'
        ($snap.Coverage | Where-Object { $_.Kind -eq 'PeerAuthentication' }).Status | Should -Be 'Absent'
        $snap.KindCounts.ContainsKey('Secret') | Should -BeFalse
    }

    It 'narrows namespaced kinds to -Namespace and still reads cluster-scoped kinds' {
        $snap = Get-NetSecSnapshot -Kubeconfig $Cluster.Kubeconfig -Namespace payments
        $snap.KindCounts['Pod'] | Should -Be 3
        $snap.KindCounts['Node'] | Should -Be 3
        $snap.KindCounts['AdminNetworkPolicy'] | Should -Be 1
    }

    It 'feeds the analysis cmdlets: Get-NetSecInventory lists the workloads resolved from pods' {
        $workloads = Get-NetSecInventory -Kubeconfig $Cluster.Kubeconfig | Where-Object { $_ -is [NetSecPS.WorkloadItem] }
        $workloads.Peer | Sort-Object | Should -Be @('payments/billing[Deployment]', 'payments/ledger-migrate[Job]', 'shop/cart[Deployment]',
            'shop/frontend[Deployment]', 'shop/redis[StatefulSet]', 'shop/report[CronJob]')
        ($workloads | Where-Object Name -eq 'frontend').Pods | Should -Be 3
    }

    It 'warns about a forbidden kind, records it in coverage and reads the rest despite 429, 500 and 410' {
        $snap = Get-NetSecSnapshot -Kubeconfig $Faulty.Kubeconfig -PageSize 4 -WarningVariable warnings -WarningAction SilentlyContinue
        ($warnings -join "`n") | Should -Match 'Cannot list networkpolicies\.networking\.k8s\.io: the API server refused .*cannot list resource "networkpolicies"'
        $np = $snap.Coverage | Where-Object { $_.Kind -eq 'NetworkPolicy' -and $_.ApiVersion -eq 'networking.k8s.io/v1' }
        $np.Status | Should -Be 'Forbidden'
        $snap.KindCounts['Pod'] | Should -Be 10
        $snap.KindCounts['Service'] | Should -Be 4
    }

    It 'stops with an authentication error for a wrong token, without showing any token' {
        $bad = Join-Path $Cluster.Directory 'bad-token'
        (Get-Content -LiteralPath $Cluster.Kubeconfig -Raw) -replace [regex]::Escape($Cluster.Token), 'not-the-token-0123456789' | Set-Content -LiteralPath $bad
        $err = $null
        try { Get-NetSecSnapshot -Kubeconfig $bad -ErrorAction Stop } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.CategoryInfo.Category | Should -Be 'AuthenticationError'
        $err.FullyQualifiedErrorId | Should -BeLike 'NetSecPS.ClusterUnauthorized*'
        "$err" | Should -Match '401 Unauthorized'
        "$err" | Should -Not -Match 'not-the-token-0123456789'
        "$err" | Should -Not -Match ([regex]::Escape($Cluster.Token))
    }

    It 'refuses a server the kubeconfig CA does not trust, and reads it with -SkipTlsVerify and a warning' {
        $other = Start-FakeApiServer
        try {
            # The other server's kubeconfig with this server's address and token: the CA does not match.
            $mixed = Join-Path $Cluster.Directory 'wrong-ca'
            $server = (Select-String -LiteralPath $Cluster.Kubeconfig -Pattern '^\s*server:\s*(\S+)').Matches[0].Groups[1].Value
            (Get-Content -LiteralPath $other.Kubeconfig -Raw) -replace 'server: \S+', "server: $server" -replace [regex]::Escape($other.Token), $Cluster.Token |
                Set-Content -LiteralPath $mixed
            $err = $null
            try { Get-NetSecSnapshot -Kubeconfig $mixed -ErrorAction Stop } catch { $err = $_ }
            $err.CategoryInfo.Category | Should -Be 'SecurityError'
            "$err" | Should -Match 'not trusted'

            $snap = Get-NetSecSnapshot -Kubeconfig $mixed -SkipTlsVerify -WarningVariable w -WarningAction SilentlyContinue
            $snap.KindCounts['Pod'] | Should -Be 10
            ($w -join "`n") | Should -Match 'TLS verification .* disabled'
        }
        finally { Stop-FakeApiServer $other }
    }

    It 'never shows the token in verbose, warning or error output, nor in the exported snapshot' {
        # A server of its own: the faults of the shared one are used up by the test before.
        $Faulty = Start-FakeApiServer -Arguments @('--forbid', 'networking.k8s.io/networkpolicies', '--throttle', 'pods:1:1',
            '--fail', 'services:2', '--expire-continue', 'pods:1', '--fail', 'configmaps:1000')
        try {
            $file = Join-Path $Faulty.Directory 'snap.json.gz'
            $streams = Get-NetSecSnapshot -Kubeconfig $Faulty.Kubeconfig -PageSize 3 -Verbose -ErrorAction Continue 4>&1 3>&1 2>&1 |
                ForEach-Object { if ($_ -is [NetSecPS.Snapshot]) { $_ | Export-NetSecSnapshot -Path $file -Force; 'SNAPSHOT' } else { "$_" } }
            $bad = Join-Path $Faulty.Directory 'stale-token'
            (Get-Content -LiteralPath $Faulty.Kubeconfig -Raw) -replace [regex]::Escape($Faulty.Token), ($Faulty.Token + 'x') | Set-Content -LiteralPath $bad
            $errorText = try { Get-NetSecSnapshot -Kubeconfig $bad -Verbose -ErrorAction Stop 4>&1 3>&1 | ForEach-Object { "$_" } } catch { "$_"; $_.Exception.ToString() }
            $gz = [IO.Compression.GZipStream]::new([IO.File]::OpenRead($file), [IO.Compression.CompressionMode]::Decompress)
            $saved = try { [IO.StreamReader]::new($gz).ReadToEnd() } finally { $gz.Dispose() }

            $streams | Should -Contain 'SNAPSHOT'
            ($streams | Where-Object { $_ -match 'retry' }) | Should -Not -BeNullOrEmpty -Because 'the faults make the read retry, so there is output to search'
            ($streams | Where-Object { $_ -match '^ConfigMap: Cannot list configmaps' }) | Should -Not -BeNullOrEmpty -Because 'a kind that keeps failing is an error record'
            $saved | Should -Match '"kind":"Pod"'
            $all = ($streams + $errorText + $saved) -join "`n"
            $all | Should -Not -Match ([regex]::Escape($Faulty.Token))
            $all | Should -Not -Match 'Bearer'
        }
        finally { Stop-FakeApiServer $Faulty }
    }
}
