#!/bin/sh
# The entry point of the NetSecPS job image: makes PowerShell independent of HOME, then runs
# Invoke-NetSecComplianceJob.ps1 (configured by NETSEC_* variables; see that script).
#
# PowerShell creates its cache, configuration and data folders under HOME (XDG_*_HOME) while it
# starts, before any script runs. When it cannot - a runtime that sets HOME=/ for an arbitrary
# uid, an operator who overrides HOME, a read-only root filesystem - pwsh aborts with exit 134 and
# a .NET stack trace, and the job never logs a word. So before pwsh starts, every folder it writes
# to is checked and, where unusable, moved under TMPDIR (an emptyDir in the pod), and its
# telemetry and update check are switched off unless the operator set them.
#
# Exit codes are the job's: 0, 1, 2. This script itself only fails (exit 2, one JSON log record,
# the shape the job writes) when not even TMPDIR is writable.
set -eu

script_dir=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
job_script="${script_dir}/Invoke-NetSecComplianceJob.ps1"
pwsh="${NETSEC_PWSH:-/opt/pwsh/pwsh}"

json_text() {
    printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' | tr -d '\000-\037'
}

# One log record as the job writes them: level, event, then "name" "value" pairs (strings).
log() {
    record="{\"time\":\"$(date -u +%Y-%m-%dT%H:%M:%S.000Z)\",\"level\":\"$1\",\"event\":\"$2\""
    shift 2
    while [ $# -ge 2 ]; do
        record="$record,\"$1\":\"$(json_text "$2")\""
        shift 2
    done
    printf '%s}\n' "$record"
}

# A folder this process can create files in (created when missing).
usable() {
    [ -n "$1" ] || return 1
    mkdir -p -- "$1" 2>/dev/null || return 1
    probe=$(mktemp "$1/.netsecps-probe.XXXXXX" 2>/dev/null) || return 1
    rm -f -- "$probe"
}

tmp="${TMPDIR:-/tmp}"
if ! usable "$tmp"; then
    log error runtime.tmp_unwritable tmp "$tmp" reason 'TMPDIR is not writable; mount a writable volume (an emptyDir) at /tmp'
    printf '{"time":"%s","level":"error","event":"job.end","exitCode":2,"outcome":"tmp-unwritable"}\n' "$(date -u +%Y-%m-%dT%H:%M:%S.000Z)"
    exit 2
fi

if ! usable "${HOME:-}"; then
    log warn runtime.home home "${HOME:-}" reason "HOME is not writable; PowerShell keeps its files under $tmp/netsecps-home for this run"
    HOME="$tmp/netsecps-home"
    mkdir -p -- "$HOME"
fi
export HOME

# Each XDG folder the operator set is honoured when it is usable; otherwise it follows HOME.
usable "${XDG_CACHE_HOME:-}" || XDG_CACHE_HOME="$HOME/.cache"
usable "${XDG_CONFIG_HOME:-}" || XDG_CONFIG_HOME="$HOME/.config"
usable "${XDG_DATA_HOME:-}" || XDG_DATA_HOME="$HOME/.local/share"
export XDG_CACHE_HOME XDG_CONFIG_HOME XDG_DATA_HOME

if [ -z "${PSModuleAnalysisCachePath:-}" ] || ! usable "$(dirname -- "$PSModuleAnalysisCachePath")"; then
    PSModuleAnalysisCachePath="$XDG_CACHE_HOME/powershell/ModuleAnalysisCache"
fi
export PSModuleAnalysisCachePath

# A batch job phones nobody and checks for no updates; explicit settings stand.
: "${POWERSHELL_TELEMETRY_OPTOUT:=1}" "${POWERSHELL_UPDATECHECK:=Off}" "${DOTNET_CLI_TELEMETRY_OPTOUT:=1}"
export POWERSHELL_TELEMETRY_OPTOUT POWERSHELL_UPDATECHECK DOTNET_CLI_TELEMETRY_OPTOUT

exec "$pwsh" -NoLogo -NoProfile -NonInteractive -File "$job_script"
