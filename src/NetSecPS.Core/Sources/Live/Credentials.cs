using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace NetSecPS.Core.Sources.Live;

/// <summary>A credential could not be obtained or used (a plugin that fails, a key that does not fit its certificate, an unreadable token file).</summary>
internal sealed class CredentialException : Exception
{
    public CredentialException(string message)
        : base(message)
    {
    }

    public CredentialException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>What one request presents to the API server. Holds secrets: it has no useful ToString on purpose.</summary>
internal sealed class Credential
{
    public string? BearerToken { get; init; }
    public string? BasicUser { get; init; }
    public string? BasicPassword { get; init; }
    public X509Certificate2? ClientCertificate { get; init; }
    /// <summary>When the issuer says the credential stops working (an exec plugin's expirationTimestamp).</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    public static Credential None { get; } = new();

    public bool SendsSecretHeader => BearerToken is not null || BasicUser is not null;

    public override string ToString() => nameof(Credential);
}

/// <summary>
/// Where the credential of a connection comes from. <see cref="GetAsync"/> is called before every
/// request and may return a cached credential; <see cref="RenewAsync"/> is called once when the
/// server answered 401 to a credential, and says whether a different one is now available.
/// </summary>
internal interface ICredentialSource : IDisposable
{
    /// <summary>Names the kind and owner of the credential ("the bearer token of user 'x'"), never its value.</summary>
    string Description { get; }

    /// <summary>Whether the requests carry a secret in a header (bearer token, basic password, exec token): such a source is refused over plain HTTP.</summary>
    bool SendsSecretHeader { get; }

    /// <summary>Whether a client certificate may be presented, which needs TLS.</summary>
    bool MayPresentClientCertificate { get; }

    ValueTask<Credential> GetAsync(CancellationToken cancellationToken);

    ValueTask<bool> RenewAsync(Credential rejected, CancellationToken cancellationToken);
}

/// <summary>A credential that never changes: a kubeconfig token, basic credentials, a client certificate, or none.</summary>
internal sealed class StaticCredentialSource : ICredentialSource
{
    private readonly Credential credential;

    public StaticCredentialSource(Credential credential, string description)
    {
        this.credential = credential;
        Description = description;
    }

    public string Description { get; }
    public bool SendsSecretHeader => credential.SendsSecretHeader;
    public bool MayPresentClientCertificate => credential.ClientCertificate is not null;

    public ValueTask<Credential> GetAsync(CancellationToken cancellationToken) => ValueTask.FromResult(credential);

    public ValueTask<bool> RenewAsync(Credential rejected, CancellationToken cancellationToken) => ValueTask.FromResult(false);

    public void Dispose() => credential.ClientCertificate?.Dispose();
}

/// <summary>
/// A bearer token read from a file: a kubeconfig user's tokenFile, or the pod's projected
/// service-account token, which the kubelet rotates by swapping the file. The file is read again
/// when it changes (time or size), at the latest every minute as client-go does, and at once
/// when the server rejects the token it held. A kubeconfig token beside tokenFile is the
/// fallback while the file cannot be read, as clientcmd documents.
/// </summary>
internal sealed class TokenFileCredentialSource : ICredentialSource
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(1);
    private readonly string path;
    private readonly string? fallbackToken;
    private readonly X509Certificate2? clientCertificate;
    private readonly TimeProvider clock;
    private readonly SemaphoreSlim gate = new(1, 1);
    private Credential? current;
    private (DateTime WriteTime, long Length) stamp;
    private DateTimeOffset readAt;

    public TokenFileCredentialSource(string path, string? fallbackToken, X509Certificate2? clientCertificate, string description, TimeProvider? clock = null)
    {
        this.path = path;
        this.fallbackToken = fallbackToken;
        this.clientCertificate = clientCertificate;
        this.clock = clock ?? TimeProvider.System;
        Description = description;
    }

    public string Description { get; }
    public bool SendsSecretHeader => true;
    public bool MayPresentClientCertificate => clientCertificate is not null;

    public async ValueTask<Credential> GetAsync(CancellationToken cancellationToken)
    {
        var held = Volatile.Read(ref current);
        if (held is not null && Stamp() == stamp && clock.GetUtcNow() - readAt < MaxAge)
        {
            return held;
        }

        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    public async ValueTask<bool> RenewAsync(Credential rejected, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Another request may have read the new token already.
            var fresh = ReferenceEquals(current, rejected) ? await ReadAsync(cancellationToken).ConfigureAwait(false) : current!;
            return !string.Equals(fresh.BearerToken, rejected.BearerToken, StringComparison.Ordinal);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<Credential> ReadAsync(CancellationToken cancellationToken)
    {
        string? token = null;
        Exception? failure = null;
        var before = Stamp();
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            token = InputFiles.ReadAllText(path, "The token file").Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            failure = ex;
        }

        if (string.IsNullOrEmpty(token))
        {
            token = fallbackToken ?? throw new CredentialException(failure is null
                ? $"The token file {path} ({Description}) is empty."
                : $"The token file {path} ({Description}) cannot be read: {failure.Message}");
        }

        stamp = before;
        readAt = clock.GetUtcNow();
        var credential = new Credential { BearerToken = token, ClientCertificate = clientCertificate };
        Volatile.Write(ref current, credential);
        return credential;
    }

    private (DateTime, long) Stamp()
    {
        try
        {
            var info = new FileInfo(path);
            return info.Exists ? (info.LastWriteTimeUtc, info.Length) : default;
        }
        catch (IOException)
        {
            return default;
        }
    }

    public void Dispose()
    {
        gate.Dispose();
        clientCertificate?.Dispose();
    }
}

/// <summary>Turns a kubeconfig user into the credential source kubectl would use for it.</summary>
internal static class CredentialSources
{
    /// <summary>
    /// The precedence of client-go: a token or tokenFile wins over an exec plugin (kubectl sends
    /// the token and never runs the plugin), basic credentials only without a token; a client
    /// certificate goes with any of them. Auth providers (gcp, azure, oidc) are removed or
    /// deprecated in kubectl and refused with the plugin to use instead.
    /// </summary>
    public static ICredentialSource For(KubeconfigUser? user, ExecPluginContext execContext, IOutputSink sink)
    {
        if (user is null)
        {
            return new StaticCredentialSource(Credential.None, "no credentials");
        }

        var owner = $"user '{user.Name}'";
        var hasToken = !string.IsNullOrEmpty(user.Token) || !string.IsNullOrEmpty(user.TokenFile);
        if (user.AuthProvider is { } provider && !hasToken && user.Exec is null)
        {
            var instead = provider switch
            {
                "gcp" => "gke-gcloud-auth-plugin",
                "azure" => "kubelogin (kubelogin convert-kubeconfig)",
                "oidc" => "an OIDC exec plugin such as kubelogin (kubectl oidc-login)",
                _ => "an exec credential plugin",
            };
            throw new CredentialException($"The {owner} authenticates with the auth-provider '{provider}', which kubectl no longer runs and NetSecPS does not support: configure {instead} as an exec credential plugin instead.");
        }

        if (hasToken && (!string.IsNullOrEmpty(user.Username) || !string.IsNullOrEmpty(user.Password)))
        {
            throw new CredentialException($"The {owner} sets both a bearer token and a username/password; kubectl refuses that too. Keep one of them.");
        }

        var certificate = ClientCertificate(user, owner);
        if (!string.IsNullOrEmpty(user.TokenFile))
        {
            if (user.Exec is not null)
            {
                sink.Verbose($"The {owner} has both tokenFile and an exec plugin; the token file is used and the plugin is not run, as kubectl does.");
            }

            return new TokenFileCredentialSource(user.TokenFile, user.Token, certificate, $"the token file of {owner}");
        }

        if (!string.IsNullOrEmpty(user.Token))
        {
            if (user.Exec is not null)
            {
                sink.Verbose($"The {owner} has both a token and an exec plugin; the token is used and the plugin is not run, as kubectl does.");
            }

            return new StaticCredentialSource(new Credential { BearerToken = user.Token, ClientCertificate = certificate }, $"the token of {owner}");
        }

        if (user.Exec is not null)
        {
            if (certificate is not null)
            {
                certificate.Dispose();
                throw new CredentialException($"The {owner} sets both a client certificate and an exec plugin; kubectl refuses that combination too. Keep one of them.");
            }

            return new ExecCredentialSource(user.Exec, owner, execContext);
        }

        if (!string.IsNullOrEmpty(user.Username))
        {
            return new StaticCredentialSource(new Credential { BasicUser = user.Username, BasicPassword = user.Password ?? string.Empty, ClientCertificate = certificate }, $"the username and password of {owner}");
        }

        return certificate is not null
            ? new StaticCredentialSource(new Credential { ClientCertificate = certificate }, $"the client certificate of {owner}")
            : new StaticCredentialSource(Credential.None, $"no credentials ({owner} has none)");
    }

    private static X509Certificate2? ClientCertificate(KubeconfigUser user, string owner)
    {
        var hasCert = user.ClientCertificate is not null || user.ClientCertificateData is not null;
        var hasKey = user.ClientKey is not null || user.ClientKeyData is not null;
        if (!hasCert && !hasKey)
        {
            return null;
        }

        if (hasCert != hasKey)
        {
            throw new CredentialException($"The {owner} gives a client {(hasCert ? "certificate without its key" : "key without its certificate")}; both are needed.");
        }

        var certPem = user.ClientCertificateData is { } cd ? Encoding.UTF8.GetString(cd) : ReadFile(user.ClientCertificate!, "client certificate", owner);
        var keyPem = user.ClientKeyData is { } kd ? Encoding.UTF8.GetString(kd) : ReadFile(user.ClientKey!, "client key", owner);
        return FromPem(certPem, keyPem, $"the client certificate of {owner}");
    }

    /// <summary>A certificate with its private key from PEM text, usable by SslStream on every platform.</summary>
    internal static X509Certificate2 FromPem(string certPem, string keyPem, string what)
    {
        try
        {
            using var loaded = X509Certificate2.CreateFromPem(certPem, keyPem);
            // A round trip through PKCS#12 gives a key that SslStream can present on every platform.
            var pfx = loaded.Export(X509ContentType.Pkcs12, string.Empty);
            try
            {
                return new X509Certificate2(pfx, string.Empty);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(pfx);
            }
        }
        catch (CryptographicException)
        {
            // The exception's own text may describe the PEM; the key material must not reach any message.
            throw new CredentialException($"{Capitalize(what)} cannot be used: it is not a PEM certificate with a matching PEM private key (RSA, ECDSA or PKCS#8).");
        }
        catch (ArgumentException)
        {
            throw new CredentialException($"{Capitalize(what)} cannot be used: it is not a PEM certificate with a matching PEM private key (RSA, ECDSA or PKCS#8).");
        }
    }

    private static string ReadFile(string path, string what, string owner)
    {
        try
        {
            return InputFiles.ReadAllText(path, Capitalize(what));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            throw new CredentialException($"The {what} file {path} of {owner} cannot be read: {ex.Message}");
        }
    }

    private static string Capitalize(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];
}
