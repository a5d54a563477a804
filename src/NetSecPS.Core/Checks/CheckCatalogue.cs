using NetSecPS.Core.Checks.AccessControl;
using NetSecPS.Core.Checks.Detection;
using NetSecPS.Core.Checks.Exposure;
using NetSecPS.Core.Checks.HostNetworking;
using NetSecPS.Core.Checks.LateralMovement;
using NetSecPS.Core.Checks.Mesh;
using NetSecPS.Core.Checks.Platform;
using NetSecPS.Core.Checks.Segmentation;

namespace NetSecPS.Core.Checks;

/// <summary>Every check, in catalogue order (docs/checks.md is written from them). Checks are stateless, so one instance each serves every audit.</summary>
internal static class CheckCatalogue
{
    public static IReadOnlyList<Check> All { get; } = new Check[]
    {
        new Np001DefaultDenyIngress(),
        new Np002DefaultDenyEgress(),
        new Np003WorkloadIngressIsolation(),
        new Np004WorkloadEgressIsolation(),
        new Np005AllowAllIngress(),
        new Np006AllowAllEgress(),
        new Np007IngressFromEveryNamespace(),
        new Np008UnrestrictedInternetEgress(),
        new Np009MetadataEndpoint(),
        new Np010DnsBlocked(),
        new Np011PolicySelectsNothing(),
        new Np012DeadPeer(),
        new Np013NamedPortUndefined(),
        new Np014RedundantRule(),
        new Np015UndefinedPolicyOrder(),
        new Ex001LoadBalancerOpen(),
        new Ex002NodePort(),
        new Ex003ExternalIPs(),
        new Ex004IngressWithoutTls(),
        new Ex005ExposedWithoutIsolation(),
        new Ex006SensitiveInterfaceExposed(),
        new Ex007SourceIpNotPreserved(),
        new Ex008DanglingBackend(),
        new Hn001HostNetwork(),
        new Hn002HostPort(),
        new Mesh001MtlsNotStrict(),
        new Mesh002OutsideMesh(),
        new Mesh003NoAuthorizationPolicy(),
        new Mesh004LinkerdUnauthenticated(),
        new Mesh005NoEncryptionInTransit(),
        new Cni001PolicyNotEnforced(),
        new Cni002CniNotIdentified(),
        new Plat001VersionOutOfSupport(),
        new Rbac001PolicyWriters(),
        new Rbac002WildcardRbac(),
        new Sec001SecretInEnvironment(),
        new Det001RuntimeDetection(),
        new Det002FlowVisibility(),
        new Lat001DataStoreAcrossNamespaces(),
        new Lat002BlastRadius(),
    };

    public static IReadOnlyList<CheckInfo> Infos { get; } = All.Select(c => c.Info).ToList();

    public static Check? Find(string id) => All.FirstOrDefault(c => string.Equals(c.Info.Id, id, StringComparison.OrdinalIgnoreCase));
}
