#Requires -Version 7.4
<#
.SYNOPSIS
    Reads a large cluster from the fake API server with Get-NetSecSnapshot and with kubectl, and
    compares the wall times.

.DESCRIPTION
    Generates the manifests of a cluster of -Pods pods (Deployments spread over -Namespaces
    namespaces, a Service and a NetworkPolicy per Deployment, a default deny per namespace),
    serves them with tests/NetSecPS.FakeApiServer (running state on: ReplicaSets, pods with
    owners and IPs, nodes), then times, -Runs times each after one warm-up:
      - Get-NetSecSnapshot -Kubeconfig (every kind NetSecPS reads, discovery included);
      - kubectl get <the same kinds> -A -o json, one command, output to a file;
      - kubectl get pods -A -o json alone, for reference.
    Both clients use the same server, page size (500) and discovery cache conditions
    (kubectl keeps its discovery cache between runs, as it does for a user).

.EXAMPLE
    dotnet pwsh tests/bench/Measure-Live.ps1 -Pods 10000
#>
[CmdletBinding()]
[Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSAvoidUsingWriteHost', '', Justification = 'Shows the fake API server''s start-up lines to the person running the measurement, apart from the measured results it outputs.')]
param(
    [int] $Pods = 10000,
    [int] $Namespaces = 50,
    [int] $ReplicasPerDeployment = 10,
    [int] $Runs = 3,
    [int] $LatencyMs = 0,
    [string] $ModulePath,
    [string] $OutFile
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
if (-not $ModulePath) { $ModulePath = Join-Path $root 'out/NetSecPS/NetSecPS.psd1' }
if (-not (Test-Path $ModulePath)) { throw "Build the module first: dotnet pwsh ./build.ps1 build" }
$kubectl = Get-Command kubectl -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
if (-not $kubectl) { throw 'kubectl is not on PATH: nothing to compare with.' }

$work = Join-Path ([IO.Path]::GetTempPath()) ('netsecps-bench-' + [guid]::NewGuid().ToString('N'))
$manifests = New-Item -ItemType Directory -Path (Join-Path $work 'manifests') -Force

# The cluster: Deployments of $ReplicasPerDeployment pods until $Pods pods, round-robin over the namespaces.
$deployments = [math]::Ceiling($Pods / $ReplicasPerDeployment)
$perNamespace = [math]::Ceiling($deployments / $Namespaces)
$made = 0
for ($n = 1; $n -le $Namespaces -and $made -lt $deployments; $n++) {
    $ns = 'team-{0:d3}' -f $n
    $sb = [Text.StringBuilder]::new()
    [void]$sb.AppendLine("apiVersion: v1`nkind: Namespace`nmetadata:`n  name: $ns`n  labels:`n    team: t$n`n---")
    [void]$sb.AppendLine("apiVersion: networking.k8s.io/v1`nkind: NetworkPolicy`nmetadata:`n  name: default-deny`n  namespace: $ns`nspec:`n  podSelector: {}`n  policyTypes: [Ingress, Egress]`n---")
    for ($d = 1; $d -le $perNamespace -and $made -lt $deployments; $d++) {
        $made++
        $replicas = [math]::Min($ReplicasPerDeployment, $Pods - ($made - 1) * $ReplicasPerDeployment)
        $app = 'svc-{0:d3}' -f $d
        [void]$sb.AppendLine(@"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: $app
  namespace: $ns
spec:
  replicas: $replicas
  selector:
    matchLabels:
      app: $app
  template:
    metadata:
      labels:
        app: $app
        tier: t$($d % 3)
    spec:
      containers:
      - name: main
        image: registry.example/$ns/${app}:1.0.$d
        ports:
        - name: http
          containerPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: $app
  namespace: $ns
spec:
  selector:
    app: $app
  ports:
  - port: 80
    targetPort: http
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: $app-ingress
  namespace: $ns
spec:
  podSelector:
    matchLabels:
      app: $app
  ingress:
  - from:
    - podSelector:
        matchLabels:
          tier: t$((($d + 1) % 3))
    ports:
    - port: 8080
---
"@)
    }
    Set-Content -LiteralPath (Join-Path $manifests "$ns.yaml") -Value $sb.ToString()
}

$fakeOut = Join-Path $root 'out/fake-apiserver'
& dotnet build (Join-Path $root 'tests/NetSecPS.FakeApiServer/NetSecPS.FakeApiServer.csproj') -c Release -o $fakeOut --nologo -v q | Out-Null
if ($LASTEXITCODE -ne 0) { throw 'building the fake API server failed' }
$kubeconfig = Join-Path $work 'kubeconfig'
$serverArgs = @((Join-Path $fakeOut 'NetSecPS.FakeApiServer.dll'), '--manifests', $manifests.FullName, '--kubeconfig-out', $kubeconfig, '--nodes', '20')
if ($LatencyMs -gt 0) { $serverArgs += @('--latency-ms', "$LatencyMs") }
$server = Start-Process -FilePath dotnet -ArgumentList $serverArgs -PassThru -RedirectStandardOutput (Join-Path $work 'server.out') -RedirectStandardError (Join-Path $work 'server.err')
try {
    $deadline = [DateTime]::UtcNow.AddMinutes(3)
    while (-not (Test-Path $kubeconfig)) {
        if ($server.HasExited -or [DateTime]::UtcNow -gt $deadline) { throw "the fake API server did not start: $(Get-Content (Join-Path $work 'server.err') -Raw)" }
        Start-Sleep -Milliseconds 200
    }
    Write-Host (Get-Content (Join-Path $work 'server.out') -Raw)

    Import-Module $ModulePath -Force
    $kinds = 'namespaces,nodes,pods,services,replicationcontrollers,serviceaccounts,configmaps,deployments,replicasets,statefulsets,daemonsets,jobs,cronjobs,networkpolicies,ingresses,ingressclasses,roles,clusterroles,rolebindings,clusterrolebindings'
    $cache = Join-Path $work 'kube-cache'
    $kubectlOut = Join-Path $work 'kubectl.json'

    function Measure-Kubectl([string[]] $What) {
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $p = Start-Process -FilePath $kubectl.Source -ArgumentList (@('--kubeconfig', $kubeconfig, '--cache-dir', $cache, 'get') + $What + @('-A', '-o', 'json', '--chunk-size', '500')) `
            -RedirectStandardOutput $kubectlOut -RedirectStandardError (Join-Path $work 'kubectl.err') -PassThru -Wait
        $sw.Stop()
        if ($p.ExitCode -ne 0) { throw "kubectl failed: $(Get-Content (Join-Path $work 'kubectl.err') -Raw)" }
        $sw.Elapsed.TotalSeconds
    }

    function Measure-NetSec {
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $script:snap = Get-NetSecSnapshot -Kubeconfig $kubeconfig -PageSize 500
        $sw.Stop()
        $sw.Elapsed.TotalSeconds
    }

    # Warm-up: JIT, TLS session, kubectl's discovery cache.
    $null = Measure-NetSec
    $null = Measure-Kubectl @($kinds)
    $null = Measure-Kubectl @('pods')

    $netsec = @(); $kubectlAll = @(); $kubectlPods = @()
    for ($i = 1; $i -le $Runs; $i++) {
        $netsec += Measure-NetSec
        $kubectlAll += Measure-Kubectl @($kinds)
        $kubectlPods += Measure-Kubectl @('pods')
    }
    $kubectlItems = (Get-Content -LiteralPath $kubectlOut -Raw | ConvertFrom-Json -Depth 100).items.Count
    function Median([double[]] $v) { $s = $v | Sort-Object; $s[[math]::Floor(($s.Count - 1) / 2)] }

    $result = [ordered]@{
        pods                  = $snap.KindCounts['Pod']
        objects               = $snap.ObjectCount
        kindsRead             = @($snap.Coverage | Where-Object Status -eq 'Read').Count
        latencyMs             = $LatencyMs
        runs                  = $Runs
        netsecSeconds         = [math]::Round((Median $netsec), 3)
        kubectlSameKinds      = [math]::Round((Median $kubectlAll), 3)
        kubectlPodsOnly       = [math]::Round((Median $kubectlPods), 3)
        kubectlPodsOnlyItems  = $kubectlItems
        netsecAllRuns         = $netsec | ForEach-Object { [math]::Round($_, 3) }
        kubectlSameKindsRuns  = $kubectlAll | ForEach-Object { [math]::Round($_, 3) }
        kubectlPodsOnlyRuns   = $kubectlPods | ForEach-Object { [math]::Round($_, 3) }
    }
    if ($OutFile) { $result | ConvertTo-Json | Set-Content -LiteralPath $OutFile }
    [pscustomobject]$result
}
finally {
    if (-not $server.HasExited) { Stop-Process -Id $server.Id; $server.WaitForExit(10000) | Out-Null }
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
}
