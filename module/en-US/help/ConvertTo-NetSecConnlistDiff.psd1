@{
    Synopsis    = 'Writes connectivity drift as netpol-analyzer diff text lines.'
    Description = @'
ConvertTo-NetSecConnlistDiff turns the Flow drift records of Compare-NetSecBaseline, or the difference between two baseline files, into the diff text format of netpol-analyzer, so results compare line by line with its golden files:

Connectivity diff:
diff-type: added, source: SRC, destination: DST, ref1: No Connections, ref2: TCP 8080, workloads-diff-info: workload NAME added

ref1 is the baseline, ref2 the current state; workloads-diff-info names the workloads that exist on one side only. Lines are grouped changed, added, removed, with the ingress controller's lines last, each group sorted. When nothing changed there are no lines at all. Records of other categories are ignored.
'@
    Parameters  = @{
        InputObject = 'Drift records, usually from Compare-NetSecBaseline on the pipeline; only the Flow records are written.'
        Baseline    = 'The baseline file of the earlier state (ref1).'
        Current     = 'A baseline file of the later state (ref2), for example exported from the manifests of the next release.'
        SigningKey  = 'The key both baselines were signed with (SecureString or byte[]); both are verified with it.'
    }
    Inputs      = @('NetSecPS.DriftRecord')
    Examples    = @(
        @{
            Title   = 'Diff lines of the drift since the approval'
            Code    = @'
Get-NetSecSnapshot -Context prod | Export-NetSecBaseline -Path ./prod.baseline.json -Force
Compare-NetSecBaseline -Baseline ./prod.baseline.json -Context prod | ConvertTo-NetSecConnlistDiff
'@
            Remarks = 'Writes the flow drift of the live cluster since its baseline as netpol-analyzer diff lines, starting with the header line Connectivity diff:.'
        }
        @{
            Title   = 'Diff of two saved baselines'
            Code    = @'
Get-NetSecSnapshot -Path ./samples/cluster | Export-NetSecBaseline -Path ./march.baseline.json -Force
Get-NetSecSnapshot -Path ./samples/cluster | Export-NetSecBaseline -Path ./april.baseline.json -Force
ConvertTo-NetSecConnlistDiff -Baseline ./march.baseline.json -Current ./april.baseline.json | Set-Content ./march-to-april.diff.txt
'@
            Remarks = 'Compares two baselines without reading a cluster; the first two lines make them from the demo cluster, where yours would come from two approvals.'
        }
    )
    Links       = @('Compare-NetSecBaseline', 'Export-NetSecBaseline', 'ConvertTo-NetSecConnlist')
}
