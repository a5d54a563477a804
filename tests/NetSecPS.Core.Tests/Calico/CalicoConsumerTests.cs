using NetSecPS.Core.Baseline;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Tests.Calico;

/// <summary>The inventory, baselines and drift see Calico objects as they see every policy kind.</summary>
public class CalicoConsumerTests
{
    private static ClusterModel Model(params string[] files) =>
        ClusterModel.Build(ManifestSource.Read(files.Select(f => TestPaths.Fixture("connectivity", "calico", f))));

    [Fact]
    public void The_inventory_lists_Calico_policies_with_their_tier_and_staged_ones_as_not_enforced()
    {
        var items = InventoryBuilder.Build(Model("tiers.yaml", "edge.yaml")).ToList();
        var deny = Assert.Single(items.OfType<PolicyItem>(), p => p.Name == "security.deny-ssh");
        Assert.Equal(("GlobalNetworkPolicy", "security", 100, true), (deny.Kind, deny.Tier!, deny.Priority!.Value, deny.Enforced));
        Assert.Equal(new[] { "Ingress" }, deny.PolicyTypes);
        var stage = Assert.Single(items.OfType<PolicyItem>(), p => p.Name == "devops.stage-env");
        Assert.Equal(new[] { "Ingress", "Egress" }, stage.PolicyTypes);
        Assert.Equal("env == \"stage\"", stage.Subject);

        var staged = Assert.Single(items.OfType<PolicyItem>(), p => p.Name == "staged-deny-all");
        Assert.False(staged.Enforced);
        Assert.StartsWith("staged: not enforced; default tier", staged.Details, StringComparison.Ordinal);

        var devops = Assert.Single(items.OfType<OtherItem>(), o => o.Kind == "Tier" && o.Name == "devops");
        Assert.Equal("order 300; default action Pass", devops.Summary);
        Assert.Contains(items.OfType<OtherItem>(), o => o.Kind == "Profile" && o.Summary == "labelsToApply zone=dmz");
    }

    [Fact]
    public void A_policy_served_by_both_Calico_API_groups_is_listed_once()
    {
        var items = InventoryBuilder.Build(Model("tiers.yaml", "tiers-crd.yaml")).OfType<PolicyItem>().Where(p => p.Name == "security.deny-ssh").ToList();
        var one = Assert.Single(items);
        Assert.Equal("projectcalico.org/v3", one.ApiVersion);
    }

    [Fact]
    public void A_change_to_a_Calico_rule_is_drift_in_the_policy_and_in_the_flows_it_opens()
    {
        var dir = Path.Combine(Path.GetTempPath(), "netsecps-calico-drift-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var original = File.ReadAllText(TestPaths.Fixture("connectivity", "calico", "tiers.yaml"));
            // The security tier stops denying SSH: it now denies 2222 instead.
            var changed = original.Replace("destination: {ports: [22]}", "destination: {ports: [2222]}", StringComparison.Ordinal);
            Assert.NotEqual(original, changed);
            File.WriteAllText(Path.Combine(dir, "tiers.yaml"), changed);

            var before = Posture(ClusterModel.Build(ManifestSource.Read(new[] { TestPaths.Fixture("connectivity", "calico", "tiers.yaml") })));
            var after = Posture(ClusterModel.Build(ManifestSource.Read(new[] { dir })));
            var drift = DriftAnalyzer.Compare(before, after);

            Assert.Contains(drift, d => d.Category == DriftCategory.Policy && d.Change == DriftChange.Changed && d.Subject.Contains("security.deny-ssh", StringComparison.Ordinal));
            var flow = Assert.Single(drift, d => d.Category == DriftCategory.Flow && d.Subject == "stage/worker[Pod] => stage/web[Pod]");
            Assert.Equal(("SCTP 1-65535,TCP 1-21,23-65535,UDP 1-65535", "SCTP 1-65535,TCP 1-2221,2223-65535,UDP 1-65535"), (flow.Before, flow.After));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static Posture Posture(ClusterModel model)
    {
        var engine = ConnectivityEngine.Build(model);
        return PostureBuilder.Build(model, engine.Flows, Array.Empty<Finding>());
    }
}
