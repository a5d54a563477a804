using NetSecPS.Core.Sources;
using static NetSecPS.Core.Tests.Checks.CheckHarness;

namespace NetSecPS.Core.Tests.Checks;

/// <summary>CNI-001, CNI-002, PLAT-001, RBAC-001, RBAC-002, SEC-001, DET-001, DET-002.</summary>
public class PlatformAndAccessTests
{
    [Fact]
    public void Flannel_alone_with_network_policies_fails_CNI_001()
    {
        var f = Assert.Single(Fails("CNI-001", "flannel-alone.yaml", "Cluster/cluster"));
        Assert.Equal(NetSecPS.Severity.Critical, f.Severity);
        Assert.Contains("Flannel", f.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void The_aws_vpc_cni_with_its_policy_agent_switched_off_fails_CNI_001() =>
        Fails("CNI-001", "aws-vpc-cni-without-agent.yaml", "Cluster/cluster");

    [Fact]
    public void A_calico_cluster_with_policies_does_not_fail_CNI_001() => Passes("CNI-001", "calico-with-policies.yaml");

    [Fact]
    public void A_cilium_cluster_with_policies_does_not_fail_CNI_001() => Passes("CNI-001", "cilium-with-policies.yaml");

    [Fact]
    public void Canal_flannel_with_calico_does_not_fail_CNI_001() => Passes("CNI-001", "canal-flannel-with-calico.yaml");

    [Fact]
    public void The_aws_vpc_cni_with_its_policy_agent_enabled_does_not_fail_CNI_001() => Passes("CNI-001", "aws-vpc-cni-with-agent.yaml");

    [Fact]
    public void Flannel_without_any_policy_has_nothing_to_ignore_and_passes_CNI_001() => Passes("CNI-001", "flannel-without-policies.yaml");

    [Fact]
    public void Cilium_with_policy_enforcement_set_to_never_fails_CNI_001()
    {
        var f = Assert.Single(Fails("CNI-001", "cilium-enforcement-never.yaml", "Cluster/cluster"));
        Assert.Contains("enable-policy=never", f.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void A_kindnet_older_than_kind_0_24_and_kube_router_without_its_firewall_fail_CNI_001()
    {
        var f = Assert.Single(Fails("CNI-001", "old-kindnet-and-kube-router-without-firewall.yaml", "Cluster/cluster"));
        Assert.Contains(f.EvidenceData, e => e.Subject == "kindnet" && e.Detail.Contains("image date 20230511", StringComparison.Ordinal));
        Assert.Contains(f.EvidenceData, e => e.Subject == "kube-router" && e.Detail.Contains("--run-firewall=false", StringComparison.Ordinal));
    }

    [Fact]
    public void A_kindnet_from_kind_0_24_on_enforces_policies_and_passes_CNI_001() => Passes("CNI-001", "kindnet-with-network-policies.yaml");

    [Fact]
    public void Weave_net_with_its_policy_controller_passes_CNI_001() => Passes("CNI-001", "weave-with-npc.yaml");

    [Fact]
    public void A_cluster_whose_daemonsets_are_no_known_plugin_fails_CNI_002() => Fails("CNI-002", "no-known-plugin.yaml", "Cluster/cluster");

    [Fact]
    public void An_antrea_cluster_passes_CNI_002() => Passes("CNI-002", "antrea.yaml");

    [Fact]
    public void Kubelets_at_1_30_past_their_end_of_support_fail_PLAT_001_on_the_scan_date()
    {
        var f = Assert.Single(Fails("PLAT-001", "old-kubelets.yaml", "Cluster/cluster"));
        Assert.Contains("v1.30.4", f.Evidence, StringComparison.Ordinal);
        Assert.Contains("2025-07-15", f.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void Kubelets_at_1_35_pass_PLAT_001() => Passes("PLAT-001", "supported-kubelets.yaml");

    [Fact]
    public void The_api_server_version_of_the_snapshot_decides_PLAT_001_and_the_date_of_the_scan_matters()
    {
        var files = Read(FixturePath("PLAT-001", "pass", "supported-kubelets.yaml"));
        var data = new ClusterData(files.Objects, files.Provenance with { ServerVersion = "v1.34.2-gke.1000" }, files.Coverage, files.Diagnostics);
        Assert.Single(Audit(data, new[] { "PLAT-001" }, now: new DateTimeOffset(2026, 11, 27, 0, 0, 0, TimeSpan.Zero)).Findings);
        Assert.Empty(Audit(data, new[] { "PLAT-001" }, now: new DateTimeOffset(2026, 10, 27, 0, 0, 0, TimeSpan.Zero)).Findings);
    }

    [Fact]
    public void A_version_newer_than_the_support_table_is_not_judged_and_warns()
    {
        var files = Read(FixturePath("PLAT-001", "pass", "supported-kubelets.yaml"));
        var data = new ClusterData(files.Objects, files.Provenance with { ServerVersion = "v1.99.0" }, files.Coverage, files.Diagnostics);
        var sink = new CollectingSink();
        Assert.Empty(Audit(data, new[] { "PLAT-001" }, sink: sink).Findings);
        Assert.Contains(sink.Warnings, w => w.Contains("1.99", StringComparison.Ordinal));
    }

    [Fact]
    public void Developers_patching_policies_an_editor_and_a_ci_account_with_cilium_wildcards_fail_RBAC_001()
    {
        var findings = Fails("RBAC-001", "developer-writes-policies.yaml",
            "RoleBinding/shop/developers-netpol", "RoleBinding/shop/alice-edit", "ClusterRoleBinding/ci-cilium-policies");
        Assert.Contains("ClusterRole/edit (built-in)", findings.Single(f => f.Resource == "RoleBinding/shop/alice-edit").Evidence, StringComparison.Ordinal);
        Assert.Contains("ciliumnetworkpolicies", findings.Single(f => f.Resource == "ClusterRoleBinding/ci-cilium-policies").Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void Policy_writers_that_are_cluster_admins_or_kubernetes_components_pass_RBAC_001() => Passes("RBAC-001", "admins-and-components-only.yaml");

    [Fact]
    public void A_wildcard_role_bound_to_a_team_and_to_every_authenticated_user_fails_RBAC_002() =>
        Fails("RBAC-002", "wildcard-to-group.yaml", "ClusterRoleBinding/dev-team-anything", "ClusterRoleBinding/everyone-anything");

    [Fact]
    public void Cluster_admin_bound_only_to_system_masters_passes_RBAC_002() => Passes("RBAC-002", "wildcard-only-to-system.yaml");

    [Fact]
    public void The_rbac_checks_read_roles_and_bindings_only()
    {
        // Every object of the RBAC fixtures except roles and bindings is removed: the verdicts must not change.
        var data = Read(FixturePath("RBAC-001", "fail", "developer-writes-policies.yaml"), FixturePath("RBAC-002", "fail", "wildcard-to-group.yaml"),
            FixturePath("SEC-001", "fail", "secret-env.yaml"));
        var rbacOnly = new ClusterData(data.Objects.Where(o => o.Group == "rbac.authorization.k8s.io").ToList(), data.Provenance, data.Coverage, data.Diagnostics);
        var all = Audit(data, new[] { "RBAC-*" }).Findings.Select(f => f.CheckId + " " + f.Resource + " " + f.Evidence);
        var only = Audit(rbacOnly, new[] { "RBAC-*" }).Findings.Select(f => f.CheckId + " " + f.Resource + " " + f.Evidence);
        Assert.Equal(all, only);
    }

    [Fact]
    public void Secrets_passed_as_env_and_env_from_fail_SEC_001_without_ever_showing_the_secret_value()
    {
        var f = Assert.Single(Fails("SEC-001", "secret-env.yaml", "Deployment/shop/api"));
        Assert.Contains(f.EvidenceData, e => e.Detail == "env DB_PASSWORD from Secret db-credentials key password");
        Assert.Contains(f.EvidenceData, e => e.Detail == "envFrom Secret db-credentials");
        var everything = string.Join("|", new[] { f.Evidence, f.Remediation }.Concat(f.EvidenceData.Select(e => e.Subject + e.Detail)));
        Assert.DoesNotContain("c3VwZXItc2VjcmV0LXZhbHVl", everything, StringComparison.Ordinal);
        Assert.DoesNotContain("super-secret-value", everything, StringComparison.Ordinal);
    }

    [Fact]
    public void A_secret_mounted_as_a_file_passes_SEC_001() => Passes("SEC-001", "secret-volume.yaml");

    [Fact]
    public void A_cluster_without_a_runtime_detector_fails_DET_001() => Fails("DET-001", "no-detector.yaml", "Cluster/cluster");

    [Fact]
    public void Falco_passes_DET_001() => Passes("DET-001", "falco.yaml");

    [Fact]
    public void Tetragon_passes_DET_001() => Passes("DET-001", "tetragon.yaml");

    [Fact]
    public void Cilium_without_hubble_relay_fails_DET_002() => Fails("DET-002", "no-flow-visibility.yaml", "Cluster/cluster");

    [Fact]
    public void Hubble_relay_passes_DET_002() => Passes("DET-002", "hubble-relay.yaml");

    [Fact]
    public void Calico_flow_logs_pass_DET_002() => Passes("DET-002", "calico-flow-logs.yaml");

    [Fact]
    public void The_headline_cni_scenario_cilium_or_calico_with_policies_pass_and_flannel_alone_fails()
    {
        static int Cni001(params string[] files) => Audit(Read(files.Select(f => FixturePath("CNI-001", f.Split('/')[0], f.Split('/')[1])).ToArray()), new[] { "CNI-001" }).Findings.Count;
        Assert.Equal(0, Cni001("pass/cilium-with-policies.yaml"));
        Assert.Equal(0, Cni001("pass/calico-with-policies.yaml"));
        Assert.Equal(1, Cni001("fail/flannel-alone.yaml"));
        Assert.Equal(0, Cni001("fail/flannel-alone.yaml", "pass/calico-with-policies.yaml"));
    }
}
