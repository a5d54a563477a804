using System.Text;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Model;
using NetSecPS.Core.Policy;

namespace NetSecPS.Core.Tests.Composition;

/// <summary>A cancelled pipeline stops inside the engine build: the policy model, the peer classes and the rule programs take the token.</summary>
public class EngineCancellationTests
{
    private const int Namespaces = 60;

    /// <summary>A cluster of some size: each namespace has two deployments, an ingress default deny and an allow from the next namespace.</summary>
    private static ClusterModel Cluster()
    {
        var yaml = new StringBuilder();
        for (var i = 0; i < Namespaces; i++)
        {
            var next = (i + 1) % Namespaces;
            yaml.Append($$"""
                apiVersion: v1
                kind: Namespace
                metadata: { name: ns-{{i}}, labels: { team: t{{i % 7}} } }
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata: { name: web, namespace: ns-{{i}} }
                spec:
                  selector: { matchLabels: { app: web } }
                  template:
                    metadata: { labels: { app: web, tier: front } }
                    spec: { containers: [ { name: web, image: web:1, ports: [ { name: http, containerPort: 8080 } ] } ] }
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata: { name: db, namespace: ns-{{i}} }
                spec:
                  selector: { matchLabels: { app: db } }
                  template:
                    metadata: { labels: { app: db } }
                    spec: { containers: [ { name: db, image: db:1, ports: [ { containerPort: 5432 } ] } ] }
                ---
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: { name: default-deny, namespace: ns-{{i}} }
                spec: { podSelector: {}, policyTypes: [ Ingress ] }
                ---
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: { name: from-next, namespace: ns-{{i}} }
                spec:
                  podSelector: { matchLabels: { app: web } }
                  ingress: [ { from: [ { namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: ns-{{next}} } } } ], ports: [ { port: http } ] } ]
                ---

                """);
        }

        var data = ManifestCluster.Empty().ApplyText(yaml.ToString()).Read();
        return ClusterModel.Build(data);
    }

    [Fact]
    public void A_cancelled_token_stops_the_engine_build()
    {
        var model = Cluster();
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => ConnectivityEngine.Build(model, new CollectingSink(), null, cancelled.Token));

        // The same model builds once nothing cancels it: the engine was stopped, not broken.
        var engine = ConnectivityEngine.Build(model, new CollectingSink());
        Assert.Equal(2 * Namespaces, engine.Model.Workloads.Count);
        Assert.NotEmpty(engine.Flows);
    }

    [Fact]
    public void A_cancelled_token_stops_the_policy_model_and_its_rule_programs()
    {
        var model = Cluster();
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => PolicyModelBuilder.Build(model, ConnectivityOptions.Default, new CollectingSink(), cancelled.Token));

        var policies = PolicyModelBuilder.Build(model, ConnectivityOptions.Default, new CollectingSink());
        Assert.ThrowsAny<OperationCanceledException>(() => policies.Programs(TrafficDirection.Ingress, cancelled.Token));

        // A stopped program build is not remembered: the next caller gets the table.
        Assert.Equal(policies.Classes.Classes.Count, policies.Programs(TrafficDirection.Ingress).ProgramOf.Length);
    }
}
