using System.Management.Automation;
using NetSecPS.Core.Sources;
using NetSecPS.Core.Sources.Live;

namespace NetSecPS.Commands;

/// <summary>
/// Base of the analysis cmdlets: input from <c>-Path</c>/<c>-LiteralPath</c> (manifests or a saved
/// snapshot), <c>-Snapshot</c> from the pipeline, or the live cluster (default).
/// </summary>
public abstract class SnapshotInputCmdlet : NetSecCmdlet
{
    protected const string PathSet = "Path";
    protected const string LiteralPathSet = "LiteralPath";
    protected const string SnapshotSet = "Snapshot";
    protected const string LiveSet = "Live";

    private string[] path = Array.Empty<string>();

    /// <summary>Manifest files or folders, or a saved snapshot. Virtual so a cmdlet can take it from the pipeline too (PowerShell reads the attributes of the override).</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public virtual string[] Path { get => path; set => path = value; }

    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "FullName")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = Array.Empty<string>();

    [Parameter(Mandatory = true, ParameterSetName = SnapshotSet, ValueFromPipeline = true)]
    public Snapshot? Snapshot { get; set; }

    /// <summary>Largest decompressed size of a saved snapshot given as -Path (bytes; 4GB in PowerShell's units).</summary>
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = LiteralPathSet)]
    [ValidateRange(1L << 20, long.MaxValue)]
    public long MaximumSnapshotSize { get; set; } = InputLimits.Default.MaxSnapshotBytes;

    [Parameter(ParameterSetName = LiveSet)]
    [ArgumentCompleter(typeof(ContextCompleter))]
    public string? Context { get; set; }

    [Parameter(ParameterSetName = LiveSet)]
    public string? Kubeconfig { get; set; }

    [Parameter(ParameterSetName = LiveSet)]
    public SwitchParameter InCluster { get; set; }

    [Parameter(ParameterSetName = LiveSet)]
    [ValidateRange(1, 10000)]
    public int PageSize { get; set; } = 500;

    [Parameter(ParameterSetName = LiveSet)]
    public SwitchParameter SkipTlsVerify { get; set; }

    [Parameter(ParameterSetName = LiveSet)]
    public SwitchParameter AllowInsecureHttp { get; set; }

    private readonly List<string> pipedPaths = new();
    private bool literalPathFromCommandLine;
    private bool pathFromCommandLine;

    /// <summary>No further input follows in this invocation: what is kept for every input may be let go.</summary>
    protected bool IsLastInput { get; private set; }

    protected override void BeginProcessing()
    {
        literalPathFromCommandLine = MyInvocation.BoundParameters.ContainsKey(nameof(LiteralPath));
        pathFromCommandLine = MyInvocation.BoundParameters.ContainsKey(nameof(Path));
    }

    protected sealed override void ProcessRecord()
    {
        // Files piped in (Get-ChildItem *.yaml | Invoke-NetSecScan) or paths piped as text
        // ('./manifests' | Get-NetSecSnapshot) are one cluster: they are read together, once, when
        // the pipeline ends. A path given on the command line is not collected: other parameters
        // (Test-NetSecConnection's -From) may be what is piped.
        if (MyInvocation.ExpectingInput && ((ParameterSetName == LiteralPathSet && !literalPathFromCommandLine) || (ParameterSetName == PathSet && !pathFromCommandLine)))
        {
            pipedPaths.AddRange(ParameterSetName == PathSet ? Path : LiteralPath);
            return;
        }

        IsLastInput = !MyInvocation.ExpectingInput;
        RunInput();
    }

    protected override void EndProcessing()
    {
        if (pipedPaths.Count > 0)
        {
            if (ParameterSetName == PathSet)
            {
                Path = pipedPaths.ToArray();
            }
            else
            {
                LiteralPath = pipedPaths.ToArray();
            }

            pipedPaths.Clear();
            IsLastInput = true;
            RunInput();
        }
    }

    /// <summary>Runs <see cref="ProcessInput"/>; an input that could not be read has already written its error, once.</summary>
    private void RunInput()
    {
        try
        {
            ProcessInput();
        }
        catch (InputUnavailableException)
        {
            // Nothing more to say: -ErrorAction decides what the one error record does.
        }
    }

    /// <summary>Thrown by <see cref="ReadInput"/> after the error that explains it was written.</summary>
    private sealed class InputUnavailableException : Exception
    {
    }

    /// <summary>The cmdlet's work for one input: a snapshot piped in, the files or cluster named, or every file piped in.</summary>
    protected abstract void ProcessInput();

    /// <summary>Namespaces to read from a live cluster (others narrow their output with it too).</summary>
    protected virtual IReadOnlyList<string> LiveNamespaces => Array.Empty<string>();

    /// <summary>Resolves the input of this invocation to engine data, writing diagnostics as it goes.</summary>
    private protected ClusterData ReadInput()
    {
        switch (ParameterSetName)
        {
            case SnapshotSet:
                return ClusterData.From(Snapshot!);
            case PathSet:
            case LiteralPathSet:
                var paths = ResolveProviderPaths(ParameterSetName == PathSet ? Path : LiteralPath, ParameterSetName == LiteralPathSet);
                if (paths.Count == 0)
                {
                    // Each path that did not resolve has its error record already; a second,
                    // terminating one would ignore -ErrorAction and say the same thing again.
                    throw new InputUnavailableException();
                }

                try
                {
                    var limits = InputLimits.Default with { MaxSnapshotBytes = MaximumSnapshotSize };
                    return Run((sink, ct) => SnapshotSources.FromPaths(paths, sink, ct, limits));
                }
                catch (InvalidDataException ex)
                {
                    ThrowTerminating(ex, ex.InnerException is InputLimitException limit ? limit.Code : "InvalidSnapshot", ErrorCategory.InvalidData, paths[0]);
                    throw;
                }
                catch (FileNotFoundException ex)
                {
                    ThrowTerminating(ex, "PathNotFound", ErrorCategory.ObjectNotFound, paths[0]);
                    throw;
                }

            default:
                if (SkipTlsVerify)
                {
                    WriteWarning("TLS verification of the API server is disabled (-SkipTlsVerify): the server's identity is not checked.");
                }

                var options = new LiveOptions
                {
                    Context = Context,
                    Kubeconfig = Kubeconfig is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(Kubeconfig),
                    InCluster = InCluster,
                    PageSize = PageSize,
                    SkipTlsVerify = SkipTlsVerify,
                    AllowInsecureHttp = AllowInsecureHttp,
                    Namespaces = LiveNamespaces,
                };
                try
                {
                    return Run((sink, ct) => SnapshotSources.FromClusterAsync(options, sink, ct));
                }
                catch (Exception ex) when (ex is not PipelineStoppedException)
                {
                    var (errorId, category) = ex switch
                    {
                        UnauthorizedAccessException => ("ClusterUnauthorized", ErrorCategory.AuthenticationError),
                        CredentialException => ("CredentialUnavailable", ErrorCategory.AuthenticationError),
                        InsecureTransportException => ("InsecureHttpRefused", ErrorCategory.SecurityError),
                        TlsFailureException { CertificateRefused: false } => ("ClusterTlsFailed", ErrorCategory.SecurityError),
                        System.Security.Authentication.AuthenticationException => ("ClusterCertificateUntrusted", ErrorCategory.SecurityError),
                        NotKubernetesException => ("ClusterUnavailable", ErrorCategory.ConnectionError),
                        FileNotFoundException => ("KubeconfigNotFound", ErrorCategory.ObjectNotFound),
                        InvalidDataException or InvalidOperationException => ("KubeconfigInvalid", ErrorCategory.InvalidArgument),
                        _ => ("ClusterUnavailable", ErrorCategory.ConnectionError),
                    };
                    ThrowTerminating(ex, errorId, category, Context);
                    throw;
                }
        }
    }
}
