BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $script:Cmdlets = @(Get-Command -Module NetSecPS -CommandType Cmdlet | ForEach-Object Name)
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $script:Common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
}

Describe 'Help of <_>' -ForEach $Cmdlets {
    BeforeAll {
        $script:name = $_
        $script:help = Get-Help $name -Full
        $script:command = Get-Command $name
    }

    It 'has a synopsis and a description' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -Match '^\s*\S+ \[' -Because 'a generated syntax line means no MAML was found'
        ($help.Description | Out-String).Trim().Length | Should -BeGreaterThan 40
    }

    It 'describes every parameter' {
        $documented = @{}
        foreach ($p in @($help.parameters.parameter)) {
            $documented[$p.name] = ($p.description | Out-String).Trim()
        }
        foreach ($p in $command.Parameters.Keys | Where-Object { $_ -notin $Common }) {
            $documented[$p] | Should -Not -BeNullOrEmpty -Because "-$p of $name needs a description"
        }
    }

    It 'has at least two examples with code and remarks' {
        $examples = @($help.Examples.Example)
        $examples.Count | Should -BeGreaterOrEqual 2
        foreach ($ex in $examples) {
            $ex.Code | Should -Match $name
            ($ex.Remarks | Out-String).Trim() | Should -Not -BeNullOrEmpty
        }
    }

    It 'declares its output type' {
        $command.OutputType | Should -Not -BeNullOrEmpty
    }
}
