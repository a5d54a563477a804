@{
    RootModule             = 'NetSecPS.psm1'
    # build.ps1 writes Version of Directory.Build.props here, the one version source (docs/contributing.md).
    ModuleVersion          = '0.0.0'
    GUID                   = '5b0f4c2e-8a51-4d1e-9f3c-2a6f1e0b7d41'
    Author                 = 'NetSecPS contributors'
    CompanyName            = 'NetSecPS'
    Copyright              = '(c) NetSecPS contributors. Apache-2.0.'
    Description            = 'Audits the network security of Kubernetes clusters: inventory, exact connectivity under NetworkPolicy and AdminNetworkPolicy, gap analysis, baselines and drift, Excel and PDF compliance reports.'
    PowerShellVersion      = '7.4'
    CompatiblePSEditions   = @('Core')
    FormatsToProcess       = @('NetSecPS.Format.ps1xml')
    FunctionsToExport      = @()
    CmdletsToExport        = @(
        'Get-NetSecSnapshot'
        'Export-NetSecSnapshot'
        'Import-NetSecSnapshot'
        'Get-NetSecInventory'
        'Get-NetSecConnectivity'
        'ConvertTo-NetSecConnlist'
        'Test-NetSecConnection'
        'Export-NetSecConnectivity'
        'Get-NetSecCheck'
        'Invoke-NetSecAudit'
        'Export-NetSecBaseline'
        'Compare-NetSecBaseline'
        'ConvertTo-NetSecConnlistDiff'
        'Invoke-NetSecScan'
        'Export-NetSecReport'
        'Import-NetSecFlowLog'
        'Compare-NetSecFlowLog'
        'New-NetSecPolicyRecommendation'
    )
    VariablesToExport      = @()
    AliasesToExport        = @()
    PrivateData            = @{
        PSData = @{
            # PSEdition_Core and the platform tag are how the PowerShell Gallery filters modules.
            Tags         = @('Kubernetes', 'NetworkPolicy', 'Security', 'Compliance', 'Audit', 'AdminNetworkPolicy', 'PSEdition_Core', 'Linux')
            LicenseUri   = 'https://www.apache.org/licenses/LICENSE-2.0'
            ProjectUri   = 'https://example.invalid/netsecps'
            # build.ps1 replaces this line with the CHANGELOG.md section of ModuleVersion.
            ReleaseNotes = 'See CHANGELOG.md'
        }
    }
}
