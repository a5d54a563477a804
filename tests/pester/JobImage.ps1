# Dot-sourced by Job.Tests.ps1 and JobSandbox.Tests.ps1: reads jobs/Dockerfile the way a builder
# does (stages, ARG and ENV expansion, COPY sources, the build-context filter) and lays out the
# runtime stage's files, so tests check and run the image as written, without a container engine.

# Expands $NAME and ${NAME} from the variables in scope of a Dockerfile instruction.
function Expand-DockerValue {
    param([string] $Text, [System.Collections.IDictionary] $Variables)
    [regex]::Replace($Text, '\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)', {
            param($m)
            $name = if ($m.Groups[1].Success) { $m.Groups[1].Value } else { $m.Groups[2].Value }
            if ($Variables.Contains($name)) { [string]$Variables[$name] } else { '' }
        })
}

# Splits "A=1 B="two words"" into ordered name/value pairs.
function ConvertFrom-DockerPairs {
    param([string] $Text)
    $pairs = [ordered]@{}
    foreach ($m in [regex]::Matches($Text, '([A-Za-z_][A-Za-z0-9_.-]*)=("(?:[^"\\]|\\.)*"|\S*)')) {
        $value = $m.Groups[2].Value
        if ($value.StartsWith('"')) { $value = $value.Substring(1, $value.Length - 2) -replace '\\(.)', '$1' }
        $pairs[$m.Groups[1].Value] = $value
    }
    $pairs
}

# The stages of a Dockerfile, each with its base image, ARGs, ENV, COPYs, RUNs and the rest.
function Read-Dockerfile {
    param([Parameter(Mandatory)][string] $Path)
    $instructions = [System.Collections.Generic.List[string]]::new()
    $current = ''
    foreach ($raw in Get-Content -LiteralPath $Path) {
        # Comment lines, also inside a continued instruction, are dropped by the builder.
        if ($raw -match '^\s*#') { continue }
        $line = $raw.TrimEnd()
        if ($line.EndsWith('\')) { $current += $line.Substring(0, $line.Length - 1) + ' '; continue }
        $current += $line
        if ($current.Trim()) { $instructions.Add($current.Trim()) }
        $current = ''
    }

    $globalArgs = [ordered]@{}
    $stages = [System.Collections.Generic.List[object]]::new()
    $stage = $null
    foreach ($instruction in $instructions) {
        $keyword, $rest = $instruction -split '\s+', 2
        $keyword = $keyword.ToUpperInvariant()
        if ($keyword -eq 'FROM') {
            $parts = $rest -split '\s+'
            $stage = [pscustomobject]@{
                Name         = if ($parts.Count -ge 3 -and $parts[1] -eq 'AS') { $parts[2] } else { "$($stages.Count)" }
                Image        = Expand-DockerValue $parts[0] $globalArgs
                Args         = [ordered]@{}
                Env          = [ordered]@{}
                Copies       = [System.Collections.Generic.List[object]]::new()
                Runs         = [System.Collections.Generic.List[string]]::new()
                User         = $null
                Workdir      = '/'
                Entrypoint   = $null
                Instructions = [System.Collections.Generic.List[object]]::new()
            }
            $stages.Add($stage)
            continue
        }
        if ($keyword -eq 'ARG') {
            $name, $default = $rest -split '=', 2
            if (-not $stage) { $globalArgs[$name] = $default; continue }
            $stage.Args[$name] = if ($null -ne $default) { $default } elseif ($globalArgs.Contains($name)) { $globalArgs[$name] } else { '' }
            continue
        }
        if (-not $stage) { throw "$Path`: $keyword before the first FROM" }
        $scope = [ordered]@{}
        foreach ($k in $stage.Args.Keys) { $scope[$k] = $stage.Args[$k] }
        foreach ($k in $stage.Env.Keys) { $scope[$k] = $stage.Env[$k] }
        $stage.Instructions.Add([pscustomobject]@{ Keyword = $keyword; Text = $rest })
        switch ($keyword) {
            'ENV' {
                $pairs = if ($rest -match '^[A-Za-z_][A-Za-z0-9_]*=') { ConvertFrom-DockerPairs $rest } else { $n, $v = $rest -split '\s+', 2; [ordered]@{ $n = $v } }
                foreach ($k in $pairs.Keys) { $stage.Env[$k] = Expand-DockerValue $pairs[$k] $scope }
            }
            'COPY' {
                $words = @($rest -split '\s+')
                $flags = @{}
                while ($words[0] -like '--*') { $f, $v = $words[0].Substring(2) -split '=', 2; $flags[$f] = $v; $words = @($words | Select-Object -Skip 1) }
                if ($words[0].StartsWith('[')) { $words = @(($words -join ' ') | ConvertFrom-Json) }
                $words = @($words | ForEach-Object { Expand-DockerValue $_ $scope })
                $stage.Copies.Add([pscustomobject]@{ From = $flags['from']; Sources = @($words | Select-Object -SkipLast 1); Destination = $words[-1]; Workdir = $stage.Workdir })
            }
            'RUN' { $stage.Runs.Add((Expand-DockerValue $rest $scope)) }
            'USER' { $stage.User = Expand-DockerValue $rest $scope }
            'WORKDIR' {
                $dir = Expand-DockerValue $rest $scope
                $stage.Workdir = if ($dir.StartsWith('/')) { $dir } else { ($stage.Workdir.TrimEnd('/') + '/' + $dir) }
            }
            'ENTRYPOINT' { $stage.Entrypoint = @($rest | ConvertFrom-Json) }
        }
    }
    [pscustomobject]@{ Path = $Path; Args = $globalArgs; Stages = @($stages) }
}

# True when the build-context filter (<Dockerfile>.dockerignore, else .dockerignore) leaves the
# repository-relative path out of the context. Go filepath.Match patterns with **, as BuildKit reads them.
function Test-DockerIgnored {
    param([Parameter(Mandatory)][string] $RelativePath, [string[]] $Patterns)
    $path = $RelativePath.Replace('\', '/') -replace '^(\./)+', ''
    $segments = $path -split '/'
    $ignored = $false
    foreach ($pattern in $Patterns) {
        $p = $pattern.Trim()
        if (-not $p -or $p.StartsWith('#')) { continue }
        $negate = $p.StartsWith('!')
        $p = $p.TrimStart('!').Trim('/')
        $regex = '^' + (([regex]::Escape($p) -replace '\\\*\\\*/', '(.*/)?' -replace '\\\*\\\*', '.*' -replace '\\\*', '[^/]*' -replace '\\\?', '[^/]')) + '$'
        # A pattern that matches a folder leaves out everything under it.
        for ($i = 1; $i -le $segments.Count; $i++) {
            if (($segments[0..($i - 1)] -join '/') -match $regex) { $ignored = -not $negate; break }
        }
    }
    $ignored
}

function Get-DockerIgnorePatterns {
    param([Parameter(Mandatory)][string] $Dockerfile, [Parameter(Mandatory)][string] $Context)
    $own = "$Dockerfile.dockerignore"
    $file = if (Test-Path -LiteralPath $own) { $own } else { Join-Path $Context '.dockerignore' }
    if (Test-Path -LiteralPath $file) { @(Get-Content -LiteralPath $file) } else { @() }
}

# The stage that the image is (the last one).
function Get-RuntimeStage {
    param([Parameter(Mandatory)] $Dockerfile)
    $Dockerfile.Stages[-1]
}

# Where a path of a build stage comes from on this machine: under the stage's source folder (the
# WORKDIR that `COPY . .` filled) it is the repository after `build.ps1 build`; a --tool-path of a
# `dotnet tool install` RUN is that tool. Returns a description to produce it, or $null.
function Resolve-BuildStagePath {
    param([Parameter(Mandatory)] $Stage, [Parameter(Mandatory)][string] $Path, [Parameter(Mandatory)][string] $RepoRoot)
    $contextCopy = $Stage.Copies | Where-Object { -not $_.From -and $_.Sources.Count -eq 1 -and $_.Sources[0] -eq '.' } | Select-Object -First 1
    if ($contextCopy) {
        $base = if ($contextCopy.Destination -eq '.' -or $contextCopy.Destination -eq './') { $contextCopy.Workdir } else { $contextCopy.Destination }
        $base = $base.TrimEnd('/') + '/'
        if ($Path.StartsWith($base)) { return [pscustomobject]@{ Kind = 'repository'; Source = Join-Path $RepoRoot $Path.Substring($base.Length) } }
    }
    foreach ($run in $Stage.Runs) {
        if ($run -match 'dotnet tool install\s+(?<package>\S+)\s+.*--version\s+"?(?<version>[^"\s]+)"?.*--tool-path\s+(?<path>\S+)' -and $Matches.path -eq $Path) {
            return [pscustomobject]@{ Kind = 'dotnet-tool'; Package = $Matches.package; Version = $Matches.version; Source = $null }
        }
    }
    $null
}

# Lays out the runtime stage's COPYs under $Root (a folder standing for the image's /), each file
# from where the Dockerfile takes it. Tools a build stage installs are installed here the same way,
# into a cache folder reused between runs. Throws on a COPY it cannot reproduce, so the layout
# never silently differs from the image.
function New-JobImageLayout {
    param([Parameter(Mandatory)] $Dockerfile, [Parameter(Mandatory)][string] $Root, [Parameter(Mandatory)][string] $RepoRoot, [Parameter(Mandatory)][string] $ToolCache)
    $runtime = Get-RuntimeStage $Dockerfile
    foreach ($copy in $runtime.Copies) {
        foreach ($source in $copy.Sources) {
            $target = Join-Path $Root $copy.Destination.TrimStart('/')
            if ($copy.From) {
                $stage = $Dockerfile.Stages | Where-Object Name -eq $copy.From
                $origin = Resolve-BuildStagePath -Stage $stage -Path $source -RepoRoot $RepoRoot
                if (-not $origin) { throw "COPY --from=$($copy.From) $source`: the test does not know how that stage produces it" }
                if ($origin.Kind -eq 'dotnet-tool') {
                    $cached = Join-Path $ToolCache "$($origin.Package)-$($origin.Version)".ToLowerInvariant()
                    if (-not (Test-Path -LiteralPath $cached)) {
                        $output = & dotnet tool install $origin.Package --version $origin.Version --tool-path "$cached.partial" 2>&1
                        if ($LASTEXITCODE -ne 0) { throw "dotnet tool install $($origin.Package) $($origin.Version) failed: $output" }
                        Move-Item -LiteralPath "$cached.partial" -Destination $cached
                    }
                    $origin.Source = $cached
                }
                $from = $origin.Source
            }
            else {
                $from = Join-Path $RepoRoot $source
            }
            if (-not (Test-Path -LiteralPath $from)) { throw "COPY $source`: $from does not exist" }
            $null = New-Item -ItemType Directory -Path (Split-Path $target) -Force
            if (Test-Path -LiteralPath $from -PathType Container) {
                $null = New-Item -ItemType Directory -Path $target -Force
                Copy-Item -Path (Join-Path $from '*') -Destination $target -Recurse -Force
                # Hidden entries (the tool's .store) too.
                Get-ChildItem -LiteralPath $from -Force | Where-Object { $_.Name.StartsWith('.') } | Copy-Item -Destination $target -Recurse -Force
            }
            else {
                Copy-Item -LiteralPath $from -Destination $target -Force
            }
        }
    }
}

# ---------------------------------------------------------------------------------------------
# The job under its container's constraints, with bubblewrap (bwrap) instead of a container engine.

# $null when bwrap can run the sandbox here, else the reason it cannot.
function Get-JobSandboxProblem {
    if (-not $IsLinux) { return 'the sandbox needs Linux namespaces' }
    $bwrap = Get-Command bwrap -CommandType Application -ErrorAction Ignore | Select-Object -First 1
    if (-not $bwrap) { return 'bwrap (Debian package bubblewrap) is not installed; build.ps1 test installs it when it runs as root or with sudo -n' }
    # The same nesting the tests use: a network namespace with only loopback, and inside it a user
    # namespace in which the job runs as uid 1654.
    $probe = & $bwrap.Source --dev-bind / / --unshare-net --die-with-parent -- @(Get-JobUserSwitch 1654 1654) $bwrap.Source --ro-bind / / --dev /dev --proc /proc --unshare-user --unshare-pid --uid 1654 --gid 1654 -- /bin/sh -c 'id -u' 2>&1
    if ($LASTEXITCODE -ne 0 -or "$probe".Trim() -ne '1654') {
        return "bwrap cannot create the namespaces here (unprivileged user namespaces disabled?): $("$probe".Trim())"
    }
    $null
}

# Run as root, the sandbox first becomes the image's user for real (setpriv), so the job has no
# privilege at all and the host's files are as foreign to it as the image's root-owned ones.
# Otherwise the calling user is mapped to the image's uid inside a user namespace.
function Get-JobUserSwitch {
    param([string] $Uid, [string] $Gid)
    if ((& id -u) -eq '0') { @('setpriv', "--reuid=$Uid", "--regid=$Gid", '--clear-groups', '--') } else { @() }
}

# The environment the pod's container gets: the base image's, the Dockerfile's ENV, what the
# kubelet adds, the settings ConfigMap (envFrom) and the CronJob's env, in that order.
function Get-JobPodEnvironment {
    param([Parameter(Mandatory)] $Dockerfile, [Parameter(Mandatory)][string] $RepoRoot, [int] $ApiPort = 6443, [string] $PodName = 'netsecps-compliance-29000000-x7k2q')
    $runtime = Get-RuntimeStage $Dockerfile
    $envs = [ordered]@{
        # What mcr.microsoft.com/dotnet/runtime sets before the Dockerfile's own ENV.
        PATH                        = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
        APP_UID                     = '1654'
        DOTNET_RUNNING_IN_CONTAINER = 'true'
        DOTNET_VERSION              = $Dockerfile.Args['DOTNET_RUNTIME_VERSION']
    }
    foreach ($k in $runtime.Env.Keys) { $envs[$k] = $runtime.Env[$k] }
    $envs['HOSTNAME'] = $PodName
    $envs['KUBERNETES_SERVICE_HOST'] = '127.0.0.1'
    $envs['KUBERNETES_SERVICE_PORT'] = "$ApiPort"
    $envs['KUBERNETES_SERVICE_PORT_HTTPS'] = "$ApiPort"
    foreach ($line in Get-Content -LiteralPath (Join-Path $RepoRoot 'jobs/kubernetes/config/settings.env')) {
        if ($line -match '^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$') { $envs[$Matches[1]] = $Matches[2] }
    }
    foreach ($pair in Get-CronJobEnvironment (Join-Path $RepoRoot 'jobs/kubernetes/cronjob.yaml')) { $envs[$pair.Name] = $pair.Value }
    $envs
}

# The name/value pairs of the CronJob container's env list (plain values only; the job uses no valueFrom).
function Get-CronJobEnvironment {
    param([Parameter(Mandatory)][string] $Path)
    $lines = @(Get-Content -LiteralPath $Path)
    $inEnv = $false
    $indent = 0
    $name = $null
    foreach ($line in $lines) {
        if ($line -match '^(\s*)env:\s*$') { $inEnv = $true; $indent = $Matches[1].Length; continue }
        if (-not $inEnv -or $line -match '^\s*#' -or -not $line.Trim()) { continue }
        if (($line -replace '^(\s*).*', '$1').Length -le $indent -and $line.TrimStart() -notmatch '^-') { $inEnv = $false; continue }
        if ($line -match '^\s*-\s*name:\s*(\S+)\s*$') { $name = $Matches[1]; continue }
        if ($name -and $line -match '^\s*value:\s*(.*?)\s*$') {
            [pscustomobject]@{ Name = $name; Value = $Matches[1].Trim('"', "'") }
            $name = $null
        }
    }
}

# The bwrap arguments that make the pod's container: the runtime stage's files read-only at /, the
# host OS standing in for the base image (with only the .NET runtime, no SDK, under
# /usr/share/dotnet), /reports and /tmp writable, the settings ConfigMap at /etc/netsecps, the
# service-account token and CA where the kubelet mounts them, the USER, the WORKDIR, the
# environment and nothing else, then the ENTRYPOINT.
function New-JobSandboxArguments {
    param(
        [Parameter(Mandatory)] $Dockerfile,
        [Parameter(Mandatory)][string] $Layout,
        [Parameter(Mandatory)][string] $Reports,
        [Parameter(Mandatory)][string] $Tmp,
        [Parameter(Mandatory)][string] $Config,
        [Parameter(Mandatory)][string] $ServiceAccount,
        [Parameter(Mandatory)][string] $EtcOverrides,
        [Parameter(Mandatory)][System.Collections.IDictionary] $Environment,
        # More read-only mounts (a Secret's volume, say): path in the sandbox -> folder here.
        [hashtable] $ReadOnlyMounts = @{},
        # Instead of the ENTRYPOINT (to probe the sandbox itself).
        [string[]] $Command
    )
    $runtime = Get-RuntimeStage $Dockerfile
    $uid, $gid = $runtime.User -split ':'
    if (-not $gid) { $gid = $uid }
    $a = [System.Collections.Generic.List[string]]::new()
    $a.AddRange([string[]]@('--unshare-user', '--unshare-ipc', '--unshare-pid', '--unshare-uts', '--unshare-cgroup-try',
            '--uid', $uid, '--gid', $gid, '--hostname', $Environment['HOSTNAME'], '--die-with-parent', '--new-session'))
    # The root directories of the host OS: merged-/usr symlinks stay symlinks.
    foreach ($top in 'bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32') {
        $item = Get-Item -LiteralPath "/$top" -Force -ErrorAction Ignore
        if (-not $item) { continue }
        if ($item.LinkTarget) { $a.AddRange([string[]]@('--symlink', $item.LinkTarget, "/$top")) } else { $a.AddRange([string[]]@('--ro-bind', "/$top", "/$top")) }
    }
    $a.AddRange([string[]]@('--ro-bind', '/usr', '/usr'))
    # The runtime image holds the .NET runtime only: the host's SDK, ASP.NET Core and packs are hidden.
    $dotnet = $runtime.Env['DOTNET_ROOT']
    $hostDotnet = Get-HostDotnetRoot
    if (-not (Test-Path -LiteralPath $dotnet -PathType Container)) { throw "the sandbox puts the .NET runtime at $dotnet (DOTNET_ROOT), which must exist on this machine too" }
    $runtimeVersion = Get-JobSandboxRuntimeVersion $Dockerfile
    $a.AddRange([string[]]@('--tmpfs', $dotnet, '--ro-bind', "$hostDotnet/dotnet", "$dotnet/dotnet", '--ro-bind', "$hostDotnet/host", "$dotnet/host",
            '--ro-bind', "$hostDotnet/shared/Microsoft.NETCore.App/$runtimeVersion", "$dotnet/shared/Microsoft.NETCore.App/$runtimeVersion", '--remount-ro', $dotnet))
    # /etc of the host OS, with the image's users (root, app 1654) instead of the host's.
    $a.AddRange([string[]]@('--tmpfs', '/etc'))
    foreach ($item in Get-ChildItem -LiteralPath '/etc' -Force) {
        if ($item.Name -in 'passwd', 'group', 'shadow', 'gshadow', 'passwd-', 'group-', 'shadow-', 'gshadow-') { continue }
        if ($item.LinkTarget) { $a.AddRange([string[]]@('--symlink', $item.LinkTarget, "/etc/$($item.Name)")) }
        else { $a.AddRange([string[]]@('--ro-bind', $item.FullName, "/etc/$($item.Name)")) }
    }
    foreach ($item in Get-ChildItem -LiteralPath $EtcOverrides) { $a.AddRange([string[]]@('--ro-bind', $item.FullName, "/etc/$($item.Name)")) }
    # Before the remounts, so mounts under /etc (a Secret's volume, say) can still be made.
    foreach ($k in $ReadOnlyMounts.Keys) { $a.AddRange([string[]]@('--ro-bind', $ReadOnlyMounts[$k], $k)) }
    $a.AddRange([string[]]@('--ro-bind', $Config, '/etc/netsecps', '--remount-ro', '/etc'))
    # The image's own files.
    foreach ($item in Get-ChildItem -LiteralPath $Layout -Force) { $a.AddRange([string[]]@('--ro-bind', $item.FullName, "/$($item.Name)")) }
    $a.AddRange([string[]]@(
            '--ro-bind', $ServiceAccount, '/var/run/secrets/kubernetes.io/serviceaccount',
            '--proc', '/proc', '--dev', '/dev',
            '--bind', $Reports, '/reports',
            '--bind', $Tmp, '/tmp',
            '--chdir', $runtime.Workdir,
            '--remount-ro', '/',
            '--clearenv'))
    foreach ($k in $Environment.Keys) {
        if ($null -ne $Environment[$k]) { $a.AddRange([string[]]@('--setenv', $k, [string]$Environment[$k])) }
    }
    $a.Add('--')
    $a.AddRange([string[]]$(if ($Command) { $Command } else { $runtime.Entrypoint }))
    , $a.ToArray()
}

# The .NET runtime the sandbox runs: the image's pinned version when this machine has it, else
# the newest of the same major.minor (said in the test output).
function Get-JobSandboxRuntimeVersion {
    param([Parameter(Mandatory)] $Dockerfile)
    $wanted = $Dockerfile.Args['DOTNET_RUNTIME_VERSION']
    $shared = Join-Path (Get-HostDotnetRoot) 'shared/Microsoft.NETCore.App'
    if (Test-Path -LiteralPath (Join-Path $shared $wanted)) { return $wanted }
    $v = [version]$wanted
    $candidates = @(Get-ChildItem -LiteralPath $shared -Directory -ErrorAction Ignore | Where-Object { $_.Name -match '^\d+\.\d+\.\d+$' -and ([version]$_.Name).Major -eq $v.Major -and ([version]$_.Name).Minor -eq $v.Minor } |
            Sort-Object { [version]$_.Name })
    if (-not $candidates) { throw "no .NET runtime $($v.Major).$($v.Minor) under $shared for the sandbox (the image pins $wanted)" }
    $candidates[-1].Name
}

# The folder of this machine's dotnet executable, links resolved.
function Get-HostDotnetRoot {
    $exe = (Get-Command dotnet -CommandType Application | Select-Object -First 1).Source
    $item = Get-Item -LiteralPath $exe
    while ($item.LinkTarget) { $item = Get-Item -LiteralPath ([IO.Path]::GetFullPath($item.LinkTarget, (Split-Path $item.FullName))) }
    Split-Path $item.FullName
}

# Runs the job in the sandbox: a network namespace with nothing but loopback, in which the fake
# API server serves the manifests on 127.0.0.1:<port> (the kubelet's KUBERNETES_SERVICE_*), its
# token and CA are written where the kubelet mounts a service-account token, and $Parallel jobs
# start at once on the same /reports. Returns one result per job: exit code, stdout lines, log
# records, stderr.
function Invoke-JobSandbox {
    param(
        [Parameter(Mandatory)] $Dockerfile,
        [Parameter(Mandatory)][string] $Layout,
        [Parameter(Mandatory)][string] $Work,
        [Parameter(Mandatory)][string] $Reports,
        [Parameter(Mandatory)][string] $Tmp,
        [Parameter(Mandatory)][string] $RepoRoot,
        [Parameter(Mandatory)][string] $FakeDll,
        [Parameter(Mandatory)][string[]] $Manifests,
        [hashtable] $Environment = @{},
        [int] $Parallel = 1,
        [int] $ApiPort = 6443,
        [hashtable] $ReadOnlyMounts = @{},
        [string[]] $Command,
        [int] $TimeoutSeconds = 900
    )
    $null = New-Item -ItemType Directory -Path $Work -Force
    $sa = New-Item -ItemType Directory -Path (Join-Path $Work 'serviceaccount') -Force
    # The settings ConfigMap's files (configMapGenerator netsecps-config) at /etc/netsecps.
    $config = New-Item -ItemType Directory -Path (Join-Path $Work 'config') -Force
    Copy-Item -LiteralPath (Join-Path $RepoRoot 'jobs/kubernetes/config/exceptions.yaml') -Destination $config
    # The image's users: root and app (1654), as in the .NET images.
    $etc = New-Item -ItemType Directory -Path (Join-Path $Work 'etc') -Force
    Set-Content -LiteralPath (Join-Path $etc 'passwd') -Value "root:x:0:0:root:/root:/bin/sh`napp:x:1654:1654::/home/app:/bin/sh"
    Set-Content -LiteralPath (Join-Path $etc 'group') -Value "root:x:0:`napp:x:1654:"
    $podEnvironment = Get-JobPodEnvironment -Dockerfile $Dockerfile -RepoRoot $RepoRoot -ApiPort $ApiPort
    foreach ($k in $Environment.Keys) { $podEnvironment[$k] = $Environment[$k] }
    $inner = New-JobSandboxArguments -Dockerfile $Dockerfile -Layout $Layout -Reports $Reports -Tmp $Tmp -Config $config -ServiceAccount $sa -EtcOverrides $etc -Environment $podEnvironment -ReadOnlyMounts $ReadOnlyMounts -Command $Command

    $driver = Join-Path $Work 'driver.sh'
    Set-Content -LiteralPath $driver -Value @'
#!/bin/sh
# In a fresh network namespace: the fake API server on loopback, then the sandboxed jobs.
set -u
fake_dll=$1 work=$2 parallel=$3 port=$4
shift 4
manifests=""
while [ "$1" != "--" ]; do manifests="$manifests --manifests $1"; shift; done
shift
# shellcheck disable=SC2086
dotnet "$fake_dll" $manifests --port "$port" --kubeconfig-out "$work/kubeconfig" >"$work/fake.out" 2>"$work/fake.err" &
fake=$!
n=0
while [ ! -s "$work/kubeconfig" ]; do
    kill -0 "$fake" 2>/dev/null || { echo "the fake API server ended: $(cat "$work/fake.err")" >&2; exit 97; }
    n=$((n + 1)); [ "$n" -le 1800 ] || { kill "$fake"; echo 'the fake API server did not start' >&2; exit 98; }
    sleep 0.1
done
sed -n 's/^ *certificate-authority-data: *//p' "$work/kubeconfig" | base64 -d >"$work/serviceaccount/ca.crt"
printf '%s' "$(sed -n 's/^ *token: *//p' "$work/kubeconfig")" >"$work/serviceaccount/token"
printf 'netsecps' >"$work/serviceaccount/namespace"
pids=""
i=1
while [ "$i" -le "$parallel" ]; do
    ( "$@" >"$work/job-$i.out" 2>"$work/job-$i.err"; echo "$?" >"$work/job-$i.rc" ) &
    pids="$pids $!"
    i=$((i + 1))
done
for pid in $pids; do wait "$pid"; done
kill "$fake" 2>/dev/null
wait "$fake" 2>/dev/null
exit 0
'@
    $bwrap = (Get-Command bwrap -CommandType Application | Select-Object -First 1).Source
    $uid, $gid = (Get-RuntimeStage $Dockerfile).User -split ':'
    if (-not $gid) { $gid = $uid }
    $outer = @('--dev-bind', '/', '/', '--unshare-net', '--die-with-parent', '--', '/bin/sh', $driver, $FakeDll, $Work, "$Parallel", "$ApiPort") + $Manifests + @('--') + @(Get-JobUserSwitch $uid $gid) + @($bwrap) + $inner
    $psi = [Diagnostics.ProcessStartInfo]::new($bwrap)
    foreach ($x in $outer) { $psi.ArgumentList.Add($x) }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $process = [Diagnostics.Process]::Start($psi)
    try {
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $stderr = $process.StandardError.ReadToEndAsync()
        if (-not $process.WaitForExit($TimeoutSeconds * 1000)) {
            $process.Kill($true)
            throw "the sandboxed job did not end within $TimeoutSeconds s"
        }
        $process.WaitForExit()
        if ($process.ExitCode -ne 0) { throw "the sandbox driver failed ($($process.ExitCode)): $($stderr.Result) $($stdout.Result)" }
    }
    finally { $process.Dispose() }
    foreach ($i in 1..$Parallel) {
        $lines = @(Get-Content -LiteralPath (Join-Path $Work "job-$i.out") | Where-Object { $_ })
        [pscustomobject]@{
            ExitCode  = [int](Get-Content -LiteralPath (Join-Path $Work "job-$i.rc") -Raw).Trim()
            Lines     = $lines
            # A line that is not JSON fails the test here: stdout is for log records only.
            Records   = @(if (-not $Command) { $lines | ForEach-Object { ConvertFrom-Json -InputObject $_ -AsHashtable } })
            Stderr    = [string](Get-Content -LiteralPath (Join-Path $Work "job-$i.err") -Raw)
            Arguments = $inner
            # Holds serviceaccount/ (the token and CA the job read) and the fake API server's kubeconfig.
            Work      = $Work
        }
    }
}

# Every file and folder under a directory, as sorted relative paths with / separators.
function Get-TreeListing {
    param([Parameter(Mandatory)][string] $Path)
    $base = (Resolve-Path -LiteralPath $Path).ProviderPath.TrimEnd('/') + '/'
    @(Get-ChildItem -LiteralPath $Path -Recurse -Force | ForEach-Object { $_.FullName.Substring($base.Length) + $(if ($_.PSIsContainer) { '/' }) } | Sort-Object)
}
