@{
    Synopsis    = 'Writes a scan result as Excel, PDF, JSON, CSV, SARIF or JUnit reports.'
    Description = @'
Export-NetSecReport lays out one ScanResult (from Invoke-NetSecScan) in every file named by -Path; each file's extension chooses its format.

.xlsx: a workbook with the sheets Summary, Findings, Compliance, Namespaces, Frameworks, Checks, Subjects, Workloads, Exposure, Policies, Flows, Flow matrix, Drift, History, Coverage (and Diagnostics), each a filterable table with a frozen bold header and colour by severity or status. Where Istio runs, a Mesh mTLS sheet after the Flow matrix gives, per namespace, the allowed flows between workloads that end in it and the share mutual TLS carries (STRICT, or PERMISSIVE between two sidecars), with the plaintext ones by cause; the Flows sheet then gives each flow's mTLS state and the PeerAuthentication that decides it. A scan with flow logs adds the Observed traffic sheets.

.pdf: the auditor's report: a cover with the score, an executive summary with a severity chart and the top risks, the compliance per check, drift since the baseline, the observed traffic (when the scan read flow logs), the trend across the history, the connectivity (namespace matrix and entry points), where Istio runs the share of mutually authenticated flows per namespace (section Mutual TLS in the mesh), findings by check with evidence, remediation and fixing YAML, and an appendix with the check catalogue, the coverage, the method and the provenance. Fonts are embedded.

.json: the whole scan result in camelCase with enums as names (schema netsecps.scanresult, version 1).

.csv: the findings, one per line (RFC 4180, UTF-8 with a byte order mark so Excel reads names right). A field that a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a carriage return) is written with a leading apostrophe.

.sarif (or .sarif.json): SARIF 2.1.0 for CI code scanning: one rule per check; findings read from manifests point at their file and line, others at the Kubernetes resource.

.junit.xml: JUnit XML for CI test tabs: one test case per check and resource; open findings fail, suppressed ones are skipped with their justification.

Reports only show what the scan holds; they compute nothing. The workbook lists every flow up to what one sheet holds (1,048,573 rows; its large tables are streamed into the file, so memory does not grow with them) and the PDF at most 150 findings per check; both say so where they cut, and the JSON holds everything. Each file is written to a temporary file beside it and moved into place, so a failure or Ctrl+C never leaves half a report. An existing file is only replaced with -Force. Relative manifest paths in SARIF are relative to the current directory.
'@
    Parameters  = @{
        Path        = 'The report files to write. The extension of each chooses its format: .xlsx, .pdf, .json, .csv, .sarif (or .sarif.json), .junit.xml.'
        InputObject = 'The scan result to lay out, usually from Invoke-NetSecScan through the pipeline. Give one scan per call: a second scan would overwrite (with -Force) or fail on the same files.'
        Profile     = 'A report profile whose Title and Organization replace the scan profile''s on the cover and in the running header: a NetSecPS.ProfileInfo or a hashtable such as @{ Name = ''board''; Title = ''Quarterly network audit''; Organization = ''Example Corp'' }. A profile name is accepted too (the CronJob passes the one it scanned with): it keeps the title of the profile the scan ran with, and warns when it names another profile.'
        Force       = 'Overwrite report files that exist.'
        PassThru    = 'Return the FileInfo of each report written.'
        WhatIf      = 'Show which reports would be written without writing them.'
        Confirm     = 'Ask before writing each report.'
    }
    Inputs      = @('NetSecPS.ScanResult')
    Examples    = @(
        @{
            Title   = 'Workbook and PDF of a live cluster'
            Code    = 'Invoke-NetSecScan -Context prod | Export-NetSecReport -Path ./out/prod.xlsx, ./out/prod.pdf -PassThru -Force'
            Remarks = 'Scans the cluster of the kube context prod and writes the compliance workbook and the PDF report.'
        }
        @{
            Title   = 'Reports for CI code scanning and test results'
            Code    = 'Invoke-NetSecScan -Path ./samples/cluster -ExceptionsPath ./samples/exceptions.yaml | Export-NetSecReport -Path ./netsec.sarif, ./netsec.junit.xml, ./netsec.csv -Force'
            Remarks = 'SARIF for code scanning (findings placed on the manifest lines), JUnit for the test tab (passed subjects pass, accepted risks are skipped) and CSV of the findings.'
        }
        @{
            Title   = 'A findings-only report of the high findings'
            Code    = 'Invoke-NetSecAudit -Path ./samples/cluster | Where-Object Severity -ge High | Export-NetSecReport -Path ./high-findings.xlsx -Force'
            Remarks = 'Findings from Invoke-NetSecAudit, filtered or not, make one report when the pipeline ends. It lists what failed and carries no score, since findings do not say what passed.'
        }
        @{
            Title   = 'Branding a report for a board'
            Code    = @'
$scan = Invoke-NetSecScan -Path ./samples/cluster
$scan | Export-NetSecReport -Path ./board.pdf -Profile @{ Name = 'board'; Title = 'Quarterly network security audit'; Organization = 'Example Corp' } -WhatIf
'@
            Remarks = 'Shows what would be written with a title and organization of its own on the cover and in the running header; remove -WhatIf to write it.'
        }
    )
    Links       = @('Invoke-NetSecScan', 'Export-NetSecBaseline', 'about_NetSecPS')
}
