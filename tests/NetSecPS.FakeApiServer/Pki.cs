using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace NetSecPS.FakeApiServer;

/// <summary>The private key formats a kubeconfig's client-key may hold.</summary>
public enum ClientKeyFormat
{
    /// <summary>BEGIN PRIVATE KEY (ECDSA P-256).</summary>
    Pkcs8,
    /// <summary>BEGIN RSA PRIVATE KEY (what kubeadm writes).</summary>
    Rsa,
    /// <summary>BEGIN EC PRIVATE KEY (what kind and k3s write).</summary>
    Ec,
}

/// <summary>
/// A private certificate authority with the serving certificate it signs (for 127.0.0.1,
/// localhost and kubernetes.default.svc unless other names are given), and a second CA that
/// signs client certificates, as an API server's --client-ca-file does.
/// </summary>
public sealed class FakePki : IDisposable
{
    private readonly X509Certificate2 clientCaWithKey;

    private FakePki(X509Certificate2 ca, X509Certificate2 server, X509Certificate2 clientCaWithKey)
    {
        Ca = ca;
        ServerCertificate = server;
        this.clientCaWithKey = clientCaWithKey;
        ClientCa = X509CertificateLoader.LoadCertificate(clientCaWithKey.Export(X509ContentType.Cert));
    }

    /// <summary>The CA that signs client certificates (public part).</summary>
    public X509Certificate2 ClientCa { get; }

    /// <summary>The CA certificate (public part only).</summary>
    public X509Certificate2 Ca { get; }
    /// <summary>The serving certificate with its private key.</summary>
    public X509Certificate2 ServerCertificate { get; }

    /// <summary>The CA as PEM, what a kubeconfig's certificate-authority-data holds (base64 of it).</summary>
    public string CaPem => Ca.ExportCertificatePem();

    public static FakePki Create(string name = "netsecps-fake", IReadOnlyList<string>? serverNames = null)
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest($"CN={name}-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var caWithKey = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}-apiserver", serverKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var n in serverNames ?? new[] { "127.0.0.1", "localhost", "kubernetes.default.svc" })
        {
            if (System.Net.IPAddress.TryParse(n, out var ip))
            {
                san.AddIpAddress(ip);
            }
            else
            {
                san.AddDnsName(n);
            }
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(caWithKey, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var signed = request.Create(caWithKey, now.AddDays(-1), now.AddDays(29), serial);
        using var signedWithKey = signed.CopyWithPrivateKey(serverKey);

        // A round trip through PKCS#12 gives a key that SslStream can use on every platform.
        var pfx = signedWithKey.Export(X509ContentType.Pkcs12, string.Empty);
        var server = X509CertificateLoader.LoadPkcs12(pfx, string.Empty);
        var ca = X509CertificateLoader.LoadCertificate(caWithKey.Export(X509ContentType.Cert));
        using var clientCaKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var clientCaRequest = new CertificateRequest($"CN={name}-client-ca", clientCaKey, HashAlgorithmName.SHA256);
        clientCaRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        clientCaRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        clientCaRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(clientCaRequest.PublicKey, false));
        var clientCa = clientCaRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));
        return new FakePki(ca, server, clientCa);
    }

    /// <summary>A client certificate for <paramref name="user"/> signed by the client CA, as PEM certificate and PEM key.</summary>
    public (string CertificatePem, string KeyPem) IssueClientCertificate(string user, ClientKeyFormat format = ClientKeyFormat.Pkcs8, IReadOnlyList<string>? groups = null)
    {
        var now = DateTimeOffset.UtcNow;
        var subject = new X500DistinguishedNameBuilder();
        foreach (var g in groups ?? Array.Empty<string>())
        {
            subject.AddOrganizationName(g);
        }

        subject.AddCommonName(user);
        using AsymmetricAlgorithm key = format == ClientKeyFormat.Rsa ? RSA.Create(2048) : ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = key is RSA rsa
            ? new CertificateRequest(subject.Build(), rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            : new CertificateRequest(subject.Build(), (ECDsa)key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.2") }, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(clientCaWithKey, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        // The CA's key is ECDSA; an RSA client key needs the generator overload.
        using var caKey = clientCaWithKey.GetECDsaPrivateKey()!;
        using var cert = request.Create(clientCaWithKey.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), now.AddDays(-1), now.AddDays(29), serial);
        var keyPem = format switch
        {
            ClientKeyFormat.Rsa => ((RSA)key).ExportRSAPrivateKeyPem(),
            ClientKeyFormat.Ec => ((ECDsa)key).ExportECPrivateKeyPem(),
            _ => key.ExportPkcs8PrivateKeyPem(),
        };
        return (cert.ExportCertificatePem(), keyPem);
    }

    /// <summary>A kubeconfig with one cluster, user and context for <paramref name="server"/>.</summary>
    public static string Kubeconfig(string server, string caPem, string token, string name = "netsecps-fake")
    {
        var caData = Convert.ToBase64String(Encoding.ASCII.GetBytes(caPem));
        return $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: {name}
              cluster:
                server: {server}
                certificate-authority-data: {caData}
            users:
            - name: {name}-auditor
              user:
                token: {token}
            contexts:
            - name: {name}
              context:
                cluster: {name}
                user: {name}-auditor
            current-context: {name}

            """;
    }

    public void Dispose()
    {
        Ca.Dispose();
        ServerCertificate.Dispose();
        ClientCa.Dispose();
        clientCaWithKey.Dispose();
    }
}
