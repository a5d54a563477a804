using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Tests.Calico;

/// <summary>Invalid, unenforced and undecidable Calico objects are reported; the rest is analysed.</summary>
public class CalicoEdgeTests
{
    private static (ConnectivityEngine Engine, CollectingSink Sink, ClusterModel Model) Edge()
    {
        var data = ManifestSource.Read(new[] { TestPaths.Fixture("connectivity", "calico", "edge.yaml") });
        var model = ClusterModel.Build(data);
        var sink = new CollectingSink();
        return (ConnectivityEngine.Build(model, sink), sink, model);
    }

    private static ConnectionVerdict Test(ConnectivityEngine e, string from, string to, int port) =>
        e.Test(e.ResolveEndpoint(from), e.ResolveEndpoint(to), "TCP", port);

    [Fact]
    public void An_invalid_selector_is_an_error_naming_the_object_and_the_position_and_the_rest_is_analysed()
    {
        var (engine, sink, _) = Edge();
        var error = Assert.Single(sink.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal("InvalidSelector", error.Code);
        Assert.Equal("NetworkPolicy", error.Kind);
        Assert.Equal("edge/broken", error.Name);
        Assert.EndsWith("edge.yaml", error.File, StringComparison.Ordinal);
        Assert.Contains("spec.selector \"app = 'client'\" is not a valid Calico selector: expected '==' at position 5; the policy is ignored.", error.Message, StringComparison.Ordinal);

        // The broken egress deny is ignored; the valid policy of the namespace still decides.
        Assert.True(Test(engine, "edge/client", "edge/api", 80).Allowed);
        Assert.False(Test(engine, "edge/client", "edge/api", 81).Allowed);
    }

    [Fact]
    public void A_destination_selector_on_an_ingress_rule_narrows_the_endpoints_it_applies_to()
    {
        var (engine, _, _) = Edge();
        Assert.True(Test(engine, "edge/client", "edge/api", 80).Allowed);
        Assert.False(Test(engine, "edge/client", "edge/admin-api", 80).Allowed);
    }

    [Fact]
    public void HTTP_match_criteria_keep_an_L4_allow_and_are_reported_as_undecided()
    {
        var (engine, _, _) = Edge();
        var v = Test(engine, "edge/client", "edge/api", 8080);
        Assert.True(v.Allowed);
        Assert.Contains(v.Undecided, u => u.Contains("L7: only HTTP methods GET", StringComparison.Ordinal));
        Assert.Contains(engine.Undecided, u => u.Contains("NetworkPolicy edge/api-ingress ingress rule '#2'", StringComparison.Ordinal));
    }

    [Fact]
    public void A_deny_limited_to_source_ports_does_not_decide_the_connection_and_is_reported()
    {
        var (engine, _, _) = Edge();
        var v = Test(engine, "edge/client", "edge/api", 9000);
        Assert.True(v.Allowed);
        Assert.Equal("#4", v.Decisions.Single(d => d.Direction == TrafficDirection.Ingress).Rule);
        Assert.Contains(v.Undecided, u => u.Contains("applies only to source ports 1:1023", StringComparison.Ordinal));
    }

    [Fact]
    public void Staged_doNotTrack_and_profile_rules_are_reported_and_not_enforced()
    {
        var (engine, sink, model) = Edge();
        Assert.Contains(sink.Verbose, m => m.Contains("StagedNetworkPolicy edge/staged-deny-all is staged", StringComparison.Ordinal));
        Assert.Contains(sink.Diagnostics, d => d.Code == "HostEndpointPolicy" && d.Name == "untracked");
        Assert.Contains(sink.Diagnostics, d => d.Code == "ProfileRulesNotEvaluated" && d.Name == "kns.edge");
        IConnectivityQuery q = engine;
        Assert.DoesNotContain(q.Policies.Policies, p => p.Name is "staged-deny-all" or "untracked");

        // The client has no egress policy; nothing the staged policy or the profile says restricts it.
        Assert.True(engine.ToInternet(model.Workloads.Single(w => w.Name == "client")).IsAll);
    }
}
