BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $script:Cluster = Join-Path $Samples 'cluster'

    # Starts a pwsh process running the script text with the given arguments; stdout and stderr go to files.
    function Start-Pwsh {
        param([string] $ScriptPath, [string[]] $Arguments)
        $exe = [Environment]::ProcessPath
        $psi = [Diagnostics.ProcessStartInfo]::new($exe)
        if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $psi.ArgumentList.Add('pwsh') }
        foreach ($a in @('-NoProfile', '-NonInteractive', '-File', $ScriptPath) + $Arguments) { $psi.ArgumentList.Add($a) }
        $psi.WorkingDirectory = $RepoRoot
        $psi.UseShellExecute = $false
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $p = [Diagnostics.Process]::Start($psi)
        [pscustomobject]@{ Process = $p; Stdout = $p.StandardOutput.ReadToEndAsync(); Stderr = $p.StandardError.ReadToEndAsync() }
    }
}

Describe 'One history written by scans running at the same time in separate processes' {
    It 'keeps the record of every scan when eight pwsh processes scan ten times each into one -HistoryPath' {
        $writers = 8
        $scans = 10
        $history = Join-Path $TestDrive 'shared/history.jsonl'
        $ready = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'ready')
        $go = Join-Path $TestDrive 'go'
        $writer = Join-Path $TestDrive 'writer.ps1'
        # Each process loads the module and the cluster first, then waits for the others, so the
        # appends of all eight overlap instead of being spread over the processes' start-up times.
        Set-Content -LiteralPath $writer -Value @'
param([string] $ModulePath, [string] $Cluster, [string] $History, [string] $Ready, [string] $Go, [int] $Index, [int] $Scans)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
$snapshot = Get-NetSecSnapshot -Path $Cluster -WarningAction SilentlyContinue
Set-Content -LiteralPath (Join-Path $Ready $Index) -Value $PID
while (-not (Test-Path -LiteralPath $Go)) { Start-Sleep -Milliseconds 10 }
for ($i = 0; $i -lt $Scans; $i++) {
    $null = $snapshot | Invoke-NetSecScan -HistoryPath $History -ClusterName "writer-$Index" -WarningAction SilentlyContinue -ErrorAction Stop
}
'@
        $running = foreach ($i in 1..$writers) {
            Start-Pwsh -ScriptPath $writer -Arguments @('-ModulePath', $ModulePath, '-Cluster', $Cluster, '-History', $history, '-Ready', $ready, '-Go', $go, '-Index', $i, '-Scans', $scans)
        }
        try {
            # A safety net against a process that never starts, not a timing assertion.
            $deadline = [DateTime]::UtcNow.AddMinutes(5)
            while (@(Get-ChildItem -LiteralPath $ready).Count -lt $writers) {
                $dead = @($running | Where-Object { $_.Process.HasExited })
                if ($dead) { throw "a writer ended before the start: $($dead[0].Stderr.Result)" }
                if ([DateTime]::UtcNow -gt $deadline) { throw 'the writers did not all start within 5 minutes' }
                Start-Sleep -Milliseconds 100
            }
            Set-Content -LiteralPath $go -Value 'go'
            foreach ($r in $running) {
                $r.Process.WaitForExit(300000) | Should -BeTrue
                $r.Process.WaitForExit()
                $r.Process.ExitCode | Should -Be 0 -Because $r.Stderr.Result
            }
        }
        finally {
            foreach ($r in $running) { if (-not $r.Process.HasExited) { $r.Process.Kill($true) } }
        }

        $lines = @(Get-Content -LiteralPath $history)
        $lines.Count | Should -Be ($writers * $scans) -Because 'no scan may lose another scan''s record'
        $records = $lines | ForEach-Object { ConvertFrom-Json -InputObject $_ }
        $perWriter = $records | Group-Object cluster | Sort-Object Name
        @($perWriter.Name) | Should -Be @(1..$writers | ForEach-Object { "writer-$_" } | Sort-Object)
        foreach ($g in $perWriter) { $g.Count | Should -Be $scans -Because "$($g.Name) scanned $scans times" }
        # The lock file stays (removing it would let two scans lock different files); no temp file does.
        @(Get-ChildItem -LiteralPath (Split-Path $history) -Force).Name | Sort-Object | Should -Be @('history.jsonl', 'history.jsonl.lock')
    }
}
