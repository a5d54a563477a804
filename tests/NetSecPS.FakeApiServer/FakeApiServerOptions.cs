namespace NetSecPS.FakeApiServer;

/// <summary>What the server at the URL really is.</summary>
public enum ServerPersonality
{
    /// <summary>A Kubernetes API server.</summary>
    Kubernetes,
    /// <summary>A web server that answers 404 to every path (a wrong URL, a bare ingress).</summary>
    NotFoundEverywhere,
    /// <summary>A web page for every path with 200 OK (a login page, a captive portal).</summary>
    HtmlEverywhere,
    /// <summary>A Kubernetes /version and 404 for everything else (a proxy or impostor that passes on /version only).</summary>
    VersionOnly,
}

/// <summary>What the fake API server serves and how.</summary>
public sealed record FakeApiServerOptions
{
    /// <summary>Manifest files or folders, read with NetSecPS's ManifestSource.</summary>
    public IReadOnlyList<string> ManifestPaths { get; init; } = Array.Empty<string>();
    /// <summary>0 for a free port.</summary>
    public int Port { get; init; }
    /// <summary>The bearer token the server accepts; a random one when null.</summary>
    public string? Token { get; init; }
    /// <summary>Add what a running cluster shows: nodes, ReplicaSets, pods with owners and IPs, cluster IPs.</summary>
    public bool RunningState { get; init; } = true;
    /// <summary>Nodes to create when the manifests hold none (running state only).</summary>
    public int Nodes { get; init; } = 3;
    /// <summary>Extra API group versions to serve even without objects, e.g. <c>security.istio.io/v1</c>.</summary>
    public IReadOnlyList<string> InstallApis { get; init; } = Array.Empty<string>();
    public string GitVersion { get; init; } = "v1.31.2";
    public DateTimeOffset CreationTime { get; init; } = DateTimeOffset.UtcNow.AddHours(-1);
    public FaultPlan Faults { get; init; } = new();
    /// <summary>Serve plain HTTP instead of HTTPS (to test that credentials are not sent in clear text).</summary>
    public bool PlainHttp { get; init; }
    /// <summary>The names and addresses the serving certificate carries; null for 127.0.0.1, localhost and kubernetes.default.svc.</summary>
    public IReadOnlyList<string>? ServerNames { get; init; }
    public ServerPersonality Personality { get; init; } = ServerPersonality.Kubernetes;
}
