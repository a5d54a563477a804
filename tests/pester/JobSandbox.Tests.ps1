# The job as its container runs it, without a container engine: bubblewrap (bwrap) builds the pod's
# container from jobs/Dockerfile (the runtime stage's files, USER, WORKDIR, ENV and ENTRYPOINT, the
# .NET runtime without the SDK), with a read-only root, only /reports and /tmp writable, the
# settings ConfigMap and the CronJob's env, a service-account token where the kubelet mounts it,
# and no network but loopback, on which the fake API server plays the cluster.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'JobImage.ps1')
    $script:Problem = Get-JobSandboxProblem
    if ($Problem) {
        Write-Warning "The job sandbox tests are skipped: $Problem"
        return
    }
    $script:Dockerfile = Read-Dockerfile (Join-Path $RepoRoot 'jobs/Dockerfile')
    $script:Runtime = Get-RuntimeStage $Dockerfile
    $script:Uid, $script:Gid = $Runtime.User -split ':'
    $script:ClusterDir = Join-Path $Fixtures 'job/cluster'
    $script:FakeDll = Join-Path $RepoRoot 'out/fake-apiserver/NetSecPS.FakeApiServer.dll'
    & dotnet build (Join-Path $RepoRoot 'tests/NetSecPS.FakeApiServer/NetSecPS.FakeApiServer.csproj') -c Release -o (Split-Path $FakeDll) --nologo -v q | Out-Null
    if ($LASTEXITCODE -ne 0) { throw 'building the fake API server failed' }

    # The image's files, laid out as the runtime stage's COPYs put them (module and job script from
    # this build, PowerShell installed as the build stage installs it).
    $script:Layout = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'image') -Force
    New-JobImageLayout -Dockerfile $Dockerfile -Root $Layout -RepoRoot $RepoRoot -ToolCache (Join-Path $RepoRoot 'out/job-image-tools')
    # The job's user reaches the test's folders through TestDrive.
    & chmod 755 $TestDrive

    # A reports volume as the image's RUN leaves /reports (owned by the job's user, 0750) and an emptyDir /tmp.
    function New-PodVolumes {
        param([string] $Name)
        $reports = New-Item -ItemType Directory -Path (Join-Path $TestDrive "$Name/reports") -Force
        $tmp = New-Item -ItemType Directory -Path (Join-Path $TestDrive "$Name/tmp") -Force
        if ((& id -u) -eq '0') { & chown "$($Uid):$($Gid)" $reports }
        & chmod 0750 $reports
        & chmod 1777 $tmp
        [pscustomobject]@{ Name = $Name; Reports = $reports.FullName; Tmp = $tmp.FullName }
    }

    function Invoke-PodJob {
        param($Volumes, [hashtable] $Environment = @{}, [int] $Parallel = 1, [int] $ApiPort = 6443, [hashtable] $ReadOnlyMounts = @{}, [string[]] $Command)
        $work = Join-Path $TestDrive "$($Volumes.Name)/work-$([guid]::NewGuid().ToString('N').Substring(0, 6))"
        Invoke-JobSandbox -Dockerfile $Dockerfile -Layout $Layout -Work $work -Reports $Volumes.Reports -Tmp $Volumes.Tmp -RepoRoot $RepoRoot `
            -FakeDll $FakeDll -Manifests $ClusterDir -Environment $Environment -Parallel $Parallel -ApiPort $ApiPort -ReadOnlyMounts $ReadOnlyMounts -Command $Command
    }

    function Get-Record {
        param($Run, [string] $Name)
        , @($Run.Records | Where-Object { $_.event -eq $Name })
    }

    # What PowerShell itself may keep in /tmp (HOME=/tmp): its startup profile data and module analysis cache.
    $script:PowerShellTmp = '^(\.cache/|\.cache/powershell/|\.cache/powershell/StartupProfileData-NonInteractive|powershell/|powershell/ModuleAnalysisCache)$'
}

Describe 'The job in a sandbox built from jobs/Dockerfile (bubblewrap)' {
    BeforeEach {
        if ($Problem) { Set-ItResult -Skipped -Because $Problem }
    }

    It 'lets nothing in the sandbox write anywhere but /reports and /tmp, and gives it no network interface but loopback' {
        $volumes = New-PodVolumes 'probe'
        $script = 'for d in / /opt /opt/netsecps /etc /etc/netsecps /usr /usr/share/dotnet /var/run/secrets/kubernetes.io/serviceaccount /home /reports /tmp; do if touch "$d/.probe" 2>/dev/null; then echo "writable $d"; rm -f "$d/.probe"; else echo "read-only $d"; fi; done; ' +
            'sed -n "3,\$p" /proc/net/dev | while IFS=: read -r name rest; do echo "interface $(echo $name)"; done; id -u; id -g'
        $probe = Invoke-PodJob $volumes -Command '/bin/sh', '-c', $script
        $probe.ExitCode | Should -Be 0 -Because $probe.Stderr
        @($probe.Lines | Where-Object { $_ -like 'writable *' }) | Should -Be @('writable /reports', 'writable /tmp')
        @($probe.Lines | Where-Object { $_ -like 'interface *' }) | Should -Be @('interface lo') -Because 'the job reaches the fake API server on loopback and nothing else'
        $probe.Lines[-2..-1] | Should -Be @($Uid, $Gid)
        # The only writable mounts are the two volumes; every other mount is read-only or remounted so.
        $binds = for ($i = 0; $i -lt $probe.Arguments.Count; $i++) { if ($probe.Arguments[$i] -eq '--bind') { $probe.Arguments[$i + 2] } }
        @($binds) | Should -Be @('/reports', '/tmp')
        Get-TreeListing $volumes.Reports | Should -BeNullOrEmpty
    }

    It 'runs as uid 1654 on a read-only root with in-cluster credentials: exit 0, reports, history, baseline and metrics in /reports, only PowerShell''s caches in /tmp, nothing on stderr' {
        $volumes = New-PodVolumes 'first'
        $run = Invoke-PodJob $volumes
        $run.ExitCode | Should -Be 0 -Because ($run.Lines + $run.Stderr -join "`n")
        $run.Stderr | Should -BeNullOrEmpty -Because 'PowerShell starts quietly: no telemetry banner, update notice or cache error'
        @($run.Records | Where-Object { $_.level -ne 'info' }) | Should -BeNullOrEmpty -Because 'a healthy run logs no warning'
        $start = (Get-Record $run 'job.start')[0]
        $start.credentials | Should -Be 'in-cluster'
        $start.outputDirectory | Should -Be '/reports'
        $start.exceptions | Should -Be '/etc/netsecps/exceptions.yaml'
        $start.modulePath | Should -Be $Runtime.Env['NETSEC_MODULE_PATH']
        $run.Records[0].event | Should -Be 'job.start' -Because 'HOME=/tmp is writable, so the entry point has nothing to say'

        $end = (Get-Record $run 'job.end')[0]
        $id = $end.run
        $id | Should -Match '^\d{8}T\d{6}Z$'
        $files = "netsec-my-cluster-$id"
        Get-TreeListing $volumes.Reports | Should -Be @(
            'baseline.json', 'history.jsonl', 'history.jsonl.lock', 'netsec.prom', 'runs/', "runs/$id/",
            "runs/$id/$files.json", "runs/$id/$files.pdf", "runs/$id/$files.xlsx")
        @(Get-TreeListing $volumes.Tmp | Where-Object { $_ -notmatch $PowerShellTmp }) | Should -BeNullOrEmpty

        # Real reports of the cluster the fake API server served.
        $report = Get-Content (Join-Path $volumes.Reports "runs/$id/$files.json") -Raw | ConvertFrom-Json -AsHashtable -Depth 64
        $done = (Get-Record $run 'scan.done')[0]
        @($report.findings | Where-Object { -not $_.suppressed }).Count | Should -Be (($done.findings.Values | Measure-Object -Sum).Sum)
        $report | ConvertTo-Json -Depth 64 | Should -Match 'ledger'
        [Text.Encoding]::ASCII.GetString([IO.File]::ReadAllBytes((Join-Path $volumes.Reports "runs/$id/$files.pdf")), 0, 5) | Should -Be '%PDF-'
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [IO.Compression.ZipFile]::OpenRead((Join-Path $volumes.Reports "runs/$id/$files.xlsx"))
        try { $zip.Entries.FullName | Should -Contain 'xl/workbook.xml' } finally { $zip.Dispose() }
        $history = @(Get-Content (Join-Path $volumes.Reports 'history.jsonl'))
        $history.Count | Should -Be 1
        ($history[0] | ConvertFrom-Json).cluster | Should -Be 'my-cluster'
        (Get-Content (Join-Path $volumes.Reports 'baseline.json') -Raw | ConvertFrom-Json -AsHashtable -Depth 64).Keys | Should -Contain 'posture'
        $metrics = Get-Content (Join-Path $volumes.Reports 'netsec.prom')
        $metrics | Should -Contain 'netsec_scan_success 1'
        $metrics | Should -Contain "netsec_findings_by_severity{severity=`"high`"} $($done.findings['high'])"
        $metrics[-1] | Should -Be '# EOF'

        # The service-account token the job authenticated with appears in nothing it printed or wrote.
        $token = (Get-Content -LiteralPath (Join-Path $run.Work 'serviceaccount/token') -Raw).Trim()
        $token.Length | Should -BeGreaterThan 20
        $everything = @($run.Lines) + @($run.Stderr) + @(Get-WrittenText $volumes.Reports, $volumes.Tmp) -join "`n"
        $everything | Should -Match 'netsec_scan_success' -Because 'the written files were read'
        $everything | Should -Not -Match ([regex]::Escape($token))
    }

    It 'exits 1 on the next run when findings reach NETSEC_FAIL_ON, comparing with the baseline the first run saved' {
        $volumes = New-PodVolumes 'fail-on'
        $first = Invoke-PodJob $volumes -Environment @{ NETSEC_FORMATS = 'json' }
        $first.ExitCode | Should -Be 0 -Because ($first.Lines -join "`n")
        $baseline = (Get-FileHash (Join-Path $volumes.Reports 'baseline.json')).Hash
        $second = Invoke-PodJob $volumes -Environment @{ NETSEC_FORMATS = 'json'; NETSEC_FAIL_ON = 'high' }
        $second.ExitCode | Should -Be 1 -Because ($second.Lines -join "`n")
        $second.Stderr | Should -BeNullOrEmpty
        (Get-Record $second 'job.end')[0].outcome | Should -Be 'threshold-reached'
        (Get-Record $second 'baseline.compared')[0].driftRecords | Should -Be 0
        (Get-FileHash (Join-Path $volumes.Reports 'baseline.json')).Hash | Should -Be $baseline
        @(Get-Content (Join-Path $volumes.Reports 'history.jsonl')).Count | Should -Be 2
        @(Get-ChildItem (Join-Path $volumes.Reports 'runs') -Directory).Count | Should -Be 2 -Because 'the reports are written whatever the verdict'
    }

    It 'exits 2 when the API server cannot be reached: metrics say so, and no run folder, staging folder or lock is left' {
        $volumes = New-PodVolumes 'unreachable'
        $run = Invoke-PodJob $volumes -Environment @{ NETSEC_FORMATS = 'json'; KUBERNETES_SERVICE_PORT = '6444'; KUBERNETES_SERVICE_PORT_HTTPS = '6444' }
        $run.ExitCode | Should -Be 2 -Because ($run.Lines -join "`n")
        $run.Stderr | Should -BeNullOrEmpty
        (Get-Record $run 'scan.failed').Count | Should -Be 1
        (Get-Record $run 'job.end')[0].outcome | Should -Be 'scan-failed'
        Get-TreeListing $volumes.Reports | Should -Be @('netsec.prom', 'runs/')
        Get-Content (Join-Path $volumes.Reports 'netsec.prom') | Should -Contain 'netsec_scan_success 0'
        $token = (Get-Content -LiteralPath (Join-Path $run.Work 'serviceaccount/token') -Raw).Trim()
        @($run.Lines) + @($run.Stderr) + @(Get-WrittenText $volumes.Reports, $volumes.Tmp) -join "`n" | Should -Not -Match ([regex]::Escape($token))
    }

    It 'starts and scans when the runtime gives it a HOME it cannot write (HOME=/home/app, as taken from /etc/passwd)' {
        $volumes = New-PodVolumes 'home'
        $run = Invoke-PodJob $volumes -Environment @{ NETSEC_FORMATS = 'json'; HOME = '/home/app' }
        $run.ExitCode | Should -Be 0 -Because "pwsh must not abort (exit 134) before the job logs anything: $($run.Stderr)"
        $run.Stderr | Should -BeNullOrEmpty
        $moved = Get-Record $run 'runtime.home'
        $moved.Count | Should -Be 1
        $moved[0].level | Should -Be 'warn'
        $moved[0].home | Should -Be '/home/app'
        $run.Records[1].event | Should -Be 'job.start'
        (Get-TreeListing $volumes.Tmp) | Should -Contain 'netsecps-home/.cache/powershell/'
        @(Get-TreeListing $volumes.Tmp | Where-Object { $_ -notmatch $PowerShellTmp -and $_ -notmatch '^netsecps-home/' }) | Should -BeNullOrEmpty
    }

    It 'runs two jobs at once on the same /reports: both succeed with their own run folders, history keeps both records, one signed baseline stays intact' {
        $volumes = New-PodVolumes 'together'
        $key = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'together/key') -Force
        [IO.File]::WriteAllBytes((Join-Path $key 'key'), [byte[]](1..32))
        & chmod 0755 $key
        & chmod 0644 (Join-Path $key 'key')
        $runs = @(Invoke-PodJob $volumes -Parallel 2 -ReadOnlyMounts @{ '/etc/netsecps-key' = $key.FullName } -Environment @{
                NETSEC_FORMATS = 'json'; NETSEC_BASELINE_KEY_FILE = '/etc/netsecps-key/key' })
        foreach ($r in $runs) {
            $r.ExitCode | Should -Be 0 -Because ($r.Lines + $r.Stderr -join "`n")
            $r.Stderr | Should -BeNullOrEmpty
        }
        $ids = @($runs | ForEach-Object { (Get-Record $_ 'job.end')[0].run })
        $ids[0] | Should -Not -Be $ids[1]
        @($ids | ForEach-Object { $_.Substring(0, 16) } | Sort-Object -Unique).Count | Should -BeIn 1, 2
        # Both started without a baseline: one saved it, the other kept that one instead of replacing it.
        ($runs | ForEach-Object { (Get-Record $_ 'baseline.saved').Count } | Measure-Object -Sum).Sum | Should -Be 1
        ($runs | ForEach-Object { (Get-Record $_ 'baseline.kept').Count } | Measure-Object -Sum).Sum | Should -Be 1

        $listing = Get-TreeListing $volumes.Reports
        $expected = @('baseline.json', 'history.jsonl', 'history.jsonl.lock', 'netsec.prom', 'runs/') +
            @($ids | ForEach-Object { "runs/$_/"; "runs/$_/netsec-my-cluster-$_.json" })
        $listing | Should -Be @($expected | Sort-Object) -Because 'no staging folder, lock or temp file is left and each run folder is complete'
        $history = @(Get-Content (Join-Path $volumes.Reports 'history.jsonl') | ForEach-Object { $_ | ConvertFrom-Json })
        $history.Count | Should -Be 2
        # The baseline is whole and its signature verifies with the key.
        Import-Module $ModulePath -Force
        $baseline = Join-Path $volumes.Reports 'baseline.json'
        { $null = Compare-NetSecBaseline -Baseline $baseline -SigningKey ([IO.File]::ReadAllBytes((Join-Path $key 'key'))) -Path $ClusterDir -WarningAction SilentlyContinue -ErrorAction Stop } | Should -Not -Throw
        { $null = Compare-NetSecBaseline -Baseline $baseline -SigningKey ([byte[]](101..132)) -Path $ClusterDir -WarningAction SilentlyContinue -ErrorAction Stop } | Should -Throw -Because 'a wrong key must not verify it, or the check above proves nothing'
    }
}
