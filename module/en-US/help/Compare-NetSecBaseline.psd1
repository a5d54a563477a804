@{
    Synopsis    = 'Verifies a baseline and reports what changed since it was approved: flows, exposures, findings, policies and workloads.'
    Description = @'
Compare-NetSecBaseline reads a baseline written by Export-NetSecBaseline, verifies it, computes the posture of the cluster now (live, from -Path manifests or a saved snapshot, or from a -Snapshot) and writes one DriftRecord per semantic difference: Category (Flow, Exposure, Finding, Policy, Workload), Change (Added, Removed, Changed), Subject, Before, After, Severity, Namespace and Detail.

Verification comes first and nothing is compared against a baseline that fails it: a file that is not a baseline, a baseline of an unknown or newer schema version, one whose content or provenance does not match its digests, or (with -SigningKey) one whose signature is missing or does not match the key, ends the command with an error (ErrorId NetSecPS.BaselineRejected.<Reason>; tampering is a SecurityError). A signed baseline read without -SigningKey is compared with a warning that only its digests were verified.

Flow drift is semantic: two policy sets that allow the same flows give no drift, and one small edit that opens a namespace shows every flow it opened. External ranges are compared over the common refinement of both sides' ranges, exactly as netpol-analyzer's diff does, so ConvertTo-NetSecConnlistDiff turns the flow records into its diff lines. A workload that appears with its flows is reported once as a Workload record and once per flow, each flow naming it in Detail.

Severity ranks how much a change should worry you: a new (or widened) flow into a data store, or from the internet or the ingress controller, is High (Critical when both); a new exposure is High; a new finding has its own severity; a removed flow is Low; a resolved finding is Info; a newly suppressed finding is Medium.

Without -Profile and -ExceptionsPath the baseline's own profile and exceptions apply, so only the cluster's drift shows; pass them to see the effect of a new profile or exceptions file. A warning says when the profile or the exceptions differ from the baseline's.
'@
    Parameters  = @{
        NetpolAnalyzerSemantics = 'Compute the current flows with netpol-analyzer''s semantics. Without it the current flows are computed with the semantics the baseline records (netpol-analyzer''s when it was exported with -NetpolAnalyzerSemantics); a mismatch is warned about.'
        Baseline        = 'The baseline file to compare against.'
        SigningKey      = 'The key the baseline was signed with (SecureString or byte[]). With a key, an unsigned baseline or a wrong key is refused.'
        Profile         = 'The profile (name or path) to audit the current state with. The baseline''s profile when omitted.'
        ExceptionsPath  = 'An exceptions file to apply to the current findings. The exceptions stored in the baseline when omitted.'
        Category        = 'Only drift of these categories: Flow, Exposure, Finding, Policy, Workload.'
        MinimumSeverity = 'Only drift of this severity or higher. Default Info (everything).'
        Path            = 'Manifest files or folders of the current state (wildcards allowed), or one saved snapshot (.json.gz).'
        LiteralPath     = 'Like -Path, without wildcard expansion. Files piped from Get-ChildItem bind here and are read together, as one cluster.'
        MaximumSnapshotSize = 'The most a saved snapshot given as -Path may inflate to, in bytes (2GB in PowerShell''s units works). Default 2GB; a snapshot of 50,000 pods inflates to about 300 MB, and one at Kubernetes'' scalability limit of 150,000 pods to about 0.9 GB. Reading stops with an error at the limit, so a small file that inflates a thousandfold cannot exhaust memory or time. Manifests have limits of their own (about_NetSecPS).'
        Snapshot        = 'A snapshot of the current state, from Get-NetSecSnapshot or Import-NetSecSnapshot.'
        Context         = 'The kubeconfig context of the live cluster to compare; the current context when omitted.'
        Kubeconfig      = 'The kubeconfig file; KUBECONFIG or ~/.kube/config when omitted.'
        InCluster       = 'Compare the cluster this pod runs in, with its service-account token and CA.'
        PageSize        = 'Objects per page when listing a live cluster. Default 500.'
        SkipTlsVerify   = 'Do not verify the API server''s certificate (insecure; warned).'
        AllowInsecureHttp = 'Send the kubeconfig''s token or exec-plugin credential to an http:// server (refused without it; warned with it).'
    }
    Inputs      = @('NetSecPS.Snapshot')
    Examples    = @(
        @{
            Title   = 'What changed in a live cluster since its approval'
            Code    = @'
Get-NetSecSnapshot -Context prod | Export-NetSecBaseline -Path ./prod.baseline.json -Force
# ... days later:
Compare-NetSecBaseline -Baseline ./prod.baseline.json -Context prod | Sort-Object Severity -Descending
'@
            Remarks = 'Approves the posture of the cluster of the kube context prod, then lists what changed in effect since: flows, exposures, findings, policies and workloads, most worrying first. Nothing is listed while the cluster matches the baseline.'
        }
        @{
            Title   = 'Gate a pull request on new high-severity drift'
            Code    = @'
$key = [System.Security.Cryptography.RandomNumberGenerator]::GetBytes(32)   # keep it in your secret store
Get-NetSecSnapshot -Path ./samples/cluster | Export-NetSecBaseline -Path ./approved.baseline.json -SigningKey $key -Force
$drift = Compare-NetSecBaseline -Baseline ./approved.baseline.json -Path ./samples/cluster -SigningKey $key -MinimumSeverity High
if ($drift) { $drift | Format-Table; exit 1 }
'@
            Remarks = 'Signs the approved baseline of the demo cluster with a key, verifies it (a tampered file or a wrong key is refused) and fails the CI step when the manifests of a pull request bring High or Critical drift.'
        }
        @{
            Title   = 'The connectivity drift as netpol-analyzer diff lines'
            Code    = @'
Get-NetSecSnapshot -Path ./samples/cluster | Export-NetSecBaseline -Path ./approved.baseline.json -Force
Compare-NetSecBaseline -Baseline ./approved.baseline.json -Path ./samples/cluster -Category Flow, Workload | ConvertTo-NetSecConnlistDiff
'@
            Remarks = 'Writes the flow and workload drift as diff lines (diff-type, source, destination, ref1, ref2), the format of netpol-analyzer, for comparison line by line.'
        }
    )
    Links       = @('Export-NetSecBaseline', 'ConvertTo-NetSecConnlistDiff', 'about_NetSecPS_Baseline')
}
