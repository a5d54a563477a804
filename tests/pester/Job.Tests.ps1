BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'JobImage.ps1')
    $script:JobScript = Join-Path $RepoRoot 'jobs/Invoke-NetSecComplianceJob.ps1'
    $script:JobManifests = Join-Path $RepoRoot 'jobs/kubernetes'
    $script:Dockerfile = Join-Path $RepoRoot 'jobs/Dockerfile'
    $script:JobFixtures = Join-Path $Fixtures 'job'

    # Runs the entry script in a fresh PowerShell with exactly the environment given (no NETSEC_*,
    # KUBECONFIG or in-cluster variables leak in from the test run) and parses its log records.
    function Invoke-ComplianceJob {
        param([hashtable] $Environment = @{}, [int] $TimeoutSeconds = 600)
        $exe = [Environment]::ProcessPath
        $psi = [Diagnostics.ProcessStartInfo]::new($exe)
        if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $psi.ArgumentList.Add('pwsh') }
        foreach ($a in '-NoProfile', '-NonInteractive', '-File', $JobScript) { $psi.ArgumentList.Add($a) }
        # `dotnet pwsh` finds the repository's tool manifest from here.
        $psi.WorkingDirectory = $RepoRoot
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $psi.UseShellExecute = $false
        foreach ($name in @($psi.Environment.Keys)) {
            if ($name -like 'NETSEC_*' -or $name -in 'KUBECONFIG', 'KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT') { [void]$psi.Environment.Remove($name) }
        }
        $psi.Environment['NETSEC_MODULE_PATH'] = $ModulePath
        foreach ($name in $Environment.Keys) {
            if ($null -eq $Environment[$name]) { [void]$psi.Environment.Remove($name) } else { $psi.Environment[$name] = [string]$Environment[$name] }
        }
        $process = [Diagnostics.Process]::Start($psi)
        try {
            $stdout = $process.StandardOutput.ReadToEndAsync()
            $stderr = $process.StandardError.ReadToEndAsync()
            if (-not $process.WaitForExit($TimeoutSeconds * 1000)) {
                $process.Kill($true)
                throw "the job did not end within $TimeoutSeconds s"
            }
            $process.WaitForExit()
            $lines = @($stdout.Result -split "`r?`n" | Where-Object { $_ })
            [pscustomobject]@{
                ExitCode = $process.ExitCode
                Lines    = $lines
                # A line that is not JSON fails the test here: stdout is for log records only.
                Records  = @($lines | ForEach-Object { ConvertFrom-Json -InputObject $_ -AsHashtable })
                Stderr   = $stderr.Result
            }
        }
        finally { $process.Dispose() }
    }

    function Get-Record {
        param($Run, [string] $Name)
        , @($Run.Records | Where-Object { $_.event -eq $Name })
    }

    # Renders the kustomize base and turns it into objects without a cluster: kubectl's local patch
    # prints each object as JSON, top-level braces at column 0.
    function Get-RenderedManifests {
        $yaml = Join-Path $TestDrive 'rendered.yaml'
        kubectl kustomize $JobManifests | Set-Content -LiteralPath $yaml
        if ($LASTEXITCODE -ne 0) { throw 'kubectl kustomize failed' }
        $json = (kubectl patch --local -f $yaml --type merge -p '{}' -o json) -join "`n"
        if ($LASTEXITCODE -ne 0) { throw 'kubectl patch --local failed' }
        $objects = ConvertFrom-Json -InputObject ('[' + ($json -replace '(?m)^\}\s*\n\{', '},{') + ']') -AsHashtable -Depth 64
        [pscustomobject]@{ Yaml = $yaml; Objects = @($objects) }
    }

    function Get-DocumentedGrants {
        Get-Content (Join-Path $RepoRoot 'docs/rbac.md') | Where-Object { $_ -match '^\|\s*(\(core\)|[a-z0-9.-]+)\s*\|\s*([a-z]+)\s*\|\s*[A-Za-z]+\s*\|\s*(namespaced|cluster)\s*\|' } | ForEach-Object {
            $group = if ($Matches[1] -eq '(core)') { '' } else { $Matches[1] }
            "$group/$($Matches[2])"
        }
    }

    # The settings the script documents in its help (NETSEC_* lines of .DESCRIPTION).
    function Get-DocumentedSettings {
        (Get-Help $JobScript).Description.Text -split "`n" | Where-Object { $_ -match '^\s+(NETSEC_[A-Z_]+)\s' } | ForEach-Object { $Matches[1] }
    }

    $script:HasKubectl = [bool](Get-Command kubectl -CommandType Application -ErrorAction Ignore)
    Import-Module $ModulePath -Force
    $script:Available = @{}
    foreach ($c in 'Invoke-NetSecScan', 'Export-NetSecReport', 'Export-NetSecBaseline', 'Invoke-NetSecAudit') {
        $Available[$c] = [bool](Get-Command $c -Module NetSecPS -ErrorAction Ignore)
    }
}

Describe 'The job''s Kubernetes manifests (kubectl kustomize jobs/kubernetes)' {
    BeforeAll {
        if ($HasKubectl) { $script:Rendered = Get-RenderedManifests }
        # Always an array, also for one object: a lone hashtable's Count is its number of keys.
        function Get-Object([string] $Kind) { , @($Rendered.Objects | Where-Object { $_.kind -eq $Kind }) }
    }

    BeforeEach {
        if (-not $HasKubectl) { Set-ItResult -Skipped -Because 'kubectl is not installed, so the kustomize base cannot be rendered' }
    }

    It 'puts every namespaced object into the job''s own namespace' {
        $kinds = $Rendered.Objects | ForEach-Object { $_.kind } | Sort-Object
        $kinds | Should -Be @('ClusterRole', 'ClusterRoleBinding', 'ConfigMap', 'ConfigMap', 'CronJob', 'Namespace', 'NetworkPolicy', 'NetworkPolicy', 'NetworkPolicy', 'PersistentVolumeClaim', 'ServiceAccount')
        foreach ($o in $Rendered.Objects | Where-Object { $_.kind -notin 'Namespace', 'ClusterRole', 'ClusterRoleBinding' }) {
            $o.metadata.namespace | Should -Be 'netsecps' -Because "$($o.kind)/$($o.metadata.name) belongs to the job"
        }
        (Get-Object Namespace).metadata.labels['pod-security.kubernetes.io/enforce'] | Should -Be 'restricted'
    }

    It 'grants the ClusterRole get, list and watch only, on exactly the kinds docs/rbac.md lists, never Secrets or wildcards' {
        $role = Get-Object ClusterRole
        $role.Count | Should -Be 1
        $role[0].Contains('aggregationRule') | Should -BeFalse
        $granted = foreach ($rule in $role[0].rules) {
            @($rule.verbs | Sort-Object) | Should -Be @('get', 'list', 'watch')
            $rule.Contains('nonResourceURLs') | Should -BeFalse
            $rule.Contains('resourceNames') | Should -BeFalse
            foreach ($group in $rule.apiGroups) {
                $group | Should -Not -Be '*'
                foreach ($resource in $rule.resources) {
                    $resource | Should -Not -Match '[*/]'
                    "$group/$resource"
                }
            }
        }
        $granted | Should -Not -Contain '/secrets'
        @($granted | Sort-Object) | Should -Be @(Get-DocumentedGrants | Sort-Object)
    }

    It 'binds the ClusterRole to the job''s service account and nobody else' {
        $binding = Get-Object ClusterRoleBinding
        $binding.Count | Should -Be 1
        $binding[0].roleRef.name | Should -Be (Get-Object ClusterRole)[0].metadata.name
        $binding[0].subjects.Count | Should -Be 1
        $binding[0].subjects[0].kind | Should -Be 'ServiceAccount'
        $binding[0].subjects[0].name | Should -Be (Get-Object ServiceAccount)[0].metadata.name
        $binding[0].subjects[0].namespace | Should -Be 'netsecps'
    }

    It 'schedules a daily scan that never overlaps, is bounded in time and keeps a short job history' {
        $cron = (Get-Object CronJob)[0]
        $cron.spec.schedule | Should -Match '^\d+ \d+ \* \* \*$'
        $cron.spec.concurrencyPolicy | Should -Be 'Forbid'
        $cron.spec.successfulJobsHistoryLimit | Should -BeIn (1..10)
        $cron.spec.failedJobsHistoryLimit | Should -BeIn (1..10)
        $job = $cron.spec.jobTemplate.spec
        $job.activeDeadlineSeconds | Should -BeGreaterThan 0
        # Exit 1 (findings) fails the Job at once: scanning again cannot change the findings.
        $failOnFindings = $job.podFailurePolicy.rules | Where-Object { $_.action -eq 'FailJob' -and $_.onExitCodes }
        $failOnFindings.onExitCodes.values | Should -Be @(1)
    }

    It 'runs the scan as a fixed non-root user, read-only, without privileges, capabilities or escalation' {
        $pod = (Get-Object CronJob)[0].spec.jobTemplate.spec.template.spec
        $pod.securityContext.runAsNonRoot | Should -BeTrue
        $pod.securityContext.runAsUser | Should -BeGreaterThan 0
        $pod.securityContext.seccompProfile.type | Should -Be 'RuntimeDefault'
        $pod.Contains('hostNetwork') | Should -BeFalse
        $pod.containers.Count | Should -Be 1
        $c = $pod.containers[0].securityContext
        $c.runAsNonRoot | Should -BeTrue
        $c.runAsUser | Should -Be $pod.securityContext.runAsUser
        $c.readOnlyRootFilesystem | Should -BeTrue
        $c.allowPrivilegeEscalation | Should -BeFalse
        $c.privileged | Should -BeFalse
        $c.capabilities.drop | Should -Be @('ALL')
        $c.Contains('add') | Should -BeFalse
        $c.seccompProfile.type | Should -Be 'RuntimeDefault'
        $r = $pod.containers[0].resources
        foreach ($res in 'cpu', 'memory') {
            $r.requests[$res] | Should -Not -BeNullOrEmpty -Because "$res needs a request"
            $r.limits[$res] | Should -Not -BeNullOrEmpty -Because "$res needs a limit"
        }
    }

    It 'writes only to the reports volume and /tmp, and mounts the service-account token only where it is needed' {
        $pod = (Get-Object CronJob)[0].spec.jobTemplate.spec.template.spec
        $volumes = @{}
        foreach ($v in $pod.volumes) { $volumes[$v.name] = $v }
        $writable = $pod.containers[0].volumeMounts | Where-Object { -not $_.readOnly }
        @($writable.mountPath | Sort-Object) | Should -Be @('/reports', '/tmp')
        $tmp = $writable | Where-Object mountPath -eq '/tmp'
        $volumes[$tmp.name].Contains('emptyDir') | Should -BeTrue
        $reports = $writable | Where-Object mountPath -eq '/reports'
        $volumes[$reports.name].persistentVolumeClaim.claimName | Should -Be (Get-Object PersistentVolumeClaim)[0].metadata.name
        (Get-Object ServiceAccount)[0].automountServiceAccountToken | Should -BeFalse
        $pod.serviceAccountName | Should -Be (Get-Object ServiceAccount)[0].metadata.name
        $pod.automountServiceAccountToken | Should -BeTrue
    }

    It 'configures the job only with settings the entry script knows, through the generated ConfigMaps' {
        $pod = (Get-Object CronJob)[0].spec.jobTemplate.spec.template.spec
        $container = $pod.containers[0]
        $maps = @{}
        foreach ($m in $Rendered.Objects | Where-Object { $_.kind -eq 'ConfigMap' }) { $maps[$m.metadata.name] = $m }
        $settings = $maps[$container.envFrom[0].configMapRef.name]
        $settings | Should -Not -BeNullOrEmpty -Because 'the envFrom reference must follow the generated (hashed) name'
        $known = Get-DocumentedSettings
        $known | Should -Contain 'NETSEC_FAIL_ON'
        foreach ($key in $settings.data.Keys) {
            $known | Should -Contain $key -Because "$key must be a setting the script reads"
        }
        # Besides the job's settings, the container sets only PowerShell's own environment, to the
        # values the image sets (the image test checks which).
        $imageEnv = (Get-RuntimeStage (Read-Dockerfile $Dockerfile)).Env
        foreach ($e in $container.env) {
            if ($e.name -like 'NETSEC_*') { $known | Should -Contain $e.name -Because "$($e.name) must be a setting the script reads" }
            else { $e.value | Should -Be $imageEnv[$e.name] -Because "$($e.name) is set by the image too" }
        }
        $config = $pod.volumes | Where-Object { $_.configMap } | Select-Object -First 1
        $maps[$config.configMap.name].data.Keys | Should -Contain 'exceptions.yaml'
        ($container.env | Where-Object name -eq 'NETSEC_EXCEPTIONS').value | Should -Be '/etc/netsecps/exceptions.yaml'
    }

    It 'denies all ingress and egress in the namespace and allows only DNS and the API server out' {
        $policies = Get-Object NetworkPolicy
        $deny = @($policies | Where-Object { $_.spec.podSelector.Count -eq 0 })
        $deny.Count | Should -Be 1 -Because 'one policy selects every pod of the namespace'
        @($deny[0].spec.policyTypes | Sort-Object) | Should -Be @('Egress', 'Ingress')
        $deny[0].spec.Contains('ingress') | Should -BeFalse
        $deny[0].spec.Contains('egress') | Should -BeFalse
        $jobLabels = (Get-Object CronJob)[0].spec.jobTemplate.spec.template.metadata.labels

        foreach ($p in $policies) {
            $p.spec.Contains('ingress') | Should -BeFalse -Because "$($p.metadata.name) must allow no ingress"
            foreach ($key in $p.spec.podSelector.matchLabels.Keys) { $jobLabels[$key] | Should -Be $p.spec.podSelector.matchLabels[$key] }
        }
        $rules = @($policies | ForEach-Object { if ($_.spec.Contains('egress')) { $_.spec.egress } })
        $rules.Count | Should -Be 2
        $dns = @($rules | Where-Object { $_.to | Where-Object { $_.Contains('podSelector') } })
        $dns.Count | Should -Be 1
        @($dns[0].ports | ForEach-Object { "$($_.protocol)/$($_.port)" } | Sort-Object) | Should -Be @('TCP/53', 'UDP/53')
        $dns[0].to[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name'] | Should -Be 'kube-system'
        $dns[0].to[0].podSelector.matchLabels['k8s-app'] | Should -Be 'kube-dns'

        $api = @($rules | Where-Object { $_ -ne $dns[0] })
        @($api[0].ports | ForEach-Object { "$($_.protocol)/$($_.port)" } | Sort-Object) | Should -Be @('TCP/443', 'TCP/6443')
        foreach ($peer in $api[0].to) {
            $peer.Keys | Should -Be @('ipBlock') -Because 'the API server is reached by address only'
            [int]($peer.ipBlock.cidr -split '/')[1] | Should -BeGreaterOrEqual 8 -Because 'no egress to the whole internet'
        }
    }

    It 'leaves the job''s namespace with no Critical or High finding when NetSecPS audits the rendered manifests' {
        if (-not $Available['Invoke-NetSecAudit']) { Set-ItResult -Skipped -Because 'Invoke-NetSecAudit is not in this build yet'; return }
        $findings = @(Invoke-NetSecAudit -Path $Rendered.Yaml -WarningAction SilentlyContinue)
        $serious = @($findings | Where-Object { "$($_.Severity)" -in 'Critical', 'High' -and ($_.Namespace -eq 'netsecps' -or $_.Resource -like '*netsecps*') })
        $serious | ForEach-Object { "$($_.CheckId) $($_.Resource): $($_.Evidence)" } | Should -BeNullOrEmpty
    }
}

Describe 'The job''s container image (jobs/Dockerfile)' {
    BeforeAll {
        if ($HasKubectl) { $script:Rendered = Get-RenderedManifests }
        $script:Image = Read-Dockerfile $Dockerfile
        $script:Runtime = Get-RuntimeStage $Image
        $script:DockerArgs = $Image.Args
        $script:Ignored = Get-DockerIgnorePatterns -Dockerfile $Dockerfile -Context $RepoRoot
        $script:Tools = Get-Content (Join-Path $RepoRoot '.config/dotnet-tools.json') -Raw | ConvertFrom-Json
        # Maps a path in the image to the file of this repository a context COPY puts there.
        function Resolve-ImagePath([string] $Path) {
            foreach ($copy in $Runtime.Copies | Where-Object { -not $_.From }) {
                if ($copy.Sources.Count -eq 1 -and $copy.Destination -eq $Path) { return Join-Path $RepoRoot $copy.Sources[0] }
            }
            $null
        }
    }

    It 'builds in two stages, from base images pinned by version' {
        $Image.Stages.Count | Should -Be 2
        $Image.Stages[0].Name | Should -Be 'build'
        foreach ($stage in $Image.Stages) { $stage.Image | Should -Match '^[a-z0-9./-]+:\d+\.\d+\.\d+-[a-z]+$' }
    }

    It 'pins .NET and PowerShell to global.json, the tool manifest and the module''s target framework' {
        $DockerArgs['POWERSHELL_VERSION'] | Should -Be $Tools.tools.powershell.version
        # global.json rolls forward within its major.minor to a later feature band only.
        $wanted = [version](Get-Content (Join-Path $RepoRoot 'global.json') -Raw | ConvertFrom-Json).sdk.version
        $sdk = [version]$DockerArgs['DOTNET_SDK_VERSION']
        "$($sdk.Major).$($sdk.Minor)" | Should -Be "$($wanted.Major).$($wanted.Minor)"
        $sdk.Build | Should -BeGreaterOrEqual $wanted.Build
        $runtimeVersion = [version]$DockerArgs['DOTNET_RUNTIME_VERSION']
        "$($runtimeVersion.Major).$($runtimeVersion.Minor)" | Should -Be "$($sdk.Major).$($sdk.Minor)"
        $Image.Stages[0].Image | Should -BeLike "*:$($DockerArgs['DOTNET_SDK_VERSION'])-*"
        $Runtime.Image | Should -BeLike "*:$($DockerArgs['DOTNET_RUNTIME_VERSION'])-*"
        # The PowerShell tool runs on the runtime stage's .NET: its target framework is that version.
        $tool = Join-Path $NuGetRoot "powershell/$($Tools.tools.powershell.version)/tools"
        $frameworks = @(Get-ChildItem -LiteralPath $tool -Directory -Filter 'net*' | ForEach-Object Name)
        $frameworks | Should -Contain "net$($runtimeVersion.Major).$($runtimeVersion.Minor)"
        # And so does the module, which may target an older .NET that the runtime rolls forward to.
        $props = [xml](Get-Content (Join-Path $RepoRoot 'Directory.Build.props') -Raw)
        $moduleFramework = @($props.Project.PropertyGroup.ModuleTargetFramework | Where-Object { $_ })[0]
        [version]($moduleFramework -replace '^net', '') | Should -BeLessOrEqual ([version]"$($runtimeVersion.Major).$($runtimeVersion.Minor)")
    }

    It 'copies from the build context only files that exist and that jobs/Dockerfile.dockerignore lets in' {
        $checked = 0
        foreach ($stage in $Image.Stages) {
            foreach ($copy in $stage.Copies | Where-Object { -not $_.From }) {
                foreach ($source in $copy.Sources) {
                    if ($source -eq '.') { continue }
                    Test-Path -LiteralPath (Join-Path $RepoRoot $source) | Should -BeTrue -Because "stage $($stage.Name) copies $source"
                    Test-DockerIgnored $source $Ignored | Should -BeFalse -Because "$source must be in the build context"
                    $checked++
                }
            }
        }
        $checked | Should -BeGreaterOrEqual 5
    }

    It 'copies from the build stage only what that stage produces: the module build.ps1 builds and the PowerShell its RUN installs' {
        foreach ($copy in $Runtime.Copies | Where-Object { $_.From }) {
            $stage = $Image.Stages | Where-Object Name -eq $copy.From
            $stage | Should -Not -BeNullOrEmpty -Because "COPY --from=$($copy.From) needs that stage"
            foreach ($source in $copy.Sources) {
                $origin = Resolve-BuildStagePath $stage $source $RepoRoot
                $origin | Should -Not -BeNullOrEmpty -Because "the build stage must produce $source"
                if ($origin.Kind -eq 'dotnet-tool') {
                    $origin.Package | Should -Be 'PowerShell'
                    $origin.Version | Should -Be $DockerArgs['POWERSHELL_VERSION']
                    continue
                }
                $relative = [IO.Path]::GetRelativePath($RepoRoot, $origin.Source).Replace('\', '/')
                if (Test-DockerIgnored $relative $Ignored) {
                    # Not in the context, so a RUN of the stage must build it: build.ps1 build writes out/NetSecPS.
                    $relative | Should -Be 'out/NetSecPS'
                    @($stage.Runs | Where-Object { $_ -match '\./build\.ps1 build\b' }).Count | Should -Be 1
                }
                Test-Path -LiteralPath $origin.Source | Should -BeTrue -Because "$source is $($origin.Source) here"
            }
        }
        $module = $Runtime.Copies | Where-Object { $_.Sources -contains '/src/out/NetSecPS' }
        "$($module.Destination)/NetSecPS.psd1" | Should -Be $Runtime.Env['NETSEC_MODULE_PATH']
        (Get-Content $JobScript -Raw) | Should -Match ([regex]::Escape("DefaultModulePath = '$($Runtime.Env['NETSEC_MODULE_PATH'])'"))
    }

    It 'starts an entry point the image contains, which runs the job script with the PowerShell the image installs' {
        $Runtime.Entrypoint.Count | Should -Be 2 -Because 'exec form: the shell and the entry script'
        $Runtime.Entrypoint[0] | Should -Be '/bin/sh'
        $entry = Resolve-ImagePath $Runtime.Entrypoint[1]
        $entry | Should -Not -BeNullOrEmpty -Because "$($Runtime.Entrypoint[1]) must be copied into the image"
        Test-Path -LiteralPath $entry -PathType Leaf | Should -BeTrue
        & sh -n $entry
        $LASTEXITCODE | Should -Be 0 -Because 'the entry script must be valid POSIX shell'
        $text = Get-Content -LiteralPath $entry -Raw
        # The PowerShell it execs by default is the tool the runtime stage copies in.
        $text -match 'NETSEC_PWSH:-(/\S+?)\}' | Should -BeTrue
        $pwsh = $Matches[1]
        $pwshCopy = $Runtime.Copies | Where-Object { $_.From -and $pwsh.StartsWith($_.Destination + '/') }
        $pwshCopy | Should -Not -BeNullOrEmpty
        Split-Path $pwsh -Leaf | Should -BeIn $Tools.tools.powershell.commands
        # The job script sits beside it in the image.
        $text -match 'job_script="\$\{script_dir\}/([^"]+)"' | Should -BeTrue
        $script = Resolve-ImagePath ((Split-Path $Runtime.Entrypoint[1]) + '/' + $Matches[1])
        $script | Should -Be (Join-Path $RepoRoot 'jobs/Invoke-NetSecComplianceJob.ps1')
    }

    It 'runs as the numeric non-root user the CronJob expects, from a folder it may write' {
        $Runtime.User | Should -Match '^(\d+)(:\d+)?$'
        $uid = [int]($Runtime.User -split ':')[0]
        $uid | Should -BeGreaterThan 0
        $Runtime.Workdir | Should -Be '/tmp'
        @($Runtime.Runs) | Should -Be @("mkdir /reports && chown $($Runtime.User) /reports && chmod 0750 /reports")
        if ($HasKubectl) {
            $pod = (@($Rendered.Objects | Where-Object kind -eq 'CronJob'))[0].spec.jobTemplate.spec.template.spec
            $pod.securityContext.runAsUser | Should -Be $uid
        }
    }

    It 'keeps PowerShell quiet and off the read-only root, with the same values as the CronJob' {
        $Runtime.Env['HOME'] | Should -Be '/tmp'
        $Runtime.Env['TMPDIR'] | Should -Be '/tmp'
        $Runtime.Env['POWERSHELL_TELEMETRY_OPTOUT'] | Should -Be '1'
        $Runtime.Env['POWERSHELL_UPDATECHECK'] | Should -Be 'Off'
        $Runtime.Env['PSModuleAnalysisCachePath'] | Should -BeLike '/tmp/*'
        $cron = @(Get-CronJobEnvironment (Join-Path $JobManifests 'cronjob.yaml'))
        foreach ($name in 'HOME', 'POWERSHELL_TELEMETRY_OPTOUT', 'POWERSHELL_UPDATECHECK', 'PSModuleAnalysisCachePath') {
            ($cron | Where-Object Name -eq $name).Value | Should -Be $Runtime.Env[$name] -Because "the CronJob sets $name as the image does"
        }
    }
}

Describe 'The job entry script (jobs/Invoke-NetSecComplianceJob.ps1)' {
    BeforeAll {
        # A kubeconfig that names a port nothing listens on and carries a token that must never be logged.
        $script:Token = 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJuZXRzZWNwcy10ZXN0In0.bmV0c2VjcHMtdGVzdC10b2tlbg'
        $script:Unreachable = Join-Path $TestDrive 'unreachable.kubeconfig'
        (Get-Content (Join-Path $JobFixtures 'unreachable.kubeconfig') -Raw).Replace('TOKEN', $Token) | Set-Content -LiteralPath $Unreachable
    }

    It 'refuses a NETSEC_FAIL_ON it does not know: exit code 2 and a record that names the variable' {
        $run = Invoke-ComplianceJob @{ NETSEC_OUTPUT_DIR = "$TestDrive/fail-on"; NETSEC_FAIL_ON = 'severe'; KUBECONFIG = $Unreachable }
        $run.ExitCode | Should -Be 2
        $problem = Get-Record $run 'config.invalid'
        $problem.Count | Should -Be 1
        $problem[0].variable | Should -Be 'NETSEC_FAIL_ON'
        $problem[0].value | Should -Be 'severe'
        $problem[0].reason | Should -Match 'critical'
        (Get-Record $run 'job.end')[0].exitCode | Should -Be 2
        Get-Record $run 'scan.start' | Should -BeNullOrEmpty -Because 'a bad configuration stops the job before it scans'
    }

    It 'does not echo a token that was pasted into a setting' {
        $run = Invoke-ComplianceJob @{ NETSEC_OUTPUT_DIR = "$TestDrive/pasted"; KUBECONFIG = $Unreachable; NETSEC_FAIL_ON = "Bearer $Token" }
        $run.ExitCode | Should -Be 2
        (Get-Record $run 'config.invalid')[0].variable | Should -Be 'NETSEC_FAIL_ON'
        (Get-Record $run 'config.invalid')[0].value | Should -Match 'redacted'
        $run.Lines -join "`n" | Should -Not -Match ([regex]::Escape($Token.Split('.')[1]))
    }

    It 'reports every bad setting at once, each in its own record' {
        $run = Invoke-ComplianceJob @{
            NETSEC_OUTPUT_DIR = "$TestDrive/bad"; KUBECONFIG = $Unreachable
            NETSEC_FORMATS = 'xlsx,docx'; NETSEC_HISTORY = 'thirty'; NETSEC_BASELINE_AUTO = 'maybe'; NETSEC_METRICS = 'sometimes'
            NETSEC_EXCEPTIONS = "$TestDrive/no-such-exceptions.yaml"
        }
        $run.ExitCode | Should -Be 2
        @((Get-Record $run 'config.invalid').variable | Sort-Object) |
            Should -Be @('NETSEC_BASELINE_AUTO', 'NETSEC_EXCEPTIONS', 'NETSEC_FORMATS', 'NETSEC_HISTORY', 'NETSEC_METRICS')
        ((Get-Record $run 'config.invalid') | Where-Object variable -eq 'NETSEC_FORMATS').reason | Should -Match "'docx'"
    }

    It 'takes its report formats from the module''s one map, each by its name or any of its extensions' {
        Import-Module $ModulePath -ErrorAction Stop
        $map = @([NetSecPS.ReportFormats]::Extensions)
        $names = @($map | ForEach-Object { $_.Item2[0].TrimStart('.').Split('.')[0] })
        $spellings = @($map | ForEach-Object { $_.Item2 }) -join ','
        $run = Invoke-ComplianceJob @{ NETSEC_OUTPUT_DIR = "$TestDrive/formats"; KUBECONFIG = $Unreachable; NETSEC_FORMATS = $spellings }
        Get-Record $run 'config.invalid' | Should -BeNullOrEmpty
        (Get-Record $run 'job.start')[0].formats | Should -Be $names
        $spellings | Should -Match 'sarif\.json' -Because 'a format with two extensions is accepted by either'
    }

    It 'accepts the documented settings in any case and spelling' {
        $run = Invoke-ComplianceJob @{
            NETSEC_OUTPUT_DIR = "$TestDrive/good"; KUBECONFIG = $Unreachable; NETSEC_MODULE_PATH = "$TestDrive/no-module"
            NETSEC_FORMATS = ' XLSX; pdf, junit.xml ,json'; NETSEC_HISTORY = '7'; NETSEC_FAIL_ON = 'High'; NETSEC_BASELINE_AUTO = 'TRUE'
        }
        Get-Record $run 'config.invalid' | Should -BeNullOrEmpty
        $start = (Get-Record $run 'job.start')[0]
        $start.formats | Should -Be @('xlsx', 'pdf', 'junit', 'json')
        $start.history | Should -Be 7
        $start.failOn | Should -Be 'high'
        $start.credentials | Should -Be 'kubeconfig'
        # Auto-baseline without a path keeps the baseline beside the reports.
        $start.baseline | Should -Be ([IO.Path]::GetFullPath("$TestDrive/good/baseline.json"))
    }

    It 'exits 2 when it has no credentials: neither in a pod nor given a kubeconfig' {
        $run = Invoke-ComplianceJob @{ NETSEC_OUTPUT_DIR = "$TestDrive/nocreds" }
        $run.ExitCode | Should -Be 2
        (Get-Record $run 'config.invalid').variable | Should -Be 'KUBECONFIG'
        (Get-Record $run 'config.invalid').reason | Should -Match 'KUBERNETES_SERVICE_HOST'
    }

    It 'uses the pod''s service account when it runs in a pod and no kubeconfig is given' {
        $run = Invoke-ComplianceJob @{ NETSEC_OUTPUT_DIR = "$TestDrive/incluster"; KUBERNETES_SERVICE_HOST = '10.96.0.1'; NETSEC_MODULE_PATH = "$TestDrive/no-module" }
        (Get-Record $run 'job.start')[0].credentials | Should -Be 'in-cluster'
        Get-Record $run 'config.invalid' | Should -BeNullOrEmpty
    }

    It 'exits 2 when the baseline to compare with does not exist and may not be created' {
        $run = Invoke-ComplianceJob @{ NETSEC_OUTPUT_DIR = "$TestDrive/nobaseline"; KUBECONFIG = $Unreachable; NETSEC_BASELINE = 'approved.json' }
        $run.ExitCode | Should -Be 2
        $problem = (Get-Record $run 'config.invalid')[0]
        $problem.variable | Should -Be 'NETSEC_BASELINE'
        $problem.value | Should -Be ([IO.Path]::GetFullPath("$TestDrive/nobaseline/approved.json"))
        $problem.reason | Should -Match 'NETSEC_BASELINE_AUTO'
    }

    It 'exits 2 when the signed baseline is missing although the history shows earlier scans, and names NETSEC_BASELINE_RESET' {
        $out = New-Item -ItemType Directory -Path "$TestDrive/deleted-baseline" -Force
        Set-Content -LiteralPath (Join-Path $out 'history.jsonl') -Value @(
            '{"time":"2026-10-30T03:17:00+00:00","cluster":"prod","score":81}'
            'not a record'
            '{"time":"2026-10-31T03:17:00+00:00","cluster":"prod","score":80}')
        $key = Join-Path $TestDrive 'deleted-baseline.key'
        [IO.File]::WriteAllBytes($key, [byte[]](1..32))
        $run = Invoke-ComplianceJob @{ NETSEC_OUTPUT_DIR = "$out"; KUBECONFIG = $Unreachable; NETSEC_BASELINE_AUTO = 'true'; NETSEC_BASELINE_KEY_FILE = $key }
        $run.ExitCode | Should -Be 2
        $problem = @(Get-Record $run 'config.invalid')
        $problem.Count | Should -Be 1
        $problem[0].variable | Should -Be 'NETSEC_BASELINE'
        $problem[0].value | Should -Be (Join-Path $out 'baseline.json')
        $problem[0].reason | Should -Match '2 earlier scan\(s\), the last at 2026-10-31T03:17:00Z'
        $problem[0].reason | Should -Match 'NETSEC_BASELINE_RESET=true'
        Get-Record $run 'scan.start' | Should -BeNullOrEmpty -Because 'nothing is scanned, let alone approved, until the operator decides'
        Test-Path (Join-Path $out 'baseline.json') | Should -BeFalse
    }

    It 'refuses NETSEC_BASELINE_RESET without NETSEC_BASELINE_AUTO, which does the saving' {
        $run = Invoke-ComplianceJob @{ NETSEC_OUTPUT_DIR = "$TestDrive/reset-alone"; KUBECONFIG = $Unreachable; NETSEC_BASELINE_RESET = 'true' }
        $run.ExitCode | Should -Be 2
        (Get-Record $run 'config.invalid').variable | Should -Be 'NETSEC_BASELINE_RESET'
    }

    It 'starts from the image''s entry point when HOME cannot be written, and says where PowerShell keeps its files instead' {
        # The ENTRYPOINT of jobs/Dockerfile with its /opt paths mapped to this repository; the
        # PowerShell of this test run stands in for /opt/pwsh/pwsh.
        $runtime = Get-RuntimeStage (Read-Dockerfile $Dockerfile)
        $shim = Join-Path $TestDrive 'pwsh-shim'
        $pwshDll = Join-Path $PSHOME 'pwsh.dll'
        Set-Content -LiteralPath $shim -Value "#!/bin/sh`nexec dotnet '$pwshDll' `"`$@`""
        & chmod +x $shim
        $command = foreach ($arg in $runtime.Entrypoint) {
            $copy = $runtime.Copies | Where-Object { -not $_.From -and $_.Destination -eq $arg } | Select-Object -First 1
            if ($copy) { Join-Path $RepoRoot $copy.Sources[0] }
            elseif ($arg -like '/opt/pwsh/*') { $shim }
            else { $arg }
        }
        Set-Content -LiteralPath "$TestDrive/home-file" -Value 'a file, so nothing can be created under it'
        $psi = [Diagnostics.ProcessStartInfo]::new($command[0])
        foreach ($a in $command | Select-Object -Skip 1) { $psi.ArgumentList.Add($a) }
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $psi.UseShellExecute = $false
        foreach ($name in @($psi.Environment.Keys)) { if ($name -like 'NETSEC_*' -or $name -like 'XDG_*' -or $name -eq 'PSModuleAnalysisCachePath') { [void]$psi.Environment.Remove($name) } }
        $psi.Environment['HOME'] = "$TestDrive/home-file/home"
        $psi.Environment['TMPDIR'] = (New-Item -ItemType Directory -Path "$TestDrive/home-tmp" -Force).FullName
        $psi.Environment['NETSEC_PWSH'] = $shim
        $psi.Environment['NETSEC_MODULE_PATH'] = $ModulePath
        $psi.Environment['NETSEC_OUTPUT_DIR'] = "$TestDrive/home-out"
        $psi.Environment['KUBECONFIG'] = $Unreachable
        $psi.Environment['NETSEC_FAIL_ON'] = 'bogus'
        $process = [Diagnostics.Process]::Start($psi)
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $stderr = $process.StandardError.ReadToEndAsync()
        $process.WaitForExit(300000) | Should -BeTrue
        $process.WaitForExit()
        $process.ExitCode | Should -Be 2 -Because "the job must start and refuse the bad setting, not die in pwsh's start-up (exit 134): $($stderr.Result)"
        $stderr.Result | Should -BeNullOrEmpty
        $records = @($stdout.Result -split "`n" | Where-Object { $_ } | ForEach-Object { ConvertFrom-Json -InputObject $_ -AsHashtable })
        $records[0].event | Should -Be 'runtime.home'
        $records[0].home | Should -Be "$TestDrive/home-file/home"
        $records[1].event | Should -Be 'job.start'
        (Get-Record ([pscustomobject]@{ Records = $records }) 'config.invalid').variable | Should -Be 'NETSEC_FAIL_ON'
        Test-Path "$TestDrive/home-tmp/netsecps-home/.cache/powershell" | Should -BeTrue
    }

    It 'exits 2 when the module cannot be loaded, and marks the run failed in the metrics file' {
        $out = "$TestDrive/nomodule"
        $run = Invoke-ComplianceJob @{ NETSEC_OUTPUT_DIR = $out; KUBECONFIG = $Unreachable; NETSEC_MODULE_PATH = "$TestDrive/no-module/NetSecPS.psd1" }
        $run.ExitCode | Should -Be 2
        (Get-Record $run 'module.import_failed').Count | Should -Be 1
        (Get-Record $run 'job.end')[0].outcome | Should -Be 'module-missing'
        $metrics = Get-Content (Join-Path $out 'netsec.prom')
        $metrics | Should -Contain 'netsec_scan_success 0'
        $metrics[-1] | Should -Be '# EOF'
    }

    It 'exits 2 and names the cmdlets when the module lacks what the job needs' {
        $stub = New-Item -ItemType Directory -Path "$TestDrive/stub/NetSecPS" -Force
        Set-Content -LiteralPath (Join-Path $stub 'NetSecPS.psd1') -Value "@{ ModuleVersion = '0.0.1'; CmdletsToExport = @(); FunctionsToExport = @() }"
        $run = Invoke-ComplianceJob @{ NETSEC_OUTPUT_DIR = "$TestDrive/stubrun"; KUBECONFIG = $Unreachable; NETSEC_MODULE_PATH = $stub.FullName; NETSEC_BASELINE_AUTO = 'true' }
        $run.ExitCode | Should -Be 2
        $missing = Get-Record $run 'cmdlet.missing'
        $missing.Count | Should -Be 1
        @($missing[0].missing) | Should -Be @('Invoke-NetSecScan', 'Export-NetSecReport', 'Export-NetSecBaseline')
        Get-ChildItem "$TestDrive/stubrun/runs" -Force | Should -BeNullOrEmpty -Because 'a failed run leaves no report folder'
    }

    It 'exits 2 when the report folder cannot be created' {
        Set-Content -LiteralPath "$TestDrive/a-file" -Value 'not a folder'
        $run = Invoke-ComplianceJob @{ NETSEC_OUTPUT_DIR = "$TestDrive/a-file/reports"; KUBECONFIG = $Unreachable }
        $run.ExitCode | Should -Be 2
        (Get-Record $run 'output.unwritable').Count | Should -Be 1
    }

    It 'exits 2 when the API server is unreachable, and never logs the token' {
        if (-not ($Available['Invoke-NetSecScan'] -and $Available['Export-NetSecReport'])) {
            Set-ItResult -Skipped -Because 'Invoke-NetSecScan and Export-NetSecReport are not in this build yet'; return
        }
        $run = Invoke-ComplianceJob @{ NETSEC_OUTPUT_DIR = "$TestDrive/unreachable"; KUBECONFIG = $Unreachable }
        $run.ExitCode | Should -Be 2
        (Get-Record $run 'scan.failed').Count | Should -Be 1
        (Get-Record $run 'job.end')[0].outcome | Should -Be 'scan-failed'
        ($run.Lines + $run.Stderr) -join "`n" | Should -Not -Match ([regex]::Escape($Token))
    }

    It 'writes nothing but one-line JSON records with time, level and event on stdout' {
        $run = Invoke-ComplianceJob @{ NETSEC_OUTPUT_DIR = "$TestDrive/records"; KUBECONFIG = $Unreachable; NETSEC_FAIL_ON = 'bogus' }
        $run.Records.Count | Should -Be $run.Lines.Count
        $run.Records.Count | Should -BeGreaterOrEqual 3
        foreach ($r in $run.Records) {
            [DateTimeOffset]::Parse($r.time, [cultureinfo]::InvariantCulture) | Should -BeOfType [DateTimeOffset]
            $r.level | Should -BeIn 'debug', 'info', 'warn', 'error'
            $r.event | Should -Match '^[a-z]+\.[a-z_]+$'
        }
        $run.Records[0].event | Should -Be 'job.start'
        $run.Records[-1].event | Should -Be 'job.end'
        $run.Stderr | Should -BeNullOrEmpty
    }
}

Describe 'The job''s run ids and run folders (functions of the entry script)' {
    BeforeAll {
        # Dot-sourced, the script defines its functions and runs nothing.
        . $JobScript
        Set-StrictMode -Off
        $ErrorActionPreference = 'Continue'
    }

    It 'gives runs that start in the same second their own ids and staging folders, and a live run''s staging folder survives another run''s pruning' {
        $runs = New-Item -ItemType Directory -Path "$TestDrive/runs-same-second" -Force
        $script:JobStarted = [DateTimeOffset]::new(2026, 1, 31, 3, 17, 0, [TimeSpan]::Zero)
        $first = New-RunReservation $runs.FullName
        $second = New-RunReservation $runs.FullName
        try {
            $first.Name | Should -Be '20260131T031700Z'
            $second.Name | Should -Be '20260131T031700Z-1'
            $first.Staging | Should -Not -Be $second.Staging
            Get-ChildItem -LiteralPath $runs -Directory | Should -BeNullOrEmpty -Because 'a reservation publishes nothing'

            # The first run publishes its folder; the second is still writing when the first prunes.
            $null = New-Item -ItemType Directory -Path $first.Staging, $second.Staging
            Set-Content -LiteralPath (Join-Path $first.Staging 'netsec.json') -Value '{}'
            Set-Content -LiteralPath (Join-Path $second.Staging 'netsec.json.tmp') -Value '{'
            [IO.Directory]::Move($first.Staging, $first.Directory)
            Close-LockFile $first.Lock $first.LockPath
            $pruned = Remove-OldRuns -RunsDirectory $runs.FullName -Keep 5
            $pruned.Removed | Should -BeNullOrEmpty
            Test-Path -LiteralPath (Join-Path $second.Staging 'netsec.json.tmp') | Should -BeTrue
            Get-ChildItem -LiteralPath $first.Directory | ForEach-Object Name | Should -Be @('netsec.json')

            # A third run of the same second neither reuses the published id nor the live one.
            $third = New-RunReservation $runs.FullName
            $third.Name | Should -Be '20260131T031700Z-2'
            Close-LockFile $third.Lock $third.LockPath
        }
        finally { foreach ($r in $first, $second) { Close-LockFile $r.Lock $r.LockPath } }
        Get-ChildItem -LiteralPath $runs -Force -Filter '*.lock' | Should -BeNullOrEmpty -Because 'a run removes its reservation when it ends'
    }

    It 'removes what a killed run left (its reservation and staging folder) at the next pruning' {
        $runs = New-Item -ItemType Directory -Path "$TestDrive/runs-killed" -Force
        # A reservation file nobody holds a lock on: its run died.
        Set-Content -LiteralPath (Join-Path $runs '.20260131T031700Z.lock') -Value ''
        $staging = New-Item -ItemType Directory -Path (Join-Path $runs '.20260131T031700Z.partial')
        Set-Content -LiteralPath (Join-Path $staging 'half.xlsx') -Value 'PK'
        $pruned = Remove-OldRuns -RunsDirectory $runs.FullName -Keep 5
        $pruned.Removed | Should -Be @('.20260131T031700Z.partial')
        Get-ChildItem -LiteralPath $runs -Force | Should -BeNullOrEmpty
    }
}

Describe 'The job''s metrics file (functions of the entry script)' {
    BeforeAll {
        . $JobScript
        Set-StrictMode -Off
        $ErrorActionPreference = 'Continue'
    }

    It 'names the metrics file, not its temporary file, when it cannot be written' -ForEach @(
        @{ Case = 'its folder is gone'; Blocked = $false },
        @{ Case = 'a folder stands where the file goes'; Blocked = $true }
    ) {
        $folder = Join-Path $TestDrive "metrics-$Blocked"
        $path = Join-Path $folder 'netsec.prom'
        if ($Blocked) { $null = New-Item -ItemType Directory -Path $path -Force }
        $failure = $null
        try { Write-Metrics -Path $path -Result $null -Success $false } catch { $failure = $_ }
        $failure | Should -Not -BeNullOrEmpty -Because $Case
        "$failure" | Should -BeLike "Cannot write the metrics file $($path):*$path*"
        "$failure" | Should -Not -BeLike '*.tmp*'
        if ($Blocked) { Get-ChildItem -LiteralPath $folder -Force -Filter '*.tmp' | Should -BeNullOrEmpty -Because 'the temporary file is removed' }
    }
}

Describe 'The job end to end against a cluster (the fake API server)' {
    BeforeAll {
        $script:FakeProject = Join-Path $RepoRoot 'tests/NetSecPS.FakeApiServer/NetSecPS.FakeApiServer.csproj'
        $script:EndToEnd = (Test-Path $FakeProject) -and $Available['Invoke-NetSecScan'] -and $Available['Export-NetSecReport'] -and $Available['Export-NetSecBaseline']
        $script:Servers = [System.Collections.Generic.List[object]]::new()
        if (-not $EndToEnd) { return }

        $script:FakeDll = Join-Path $RepoRoot 'out/fake-apiserver/NetSecPS.FakeApiServer.dll'
        & dotnet build $FakeProject -c Release -o (Split-Path $FakeDll) --nologo -v q | Out-Null
        if ($LASTEXITCODE -ne 0) { throw 'building the fake API server failed' }

        # Serves the manifests as a cluster on a free loopback port and returns its kubeconfig.
        function Start-JobCluster {
            param([string[]] $Manifests, [string[]] $Arguments = @())
            $dir = New-Item -ItemType Directory -Path (Join-Path $TestDrive ('cluster-' + [guid]::NewGuid().ToString('N')))
            $kubeconfig = Join-Path $dir 'kubeconfig'
            $argList = @($FakeDll, '--kubeconfig-out', $kubeconfig) + @($Manifests | ForEach-Object { '--manifests', $_ }) + $Arguments
            $process = Start-Process -FilePath 'dotnet' -ArgumentList $argList -PassThru -RedirectStandardOutput (Join-Path $dir 'out.txt') -RedirectStandardError (Join-Path $dir 'err.txt')
            $Servers.Add($process)
            # A safety net against a server that never starts, not a timing assertion.
            $deadline = [DateTime]::UtcNow.AddSeconds(120)
            while (-not (Test-Path $kubeconfig)) {
                if ($process.HasExited -or [DateTime]::UtcNow -gt $deadline) { throw "the fake API server did not start: $(Get-Content (Join-Path $dir 'err.txt') -Raw)" }
                Start-Sleep -Milliseconds 100
            }
            $kubeconfig
        }

        $script:ClusterDir = Join-Path $JobFixtures 'cluster'
        $script:Kubeconfig = Start-JobCluster -Manifests $ClusterDir
    }

    AfterAll {
        foreach ($p in $Servers) {
            if (-not $p.HasExited) { Stop-Process -Id $p.Id -ErrorAction SilentlyContinue; $null = $p.WaitForExit(10000) }
        }
    }

    BeforeEach {
        if (-not $EndToEnd) { Set-ItResult -Skipped -Because 'Invoke-NetSecScan, Export-NetSecReport, Export-NetSecBaseline and the fake API server are not all in this build yet' }
    }

    It 'runs twice: dated reports and history kept, the first run saved as the baseline and the second compared with it, old runs pruned' {
        $out = Join-Path $TestDrive 'twice'
        $settings = @{ KUBECONFIG = $Kubeconfig; NETSEC_OUTPUT_DIR = $out; NETSEC_BASELINE_AUTO = 'true'; NETSEC_CLUSTER_NAME = 'fake prod'; NETSEC_FORMATS = 'xlsx,pdf,json'; NETSEC_HISTORY = '2' }

        $first = Invoke-ComplianceJob $settings
        $first.ExitCode | Should -Be 0 -Because ($first.Lines -join "`n")
        (Get-Record $first 'baseline.saved').Count | Should -Be 1
        Get-Record $first 'baseline.compared' | Should -BeNullOrEmpty
        $baseline = Join-Path $out 'baseline.json'
        $baselineHash = (Get-FileHash $baseline).Hash
        $firstRun = (Get-Record $first 'job.end')[0].run
        $firstRun | Should -Match '^\d{8}T\d{6}Z(-\d+)?$'
        $written = Get-Record $first 'report.written'
        @($written.format) | Should -Be @('xlsx', 'pdf', 'json')
        foreach ($w in $written) {
            Split-Path $w.path -Leaf | Should -Be "netsec-fake-prod-$firstRun.$($w.format)"
            (Get-Item $w.path).Length | Should -Be $w.bytes
        }
        # Real reports, not placeholders: a PDF, an Office Open XML workbook, and JSON that holds what the log summarised.
        $pdf = [IO.File]::ReadAllBytes(($written | Where-Object format -eq 'pdf').path)
        [Text.Encoding]::ASCII.GetString($pdf, 0, 5) | Should -Be '%PDF-'
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [IO.Compression.ZipFile]::OpenRead(($written | Where-Object format -eq 'xlsx').path)
        try { $zip.Entries.FullName | Should -Contain 'xl/workbook.xml' } finally { $zip.Dispose() }
        $report = Get-Content ($written | Where-Object format -eq 'json').path -Raw | ConvertFrom-Json -AsHashtable -Depth 64
        $done = (Get-Record $first 'scan.done')[0]
        $unsuppressed = @($report.findings | Where-Object { -not $_.suppressed })
        $unsuppressed.Count | Should -BeGreaterThan 0 -Because 'the fixture cluster has an unprotected namespace'
        $unsuppressed.Count | Should -Be (($done.findings.Values | Measure-Object -Sum).Sum)
        @(Get-Content (Join-Path $out 'history.jsonl')).Count | Should -Be 1

        $second = Invoke-ComplianceJob $settings
        $second.ExitCode | Should -Be 0 -Because ($second.Lines -join "`n")
        Get-Record $second 'baseline.saved' | Should -BeNullOrEmpty
        $compared = Get-Record $second 'baseline.compared'
        $compared.Count | Should -Be 1
        $compared[0].driftRecords | Should -Be 0 -Because 'nothing changed in the cluster between the runs'
        (Get-FileHash $baseline).Hash | Should -Be $baselineHash -Because 'the approved baseline is never overwritten'
        @(Get-Content (Join-Path $out 'history.jsonl')).Count | Should -Be 2
        @(Get-ChildItem (Join-Path $out 'runs') -Directory).Count | Should -Be 2

        $third = Invoke-ComplianceJob $settings
        $third.ExitCode | Should -Be 0
        $runs = @(Get-ChildItem (Join-Path $out 'runs') -Directory -Force | Sort-Object Name)
        $runs.Name | Should -Not -Contain $firstRun -Because 'NETSEC_HISTORY=2 keeps the two newest runs'
        $runs.Count | Should -Be 2
        (Get-Record $third 'runs.pruned')[0].removed | Should -Be @($firstRun)
        @(Get-Content (Join-Path $out 'history.jsonl')).Count | Should -Be 3 -Because 'the trend keeps every scan'
        $metrics = Get-Content (Join-Path $out 'netsec.prom')
        $metrics | Should -Contain 'netsec_scan_success 1'
        foreach ($severity in 'critical', 'high', 'medium', 'low', 'info') {
            $metrics | Should -Contain "netsec_findings_by_severity{severity=`"$severity`"} $($done.findings[$severity])"
        }
        $metrics[-1] | Should -Be '# EOF'
    }

    It 'exits 1 when findings reach NETSEC_FAIL_ON and 0 when they stay below it' {
        $probe = Invoke-ComplianceJob @{ KUBECONFIG = $Kubeconfig; NETSEC_OUTPUT_DIR = "$TestDrive/probe"; NETSEC_FORMATS = 'json' }
        $probe.ExitCode | Should -Be 0
        $counts = (Get-Record $probe 'scan.done')[0].findings
        $order = 'info', 'low', 'medium', 'high', 'critical'
        $worst = $order | Where-Object { $counts[$_] -gt 0 } | Select-Object -Last 1
        $worst | Should -Not -BeNullOrEmpty -Because 'the fixture cluster has an unprotected namespace'

        $failing = Invoke-ComplianceJob @{ KUBECONFIG = $Kubeconfig; NETSEC_OUTPUT_DIR = "$TestDrive/fail"; NETSEC_FORMATS = 'json'; NETSEC_FAIL_ON = $worst }
        $failing.ExitCode | Should -Be 1
        $end = (Get-Record $failing 'job.end')[0]
        $end.outcome | Should -Be 'threshold-reached'
        $end.failingFindings | Should -Be $counts[$worst] -Because "$worst is the most severe level present, so only its findings reach it"
        (Get-ChildItem "$TestDrive/fail/runs" -Directory).Count | Should -Be 1 -Because 'the reports are written whatever the verdict'

        if ($worst -ne 'critical') {
            $above = $order[$order.IndexOf($worst) + 1]
            $passing = Invoke-ComplianceJob @{ KUBECONFIG = $Kubeconfig; NETSEC_OUTPUT_DIR = "$TestDrive/pass"; NETSEC_FORMATS = 'json'; NETSEC_FAIL_ON = $above }
            $passing.ExitCode | Should -Be 0
            (Get-Record $passing 'job.end')[0].failingFindings | Should -Be 0
        }
    }

    It 'reports the drift when the cluster changed since the baseline' {
        $out = Join-Path $TestDrive 'drift'
        $before = Invoke-ComplianceJob @{ KUBECONFIG = $Kubeconfig; NETSEC_OUTPUT_DIR = $out; NETSEC_FORMATS = 'json'; NETSEC_BASELINE_AUTO = 'true' }
        $before.ExitCode | Should -Be 0
        $changed = Start-JobCluster -Manifests $ClusterDir, (Join-Path $JobFixtures 'cluster-change')
        $after = Invoke-ComplianceJob @{ KUBECONFIG = $changed; NETSEC_OUTPUT_DIR = $out; NETSEC_FORMATS = 'json'; NETSEC_BASELINE_AUTO = 'true' }
        $after.ExitCode | Should -Be 0
        (Get-Record $after 'baseline.compared')[0].driftRecords | Should -BeGreaterThan 0 -Because 'the ledger database was opened to every source'
        $report = Get-Content (Get-Record $after 'report.written')[0].path -Raw
        $report | Should -Match 'allow-all-to-ledger'
    }

    It 'exits 1 on drift that reaches NETSEC_FAIL_ON even when every finding is an accepted risk' {
        $out = Join-Path $TestDrive 'drift-fails'
        $settings = @{ NETSEC_OUTPUT_DIR = $out; NETSEC_FORMATS = 'json'; NETSEC_BASELINE_AUTO = 'true'; NETSEC_FAIL_ON = 'high'
            NETSEC_EXCEPTIONS = (Join-Path $JobFixtures 'accept-all.exceptions.yaml') }
        $before = Invoke-ComplianceJob ($settings + @{ KUBECONFIG = $Kubeconfig })
        $before.ExitCode | Should -Be 0 -Because 'every finding is suppressed and there is no baseline yet'
        (Get-Record $before 'job.end')[0].failingFindings | Should -Be 0

        $changed = Start-JobCluster -Manifests $ClusterDir, (Join-Path $JobFixtures 'cluster-change')
        $after = Invoke-ComplianceJob ($settings + @{ KUBECONFIG = $changed })
        $after.ExitCode | Should -Be 1
        $end = (Get-Record $after 'job.end')[0]
        $end.failingFindings | Should -Be 0
        $end.failingDrift | Should -BeGreaterThan 0 -Because 'opening the ledger database to every source is high-ranked drift'
    }

    It 'signs the auto-saved baseline with NETSEC_BASELINE_KEY_FILE and refuses to compare with a key that does not verify it' {
        $out = Join-Path $TestDrive 'signed'
        $key = Join-Path $TestDrive 'baseline.key'
        $wrongKey = Join-Path $TestDrive 'wrong.key'
        [IO.File]::WriteAllBytes($key, [byte[]](1..32))
        [IO.File]::WriteAllBytes($wrongKey, [byte[]](101..132))
        $settings = @{ KUBECONFIG = $Kubeconfig; NETSEC_OUTPUT_DIR = $out; NETSEC_FORMATS = 'json'; NETSEC_BASELINE_AUTO = 'true' }

        $first = Invoke-ComplianceJob ($settings + @{ NETSEC_BASELINE_KEY_FILE = $key })
        $first.ExitCode | Should -Be 0 -Because ($first.Lines -join "`n")
        (Get-Record $first 'baseline.saved').Count | Should -Be 1
        (Get-Record $first 'job.start')[0].baselineSigned | Should -BeTrue

        $verified = Invoke-ComplianceJob ($settings + @{ NETSEC_BASELINE_KEY_FILE = $key })
        $verified.ExitCode | Should -Be 0
        (Get-Record $verified 'baseline.compared').Count | Should -Be 1

        $refused = Invoke-ComplianceJob ($settings + @{ NETSEC_BASELINE_KEY_FILE = $wrongKey })
        $refused.ExitCode | Should -Be 2
        (Get-Record $refused 'scan.failed').Count | Should -Be 1
        Get-Record $refused 'report.written' | Should -BeNullOrEmpty -Because 'nothing is reported against a baseline that cannot be trusted'
    }

    It 'replaces a missing signed baseline only with NETSEC_BASELINE_RESET=true, signs the new one and says so' {
        $out = Join-Path $TestDrive 'reset'
        $key = Join-Path $TestDrive 'reset.key'
        [IO.File]::WriteAllBytes($key, [byte[]](7..38))
        $settings = @{ KUBECONFIG = $Kubeconfig; NETSEC_OUTPUT_DIR = $out; NETSEC_FORMATS = 'json'; NETSEC_BASELINE_AUTO = 'true'; NETSEC_BASELINE_KEY_FILE = $key }
        $first = Invoke-ComplianceJob $settings
        $first.ExitCode | Should -Be 0 -Because ($first.Lines -join "`n")
        Remove-Item -LiteralPath (Join-Path $out 'baseline.json')

        $refused = Invoke-ComplianceJob $settings
        $refused.ExitCode | Should -Be 2
        (Get-Record $refused 'config.invalid')[0].reason | Should -Match 'NETSEC_BASELINE_RESET'
        Test-Path -LiteralPath (Join-Path $out 'baseline.json') | Should -BeFalse -Because 'the posture of the day is not approved behind the operator''s back'

        $reset = Invoke-ComplianceJob ($settings + @{ NETSEC_BASELINE_RESET = 'true' })
        $reset.ExitCode | Should -Be 0 -Because ($reset.Lines -join "`n")
        $warning = Get-Record $reset 'baseline.reset'
        $warning.Count | Should -Be 1
        $warning[0].level | Should -Be 'warn'
        $warning[0].earlierScans | Should -Be 1
        $saved = (Get-Record $reset 'baseline.saved')[0]
        $saved.signed | Should -BeTrue
        $saved.reason | Should -Match 'NETSEC_BASELINE_RESET'

        # The new baseline is signed with the key: the next run (without the reset) verifies and compares.
        $next = Invoke-ComplianceJob ($settings + @{ NETSEC_BASELINE_RESET = 'true' })
        $next.ExitCode | Should -Be 0
        (Get-Record $next 'baseline.compared').Count | Should -Be 1
        (Get-Record $next 'baseline.reset')[0].reason | Should -Match 'nothing to reset' -Because 'a reset left in place is pointed out'
    }

    It 'saves a missing unsigned baseline again, with a warning that names the earlier scans' {
        $out = Join-Path $TestDrive 'unsigned-missing'
        $settings = @{ KUBECONFIG = $Kubeconfig; NETSEC_OUTPUT_DIR = $out; NETSEC_FORMATS = 'json'; NETSEC_BASELINE_AUTO = 'true' }
        (Invoke-ComplianceJob $settings).ExitCode | Should -Be 0
        Remove-Item -LiteralPath (Join-Path $out 'baseline.json')
        $again = Invoke-ComplianceJob $settings
        $again.ExitCode | Should -Be 0
        $missing = Get-Record $again 'baseline.missing'
        $missing.Count | Should -Be 1
        $missing[0].earlierScans | Should -Be 1
        (Get-Record $again 'baseline.saved')[0].signed | Should -BeFalse
    }

    It 'reports a kind the service account may not list as incomplete coverage and still succeeds' {
        $forbidden = Start-JobCluster -Manifests $ClusterDir -Arguments @('--forbid', 'networking.k8s.io/networkpolicies')
        $run = Invoke-ComplianceJob @{ KUBECONFIG = $forbidden; NETSEC_OUTPUT_DIR = "$TestDrive/forbidden"; NETSEC_FORMATS = 'json' }
        $run.ExitCode | Should -Be 0
        $gap = @((Get-Record $run 'coverage.incomplete') | Where-Object { $_.kind -eq 'NetworkPolicy' })
        $gap | Should -Not -BeNullOrEmpty
        $gap[0].status | Should -Be 'Forbidden'
    }
}

Describe 'The job with flow logs (NETSEC_FLOW_LOGS)' {
    BeforeAll {
        $script:Unreachable = Join-Path $TestDrive 'unreachable.kubeconfig'
        (Get-Content (Join-Path $JobFixtures 'unreachable.kubeconfig') -Raw).Replace('TOKEN', 'not-a-token') | Set-Content -LiteralPath $Unreachable
        $script:FakeProject = Join-Path $RepoRoot 'tests/NetSecPS.FakeApiServer/NetSecPS.FakeApiServer.csproj'
        $script:FakeDll = Join-Path $RepoRoot 'out/fake-apiserver/NetSecPS.FakeApiServer.dll'
        $script:FlowServer = $null
    }

    AfterAll {
        if ($FlowServer -and -not $FlowServer.HasExited) { Stop-Process -Id $FlowServer.Id -ErrorAction SilentlyContinue; $null = $FlowServer.WaitForExit(10000) }
    }

    It 'refuses a flow log folder that does not exist, naming the variable' {
        $run = Invoke-ComplianceJob @{ NETSEC_OUTPUT_DIR = "$TestDrive/no-flows"; KUBECONFIG = $Unreachable; NETSEC_FLOW_LOGS = "$TestDrive/no-such-folder" }
        $run.ExitCode | Should -Be 2
        $problem = @(Get-Record $run 'config.invalid')
        $problem.variable | Should -Be @('NETSEC_FLOW_LOGS')
        $problem[0].reason | Should -Be 'the flow log folder does not exist'
    }

    It 'compares the exported logs with the policies and puts the observed traffic into the reports' {
        if (-not (Test-Path $FakeProject)) { Set-ItResult -Skipped -Because 'the fake API server is not in this build'; return }
        & dotnet build $FakeProject -c Release -o (Split-Path $FakeDll) --nologo -v q | Out-Null
        $dir = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'flow-cluster')
        $kubeconfig = Join-Path $dir 'kubeconfig'
        $script:FlowServer = Start-Process -FilePath 'dotnet' -ArgumentList @($FakeDll, '--kubeconfig-out', $kubeconfig, '--manifests', (Join-Path $JobFixtures 'cluster')) -PassThru `
            -RedirectStandardOutput (Join-Path $dir 'out.txt') -RedirectStandardError (Join-Path $dir 'err.txt')
        $deadline = [DateTime]::UtcNow.AddSeconds(120)
        while (-not (Test-Path $kubeconfig)) {
            if ($FlowServer.HasExited -or [DateTime]::UtcNow -gt $deadline) { throw "the fake API server did not start: $(Get-Content (Join-Path $dir 'err.txt') -Raw)" }
            Start-Sleep -Milliseconds 100
        }

        $logs = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'exported-flows')
        @(
            'source,destination,port,protocol,verdict,count'
            'shop/web,payments/ledger,5432,TCP,forwarded,4'
            'shop/web,payments/ledger,22,TCP,forwarded,1'
            'shop/web,payments/ledger,http,TCP,forwarded,1'
        ) | Set-Content -LiteralPath (Join-Path $logs 'mesh-flows.csv')
        Set-Content -LiteralPath (Join-Path $logs 'README.md') -Value '# exported by the mesh every hour'

        $run = Invoke-ComplianceJob @{ KUBECONFIG = $kubeconfig; NETSEC_OUTPUT_DIR = "$TestDrive/flow-run"; NETSEC_FORMATS = 'json'; NETSEC_FLOW_LOGS = $logs.FullName }
        $run.ExitCode | Should -Be 0 -Because ($run.Lines -join "`n")
        $traffic = @(Get-Record $run 'traffic.compared')
        $traffic.Count | Should -Be 1
        $traffic[0].flows | Should -Be 5
        $traffic[0].badLines | Should -Be 1 -Because 'a port named in the CSV is not a number'
        $traffic[0].observedAllowed | Should -Be 1
        $traffic[0].observedDenied | Should -Be 1
        $traffic[0].disagreements | Should -Be 1 -Because 'the log shows TCP 22 forwarded, which the policies deny'
        $report = Get-Content (Get-Record $run 'report.written')[0].path -Raw | ConvertFrom-Json -AsHashtable -Depth 64
        $report.observedTraffic.observedDenied[0].source | Should -Be 'shop/web[Deployment]'
        $report.observedTraffic.observedDenied[0].connections | Should -Be 'TCP 22'
        $report.observedTraffic.observedDenied[0].datapathDisagrees | Should -BeTrue
    }
}
