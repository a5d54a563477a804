using System.Text.Json.Nodes;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;

namespace NetSecPS.ClusterGenerator.Tests;

/// <summary>
/// The Cilium variant of the generated cluster: the same numbers, Cilium's agent and policy
/// features, and CiliumNetworkPolicies that mean what the NetworkPolicies they replace meant, so
/// the benchmark measures the same cluster segmented the Cilium way.
/// </summary>
public sealed class CiliumVariantTests : CniVariantTests<CiliumVariant>
{
    public CiliumVariantTests(VariantCluster<CiliumVariant> written)
        : base(written)
    {
    }

    /// <summary>Cilium tells nodes apart from pods and addresses: two nodes as <c>host/node</c>.</summary>
    private protected override IEnumerable<string> NodeEnds(ConnectivityEngine engine) =>
        Data.OfKind("Node").Select(n => "host/" + n.Name).Take(2);

    private IEnumerable<JsonObject> Specs(string kind) => Data.OfKind(kind, "cilium.io").Select(o => (JsonObject)o.Raw!["spec"]!);

    private IEnumerable<JsonObject> Rules(string section) =>
        Specs("CiliumNetworkPolicy").Concat(Specs("CiliumClusterwideNetworkPolicy")).SelectMany(s => (s[section] as JsonArray ?? new JsonArray()).OfType<JsonObject>());

    [Fact]
    public void The_variant_has_the_requested_numbers_the_cilium_agent_and_no_admin_policies()
    {
        Assert.Empty(Data.Diagnostics);
        Assert.Equal(Shape.Pods, Data.OfKind("Pod").Count());
        Assert.Equal(Shape.Workloads, ClusterModel.Build(Data).Workloads.Count);
        var networkPolicies = Data.OfKind("NetworkPolicy").Count();
        var cilium = Data.OfKind("CiliumNetworkPolicy", "cilium.io").Count();
        Assert.Equal(Shape.Policies, networkPolicies + cilium);
        Assert.True(cilium > Shape.Policies / 4 && networkPolicies > Shape.Policies / 4, $"{cilium} Cilium, {networkPolicies} Kubernetes policies");
        Assert.NotEmpty(Data.OfKind("CiliumClusterwideNetworkPolicy", "cilium.io"));
        Assert.NotEmpty(Data.OfKind("CiliumCIDRGroup", "cilium.io"));
        Assert.Contains(Data.OfKind("DaemonSet"), d => d.Name == "cilium");
        Assert.Contains(Data.OfKind("ConfigMap"), c => c.Name == "cilium-config");
        Assert.Empty(Data.OfKind("AdminNetworkPolicy"));
        Assert.Empty(Data.OfKind("BaselineAdminNetworkPolicy"));
    }

    [Fact]
    public void The_cilium_policies_use_l7_dns_fqdn_entity_deny_cidr_group_and_namespace_label_features()
    {
        var ports = Rules("ingress").Concat(Rules("egress")).SelectMany(r => (r["toPorts"] as JsonArray ?? new JsonArray()).OfType<JsonObject>()).ToList();
        Assert.Contains(ports, p => p["rules"]?["http"] is not null);
        Assert.Contains(ports, p => p["rules"]?["dns"] is not null);
        Assert.Contains(Rules("egress"), r => r["toFQDNs"] is not null);
        Assert.Contains(Rules("egress"), r => r["toEntities"]?.ToJsonString().Contains("world", StringComparison.Ordinal) == true);
        Assert.Contains(Rules("egressDeny"), r => r["toCIDR"] is not null);
        Assert.Contains(Rules("ingressDeny"), r => r["fromEndpoints"] is not null);
        Assert.Contains(Rules("ingress"), r => r["fromCIDRSet"]?[0]?["cidrGroupRef"] is not null);
        Assert.Contains(Rules("ingress"), r => r.ToJsonString().Contains("io.cilium.k8s.namespace.labels.", StringComparison.Ordinal));
        Assert.Contains(Specs("CiliumNetworkPolicy"), s => s["ingress"] is JsonArray { Count: 1 } i && i[0] is JsonObject { Count: 0 });
        Assert.Contains(Specs("CiliumClusterwideNetworkPolicy"), s => s["enableDefaultDeny"] is not null);
    }
}

/// <summary>The Cilium variant: 400 pods, and as reference the same plan with its NetworkPolicies kept.</summary>
public sealed class CiliumVariant : CniVariant
{
    internal override string Name => "Cilium";

    internal override ClusterShape Shape { get; } = new(400, 80, 90, Seed: 7) { Cilium = true };

    internal override string ReferenceName => "NetworkPolicy";

    internal override SyntheticCluster Reference() => new(Shape) { RewritesAsCilium = false };
}
