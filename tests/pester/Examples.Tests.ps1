# Every example a user reads runs: each PowerShell block of README.md and each example of the
# cmdlets' help (Get-Help <cmdlet> -Examples), found when the tests start, so an example added
# later is run without touching this file. They run from a copy of the repository root (samples/
# and tests/fixtures, and the built module under out/NetSecPS), with the kube context "prod" pointing at the fake API
# server serving the demo cluster. Any error fails the example. A README block may be left out
# only by the marker <!-- example: not run (reason) --> on the line before it; the reason shows
# as the skip reason.

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force

    $script:HelpExamples = foreach ($cmdlet in Get-Command -Module NetSecPS -CommandType Cmdlet | Sort-Object Name) {
        $n = 0
        foreach ($example in @((Get-Help $cmdlet.Name -Examples).examples.example)) {
            $n++
            @{ Name = "$($cmdlet.Name) example $n"; Code = [string]$example.code }
        }
    }

    # README blocks, with the marker that leaves one out.
    $script:ReadmeBlocks = @()
    $lines = Get-Content -LiteralPath (Join-Path $RepoRoot 'README.md')
    $skip = $null
    for ($i = 0; $i -lt $lines.Count; $i++) {
        if ($lines[$i] -match '^<!-- example: not run \((?<why>[^)]+)\) -->$') { $skip = $Matches.why; continue }
        if ($lines[$i] -match '^```(?<lang>powershell|sh)\s*$') {
            $lang = $Matches.lang
            $start = $i + 1
            do { $i++ } while ($i -lt $lines.Count -and $lines[$i] -notmatch '^```\s*$')
            $script:ReadmeBlocks += @{ Name = "README.md line $start ($lang)"; Language = $lang; Code = ($lines[$start..($i - 1)] -join "`n"); Skip = $skip }
            $skip = $null
        }
        elseif ($lines[$i].Trim().Length -gt 0) { $skip = $null }
    }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')

    # A copy of the repository root as the examples see it.
    $script:Sandbox = Join-Path ([IO.Path]::GetTempPath()) ('netsecps-examples-' + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path (Join-Path $Sandbox 'out') -Force | Out-Null
    Copy-Item -LiteralPath $Samples -Destination (Join-Path $Sandbox 'samples') -Recurse
    # Examples of flow logs and of the mesh layer read the repository's fixtures of the demo cluster's traffic and of Istio.
    New-Item -ItemType Directory -Path (Join-Path $Sandbox 'tests') -Force | Out-Null
    Copy-Item -LiteralPath (Join-Path $RepoRoot 'tests/fixtures') -Destination (Join-Path $Sandbox 'tests/fixtures') -Recurse
    New-Item -ItemType SymbolicLink -Path (Join-Path $Sandbox 'out/NetSecPS') -Target (Split-Path $ModulePath -Parent) | Out-Null

    # The fake API server serves the demo cluster as the kube context "prod".
    $fakeDll = Join-Path $RepoRoot 'out/fake-apiserver/NetSecPS.FakeApiServer.dll'
    & dotnet build (Join-Path $RepoRoot 'tests/NetSecPS.FakeApiServer/NetSecPS.FakeApiServer.csproj') -c Release -o (Split-Path $fakeDll) --nologo -v q | Out-Null
    if ($LASTEXITCODE -ne 0) { throw 'building the fake API server failed' }
    $written = Join-Path $Sandbox 'fake.kubeconfig'
    $script:Server = Start-Process -FilePath 'dotnet' -PassThru -RedirectStandardOutput (Join-Path $Sandbox 'server.out') -RedirectStandardError (Join-Path $Sandbox 'server.err') `
        -ArgumentList @($fakeDll, '--manifests', (Join-Path $Samples 'cluster'), '--kubeconfig-out', $written)
    $deadline = [DateTime]::UtcNow.AddSeconds(60)
    while (-not (Test-Path $written)) {
        if ($Server.HasExited -or [DateTime]::UtcNow -gt $deadline) { throw "the fake API server did not start: $(Get-Content (Join-Path $Sandbox 'server.err') -Raw)" }
        Start-Sleep -Milliseconds 100
    }
    $script:Kubeconfig = Join-Path $Sandbox 'kubeconfig'
    (Get-Content -LiteralPath $written -Raw) -replace 'netsecps-fake', 'prod' | Set-Content -LiteralPath $Kubeconfig
    $script:SavedKubeconfig = $env:KUBECONFIG
    $env:KUBECONFIG = $Kubeconfig

    # One example in a runspace of its own, its output formatted as a console would show it.
    function Invoke-Example([string] $Code) {
        $ps = [powershell]::Create()
        try {
            $script = @"
Set-Location -LiteralPath '$Sandbox'
Import-Module '$ModulePath'
`$ErrorActionPreference = 'Stop'
`$ProgressPreference = 'SilentlyContinue'
& {
$Code
} | Out-String -Width 120
"@
            $output = $ps.AddScript($script).Invoke()
            $errors = @($ps.Streams.Error | ForEach-Object { "$_ ($($_.FullyQualifiedErrorId))" })
            [pscustomobject]@{ Output = ($output -join "`n"); Errors = $errors }
        }
        catch {
            [pscustomobject]@{ Output = ''; Errors = @("$($_.Exception.InnerException ?? $_.Exception)") }
        }
        finally { $ps.Dispose() }
    }
}

AfterAll {
    $env:KUBECONFIG = $SavedKubeconfig
    if ($Server -and -not $Server.HasExited) { Stop-Process -Id $Server.Id -ErrorAction SilentlyContinue; $Server.WaitForExit(10000) | Out-Null }
    Remove-Item -LiteralPath $Sandbox -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Every help example runs' {
    It '<Name>' -ForEach $HelpExamples {
        $r = Invoke-Example $Code
        $r.Errors | Should -BeNullOrEmpty -Because "the example`n$Code`nmust run without an error"
    }
}

Describe 'Every README example runs' {
    # A block marked "not run" is no test case (the last test checks which blocks those are and why).
    It '<Name>' -ForEach @($ReadmeBlocks | Where-Object { -not $_.Skip }) {
        if ($Language -eq 'sh') {
            Push-Location $Sandbox
            try { $out = & bash -c $Code 2>&1; $LASTEXITCODE | Should -Be 0 -Because ($out -join "`n") }
            finally { Pop-Location }
            return
        }

        $r = Invoke-Example $Code
        $r.Errors | Should -BeNullOrEmpty -Because "the README block`n$Code`nmust run without an error"
    }

    It 'finds the README blocks and leaves out only the marked ones, of the PowerShell blocks only those that install the module' -ForEach @(@{ Blocks = $ReadmeBlocks }) {
        $Blocks.Count | Should -BeGreaterOrEqual 4
        # PowerShell blocks run against the demo cluster; only the two that install the module
        # (from the PowerShell Gallery, or from a package the build writes) cannot run here.
        $skipped = @($Blocks | Where-Object { $_.Language -eq 'powershell' -and $_.Skip })
        $skipped.Count | Should -Be 2 -Because 'only the install blocks are left out'
        $skipped | ForEach-Object { $_.Code | Should -Match '^(Install-PSResource -Name NetSecPS -Repository PSGallery|dotnet tool restore; dotnet pwsh \./build\.ps1 package)' }
    }
}
