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
            Title   = 'Save the connlist of a cluster'
            Code    = 'Get-NetSecConnectivity -Context prod | ConvertTo-NetSecConnlist | Set-Content ./prod.connlist.txt'
            Remarks = 'Writes the sorted connlist of the live cluster to a text file.'
        }
        @{
            Title   = 'Compare two versions of the manifests'
            Code    = 'Compare-Object (Get-NetSecConnectivity -Path ./v1 | ConvertTo-NetSecConnlist) (Get-NetSecConnectivity -Path ./v2 | ConvertTo-NetSecConnlist)'
            Remarks = 'Shows the flows added (=>) and removed (<=) between two folders of manifests.'
        }
    )
    Links       = @('Get-NetSecConnectivity', 'about_NetSecPS')
}
