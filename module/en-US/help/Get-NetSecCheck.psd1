@{
    Synopsis    = 'Lists the checks of the NetSecPS catalogue.'
    Description = @'
Get-NetSecCheck returns one CheckInfo record per check of the catalogue: its id, title, severity, category, the frameworks it maps to (CIS Kubernetes Benchmark, NSA/CISA Kubernetes Hardening Guide, kubescape controls and others), when it fails, why it matters, how to fix it, and Notes saying how it decides where the catalogue leaves a choice open.

Every check is semantic: the segmentation, exposure and lateral-movement checks are decided from the connectivity the cluster would enforce (all policy layers), not from the presence of an object. A namespace with a default-deny policy and an allow-all policy beside it is not default-deny.

Categories: Segmentation (NP-001..NP-015), Exposure (EX-001..EX-008), HostNetworking (HN-001, HN-002), Mesh (MESH-001..MESH-005), Platform (CNI-001, CNI-002, PLAT-001), AccessControl (RBAC-001, RBAC-002, SEC-001), Detection (DET-001, DET-002), LateralMovement (LAT-001, LAT-002).
'@
    Parameters  = @{
        Id        = 'Check ids to return, wildcards allowed (NP-*, *-001). Tab completion offers the ids with their titles.'
        Severity  = 'Only checks of these catalogue severities: Info, Low, Medium, High, Critical.'
        Framework = 'Only checks mapped to these frameworks. A key matches its sections: CIS matches "CIS 5.3.2"; wildcards allowed ("KS C-02*").'
    }
    Examples    = @(
        @{
            Title   = 'The checks behind CIS 5.3'
            Code    = 'Get-NetSecCheck -Framework CIS'
            Remarks = 'NP-001, NP-002, CNI-001 and CNI-002, with their severities and framework sections.'
        }
        @{
            Title   = 'How a check decides'
            Code    = 'Get-NetSecCheck NP-001 | Format-List Id, Title, FailsWhen, Rationale, Remediation, Notes'
            Remarks = 'Shows the definition of NP-001 and the choices it makes (hostNetwork workloads, empty namespaces, CNI-specific policies).'
        }
        @{
            Title   = 'The high-severity segmentation checks'
            Code    = 'Get-NetSecCheck -Id NP-* -Severity High, Critical'
            Remarks = 'Lists the segmentation checks that cost the most in the score.'
        }
    )
    Links       = @('Invoke-NetSecAudit', 'about_NetSecPS_Audit', 'about_NetSecPS')
}
