@{
    Synopsis    = 'Runs the whole analysis in one call: snapshot, connectivity, audit, drift since a baseline, history; returns the ScanResult the reports lay out.'
    Description = @'
Invoke-NetSecScan reads the input once (manifests or a saved snapshot with -Path, a snapshot from the pipeline, or the live cluster), resolves workloads, computes the allowed flows under every policy layer, runs the checks of the report profile with the exceptions in force, and, with -Baseline, compares the posture with the approved one. The result is one ScanResult: provenance, coverage (what could not be verified), inventory, findings, score (with its formula), flows and the namespace-to-namespace matrix, drift, and history.

With -FlowLog the scan also reads flow logs (Hubble, Calico or CSV, as Import-NetSecFlowLog does) and compares them with the allowed flows, as Compare-NetSecFlowLog does; the result's ObservedTraffic holds the observed allowed and denied paths, the unused allowed ones, the unresolved flows and the widest unused paths into data stores and from exposed workloads.

With -HistoryPath the scan appends one compact record (time, score, open findings per severity, suppressed findings, flows) to a JSON-lines history file and keeps the newest -HistoryKeep records; the reports draw their trend from it. Scans that share a history take turns: each appends under an exclusive lock on <history>.lock (left beside the history), waiting up to 30 seconds for another scan to finish, so no record is lost. A history that cannot be written, or stays locked, is an error record; the scan result is still returned.

A baseline whose digest or signature does not match, whose schema is unknown, or that is not a baseline is refused: the scan stops before reading the cluster. Without -ExceptionsPath, the exceptions the baseline was approved with apply.

Pipe the result to Export-NetSecReport for Excel, PDF, JSON, CSV, SARIF and JUnit reports, or to Export-NetSecBaseline to approve it.
'@
    Parameters  = @{
        Path           = 'Manifest files or folders to read (wildcards allowed), or one saved snapshot (.json.gz).'
        LiteralPath    = 'Like -Path, without wildcard expansion. Files piped from Get-ChildItem bind here and are read together, as one cluster.'
        MaximumSnapshotSize = 'The most a saved snapshot given as -Path may inflate to, in bytes (2GB in PowerShell''s units works). Default 2GB; a snapshot of 50,000 pods inflates to about 300 MB, and one at Kubernetes'' scalability limit of 150,000 pods to about 0.9 GB. Reading stops with an error at the limit, so a small file that inflates a thousandfold cannot exhaust memory or time. Manifests have limits of their own (about_NetSecPS).'
        Snapshot       = 'A snapshot from Get-NetSecSnapshot or Import-NetSecSnapshot.'
        Context        = 'The kubeconfig context of the live cluster to read; the current context when omitted.'
        Kubeconfig     = 'The kubeconfig file; KUBECONFIG or ~/.kube/config when omitted.'
        InCluster      = 'Read the cluster this pod runs in, with its service-account token and CA (the CronJob does).'
        PageSize       = 'Objects per page when listing a live cluster. Default 500.'
        SkipTlsVerify  = 'Do not verify the API server''s certificate (insecure; warned).'
        AllowInsecureHttp = 'Send the kubeconfig''s token or exec-plugin credential to an http:// server (refused without it; warned with it).'
        Namespace      = 'Namespaces to read from a live cluster; all when omitted.'
        Profile        = 'The report profile: default, cis, nsa, or the path of a profile file. It chooses the checks, severity overrides, excluded namespaces and the report title. Without it, the baseline''s profile (with -Baseline) or default.'
        ExceptionsPath = 'A YAML exceptions file (checkId, resource pattern, justification, owner, expires). Suppressed findings stay in the result, marked; expired entries stop suppressing and warn.'
        Baseline       = 'A baseline file from Export-NetSecBaseline; the result''s Drift holds what changed since it was approved.'
        SigningKey     = 'The key the baseline was signed with (string, SecureString or bytes); a signed baseline is refused without it, and with a wrong one.'
        HistoryPath    = 'A history file (JSON lines) this scan appends its record to, under a lock that other scans of the same file wait for; created when missing.'
        HistoryKeep    = 'How many records the history keeps (the newest). Default 400.'
        ClusterName    = 'The cluster''s name for the reports, when the input does not carry one (in-cluster scans, manifests).'
        FlowLog        = 'Flow log files or folders (Hubble JSON, Calico flow logs, CSV; wildcards allowed) to compare with the policies: the result''s ObservedTraffic, and the reports'' "Observed traffic" sheets and section.'
    }
    Inputs      = @('NetSecPS.Snapshot')
    Examples    = @(
        @{
            Title   = 'Scan a live cluster and write the compliance reports'
            Code    = 'Invoke-NetSecScan -Context prod -Profile cis | Export-NetSecReport -Path ./out/prod.xlsx, ./out/prod.pdf -Force'
            Remarks = 'Scans the cluster of the kube context prod with the cis profile and writes the workbook and the PDF.'
        }
        @{
            Title   = 'Drift since the approved baseline, with a trend'
            Code    = @'
Get-NetSecSnapshot -Path ./samples/cluster | Export-NetSecBaseline -Path ./approved.baseline.json -Force
$scan = Invoke-NetSecScan -Path ./samples/cluster -Baseline ./approved.baseline.json -HistoryPath ./history.jsonl
$scan.Drift | Where-Object Severity -ge High
'@
            Remarks = 'Compares the scan with the baseline and appends its record to the history that the reports draw their trend from.'
        }
        @{
            Title   = 'A report with the observed traffic beside the policies'
            Code    = 'Invoke-NetSecScan -Path ./samples/cluster -FlowLog ./samples/flows/hubble-observe.jsonl | Export-NetSecReport -Path ./out/demo.xlsx, ./out/demo.pdf'
            Remarks = 'Adds the Observed traffic sheets (allowed, denied, unused allowed, unresolved) to the workbook and a summary with the top unused paths into data stores and from exposed workloads to the PDF.'
        }
        @{
            Title   = 'The score and its formula'
            Code    = '(Invoke-NetSecScan -Path ./samples/cluster -ExceptionsPath ./samples/exceptions.yaml).Score | Format-List'
            Remarks = 'The score, the score without exceptions, the checks applied and the formula with the numbers of this scan.'
        }
        @{
            Title   = 'See what a scan would append to the history'
            Code    = 'Invoke-NetSecScan -Path ./samples/cluster -HistoryPath ./history.jsonl -WhatIf'
            Remarks = 'Runs the scan and returns it, but only says that it would append its record to the history.'
        }
    )
    Links       = @('Export-NetSecReport', 'Invoke-NetSecAudit', 'Compare-NetSecBaseline', 'Export-NetSecBaseline', 'about_NetSecPS')
}
