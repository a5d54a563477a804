#Requires -Version 7.4

<#
.SYNOPSIS
    The demo: runs NetSecPS on the demo cluster in samples/cluster.
.DESCRIPTION
    Called by `build.ps1 demo` with the freshly built module. Reads the demo cluster's manifests
    into a snapshot, prints its inventory (namespaces, workloads, exposure, policy layers), and
    saves the snapshot to the output folder. Later stages add the connectivity, the audit and
    the Excel and PDF reports.
#>
[Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSAvoidUsingWriteHost', '', Justification = 'The demo is read on a console: headings and notes are written in colour, and nothing is meant for a pipeline.')]
param(
    [Parameter(Mandatory)][string] $ModulePath,
    [Parameter(Mandatory)][string] $OutputDirectory
)

$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force
$cluster = Join-Path $PSScriptRoot 'cluster'
New-Item -ItemType Directory -Path $OutputDirectory -Force | Out-Null

function Write-Section([string] $Title, [string] $Note) {
    Write-Host ''
    Write-Host "== $Title" -ForegroundColor Cyan
    if ($Note) { Write-Host "   $Note" -ForegroundColor DarkGray }
}

# Tables are printed at a fixed width so the output reads the same in a terminal and in a log.
function Show([Parameter(ValueFromPipeline)] $InputObject) {
    begin { $items = [System.Collections.Generic.List[object]]::new() }
    process { $items.Add($InputObject) }
    end { if ($items.Count) { $items | Out-String -Width 150 -Stream | Where-Object { $_.Trim() } | ForEach-Object { Write-Host "   $_" } } }
}

Write-Host "NetSecPS demo: the cluster described in $(Join-Path $cluster 'README.md')" -ForegroundColor Cyan

$snapshot = Get-NetSecSnapshot -Path $cluster
$inventory = @(Get-NetSecInventory -Snapshot $snapshot)
$workloads = @($inventory | Where-Object { $_ -is [NetSecPS.WorkloadItem] })
$services = @($inventory | Where-Object { $_ -is [NetSecPS.ServiceItem] })
$exposures = @($inventory | Where-Object { $_ -is [NetSecPS.ExposureItem] })
$policies = @($inventory | Where-Object { $_ -is [NetSecPS.PolicyItem] })

Write-Section 'Snapshot' "$($snapshot.Provenance.Inputs.Count) manifest files, each recorded with its SHA-256; problems found while reading: $(@($snapshot.Diagnostics).Count)"
$snapshot | Show

Write-Section 'Namespaces' 'What runs where, and how much NetworkPolicy each namespace has.'
$inventory | Where-Object { $_ -is [NetSecPS.NamespaceItem] } | ForEach-Object {
    $ns = $_.Name
    [pscustomobject]@{
        Namespace       = $ns
        Workloads       = $_.Workloads
        Services        = @($services | Where-Object Namespace -eq $ns).Count
        Ingresses       = @($exposures | Where-Object Namespace -eq $ns).Count
        NetworkPolicies = $_.NetworkPolicies
        HostNetwork     = @($workloads | Where-Object { $_.Namespace -eq $ns -and $_.HostNetwork }).Count
    }
} | Format-Table -AutoSize | Show

Write-Section 'Workloads' "$($workloads.Count) workloads, named as connectivity output names them (manifests: each workload is the pod its template would create)."
$workloads | Sort-Object Namespace, Name | Format-Table @{ Label = 'Peer'; Expression = { $_.Peer } }, @{ Label = 'HostNet'; Expression = { if ($_.HostNetwork) { 'yes' } else { '' } } }, @{ Label = 'Ports'; Expression = { $_.Ports -join ', ' } } -AutoSize | Show

Write-Section 'Exposure' 'How traffic from outside the cluster can come in.'
@(
    $services | Where-Object { $_.Type -in 'LoadBalancer', 'NodePort' -or $_.ExternalIPs.Count } | ForEach-Object {
        $svc = $_
        $how = if ($svc.Type -eq 'LoadBalancer' -and $svc.LoadBalancerSourceRanges.Count) { "LoadBalancer from $($svc.LoadBalancerSourceRanges -join ', ') only" }
        elseif ($svc.Type -eq 'LoadBalancer') { 'LoadBalancer open to any source' }
        elseif ($svc.Type -eq 'NodePort') { "NodePort $(($svc.Ports | ForEach-Object { ($_ -split '[:-]')[1] }) -join ', ') on every node" }
        else { "externalIPs $($svc.ExternalIPs -join ', ')" }
        [pscustomobject]@{ Resource = $svc.Resource; Exposure = $how; To = ($svc.Selector.GetEnumerator() | ForEach-Object { "$($_.Key)=$($_.Value)" }) -join ',' }
    }
    $exposures | ForEach-Object {
        [pscustomobject]@{ Resource = $_.Resource; Exposure = "$(if ($_.Tls) { 'HTTPS' } else { 'HTTP without TLS' }) $($_.Hosts -join ', ')"; To = $_.Backends -join ', ' }
    }
) | Format-Table -AutoSize | Show

Write-Section 'Policy layers' 'AdminNetworkPolicy (by priority), then NetworkPolicy per namespace, then the BaselineAdminNetworkPolicy.'
$policies | Where-Object Kind -eq AdminNetworkPolicy | Sort-Object Priority | Format-Table Kind, Name, Priority, @{ Label = 'Rules'; Expression = { "$($_.IngressRules) in, $($_.EgressRules) out" } }, Subject -AutoSize | Show
$policies | Where-Object Kind -eq NetworkPolicy | Group-Object Namespace | ForEach-Object {
    [pscustomobject]@{
        Namespace = $_.Name
        Policies  = $_.Count
        Ingress   = @($_.Group | Where-Object { $_.PolicyTypes -contains 'Ingress' }).Count
        Egress    = @($_.Group | Where-Object { $_.PolicyTypes -contains 'Egress' }).Count
        Names     = ($_.Group.Name | Sort-Object) -join ', '
    }
} | Format-Table -AutoSize | Show
$namespacesWithoutPolicy = @($inventory | Where-Object { $_ -is [NetSecPS.NamespaceItem] -and $_.NetworkPolicies -eq 0 } | ForEach-Object Name)
Write-Host "   Namespaces without any NetworkPolicy: $($namespacesWithoutPolicy -join ', ')" -ForegroundColor Yellow
$policies | Where-Object Kind -eq BaselineAdminNetworkPolicy | Format-Table Kind, Name, @{ Label = 'Rules'; Expression = { "$($_.IngressRules) in, $($_.EgressRules) out" } }, Subject -AutoSize | Show

Write-Section 'Service mesh' 'Istio: PeerAuthentication (mutual TLS) and AuthorizationPolicy at the sidecars of the injected namespaces, a second layer after NetworkPolicy.'
$injected = @($inventory | Where-Object { $_ -is [NetSecPS.NamespaceItem] -and $_.Labels['istio-injection'] -eq 'enabled' } | ForEach-Object Name)
Write-Host "   Sidecar injection: $($injected -join ', ')" -ForegroundColor Yellow
$inventory | Where-Object { $_.ApiVersion -like 'security.istio.io/*' } | Sort-Object Kind, Namespace, Name |
    Format-Table Kind, Namespace, Name, @{ Label = 'What it does'; Expression = { if ($_ -is [NetSecPS.PolicyItem]) { $_.Details } else { $_.Summary } } } -AutoSize | Show

Write-Section 'RBAC' 'Roles and bindings in the input; the audit will tell which let non-admins change network policy.'
$inventory | Where-Object Kind -in Role, ClusterRole, RoleBinding, ClusterRoleBinding | Format-Table Kind, Namespace, Name, Summary -AutoSize | Show

Write-Section 'Audit' 'The check catalogue (Get-NetSecCheck), decided from the connectivity the cluster enforces; default profile.'
$audit = Invoke-NetSecAudit -Snapshot $snapshot -Summary -WarningAction SilentlyContinue
Write-Host "   Score $($audit.Score.Score.ToString('0.0')) / 100: $($audit.Critical) critical, $($audit.High) high, $($audit.Medium) medium, $($audit.Low) low, $($audit.Info) info findings over $($audit.Score.EvaluatedWorkloads) workloads" -ForegroundColor Yellow
Write-Host "   $($audit.Score.Formula)" -ForegroundColor DarkGray
$audit.Findings | Format-Table Severity, CheckId, Resource, Title -AutoSize | Show
$example = $audit.Findings | Where-Object { $_.CheckId -eq 'NP-001' -and $_.Resource -eq 'Namespace/monitoring' }
if ($example) {
    Write-Host "   Why $($example.Resource) fails NP-001 although it has a default deny:" -ForegroundColor DarkGray
    Write-Host "   $($example.Evidence)"
}

$saved = Join-Path $OutputDirectory 'demo-cluster.json.gz'
$file = $snapshot | Export-NetSecSnapshot -Path $saved -Force -PassThru
$reloaded = Import-NetSecSnapshot -Path $file.FullName
Write-Section 'Saved' "$($file.FullName) ($([math]::Round($file.Length / 1KB, 1)) KiB, $($reloaded.ObjectCount) objects read back)"
Write-Host '   Try: Import-Module ./out/NetSecPS/NetSecPS.psd1; Get-NetSecInventory -Path ./samples/cluster -Kind Workload' -ForegroundColor DarkGray
Write-Host ''
if (Get-Command Invoke-NetSecScan -Module NetSecPS -ErrorAction SilentlyContinue) {
    $reports = Invoke-NetSecScan -Path $cluster | Export-NetSecReport -Path (Join-Path $OutputDirectory 'demo.xlsx'), (Join-Path $OutputDirectory 'demo.pdf') -Force -PassThru
    Write-Section 'Reports' (($reports | ForEach-Object { "$($_.FullName) ($([math]::Round($_.Length / 1KB, 1)) KiB)" }) -join '; ')
    Write-Host '   Look at the PDF page by page: ./tests/tools/Render-PdfPages.ps1 -Path ./out/demo/demo.pdf' -ForegroundColor DarkGray
}
else {
    Write-Host 'The scan (Invoke-NetSecScan) is not built yet; when it is, the Excel and PDF reports of this cluster are written here.' -ForegroundColor DarkGray
}
