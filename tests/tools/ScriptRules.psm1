# The script checks that `build.ps1 test` runs on every .ps1, .psm1 and .psd1 of the repository
# (tests/pester/Scripts.Tests.ps1). They stand in for PSScriptAnalyzer, which this project would
# restore like Pester if the package feed served it: each rule keeps PSScriptAnalyzer's name and
# meaning, and suppressions use PSScriptAnalyzer's own attribute, so the scripts stay clean when
# the real analyzer replaces these checks. docs/contributing.md lists the rules and what each
# leaves out.
Set-StrictMode -Version Latest

$script:Rules = [ordered]@{
    ParseError                                       = 'The file parses with PowerShell''s own parser (System.Management.Automation.Language.Parser).'
    PSAvoidUsingCmdletAliases                        = 'Commands are called by their names, not by aliases (% ? select where foreach gci ...).'
    PSAvoidUsingPositionalParameters                 = 'A cmdlet or function is not given three or more arguments by position.'
    PSUseApprovedVerbs                               = 'Functions named Verb-Noun use a verb that Get-Verb lists.'
    PSAvoidUsingWriteHost                            = 'No Write-Host outside Show- functions: output goes to the pipeline or a stream.'
    PSAvoidUsingInvokeExpression                     = 'No Invoke-Expression: strings are not run as code.'
    PSAvoidUsingPlainTextForPassword                 = 'Parameters named *Password* or *Passphrase* are SecureString or PSCredential.'
    PSAvoidUsingConvertToSecureStringWithPlainText   = 'No ConvertTo-SecureString -AsPlainText: a secret is not held as plain text first.'
    PSAvoidGlobalVars                                = 'No $global: variables.'
    PSUseDeclaredVarsMoreThanAssignments             = 'A variable that is assigned is also read.'
    PSAvoidUsingEmptyCatchBlock                      = 'No catch block without a statement: an error is handled or said to be ignored.'
    PSAvoidTrailingWhitespace                        = 'No line ends in spaces or tabs.'
    PSUseBOMForUnicodeEncodedFile                    = 'A file with characters beyond ASCII starts with a byte order mark.'
    PSPossibleIncorrectComparisonWithNull            = '$null is on the left of -eq and -ne (a collection on the left filters instead of comparing).'
    PSAvoidDefaultValueSwitchParameter               = 'A switch parameter does not default to $true.'
    PSAvoidAssignmentToAutomaticVariable             = 'Automatic variables ($_, $args, $input, $PSItem, $Error, ...) are not assigned to.'
    PSMisleadingBacktick                             = 'A line-continuation backtick is not followed by spaces.'
    PSUseSuppressMessageJustification                = 'A suppression names a rule of this list, gives a Justification and suppresses something.'
}

# Variables PowerShell sets or reads itself: assigning one is using it, and reading one is not
# evidence that the script's own assignment of it matters.
$script:SpecialVariables = [System.Collections.Generic.HashSet[string]]::new([string[]]@(
        '_', 'PSItem', 'args', 'input', 'this', 'Matches', 'LASTEXITCODE', 'PSCmdlet', 'PSBoundParameters',
        'MyInvocation', 'PSScriptRoot', 'PSCommandPath', 'Error', 'Host', 'ExecutionContext', 'true', 'false', 'null',
        'ErrorActionPreference', 'WarningPreference', 'VerbosePreference', 'DebugPreference', 'InformationPreference',
        'ProgressPreference', 'ConfirmPreference', 'WhatIfPreference', 'PSDefaultParameterValues', 'OFS',
        'FormatEnumerationLimit', 'PSModuleAutoLoadingPreference', 'PSNativeCommandUseErrorActionPreference',
        'PSNativeCommandArgumentPassing', 'PSStyle', 'PSSessionConfigurationName', 'MaximumHistoryCount',
        'ErrorView', 'LogCommandHealthEvent', 'PSEmailServer', 'NestedPromptLevel', 'PSDebugContext', 'sender',
        'EventArgs', 'Event', 'EventSubscriber', 'StackTrace', 'foreach', 'switch', 'PSVersionTable', 'PWD', 'HOME',
        'IsLinux', 'IsMacOS', 'IsWindows', 'IsCoreCLR', 'PID', 'PSCulture', 'PSUICulture', 'PSHOME', 'PSEdition',
        'ShellId', 'Profile'), [System.StringComparer]::OrdinalIgnoreCase)

# Automatic variables that PowerShell overwrites or that are read-only: an assignment is a bug.
$script:AutomaticVariables = [System.Collections.Generic.HashSet[string]]::new([string[]]@(
        '_', 'PSItem', 'args', 'input', 'this', 'Error', 'Host', 'ExecutionContext', 'MyInvocation', 'PSBoundParameters',
        'PSCmdlet', 'PSCommandPath', 'PSScriptRoot', 'PSVersionTable', 'PSHOME', 'PSEdition', 'PSCulture', 'PSUICulture',
        'PID', 'ShellId', 'IsLinux', 'IsMacOS', 'IsWindows', 'IsCoreCLR', 'true', 'false', 'NestedPromptLevel',
        'sender', 'EventArgs', 'Event', 'EventSubscriber', 'StackTrace', 'foreach', 'switch'), [System.StringComparer]::OrdinalIgnoreCase)

$script:StateOfTheSession = $null

# Aliases, verbs and commands of a default session, computed once: what PowerShell would resolve
# a name to when the script runs, independent of what the test session has imported.
function Get-SessionFact {
    if ($script:StateOfTheSession) { return $script:StateOfTheSession }
    $ps = [powershell]::Create([System.Management.Automation.Runspaces.InitialSessionState]::CreateDefault2())
    try {
        $aliases = @{}
        foreach ($a in $ps.AddCommand('Get-Alias').Invoke()) { $aliases[$a.Name] = $a.Definition }
        $ps.Commands.Clear()
        $verbs = [System.Collections.Generic.HashSet[string]]::new([string[]]@($ps.AddCommand('Get-Verb').Invoke() | ForEach-Object Verb), [System.StringComparer]::OrdinalIgnoreCase)
        $ps.Commands.Clear()
        # The switch parameters of each cmdlet (of PowerShell's own modules, imported so that their
        # parameters are known): an argument after a switch is positional.
        $commands = @{}
        $listing = $ps.AddScript('Get-Module -ListAvailable -Name Microsoft.PowerShell.* | Import-Module -ErrorAction Ignore; Get-Command -CommandType Cmdlet | ForEach-Object { [pscustomobject]@{ Name = $_.Name; Switches = @($_.Parameters.Values | Where-Object SwitchParameter | ForEach-Object Name) } }').Invoke()
        foreach ($c in $listing) { $commands[$c.Name] = @($c.Switches) }
    }
    finally { $ps.Dispose() }
    $script:StateOfTheSession = [pscustomobject]@{ Aliases = $aliases; Verbs = $verbs; Cmdlets = $commands }
    $script:StateOfTheSession
}

# The names and meanings of the rules enforced.
function Get-ScriptRule {
    foreach ($name in $script:Rules.Keys) { [pscustomobject]@{ RuleName = $name; Meaning = $script:Rules[$name] } }
}

function New-Finding {
    param([string] $Rule, $At, [string] $Message, [string] $Id, [string] $File, [int] $Line, [int] $Column)
    # $At is the syntax (an Ast) or the text (an IScriptExtent) the finding is about.
    $Extent = if ($At -is [System.Management.Automation.Language.Ast]) { $At.Extent } else { $At }
    if ($Extent) { $Line = $Extent.StartLineNumber; $Column = $Extent.StartColumnNumber }
    [pscustomobject]@{ RuleName = $Rule; File = $File; Line = $Line; Column = $Column; Message = $Message; Id = $Id; Extent = $Extent }
}

# Positional arguments of a call, as PowerShell binds them: elements that are neither a parameter
# name nor the value of the non-switch parameter before them. $Switches names the command's
# switch parameters where they are known; an unknown parameter is taken to take a value.
function Measure-PositionalArgument {
    param([System.Management.Automation.Language.CommandAst] $Command, [string[]] $Switches)
    $elements = $Command.CommandElements
    $count = 0
    for ($i = 1; $i -lt $elements.Count; $i++) {
        $element = $elements[$i]
        if ($element -is [System.Management.Automation.Language.CommandParameterAst]) {
            $isSwitch = $Switches | Where-Object { $_ -like "$($element.ParameterName)*" }
            if ($null -eq $element.Argument -and -not $isSwitch -and $i + 1 -lt $elements.Count -and
                $elements[$i + 1] -isnot [System.Management.Automation.Language.CommandParameterAst]) {
                $i++
            }
            continue
        }
        if ($element -is [System.Management.Automation.Language.VariableExpressionAst] -and $element.Splatted) { return 0 }
        $count++
    }
    $count
}

function Find-RuleViolation {
    param([System.Management.Automation.Language.ScriptBlockAst] $Ast, [string] $Text, [string] $File, [bool] $IsTestFile)
    $facts = Get-SessionFact
    $commands = $Ast.FindAll({ param($a) $a -is [System.Management.Automation.Language.CommandAst] }, $true)
    $functions = @{}
    foreach ($f in $Ast.FindAll({ param($a) $a -is [System.Management.Automation.Language.FunctionDefinitionAst] }, $true)) {
        $functions[$f.Name] = $f
    }

    foreach ($command in $commands) {
        $name = $command.GetCommandName()
        if (-not $name) { continue }
        $resolved = $name
        if ($facts.Aliases.ContainsKey($name) -and -not $functions.ContainsKey($name)) {
            $resolved = $facts.Aliases[$name]
            New-Finding -Rule PSAvoidUsingCmdletAliases -At $command.CommandElements[0] -Message "'$name' is an alias of '$resolved': call '$resolved'." -Id $name -File $File
        }
        switch ($resolved) {
            'Write-Host' {
                $inShow = $false
                for ($p = $command.Parent; $p; $p = $p.Parent) {
                    if ($p -is [System.Management.Automation.Language.FunctionDefinitionAst]) { $inShow = $p.Name -like 'Show-*'; break }
                }
                if (-not $inShow) { New-Finding -Rule PSAvoidUsingWriteHost -At $command -Message 'Write-Host bypasses the pipeline and the output streams: write output, or use Write-Verbose, Write-Information or Write-Warning.' -File $File }
            }
            'Invoke-Expression' { New-Finding -Rule PSAvoidUsingInvokeExpression -At $command -Message 'Invoke-Expression runs a string as code: call the command, or use a script block.' -File $File }
            'ConvertTo-SecureString' {
                if ($command.CommandElements | Where-Object { $_ -is [System.Management.Automation.Language.CommandParameterAst] -and 'AsPlainText' -like "$($_.ParameterName)*" }) {
                    New-Finding -Rule PSAvoidUsingConvertToSecureStringWithPlainText -At $command -Message 'ConvertTo-SecureString -AsPlainText holds the secret as plain text first: read it as a SecureString or a PSCredential.' -File $File
                }
            }
        }
        $switches = $null
        if ($functions.ContainsKey($resolved)) {
            $parameters = @(if ($functions[$resolved].Body.ParamBlock) { $functions[$resolved].Body.ParamBlock.Parameters }) + @($functions[$resolved].Parameters | Where-Object { $_ })
            $switches = @($parameters | Where-Object { $_.StaticType -eq [switch] } | ForEach-Object { $_.Name.VariablePath.UserPath })
        }
        elseif ($facts.Cmdlets.ContainsKey($resolved)) {
            $switches = $facts.Cmdlets[$resolved]
        }
        # As PSScriptAnalyzer: a command fed by a pipeline takes one argument from it, so only a
        # pipeline's first command is counted.
        $first = $command.Parent -isnot [System.Management.Automation.Language.PipelineAst] -or $command.Parent.PipelineElements[0] -eq $command
        if ($null -ne $switches -and $first -and (Measure-PositionalArgument -Command $command -Switches $switches) -ge 3) {
            New-Finding -Rule PSAvoidUsingPositionalParameters -At $command -Message "'$name' is given three or more arguments by position: name the parameters." -Id $name -File $File
        }
    }

    foreach ($f in $functions.Values) {
        if ($f.Name -match '^(?<verb>[^-]+)-.+' -and -not $facts.Verbs.Contains($Matches.verb)) {
            New-Finding -Rule PSUseApprovedVerbs -At $f -Message "Function '$($f.Name)' uses the verb '$($Matches.verb)', which Get-Verb does not list." -Id $f.Name -File $File
        }
    }

    foreach ($parameter in $Ast.FindAll({ param($a) $a -is [System.Management.Automation.Language.ParameterAst] }, $true)) {
        $pname = $parameter.Name.VariablePath.UserPath
        $type = $parameter.StaticType
        $element = if ($type.IsArray) { $type.GetElementType() } else { $type }
        if ($pname -match 'Password|Passphrase' -and $element -notin [securestring], [pscredential], [switch]) {
            New-Finding -Rule PSAvoidUsingPlainTextForPassword -At $parameter -Message "Parameter '$pname' holds a secret as $($type.Name): make it a SecureString or a PSCredential." -Id $pname -File $File
        }
        if ($type -eq [switch] -and $parameter.DefaultValue -and $parameter.DefaultValue.Extent.Text -eq '$true') {
            New-Finding -Rule PSAvoidDefaultValueSwitchParameter -At $parameter -Message "Switch '$pname' defaults to `$true, so it cannot be turned on, only off with -${pname}:`$false: name it for the other case." -Id $pname -File $File
        }
    }

    foreach ($variable in $Ast.FindAll({ param($a) $a -is [System.Management.Automation.Language.VariableExpressionAst] }, $true)) {
        if ($variable.VariablePath.IsGlobal -and -not $script:SpecialVariables.Contains((Get-VariableName $variable))) {
            New-Finding -Rule PSAvoidGlobalVars -At $variable -Message "'$($variable.Extent.Text)' is a global variable: pass it as a parameter or keep it in script scope." -Id $variable.VariablePath.UserPath -File $File
        }
    }

    foreach ($assignment in $Ast.FindAll({ param($a) $a -is [System.Management.Automation.Language.AssignmentStatementAst] }, $true)) {
        foreach ($target in (Get-AssignedVariable $assignment.Left)) {
            if ($script:AutomaticVariables.Contains((Get-VariableName $target))) {
                New-Finding -Rule PSAvoidAssignmentToAutomaticVariable -At $target -Message "'$($target.Extent.Text)' is an automatic variable that PowerShell sets: use a variable of your own." -Id (Get-VariableName $target) -File $File
            }
        }
    }

    foreach ($catch in $Ast.FindAll({ param($a) $a -is [System.Management.Automation.Language.CatchClauseAst] }, $true)) {
        if ($catch.Body.Statements.Count -eq 0) {
            New-Finding -Rule PSAvoidUsingEmptyCatchBlock -At $catch -Message 'The catch block has no statement: handle the error, or say with Write-Verbose or Write-Debug why it is ignored.' -File $File
        }
    }

    $equality = 'Ieq', 'Ine', 'Ceq', 'Cne', 'Equals'
    foreach ($binary in $Ast.FindAll({ param($a) $a -is [System.Management.Automation.Language.BinaryExpressionAst] }, $true)) {
        if ("$($binary.Operator)" -in $equality -and (Test-NullLiteral $binary.Right) -and -not (Test-NullLiteral $binary.Left)) {
            New-Finding -Rule PSPossibleIncorrectComparisonWithNull -At $binary -Message "Put `$null on the left: with a collection on the left, '$($binary.Extent.Text)' filters the collection instead of comparing." -File $File
        }
    }

    foreach ($finding in (Find-UnusedAssignment -Ast $Ast -IsTestFile $IsTestFile)) { $finding.File = $File; $finding }

    # Text rules: every line, here-strings included, as PSScriptAnalyzer reads them.
    $lines = $Text -split '\r?\n'
    for ($i = 0; $i -lt $lines.Count; $i++) {
        if ($lines[$i] -match '\S[ \t]+$') {
            New-Finding -Rule PSAvoidTrailingWhitespace -Message 'The line ends in whitespace.' -File $File -Line ($i + 1) -Column ($lines[$i].TrimEnd().Length + 1)
        }
        if ($lines[$i] -match '(?<!`)`[ \t]+$') {
            New-Finding -Rule PSMisleadingBacktick -Message 'The backtick is followed by whitespace, so it escapes that whitespace and does not continue the line.' -File $File -Line ($i + 1) -Column ($lines[$i].Length - $Matches[0].Length + 1)
        }
    }

}

function Get-VariableName {
    param([System.Management.Automation.Language.VariableExpressionAst] $Variable)
    $path = $Variable.VariablePath.UserPath
    if ($path -match '^(global|script|local|private|using):(?<name>.+)$') { $Matches.name } else { $path }
}

function Test-NullLiteral {
    param($Expression)
    $Expression -is [System.Management.Automation.Language.VariableExpressionAst] -and $Expression.VariablePath.UserPath -eq 'null'
}

# The variables an assignment's left side names: $x, [type]$x, and each of $a, $b = ...
function Get-AssignedVariable {
    param([System.Management.Automation.Language.ExpressionAst] $Left)
    if ($Left -is [System.Management.Automation.Language.VariableExpressionAst]) { return $Left }
    if ($Left -is [System.Management.Automation.Language.ConvertExpressionAst]) { return Get-AssignedVariable $Left.Child }
    if ($Left -is [System.Management.Automation.Language.ArrayLiteralAst]) { foreach ($e in $Left.Elements) { Get-AssignedVariable $e } }
}

# PSUseDeclaredVarsMoreThanAssignments as PSScriptAnalyzer decides it: in each script block, a
# variable assigned there (not in a nested block) must be read somewhere in the block, nested
# blocks included; assigning it again does not count as reading it, `+=` does. Pester test files
# are one scope: their BeforeAll blocks assign what the It blocks beside them read.
function Find-UnusedAssignment {
    param([System.Management.Automation.Language.ScriptBlockAst] $Ast, [bool] $IsTestFile)
    $blocks = if ($IsTestFile) { , $Ast } else { $Ast.FindAll({ param($a) $a -is [System.Management.Automation.Language.ScriptBlockAst] }, $true) }
    foreach ($block in $blocks) {
        $assigned = [ordered]@{}
        foreach ($assignment in $block.FindAll({ param($a) $a -is [System.Management.Automation.Language.AssignmentStatementAst] }, $IsTestFile)) {
            if (-not $IsTestFile -and (Get-EnclosingScriptBlock $assignment) -ne $block) { continue }
            $target = $assignment.Left
            if ($target -is [System.Management.Automation.Language.ConvertExpressionAst]) { $target = $target.Child }
            if ($target -isnot [System.Management.Automation.Language.VariableExpressionAst]) { continue }
            $path = $target.VariablePath
            if ($path.IsGlobal -or $path.IsScript -or $path.DriveName) { continue }
            $name = Get-VariableName $target
            if ($script:SpecialVariables.Contains($name) -or $assigned.Contains($name)) { continue }
            $assigned[$name] = $assignment
        }
        if ($assigned.Count -eq 0) { continue }
        $read = [System.Collections.Generic.HashSet[string]]::new([System.StringComparer]::OrdinalIgnoreCase)
        foreach ($variable in $block.FindAll({ param($a) $a -is [System.Management.Automation.Language.VariableExpressionAst] }, $true)) {
            $parent = $variable.Parent
            if ($parent -is [System.Management.Automation.Language.ConvertExpressionAst] -and $parent.Parent -is [System.Management.Automation.Language.AssignmentStatementAst] -and $parent.Parent.Left -eq $parent) { $parent = $parent.Parent }
            $isPlainAssignment = $parent -is [System.Management.Automation.Language.AssignmentStatementAst] -and
                $parent.Operator -eq 'Equals' -and ($parent.Left -eq $variable -or $parent.Left -eq $variable.Parent)
            if (-not $isPlainAssignment) { [void]$read.Add((Get-VariableName $variable)) }
        }
        # Get-Variable -Name x reads x.
        foreach ($command in $block.FindAll({ param($a) $a -is [System.Management.Automation.Language.CommandAst] -and $a.GetCommandName() -in 'Get-Variable', 'gv' }, $true)) {
            foreach ($e in $command.CommandElements | Select-Object -Skip 1) {
                if ($e -is [System.Management.Automation.Language.StringConstantExpressionAst]) { [void]$read.Add($e.Value) }
            }
        }
        foreach ($name in $assigned.Keys) {
            if (-not $read.Contains($name)) {
                New-Finding -Rule PSUseDeclaredVarsMoreThanAssignments -At $assigned[$name].Left -Message "'`$$name' is assigned but never read: remove it, or assign to `$null to discard a value." -Id $name
            }
        }
    }
}

function Get-EnclosingScriptBlock {
    param([System.Management.Automation.Language.Ast] $Ast)
    for ($p = $Ast.Parent; $p; $p = $p.Parent) {
        if ($p -is [System.Management.Automation.Language.ScriptBlockAst]) { return $p }
    }
}

# Suppressions: [Diagnostics.CodeAnalysis.SuppressMessageAttribute('<rule>', '<id>', Justification = '<why>')]
# on the param block of a script or function, as PSScriptAnalyzer reads it. It covers that script or
# function; a non-empty <id> narrows it to one finding's target (a variable or function name).
function Get-Suppression {
    param([System.Management.Automation.Language.ScriptBlockAst] $Ast, [string] $File)
    $blocks = $Ast.FindAll({ param($a) $a -is [System.Management.Automation.Language.ScriptBlockAst] }, $true)
    foreach ($block in $blocks) {
        if (-not $block.ParamBlock) { continue }
        foreach ($attribute in $block.ParamBlock.Attributes) {
            if ($attribute.TypeName.FullName -notmatch '^(System\.)?(Diagnostics\.CodeAnalysis\.)?SuppressMessage(Attribute)?$') { continue }
            $positional = @($attribute.PositionalArguments | ForEach-Object { if ($_ -is [System.Management.Automation.Language.StringConstantExpressionAst]) { $_.Value } else { $_.Extent.Text } })
            $named = @{}
            foreach ($n in $attribute.NamedArguments) {
                $named[$n.ArgumentName] = if ($n.Argument -is [System.Management.Automation.Language.StringConstantExpressionAst]) { $n.Argument.Value } else { $n.Argument.Extent.Text }
            }
            [pscustomobject]@{
                Rule          = if ($positional.Count -gt 0) { $positional[0] } else { $named['CheckId'] }
                Id            = if ($positional.Count -gt 1) { $positional[1] } else { '' }
                Justification = $named['Justification']
                Unsupported   = @($named.Keys | Where-Object { $_ -in 'Scope', 'Target' })
                Extent        = $block.Extent
                Attribute     = $attribute
                File          = $File
                Used          = $false
            }
        }
    }
}

<#
.SYNOPSIS
Checks PowerShell files, or a script given as text, against the rules of Get-ScriptRule and
returns one finding per violation (RuleName, File, Line, Column, Message), suppressions applied.
#>
function Invoke-ScriptRuleCheck {
    [CmdletBinding(DefaultParameterSetName = 'Path')]
    param(
        [Parameter(Mandatory, ParameterSetName = 'Path', ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('FullName')]
        [string[]] $Path,

        [Parameter(Mandatory, ParameterSetName = 'Text')]
        [string] $ScriptDefinition,

        # The file name a script given as text stands for (decides whether it is a Pester test file).
        [Parameter(ParameterSetName = 'Text')]
        [string] $FileName = 'script.ps1'
    )
    process {
        $inputs = if ($PSCmdlet.ParameterSetName -eq 'Text') {
            , @{ File = $FileName; Text = $ScriptDefinition; Bytes = [System.Text.UTF8Encoding]::new($false).GetBytes($ScriptDefinition) }
        }
        else {
            foreach ($p in $Path) {
                $bytes = [System.IO.File]::ReadAllBytes($p)
                , @{ File = $p; Text = [System.IO.File]::ReadAllText($p); Bytes = $bytes }
            }
        }
        foreach ($item in $inputs) {
            $tokens = $null; $errors = $null
            $ast = [System.Management.Automation.Language.Parser]::ParseInput($item.Text, $item.File, [ref] $tokens, [ref] $errors)
            $findings = [System.Collections.Generic.List[object]]::new()
            foreach ($e in $errors) { $findings.Add((New-Finding -Rule ParseError -At $e.Extent -Message "$($e.ErrorId): $($e.Message)" -Id $e.ErrorId -File $item.File)) }
            $isTestFile = [System.IO.Path]::GetFileName($item.File) -like '*.Tests.ps1'
            foreach ($f in (Find-RuleViolation -Ast $ast -Text $item.Text -File $item.File -IsTestFile $isTestFile)) {
                if ($f) { $f.File = $item.File; $findings.Add($f) }
            }
            $bytes = $item.Bytes
            $hasBom = ($bytes.Length -ge 3 -and $bytes[0] -eq 0xEF -and $bytes[1] -eq 0xBB -and $bytes[2] -eq 0xBF) -or
                ($bytes.Length -ge 2 -and (($bytes[0] -eq 0xFF -and $bytes[1] -eq 0xFE) -or ($bytes[0] -eq 0xFE -and $bytes[1] -eq 0xFF)))
            if (-not $hasBom -and [regex]::IsMatch($item.Text, '[^\x00-\x7F]')) {
                $findings.Add((New-Finding -Rule PSUseBOMForUnicodeEncodedFile -Message 'The file holds characters beyond ASCII but has no byte order mark, so Windows PowerShell would read it in the ANSI code page: save it as UTF-8 with a BOM, or keep it ASCII.' -File $item.File -Line 1 -Column 1))
            }

            $suppressions = @(Get-Suppression -Ast $ast -File $item.File)
            foreach ($f in $findings) {
                $name = $f.RuleName
                $covering = $suppressions | Where-Object {
                    ($_.Rule -eq $name -or "PS$($_.Rule)" -eq $name) -and (-not $_.Id -or $_.Id -eq $f.Id) -and
                    $f.Line -ge $_.Extent.StartLineNumber -and $f.Line -le $_.Extent.EndLineNumber
                }
                if ($covering -and $name -ne 'ParseError') {
                    foreach ($s in $covering) { $s.Used = $true }
                    continue
                }
                $f
            }
            foreach ($s in $suppressions) {
                $rule = if ($s.Rule -and -not $s.Rule.StartsWith('PS') -and $script:Rules.Contains("PS$($s.Rule)")) { "PS$($s.Rule)" } else { $s.Rule }
                $problem = if (-not $s.Rule -or -not $script:Rules.Contains($rule)) { "names '$($s.Rule)', which is not a rule this check enforces" }
                elseif (-not "$($s.Justification)".Trim()) { "of $rule gives no Justification: say why the rule does not apply here" }
                elseif ($s.Unsupported.Count) { "of $rule uses $($s.Unsupported -join ' and '), which this check does not read: put the attribute on the param block of the function it is for" }
                elseif (-not $s.Used) { "of $rule suppresses nothing: remove it" }
                if ($problem) { New-Finding -Rule PSUseSuppressMessageJustification -At $s.Attribute -Message "The suppression $problem." -Id $rule -File $s.File }
            }
        }
    }
}

Export-ModuleMember -Function Invoke-ScriptRuleCheck, Get-ScriptRule
