#Requires -Version 7.4
<#
.SYNOPSIS
    The demo: runs NetSecPS's main job on the demo cluster in samples/cluster.
.DESCRIPTION
    Called by `build.ps1 demo` with the freshly built module. Prints the inventory summary of
    the demo cluster; later stages add the connectivity, the audit and the reports.
#>
param(
    [Parameter(Mandatory)][string] $ModulePath,
    [Parameter(Mandatory)][string] $OutputDirectory
)

$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force
$cluster = Join-Path $PSScriptRoot 'cluster'
New-Item -ItemType Directory -Path $OutputDirectory -Force | Out-Null

Write-Host "NetSecPS demo: the cluster in $cluster" -ForegroundColor Cyan
$snapshot = Get-NetSecSnapshot -Path $cluster
$snapshot | Format-Table | Out-Host
$inventory = Get-NetSecInventory -Snapshot $snapshot

Write-Host 'Inventory by kind' -ForegroundColor Cyan
$inventory | Group-Object Kind -NoElement | Sort-Object Name | Format-Table Name, Count -AutoSize | Out-Host

Write-Host 'Namespaces' -ForegroundColor Cyan
$inventory | Where-Object { $_ -is [NetSecPS.NamespaceItem] } | Format-Table | Out-Host

Write-Host 'Workloads' -ForegroundColor Cyan
$inventory | Where-Object { $_ -is [NetSecPS.WorkloadItem] } | Format-Table | Out-Host

Write-Host 'Services' -ForegroundColor Cyan
$inventory | Where-Object { $_ -is [NetSecPS.ServiceItem] } | Format-Table | Out-Host

Write-Host 'Policies' -ForegroundColor Cyan
$inventory | Where-Object { $_ -is [NetSecPS.PolicyItem] } | Format-Table | Out-Host
