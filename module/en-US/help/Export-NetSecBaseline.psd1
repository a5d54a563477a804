@{
    Synopsis    = 'Saves the approved network posture of a cluster as a sealed, optionally signed, baseline file.'
    Description = @'
Export-NetSecBaseline writes the posture of a snapshot or a scan to a versioned JSON document (schema netsecps.baseline, version 1): the workloads, the policies normalized to a digest of their spec plus a readable summary (so reformatting a manifest is not a change), the exposures, every allowed flow in connlist form, the findings with their suppression state, the profile and the exceptions file in force, and provenance (cluster or files, server version, input digests, time).

From a snapshot, the cmdlet runs the connectivity engine and the audit itself, with -Profile and -ExceptionsPath. From a ScanResult (Invoke-NetSecScan) it saves what the scan found.

The document is sealed with SHA-256 digests. contentDigest covers the posture only and is the same for every export of the same cluster; documentDigest covers everything else too, provenance included, so altering any part of the file is detected. Two exports of the same cluster are byte-identical except for the provenance and the two members that seal it. With -SigningKey the document is also signed with HMAC-SHA256; the key is never written to the file, not even as a fingerprint. See about_NetSecPS_Baseline.

The file is written to a temporary file first and then moved into place, so a failure never leaves half a file. An existing file is only replaced with -Force.
'@
    Parameters  = @{
        Path           = 'The baseline file to write, for example ./prod.baseline.json.'
        Snapshot       = 'The snapshot whose posture is saved, usually from the pipeline (Get-NetSecSnapshot, Import-NetSecSnapshot).'
        ScanResult     = 'A ScanResult from Invoke-NetSecScan, usually from the pipeline: its findings, flows and profile are saved as they were reported.'
        Profile        = 'The report profile (name or path of a profile file) the audit runs with when the input is a snapshot; the default profile when omitted. A ScanResult keeps the profile it ran with (a different -Profile is ignored with a warning).'
        ExceptionsPath = 'An exceptions file (YAML) of suppressions: applied to the findings and saved whole in the baseline, so any change of a suppression changes the baseline''s digest.'
        SigningKey     = 'A key to sign the baseline with (HMAC-SHA256), as a SecureString or a byte[]; a plain string is refused so the key does not end up in the command history. Use at least 16 bytes, ideally 32 random bytes. The key is never stored.'
        Force          = 'Overwrite an existing file.'
        NetpolAnalyzerSemantics = 'Compute the flows with netpol-analyzer''s semantics (host-network pods evaluated like other pods, {ingress-controller} an unlabelled pod, networks peers matching only external addresses, IPv6 CIDRs read as netpol-analyzer reads them). The baseline records the semantics and Compare-NetSecBaseline computes the current flows the same way.'
        PassThru       = 'Return the FileInfo of the written file.'
        WhatIf         = 'Show what would be written without writing.'
        Confirm        = 'Ask before writing.'
    }
    Inputs      = @('NetSecPS.Snapshot', 'NetSecPS.ScanResult')
    Examples    = @(
        @{
            Title   = 'Approve the posture of a live cluster'
            Code    = 'Get-NetSecSnapshot -Context prod | Export-NetSecBaseline -Path ./prod.baseline.json -ExceptionsPath ./samples/exceptions.yaml -PassThru -Force'
            Remarks = 'Saves the posture of the cluster of the kube context prod, with the exceptions in force, sealed with SHA-256, and returns the file.'
        }
        @{
            Title   = 'Sign the baseline with a key'
            Code    = @'
$key = [System.Security.Cryptography.RandomNumberGenerator]::GetBytes(32)   # keep it in your secret store
Get-NetSecSnapshot -Path ./samples/cluster | Export-NetSecBaseline -Path ./approved.baseline.json -SigningKey $key -Force
'@
            Remarks = 'Signs the baseline with HMAC-SHA256; the key is never stored in the file. Keep it in a secret store (SecretManagement: Set-Secret, then Get-Secret) and pass it again to Compare-NetSecBaseline and Invoke-NetSecScan.'
        }
        @{
            Title   = 'Save the posture a scan reported'
            Code    = 'Invoke-NetSecScan -Path ./samples/cluster -Profile cis | Export-NetSecBaseline -Path ./cis.baseline.json -Force'
            Remarks = 'Approves the posture of a scan with the cis profile, as the scan computed it.'
        }
    )
    Links       = @('Compare-NetSecBaseline', 'ConvertTo-NetSecConnlistDiff', 'about_NetSecPS_Baseline')
}
