@{
    Synopsis    = 'Lists the checks of the NetSecPS catalogue.'
    Description = @'
Get-NetSecCheck returns one CheckInfo record per check of the catalogue: its id, title, severity, category, the framework controls it maps to (CIS Kubernetes Benchmark recommendations, NSA/CISA Kubernetes Hardening Guidance sections, MITRE ATT&CK techniques), when it fails, the subjects it evaluates (AppliesTo, which its compliance counts), why it matters, how to fix it, and Notes saying how it decides where the catalogue leaves a choice open.

Every check is semantic: the segmentation, exposure and lateral-movement checks are decided from the connectivity the cluster would enforce (all policy layers), not from the presence of an object. A namespace with a default-deny policy and an allow-all policy beside it is not default-deny.

Categories: Segmentation (NP-), Exposure (EX-), HostNetworking (HN-), Mesh (MESH-), Platform (CNI-, PLAT-), AccessControl (RBAC-, SEC-), Detection (DET-), LateralMovement (LAT-). The whole catalogue with the score is docs/checks.md in the repository.
'@
    Parameters  = @{
        Id        = 'Check ids to return, wildcards allowed (NP-*, *-001). Tab completion offers the ids with their titles.'
        Severity  = 'Only checks of these catalogue severities: Info, Low, Medium, High, Critical.'
        Framework = 'Only checks mapped to these frameworks or controls: CIS, NSA and MITRE match every control of the framework ("CIS 5.3.2"); wildcards allowed ("CIS 5.3.*", "MITRE T15*"). Tab completion offers the frameworks and every control the catalogue maps to.'
    }
    Examples    = @(
        @{
            Title   = 'The checks behind CIS 5.3'
            Code    = 'Get-NetSecCheck -Framework ''CIS 5.3.*'''
            Remarks = 'NP-001, NP-002, CNI-001 and CNI-002, with their severities. Tab completion after -Framework offers CIS, NSA, MITRE and every control the catalogue maps to.'
        }
        @{
            Title   = 'How a check decides'
            Code    = 'Get-NetSecCheck NP-001 | Format-List Id, Title, FailsWhen, AppliesTo, Rationale, Remediation, Notes'
            Remarks = 'Shows the definition of NP-001, the subjects it evaluates and the choices it makes (hostNetwork workloads, empty namespaces, CNI-specific policies).'
        }
        @{
            Title   = 'The high-severity segmentation checks'
            Code    = 'Get-NetSecCheck -Id NP-* -Severity High, Critical'
            Remarks = 'Lists the segmentation checks that weigh most in the score.'
        }
    )
    Links       = @('Invoke-NetSecAudit', 'about_NetSecPS_Audit', 'about_NetSecPS')
}
