#Requires -Version 7.4

<#
.SYNOPSIS
    The NetSecPS compliance job: scan the cluster, compare with the baseline, write dated
    reports, keep a bounded history, and say in its exit code whether the posture is acceptable.

.DESCRIPTION
    The entry point of the NetSecPS container (jobs/Dockerfile) and of the CronJob in
    jobs/kubernetes. It takes no arguments: everything comes from the environment, so the
    same script runs unchanged in a pod, in CI, or on a workstation.

      NETSEC_OUTPUT_DIR     where reports, history and the baseline live (default /reports)
      NETSEC_PROFILE        report profile: a built-in name or a profile file
      NETSEC_EXCEPTIONS     exceptions (suppressions) file
      NETSEC_BASELINE       baseline file to compare with (relative paths are under
                            NETSEC_OUTPUT_DIR)
      NETSEC_BASELINE_AUTO  true: when the baseline does not exist yet, save this run as the
                            baseline (default path NETSEC_OUTPUT_DIR/baseline.json)
      NETSEC_BASELINE_RESET true: save this run as the baseline although a signed baseline is
                            missing after earlier scans (otherwise that is an error, exit 2)
      NETSEC_BASELINE_KEY_FILE  a file holding the key (e.g. a mounted Secret) that signs the
                            saved baseline and must verify it before any comparison
      NETSEC_FORMATS        comma list of xlsx, pdf, json, csv, sarif, junit (default xlsx,pdf,json)
      NETSEC_HISTORY        how many runs of reports to keep (default 30)
      NETSEC_FAIL_ON        none, info, low, medium, high or critical (default none)
      NETSEC_CLUSTER_NAME   the cluster's name in reports and file names
      NETSEC_CONTEXT        kubeconfig context (only with KUBECONFIG)
      NETSEC_ALLOW_INSECURE_HTTP  true: send the kubeconfig's credential to an http:// server
                            (refused otherwise; warned in the log every run)
      NETSEC_METRICS        true (default): write an OpenMetrics file of finding counts
      NETSEC_FLOW_LOGS      a folder of exported flow logs (Hubble JSON, Calico flow logs, CSV)
                            to compare with the policies in the reports' "Observed traffic"
      NETSEC_MODULE_PATH    the NetSecPS module (default: the image's copy)
      KUBECONFIG            use this kubeconfig; without it the pod's service account is used

    Layout of NETSEC_OUTPUT_DIR:
      runs/<run>/netsec-<cluster>-<run>.<ext>   one folder per run; <run> is the start time
                       yyyyMMddTHHmmssZ, with -1, -2, ... for runs that started in the same second
      runs/.<run>.lock  the id reservation of a run in progress (.<run>.partial: its reports)
      history.jsonl    one compact record per scan, appended by Invoke-NetSecScan under
                       history.jsonl.lock, so jobs sharing the folder lose no record
      baseline.json    the approved posture (when NETSEC_BASELINE_AUTO saved it)
      netsec.prom      OpenMetrics text of the last run, replaced atomically

    stdout carries only one-line JSON log records: time, level, event and the event's fields.
    Tokens and credentials are never logged.

    Exit codes: 0 the scan ran and nothing reached NETSEC_FAIL_ON; 1 unsuppressed findings or
    drift at or above NETSEC_FAIL_ON; 2 the job could not do its work (bad configuration,
    module missing, cluster unreachable, reports not written).
#>
[CmdletBinding()]
[Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSAvoidUsingPositionalParameters', 'Write-JobLog', Justification = 'Every log call reads Write-JobLog <level> <event> <fields>, in that order.')]
[Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSAvoidUsingPositionalParameters', 'Exit-ComplianceJob', Justification = 'Every exit reads Exit-ComplianceJob <exit code> <outcome> <fields>, in that order.')]
[Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSAvoidUsingPositionalParameters', 'Add-Problem', Justification = 'Every configuration problem reads Add-Problem <variable> <value> <reason>, in that order.')]
[Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSAvoidUsingPositionalParameters', 'Resolve-ExistingFile', Justification = 'Every call reads Resolve-ExistingFile <variable> <value> <what>, in that order.')]
param()

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
# Progress records would reach stdout as escape sequences in a container log.
$ProgressPreference = 'SilentlyContinue'

$script:JobStarted = [DateTimeOffset]::UtcNow
$script:SeverityRank = [ordered]@{ info = 0; low = 1; medium = 2; high = 3; critical = 4 }
$script:DefaultModulePath = '/opt/netsecps/NetSecPS/NetSecPS.psd1'
$script:RunNamePattern = '^\d{8}T\d{6}Z(-\d+)?$'
# This run's id reservation (New-RunReservation), released when the job ends.
$script:Run = $null

# Scrubs anything that looks like a credential from text that leaves the process: an exception
# message can quote a header or a kubeconfig line, and service-account tokens are JWTs.
function Protect-LogValue {
    param($Value)
    if ($null -eq $Value) { return $null }
    if ($Value -is [string]) {
        $text = $Value -replace 'eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*', '[redacted]'
        return $text -replace '(?i)\b(bearer|token|password|passwd|secret|authorization|client-key-data|client-certificate-data)(["'']?\s*[:=]\s*["'']?|\s+)[^\s"'',;]+', '$1$2[redacted]'
    }
    if ($Value -is [System.Collections.IDictionary]) {
        $copy = [ordered]@{}
        foreach ($key in $Value.Keys) { $copy["$key"] = Protect-LogValue $Value[$key] }
        return $copy
    }
    if ($Value -is [System.Collections.IEnumerable]) {
        return , @($Value | ForEach-Object { Protect-LogValue $_ })
    }
    if ($Value -is [enum]) { return $Value.ToString() }
    return $Value
}

function Write-JobLog {
    param(
        [Parameter(Mandatory)][ValidateSet('debug', 'info', 'warn', 'error')][string] $Level,
        [Parameter(Mandatory)][string] $Name,
        [System.Collections.IDictionary] $Fields = @{}
    )
    $record = [ordered]@{
        time  = [DateTimeOffset]::UtcNow.ToString('yyyy-MM-ddTHH:mm:ss.fffZ', [cultureinfo]::InvariantCulture)
        level = $Level
        event = $Name
    }
    foreach ($key in $Fields.Keys) {
        # The three record keys are reserved so a field can never disguise a record.
        $fieldName = if ("$key" -in 'time', 'level', 'event') { "field_$key" } else { "$key" }
        $record[$fieldName] = Protect-LogValue $Fields[$key]
    }
    [Console]::Out.WriteLine(($record | ConvertTo-Json -Compress -Depth 8))
}

function Get-Setting {
    param([Parameter(Mandatory)][string] $Name, $Default = $null)
    $value = [Environment]::GetEnvironmentVariable($Name)
    if ([string]::IsNullOrWhiteSpace($value)) { return $Default }
    $value.Trim()
}

function ConvertTo-SafeFileName {
    param([string] $Name)
    $safe = ($Name -replace '[^A-Za-z0-9._-]+', '-').Trim('-', '.')
    if ($safe) { $safe } else { 'cluster' }
}

# Resolves a path relative to a base directory (the process's working directory is meaningless in a pod).
function Resolve-JobPath {
    param([Parameter(Mandatory)][string] $Path, [Parameter(Mandatory)][string] $Base)
    if ([IO.Path]::IsPathRooted($Path)) { return [IO.Path]::GetFullPath($Path) }
    [IO.Path]::GetFullPath((Join-Path $Base $Path))
}

# How many scans the history records and when the last one ran; lines that are not records are not counted.
function Get-EarlierScans {
    param([Parameter(Mandatory)][string] $Path)
    $count = 0
    $last = $null
    if (Test-Path -LiteralPath $Path -PathType Leaf) {
        foreach ($line in [IO.File]::ReadLines($Path)) {
            if (-not $line.Trim()) { continue }
            try { $record = ConvertFrom-Json -InputObject $line -AsHashtable -ErrorAction Stop } catch { continue }
            if ($record -isnot [System.Collections.IDictionary] -or -not $record['time']) { continue }
            $count++
            # ConvertFrom-Json may already have turned the time into a DateTime.
            $t = $record['time']
            $time = if ($t -is [datetime]) { [DateTimeOffset]$t.ToUniversalTime() } elseif ($t -is [DateTimeOffset]) { $t } else {
                $parsed = [DateTimeOffset]::MinValue
                if ([DateTimeOffset]::TryParse("$t", [cultureinfo]::InvariantCulture, [Globalization.DateTimeStyles]::AssumeUniversal, [ref]$parsed)) { $parsed } else { $null }
            }
            if ($null -ne $time -and ($null -eq $last -or $time -gt $last)) { $last = $time }
        }
    }
    [pscustomobject]@{ Count = $count; Last = if ($last) { $last.UtcDateTime.ToString('yyyy-MM-ddTHH:mm:ssZ', [cultureinfo]::InvariantCulture) } }
}

# The report formats by the names NETSEC_FORMATS takes (the file extension without its dots
# after the first: junit for .junit.xml), each with its extensions, the first the one its file
# gets. Read from the module's one map (NetSecPS.ReportFormats, NetSecPS.Shared), loaded from the
# module folder when the module is not imported yet; $null when that folder holds no module.
function Get-ReportFormatMap {
    param([string] $ModulePath)
    if (-not ('NetSecPS.ReportFormats' -as [type])) {
        $moduleDirectory = if (Test-Path -LiteralPath $ModulePath -PathType Container) { $ModulePath } else { Split-Path -Parent $ModulePath }
        $shared = [IO.Path]::Combine($moduleDirectory, 'bin', 'NetSecPS.Shared.dll')
        if (-not (Test-Path -LiteralPath $shared -PathType Leaf)) { return $null }
        Add-Type -LiteralPath $shared
    }
    $map = [ordered]@{}
    foreach ($entry in [NetSecPS.ReportFormats]::Extensions) {
        # A value tuple (Format, Extensions): PowerShell sees its fields as Item1 and Item2.
        $map[$entry.Item2[0].TrimStart('.').Split('.')[0]] = @($entry.Item2)
    }
    $map
}

# Reads the environment into one configuration object. Every problem is reported, not only the first.
function Read-JobConfiguration {
    $problems = [System.Collections.Generic.List[object]]::new()
    function Add-Problem([string] $Variable, [string] $Value, [string] $Reason) {
        $problems.Add([ordered]@{ variable = $Variable; value = $Value; reason = $Reason })
    }

    $cwd = (Get-Location).ProviderPath
    $outputDir = Resolve-JobPath (Get-Setting 'NETSEC_OUTPUT_DIR' '/reports') $cwd

    # A file setting as a full path; a problem when the file does not exist.
    function Resolve-ExistingFile([string] $Variable, [string] $Value, [string] $What) {
        $path = Resolve-JobPath $Value $cwd
        if (-not (Test-Path -LiteralPath $path -PathType Leaf)) { Add-Problem $Variable $path "the $What file does not exist" }
        $path
    }

    # A true/false setting; anything else is a problem and the default stands.
    function Get-SwitchSetting([string] $Variable, [bool] $Default) {
        $text = (Get-Setting $Variable $(if ($Default) { 'true' } else { 'false' })).ToLowerInvariant()
        if ($text -in 'true', '1', 'yes', 'on') { return $true }
        if ($text -in 'false', '0', 'no', 'off') { return $false }
        Add-Problem $Variable $text 'expected true or false'
        $Default
    }

    # The module's rule (AuditProfile.IsPath): a folder separator or the .json extension makes a
    # profile file, resolved here against the job's folder; anything else is a profile name.
    $profileSetting = Get-Setting 'NETSEC_PROFILE'
    if ($profileSetting -and $profileSetting -match '[\\/]|\.json$') {
        $profileSetting = Resolve-ExistingFile 'NETSEC_PROFILE' $profileSetting 'profile'
    }

    $exceptions = Get-Setting 'NETSEC_EXCEPTIONS'
    if ($exceptions) {
        $exceptions = Resolve-ExistingFile 'NETSEC_EXCEPTIONS' $exceptions 'exceptions'
    }

    $baselineAuto = Get-SwitchSetting 'NETSEC_BASELINE_AUTO' $false
    $baselineReset = Get-SwitchSetting 'NETSEC_BASELINE_RESET' $false

    $baseline = Get-Setting 'NETSEC_BASELINE'
    if (-not $baseline -and $baselineAuto) { $baseline = 'baseline.json' }
    $baselineExists = $false
    if ($baseline) {
        $baseline = Resolve-JobPath $baseline $outputDir
        $baselineExists = Test-Path -LiteralPath $baseline -PathType Leaf
        if (-not $baselineExists -and -not $baselineAuto) {
            Add-Problem 'NETSEC_BASELINE' $baseline 'the baseline file does not exist; set NETSEC_BASELINE_AUTO=true to save this run as the baseline'
        }
    }
    if ($baselineReset -and -not $baselineAuto) {
        Add-Problem 'NETSEC_BASELINE_RESET' 'true' 'a reset saves this run as the new baseline, which needs NETSEC_BASELINE_AUTO=true'
    }

    $keyFile = Get-Setting 'NETSEC_BASELINE_KEY_FILE'
    if ($keyFile) {
        $keyFile = Resolve-JobPath $keyFile $cwd
        if (-not (Test-Path -LiteralPath $keyFile -PathType Leaf) -or (Get-Item -LiteralPath $keyFile).Length -eq 0) {
            Add-Problem 'NETSEC_BASELINE_KEY_FILE' $keyFile 'the signing key file does not exist or is empty'
        }
        elseif (-not $baseline) {
            Add-Problem 'NETSEC_BASELINE_KEY_FILE' $keyFile 'a signing key needs a baseline: set NETSEC_BASELINE or NETSEC_BASELINE_AUTO=true'
        }
    }

    # A baseline that is missing although earlier scans ran was most likely deleted. Saving this
    # run in its place would approve whatever the cluster looks like now, so with a signed baseline
    # it takes the operator's explicit NETSEC_BASELINE_RESET.
    $earlierScans = $null
    if ($baseline -and $baselineAuto -and -not $baselineExists) {
        $earlierScans = Get-EarlierScans (Join-Path $outputDir 'history.jsonl')
        if ($earlierScans.Count -gt 0 -and $keyFile -and -not $baselineReset) {
            Add-Problem 'NETSEC_BASELINE' $baseline ("the signed baseline does not exist although history.jsonl records $($earlierScans.Count) earlier scan(s), the last at $($earlierScans.Last): " +
                'it may have been deleted. Restore it, or set NETSEC_BASELINE_RESET=true to approve this run as the new baseline')
        }
    }

    # A full path, so Import-Module never mistakes a relative path for a module name to search for.
    $modulePath = Resolve-JobPath (Get-Setting 'NETSEC_MODULE_PATH' $script:DefaultModulePath) $cwd
    # Without the module the formats are only spelled out: the run stops when it imports the module.
    $formatMap = Get-ReportFormatMap $modulePath
    $formatSetting = Get-Setting 'NETSEC_FORMATS' 'xlsx,pdf,json'
    $formats = [System.Collections.Generic.List[string]]::new()
    foreach ($item in $formatSetting -split '[,;\s]+' | Where-Object { $_ }) {
        $spelling = $item.ToLowerInvariant().TrimStart('.')
        $name = if ($null -eq $formatMap) { $spelling.Split('.')[0] }
        else { $formatMap.Keys | Where-Object { $_ -eq $spelling -or $formatMap[$_] -contains ".$spelling" } | Select-Object -First 1 }
        if (-not $name) {
            Add-Problem 'NETSEC_FORMATS' $formatSetting "unknown format '$item'; expected some of $($formatMap.Keys -join ', ')"
        }
        elseif (-not $formats.Contains($name)) { $formats.Add($name) }
    }
    if ($formats.Count -eq 0 -and -not ($problems | Where-Object { $_.variable -eq 'NETSEC_FORMATS' })) {
        Add-Problem 'NETSEC_FORMATS' $formatSetting 'no report format given'
    }

    $historySetting = Get-Setting 'NETSEC_HISTORY' '30'
    $history = 0
    if (-not [int]::TryParse($historySetting, [Globalization.NumberStyles]::None, [cultureinfo]::InvariantCulture, [ref]$history) -or $history -lt 1) {
        Add-Problem 'NETSEC_HISTORY' $historySetting 'expected a whole number of runs to keep, at least 1'
    }

    $failOn = (Get-Setting 'NETSEC_FAIL_ON' 'none').ToLowerInvariant()
    if ($failOn -ne 'none' -and -not $script:SeverityRank.Contains($failOn)) {
        Add-Problem 'NETSEC_FAIL_ON' $failOn "expected none, $($script:SeverityRank.Keys -join ', ')"
    }

    $metrics = Get-SwitchSetting 'NETSEC_METRICS' $true

    $flowLogs = Get-Setting 'NETSEC_FLOW_LOGS'
    if ($flowLogs) {
        $flowLogs = Resolve-JobPath $flowLogs $cwd
        if (-not (Test-Path -LiteralPath $flowLogs -PathType Container)) { Add-Problem 'NETSEC_FLOW_LOGS' $flowLogs 'the flow log folder does not exist' }
    }

    $clusterName = Get-Setting 'NETSEC_CLUSTER_NAME'
    $context = Get-Setting 'NETSEC_CONTEXT'
    $allowInsecureHttp = Get-SwitchSetting 'NETSEC_ALLOW_INSECURE_HTTP' $false

    # In-cluster credentials by default; a kubeconfig when the operator points at one.
    $kubeconfig = Get-Setting 'KUBECONFIG'
    $kubeconfigFiles = @(if ($kubeconfig) { $kubeconfig -split [regex]::Escape([IO.Path]::PathSeparator) | Where-Object { $_ } })
    $credentials = $null
    if ($kubeconfig) {
        $kubeconfig = Resolve-ExistingFile 'KUBECONFIG' $kubeconfigFiles[0] 'kubeconfig'
        $credentials = 'kubeconfig'
    }
    elseif (Get-Setting 'KUBERNETES_SERVICE_HOST') {
        $credentials = 'in-cluster'
        if ($context) { Add-Problem 'NETSEC_CONTEXT' $context 'a context needs KUBECONFIG; in-cluster credentials have none' }
    }
    else {
        Add-Problem 'KUBECONFIG' '' 'no credentials: not running in a pod (KUBERNETES_SERVICE_HOST is unset) and KUBECONFIG is not set'
    }

    [pscustomobject]@{
        OutputDirectory = $outputDir
        Profile         = $profileSetting
        ExceptionsPath  = $exceptions
        Baseline        = $baseline
        BaselineExists  = $baselineExists
        BaselineAuto    = $baselineAuto
        BaselineReset   = $baselineReset
        EarlierScans    = $earlierScans
        BaselineKeyFile = $keyFile
        Formats         = @($formats)
        History         = $history
        FailOn          = $failOn
        Metrics         = $metrics
        FlowLogs        = $flowLogs
        ClusterName     = $clusterName
        Context         = $context
        AllowInsecureHttp = $allowInsecureHttp
        Credentials     = $credentials
        Kubeconfig      = $kubeconfig
        KubeconfigCount = $kubeconfigFiles.Count
        ModulePath      = $modulePath
        # Format name -> its extensions, the first the report file's (null without the module, which then stops the run at import).
        FormatMap       = $formatMap
        Problems        = @($problems)
    }
}

# A fresh copy each time: the cmdlets wipe the key array once they have used it.
function Read-SigningKey {
    param([Parameter(Mandatory)][string] $Path)
    , [IO.File]::ReadAllBytes($Path)
}

function Get-SeverityName {
    param($Severity)
    "$Severity".ToLowerInvariant()
}

# Unsuppressed findings by severity (most severe first) and suppressed findings, counted by the
# module's own count (the one behind the audit summary, the history and the reports), so the log
# and the metrics agree with them.
function Get-FindingCounts {
    param($Findings)
    $all = [NetSecPS.FindingCounts]::Of([NetSecPS.Finding[]]@($Findings | Where-Object { $_ }))
    $open = [ordered]@{}
    foreach ($severity in [NetSecPS.Severity]::Critical, [NetSecPS.Severity]::High, [NetSecPS.Severity]::Medium, [NetSecPS.Severity]::Low, [NetSecPS.Severity]::Info) {
        $open[(Get-SeverityName $severity)] = $all.OpenOf($severity)
    }
    [pscustomobject]@{ Open = $open; Suppressed = $all.Suppressed }
}

# A resolved finding shows up as drift too; it is good news and must never fail the job.
function Test-DriftCounts {
    param($Record)
    -not ("$($Record.Category)" -eq 'Finding' -and "$($Record.Change)" -eq 'Removed')
}

function Format-MetricLabel {
    param([string] $Value)
    $Value.Replace('\', '\\').Replace('"', '\"').Replace("`n", '\n')
}

# The OpenMetrics text of one run, for a textfile collector or a push gateway.
function Write-Metrics {
    param([Parameter(Mandatory)][string] $Path, $Result, [bool] $Success)
    $lines = [System.Collections.Generic.List[string]]::new()
    $inv = [cultureinfo]::InvariantCulture
    $lines.Add('# TYPE netsec_scan_success gauge')
    $lines.Add('# HELP netsec_scan_success 1 when the last run scanned the cluster and wrote its reports, 0 when it failed.')
    $lines.Add("netsec_scan_success $(if ($Success) { 1 } else { 0 })")
    $lines.Add('# TYPE netsec_scan_timestamp_seconds gauge')
    $lines.Add('# UNIT netsec_scan_timestamp_seconds seconds')
    $lines.Add('# HELP netsec_scan_timestamp_seconds When the last run started, in seconds since the Unix epoch.')
    $lines.Add("netsec_scan_timestamp_seconds $($script:JobStarted.ToUnixTimeSeconds())")
    if ($Success -and $Result) {
        $lines.Add('# TYPE netsec_score gauge')
        $lines.Add('# HELP netsec_score Posture score from 0 to 100 of the last scan.')
        $lines.Add("netsec_score $(([double]$Result.Score.Score).ToString('0.###', $inv))")
        $lines.Add('# TYPE netsec_findings_by_severity gauge')
        $lines.Add('# HELP netsec_findings_by_severity Unsuppressed findings of the last scan by severity.')
        $counts = Get-FindingCounts $Result.Findings
        foreach ($severity in $counts.Open.Keys) {
            $lines.Add("netsec_findings_by_severity{severity=`"$severity`"} $($counts.Open[$severity])")
        }
        $lines.Add('# TYPE netsec_findings gauge')
        $lines.Add('# HELP netsec_findings Unsuppressed findings of the last scan by check and severity.')
        $groups = @($Result.Findings | Where-Object { $_ -and -not $_.Suppressed } |
                Group-Object { "$($_.CheckId)|$(Get-SeverityName $_.Severity)" } | Sort-Object Name)
        foreach ($g in $groups) {
            $check, $severity = $g.Name -split '\|', 2
            $lines.Add("netsec_findings{check=`"$(Format-MetricLabel $check)`",severity=`"$severity`"} $($g.Count)")
        }
        $lines.Add('# TYPE netsec_findings_suppressed gauge')
        $lines.Add('# HELP netsec_findings_suppressed Findings of the last scan suppressed by an exception.')
        $lines.Add("netsec_findings_suppressed $($counts.Suppressed)")
        if ($null -ne $Result.Drift) {
            $lines.Add('# TYPE netsec_drift_records gauge')
            $lines.Add('# HELP netsec_drift_records Differences from the baseline found by the last scan, by severity.')
            foreach ($severity in $script:SeverityRank.Keys) {
                $n = @($Result.Drift | Where-Object { $_ -and (Get-SeverityName $_.Severity) -eq $severity }).Count
                $lines.Add("netsec_drift_records{severity=`"$severity`"} $n")
            }
        }
    }
    $lines.Add('# EOF')
    # A random temp name: jobs in two pods that share the volume can both be PID 1.
    $temp = New-TempPath $Path
    try {
        [IO.File]::WriteAllText($temp, ($lines -join "`n") + "`n", [Text.UTF8Encoding]::new($false))
        [IO.File]::Move($temp, $Path, $true)
    }
    catch {
        # The error names the metrics file, never the temporary file it is written through.
        $reason = $_.Exception.GetBaseException().Message.Replace($temp, $Path)
        throw [IO.IOException]::new("Cannot write the metrics file $($Path): $reason", $_.Exception)
    }
    finally { if (Test-Path -LiteralPath $temp) { Remove-Item -LiteralPath $temp -Force -ErrorAction SilentlyContinue } }
}

# A hidden, unique sibling of a file to write it through (the naming the module's own atomic writes use).
function New-TempPath {
    param([Parameter(Mandatory)][string] $Path)
    Join-Path ([IO.Path]::GetDirectoryName($Path)) (".$([IO.Path]::GetFileName($Path)).$([guid]::NewGuid().ToString('N').Substring(0, 8)).tmp")
}

# Opens a file as an exclusive lock, or returns $null when another process holds it.
function Open-LockFile {
    param([Parameter(Mandatory)][string] $Path, [Parameter(Mandatory)][IO.FileMode] $Mode)
    try {
        # FileShare.None is an exclusive flock(2) on Linux: released by the kernel when its holder
        # dies. No DeleteOnClose: .NET would unlink the path when taking the lock fails, that is,
        # delete the file another run holds.
        [IO.FileStream]::new($Path, $Mode, [IO.FileAccess]::ReadWrite, [IO.FileShare]::None, 1)
    }
    catch [System.IO.FileNotFoundException] { $null }
    catch [System.IO.IOException] {
        if (-not (Test-Path -LiteralPath $Path)) { throw }
        $null
    }
}

# Reserves this run's id: the start time to the second, then -1, -2, ... when another run that
# started in the same second holds it. The reservation is a lock file (runs/.<id>.lock) held until
# the job ends, so runs started at once get different ids and never share a staging folder, and
# pruning can tell a live run's staging folder from a dead one's.
function New-RunReservation {
    param([Parameter(Mandatory)][string] $RunsDirectory)
    $stamp = $script:JobStarted.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", [cultureinfo]::InvariantCulture)
    for ($n = 0; $n -lt 1000; $n++) {
        $name = if ($n -eq 0) { $stamp } else { "$stamp-$n" }
        if (Test-Path -LiteralPath (Join-Path $RunsDirectory $name)) { continue }
        $lock = Open-LockFile (Join-Path $RunsDirectory ".$name.lock") ([IO.FileMode]::CreateNew)
        if (-not $lock) { continue }
        # A run of the same second may have published and released its id between the two checks.
        if (Test-Path -LiteralPath (Join-Path $RunsDirectory $name)) { $lock.Dispose(); continue }
        return [pscustomobject]@{
            Name      = $name
            Lock      = $lock
            LockPath  = Join-Path $RunsDirectory ".$name.lock"
            Directory = Join-Path $RunsDirectory $name
            Staging   = Join-Path $RunsDirectory ".$name.partial"
        }
    }
    throw "no free run id for $stamp in $RunsDirectory"
}

# Removes a lock file and releases it. Removed while still held, so nobody can take a lock on a
# file that is about to go.
function Close-LockFile {
    param([Parameter(Mandatory)][IO.FileStream] $Lock, [Parameter(Mandatory)][string] $Path)
    try { [IO.File]::Delete($Path) } catch { $null = $_ }
    $Lock.Dispose()
    # Windows refuses to delete a file that is open; there it goes once closed.
    if (Test-Path -LiteralPath $Path) { try { [IO.File]::Delete($Path) } catch { $null = $_ } }
}

# Keeps the newest $Keep run folders (run folder names sort in time order) and removes what runs
# that died left behind. Another job may be pruning at the same time: a folder it removed first is
# not an error.
function Remove-OldRuns {
    param([Parameter(Mandatory)][string] $RunsDirectory, [Parameter(Mandatory)][int] $Keep)
    $runs = @(Get-ChildItem -LiteralPath $RunsDirectory -Directory | Where-Object { $_.Name -match $script:RunNamePattern } |
            Sort-Object { $_.Name.Substring(0, 16) }, { if ($_.Name.Length -gt 16) { [int]$_.Name.Substring(17) } else { 0 } } -Descending)
    $removed = [System.Collections.Generic.List[string]]::new()
    foreach ($old in $runs | Select-Object -Skip $Keep) {
        if (Remove-Folder $old.FullName) { $removed.Add($old.Name) }
    }
    # A reservation whose lock nobody holds belongs to a run that was killed: its staging folder
    # goes with it. A live run's staging folder is never touched.
    foreach ($lockFile in Get-ChildItem -LiteralPath $RunsDirectory -File -Force -Filter '.*.lock') {
        $held = Open-LockFile $lockFile.FullName ([IO.FileMode]::Open)
        if (-not $held) { continue }
        try {
            $staging = Join-Path $RunsDirectory ($lockFile.Name -replace '\.lock$', '.partial')
            if ((Test-Path -LiteralPath $staging) -and (Remove-Folder $staging)) { $removed.Add((Split-Path $staging -Leaf)) }
        }
        finally { Close-LockFile $held $lockFile.FullName }
    }
    # Staging folders without a reservation were left by jobs before reservations existed.
    $dayAgo = [DateTime]::UtcNow.AddDays(-1)
    foreach ($stale in Get-ChildItem -LiteralPath $RunsDirectory -Directory -Force | Where-Object { $_.Name -like '.*.partial' -and $_.LastWriteTimeUtc -lt $dayAgo }) {
        if (-not (Test-Path -LiteralPath (Join-Path $RunsDirectory ($stale.Name -replace '\.partial$', '.lock'))) -and (Remove-Folder $stale.FullName)) {
            $removed.Add($stale.Name)
        }
    }
    [pscustomobject]@{ Kept = [Math]::Min($runs.Count, $Keep); Removed = @($removed) }
}

function Remove-Folder {
    param([Parameter(Mandatory)][string] $Path)
    try { Remove-Item -LiteralPath $Path -Recurse -Force -ErrorAction Stop; $true }
    catch [System.Management.Automation.ItemNotFoundException] { $false }
}

function Get-ErrorFields {
    param([Parameter(Mandatory)] $ErrorRecord)
    $ex = $ErrorRecord.Exception
    [ordered]@{
        error    = $ex.Message
        errorId  = $ErrorRecord.FullyQualifiedErrorId
        category = "$($ErrorRecord.CategoryInfo.Category)"
        type     = $ex.GetType().FullName
    }
}

function Exit-ComplianceJob {
    param([Parameter(Mandatory)][int] $ExitCode, [Parameter(Mandatory)][string] $Outcome, [System.Collections.IDictionary] $Fields = @{})
    $end = [ordered]@{ exitCode = $ExitCode; outcome = $Outcome; durationSeconds = [Math]::Round(([DateTimeOffset]::UtcNow - $script:JobStarted).TotalSeconds, 1) }
    foreach ($key in $Fields.Keys) { $end[$key] = $Fields[$key] }
    Write-JobLog -Level $(if ($ExitCode -eq 2) { 'error' } elseif ($ExitCode -eq 1) { 'warn' } else { 'info' }) -Name 'job.end' -Fields $end
    # Releases (and removes) the run id reservation; the kernel would release the lock anyway.
    if ($script:Run) { Close-LockFile $script:Run.Lock $script:Run.LockPath }
    exit $ExitCode
}

# Ends the run after a failure that leaves no reports: the metrics say the run failed, exit 2.
function Exit-FailedJob {
    param([Parameter(Mandatory)] $Config, [Parameter(Mandatory)][string] $Outcome)
    if ($Config.Metrics) {
        try { Write-Metrics -Path (Join-Path $Config.OutputDirectory 'netsec.prom') -Result $null -Success $false } catch { Write-JobLog warn 'metrics.failed' (Get-ErrorFields $_) }
    }
    Exit-ComplianceJob 2 $Outcome
}

# Logs the configuration; an invalid one ends the run here (exit 2).
function Write-JobStart {
    param([Parameter(Mandatory)] $Config)
    Write-JobLog info 'job.start' ([ordered]@{
            outputDirectory = $Config.OutputDirectory
            formats         = $Config.Formats
            profile         = $Config.Profile
            exceptions      = $Config.ExceptionsPath
            baseline        = $Config.Baseline
            baselineAuto    = $Config.BaselineAuto
            baselineSigned  = [bool]$Config.BaselineKeyFile
            history         = $Config.History
            failOn          = $Config.FailOn
            cluster         = $Config.ClusterName
            credentials     = $Config.Credentials
            kubeconfig      = $Config.Kubeconfig
            context         = $Config.Context
            modulePath      = $Config.ModulePath
            powershell      = "$($PSVersionTable.PSVersion)"
        })
    if ($Config.Problems.Count -gt 0) {
        foreach ($p in $Config.Problems) { Write-JobLog error 'config.invalid' $p }
        Exit-ComplianceJob 2 'configuration-invalid' ([ordered]@{ problems = $Config.Problems.Count })
    }
    if ($Config.KubeconfigCount -gt 1) {
        Write-JobLog warn 'config.kubeconfig' ([ordered]@{ kubeconfig = $Config.Kubeconfig; reason = 'KUBECONFIG lists several files; only the first is read' })
    }
}

# The baseline missing although earlier scans ran (log fields), or $null.
function Get-MissingBaseline {
    param([Parameter(Mandatory)] $Config)
    if ($Config.EarlierScans -and $Config.EarlierScans.Count -gt 0) {
        [ordered]@{ baseline = $Config.Baseline; earlierScans = $Config.EarlierScans.Count; lastScan = $Config.EarlierScans.Last }
    }
}

function Write-BaselineNotice {
    param([Parameter(Mandatory)] $Config, [System.Collections.IDictionary] $MissingAfter)
    if ($MissingAfter -and $Config.BaselineReset) {
        Write-JobLog warn 'baseline.reset' ($MissingAfter + [ordered]@{ reason = 'NETSEC_BASELINE_RESET: this run is saved as the new baseline; remove the setting once it is approved' })
    }
    elseif ($MissingAfter) {
        Write-JobLog warn 'baseline.missing' ($MissingAfter + [ordered]@{ reason = 'the baseline is not signed, so this run is saved as the new baseline; set NETSEC_BASELINE_KEY_FILE to make a missing baseline an error' })
    }
    elseif ($Config.BaselineReset) {
        Write-JobLog warn 'baseline.reset' ([ordered]@{ baseline = $Config.Baseline; reason = 'NETSEC_BASELINE_RESET is set but there is nothing to reset; remove it so that a deleted baseline is caught again' })
    }
}

# The report folder must be writable before a possibly long scan starts; reserves this run's id.
# Returns the runs folder.
function Initialize-RunFolder {
    param([Parameter(Mandatory)] $Config)
    try {
        $runsDirectory = Join-Path $Config.OutputDirectory 'runs'
        $null = New-Item -ItemType Directory -Path $runsDirectory -Force
        $probe = New-TempPath (Join-Path $Config.OutputDirectory 'write-probe')
        [IO.File]::WriteAllText($probe, '')
        Remove-Item -LiteralPath $probe -Force
        $script:Run = New-RunReservation $runsDirectory
        $runsDirectory
    }
    catch {
        Write-JobLog error 'output.unwritable' ([ordered]@{ outputDirectory = $Config.OutputDirectory } + (Get-ErrorFields $_))
        Exit-ComplianceJob 2 'output-unwritable'
    }
}

# Imports NetSecPS and checks it has the cmdlets this run needs.
function Import-NetSecModule {
    param([Parameter(Mandatory)] $Config, [bool] $NeedsBaselineSave)
    $modulePath = $Config.ModulePath
    if (Test-Path -LiteralPath $modulePath -PathType Container) { $modulePath = Join-Path $modulePath 'NetSecPS.psd1' }
    try {
        $module = Import-Module -Name $modulePath -PassThru -Force -ErrorAction Stop -WarningAction SilentlyContinue | Select-Object -First 1
    }
    catch {
        Write-JobLog error 'module.import_failed' ([ordered]@{ modulePath = $modulePath } + (Get-ErrorFields $_))
        Exit-FailedJob $Config 'module-missing'
    }
    Write-JobLog info 'module.loaded' ([ordered]@{ modulePath = $module.ModuleBase; version = "$($module.Version)" })

    $required = @('Invoke-NetSecScan', 'Export-NetSecReport') + @(if ($NeedsBaselineSave) { 'Export-NetSecBaseline' })
    $missing = @($required | Where-Object { -not $module.ExportedCommands.ContainsKey($_) })
    if ($missing.Count -gt 0) {
        Write-JobLog error 'cmdlet.missing' ([ordered]@{ missing = $missing; modulePath = $module.ModuleBase; reason = 'this build of NetSecPS does not provide the cmdlets the job needs' })
        Exit-FailedJob $Config 'cmdlet-missing'
    }
    $module
}

# The parameters of Invoke-NetSecScan for this configuration; a cmdlet without one of them ends the run.
function Get-ScanParameter {
    param([Parameter(Mandatory)] $Config, [Parameter(Mandatory)] $ScanCommand, [Parameter(Mandatory)][string] $HistoryPath)
    $scanParameters = @{ HistoryPath = $HistoryPath }
    if ($Config.Credentials -eq 'in-cluster') { $scanParameters.InCluster = $true }
    else {
        $scanParameters.Kubeconfig = $Config.Kubeconfig
        if ($Config.Context) { $scanParameters.Context = $Config.Context }
        if ($Config.AllowInsecureHttp) { $scanParameters.AllowInsecureHttp = $true }
    }
    if ($Config.Profile) { $scanParameters.Profile = $Config.Profile }
    if ($Config.ExceptionsPath) { $scanParameters.ExceptionsPath = $Config.ExceptionsPath }
    if ($Config.FlowLogs) { $scanParameters.FlowLog = $Config.FlowLogs }
    if ($Config.BaselineExists) {
        $scanParameters.Baseline = $Config.Baseline
        if ($Config.BaselineKeyFile) { $scanParameters.SigningKey = Read-SigningKey $Config.BaselineKeyFile }
    }
    $unsupported = @($scanParameters.Keys | Where-Object { -not $ScanCommand.Parameters.ContainsKey($_) })
    if ($unsupported.Count -gt 0) {
        Write-JobLog error 'cmdlet.incompatible' ([ordered]@{ cmdlet = 'Invoke-NetSecScan'; missingParameters = $unsupported })
        Exit-FailedJob $Config 'cmdlet-incompatible'
    }
    # The cluster's own name is unknown in-cluster; the operator's name goes into the reports when the cmdlet takes it.
    if ($Config.ClusterName -and $ScanCommand.Parameters.ContainsKey('ClusterName')) { $scanParameters.ClusterName = $Config.ClusterName }
    $scanParameters
}

# Runs the scan, logging its warnings and errors; returns the scan result or ends the run.
function Invoke-ClusterScan {
    param([Parameter(Mandatory)] $Config, [Parameter(Mandatory)] $ScanCommand, [Parameter(Mandatory)][hashtable] $ScanParameters)
    Write-JobLog info 'scan.start' ([ordered]@{ run = $script:Run.Name; credentials = $Config.Credentials; baseline = if ($Config.BaselineExists) { $Config.Baseline } else { $null }; history = $ScanParameters.HistoryPath })
    $scanErrors = $null
    $scanWarnings = $null
    try {
        $results = @(& $ScanCommand @ScanParameters -ErrorAction SilentlyContinue -ErrorVariable scanErrors -WarningAction SilentlyContinue -WarningVariable scanWarnings)
    }
    catch {
        foreach ($w in @($scanWarnings)) { Write-JobLog warn 'scan.warning' ([ordered]@{ message = "$w" }) }
        Write-JobLog error 'scan.failed' (Get-ErrorFields $_)
        Exit-FailedJob $Config 'scan-failed'
    }
    foreach ($w in @($scanWarnings)) { Write-JobLog warn 'scan.warning' ([ordered]@{ message = "$w" }) }
    foreach ($e in @($scanErrors)) { Write-JobLog warn 'scan.error' (Get-ErrorFields $e) }
    $result = $results | Where-Object { $null -ne $_ -and $_.PSObject.Properties['Findings'] } | Select-Object -First 1
    if (-not $result) {
        Write-JobLog error 'scan.failed' ([ordered]@{ error = 'Invoke-NetSecScan returned no scan result'; errors = @($scanErrors).Count })
        Exit-FailedJob $Config 'scan-failed'
    }
    $result
}

# Logs what the scan found: coverage gaps, the totals, observed traffic, drift and the history record.
function Write-ScanOutcome {
    param([Parameter(Mandatory)] $Config, [Parameter(Mandatory)] $Result, $Counts, [Parameter(Mandatory)][string] $ClusterLabel, [Parameter(Mandatory)][string] $HistoryPath)
    $denied = @($Result.Coverage | Where-Object { $_ -and "$($_.Status)" -notin 'Read', 'Absent', 'NotInInput' })
    foreach ($c in $denied) {
        Write-JobLog warn 'coverage.incomplete' ([ordered]@{ kind = $c.Kind; apiVersion = $c.ApiVersion; status = "$($c.Status)"; message = $c.Message })
    }
    Write-JobLog info 'scan.done' ([ordered]@{
            cluster         = $ClusterLabel
            serverVersion   = $Result.Provenance.ServerVersion
            score           = $Result.Score.Score
            findings        = $Counts.Open
            suppressed      = $Counts.Suppressed
            flows           = @($Result.Flows).Count
            drift           = if ($null -ne $Result.Drift) { @($Result.Drift).Count } else { $null }
            kindsIncomplete = $denied.Count
        })
    if ($Result.PSObject.Properties['ObservedTraffic'] -and $null -ne $Result.ObservedTraffic) {
        $traffic = $Result.ObservedTraffic
        Write-JobLog info 'traffic.compared' ([ordered]@{
                flowLogs = $Config.FlowLogs; files = @($traffic.Files).Count; flows = $traffic.Flows; badLines = $traffic.BadLines
                observedAllowed = @($traffic.ObservedAllowed).Count; observedDenied = @($traffic.ObservedDenied).Count; disagreements = $traffic.Disagreements
                unusedAllowed = @($traffic.UnusedAllowed).Count; unresolved = @($traffic.Unresolved).Count
            })
    }
    if ($null -ne $Result.Drift) {
        Write-JobLog info 'baseline.compared' ([ordered]@{ baseline = $Config.Baseline; driftRecords = @($Result.Drift).Count })
    }
    # The history the scan returns holds its own record only when the scan appended it (under the
    # history's lock, so other jobs writing the same file at the same time lose nothing).
    $history = @($Result.History | Where-Object { $_ })
    if (@($history | Where-Object { $_.Time -eq $Result.ScannedAt }).Count -gt 0) {
        Write-JobLog info 'history.appended' ([ordered]@{ path = $HistoryPath; records = $history.Count })
    }
    else {
        Write-JobLog warn 'history.unchanged' ([ordered]@{ path = $HistoryPath; reason = 'Invoke-NetSecScan appended no record' })
    }
}

# Reports go to this run's own hidden staging folder, which becomes the run folder only when
# every format was written, so a run folder never holds half a run.
function Publish-RunReport {
    param([Parameter(Mandatory)] $Config, [Parameter(Mandatory)] $Result, [Parameter(Mandatory)] $ReportCommand, [Parameter(Mandatory)][string] $ClusterLabel)
    $runDirectory = $script:Run.Directory
    $staging = $script:Run.Staging
    $baseName = "netsec-$(ConvertTo-SafeFileName $ClusterLabel)-$($script:Run.Name)"
    $files = @($Config.Formats | ForEach-Object { Join-Path $staging ($baseName + $Config.FormatMap[$_][0]) })
    try {
        $null = New-Item -ItemType Directory -Path $staging
        # The title and branding come from the profile the scan ran with, which the result carries.
        $null = $Result | & $ReportCommand -Path $files -Force -ErrorAction Stop -WarningAction SilentlyContinue -WarningVariable reportWarnings
        foreach ($w in @($reportWarnings)) { Write-JobLog warn 'report.warning' ([ordered]@{ message = "$w" }) }
        $absent = @($files | Where-Object { -not (Test-Path -LiteralPath $_ -PathType Leaf) -or (Get-Item -LiteralPath $_).Length -eq 0 })
        if ($absent.Count -gt 0) { throw "Export-NetSecReport did not write $($absent -join ', ')" }
        # Fails rather than merging if the folder exists; the reservation makes that a bug, not a race.
        [IO.Directory]::Move($staging, $runDirectory)
    }
    catch {
        Write-JobLog error 'report.failed' (Get-ErrorFields $_)
        Remove-Item -LiteralPath $staging -Recurse -Force -ErrorAction SilentlyContinue
        Exit-FailedJob $Config 'report-failed'
    }
    foreach ($format in $Config.Formats) {
        $file = Join-Path $runDirectory ($baseName + $Config.FormatMap[$format][0])
        Write-JobLog info 'report.written' ([ordered]@{ format = $format; path = $file; bytes = (Get-Item -LiteralPath $file).Length })
    }
}

# Written beside the baseline under a temporary name, then linked into place only if no
# baseline exists: a job that started at the same time without a baseline may have saved
# one first, and an approved baseline is never replaced.
function Save-RunAsBaseline {
    param([Parameter(Mandatory)] $Config, [Parameter(Mandatory)] $Module, [Parameter(Mandatory)] $Result, [System.Collections.IDictionary] $MissingAfter)
    $pending = New-TempPath $Config.Baseline
    try {
        # The scan result carries the profile and the findings' suppression state; the exceptions
        # file is recorded beside them so a later comparison knows which exceptions were in force.
        $baselineCommand = $Module.ExportedCommands['Export-NetSecBaseline']
        $baselineParameters = @{ Path = $pending }
        if ($Config.BaselineKeyFile) { $baselineParameters.SigningKey = Read-SigningKey $Config.BaselineKeyFile }
        if ($Config.ExceptionsPath -and $baselineCommand.Parameters.ContainsKey('ExceptionsPath')) { $baselineParameters.ExceptionsPath = $Config.ExceptionsPath }
        $null = $Result | & $baselineCommand @baselineParameters -ErrorAction Stop -WarningAction SilentlyContinue -WarningVariable baselineWarnings
        foreach ($w in @($baselineWarnings)) { Write-JobLog warn 'baseline.warning' ([ordered]@{ message = "$w" }) }
        if (-not (Test-Path -LiteralPath $pending -PathType Leaf)) { throw "Export-NetSecBaseline did not write $($Config.Baseline)" }
        $saved = $true
        try { [IO.File]::Move($pending, $Config.Baseline, $false) }
        catch [System.IO.IOException] {
            if (-not (Test-Path -LiteralPath $Config.Baseline -PathType Leaf)) { throw }
            $saved = $false
        }
        if ($saved) {
            $reason = if ($MissingAfter -and $Config.BaselineReset) { 'NETSEC_BASELINE_RESET: the missing baseline replaced by this run' }
            elseif ($MissingAfter) { 'NETSEC_BASELINE_AUTO: the missing (unsigned) baseline replaced by this run' }
            else { 'NETSEC_BASELINE_AUTO: first run' }
            Write-JobLog info 'baseline.saved' ([ordered]@{ path = $Config.Baseline; signed = [bool]$Config.BaselineKeyFile; reason = $reason })
        }
        else {
            Write-JobLog warn 'baseline.kept' ([ordered]@{ path = $Config.Baseline; reason = 'another run saved the baseline while this one ran; that baseline stands and this run was not saved over it' })
        }
    }
    catch {
        Write-JobLog error 'baseline.failed' ([ordered]@{ path = $Config.Baseline } + (Get-ErrorFields $_))
        Exit-FailedJob $Config 'baseline-failed'
    }
    finally {
        if (Test-Path -LiteralPath $pending) { Remove-Item -LiteralPath $pending -Force -ErrorAction SilentlyContinue }
    }
}

# Old runs beyond NETSEC_HISTORY go, and the metrics file is replaced: neither failing makes this
# run's reports wrong, so both only warn.
function Complete-RunHousekeeping {
    param([Parameter(Mandatory)] $Config, [Parameter(Mandatory)] $Result, [Parameter(Mandatory)][string] $RunsDirectory)
    try {
        $pruned = Remove-OldRuns -RunsDirectory $RunsDirectory -Keep $Config.History
        Write-JobLog info 'runs.pruned' ([ordered]@{ kept = $pruned.Kept; removed = $pruned.Removed; keep = $Config.History })
    }
    catch {
        Write-JobLog warn 'runs.prune_failed' (Get-ErrorFields $_)
    }

    if ($Config.Metrics) {
        $metricsPath = Join-Path $Config.OutputDirectory 'netsec.prom'
        try {
            Write-Metrics -Path $metricsPath -Result $Result -Success $true
            Write-JobLog info 'metrics.written' ([ordered]@{ path = $metricsPath })
        }
        catch { Write-JobLog warn 'metrics.failed' (Get-ErrorFields $_) }
    }
}

# Exit 1 when unsuppressed findings or drift reach NETSEC_FAIL_ON, else 0.
function Exit-WithVerdict {
    param([Parameter(Mandatory)] $Config, [Parameter(Mandatory)] $Result, $Counts)
    $summary = [ordered]@{ run = $script:Run.Name; findings = $Counts.Open; failOn = $Config.FailOn }
    if ($Config.FailOn -eq 'none') { Exit-ComplianceJob 0 'ok' $summary }
    $threshold = $script:SeverityRank[$Config.FailOn]
    $atOrAbove = { param($s) $rank = $script:SeverityRank[(Get-SeverityName $s)]; $null -ne $rank -and $rank -ge $threshold }
    $failingFindings = @($Result.Findings | Where-Object { $_ -and -not $_.Suppressed -and (& $atOrAbove $_.Severity) })
    $failingDrift = @($Result.Drift | Where-Object { $_ -and (Test-DriftCounts $_) -and (& $atOrAbove $_.Severity) })
    $summary.failingFindings = $failingFindings.Count
    $summary.failingDrift = $failingDrift.Count
    if ($failingFindings.Count -gt 0 -or $failingDrift.Count -gt 0) {
        $summary.failingChecks = @($failingFindings | ForEach-Object { $_.CheckId } | Sort-Object -Unique)
        Exit-ComplianceJob 1 'threshold-reached' $summary
    }
    Exit-ComplianceJob 0 'ok' $summary
}

function Invoke-ComplianceJob {
    $config = Read-JobConfiguration
    Write-JobStart $config
    $missingAfter = Get-MissingBaseline $config
    Write-BaselineNotice $config $missingAfter
    $runsDirectory = Initialize-RunFolder $config

    $needsBaselineSave = $config.BaselineAuto -and -not $config.BaselineExists
    $module = Import-NetSecModule -Config $config -NeedsBaselineSave $needsBaselineSave
    $scanCommand = $module.ExportedCommands['Invoke-NetSecScan']
    $historyPath = Join-Path $config.OutputDirectory 'history.jsonl'
    $scanParameters = Get-ScanParameter -Config $config -ScanCommand $scanCommand -HistoryPath $historyPath
    $result = Invoke-ClusterScan -Config $config -ScanCommand $scanCommand -ScanParameters $scanParameters

    $counts = Get-FindingCounts $result.Findings
    $clusterLabel = if ($config.ClusterName) { $config.ClusterName } elseif ($result.Provenance.Cluster) { $result.Provenance.Cluster } elseif ($result.Provenance.Context) { $result.Provenance.Context } else { 'cluster' }
    Write-ScanOutcome -Config $config -Result $result -Counts $counts -ClusterLabel $clusterLabel -HistoryPath $historyPath
    Publish-RunReport -Config $config -Result $result -ReportCommand $module.ExportedCommands['Export-NetSecReport'] -ClusterLabel $clusterLabel
    if ($needsBaselineSave) {
        Save-RunAsBaseline -Config $config -Module $module -Result $result -MissingAfter $missingAfter
    }
    Complete-RunHousekeeping -Config $config -Result $result -RunsDirectory $runsDirectory
    Exit-WithVerdict -Config $config -Result $result -Counts $counts
}

# Dot-sourced (by tests), the script only defines its functions.
if ($MyInvocation.InvocationName -ne '.') {
    try {
        Invoke-ComplianceJob
    }
    catch {
        # Anything not foreseen above: still one log record and the scan-failed exit code.
        Write-JobLog error 'job.crashed' (Get-ErrorFields $_)
        Exit-ComplianceJob 2 'crashed'
    }
}
