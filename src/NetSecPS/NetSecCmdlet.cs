using System.Collections.Concurrent;
using System.Management.Automation;
using NetSecPS.Core;

namespace NetSecPS.Commands;

/// <summary>
/// Base of every NetSecPS cmdlet: owns the cancellation token cancelled by Ctrl+C
/// (<see cref="StopProcessing"/>), runs engine work off the pipeline thread while draining its
/// messages on it, and turns engine diagnostics into warnings and error records.
/// </summary>
public abstract class NetSecCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource cancellation = new();
    private bool disposed;

    protected CancellationToken CancellationToken => cancellation.Token;

    protected override void StopProcessing() => cancellation.Cancel();

    /// <summary>
    /// Runs <paramref name="work"/> on the thread pool and, until it ends, writes its verbose,
    /// warning, diagnostic and progress messages from this (the pipeline) thread. The one place
    /// that waits on a task from the pipeline thread.
    /// </summary>
    private protected T Run<T>(Func<IOutputSink, CancellationToken, Task<T>> work)
    {
        using var queue = new BlockingCollection<Action>();
        var sink = new PumpSink(queue, this);
        try
        {
            var task = Task.Run(() => work(sink, cancellation.Token), cancellation.Token);
            _ = task.ContinueWith(_ => queue.CompleteAdding(), TaskScheduler.Default);
            foreach (var action in queue.GetConsumingEnumerable())
            {
                action();
            }

            return task.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    private protected T Run<T>(Func<IOutputSink, CancellationToken, T> work) => Run((s, c) => Task.FromResult(work(s, c)));

    /// <summary><see cref="Run{T}(Func{IOutputSink, CancellationToken, T})"/> for the cmdlet layer's shared helpers.</summary>
    internal T RunInternal<T>(Func<IOutputSink, CancellationToken, T> work) => Run(work);

    /// <summary>A sink that writes at once, for engine work done on the pipeline thread itself (streamed reading).</summary>
    private protected IOutputSink DirectSink => new ImmediateSink(this);

    /// <summary>
    /// Provider paths of <c>-Path</c> (wildcards) or <c>-LiteralPath</c> values; a path that matches
    /// nothing is an error record and the others are returned.
    /// </summary>
    internal List<string> ResolveProviderPaths(IEnumerable<string> paths, bool literal)
    {
        var resolved = new List<string>();
        foreach (var p in paths)
        {
            if (literal)
            {
                resolved.Add(SessionState.Path.GetUnresolvedProviderPathFromPSPath(p));
                continue;
            }

            try
            {
                var found = SessionState.Path.GetResolvedProviderPathFromPSPath(p, out _);
                if (found.Count == 0)
                {
                    // A wildcard that matches nothing resolves to no path without an error of its own.
                    throw new ItemNotFoundException($"Cannot find path '{p}' because it matches nothing.");
                }

                resolved.AddRange(found);
            }
            catch (ItemNotFoundException ex)
            {
                WriteError(new ErrorRecord(ex, "NetSecPS.PathNotFound", ErrorCategory.ObjectNotFound, p));
            }
        }

        return resolved;
    }

    /// <summary>Writes one engine diagnostic: errors as error records, warnings as warnings.</summary>
    protected void WriteDiagnostic(InputDiagnostic d)
    {
        switch (d.Severity)
        {
            case DiagnosticSeverity.Error:
                var category = d.Code switch
                {
                    "Forbidden" => ErrorCategory.PermissionDenied,
                    "PathNotFound" => ErrorCategory.ObjectNotFound,
                    "Unreachable" or "ListFailed" => ErrorCategory.ConnectionError,
                    _ => ErrorCategory.InvalidData,
                };
                WriteError(new ErrorRecord(new InvalidDataException(d.ToString()), "NetSecPS." + d.Code, category, (object?)d.File ?? d.Kind)
                {
                    ErrorDetails = new ErrorDetails(d.ToString()),
                });
                break;
            case DiagnosticSeverity.Warning:
                WriteWarning(d.ToString());
                break;
            default:
                WriteVerbose(d.ToString());
                break;
        }
    }

    private protected void WriteProgressUpdate(ProgressUpdate u)
    {
        var record = new ProgressRecord(u.Id, u.Activity, string.IsNullOrEmpty(u.Status) ? u.Activity : u.Status)
        {
            PercentComplete = Math.Clamp(u.PercentComplete, -1, 100),
            RecordType = u.Completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
        };
        WriteProgress(record);
    }

    protected void ThrowTerminating(Exception ex, string errorId, ErrorCategory category, object? target) =>
        ThrowTerminatingError(new ErrorRecord(ex, "NetSecPS." + errorId, category, target));

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (!disposed)
        {
            if (disposing)
            {
                cancellation.Dispose();
            }

            disposed = true;
        }
    }

    /// <summary>Engine messages written as they come: only for work on the pipeline thread.</summary>
    private sealed class ImmediateSink : IOutputSink
    {
        private readonly NetSecCmdlet owner;

        public ImmediateSink(NetSecCmdlet owner) => this.owner = owner;

        public void Verbose(string message) => owner.WriteVerbose(message);
        public void Warning(string message) => owner.WriteWarning(message);
        public void Diagnostic(InputDiagnostic diagnostic) => owner.WriteDiagnostic(diagnostic);
        public void Progress(ProgressUpdate update) => owner.WriteProgressUpdate(update);
    }

    /// <summary>Queues engine messages as actions that only the pipeline thread runs.</summary>
    private sealed class PumpSink : IOutputSink
    {
        private readonly BlockingCollection<Action> queue;
        private readonly NetSecCmdlet owner;

        public PumpSink(BlockingCollection<Action> queue, NetSecCmdlet owner)
        {
            this.queue = queue;
            this.owner = owner;
        }

        private void Post(Action a)
        {
            try
            {
                queue.Add(a);
            }
            catch (InvalidOperationException)
            {
                // The work ended; late messages are dropped.
            }
        }

        public void Verbose(string message) => Post(() => owner.WriteVerbose(message));
        public void Warning(string message) => Post(() => owner.WriteWarning(message));
        public void Diagnostic(InputDiagnostic diagnostic) => Post(() => owner.WriteDiagnostic(diagnostic));
        public void Progress(ProgressUpdate update) => Post(() => owner.WriteProgressUpdate(update));
    }
}
