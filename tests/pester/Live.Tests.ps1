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

    # The job entry script in a fresh PowerShell with only the settings given; its stdout is JSON log records.
    function Invoke-ComplianceJob {
        param([hashtable] $Environment)
        $exe = [Environment]::ProcessPath
        $psi = [Diagnostics.ProcessStartInfo]::new($exe)
        if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $psi.ArgumentList.Add('pwsh') }
        foreach ($a in '-NoProfile', '-NonInteractive', '-File', (Join-Path $RepoRoot 'jobs/Invoke-NetSecComplianceJob.ps1')) { $psi.ArgumentList.Add($a) }
        $psi.WorkingDirectory = $RepoRoot
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $psi.UseShellExecute = $false
        foreach ($name in @($psi.Environment.Keys)) {
            if ($name -like 'NETSEC_*' -or $name -in 'KUBECONFIG', 'KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT') { [void]$psi.Environment.Remove($name) }
        }
        $psi.Environment['NETSEC_MODULE_PATH'] = $ModulePath
        foreach ($name in $Environment.Keys) { $psi.Environment[$name] = [string]$Environment[$name] }
        $process = [Diagnostics.Process]::Start($psi)
        try {
            $stdout = $process.StandardOutput.ReadToEndAsync()
            $stderr = $process.StandardError.ReadToEndAsync()
            if (-not $process.WaitForExit(600000)) { $process.Kill($true); throw 'the job did not end within 600 s' }
            $process.WaitForExit()
            [pscustomobject]@{
                ExitCode = $process.ExitCode
                Stdout   = $stdout.Result
                Stderr   = $stderr.Result
                Records  = @($stdout.Result -split "`r?`n" | Where-Object { $_ } | ForEach-Object { ConvertFrom-Json -InputObject $_ -AsHashtable })
            }
        }
        finally { $process.Dispose() }
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

Describe 'Context completion for a live read' {
    It 'completes -Context from every file KUBECONFIG lists, matched as kubectl merges them' {
        $dir = Join-Path $TestDrive 'kc'
        $null = New-Item -ItemType Directory -Path $dir
        $one = Join-Path $dir 'one'; $two = Join-Path $dir 'two'
        Set-Content -LiteralPath $one -Value "apiVersion: v1`nkind: Config`ncontexts:`n- name: prod-eu`n  context: {cluster: a, user: a}`n- name: staging`n  context: {cluster: a, user: a}"
        Set-Content -LiteralPath $two -Value "apiVersion: v1`nkind: Config`ncontexts:`n- name: prod-us`n  context: {cluster: b, user: b}"
        $saved = $env:KUBECONFIG
        try {
            $env:KUBECONFIG = $one + [IO.Path]::PathSeparator + $two
            $line = 'Get-NetSecSnapshot -Context prod'
            $r = TabExpansion2 -inputScript $line -cursorColumn $line.Length
            $r.CompletionMatches.CompletionText | Should -Be @('prod-eu', 'prod-us')
            $line = "Get-NetSecSnapshot -Kubeconfig '$two' -Context "
            (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be @('prod-us')
        }
        finally { $env:KUBECONFIG = $saved }
    }
}

Describe 'A live read proves who it talks to and never leaks a credential' {
    It 'refuses to send the token to an http:// server, and sends it with -AllowInsecureHttp and a warning' {
        $plain = Start-FakeApiServer -Arguments @('--plain-http')
        try {
            $err = $null
            try { Get-NetSecSnapshot -Kubeconfig $plain.Kubeconfig -ErrorAction Stop } catch { $err = $_ }
            $err.FullyQualifiedErrorId | Should -BeLike 'NetSecPS.InsecureHttpRefused*'
            $err.CategoryInfo.Category | Should -Be 'SecurityError'
            "$err" | Should -Match 'plain HTTP'
            "$err" | Should -Not -Match ([regex]::Escape($plain.Token))

            $snap = Get-NetSecSnapshot -Kubeconfig $plain.Kubeconfig -AllowInsecureHttp -WarningVariable w -WarningAction SilentlyContinue
            $snap.KindCounts['Pod'] | Should -Be 10
            ($w -join "`n") | Should -Match '-AllowInsecureHttp: the token of user .* is sent in clear text to http://127\.0\.0\.1:'

            # The job: refused (exit 2) unless NETSEC_ALLOW_INSECURE_HTTP is true, and then warned about.
            $refused = Invoke-ComplianceJob @{ KUBECONFIG = $plain.Kubeconfig; NETSEC_OUTPUT_DIR = (Join-Path $plain.Directory 'refused') }
            $allowed = Invoke-ComplianceJob @{ KUBECONFIG = $plain.Kubeconfig; NETSEC_OUTPUT_DIR = (Join-Path $plain.Directory 'allowed'); NETSEC_ALLOW_INSECURE_HTTP = 'true' }
            $refused.ExitCode | Should -Be 2 -Because $refused.Stdout
            ($refused.Records | Where-Object { $_.event -eq 'scan.failed' }).errorId | Should -BeLike 'NetSecPS.InsecureHttpRefused*'
            $allowed.ExitCode | Should -BeIn 0, 1 -Because $allowed.Stdout
            ($allowed.Records | Where-Object { $_.event -eq 'scan.warning' }).message -join "`n" | Should -Match 'AllowInsecureHttp: .* clear text'
            $refused.Stdout + $allowed.Stdout | Should -Not -Match ([regex]::Escape($plain.Token))
        }
        finally { Stop-FakeApiServer $plain }
    }

    It 'fails with ClusterUnavailable for a server that answers <Mode> to everything, and the job exits 2' -ForEach @(@{ Mode = '404' }, @{ Mode = 'html' }) {
        $web = Start-FakeApiServer -Arguments @('--not-kubernetes', $Mode)
        try {
            $err = $null
            try { Get-NetSecSnapshot -Kubeconfig $web.Kubeconfig -ErrorAction Stop } catch { $err = $_ }
            $err.FullyQualifiedErrorId | Should -BeLike 'NetSecPS.ClusterUnavailable*'
            $err.CategoryInfo.Category | Should -Be 'ConnectionError'
            "$err" | Should -Match 'is not a Kubernetes API server'

            # Before: the job read an empty, healthy cluster, exited 0 and scored 80.
            $out = Join-Path $web.Directory 'reports'
            $run = Invoke-ComplianceJob @{ KUBECONFIG = $web.Kubeconfig; NETSEC_OUTPUT_DIR = $out }
            $run.ExitCode | Should -Be 2 -Because $run.Stdout
            $failed = $run.Records | Where-Object { $_.event -eq 'scan.failed' }
            $failed.errorId | Should -BeLike 'NetSecPS.ClusterUnavailable*'
            ($run.Records | Where-Object { $_.event -eq 'job.end' }).outcome | Should -Be 'scan-failed'
            Get-ChildItem -LiteralPath $out -Recurse -Include '*.xlsx', '*.pdf', '*.json' -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        }
        finally { Stop-FakeApiServer $web }
    }

    It 'never prints or writes a credential of any kind (token, tokenFile, exec plugin output, client key file or data, proxy password), from the module or the job' -Skip:$IsWindows {
        $token = 'exec-token-' + [guid]::NewGuid().ToString('N')
        $certDir = Join-Path ([IO.Path]::GetTempPath()) "netsecps-cc-$PID"
        $proxyFile = Join-Path ([IO.Path]::GetTempPath()) "netsecps-proxy-$PID"
        $proxyPassword = 'proxy-pass-' + [guid]::NewGuid().ToString('N')
        $server = Start-FakeApiServer -Arguments @('--token', $token, '--client-cert-out', $certDir, '--proxy-out', $proxyFile, '--proxy-credentials', "proxyuser:$proxyPassword")
        try {
            $dir = $server.Directory
            $caData = (Select-String -LiteralPath $server.Kubeconfig -Pattern 'certificate-authority-data:\s*(\S+)').Matches[0].Groups[1].Value
            $url = (Select-String -LiteralPath $server.Kubeconfig -Pattern 'server:\s*(\S+)').Matches[0].Groups[1].Value
            $leak = 'plugin-diagnostic-' + [guid]::NewGuid().ToString('N')
            $plugin = Join-Path $dir 'plugin.sh'
            Set-Content -LiteralPath $plugin -Value @(
                '#!/bin/sh'
                "echo '$leak on stderr' >&2"
                "printf '%s' '{""apiVersion"":""client.authentication.k8s.io/v1"",""kind"":""ExecCredential"",""status"":{""token"":""$token"",""expirationTimestamp"":""2099-01-01T00:00:00Z""}}'"
            )
            $leaky = Join-Path $dir 'leaky.sh'
            Set-Content -LiteralPath $leaky -Value @('#!/bin/sh', "echo 'token: $token is not JSON, and $leak neither'")
            chmod +x $plugin $leaky
            $keyPem = Get-Content -LiteralPath (Join-Path $certDir 'client.key') -Raw
            $keyBody = ($keyPem -split "`n")[1].Trim()
            $keyData = [Convert]::ToBase64String([IO.File]::ReadAllBytes((Join-Path $certDir 'client.key')))
            $certData = [Convert]::ToBase64String([IO.File]::ReadAllBytes((Join-Path $certDir 'client.crt')))
            $tokenFile = Join-Path $dir 'token'
            Set-Content -LiteralPath $tokenFile -Value $token -NoNewline
            $proxyUrl = Get-Content -LiteralPath $proxyFile -Raw
            $proxyUrl | Should -Match "^http://proxyuser:$proxyPassword@127\.0\.0\.1:\d+$"
            function Write-Kubeconfig([string] $Name, [string[]] $User, [string[]] $Cluster = @()) {
                $path = Join-Path $dir $Name
                Set-Content -LiteralPath $path -Value (@(
                    'apiVersion: v1', 'kind: Config', 'clusters:', '- name: fake', '  cluster:', "    server: $url", "    certificate-authority-data: $caData") +
                    @($Cluster | ForEach-Object { "    $_" }) + @('users:', '- name: auditor', '  user:') + @($User | ForEach-Object { "    $_" }) + @(
                    'contexts:', '- name: fake', '  context:', '    cluster: fake', '    user: auditor', 'current-context: fake'))
                $path
            }
            # One kubeconfig per way to authenticate; each holds its credential and nothing else that is secret.
            $kubeconfigs = [ordered]@{
                exec      = Write-Kubeconfig 'exec' @('exec:', '  apiVersion: client.authentication.k8s.io/v1', "  command: $plugin", '  interactiveMode: Never')
                cert      = Write-Kubeconfig 'cert' @("client-certificate: $(Join-Path $certDir 'client.crt')", "client-key: $(Join-Path $certDir 'client.key')")
                certdata  = Write-Kubeconfig 'certdata' @("client-certificate-data: $certData", "client-key-data: $keyData")
                tokenfile = Write-Kubeconfig 'tokenfile' @("tokenFile: $tokenFile")
                proxied   = Write-Kubeconfig -Name 'proxied' -User @("token: $token") -Cluster @("proxy-url: $proxyUrl")
            }
            $bad = Write-Kubeconfig 'leaky' @('exec:', '  apiVersion: client.authentication.k8s.io/v1', "  command: $leaky", '  interactiveMode: Never')

            # The module: every stream of a scan with each credential, its reports in every format, a snapshot and a baseline.
            $written = Join-Path $dir 'written'
            $null = New-Item -ItemType Directory -Path $written
            $streams = foreach ($name in $kubeconfigs.Keys) {
                $kc = $kubeconfigs[$name]
                Invoke-NetSecScan -Kubeconfig $kc -Verbose 4>&1 3>&1 2>&1 | ForEach-Object {
                    if ($_ -is [NetSecPS.ScanResult]) {
                        $_ | Export-NetSecReport -Path (Join-Path $written "$name.xlsx"), (Join-Path $written "$name.pdf"), (Join-Path $written "$name.json"),
                            (Join-Path $written "$name.csv"), (Join-Path $written "$name.sarif"), (Join-Path $written "$name.junit.xml") -Force
                        "SCAN $name"
                    }
                    else { "$_" }
                }
                Get-NetSecSnapshot -Kubeconfig $kc | Export-NetSecSnapshot -Path (Join-Path $written "$name.json.gz") -Force
                Get-NetSecSnapshot -Kubeconfig $kc | Export-NetSecBaseline -Path (Join-Path $written "$name.baseline.json") -Force
            }
            $failureMessage = $null
            $failure = try { Get-NetSecSnapshot -Kubeconfig $bad -Verbose -ErrorAction Stop 4>&1 3>&1 | ForEach-Object { "$_" } } catch { $failureMessage = "$_"; "$_"; $_.Exception.ToString() }
            # The job: a good run with each credential (reports, history, metrics), and a run with the leaky plugin.
            $jobOut = Join-Path $dir 'job'
            $good = foreach ($name in $kubeconfigs.Keys) {
                $formats = if ($name -eq 'exec') { 'xlsx,pdf,json,csv,sarif,junit' } else { 'json' }
                Invoke-ComplianceJob @{ KUBECONFIG = $kubeconfigs[$name]; NETSEC_OUTPUT_DIR = (Join-Path $jobOut $name); NETSEC_FORMATS = $formats }
            }
            $badRun = Invoke-ComplianceJob @{ KUBECONFIG = $bad; NETSEC_OUTPUT_DIR = (Join-Path $dir 'job-bad') }

            @($streams | Where-Object { $_ -like 'SCAN *' }) | Should -Be @($kubeconfigs.Keys | ForEach-Object { "SCAN $_" })
            $streams -join "`n" | Should -Match ([regex]::Escape("Connecting through the proxy $($proxyUrl -replace 'proxyuser:[^@]+@', '') (proxy-url of cluster 'fake').")) -Because 'the proxied read went through the proxy'
            foreach ($run in $good) { $run.ExitCode | Should -BeIn 0, 1 -Because $run.Stdout }
            $badRun.ExitCode | Should -Be 2 -Because $badRun.Stdout
            ($badRun.Records | Where-Object { $_.event -eq 'scan.failed' }).errorId | Should -BeLike 'NetSecPS.CredentialUnavailable*'
            $failureMessage | Should -Match 'not an ExecCredential \(not JSON\)'
            $writtenText = (Get-WrittenText $written, $jobOut) -join "`n"
            $writtenText | Should -Match '"kind":\s*"Pod"' -Because 'the snapshot was written and read back'
            $everything = @($streams) + @($failure) + @($good | ForEach-Object { $_.Stdout; $_.Stderr }) + @($badRun.Stdout, $badRun.Stderr, $writtenText) -join "`n"
            $secrets = [ordered]@{ 'token (exec, tokenFile, proxied)' = $token; 'plugin stderr' = $leak; 'client key' = $keyBody; 'client-key-data' = $keyData.Substring(0, 60); 'proxy password' = $proxyPassword }
            foreach ($secret in $secrets.Keys) {
                # Only the lines that hold it, so a failure names where it leaked.
                @($everything -split "`n" | Where-Object { $_.Contains($secrets[$secret]) }) | Should -BeNullOrEmpty -Because "the $secret must not appear"
            }
            $badRun.Stdout + $failureMessage | Should -Not -Match '\s+at NetSecPS\.' -Because 'no .NET stack trace reaches the error or the log'
        }
        finally {
            Stop-FakeApiServer $server
            Remove-Item -LiteralPath $certDir -Recurse -Force -ErrorAction SilentlyContinue
            Remove-Item -LiteralPath $proxyFile -Force -ErrorAction SilentlyContinue
        }
    }
}
