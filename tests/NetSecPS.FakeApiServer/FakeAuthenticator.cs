using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;

namespace NetSecPS.FakeApiServer;

/// <summary>How a request was authenticated: the user, and which kind of credential proved it. Never the credential.</summary>
public sealed record Identity(string User, string Method);

/// <summary>
/// Authentication the way the API server's union authenticator does it: a client certificate
/// signed by the client CA authenticates as its common name; otherwise a bearer token that is
/// known and not expired authenticates as its user; otherwise the request is anonymous and
/// answered 401. Tokens can be added, expired and revoked while serving (rotation, expiry).
/// </summary>
public sealed class FakeAuthenticator
{
    private readonly ConcurrentDictionary<string, (string User, DateTimeOffset? NotAfter)> tokens = new(StringComparer.Ordinal);
    private readonly X509Certificate2 clientCa;

    public FakeAuthenticator(X509Certificate2 clientCa)
    {
        this.clientCa = clientCa;
    }

    /// <summary>Accepts <paramref name="token"/> as <paramref name="user"/>, until <paramref name="notAfter"/> when given.</summary>
    public FakeAuthenticator Accept(string token, string user = "system:serviceaccount:netsecps:auditor", DateTimeOffset? notAfter = null)
    {
        tokens[token] = (user, notAfter);
        return this;
    }

    public FakeAuthenticator Revoke(string token)
    {
        tokens.TryRemove(token, out _);
        return this;
    }

    /// <summary>Basic credentials "user:password" are accepted as user when registered this way (API servers before 1.19).</summary>
    public FakeAuthenticator AcceptBasic(string user, string password) => Accept("basic:" + user + ":" + password, user);

    public Identity? Authenticate(string? authorization, X509Certificate2? clientCertificate)
    {
        if (clientCertificate is not null && IsSignedByClientCa(clientCertificate))
        {
            return new Identity(clientCertificate.GetNameInfo(X509NameType.SimpleName, false), "x509");
        }

        if (authorization is null)
        {
            return null;
        }

        string key;
        string method;
        if (authorization.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            key = authorization["Bearer ".Length..];
            method = "token";
        }
        else if (authorization.StartsWith("Basic ", StringComparison.Ordinal))
        {
            try
            {
                key = "basic:" + System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(authorization["Basic ".Length..]));
            }
            catch (FormatException)
            {
                return null;
            }

            method = "basic";
        }
        else
        {
            return null;
        }

        if (tokens.TryGetValue(key, out var grant) && (grant.NotAfter is null || DateTimeOffset.UtcNow < grant.NotAfter))
        {
            return new Identity(grant.User, method);
        }

        return null;
    }

    private bool IsSignedByClientCa(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(clientCa);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }
}
