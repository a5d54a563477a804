@{
    Synopsis    = 'Turns flow records into connlist text lines.'
    Description = @'
ConvertTo-NetSecConnlist writes one line per flow in the connlist text format of netpol-analyzer: SRC => DST : CONNECTIONS, for example "frontend/web[Deployment] => payments/api[Deployment] : TCP 8080,UDP 53". Lines are sorted by source and then destination in ordinal order, so two runs can be compared with Compare-Object or a diff tool, and the output compares line by line with netpol-analyzer results.
'@
    Parameters  = @{
        InputObject = 'Flow records, usually from Get-NetSecConnectivity through the pipeline.'
    }
    Inputs      = @('NetSecPS.Flow')
    Examples    = @(
        @{
            Title   = 'Save the connlist of a live cluster'
            Code    = 'Get-NetSecConnectivity -Context prod | ConvertTo-NetSecConnlist | Set-Content ./prod.connlist.txt'
            Remarks = 'Writes one line per allowed flow (SRC => DST : CONNECTIONS) of the cluster of the kube context prod.'
        }
        @{
            Title   = 'Compare the connlist of two sets of manifests'
            Code    = 'Compare-Object (Get-NetSecConnectivity -Path ./samples/cluster | ConvertTo-NetSecConnlist) (Get-NetSecConnectivity -Path ./samples/cluster -Namespace shop | ConvertTo-NetSecConnlist)'
            Remarks = 'Compares the flows of the whole demo cluster with those involving the shop namespace; with two versions of your manifests, name their folders instead.'
        }
    )
    Links       = @('Get-NetSecConnectivity', 'about_NetSecPS')
}
