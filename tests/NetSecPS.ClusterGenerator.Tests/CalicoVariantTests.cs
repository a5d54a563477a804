using System.Text.Json.Nodes;
using NetSecPS.Core;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;
using NetSecPS.Core.Sources;

namespace NetSecPS.ClusterGenerator.Tests;

/// <summary>
/// The Calico variant of the generated cluster: the same numbers, calico-node, and Calico policies
/// (NetworkPolicies in Calico's selector language, GlobalNetworkPolicies in tiers that pass what
/// they do not decide, network sets) that mean what the Kubernetes policies they replace meant, so
/// the benchmark measures the same cluster segmented the Calico way.
/// </summary>
public sealed class CalicoVariantTests : CniVariantTests<CalicoVariant>
{
    public CalicoVariantTests(VariantCluster<CalicoVariant> written)
        : base(written)
    {
    }

    private IEnumerable<KubeObject> Calico(string kind) => Data.OfKind(kind, "projectcalico.org");

    private IEnumerable<JsonObject> Specs(string kind) => Calico(kind).Select(o => (JsonObject)o.Raw!["spec"]!);

    private IEnumerable<JsonObject> Rules(string section) =>
        Specs("NetworkPolicy").Concat(Specs("GlobalNetworkPolicy")).SelectMany(s => (s[section] as JsonArray ?? new JsonArray()).OfType<JsonObject>());

    private IEnumerable<JsonObject> Entities() =>
        Rules("ingress").Concat(Rules("egress")).SelectMany(r => new[] { r["source"], r["destination"] }).OfType<JsonObject>();

    /// <summary>Calico does not tell nodes apart from the pods on their network: nodes are addresses, and calico-node a workload on the host network.</summary>
    private protected override IEnumerable<string> NodeEnds(ConnectivityEngine engine) =>
        new[] { engine.Model.Workloads.Single(w => w.Name == "calico-node").Peer };

    /// <summary>The Calico tiers are really in force: every Calico policy compiled, in the tiers it names, without warnings.</summary>
    private protected override void CheckCompiled(ConnectivityEngine engine, CollectingSink sink)
    {
        Assert.DoesNotContain(sink.Diagnostics, d => d.Severity is DiagnosticSeverity.Error or DiagnosticSeverity.Warning);
        var model = ((IConnectivityQuery)engine).Policies;
        Assert.Contains(model.Tiers, t => t.Name == "platform");
        Assert.Contains(model.Tiers, t => t.Name == "platform-baseline");
        Assert.Equal(Calico("GlobalNetworkPolicy").Count(), model.OfKind("GlobalNetworkPolicy").Count());
        Assert.Equal(Calico("NetworkPolicy").Count(), model.Policies.Count(p => p.Kind == "NetworkPolicy" && p.Source.Group == "projectcalico.org"));
    }

    [Fact]
    public void The_variant_has_the_requested_numbers_calico_node_and_no_admin_policies()
    {
        Assert.Empty(Data.Diagnostics);
        Assert.Equal(Shape.Pods, Data.OfKind("Pod").Count());
        Assert.Equal(Shape.Workloads, ClusterModel.Build(Data).Workloads.Count);
        var networkPolicies = Data.OfKind("NetworkPolicy", "networking.k8s.io").Count();
        var calico = Calico("NetworkPolicy").Count();
        Assert.Equal(Shape.Policies, networkPolicies + calico);
        Assert.True(calico > Shape.Policies / 4 && networkPolicies > Shape.Policies / 4, $"{calico} Calico, {networkPolicies} Kubernetes policies");
        Assert.Contains(Data.OfKind("DaemonSet"), d => d.Name == "calico-node" && d.Namespace == "calico-system");
        Assert.Contains(Data.OfKind("DaemonSet"), d => d.Name == "kube-proxy");
        Assert.Empty(Data.OfKind("AdminNetworkPolicy"));
        Assert.Empty(Data.OfKind("BaselineAdminNetworkPolicy"));

        // The plain form of the same plan: the same pods, Kubernetes' policies only.
        Assert.Equal(Shape.Pods, Reference.OfKind("Pod").Count());
        Assert.Equal(Shape.Policies, Reference.OfKind("NetworkPolicy", "networking.k8s.io").Count());
        Assert.Empty(Reference.OfKind("NetworkPolicy", "projectcalico.org"));
        Assert.NotEmpty(Reference.OfKind("AdminNetworkPolicy"));
        Assert.Equal(Calico("GlobalNetworkPolicy").Count(), Reference.OfKind("AdminNetworkPolicy").Count() + Reference.OfKind("BaselineAdminNetworkPolicy").Count());
    }

    [Fact]
    public void The_calico_policies_use_tiers_that_pass_selectors_namespace_selectors_nets_and_network_sets()
    {
        var tiers = Specs("Tier").ToList();
        Assert.Equal(2, tiers.Count);
        Assert.All(tiers, t => Assert.Equal("Pass", t["defaultAction"]!.GetValue<string>()));
        Assert.Contains(tiers, t => t["order"]!.GetValue<int>() < 1_000_000);
        Assert.Contains(tiers, t => t["order"]!.GetValue<int>() > 1_000_000);
        Assert.All(Specs("GlobalNetworkPolicy"), s => Assert.StartsWith("platform", s["tier"]!.GetValue<string>(), StringComparison.Ordinal));
        Assert.All(Specs("NetworkPolicy"), s => Assert.Null(s["tier"]));

        var actions = Rules("ingress").Concat(Rules("egress")).Select(r => r["action"]!.GetValue<string>()).ToHashSet();
        Assert.Superset(new HashSet<string> { "Allow", "Deny", "Pass" }, actions);
        var selectors = Entities().Select(e => e["selector"]?.GetValue<string>()).OfType<string>().Concat(Specs("NetworkPolicy").Select(s => s["selector"]!.GetValue<string>())).ToList();
        Assert.Contains(selectors, s => s.Contains(" && ", StringComparison.Ordinal));
        Assert.Contains(selectors, s => s.Contains(" not in {", StringComparison.Ordinal));
        Assert.Contains(selectors, s => s.Contains(" in {", StringComparison.Ordinal) && !s.Contains(" not in {", StringComparison.Ordinal));
        Assert.Contains(selectors, s => s.StartsWith("has(", StringComparison.Ordinal));
        Assert.Contains(selectors, s => s == "all()");
        Assert.Contains(Entities(), e => e["namespaceSelector"] is not null && e["selector"] is not null);
        Assert.Contains(Entities(), e => e["nets"] is not null && e["notNets"] is not null);
        Assert.Contains(Entities(), e => e["ports"]?.ToJsonString().Contains(':', StringComparison.Ordinal) == true);
        Assert.Contains(Rules("ingress"), r => r["protocol"]?.GetValue<string>() == "UDP" || r["protocol"]?.GetValue<string>() == "SCTP");

        // Both network sets are there and a rule selects each by its labels.
        var set = Assert.Single(Calico("GlobalNetworkSet"));
        Assert.Contains(Entities(), e => e["selector"]?.GetValue<string>() == "range == 'cloud-metadata'");
        Assert.Equal("cloud-metadata", set.Raw!["metadata"]!["labels"]!["range"]!.GetValue<string>());
        var partners = Calico("NetworkSet").ToList();
        Assert.NotEmpty(partners);
        Assert.All(partners, p => Assert.Contains(Calico("NetworkPolicy"), np => np.Namespace == p.Namespace && np.Name == "allow-partner-ingress"));
        Assert.Contains(Entities(), e => e["selector"]?.GetValue<string>() == "role == 'partner'" && e["notNets"] is not null);
    }

    [Fact]
    public void A_shape_cannot_ask_for_cilium_and_calico_together()
    {
        var ex = Assert.Throws<ArgumentException>(() => new SyntheticCluster(Shape with { Cilium = true }));
        Assert.Contains("two CNIs", ex.Message, StringComparison.Ordinal);
    }

}

/// <summary>The Calico variant: 400 pods, and as reference the same plan with Kubernetes' own policies (NetworkPolicies and admin policies).</summary>
public sealed class CalicoVariant : CniVariant
{
    internal override string Name => "Calico";

    internal override ClusterShape Shape { get; } = new(400, 80, 90, Seed: 7) { Calico = true };

    internal override string ReferenceName => "Kubernetes policies";

    internal override SyntheticCluster Reference() => new(Shape) { RewritesAsCalico = false };
}
