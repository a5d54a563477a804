using static NetSecPS.Core.Tests.Checks.CheckHarness;

namespace NetSecPS.Core.Tests.Checks;

/// <summary>Host networking (HN-001, HN-002) and service mesh (MESH-001..MESH-005).</summary>
public class HostAndMeshTests
{
    [Fact]
    public void A_daemonset_on_the_host_network_fails_HN_001_naming_its_node_ports()
    {
        var f = Assert.Single(Fails("HN-001", "host-network-agent.yaml", "DaemonSet/observability/node-agent"));
        Assert.Contains("metrics:9100/TCP", f.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void A_daemonset_on_the_pod_network_passes_HN_001() => Passes("HN-001", "pod-network.yaml");

    [Fact]
    public void Kube_proxy_on_the_host_network_in_kube_system_passes_HN_001_with_the_default_profile_but_fails_with_cis()
    {
        Passes("HN-001", "host-network-in-kube-system.yaml");
        var findings = Run("HN-001", "pass", "host-network-in-kube-system.yaml", Profiles.Cis with { Checks = new[] { "HN-001" } });
        Assert.Equal("DaemonSet/kube-system/kube-proxy", Assert.Single(findings).Resource);
    }

    [Fact]
    public void A_container_binding_a_host_port_fails_HN_002()
    {
        var f = Assert.Single(Fails("HN-002", "host-port.yaml", "Deployment/edge/ingress"));
        Assert.Contains("443/TCP", f.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void A_container_port_without_host_port_passes_HN_002() => Passes("HN-002", "container-port-only.yaml");

    [Fact]
    public void A_sidecar_injected_workload_without_any_peer_authentication_is_permissive_and_fails_MESH_001()
    {
        var f = Assert.Single(Fails("MESH-001", "permissive-by-default.yaml", "Deployment/shop/web"));
        Assert.Contains("PERMISSIVE", f.Evidence, StringComparison.Ordinal);
        Assert.Contains("kind: PeerAuthentication", f.RemediationManifest, StringComparison.Ordinal);
    }

    [Fact]
    public void A_workload_policy_overrides_a_strict_namespace_and_a_disabled_port_fails_MESH_001_for_that_port()
    {
        var findings = Fails("MESH-001", "workload-policy-overrides-strict-namespace.yaml", "Deployment/shop/api", "Deployment/shop/web");
        Assert.Contains("PeerAuthentication shop/api-permissive (workload level)", findings.Single(f => f.Resource == "Deployment/shop/api").Evidence, StringComparison.Ordinal);
        var web = findings.Single(f => f.Resource == "Deployment/shop/web");
        Assert.Contains("port(s) 9090 (DISABLE)", web.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void A_strict_mesh_wide_policy_inherited_through_an_unset_namespace_policy_passes_MESH_001() =>
        Passes("MESH-001", "strict-mesh-wide.yaml");

    [Fact]
    public void An_ingress_gateway_taking_external_plaintext_under_strict_mtls_passes_MESH_001() =>
        Passes("MESH-001", "strict-mesh-with-ingress-gateway.yaml");

    [Fact]
    public void A_permissive_workload_that_only_meshed_callers_can_reach_passes_MESH_001() =>
        Passes("MESH-001", "permissive-only-meshed-callers.yaml");

    [Fact]
    public void A_plaintext_flow_from_a_workload_outside_the_mesh_fails_MESH_001_naming_the_flow()
    {
        var f = Assert.Single(Fails("MESH-001", "plaintext-caller.yaml", "Deployment/payments/api"));
        Assert.Contains("1 allowed flow(s) arrive without mutual TLS (from legacy/batch[Deployment])", f.Evidence, StringComparison.Ordinal);
        Assert.Contains("PeerAuthentication payments/default (namespace level)", f.Evidence, StringComparison.Ordinal);
        Assert.Contains(f.EvidenceData, e => e.Kind == "Flow" && e.Subject == "legacy/batch[Deployment] => payments/api[Deployment]" && e.Detail.StartsWith("TCP 8443; SourceWithoutSidecar", StringComparison.Ordinal));
        Assert.DoesNotContain(f.EvidenceData, e => e.Kind == "UnknownCaller");
    }

    [Fact]
    public void A_workload_outside_a_strict_mesh_fails_MESH_002_with_the_connections_meshed_workloads_refuse()
    {
        var f = Assert.Single(Fails("MESH-002", "refused-by-strict.yaml", "Pod/tools/debug"));
        Assert.Contains("1 meshed workload(s) refuse connections the network allows it", f.Evidence, StringComparison.Ordinal);
        Assert.Contains(f.EvidenceData, e => e.Kind == "RefusedByMesh" && e.Subject == "tools/debug[Pod] => shop/api[Deployment]" && e.Detail.StartsWith("TCP 1-65535", StringComparison.Ordinal));
    }

    [Fact]
    public void A_workload_in_a_namespace_without_injection_fails_MESH_002_while_istiod_itself_is_not_counted() =>
        Fails("MESH-002", "namespace-not-injected.yaml", "Deployment/billing/invoicer");

    [Fact]
    public void Sidecar_ambient_and_linkerd_enrolment_all_pass_MESH_002() => Passes("MESH-002", "sidecar-ambient-and-linkerd.yaml");

    [Fact]
    public void No_authorization_policy_or_only_an_allow_everyone_policy_fails_MESH_003() =>
        Fails("MESH-003", "no-or-allow-all-policy.yaml", "Deployment/shop/api", "Deployment/shop/web");

    [Fact]
    public void An_allow_policy_admitting_every_namespace_on_every_port_fails_MESH_003()
    {
        var f = Assert.Single(Fails("MESH-003", "allow-any-namespace.yaml", "Deployment/shop/api"));
        Assert.Contains("ALLOW AuthorizationPolicy shop/api-any-namespace admits any caller on every port", f.Evidence, StringComparison.Ordinal);
        Assert.Contains(f.EvidenceData, e => e.Kind == "AdmittedFlow" && e.Subject == "shop/web[Deployment] => shop/api[Deployment]");
    }

    [Fact]
    public void A_selector_policy_and_a_mesh_wide_allow_policy_in_the_root_namespace_pass_MESH_003() =>
        Passes("MESH-003", "allow-policies-apply.yaml");

    [Fact]
    public void The_linkerd_control_plane_default_and_a_cluster_unauthenticated_namespace_fail_MESH_004()
    {
        var findings = Fails("MESH-004", "linkerd-default-policy.yaml", "Pod/orders/orders-0", "Deployment/reports/renderer");
        Assert.Contains("all-unauthenticated", findings.Single(f => f.Resource == "Pod/orders/orders-0").Evidence, StringComparison.Ordinal);
        Assert.Contains("cluster-unauthenticated from the annotation on namespace reports", findings.Single(f => f.Resource == "Deployment/reports/renderer").Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void An_authenticated_control_plane_default_and_a_deny_namespace_pass_MESH_004() => Passes("MESH-004", "authenticated-policies.yaml");

    [Fact]
    public void Flannel_with_a_vxlan_backend_and_no_mesh_fails_MESH_005() => Fails("MESH-005", "flannel-without-encryption.yaml", "Cluster/cluster");

    [Fact]
    public void Istio_that_meshes_no_workload_fails_MESH_005_and_flows_between_sidecars_pass_it()
    {
        var f = Assert.Single(Fails("MESH-005", "istio-without-sidecars.yaml", "Cluster/cluster"));
        Assert.Contains("no allowed flow runs between two sidecars", f.Evidence, StringComparison.Ordinal);
        Passes("MESH-005", "istio-sidecars.yaml");
    }

    [Fact]
    public void Cilium_with_wireguard_passes_MESH_005() => Passes("MESH-005", "cilium-wireguard.yaml");

    [Fact]
    public void Calico_with_wireguard_in_its_felix_configuration_passes_MESH_005() => Passes("MESH-005", "calico-wireguard.yaml");
}
