# Each piece in its house (docs/contributing.md, "Layout"), read from the metadata of the built
# assemblies without loading them: the module ships no benchmark or test code, graph rendering is
# a report writer, and the engine does not reference PowerShell.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $script:Bin = Join-Path (Split-Path $ModulePath -Parent) 'bin'

    # The types an assembly defines (namespace.name) and the assemblies it references.
    function Get-AssemblyMetadata([string] $Name) {
        $stream = [IO.File]::OpenRead((Join-Path $Bin $Name))
        try {
            $pe = [Reflection.PortableExecutable.PEReader]::new($stream)
            $md = [Reflection.Metadata.PEReaderExtensions]::GetMetadataReader($pe)
            $types = foreach ($h in $md.TypeDefinitions) {
                $t = $md.GetTypeDefinition($h)
                $ns = $md.GetString($t.Namespace)
                if ($ns) { "$ns.$($md.GetString($t.Name))" } else { $md.GetString($t.Name) }
            }
            $references = foreach ($h in $md.AssemblyReferences) { $md.GetString($md.GetAssemblyReference($h).Name) }
            [pscustomobject]@{ Types = @($types); References = @($references) }
        }
        finally { $stream.Dispose() }
    }
}

Describe 'The shipped assemblies' {
    It 'hold no benchmark or test code' {
        $shipped = @(Get-ChildItem -LiteralPath $Bin -Filter 'NetSecPS*.dll')
        $shipped.Count | Should -Be 4
        foreach ($a in $shipped) {
            $m = Get-AssemblyMetadata $a.Name
            $m.Types.Count | Should -BeGreaterThan 1
            @($m.Types | Where-Object { $_ -match 'Benchmark|SyntheticScan|\.Tests?\.' }) | Should -BeNullOrEmpty -Because "$($a.Name) ships to users"
            @($m.References | Where-Object { $_ -match '^(BenchmarkDotNet|xunit|Microsoft\.NET\.Test)' }) | Should -BeNullOrEmpty -Because "$($a.Name) ships to users"
        }
        Test-Path -LiteralPath (Join-Path $Bin 'BenchmarkDotNet.dll') | Should -BeFalse
    }

    It 'render connectivity graphs in the report writers, not in the engine' {
        (Get-AssemblyMetadata 'NetSecPS.Reports.dll').Types | Should -Contain 'NetSecPS.Reports.Graph.ConnectivityGraph'
        # The engine may hold graphs as data (LAT-002's FlowGraph); drawing them (SVG, HTML, DOT) is the writers' job.
        @((Get-AssemblyMetadata 'NetSecPS.Core.dll').Types | Where-Object { $_ -match 'Svg|Html|Dot|Render|ConnectivityGraph' }) | Should -BeNullOrEmpty
    }

    It 'keep PowerShell out of the engine and the report writers' {
        foreach ($name in 'NetSecPS.Core.dll', 'NetSecPS.Reports.dll', 'NetSecPS.Shared.dll') {
            (Get-AssemblyMetadata $name).References | Should -Not -Contain 'System.Management.Automation' -Because "$name is testable without a runspace"
        }
        (Get-AssemblyMetadata 'NetSecPS.dll').References | Should -Contain 'System.Management.Automation'
    }
}
