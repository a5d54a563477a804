using NetSecPS.Core.Baseline;
using NetSecPS.Core.Checks;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Tests;

/// <summary>
/// The Cilium demo cluster (samples/cilium-cluster): it loads cleanly, its Cilium-only default
/// deny counts, and NetSecPS finds its one deliberate hole, exactly as its README says; closing
/// the hole clears the findings and shows as drift.
/// </summary>
public class CiliumDemoClusterTests
{
    private static readonly DateTimeOffset Today = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    private static string Dir => Path.Combine(TestPaths.RepoRoot, "samples", "cilium-cluster");

    private static ClusterData Read() => ManifestSource.Read(new[] { Dir });

    /// <summary>The cluster with the hole closed: the leftover policy deleted.</summary>
    private static ClusterData WithoutHole()
    {
        var data = Read();
        return new ClusterData(data.Objects.Where(o => o.Name != "postgres-migration").ToList(), data.Provenance, data.Coverage, data.Diagnostics);
    }

    private static (ConnectivityEngine Engine, CollectingSink Sink) Engine(ClusterData data)
    {
        var sink = new CollectingSink();
        return (ConnectivityEngine.Build(ClusterModel.Build(data), sink), sink);
    }

    private static IReadOnlyList<Finding> Audit(ClusterData data)
    {
        var model = ClusterModel.Build(data);
        return Auditor.Run(model, ConnectivityEngine.Build(model), AuditProfile.BuiltInDefault, null, new CollectingSink(), new AuditOptions { Now = Today }).Findings;
    }

    [Fact]
    public void Loads_and_compiles_without_an_error_and_warns_only_of_what_it_cannot_decide()
    {
        var data = Read();
        Assert.Empty(data.Diagnostics);
        var (engine, sink) = Engine(data);
        Assert.Empty(sink.Diagnostics);

        // The FQDN rules name DNS names, which no static analysis resolves: the one warning says so.
        Assert.NotEmpty(sink.Warnings);
        Assert.All(sink.Warnings, w => Assert.StartsWith("Not decidable statically: ", w, StringComparison.Ordinal));
        Assert.Contains(sink.Warnings, w => w.Contains("toFQDNs", StringComparison.Ordinal) || w.Contains("domain", StringComparison.OrdinalIgnoreCase));
        var kinds = ((IConnectivityQuery)engine).Policies.Policies.Where(p => !p.Implicit).Select(p => p.Kind).Distinct().Order(StringComparer.Ordinal);
        Assert.Equal(new[] { "CiliumClusterwideNetworkPolicy", "CiliumNetworkPolicy" }, kinds);
        Assert.DoesNotContain(data.Objects, o => o.Kind == "NetworkPolicy");
    }

    [Fact]
    public void The_audit_finds_the_hole_and_nothing_else()
    {
        var findings = Audit(Read()).Where(f => !f.Suppressed).Select(f => (f.CheckId, f.Severity, f.Resource)).Order().ToList();
        Assert.Equal(new[]
        {
            ("LAT-001", Severity.High, "StatefulSet/shop/postgres"),
            ("NP-007", Severity.Medium, "CiliumNetworkPolicy/shop/postgres-migration"),
            ("NP-014", Severity.Info, "CiliumNetworkPolicy/shop/postgres"),
        }.Order(), findings);

        var lat = Audit(Read()).Single(f => f.CheckId == "LAT-001");
        Assert.Contains("from 2 workload(s) of other namespaces (kube-system)", lat.Evidence, StringComparison.Ordinal);
        Assert.Equal(new[] { "kube-system/coredns[Deployment] => shop/postgres[StatefulSet]", "kube-system/hubble-relay[Deployment] => shop/postgres[StatefulSet]" },
            lat.EvidenceData.Where(e => e.Kind == "Flow").Select(e => e.Subject).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_explainer_names_the_leftover_rule_and_the_union_with_the_narrow_one()
    {
        var (engine, _) = Engine(Read());
        var v = engine.Test(engine.ResolveEndpoint("kube-system/coredns"), engine.ResolveEndpoint("shop/postgres"), "TCP", 5432);
        Assert.True(v.Allowed);
        Assert.Equal(("CiliumNetworkPolicy", "shop/postgres-migration", "ingress[0]"), (v.PolicyKind, v.Policy, v.Rule));
        Assert.Contains("entity cluster", v.Explanation, StringComparison.Ordinal);

        // A node reaches it through the same rule; application pods are held back by their egress default deny.
        Assert.Equal("shop/postgres-migration", engine.Test(engine.ResolveEndpoint("host/worker-2"), engine.ResolveEndpoint("shop/postgres"), "TCP", 5432).Policy);
        var frontend = engine.Test(engine.ResolveEndpoint("shop/frontend"), engine.ResolveEndpoint("shop/postgres"), "TCP", 5432);
        Assert.False(frontend.Allowed);
        Assert.Contains("isolated for egress by CiliumClusterwideNetworkPolicy baseline-default-deny", frontend.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_the_hole_the_audit_is_clean_and_the_drift_names_the_removed_flows_and_policy()
    {
        Assert.DoesNotContain(Audit(WithoutHole()), f => !f.Suppressed);

        var withHole = PostureScan.Run(Read(), AuditProfile.BuiltInDefault, null, new CollectingSink(), Today);
        var closed = PostureScan.Run(WithoutHole(), AuditProfile.BuiltInDefault, null, new CollectingSink(), Today);
        var drift = DriftAnalyzer.Compare(withHole, closed);
        Assert.Contains(drift, d => d.Category == DriftCategory.Flow && d.Change == DriftChange.Removed && d.Subject == "kube-system/coredns[Deployment] => shop/postgres[StatefulSet]");
        Assert.Contains(drift, d => d.Category == DriftCategory.Policy && d.Change == DriftChange.Removed && d.Subject.Contains("postgres-migration", StringComparison.Ordinal));
        Assert.Contains(drift, d => d.Category == DriftCategory.Finding && d.Change == DriftChange.Removed && d.Subject == "LAT-001 StatefulSet/shop/postgres");
    }

    [Fact]
    public void The_inventory_lists_the_cilium_policies_with_their_deny_sections_and_the_cidr_group()
    {
        var items = InventoryBuilder.Build(ClusterModel.Build(Read())).OfType<PolicyItem>().ToDictionary(p => p.Kind + "/" + p.Name);
        var metadata = items["CiliumClusterwideNetworkPolicy/deny-cloud-metadata"];
        Assert.Equal((0, 1), (metadata.IngressRules, metadata.EgressRules));
        Assert.Equal(new[] { "Egress" }, metadata.PolicyTypes);
        Assert.Equal("io.kubernetes.pod.namespace notin (kube-system)", items["CiliumClusterwideNetworkPolicy/baseline-default-deny"].Subject);
        Assert.Equal("external CIDRs: 203.0.113.0/24, 198.51.100.16/28", items["CiliumCIDRGroup/payment-partners"].Subject);
        Assert.Equal(new[] { "Ingress", "Egress" }, items["CiliumNetworkPolicy/cart"].PolicyTypes);
    }

    [Fact]
    public void Every_check_id_the_readme_and_manifests_name_is_in_the_catalogue()
    {
        var text = string.Join("\n", Directory.EnumerateFiles(Dir, "*", SearchOption.AllDirectories).Select(File.ReadAllText));
        var ids = System.Text.RegularExpressions.Regex.Matches(text, @"\b(?:NP|EX|LAT|HN|MESH|DET|CNI|PLAT|RBAC|SEC)-\d{3}\b").Select(m => m.Value).Distinct().ToList();
        Assert.NotEmpty(ids);
        Assert.All(ids, id => Assert.NotNull(CheckCatalogue.Find(id)));
    }
}
