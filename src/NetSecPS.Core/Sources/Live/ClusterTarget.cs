using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace NetSecPS.Core.Sources.Live;

/// <summary>The API server would receive a credential over plain HTTP, where anyone on the path can read and replay it.</summary>
internal sealed class InsecureTransportException : Exception
{
    public InsecureTransportException(string message)
        : base(message)
    {
    }
}

/// <summary>
/// Where the pod's service-account credentials are. Production always uses <see cref="FromProcess"/>:
/// the kubelet's environment variables and the fixed mount path. Other locations can only be given
/// by code compiled against NetSecPS.Core's internals (its test assemblies): no cmdlet parameter,
/// setting or environment variable moves them, so nobody who controls a job's settings can make it
/// trust another CA or read another token.
/// </summary>
internal sealed record InClusterEnvironment(string? Host, string? Port, string TokenPath, string CaPath, string NamespacePath)
{
    public const string ServiceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount";

    public static InClusterEnvironment FromProcess() => new(
        Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST"),
        Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_PORT"),
        Path.Combine(ServiceAccountDirectory, "token"),
        Path.Combine(ServiceAccountDirectory, "ca.crt"),
        Path.Combine(ServiceAccountDirectory, "namespace"));

    public bool IsAvailable => !string.IsNullOrEmpty(Host) && !string.IsNullOrEmpty(Port) && File.Exists(TokenPath);
}

/// <summary>One API server to talk to and how: resolved from a kubeconfig context or from the pod's service account.</summary>
internal sealed class ClusterTarget : IDisposable
{
    private ClusterTarget(Uri server, ICredentialSource credentials)
    {
        Server = server;
        Credentials = credentials;
    }

    public Uri Server { get; }
    public ICredentialSource Credentials { get; }
    public string? Context { get; private init; }
    public string? Cluster { get; private init; }
    /// <summary>The namespace of the context, or the pod's own namespace in-cluster.</summary>
    public string? Namespace { get; private init; }
    /// <summary>The name the server's certificate must carry, when it is not the URL's host (tls-server-name).</summary>
    public string? TlsServerName { get; private init; }
    /// <summary>The only roots trusted for the server's certificate; null for the system's roots.</summary>
    public X509Certificate2Collection? CertificateAuthorities { get; private init; }
    public bool InsecureSkipTlsVerify { get; private init; }
    public Uri? Proxy { get; private init; }
    public NetworkCredential? ProxyCredentials { get; private init; }
    /// <summary>Impersonate-* headers of the kubeconfig user's as, as-uid, as-groups and as-user-extra.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ImpersonationHeaders { get; private init; } = Array.Empty<KeyValuePair<string, string>>();

    /// <summary>The server URL as it may be shown: scheme, host, port and path, never user info or query.</summary>
    public string DisplayServer => new UriBuilder(Server) { UserName = string.Empty, Password = string.Empty, Query = string.Empty, Fragment = string.Empty }.Uri.GetLeftPart(UriPartial.Path).TrimEnd('/');

    public static ClusterTarget FromKubeconfig(Kubeconfig kubeconfig, string? contextName, LiveOptions options, IOutputSink sink)
    {
        var (context, cluster, user) = kubeconfig.Resolve(contextName);
        if (!Uri.TryCreate(cluster.Server, UriKind.Absolute, out var server) || server.Scheme is not ("https" or "http"))
        {
            throw new InvalidOperationException($"The server of cluster '{cluster.Name}' is not an http or https URL.");
        }

        var proxy = ProxyOf(cluster);
        var cas = cluster.CertificateAuthorityData is { } data ? LoadCas(System.Text.Encoding.UTF8.GetString(data), $"certificate-authority-data of cluster '{cluster.Name}'")
            : cluster.CertificateAuthority is { } path ? LoadCas(ReadCa(path, cluster.Name), $"certificate-authority {path} of cluster '{cluster.Name}'")
            : null;
        var credentials = CredentialSources.For(user, new ExecPluginContext(cluster, options.ExecTimeout, sink) { Clock = options.Clock }, sink);
        return new ClusterTarget(server, credentials)
        {
            Context = context.Name,
            Cluster = cluster.Name,
            Namespace = context.Namespace,
            TlsServerName = cluster.TlsServerName,
            CertificateAuthorities = cas,
            InsecureSkipTlsVerify = cluster.InsecureSkipTlsVerify,
            Proxy = proxy.Uri,
            ProxyCredentials = proxy.Credentials,
            ImpersonationHeaders = Impersonation(user),
        };
    }

    internal static ClusterTarget InCluster(InClusterEnvironment env)
    {
        if (string.IsNullOrEmpty(env.Host) || string.IsNullOrEmpty(env.Port))
        {
            throw new InvalidOperationException("Not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set. Use -Kubeconfig or -Context outside a pod.");
        }

        if (!int.TryParse(env.Port, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new InvalidOperationException("KUBERNETES_SERVICE_PORT is not a port number.");
        }

        if (!File.Exists(env.TokenPath))
        {
            throw new InvalidOperationException($"The service-account token {env.TokenPath} does not exist: the pod has no service-account token mounted (automountServiceAccountToken: false?).");
        }

        var host = env.Host.Contains(':', StringComparison.Ordinal) && !env.Host.StartsWith('[') ? "[" + env.Host + "]" : env.Host;
        var server = new Uri($"https://{host}:{port.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        var cas = LoadCas(ReadCa(env.CaPath, "in-cluster"), $"service-account CA {env.CaPath}");
        string? ns = null;
        try
        {
            ns = File.Exists(env.NamespacePath) ? InputFiles.ReadAllText(env.NamespacePath, "The service account namespace file").Trim() : null;
        }
        catch (IOException)
        {
            // The namespace only names where the job runs; the read does not depend on it.
        }

        return new ClusterTarget(server, new TokenFileCredentialSource(env.TokenPath, null, null, "the service-account token of this pod"))
        {
            Context = "in-cluster",
            Cluster = "in-cluster",
            Namespace = string.IsNullOrEmpty(ns) ? null : ns,
            CertificateAuthorities = cas,
        };
    }

    private static string ReadCa(string path, string cluster)
    {
        try
        {
            return InputFiles.ReadAllText(path, "The certificate authority");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            throw new InvalidOperationException($"The certificate authority {path} of cluster '{cluster}' cannot be read: {ex.Message}");
        }
    }

    private static X509Certificate2Collection LoadCas(string pem, string what)
    {
        var cas = new X509Certificate2Collection();
        try
        {
            cas.ImportFromPem(pem);
        }
        catch (CryptographicException ex)
        {
            throw new InvalidOperationException($"The {what} is not a PEM certificate: {ex.Message}");
        }

        if (cas.Count == 0)
        {
            throw new InvalidOperationException($"The {what} holds no PEM certificate.");
        }

        return cas;
    }

    /// <summary>proxy-url as kubectl accepts it (http, https, socks5); user info becomes the proxy's credentials and is never shown.</summary>
    private static (Uri? Uri, NetworkCredential? Credentials) ProxyOf(KubeconfigCluster cluster)
    {
        if (cluster.ProxyUrl is null)
        {
            return (null, null);
        }

        if (!Uri.TryCreate(cluster.ProxyUrl, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            throw new InvalidOperationException($"The proxy-url of cluster '{cluster.Name}' is not a URL.");
        }

        if (uri.Scheme is not ("http" or "https" or "socks5"))
        {
            throw new InvalidOperationException(
                $"The proxy-url of cluster '{cluster.Name}' uses the scheme '{uri.Scheme}', which kubectl does not accept and NetSecPS cannot use: use http://, https:// or socks5://.");
        }

        NetworkCredential? credentials = null;
        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            credentials = new NetworkCredential(Uri.UnescapeDataString(parts[0]), parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : string.Empty);
        }

        return (new UriBuilder(uri) { UserName = string.Empty, Password = string.Empty, Path = string.Empty, Query = string.Empty }.Uri, credentials);
    }

    private static IReadOnlyList<KeyValuePair<string, string>> Impersonation(KubeconfigUser? user)
    {
        var headers = new List<KeyValuePair<string, string>>();
        if (user is null)
        {
            return headers;
        }

        if (!string.IsNullOrEmpty(user.Impersonate))
        {
            headers.Add(new("Impersonate-User", user.Impersonate));
        }
        else if (user.ImpersonateGroups.Count > 0 || user.ImpersonateExtra.Count > 0 || !string.IsNullOrEmpty(user.ImpersonateUid))
        {
            throw new InvalidOperationException($"The user '{user.Name}' sets as-groups, as-uid or as-user-extra without as; Kubernetes requires the user to impersonate.");
        }

        if (!string.IsNullOrEmpty(user.ImpersonateUid))
        {
            headers.Add(new("Impersonate-Uid", user.ImpersonateUid));
        }

        headers.AddRange(user.ImpersonateGroups.Select(g => new KeyValuePair<string, string>("Impersonate-Group", g)));
        foreach (var (key, values) in user.ImpersonateExtra)
        {
            headers.AddRange(values.Select(v => new KeyValuePair<string, string>("Impersonate-Extra-" + Uri.EscapeDataString(key), v)));
        }

        return headers;
    }

    public void Dispose() => Credentials.Dispose();
}
