using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace NetSecPS.Core.Sources.Live;

/// <summary>
/// The HTTP and TLS layer of a connection, built the way client-go builds it: the kubeconfig's
/// certificate authority is the only trusted root when it is given (the system's roots
/// otherwise), the certificate must carry the server's name (or tls-server-name), a client
/// certificate is presented when the credential has one, redirects are never followed, and
/// proxy-url (or the HTTPS_PROXY/NO_PROXY environment, as kubectl) decides the route.
///
/// KubernetesClient 21.0.8's validation callback accepts any certificate its CA signed as soon
/// as the chain needed that CA, whatever name the certificate carries; this one keeps the
/// name check and records why a handshake was refused, so the error can say it.
/// </summary>
internal sealed class ApiTransport
{
    private readonly ClusterTarget target;
    private readonly bool skipTlsVerify;
    private string? lastRefusal;

    public ApiTransport(ClusterTarget target, bool skipTlsVerify)
    {
        this.target = target;
        this.skipTlsVerify = skipTlsVerify || target.InsecureSkipTlsVerify;
    }

    /// <summary>Why the last certificate was refused, in words; null when none was.</summary>
    public string? LastRefusal => Volatile.Read(ref lastRefusal);

    /// <summary>The name the server's certificate must carry.</summary>
    public string ExpectedName => target.TlsServerName ?? target.Server.IdnHost;

    public HttpClient CreateClient(X509Certificate2? clientCertificate)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(15),
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = Validate,
                EnabledSslProtocols = SslProtocols.None,
            },
        };
        if (target.Proxy is { } proxy)
        {
            handler.UseProxy = true;
            handler.Proxy = new FixedProxy(proxy, target.ProxyCredentials);
        }

        if (clientCertificate is not null)
        {
            handler.SslOptions.ClientCertificates = new X509CertificateCollection { clientCertificate };
            handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => clientCertificate;
        }

        return new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
    }

    private bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (skipTlsVerify)
        {
            return true;
        }

        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return Refuse("the server presented no certificate");
        }

        using var leaf = new X509Certificate2(certificate);
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return Refuse($"the server's certificate is for {Names(leaf)}, not for {ExpectedName}" +
                (target.TlsServerName is null ? " (a cluster whose certificate carries another name sets tls-server-name)" : " (the cluster's tls-server-name)"));
        }

        if (target.CertificateAuthorities is not { } roots)
        {
            return errors == SslPolicyErrors.None || Refuse($"the server's certificate is not trusted by this system's certificate authorities ({Status(chain)})");
        }

        // Only the kubeconfig's CA is trusted, as client-go does: the system's roots do not count.
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(roots);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            custom.ChainPolicy.ExtraStore.AddRange(chain.ChainPolicy.ExtraStore);
        }

        return custom.Build(leaf) || Refuse($"the server's certificate is not trusted by the certificate authority of context '{target.Context}' ({Status(custom)})");
    }

    private bool Refuse(string why)
    {
        Volatile.Write(ref lastRefusal, why);
        return false;
    }

    private static string Status(X509Chain? chain)
    {
        var statuses = chain?.ChainStatus.Where(s => s.Status != X509ChainStatusFlags.NoError)
            .Select(s => string.IsNullOrWhiteSpace(s.StatusInformation) ? s.Status.ToString() : $"{s.Status}: {s.StatusInformation.Trim()}")
            .Distinct(StringComparer.Ordinal).ToList();
        return statuses is { Count: > 0 } ? string.Join("; ", statuses) : "the chain could not be built";
    }

    private static string Names(X509Certificate2 cert)
    {
        var names = new List<string>();
        foreach (var ext in cert.Extensions.OfType<X509SubjectAlternativeNameExtension>())
        {
            names.AddRange(ext.EnumerateDnsNames());
            names.AddRange(ext.EnumerateIPAddresses().Select(ip => ip.ToString()));
        }

        return names.Count > 0 ? string.Join(", ", names) : cert.GetNameInfo(X509NameType.SimpleName, false);
    }

    /// <summary>
    /// Explains a failed handshake: the validator's reason, or the innermost exceptions (.NET wraps
    /// the real cause in "see inner exception" layers that a user never sees).
    /// </summary>
    public string ExplainHandshakeFailure(Exception ex)
    {
        if (LastRefusal is { } refused)
        {
            return refused;
        }

        var reasons = new List<string>();
        for (var e = ex; e is not null; e = e.InnerException)
        {
            var m = e.Message.Trim().TrimEnd('.');
            if (m.Length > 0 && !m.Contains("see inner exception", StringComparison.OrdinalIgnoreCase) && !reasons.Contains(m, StringComparer.Ordinal))
            {
                reasons.Add(m);
            }

            if (e is InvalidOperationException && m.Contains("home directory", StringComparison.OrdinalIgnoreCase))
            {
                reasons.Add(".NET reads the user's certificate stores under the home directory during every TLS handshake; set HOME to a directory this user can read");
            }
        }

        return reasons.Count > 0 ? string.Join(": ", reasons) : ex.GetType().Name;
    }

    /// <summary>A proxy for every address, loopback included: the kubeconfig's proxy-url is not a suggestion.</summary>
    private sealed class FixedProxy : IWebProxy
    {
        private readonly Uri proxy;

        public FixedProxy(Uri proxy, ICredentials? credentials)
        {
            this.proxy = proxy;
            Credentials = credentials;
        }

        public ICredentials? Credentials { get; set; }

        public Uri GetProxy(Uri destination) => proxy;

        public bool IsBypassed(Uri host) => false;
    }
}
