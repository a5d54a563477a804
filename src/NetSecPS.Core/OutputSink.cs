namespace NetSecPS.Core;

/// <summary>One progress update of a long operation.</summary>
internal sealed record ProgressUpdate(int Id, string Activity, string Status, int PercentComplete, bool Completed = false);

/// <summary>
/// How the engine reports what it does without knowing PowerShell: the cmdlet layer implements
/// it and marshals every call to the pipeline thread; tests implement it with lists.
/// </summary>
internal interface IOutputSink
{
    void Verbose(string message);
    void Warning(string message);
    void Diagnostic(InputDiagnostic diagnostic);
    void Progress(ProgressUpdate update);
}

/// <summary>A sink that collects everything, for tests and for non-interactive callers.</summary>
internal sealed class CollectingSink : IOutputSink
{
    private readonly object gate = new();
    public List<string> Verbose { get; } = new();
    public List<string> Warnings { get; } = new();
    public List<InputDiagnostic> Diagnostics { get; } = new();
    public List<ProgressUpdate> Progress { get; } = new();

    void IOutputSink.Verbose(string message) { lock (gate) { Verbose.Add(message); } }
    void IOutputSink.Warning(string message) { lock (gate) { Warnings.Add(message); } }
    void IOutputSink.Diagnostic(InputDiagnostic diagnostic) { lock (gate) { Diagnostics.Add(diagnostic); } }
    void IOutputSink.Progress(ProgressUpdate update) { lock (gate) { Progress.Add(update); } }
}
