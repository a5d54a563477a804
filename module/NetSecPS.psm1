# Bootstraps the module: NetSecPS.Shared (BCL-only public types and the loader) goes into the
# default load context; the cmdlets and every third-party dependency load into NetSecPS's own
# AssemblyLoadContext, so another module's YamlDotNet or OpenXml never clashes with ours.
$binPath = [System.IO.Path]::Combine($PSScriptRoot, 'bin')
if (-not ('NetSecPS.Shared.LoadContext' -as [type])) {
    Add-Type -Path ([System.IO.Path]::Combine($binPath, 'NetSecPS.Shared.dll'))
}

$mainAssembly = [NetSecPS.Shared.LoadContext]::Initialize('NetSecPS')
$innerModule = Import-Module -Assembly $mainAssembly -PassThru -ErrorAction Stop

# Removing NetSecPS removes the cmdlet module with it.
$ExecutionContext.SessionState.Module.OnRemove = {
    Remove-Module -ModuleInfo $innerModule -ErrorAction SilentlyContinue
}.GetNewClosure()
