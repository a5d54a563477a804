# Hostile input at full size (issue 19): each attack runs in a child pwsh with a managed heap limit
# and a time limit, so a regression fails the test instead of exhausting the machine or hanging CI.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ('netsecps-hostile-' + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $Work | Out-Null
    $script:Good = "apiVersion: v1`nkind: Namespace`nmetadata:`n  name: good`n"

    # A folder holding the good manifest and whatever the test adds beside it.
    function New-AttackFolder([string] $Name) {
        $folder = Join-Path $Work $Name
        New-Item -ItemType Directory -Path $folder | Out-Null
        Set-Content -LiteralPath (Join-Path $folder 'good.yaml') -Value $Good -NoNewline
        $folder
    }

    # Runs one cmdlet in a fresh pwsh whose managed heap may not pass $HeapMB and which is killed
    # with its children after $TimeoutSeconds. Returns what it read, its warnings and errors.
    function Invoke-Capped {
        param([Parameter(Mandatory)][string] $Command, [int] $HeapMB = 512, [int] $TimeoutSeconds = 120)
        $script = @"
`$ErrorActionPreference = 'Continue'
Import-Module '$ModulePath'
`$snap = $Command -WarningVariable w -ErrorVariable e -WarningAction SilentlyContinue -ErrorAction SilentlyContinue
[pscustomobject]@{
    Objects  = if (`$snap) { `$snap.ObjectCount } else { 0 }
    Kinds    = if (`$snap) { @(`$snap.KindCounts.Keys) } else { @() }
    Inputs   = if (`$snap) { @(`$snap.Provenance.Inputs | ForEach-Object Path) } else { @() }
    Warnings = @(`$w | ForEach-Object { `$_.Message })
    Errors   = @(`$e | ForEach-Object {
        # A terminating error lands in -ErrorVariable as the exception that carries its record.
        `$record = if (`$_ -is [Management.Automation.ErrorRecord]) { `$_ } else { `$_.ErrorRecord }
        [pscustomobject]@{ Id = `$record.FullyQualifiedErrorId; Message = `$record.ToString(); Target = "`$(`$record.TargetObject)" }
    })
} | ConvertTo-Json -Depth 4 -Compress
"@
        $file = Join-Path $Work ('run-' + [guid]::NewGuid().ToString('N') + '.ps1')
        Set-Content -LiteralPath $file -Value $script
        $exe = [Environment]::ProcessPath
        $psi = [Diagnostics.ProcessStartInfo]::new($exe)
        if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $psi.ArgumentList.Add('pwsh') }
        foreach ($a in '-NoProfile', '-NonInteractive', '-File', $file) { $psi.ArgumentList.Add($a) }
        $psi.WorkingDirectory = $RepoRoot
        $psi.UseShellExecute = $false
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $psi.Environment['DOTNET_GCHeapHardLimit'] = '0x{0:X}' -f ([long]$HeapMB * 1MB)
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $process = [Diagnostics.Process]::Start($psi)
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $stderr = $process.StandardError.ReadToEndAsync()
        $exited = $process.WaitForExit($TimeoutSeconds * 1000)
        if (-not $exited) {
            $process.Kill($true)
            $process.WaitForExit()
        }
        $clock.Stop()
        $lines = @($stdout.Result -split "`n" | Where-Object { $_.Trim() })
        $result = if ($exited -and $lines.Count -gt 0 -and $lines[-1].TrimStart().StartsWith('{')) { $lines[-1] | ConvertFrom-Json } else { $null }
        [pscustomobject]@{
            TimedOut = -not $exited
            ExitCode = if ($exited) { $process.ExitCode } else { $null }
            Seconds  = $clock.Elapsed.TotalSeconds
            Result   = $result
            Output   = "$($stdout.Result)`n$($stderr.Result)".Trim()
        }
    }

    function Assert-Finished($Run, [int] $Objects) {
        $Run.TimedOut | Should -BeFalse -Because "the read must end ($([int]$Run.Seconds) s)"
        $Run.ExitCode | Should -Be 0 -Because $Run.Output
        $Run.Result | Should -Not -BeNullOrEmpty -Because $Run.Output
        $Run.Result.Objects | Should -Be $Objects -Because 'the good file beside the attack is still read'
    }
}

AfterAll {
    if ($Work -and (Test-Path $Work)) {
        # Links first, so the clean-up cannot follow a loop.
        Get-ChildItem -LiteralPath $Work -Recurse -Force -Attributes ReparsePoint -ErrorAction SilentlyContinue | ForEach-Object { Remove-Item -LiteralPath $_.FullName -Force }
        Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue
    }
}

Describe 'Hostile manifests under a 512 MiB heap and a time limit' {
    It 'refuses nested aliases ("billion laughs") naming the file, and reads the good file beside it' {
        $folder = New-AttackFolder 'laughs'
        $lines = @('apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: lol', 'data:', '  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]')
        $previous = 'a'
        foreach ($n in 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i') {
            $lines += "  ${n}: &$n [" + ((1..9 | ForEach-Object { "*$previous" }) -join ',') + ']'
            $previous = $n
        }
        $lines += '  z: *i'
        $bomb = Join-Path $folder 'lol.yaml'
        Set-Content -LiteralPath $bomb -Value $lines
        (Get-Item $bomb).Length | Should -BeLessThan 2KB

        $run = Invoke-Capped "Get-NetSecSnapshot -LiteralPath '$folder'"
        Assert-Finished $run 1
        $run.Result.Errors | Should -HaveCount 1
        $run.Result.Errors[0].Id | Should -BeLike 'NetSecPS.ExcessiveAliasing,*'
        $run.Result.Errors[0].Message | Should -BeLike "$bomb*excessive aliasing*"
    }

    It 'refuses a value of 200 MB naming the file, and reads the good file beside it' {
        $folder = New-AttackFolder 'scalar'
        $big = Join-Path $folder 'big.yaml'
        $stream = [IO.File]::Create($big)
        try {
            $head = [Text.Encoding]::UTF8.GetBytes("apiVersion: v1`nkind: ConfigMap`nmetadata:`n  name: big`ndata:`n  big: ")
            $stream.Write($head, 0, $head.Length)
            $chunk = [byte[]]::new(1MB)
            [Array]::Fill($chunk, [byte][char]'A')
            foreach ($i in 1..200) { $stream.Write($chunk, 0, $chunk.Length) }
        }
        finally { $stream.Dispose() }

        $run = Invoke-Capped "Get-NetSecSnapshot -LiteralPath '$folder'"
        Remove-Item -LiteralPath $big
        Assert-Finished $run 1
        $run.Result.Errors | Should -HaveCount 1
        $run.Result.Errors[0].Id | Should -BeLike 'NetSecPS.ValueTooLarge,*'
        $run.Result.Errors[0].Message | Should -BeLike "$($big):6:*longer than 3 MiB*"
    }

    It 'refuses 100,000 levels of nested JSON at the nesting limit, and reads the good file beside it' {
        $folder = New-AttackFolder 'nested'
        $deep = Join-Path $folder 'deep.json'
        [IO.File]::WriteAllText($deep, ('[' * 100000) + (']' * 100000))

        $run = Invoke-Capped "Get-NetSecSnapshot -LiteralPath '$folder'" -TimeoutSeconds 60
        Assert-Finished $run 1
        $run.Result.Errors | Should -HaveCount 1
        $run.Result.Errors[0].Id | Should -BeLike 'NetSecPS.NestingTooDeep,*'
        $run.Result.Errors[0].Message | Should -BeLike "$($deep):1:201: Nesting is deeper than 200 levels*"
    }

    It 'skips a FIFO named x.yaml in a folder, and one named directly, with a warning' -Skip:(-not $IsLinux) {
        $folder = New-AttackFolder 'fifo'
        $fifo = Join-Path $folder 'x.yaml'
        & mkfifo $fifo
        $LASTEXITCODE | Should -Be 0

        $run = Invoke-Capped "Get-NetSecSnapshot -LiteralPath '$folder'" -TimeoutSeconds 60
        Assert-Finished $run 1
        $run.Result.Warnings | Should -Be @("${fifo}: Skipped: the path is a FIFO (named pipe), not a regular file; only regular files are read.")

        $direct = Invoke-Capped "Get-NetSecSnapshot -LiteralPath '$fifo', '$(Join-Path $folder 'good.yaml')'" -TimeoutSeconds 60
        Assert-Finished $direct 1
        $direct.Result.Warnings | Should -HaveCount 1
        $direct.Result.Warnings[0] | Should -BeLike "${fifo}: Skipped*FIFO*"
    }

    It 'walks a folder with two symbolic-link loops once, reading each file once' -Skip:$IsWindows {
        $folder = New-AttackFolder 'loops'
        $sub = New-Item -ItemType Directory -Path (Join-Path $folder 'sub')
        Set-Content -LiteralPath (Join-Path $sub 'other.yaml') -Value $Good.Replace('good', 'other') -NoNewline
        New-Item -ItemType SymbolicLink -Path (Join-Path $sub 'up') -Target '..' | Out-Null
        New-Item -ItemType SymbolicLink -Path (Join-Path $sub 'again') -Target '../sub' | Out-Null

        $run = Invoke-Capped "Get-NetSecSnapshot -LiteralPath '$folder'" -TimeoutSeconds 60
        Assert-Finished $run 2
        $run.Result.Warnings | Should -BeNullOrEmpty
        $run.Result.Errors | Should -BeNullOrEmpty
        $run.Result.Inputs | Should -Be @((Join-Path $folder 'good.yaml'), (Join-Path $sub 'other.yaml'))
    }
}

Describe 'A gzip bomb named as a saved snapshot, under a 512 MiB heap and a time limit' {
    BeforeAll {
        # 10 MB of gzip that inflates to 10 GiB: concatenated gzip members read as one stream.
        function New-GzipBomb([string] $Path, [string] $Head, [char] $Fill) {
            function Compress([byte[]] $bytes) {
                $buffer = [IO.MemoryStream]::new()
                $gz = [IO.Compression.GZipStream]::new($buffer, [IO.Compression.CompressionLevel]::SmallestSize)
                $gz.Write($bytes, 0, $bytes.Length)
                $gz.Dispose()
                $buffer.ToArray()
            }
            $block = [byte[]]::new(16MB)
            [Array]::Fill($block, [byte]$Fill)
            $member = Compress $block
            $out = [IO.File]::Create($Path)
            try {
                $first = Compress ([Text.Encoding]::UTF8.GetBytes($Head))
                $out.Write($first, 0, $first.Length)
                foreach ($i in 1..640) { $out.Write($member, 0, $member.Length) }
            }
            finally { $out.Dispose() }
        }
        $head = '{"schema":"netsecps.snapshot","schemaVersion":2,"provenance":{},"coverage":[],"diagnostics":[],"objects":['
        $script:StringBomb = Join-Path $Work 'string-bomb.json.gz'
        New-GzipBomb -Path $StringBomb -Head ($head + '{"object":"') -Fill 'A'
        $script:BlankBomb = Join-Path $Work 'blank-bomb.json.gz'
        New-GzipBomb -Path $BlankBomb -Head $head -Fill ' '
    }

    It 'stops a bomb of one endless value with an error naming the file' {
        (Get-Item $StringBomb).Length | Should -BeLessThan 12MB
        $run = Invoke-Capped "Import-NetSecSnapshot -LiteralPath '$StringBomb'" -TimeoutSeconds 90
        $run.TimedOut | Should -BeFalse
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Result.Errors | Should -HaveCount 1
        $run.Result.Errors[0].Id | Should -BeLike 'NetSecPS.ValueTooLarge,*'
        $run.Result.Errors[0].Message | Should -BeLike "$StringBomb*larger than 64 MiB*"
    }

    It 'stops a bomb of blanks at -MaximumSnapshotSize with an error naming the file and the limit' {
        $run = Invoke-Capped "Get-NetSecSnapshot -LiteralPath '$BlankBomb'" -TimeoutSeconds 90
        $run.TimedOut | Should -BeFalse
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Result.Errors | Should -HaveCount 1
        $run.Result.Errors[0].Id | Should -BeLike 'NetSecPS.SnapshotTooLarge,*'
        $run.Result.Errors[0].Message | Should -BeLike "$BlankBomb inflates to more than 2 GiB (-MaximumSnapshotSize)*"

        $small = Invoke-Capped "Import-NetSecSnapshot -LiteralPath '$BlankBomb' -MaximumSnapshotSize 64MB" -TimeoutSeconds 90
        $small.Result.Errors[0].Message | Should -BeLike "$BlankBomb inflates to more than 64 MiB*"
    }
}
