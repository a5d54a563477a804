using NetSecPS.Core.Baseline;
using NetSecPS.Core.Model;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Tests.Baseline;

/// <summary>Postures built from the manifests under tests/fixtures/baseline, with flows and findings given as the engine and audit would.</summary>
internal static class Postures
{
    public static ClusterModel Model(string fixture) =>
        ClusterModel.Build(ManifestSource.Read(new[] { TestPaths.Fixture("baseline", fixture) }));

    public static Posture Build(string fixture, IEnumerable<string>? connlist = null, IEnumerable<Finding>? findings = null, ProfileInfo? profile = null, PostureExceptions? exceptions = null) =>
        PostureBuilder.Build(
            Model(fixture),
            (connlist ?? Array.Empty<string>()).Select(ToFlow),
            findings ?? Array.Empty<Finding>(),
            profile ?? new ProfileInfo { Name = "default", ExcludedNamespaces = new[] { "kube-system", "kube-public", "kube-node-lease" } },
            exceptions);

    public static Flow ToFlow(string line)
    {
        Assert.True(ConnlistText.TryParseLine(line, out var f), line);
        return new Flow { Source = f.Source, Destination = f.Destination, Connections = f.Connections };
    }

    public static Finding Finding(string checkId, string resource, Severity severity, bool suppressed = false, string? ns = "shop") => new()
    {
        CheckId = checkId,
        Resource = resource,
        Severity = severity,
        Title = checkId + " title",
        Namespace = ns,
        Suppressed = suppressed,
        Justification = suppressed ? "accepted by the platform team" : null,
        SuppressedBy = suppressed ? "platform@example.com" : null,
    };

    /// <summary>The flows of shop-v1 as the engine would list them.</summary>
    public static readonly string[] ShopV1Flows =
    {
        "0.0.0.0-255.255.255.255[External] => shop/web[Deployment] : All Connections",
        "shop/web[Deployment] => 0.0.0.0-255.255.255.255[External] : All Connections",
        "shop/web[Deployment] => shop/db[StatefulSet] : TCP 5432",
        "shop/db[StatefulSet] => 0.0.0.0-255.255.255.255[External] : All Connections",
        "shop/db[StatefulSet] => shop/web[Deployment] : All Connections",
    };

    public static Provenance Source(string cluster, DateTimeOffset collected) => new()
    {
        SourceKind = "live",
        Cluster = cluster,
        Context = cluster,
        ServerVersion = "v1.31.2",
        CollectedAt = collected,
    };
}
