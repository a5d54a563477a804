# The repository's PowerShell files are checked against PSScriptAnalyzer's rules by their names
# and meanings (tests/tools/ScriptRules.psm1; docs/contributing.md, "Scripts"), because the package
# feed does not serve PSScriptAnalyzer itself.
BeforeDiscovery {
    # One failing and one passing script per rule; Rule is what the failing one must report.
    $script:RuleCases = @(
        @{ Rule = 'ParseError'; Bad = 'function f { if ($true) { 1 }'; Good = 'function f { if ($true) { 1 } }' }
        @{ Rule = 'PSAvoidUsingCmdletAliases'; Bad = 'Get-ChildItem | % { $_.Name }'; Good = 'Get-ChildItem | ForEach-Object { $_.Name }' }
        @{ Rule = 'PSAvoidUsingPositionalParameters'; Bad = 'Get-Command ChildItem Microsoft.PowerShell.Management Get'; Good = 'Get-Command -Noun ChildItem -Module Microsoft.PowerShell.Management -Verb Get' }
        @{ Rule = 'PSUseApprovedVerbs'; Bad = 'function Grab-Thing { 1 }'; Good = 'function Get-Thing { 1 }' }
        @{ Rule = 'PSAvoidUsingWriteHost'; Bad = 'function Get-Thing { Write-Host 1 }'; Good = 'function Show-Thing { Write-Host 1 }' }
        @{ Rule = 'PSAvoidUsingInvokeExpression'; Bad = 'Invoke-Expression ''Get-Date'''; Good = '& { Get-Date }' }
        @{ Rule = 'PSAvoidUsingPlainTextForPassword'; Bad = 'function Set-Key { param([string] $Password) $Password }'; Good = 'function Set-Key { param([securestring] $Password) $Password }' }
        @{ Rule = 'PSAvoidUsingConvertToSecureStringWithPlainText'; Bad = '$k = ConvertTo-SecureString ''x'' -AsPlainText -Force; $k'; Good = '$k = Read-Host -AsSecureString; $k' }
        @{ Rule = 'PSAvoidGlobalVars'; Bad = '$global:count = 1'; Good = '$script:count = 1' }
        @{ Rule = 'PSUseDeclaredVarsMoreThanAssignments'; Bad = 'function f { $unused = 1; $unused = 2; 3 }'; Good = 'function f { $used = 1; $used += 2; $used }' }
        @{ Rule = 'PSAvoidUsingEmptyCatchBlock'; Bad = 'try { 1 } catch { }'; Good = 'try { 1 } catch { Write-Verbose "ignored: $_" }' }
        @{ Rule = 'PSAvoidTrailingWhitespace'; Bad = "Get-Date`t`n"; Good = "Get-Date`n`t`n" }
        @{ Rule = 'PSUseBOMForUnicodeEncodedFile'; Bad = "'caf`u{00E9}'"; Good = "'cafe'" }
        @{ Rule = 'PSPossibleIncorrectComparisonWithNull'; Bad = 'if ($x -eq $null) { 1 }'; Good = 'if ($null -eq $x) { 1 }' }
        @{ Rule = 'PSAvoidDefaultValueSwitchParameter'; Bad = 'function Get-Thing { param([switch] $Deep = $true) $Deep }'; Good = 'function Get-Thing { param([switch] $Shallow) $Shallow }' }
        @{ Rule = 'PSAvoidAssignmentToAutomaticVariable'; Bad = 'function f { $input = 1; $input }'; Good = 'function f { $value = 1; $value }' }
        @{ Rule = 'PSMisleadingBacktick'; Bad = "Get-ChildItem ```t`n  -Force"; Good = "Get-ChildItem ```n  -Force" }
        @{ Rule = 'PSUseSuppressMessageJustification'; Bad = "[Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSAvoidUsingWriteHost', '')]`nparam()`nWrite-Host 1"; Good = "[Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSAvoidUsingWriteHost', '', Justification = 'console output')]`nparam()`nWrite-Host 1" }
    )
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module (Join-Path $RepoRoot 'tests/tools/ScriptRules.psm1') -Force

    function Format-Finding([object[]] $Findings) {
        ($Findings | ForEach-Object { "$($_.File):$($_.Line):$($_.Column) $($_.RuleName): $($_.Message)" }) -join "`n"
    }
}

AfterAll {
    Remove-Module ScriptRules -ErrorAction Ignore
}

Describe 'The PowerShell files of the repository' {
    It 'follow every script rule (docs/contributing.md lists them)' {
        $skip = '[\\/](out|bin|obj|TestResults|\.git)[\\/]'
        $files = @(Get-ChildItem -LiteralPath $RepoRoot -Recurse -File -Include '*.ps1', '*.psm1', '*.psd1' |
                Where-Object { $_.FullName.Substring($RepoRoot.Length) -notmatch $skip })
        $files.Count | Should -BeGreaterThan 30 -Because 'the build, the job, the module, its help and the tests are PowerShell'
        $names = $files | ForEach-Object { $_.FullName.Substring($RepoRoot.Length + 1).Replace('\', '/') }
        $names | Should -Contain 'build.ps1'
        $names | Should -Contain 'jobs/Invoke-NetSecComplianceJob.ps1'
        $names | Should -Contain 'module/NetSecPS.psd1'

        $findings = @($files | Invoke-ScriptRuleCheck)
        $findings.Count | Should -Be 0 -Because (Format-Finding $findings)
    }
}

Describe 'Each script rule' {
    It '<Rule> reports a script that breaks it and passes one that keeps it' -ForEach $RuleCases {
        $bad = @(Invoke-ScriptRuleCheck -ScriptDefinition $Bad)
        $bad.RuleName | Should -Contain $Rule -Because (Format-Finding $bad)
        $good = @(Invoke-ScriptRuleCheck -ScriptDefinition $Good)
        $good.Count | Should -Be 0 -Because (Format-Finding $good)
    }

    It 'every rule enforced has a case above, and docs/contributing.md names it' {
        $enforced = @(Get-ScriptRule | ForEach-Object RuleName)
        $enforced.Count | Should -BeGreaterOrEqual 12
        @($RuleCases | ForEach-Object { $_.Rule }) | Sort-Object | Should -Be ($enforced | Sort-Object)
        $doc = Get-Content -LiteralPath (Join-Path $RepoRoot 'docs/contributing.md') -Raw
        foreach ($rule in $enforced) { $doc | Should -Match "\b$rule\b" -Because "docs/contributing.md explains $rule" }
    }

    It 'reports the line and column of what it finds' {
        $f = @(Invoke-ScriptRuleCheck -ScriptDefinition "Get-Date`n`$items = Get-ChildItem | ? Name`n`$items")
        $f.Count | Should -Be 1
        $f[0].RuleName | Should -Be 'PSAvoidUsingCmdletAliases'
        $f[0].Line | Should -Be 2
        $f[0].Column | Should -Be 26
        $f[0].Message | Should -Match "'\?' is an alias of 'Where-Object'"
    }

    It 'counts positional arguments as PowerShell binds them: switches take no value, pipelines feed one' {
        Invoke-ScriptRuleCheck -ScriptDefinition 'Get-ChildItem -Recurse a b' | Should -BeNullOrEmpty
        Invoke-ScriptRuleCheck -ScriptDefinition 'Get-ChildItem -Path a b c' | Should -BeNullOrEmpty -Because 'two positional arguments stay under the limit'
        (Invoke-ScriptRuleCheck -ScriptDefinition 'Get-ChildItem -Recurse a b c').RuleName | Should -Be 'PSAvoidUsingPositionalParameters'
        Invoke-ScriptRuleCheck -ScriptDefinition '$x | Select-Object a b c' | Should -BeNullOrEmpty -Because 'PSScriptAnalyzer counts only a pipeline''s first command'
        (Invoke-ScriptRuleCheck -ScriptDefinition "function Add-Row([string] `$A, [string] `$B, [string] `$C) { `$A + `$B + `$C }`nAdd-Row 1 2 3").RuleName |
            Should -Be 'PSAvoidUsingPositionalParameters' -Because 'functions of the script count as PSScriptAnalyzer counts them'
    }

    It 'reads a variable used only inside a nested block as used, and a Pester file as one scope' {
        Invoke-ScriptRuleCheck -ScriptDefinition '$limit = 3; 1..5 | Where-Object { $_ -gt $limit }' | Should -BeNullOrEmpty
        $pester = "BeforeAll { `$shop = 'fixtures/shop' }`nIt 'reads the shop' { `$shop | Should -Not -BeNullOrEmpty }"
        Invoke-ScriptRuleCheck -ScriptDefinition $pester -FileName 'Shop.Tests.ps1' | Should -BeNullOrEmpty
        (Invoke-ScriptRuleCheck -ScriptDefinition $pester -FileName 'shop.ps1').RuleName | Should -Be 'PSUseDeclaredVarsMoreThanAssignments' -Because 'outside Pester files each script block is its own scope, as PSScriptAnalyzer decides'
    }
}

Describe 'Suppressing a rule' {
    It 'takes PSScriptAnalyzer''s attribute on the param block, for that function only' {
        $script = @'
function Write-Banner {
    [Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSAvoidUsingWriteHost', '', Justification = 'a console banner')]
    param()
    Write-Host 'report'
}
function Get-Report { Write-Host 'report' }
'@
        $f = @(Invoke-ScriptRuleCheck -ScriptDefinition $script)
        $f.Count | Should -Be 1
        $f[0].RuleName | Should -Be 'PSAvoidUsingWriteHost'
        $f[0].Line | Should -Be 6
    }

    It 'narrows to one target when the second argument names it' {
        $script = @'
[Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSAvoidUsingPositionalParameters', 'Write-Log', Justification = 'level, event, fields on every call')]
param()
function Write-Log([string] $Level, [string] $EventName, [hashtable] $Fields) { $Level, $EventName, $Fields }
function Write-Other([string] $A, [string] $B, [string] $C) { $A, $B, $C }
Write-Log info start @{}
Write-Other a b c
'@
        $f = @(Invoke-ScriptRuleCheck -ScriptDefinition $script)
        $f.Count | Should -Be 1 -Because (Format-Finding $f)
        $f[0].Id | Should -Be 'Write-Other'
    }

    It 'accepts the rule name without the PS prefix, as PSScriptAnalyzer does' {
        $script = "[Diagnostics.CodeAnalysis.SuppressMessageAttribute('AvoidUsingWriteHost', '', Justification = 'console output')]`nparam()`nWrite-Host 1"
        Invoke-ScriptRuleCheck -ScriptDefinition $script | Should -BeNullOrEmpty
    }

    It 'refuses a suppression without a reason, of an unknown rule, or that suppresses nothing' -ForEach @(
        @{ Attribute = "SuppressMessageAttribute('PSAvoidUsingWriteHost', '')"; Says = 'gives no Justification' }
        @{ Attribute = "SuppressMessageAttribute('PSAvoidUsingWriteHost', '', Justification = '  ')"; Says = 'gives no Justification' }
        @{ Attribute = "SuppressMessageAttribute('PSAvoidEverything', '', Justification = 'why not')"; Says = 'not a rule this check enforces' }
        @{ Attribute = "SuppressMessageAttribute('PSAvoidGlobalVars', '', Justification = 'old habit')"; Says = 'suppresses nothing' }
        @{ Attribute = "SuppressMessageAttribute('PSAvoidUsingWriteHost', '', Scope = 'Function', Target = 'x', Justification = 'console')"; Says = 'does not read' }
    ) {
        $f = @(Invoke-ScriptRuleCheck -ScriptDefinition "[Diagnostics.CodeAnalysis.$Attribute]`nparam()`nWrite-Host 1")
        $refusal = @($f | Where-Object RuleName -eq 'PSUseSuppressMessageJustification')
        $refusal.Count | Should -Be 1 -Because (Format-Finding $f)
        $refusal[0].Message | Should -BeLike "*$Says*"
    }

    It 'never hides a parse error' {
        $script = "[Diagnostics.CodeAnalysis.SuppressMessageAttribute('ParseError', '', Justification = 'x')]`nparam()`nfunction f {"
        (Invoke-ScriptRuleCheck -ScriptDefinition $script).RuleName | Should -Contain 'ParseError'
    }
}
