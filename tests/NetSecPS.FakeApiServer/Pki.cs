using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace NetSecPS.FakeApiServer;

/// <summary>A private certificate authority and the serving certificate it signs for 127.0.0.1 and localhost.</summary>
public sealed class FakePki : IDisposable
{
    private FakePki(X509Certificate2 ca, X509Certificate2 server)
    {
        Ca = ca;
        ServerCertificate = server;
    }

    /// <summary>The CA certificate (public part only).</summary>
    public X509Certificate2 Ca { get; }
    /// <summary>The serving certificate with its private key.</summary>
    public X509Certificate2 ServerCertificate { get; }

    /// <summary>The CA as PEM, what a kubeconfig's certificate-authority-data holds (base64 of it).</summary>
    public string CaPem => Ca.ExportCertificatePem();

    public static FakePki Create(string name = "netsecps-fake")
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
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        san.AddDnsName("localhost");
        san.AddDnsName("kubernetes.default.svc");
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
        return new FakePki(ca, server);
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
    }
}
