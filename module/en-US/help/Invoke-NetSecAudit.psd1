@{
    Synopsis    = 'Audits a cluster against the check catalogue and streams the findings.'
    Description = @'
Invoke-NetSecAudit reads a cluster (manifests, a saved snapshot or the live cluster), runs the checks of the catalogue over it and writes one Finding per failed check and resource, most severe first. Each finding names the check (CheckId, Severity, Title, Frameworks), the resource (Resource as Kind/namespace/name, Namespace, SourceFile and SourceLine for manifest input), the evidence in words (Evidence) and as data (EvidenceData: the policies, rules, ports, peers and fields that decided it), and the remediation, with a manifest that fixes it where one does (RemediationManifest: a default-deny policy for the namespace, a DNS egress exception, a loadBalancerSourceRanges patch, ...).

The segmentation, exposure and lateral-movement checks are decided from the connectivity the cluster would enforce across AdminNetworkPolicy, NetworkPolicy and BaselineAdminNetworkPolicy; when the connectivity engine is not available they are reported as not evaluated, with a warning.

A profile (-Profile) selects the checks, may override their severity, names the namespaces the checks skip and gives the report title. The module ships default (every check; kube-system, kube-public and kube-node-lease excluded), cis (CIS 5.3; no namespace excluded) and nsa (NSA/CISA hardening guide). Exposure checks report in every namespace, excluded ones included.

An exceptions file (-ExceptionsPath) records accepted risks. Suppressed findings are still written, with Suppressed set and the Justification, owner (SuppressedBy) and expiry (SuppressionExpires); an expired exception no longer suppresses and raises a warning; a malformed file stops the audit with an error naming its line.

THE SCORE (-Summary)

Every check evaluates the subjects in its scope (namespaces, workloads, Services, policies, bindings or the cluster); each subject passes, fails, or is accepted when a valid exception covers its failure. A check's compliance is (passed + accepted) / evaluated, and the score is the mean of the compliance of the checks that evaluated at least one subject, weighted by severity (Critical 10, High 5, Medium 2, Low 1, Info 0):

    score = 100 x sum(w x compliance) / sum(w)

Fixing one failing subject always raises the score, a failing cluster-level check costs its full share at any cluster size, and idle workloads cannot inflate it. The summary holds the score without exceptions beside it, the compliance of every check (Score.Checks), the score of each namespace (Score.Namespaces) and each framework's compliance (Score.Frameworks). It is computed over the checks that ran (the profile's, or -Check), whatever -MinimumSeverity shows.

REMEDIATION MANIFESTS

A suggested manifest is one YAML document that starts with ---, built by a YAML emitter, so names and labels from the cluster stay strings. The same fix for the same namespace is the same text: Select-Object -Unique drops the duplicates. A suggested policy denies by default but keeps what the cluster's exposure (the ingress controller to each backend, the clients of LoadBalancer and NodePort Services) and DNS need; where the real client ranges are unknown it names 203.0.113.0/24, to be replaced, as the loadBalancerSourceRanges patch of EX-001 does.
'@
    Parameters  = @{
        Path            = 'Manifest files or folders to audit (wildcards allowed), or one saved snapshot (.json.gz).'
        LiteralPath     = 'Like -Path, without wildcard expansion. Files piped from Get-ChildItem bind here and are read together, as one cluster.'
        MaximumSnapshotSize = 'The most a saved snapshot given as -Path may inflate to, in bytes (2GB in PowerShell''s units works). Default 2GB; a snapshot of 50,000 pods inflates to about 300 MB, and one at Kubernetes'' scalability limit of 150,000 pods to about 0.9 GB. Reading stops with an error at the limit, so a small file that inflates a thousandfold cannot exhaust memory or time. Manifests have limits of their own (about_NetSecPS).'
        Snapshot        = 'A snapshot from Get-NetSecSnapshot or Import-NetSecSnapshot.'
        Context         = 'The kubeconfig context of the live cluster to audit; the current context when omitted.'
        Kubeconfig      = 'The kubeconfig file; KUBECONFIG or ~/.kube/config when omitted.'
        InCluster       = 'Audit the cluster this pod runs in, with its service-account token and CA.'
        PageSize        = 'Objects per page when listing a live cluster. Default 500.'
        SkipTlsVerify   = 'Do not verify the API server''s certificate (insecure; warned).'
        AllowInsecureHttp = 'Send the kubeconfig''s token or exec-plugin credential to an http:// server (refused without it; warned with it).'
        Check           = 'Check ids to run instead of the profile''s selection, wildcards allowed (NP-*, EX-00?). Tab completion offers the ids. The profile still supplies severity overrides and excluded namespaces.'
        MinimumSeverity = 'Write only findings of this severity or higher (Info, Low, Medium, High, Critical). Does not change the score.'
        Profile         = 'The profile: the name of a profile shipped with the module (default, cis, nsa; tab completion lists them) or the path of a profile file (JSON). Default: default.'
        ExceptionsPath  = 'A YAML exceptions file: a list (or a mapping with an exceptions: list) of entries with checkId (wildcards allowed), resource (a Kind/namespace/name pattern with * and ?), justification, owner and expires (yyyy-MM-dd, the last day it applies). Every field is required.'
        Summary         = 'Write one AuditSummary instead of the findings: the score with its formula, the profile, the checks run, counts by severity, suppressed and not-evaluated checks, and the findings.'
    }
    Inputs      = @('NetSecPS.Snapshot')
    Notes       = 'Score: compliance per check = (passed + accepted) / evaluated subjects; score = 100 x sum(w x compliance) / sum(w) over the checks with a subject, w = Critical 10, High 5, Medium 2, Low 1, Info 0. Findings piped to Export-NetSecReport make a findings-only report; -Summary piped makes one with the score. Secret values are never read: SEC-001 works from pod specs, and the RBAC checks read roles and bindings only.'
    Examples    = @(
        @{
            Title   = 'Audit the demo cluster'
            Code    = 'Invoke-NetSecAudit -Path ./samples/cluster'
            Remarks = 'Streams the findings of the demo cluster, most severe first, with the default profile.'
        }
        @{
            Title   = 'The score and the high findings, with accepted risks'
            Code    = @'
$audit = Invoke-NetSecAudit -Path ./samples/cluster -ExceptionsPath ./samples/exceptions.yaml -Summary
$audit.Score
$audit.Score.Checks | Where-Object Failed | Sort-Object Weight -Descending | Format-Table
$audit.Findings | Where-Object { $_.Severity -ge 'High' -and -not $_.Suppressed } | Format-Table
'@
            Remarks = 'Shows the score with its formula, the checks that fail with their compliance, and the open findings of High or Critical severity; findings covered by the exceptions file are accepted.'
        }
        @{
            Title   = 'A CIS 5.3 audit of a live cluster, with the fixes to review'
            Code    = 'Invoke-NetSecAudit -Context prod -Profile cis | Where-Object RemediationManifest | Select-Object -ExpandProperty RemediationManifest -Unique | Set-Content ./fixes.yaml'
            Remarks = 'Audits every namespace (the cis profile excludes none) and collects the suggested manifests, each one YAML document and each once, for review before kubectl apply -f ./fixes.yaml. They deny by default and keep what the exposure and DNS of the cluster need.'
        }
        @{
            Title   = 'Only some checks'
            Code    = 'Invoke-NetSecAudit -Path ./samples/cluster -Check NP-00*, EX-001 -MinimumSeverity Medium'
            Remarks = 'Runs the first segmentation checks and EX-001, and writes the findings of Medium severity or higher.'
        }
        @{
            Title   = 'The score of each namespace and the framework controls'
            Code    = @'
$audit = Invoke-NetSecAudit -Path ./samples/cluster -Summary
$audit.Score.Namespaces
$audit.Score.Frameworks | Where-Object Framework -eq CIS
'@
            Remarks = 'Ranks the namespaces by their score, lowest first, and shows how many checks of each CIS control fully pass.'
        }
    )
    Links       = @('Get-NetSecCheck', 'Get-NetSecSnapshot', 'about_NetSecPS_Audit', 'about_NetSecPS')
}
