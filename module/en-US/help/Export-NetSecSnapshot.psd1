@{
    Synopsis    = 'Saves a snapshot to a versioned, compressed JSON file (.json.gz).'
    Description = @'
Export-NetSecSnapshot writes a snapshot with its objects, coverage, provenance and diagnostics to a gzip-compressed JSON file with a schema name and version. Import-NetSecSnapshot, or any analysis cmdlet's -Path, reads it back. The file is written to a temporary file first and then moved into place, so a failure never leaves half a file. An existing file is only replaced with -Force. Secret values are never in a snapshot.
'@
    Parameters  = @{
        Path     = 'The file to write, usually ending in .json.gz.'
        Snapshot = 'The snapshot to save, usually from the pipeline.'
        Force    = 'Overwrite an existing file.'
        PassThru = 'Return the FileInfo of the written file.'
        WhatIf   = 'Show what would be written without writing.'
        Confirm  = 'Ask before writing.'
    }
    Inputs      = @('NetSecPS.Snapshot')
    Examples    = @(
        @{
            Title   = 'Save a live cluster''s snapshot'
            Code    = 'Get-NetSecSnapshot -Context prod | Export-NetSecSnapshot -Path ./prod.json.gz -PassThru -Force'
            Remarks = 'Saves every network-relevant object of the cluster of the kube context prod, with coverage and provenance, as gzip JSON; Secret values are never in it.'
        }
        @{
            Title   = 'Snapshot manifests before a change'
            Code    = 'Get-NetSecSnapshot -Path ./samples/cluster | Export-NetSecSnapshot -Path ./before.json.gz -Force'
            Remarks = 'Keeps the state before a change for a later Compare-NetSecBaseline or analysis.'
        }
    )
    Links       = @('Import-NetSecSnapshot', 'Get-NetSecSnapshot', 'about_NetSecPS')
}
