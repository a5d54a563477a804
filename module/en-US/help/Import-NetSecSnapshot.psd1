@{
    Synopsis    = 'Loads a snapshot saved by Export-NetSecSnapshot.'
    Description = @'
Import-NetSecSnapshot reads .json.gz snapshot files and returns Snapshot objects for the analysis cmdlets. A file of another schema, or of a newer schema version than this module knows, is refused with a clear error record; nothing is returned for it.
'@
    Parameters  = @{
        Path        = 'Snapshot files to read (wildcards allowed).'
        LiteralPath = 'Snapshot files to read, without wildcard expansion.'
    }
    Inputs      = @('System.String', 'System.IO.FileInfo')
    Examples    = @(
        @{
            Title   = 'Analyse a saved snapshot'
            Code    = 'Import-NetSecSnapshot ./prod.json.gz | Get-NetSecInventory -Kind NetworkPolicy'
            Remarks = 'Loads the snapshot and lists its NetworkPolicies.'
        }
        @{
            Title   = 'Load every snapshot of a folder'
            Code    = 'Get-ChildItem ./snapshots -Filter *.json.gz | Import-NetSecSnapshot | Select-Object Cluster, CollectedAt, ObjectCount'
            Remarks = 'Each file is read; a file that is not a snapshot gives an error record and the others are still read.'
        }
    )
    Links       = @('Export-NetSecSnapshot', 'Get-NetSecSnapshot')
}
