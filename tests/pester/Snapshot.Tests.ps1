BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $script:Cluster = Join-Path $Samples 'cluster'
    $script:Manifests = Join-Path $Fixtures 'manifests'
}

Describe 'Get-NetSecSnapshot' {
    It 'reads the demo cluster with provenance and coverage' {
        $snap = Get-NetSecSnapshot -Path $Cluster -WarningVariable w -ErrorVariable e
        $w | Should -BeNullOrEmpty
        $e | Should -BeNullOrEmpty
        $snap | Should -BeOfType ([NetSecPS.Snapshot])
        $snap.ObjectCount | Should -BeGreaterThan 50
        $snap.SourceKind | Should -Be 'files'
        $snap.Provenance.Paths | Should -Be @($Cluster)
        $snap.Provenance.Inputs.Count | Should -Be @(Get-ChildItem $Cluster -Recurse -Filter *.yaml).Count
        $snap.Provenance.Inputs | ForEach-Object { $_.Sha256 | Should -Match '^[0-9a-f]{64}$' }
        ($snap.Coverage | Where-Object Kind -eq NetworkPolicy | Where-Object ApiVersion -eq 'networking.k8s.io/v1').Status | Should -Be 'Read'
        ($snap.Coverage | Where-Object Kind -eq Node).Status | Should -Be 'NotInInput'
        $deployments = @(Get-ChildItem $Cluster -Recurse -Filter *.yaml | Select-String -Pattern '^kind: Deployment$').Count
        $snap.KindCounts['Deployment'] | Should -Be $deployments
    }

    It 'warns about a file that is not a Kubernetes object, naming it, and still returns the snapshot' {
        $file = Join-Path $Manifests 'not-k8s.yaml'
        $snap = Get-NetSecSnapshot -Path $file, (Join-Path $Manifests 'single.yaml') -WarningVariable w -WarningAction SilentlyContinue
        $w.Count | Should -Be 1
        $w[0].Message | Should -BeLike "*$file*"
        $snap.ObjectCount | Should -Be 1
    }

    It 'writes an error record for malformed YAML with file, line and column, and still returns the snapshot' {
        $bad = Join-Path $Manifests 'malformed-indent.yaml'
        $snap = Get-NetSecSnapshot -Path $bad, (Join-Path $Manifests 'multi-doc.yaml') -ErrorVariable e -ErrorAction SilentlyContinue
        $e.Count | Should -Be 1
        $e[0].FullyQualifiedErrorId | Should -BeLike 'NetSecPS.MalformedYaml,*'
        $e[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $e[0].TargetObject | Should -Be $bad
        $e[0].ToString() | Should -Match ([regex]::Escape($bad) + ':9:\d+: Malformed YAML')
        $snap | Should -Not -BeNullOrEmpty
        $snap.ObjectCount | Should -Be 3
        ($snap.Diagnostics | Where-Object Code -eq MalformedYaml).Line | Should -Be 9
    }

    It 'writes an error record naming the field of an invalid object' {
        $file = Join-Path $Manifests 'invalid-pod.yaml'
        $snap = Get-NetSecSnapshot -LiteralPath $file -ErrorVariable e -ErrorAction SilentlyContinue
        $e.Count | Should -Be 2
        $e[0].FullyQualifiedErrorId | Should -BeLike 'NetSecPS.InvalidObject,*'
        $e[0].ToString() | Should -BeLike "*invalid-pod.yaml:7:1: Pod/broken is not a valid Pod: spec.containers must be a list, not a string"
        $snap.ObjectCount | Should -Be 2
    }

    It 'resolves wildcards in -Path and refuses a path that matches nothing' {
        (Get-NetSecSnapshot -Path (Join-Path $Cluster 'sh*')).KindCounts['Deployment'] | Should -Be 2
        { Get-NetSecSnapshot -Path (Join-Path $Fixtures 'no-such-*') -ErrorAction Stop } | Should -Throw
    }

    It 'makes one snapshot of the files piped to it' {
        $files = Get-ChildItem (Join-Path $Cluster 'shop') -Filter *.yaml
        $snaps = @($files | Get-NetSecSnapshot)
        $snaps.Count | Should -Be 1
        $snaps[0].Provenance.Inputs.Count | Should -Be $files.Count
        $snaps[0].ObjectCount | Should -Be (Get-NetSecSnapshot -Path (Join-Path $Cluster 'shop')).ObjectCount
        (Get-ChildItem (Join-Path $Cluster 'shop') -Filter *.yaml | Get-NetSecInventory -Kind Namespace).Name | Should -Be 'shop'
    }

    It 'reads a saved snapshot given with -Path' {
        $file = Join-Path $TestDrive 'cluster.json.gz'
        Get-NetSecSnapshot -Path $Cluster | Export-NetSecSnapshot -Path $file
        $loaded = Get-NetSecSnapshot -Path $file
        $loaded.ObjectCount | Should -Be (Get-NetSecSnapshot -Path $Cluster).ObjectCount
        (Get-NetSecInventory -Path $file -Kind StatefulSet).Peer | Should -Be 'data/postgres[StatefulSet]'
    }
}

Describe 'Export-NetSecSnapshot and Import-NetSecSnapshot' {
    BeforeAll {
        $script:snap = Get-NetSecSnapshot -Path $Cluster, (Join-Path $Manifests 'not-k8s.yaml') -WarningAction SilentlyContinue
    }

    It 'round-trips objects, coverage, provenance and diagnostics' {
        $file = Join-Path $TestDrive 'round-trip.json.gz'
        $snap | Export-NetSecSnapshot -Path $file
        $back = Import-NetSecSnapshot -Path $file
        $back.ObjectCount | Should -Be $snap.ObjectCount
        ($back.KindCounts.GetEnumerator() | ForEach-Object { "$($_.Key)=$($_.Value)" }) | Should -Be ($snap.KindCounts.GetEnumerator() | ForEach-Object { "$($_.Key)=$($_.Value)" })
        ($back.Coverage | ConvertTo-Json -Compress) | Should -Be ($snap.Coverage | ConvertTo-Json -Compress)
        ($back.Diagnostics | ConvertTo-Json -Compress) | Should -Be ($snap.Diagnostics | ConvertTo-Json -Compress)
        ($back.Provenance | ConvertTo-Json -Compress -Depth 5) | Should -Be ($snap.Provenance | ConvertTo-Json -Compress -Depth 5)
        $a = Get-NetSecInventory -Snapshot $snap | ForEach-Object { "$($_.Resource) $($_.Details)" }
        $b = Get-NetSecInventory -Snapshot $back | ForEach-Object { "$($_.Resource) $($_.Details)" }
        $b | Should -Be $a
    }

    It 'writes nothing with -WhatIf' {
        $file = Join-Path $TestDrive 'whatif.json.gz'
        $snap | Export-NetSecSnapshot -Path $file -WhatIf
        Test-Path $file | Should -BeFalse
        @(Get-ChildItem $TestDrive -Filter '*whatif*' -Force) | Should -BeNullOrEmpty
    }

    It 'refuses to overwrite an existing file without -Force' {
        $file = Join-Path $TestDrive 'existing.json.gz'
        Set-Content -LiteralPath $file -Value 'keep me'
        $snap | Export-NetSecSnapshot -Path $file -ErrorVariable e -ErrorAction SilentlyContinue
        $e.Count | Should -Be 1
        $e[0].FullyQualifiedErrorId | Should -BeLike 'NetSecPS.FileExists,*'
        $e[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        Get-Content -LiteralPath $file | Should -Be 'keep me'

        $snap | Export-NetSecSnapshot -Path $file -Force
        (Import-NetSecSnapshot -Path $file).ObjectCount | Should -Be $snap.ObjectCount
    }

    It 'returns the FileInfo with -PassThru and nothing without it' {
        $file = Join-Path $TestDrive 'passthru.json.gz'
        $none = $snap | Export-NetSecSnapshot -Path (Join-Path $TestDrive 'quiet.json.gz')
        $none | Should -BeNullOrEmpty
        $info = $snap | Export-NetSecSnapshot -Path $file -PassThru
        $info | Should -BeOfType ([System.IO.FileInfo])
        $info.FullName | Should -Be $file
        $info.Length | Should -BeGreaterThan 0
    }

    It 'creates the folder of the file' {
        $file = Join-Path $TestDrive 'nested/deeper/snap.json.gz'
        $snap | Export-NetSecSnapshot -Path $file
        Test-Path $file | Should -BeTrue
    }

    It 'imports files piped from Get-ChildItem' {
        $dir = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'many')
        $snap | Export-NetSecSnapshot -Path (Join-Path $dir 'a.json.gz')
        $snap | Export-NetSecSnapshot -Path (Join-Path $dir 'b.json.gz')
        $all = Get-ChildItem $dir -Filter *.json.gz | Import-NetSecSnapshot
        $all.Count | Should -Be 2
    }

    Context 'refusing files it cannot read' {
        BeforeAll {
            function New-GzipFile([string] $Path, [string] $Text) {
                $stream = [IO.Compression.GZipStream]::new([IO.File]::Create($Path), [IO.Compression.CompressionLevel]::Fastest)
                try { $bytes = [Text.Encoding]::UTF8.GetBytes($Text); $stream.Write($bytes, 0, $bytes.Length) } finally { $stream.Dispose() }
            }
        }

        It 'refuses a snapshot of a newer schema version, saying to update' {
            $file = Join-Path $TestDrive 'future.json.gz'
            New-GzipFile $file '{"schema":"netsecps.snapshot","schemaVersion":99,"objects":[]}'
            $r = Import-NetSecSnapshot -Path $file -ErrorVariable e -ErrorAction SilentlyContinue
            $r | Should -BeNullOrEmpty
            $e[0].FullyQualifiedErrorId | Should -BeLike 'NetSecPS.InvalidSnapshot,*'
            $e[0].CategoryInfo.Category | Should -Be 'InvalidData'
            $e[0].ToString() | Should -BeLike '*schema version 99*Update NetSecPS*'
        }

        It 'refuses a file of another schema' {
            $file = Join-Path $TestDrive 'other.json.gz'
            New-GzipFile $file '{"schema":"netsecps.baseline","schemaVersion":1}'
            Import-NetSecSnapshot -Path $file -ErrorVariable e -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $e[0].ToString() | Should -BeLike '*is not a NetSecPS snapshot*netsecps.baseline*'
        }

        It 'refuses a file that is not gzip and goes on with the next file' {
            $plain = Join-Path $TestDrive 'plain.json.gz'
            Set-Content -LiteralPath $plain -Value '{"schema":"netsecps.snapshot","schemaVersion":1}'
            $good = Join-Path $TestDrive 'good.json.gz'
            $snap | Export-NetSecSnapshot -Path $good
            $r = Import-NetSecSnapshot -LiteralPath $plain, $good -ErrorVariable e -ErrorAction SilentlyContinue
            @($r).Count | Should -Be 1
            $e.Count | Should -Be 1
            $e[0].ToString() | Should -BeLike '*plain.json.gz*not gzip-compressed*'
        }

        It 'makes -Path of an analysis cmdlet stop with a clear error for such a file' {
            $file = Join-Path $TestDrive 'future2.json.gz'
            New-GzipFile $file '{"schema":"netsecps.snapshot","schemaVersion":99}'
            { Get-NetSecInventory -Path $file -ErrorAction Stop } | Should -Throw '*schema version 99*'
        }
    }

    Context 'what a saved snapshot keeps' {
        BeforeAll {
            $script:Planted = Join-Path $Fixtures 'secrets'
            function Read-GzipText([string] $Path) {
                $reader = [IO.StreamReader]::new([IO.Compression.GZipStream]::new([IO.File]::OpenRead($Path), [IO.Compression.CompressionMode]::Decompress))
                try { $reader.ReadToEnd() } finally { $reader.Dispose() }
            }
        }

        It 'saves no env value, command, argument, last-applied annotation or unread ConfigMap, in schema version 2' {
            $file = Join-Path $TestDrive 'planted.json.gz'
            Get-NetSecSnapshot -Path $Planted | Export-NetSecSnapshot -Path $file
            $text = Read-GzipText $file
            $text | Should -Match '"schemaVersion":2'
            $text | Should -Match 'AWS_SECRET_ACCESS_KEY'
            [regex]::Matches($text, 'PLANTED-[A-Z0-9-]+').Value | Should -BeNullOrEmpty
        }

        It 'loads a snapshot saved in schema version 1 and drops the values it held' {
            $old = Join-Path $Planted 'planted.schema1.json.gz'
            Read-GzipText $old | Should -Match 'PLANTED-ENV-AWS-SECRET'
            $loaded = Import-NetSecSnapshot -LiteralPath $old
            $loaded.ObjectCount | Should -Be (Get-NetSecSnapshot -Path $Planted).ObjectCount
            $again = Join-Path $TestDrive 'again.json.gz'
            $loaded | Export-NetSecSnapshot -Path $again
            [regex]::Matches((Read-GzipText $again), 'PLANTED-[A-Z0-9-]+').Value | Should -BeNullOrEmpty
        }

        It 'says in the coverage how many ConfigMaps were read and kept' {
            $configMaps = (Get-NetSecSnapshot -Path $Planted).Coverage | Where-Object Kind -eq ConfigMap
            $configMaps.Count | Should -Be 1
            $configMaps.Message | Should -BeLike '2 read; 1 kept: only the CNI and mesh configuration the checks read*'
        }
    }

    It 'names the snapshot file, not a temporary file, when its folder refuses writes' -Skip:$IsWindows {
        $folder = if ([Environment]::UserName -eq 'root') { '/sys/kernel' } else {
            $d = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'readonly')
            [IO.File]::SetUnixFileMode($d.FullName, 'UserRead, UserExecute')
            $d.FullName
        }
        $file = Join-Path $folder 'prod.json.gz'
        $snap | Export-NetSecSnapshot -Path $file -ErrorVariable e -ErrorAction SilentlyContinue
        $e.Count | Should -Be 1
        $e[0].FullyQualifiedErrorId | Should -BeLike 'NetSecPS.WriteFailed,*'
        $e[0].TargetObject | Should -Be $file
        $e[0].ToString() | Should -BeLike "*$file*"
        $e[0].ToString() | Should -Not -BeLike '*.tmp*'
    }
}
