@{
    Synopsis    = 'Loads a snapshot saved by Export-NetSecSnapshot.'
    Description = @'
Import-NetSecSnapshot reads .json.gz snapshot files and returns Snapshot objects for the analysis cmdlets. A file of another schema, or of a newer schema version than this module knows, is refused with a clear error record; nothing is returned for it. Only regular files are read: a FIFO, device or socket is refused with an error record before it is opened. A file may inflate to at most -MaximumSnapshotSize bytes.

Snapshots of schema version 1 (written before NetSecPS dropped container environment values, commands and arguments, the last-applied-configuration annotation and unused ConfigMaps) still load: those values are dropped as they are read, so a snapshot saved again no longer holds them.
'@
    Parameters  = @{
        Path        = 'Snapshot files to read (wildcards allowed).'
        LiteralPath = 'Snapshot files to read, without wildcard expansion.'
        MaximumSnapshotSize = 'The most a snapshot file may inflate to, in bytes (2GB in PowerShell''s units works). Default 2GB; a snapshot of 50,000 pods inflates to about 300 MB, and one at Kubernetes'' scalability limit of 150,000 pods to about 0.9 GB. A file that inflates further is refused with an error record (ErrorId NetSecPS.SnapshotTooLarge) as soon as it passes the limit, so a small file that inflates a thousandfold (a gzip bomb) cannot exhaust memory or time; the other files are still read.'
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
        @{
            Title   = 'Read a very large snapshot'
            Code    = 'Get-NetSecSnapshot -Path ./samples/cluster | Export-NetSecSnapshot -Path ./out/cluster.json.gz -Force; Import-NetSecSnapshot ./out/cluster.json.gz -MaximumSnapshotSize 8GB'
            Remarks = 'Allows the file to inflate to 8 GiB instead of the default; a file that inflates further stops with the error NetSecPS.SnapshotTooLarge.'
        }
    )
    Links       = @('Export-NetSecSnapshot', 'Get-NetSecSnapshot')
}
