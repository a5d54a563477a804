using NetSecPS.Core.Connectivity;

namespace NetSecPS.Core.Tests;

/// <summary>
/// Cilium's semantics beyond its conformance cases, each in both directions: deny precedence
/// over allows of every kind, entities, CIDR except ranges and CIDR groups, namespaced and
/// cluster-wide twins, <c>enableDefaultDeny: false</c>, L7 and FQDN rules.
/// </summary>
public class CiliumSemanticsTests
{
    private static ConnectivityFixture Fixture(string file) => new($"cilium/{file}");

    private static bool Allowed(ConnectivityFixture f, string from, string to, int port, string protocol = "TCP")
    {
        var verdict = f.Engine.Test(f.Engine.ResolveEndpoint(from), f.Engine.ResolveEndpoint(to), protocol, port);
        var flows = f.Engine.Between(f.Engine.ResolveEndpoint(from), f.Engine.ResolveEndpoint(to));
        Assert.True(verdict.Allowed == flows.Contains(protocol, port), $"{from} -> {to} {protocol} {port}: explainer and flows disagree ({verdict.Explanation}; {flows})");
        return verdict.Allowed;
    }

    [Fact]
    public void An_ingress_deny_wins_over_a_cilium_allow_and_a_network_policy_allow()
    {
        var f = Fixture("deny-precedence.yaml");
        var v = f.Test("tools/scanner", "shop/api", 8080);
        Assert.False(v.Allowed);
        Assert.Equal(RuleAction.Deny, v.Action);
        Assert.Equal("CiliumClusterwideNetworkPolicy", v.PolicyKind);
        Assert.Equal("deny-untrusted", v.Policy);
        Assert.Contains("a deny wins over every allow", v.Explanation, StringComparison.Ordinal);

        Assert.True(Allowed(f, "shop/web", "shop/api", 8080));
        Assert.False(Allowed(f, "shop/web", "shop/api", 22));
        var ssh = f.Test("shop/web", "shop/api", 22);
        Assert.Equal("shop/no-ssh", ssh.Policy);

        // The cluster-wide deny turned default deny off: the pods it selects stay open to what it does not deny.
        Assert.True(Allowed(f, "shop/api", "shop/db", 5432));
        Assert.False(Allowed(f, "tools/scanner", "shop/db", 5432));
    }

    [Fact]
    public void An_egress_deny_wins_over_a_cilium_allow_and_a_network_policy_allow()
    {
        var f = Fixture("deny-precedence.yaml");
        var v = f.Test("shop/web", "shop/db", 5432);
        Assert.False(v.Allowed);
        Assert.Equal(RuleAction.Deny, v.Action);
        Assert.Equal("shop/web-egress", v.Policy);
        Assert.Equal(TrafficDirection.Egress, Assert.Single(v.Decisions, d => !d.Allowed).Direction);

        Assert.False(Allowed(f, "shop/web", "169.254.169.254", 80));
        Assert.True(Allowed(f, "shop/web", "1.1.1.1", 443));
        Assert.True(Allowed(f, "shop/web", "shop/api", 8080));
        Assert.Equal("No Connections", f.Between("shop/web[Pod]", "shop/db[Pod]"));
    }

    [Fact]
    public void Ingress_entities_world_host_and_remote_node_admit_what_they_name()
    {
        var f = Fixture("entities.yaml");
        Assert.True(Allowed(f, "203.0.113.5", "app/frontend", 443));
        Assert.False(Allowed(f, "203.0.113.5", "app/frontend", 80));
        Assert.False(Allowed(f, "203.0.113.5", "app/backend", 8080));
        Assert.True(Allowed(f, "app/frontend", "app/backend", 8080));

        // The backend runs on node-2: its own node always reaches it (allow-localhost); node-1 is a remote node.
        var own = f.Test("host/node-2", "app/backend", 12345);
        Assert.True(own.Allowed);
        Assert.Equal("allow-localhost", own.Rule);
        Assert.Contains("host entity", string.Join(" ", own.Steps), StringComparison.Ordinal);
        Assert.True(Allowed(f, "host/node-1", "app/backend", 9090));
        Assert.False(Allowed(f, "host/node-1", "app/backend", 12345));

        // Host-network pods are their node.
        Assert.True(Allowed(f, "monitoring/node-exporter-a", "app/backend", 9090));
        Assert.False(Allowed(f, "monitoring/node-exporter-a", "app/backend", 8080));
        Assert.True(Allowed(f, "monitoring/node-exporter-b", "app/backend", 8080));
    }

    [Fact]
    public void Egress_entities_cluster_world_and_kube_apiserver_reach_what_they_name()
    {
        var f = Fixture("entities.yaml");
        // cluster: every pod and node, never the world.
        Assert.True(Allowed(f, "app/frontend", "host/node-1", 8, "ICMP"));
        Assert.True(Allowed(f, "app/frontend", "host/node-2", 10250));
        Assert.True(Allowed(f, "app/frontend", "monitoring/node-exporter-b", 9100));
        Assert.False(Allowed(f, "app/frontend", "1.1.1.1", 443));

        // world: every external address on 443 (any protocol), never a pod or a node.
        Assert.True(Allowed(f, "app/backend", "1.1.1.1", 443));
        Assert.True(Allowed(f, "app/backend", "1.1.1.1", 443, "UDP"));
        Assert.False(Allowed(f, "app/backend", "1.1.1.1", 80));
        Assert.False(Allowed(f, "app/backend", "app/frontend", 443));
        Assert.False(Allowed(f, "app/backend", "host/node-2", 10250));
        Assert.False(Allowed(f, "app/backend", "monitoring/node-exporter-b", 9100));

        var policy = f.Engine is IConnectivityQuery q ? q.Policies.Policies.Single(p => p.Name == "backend") : null;
        Assert.Contains(policy!.Egress.SelectMany(r => r.Peers), p => p.Kind == Policy.RulePeerKind.Other && p.Text.StartsWith("entity kube-apiserver", StringComparison.Ordinal));
    }

    [Fact]
    public void Egress_cidr_sets_drop_their_except_ranges_and_never_match_pods()
    {
        var f = Fixture("cidr-except.yaml");
        Assert.True(Allowed(f, "edge/gateway", "10.1.2.3", 80));
        Assert.False(Allowed(f, "edge/gateway", "10.96.0.10", 53, "UDP"));
        Assert.True(Allowed(f, "edge/gateway", "192.168.10.5", 22));
        // CIDR group by selector, less its except range.
        Assert.True(Allowed(f, "edge/gateway", "203.0.113.70", 443));
        Assert.True(Allowed(f, "edge/gateway", "198.18.1.1", 443));
        Assert.False(Allowed(f, "edge/gateway", "198.19.1.1", 443));
        // 10.0.0.0/8 holds the other pod's address, yet CIDR rules do not select pods.
        Assert.False(Allowed(f, "edge/gateway", "edge/internal", 8080));
    }

    [Fact]
    public void Ingress_cidr_sets_drop_their_except_ranges_and_never_match_pods()
    {
        var f = Fixture("cidr-except.yaml");
        Assert.True(Allowed(f, "198.51.100.10", "edge/gateway", 8443));
        Assert.False(Allowed(f, "198.51.100.200", "edge/gateway", 8443));
        Assert.False(Allowed(f, "198.51.100.10", "edge/gateway", 8080));
        // CIDR group by reference, less its except range.
        Assert.True(Allowed(f, "203.0.113.10", "edge/gateway", 8443));
        Assert.False(Allowed(f, "203.0.113.70", "edge/gateway", 8443));
        Assert.True(Allowed(f, "10.20.30.40", "edge/gateway", 8443));
        Assert.False(Allowed(f, "edge/internal", "edge/gateway", 8443));
    }

    [Fact]
    public void Ingress_selectors_of_a_namespaced_policy_stay_in_its_namespace_and_those_of_its_cluster_wide_twin_do_not()
    {
        var f = Fixture("clusterwide-twins.yaml");
        Assert.True(Allowed(f, "a/client", "a/server", 80));
        Assert.False(Allowed(f, "d/client", "a/server", 80));
        Assert.True(Allowed(f, "d/client", "b/server", 80));
        Assert.True(Allowed(f, "b/client", "b/server", 80));

        // A namespace label in a namespaced policy's selector reaches the namespaces that carry it.
        Assert.True(Allowed(f, "d/client", "c/server", 80));
        Assert.True(Allowed(f, "c/client", "c/server", 80));
        var green = f.Test("b/client", "c/server", 80);
        Assert.False(green.Allowed);
        Assert.Equal(TrafficDirection.Ingress, Assert.Single(green.Decisions, d => !d.Allowed).Direction);
    }

    [Fact]
    public void Egress_selectors_of_a_namespaced_policy_stay_in_its_namespace_and_those_of_its_cluster_wide_twin_do_not()
    {
        var f = Fixture("clusterwide-twins.yaml");
        Assert.True(Allowed(f, "a/client", "a/server", 80));
        var confined = f.Test("a/client", "d/server", 80);
        Assert.False(confined.Allowed);
        Assert.Equal(TrafficDirection.Egress, Assert.Single(confined.Decisions, d => !d.Allowed).Direction);
        Assert.True(Allowed(f, "b/client", "d/server", 80));
        Assert.True(Allowed(f, "b/client", "b/server", 80));
    }

    [Fact]
    public void Ingress_under_enable_default_deny_false_stays_open_except_for_denies_until_a_policy_isolates()
    {
        var f = Fixture("enable-default-deny.yaml");
        Assert.True(Allowed(f, "app/worker", "app/db", 5432));
        Assert.False(Allowed(f, "app/job", "app/db", 5432));
        Assert.True(Allowed(f, "app/job", "app/db", 80));
        var isolated = f.Test("app/job", "app/ledger", 80);
        Assert.False(isolated.Allowed);
        Assert.Contains("app/ledger-ingress", isolated.Explanation, StringComparison.Ordinal);
        Assert.DoesNotContain("guardrails", isolated.Explanation.Split(';')[0], StringComparison.Ordinal);
        Assert.True(Allowed(f, "app/web", "app/ledger", 5432));
        Assert.True(Allowed(f, "app/web", "app/ledger", 80));
    }

    [Fact]
    public void Egress_under_enable_default_deny_false_stays_open_except_for_denies_until_a_policy_isolates()
    {
        var f = Fixture("enable-default-deny.yaml");
        Assert.True(Allowed(f, "app/web", "1.1.1.1", 443));
        Assert.False(Allowed(f, "app/web", "169.254.169.254", 80));
        Assert.True(Allowed(f, "app/worker", "1.1.1.1", 443));
        Assert.False(Allowed(f, "app/worker", "1.1.1.1", 80));
        // The isolating policy's pods still get the allows of the non-isolating one: the union.
        Assert.True(Allowed(f, "app/worker", "app/db", 5432));
        Assert.False(Allowed(f, "app/worker", "app/web", 80));
    }

    [Fact]
    public void An_L7_rule_opens_its_port_and_says_the_traffic_is_L7_restricted_unless_an_L4_rule_covers_it()
    {
        var f = Fixture("l7-fqdn.yaml");
        var web = f.Test("shop/web", "shop/api", 8080);
        Assert.True(web.Allowed);
        Assert.Contains(web.Undecided, u => u.Contains("L7-restricted", StringComparison.Ordinal) && u.Contains("GET /public", StringComparison.Ordinal));
        Assert.False(Allowed(f, "shop/web", "shop/api", 9090));

        var payments = f.Test("shop/payments", "shop/api", 8080);
        Assert.True(payments.Allowed);
        Assert.Empty(payments.Undecided);
    }

    [Fact]
    public void ToFQDNs_cannot_be_decided_statically_and_a_missing_dns_proxy_rule_is_flagged()
    {
        var f = Fixture("l7-fqdn.yaml");
        var external = f.Test("shop/payments", "93.184.216.34", 443);
        Assert.False(external.Allowed);
        Assert.Contains(external.Undecided, u => u.Contains("api.cardprocessor.example", StringComparison.Ordinal));
        Assert.Contains(f.Engine.Undecided, u => u.Contains("FQDN api.cardprocessor.example", StringComparison.Ordinal));

        // Pods are decided exactly: a domain name never stands for a pod.
        Assert.Empty(f.Test("shop/payments", "shop/api", 8080).Undecided);

        var missing = Assert.Single(f.Sink.Diagnostics, d => d.Code == "MissingDnsRule");
        Assert.Contains("CiliumNetworkPolicy shop/reports-egress", missing.Message, StringComparison.Ordinal);
        Assert.Contains("rules.dns", missing.Message, StringComparison.Ordinal);
    }
}
