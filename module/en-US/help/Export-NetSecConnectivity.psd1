@{
    Synopsis    = 'Writes flows as a graph grouped by namespace: Graphviz DOT or a self-contained HTML page.'
    Description = @'
Export-NetSecConnectivity draws the flows it receives from the pipeline. The format follows the extension of -Path: .dot or .gv writes Graphviz DOT (one cluster per namespace; external ranges and the ingress controller outside them; edges labelled with their connections), .html or .htm writes one self-contained page with the graph as inline SVG (namespaces as boxes, hover an arrow for its connections, hover a workload to highlight its flows) and a filterable table of the flows. The page loads nothing from elsewhere.

The file is written through a temporary file and moved into place, so a failure never leaves half a file. An existing file is kept unless -Force is given.
'@
    Parameters  = @{
        Path        = 'The file to write: .dot, .gv, .html or .htm.'
        InputObject = 'Flow records, usually from Get-NetSecConnectivity through the pipeline.'
        Title       = 'The title of the HTML page. Default "NetSecPS connectivity".'
        Force       = 'Overwrite the file if it exists.'
        PassThru    = 'Return the written file as a FileInfo.'
    }
    Inputs      = @('NetSecPS.Flow')
    Examples    = @(
        @{
            Title   = 'An HTML graph of the demo cluster'
            Code    = 'Get-NetSecConnectivity -Path ./samples/cluster | Export-NetSecConnectivity -Path ./out/connectivity.html -PassThru -Force'
            Remarks = 'Writes an interactive graph of every allowed flow of the demo cluster, one box per namespace.'
        }
        @{
            Title   = 'A Graphviz drawing of one namespace'
            Code    = 'Get-NetSecConnectivity -Path ./samples/cluster -Namespace payments | Export-NetSecConnectivity -Path ./payments.dot -Force'
            Remarks = 'Writes the flows from and to the payments namespace as Graphviz DOT; dot -Tsvg ./payments.dot -o ./payments.svg draws it where Graphviz is installed.'
        }
    )
    Links       = @('Get-NetSecConnectivity', 'about_NetSecPS')
}
