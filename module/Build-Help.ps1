#Requires -Version 7.4

<#
.SYNOPSIS
    Generates NetSecPS.dll-Help.xml (MAML) from the help sources in module/en-US/help.

.DESCRIPTION
    Each cmdlet has one data file, module/en-US/help/<Cmdlet>.psd1, with its synopsis,
    description, a description of every parameter, examples, notes and links. Parameter types,
    positions, pipeline binding and syntax are read from the built cmdlet itself, so the help
    never drifts from the code. Run by build.ps1 in a child process after staging the module.
    A cmdlet without a help file, or a parameter without a description, fails the build.
#>
param(
    [Parameter(Mandatory)][string] $ModulePath,
    [Parameter(Mandatory)][string] $HelpSource,
    [Parameter(Mandatory)][string] $Destination
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
Import-Module $ModulePath -Force
$moduleName = [IO.Path]::GetFileNameWithoutExtension($ModulePath)
$common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters

$settings = [System.Xml.XmlWriterSettings]::new()
$settings.Indent = $true
$settings.Encoding = [System.Text.UTF8Encoding]::new($false)
$w = [System.Xml.XmlWriter]::Create($Destination, $settings)
$maml = 'http://schemas.microsoft.com/maml/2004/10'
$cmdNs = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$devNs = 'http://schemas.microsoft.com/maml/dev/2004/10'

function Write-Para([string] $Text) {
    foreach ($p in ($Text -split "`r?`n`r?`n")) {
        $w.WriteElementString('para', $maml, ($p -replace "`r?`n", ' ').Trim())
    }
}

$problems = [System.Collections.Generic.List[string]]::new()
$w.WriteStartDocument()
$w.WriteStartElement('helpItems', 'http://msh')
$w.WriteAttributeString('schema', 'maml')
$w.WriteAttributeString('xmlns', 'maml', $null, $maml)
$w.WriteAttributeString('xmlns', 'command', $null, $cmdNs)
$w.WriteAttributeString('xmlns', 'dev', $null, $devNs)

foreach ($cmd in Get-Command -Module $moduleName -CommandType Cmdlet | Sort-Object Name) {
    $file = Join-Path $HelpSource "$($cmd.Name).psd1"
    if (-not (Test-Path $file)) { $problems.Add("$($cmd.Name): no help file $file"); continue }
    $help = Import-PowerShellDataFile $file
    $w.WriteStartElement('command', 'command', $cmdNs)
    $w.WriteStartElement('command', 'details', $cmdNs)
    $w.WriteElementString('name', $cmdNs, $cmd.Name)
    $w.WriteStartElement('maml', 'description', $maml); Write-Para $help.Synopsis; $w.WriteEndElement()
    $w.WriteElementString('verb', $cmdNs, $cmd.Verb)
    $w.WriteElementString('noun', $cmdNs, $cmd.Noun)
    $w.WriteEndElement()
    $w.WriteStartElement('maml', 'description', $maml); Write-Para $help.Description; $w.WriteEndElement()

    $params = @($cmd.Parameters.Values | Where-Object { $_.Name -notin $common })
    $paramHelp = if ($help.ContainsKey('Parameters')) { $help.Parameters } else { @{} }
    foreach ($p in $params) {
        if (-not $paramHelp.ContainsKey($p.Name)) { $problems.Add("$($cmd.Name): parameter -$($p.Name) has no description") }
    }

    $w.WriteStartElement('command', 'syntax', $cmdNs)
    foreach ($set in $cmd.ParameterSets) {
        $w.WriteStartElement('command', 'syntaxItem', $cmdNs)
        $w.WriteElementString('name', $maml, $cmd.Name)
        foreach ($sp in $set.Parameters | Where-Object { $_.Name -notin $common } | Sort-Object { if ($_.Position -ge 0) { $_.Position } else { 1000 } }) {
            $w.WriteStartElement('command', 'parameter', $cmdNs)
            $w.WriteAttributeString('required', $sp.IsMandatory.ToString().ToLowerInvariant())
            $w.WriteAttributeString('position', $(if ($sp.Position -ge 0) { [string]($sp.Position + 1) } else { 'named' }))
            $w.WriteAttributeString('pipelineInput', $(if ($sp.ValueFromPipeline -or $sp.ValueFromPipelineByPropertyName) { 'True' } else { 'False' }))
            $w.WriteElementString('name', $maml, $sp.Name)
            if ($sp.ParameterType -ne [System.Management.Automation.SwitchParameter]) {
                $w.WriteStartElement('command', 'parameterValue', $cmdNs)
                $w.WriteAttributeString('required', 'true')
                $w.WriteString($sp.ParameterType.Name)
                $w.WriteEndElement()
            }
            $w.WriteEndElement()
        }
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'parameters', $cmdNs)
    foreach ($p in $params | Sort-Object Name) {
        $attr = @($p.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] })
        $mandatory = [bool]($attr | Where-Object Mandatory)
        $positions = @($attr | Where-Object { $_.Position -ge 0 } | ForEach-Object Position)
        $byValue = [bool]($attr | Where-Object ValueFromPipeline)
        $byName = [bool]($attr | Where-Object ValueFromPipelineByPropertyName)
        $pipeline = if ($byValue -and $byName) { 'True (ByValue, ByPropertyName)' } elseif ($byValue) { 'True (ByValue)' } elseif ($byName) { 'True (ByPropertyName)' } else { 'False' }
        $wild = [bool]($p.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
        $w.WriteStartElement('command', 'parameter', $cmdNs)
        $w.WriteAttributeString('required', $mandatory.ToString().ToLowerInvariant())
        $w.WriteAttributeString('globbing', $wild.ToString().ToLowerInvariant())
        $w.WriteAttributeString('pipelineInput', $pipeline)
        $w.WriteAttributeString('position', $(if ($positions.Count) { [string]($positions[0] + 1) } else { 'named' }))
        $w.WriteElementString('name', $maml, $p.Name)
        $w.WriteStartElement('maml', 'description', $maml)
        Write-Para ([string]$paramHelp[$p.Name])
        $w.WriteEndElement()
        $w.WriteStartElement('command', 'parameterValue', $cmdNs)
        $w.WriteAttributeString('required', ($p.ParameterType -ne [System.Management.Automation.SwitchParameter]).ToString().ToLowerInvariant())
        $w.WriteString($p.ParameterType.Name)
        $w.WriteEndElement()
        $w.WriteStartElement('dev', 'type', $devNs)
        $w.WriteElementString('name', $maml, $p.ParameterType.FullName)
        $w.WriteEndElement()
        if ($p.Aliases.Count) { $w.WriteElementString('aliases', $cmdNs, ($p.Aliases -join ', ')) }
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'inputTypes', $cmdNs)
    foreach ($t in @($help['Inputs'])) {
        if (-not $t) { continue }
        $w.WriteStartElement('command', 'inputType', $cmdNs)
        $w.WriteStartElement('dev', 'type', $devNs); $w.WriteElementString('name', $maml, $t); $w.WriteEndElement()
        $w.WriteEndElement()
    }
    $w.WriteEndElement()
    $w.WriteStartElement('command', 'returnValues', $cmdNs)
    foreach ($t in $cmd.OutputType) {
        $w.WriteStartElement('command', 'returnValue', $cmdNs)
        $w.WriteStartElement('dev', 'type', $devNs); $w.WriteElementString('name', $maml, $t.Name); $w.WriteEndElement()
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    if ($help['Notes']) {
        $w.WriteStartElement('maml', 'alertSet', $maml)
        $w.WriteStartElement('maml', 'alert', $maml); Write-Para $help.Notes; $w.WriteEndElement()
        $w.WriteEndElement()
    }

    $examples = @($help['Examples'])
    if ($examples.Count -lt 2) { $problems.Add("$($cmd.Name): fewer than two examples") }
    $w.WriteStartElement('command', 'examples', $cmdNs)
    $i = 0
    foreach ($ex in $examples) {
        $i++
        $w.WriteStartElement('command', 'example', $cmdNs)
        $w.WriteElementString('title', $maml, "-------------------------- Example $i`: $($ex.Title) --------------------------")
        $w.WriteElementString('code', $devNs, $ex.Code.Trim())
        $w.WriteStartElement('dev', 'remarks', $devNs); Write-Para $ex.Remarks; $w.WriteEndElement()
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'relatedLinks', $cmdNs)
    foreach ($l in @($help['Links'])) {
        if (-not $l) { continue }
        $w.WriteStartElement('maml', 'navigationLink', $maml)
        $w.WriteElementString('linkText', $maml, $l)
        $w.WriteEndElement()
    }
    $w.WriteEndElement()
    $w.WriteEndElement()
}

$w.WriteEndElement()
$w.WriteEndDocument()
$w.Dispose()

if ($problems.Count) {
    $problems | ForEach-Object { Write-Warning "help: $_" }
    throw "Help is incomplete: $($problems.Count) problem(s)."
}
