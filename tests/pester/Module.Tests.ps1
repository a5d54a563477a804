BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
}

Describe 'Module loading and dependency isolation' {
    It 'loads no third-party assembly into the default load context' {
        $r = Invoke-FreshPwsh @"
Import-Module '$ModulePath'
`$null = Get-NetSecInventory -Path '$Fixtures/manifests/multi-doc.yaml'
[System.Runtime.Loader.AssemblyLoadContext]::Default.Assemblies | ForEach-Object { 'DEFAULT:' + `$_.GetName().Name }
([System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -eq 'NetSecPS').Assemblies | ForEach-Object { 'NETSEC:' + `$_.GetName().Name }
"@
        $r.ExitCode | Should -Be 0
        $default = $r.Output | Where-Object { $_ -like 'DEFAULT:*' } | ForEach-Object { $_.Substring(8) }
        $private = $r.Output | Where-Object { $_ -like 'NETSEC:*' } | ForEach-Object { $_.Substring(7) }
        foreach ($name in 'KubernetesClient', 'YamlDotNet', 'ClosedXML', 'DocumentFormat.OpenXml', 'PdfSharp') {
            $default | Should -Not -Contain $name -Because "$name must stay in the module's own load context"
        }
        $default | Should -Contain 'NetSecPS.Shared'
        $private | Should -Contain 'NetSecPS'
        $private | Should -Contain 'KubernetesClient'
        $private | Should -Contain 'YamlDotNet'
    }

    It 'still reads YAML in a session where another YamlDotNet version was loaded first' {
        $props = [xml](Get-Content (Join-Path $RepoRoot 'Directory.Packages.props') -Raw)
        $version = $props.Project.PropertyGroup.ForeignYamlDotNetVersion | Where-Object { $_ } | Select-Object -First 1
        $foreign = Get-ChildItem (Join-Path $NuGetRoot "yamldotnet/$version/lib") -Recurse -Filter YamlDotNet.dll |
            Where-Object { $_.Directory.Name -like 'net*' } | Sort-Object { $_.Directory.Name } | Select-Object -Last 1
        $foreign | Should -Not -BeNullOrEmpty -Because 'tests/tools restores the foreign YamlDotNet'
        $r = Invoke-FreshPwsh @"
Add-Type -Path '$($foreign.FullName)'
'FOREIGN:' + [YamlDotNet.Serialization.Deserializer].Assembly.GetName().Version
Import-Module '$ModulePath'
Get-NetSecInventory -Path '$Fixtures/manifests/multi-doc.yaml' -Kind Namespace | ForEach-Object { 'NS:' + `$_.Name }
"@
        $r.ExitCode | Should -Be 0
        # YamlDotNet's assembly version carries only the major version.
        ($r.Output | Where-Object { $_ -like 'FOREIGN:*' }) | Should -Be "FOREIGN:$($version.Split('.')[0]).0.0.0"
        ($r.Output | Where-Object { $_ -like 'NS:*' }) | Should -Be @('NS:payments', 'NS:shop')
    }

    It 'exports only the cmdlets the manifest lists, each with help and two examples' {
        Import-Module $ModulePath -Force
        $manifest = Import-PowerShellDataFile $ModulePath
        $commands = Get-Command -Module NetSecPS
        $commands | Should -Not -BeNullOrEmpty
        foreach ($c in $commands) {
            $manifest.CmdletsToExport | Should -Contain $c.Name
            $help = Get-Help $c.Name -Full
            $help.Synopsis | Should -Not -BeLike "*$($c.Name)*[<]*" -Because 'generated help must be found'
            @($help.Examples.Example).Count | Should -BeGreaterOrEqual 2 -Because "$($c.Name) needs two examples"
        }
    }

    It 'has the about_NetSecPS topic' {
        Import-Module $ModulePath -Force
        (Get-Help about_NetSecPS | Out-String) | Should -Match 'AssemblyLoadContext'
    }
}
