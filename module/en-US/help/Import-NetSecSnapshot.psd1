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
            Code    = @'
Get-NetSecSnapshot -Path ./samples/cluster | Export-NetSecSnapshot -Path ./demo.json.gz -Force
Import-NetSecSnapshot ./demo.json.gz | Get-NetSecInventory -Kind NetworkPolicy
'@
            Remarks = 'Saves the demo cluster, loads it back and lists its NetworkPolicies.'
        }
        @{
            Title   = 'Load every snapshot of a folder'
            Code    = @'
New-Item -ItemType Directory ./snapshots -Force | Out-Null
Get-NetSecSnapshot -Path ./samples/cluster | Export-NetSecSnapshot -Path ./snapshots/demo.json.gz -Force
Get-ChildItem ./snapshots -Filter *.json.gz | Import-NetSecSnapshot | Select-Object Cluster, CollectedAt, ObjectCount
'@
            Remarks = 'Files piped from Get-ChildItem are loaded one by one.'
        }
    )
    Links       = @('Export-NetSecSnapshot', 'Get-NetSecSnapshot')
}
