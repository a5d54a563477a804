using System.Globalization;
using System.Text;

namespace NetSecPS.Benchmarks;

/// <summary>
/// Writes a synthetic cluster as manifests: namespaces, Deployments with their ReplicaSets and
/// running pods (owner references, labels, named ports, IPs), NetworkPolicies in the shapes real
/// clusters use (default deny, DNS egress, tier-to-tier allows, cross-namespace allows, ipBlocks
/// with excepts), a few AdminNetworkPolicies and a baseline, Services and Ingresses.
/// </summary>
internal sealed class ClusterGenerator
{
    private static readonly string[] Tiers = { "web", "api", "worker", "db", "cache" };
    private static readonly string[] Teams = { "payments", "shop", "search", "identity", "ops" };

    public int Namespaces { get; init; } = 100;
    public int WorkloadsPerNamespace { get; init; } = 20;
    public int PodsPerWorkload { get; init; } = 5;
    public int PoliciesPerNamespace { get; init; } = 20;
    public bool AdminPolicies { get; init; } = true;

    public (int Pods, int Workloads, int Policies) Write(string directory)
    {
        Directory.CreateDirectory(directory);
        var inv = CultureInfo.InvariantCulture;
        var pods = 0;
        var workloads = 0;
        var policies = 0;
        for (var n = 0; n < Namespaces; n++)
        {
            var ns = $"ns-{n:D3}";
            var team = Teams[n % Teams.Length];
            var sb = new StringBuilder();
            sb.Append(inv, $"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n  labels:\n    team: {team}\n    env: {(n % 3 == 0 ? "prod" : "dev")}\n");
            for (var w = 0; w < WorkloadsPerNamespace; w++)
            {
                var tier = Tiers[w % Tiers.Length];
                var app = $"{tier}-{w:D2}";
                var hash = $"{(n * 7919 + w * 104729) % 0xfffff:x5}ab";
                var port = 8000 + (w % 7) * 10;
                sb.Append(inv, $"---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {app}\n  namespace: {ns}\nspec:\n  replicas: {PodsPerWorkload}\n  selector:\n    matchLabels:\n      app: {app}\n  template:\n    metadata:\n      labels:\n        app: {app}\n        tier: {tier}\n    spec:\n      containers:\n      - name: main\n        image: registry.example.com/{app}:1.0\n        ports:\n        - name: http\n          containerPort: {port}\n        - name: metrics\n          containerPort: 9090\n");
                sb.Append(inv, $"---\napiVersion: apps/v1\nkind: ReplicaSet\nmetadata:\n  name: {app}-{hash}\n  namespace: {ns}\n  ownerReferences:\n  - apiVersion: apps/v1\n    kind: Deployment\n    name: {app}\n    controller: true\nspec:\n  replicas: {PodsPerWorkload}\n  selector:\n    matchLabels:\n      app: {app}\n  template:\n    metadata:\n      labels:\n        app: {app}\n        tier: {tier}\n    spec:\n      containers:\n      - name: main\n        image: registry.example.com/{app}:1.0\n");
                for (var p = 0; p < PodsPerWorkload; p++)
                {
                    var ip = $"10.{n % 250}.{w}.{p + 10}";
                    sb.Append(inv, $"---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: {app}-{hash}-{p:D5}\n  namespace: {ns}\n  labels:\n    app: {app}\n    tier: {tier}\n    pod-template-hash: {hash}\n  ownerReferences:\n  - apiVersion: apps/v1\n    kind: ReplicaSet\n    name: {app}-{hash}\n    controller: true\nspec:\n  containers:\n  - name: main\n    image: registry.example.com/{app}:1.0\n    ports:\n    - name: http\n      containerPort: {port}\n    - name: metrics\n      containerPort: 9090\nstatus:\n  phase: Running\n  hostIP: 192.168.{n % 4}.{w % 200 + 1}\n  podIP: {ip}\n  podIPs:\n  - ip: {ip}\n");
                    pods++;
                }

                if (tier == "web")
                {
                    sb.Append(inv, $"---\napiVersion: v1\nkind: Service\nmetadata:\n  name: {app}\n  namespace: {ns}\nspec:\n  selector:\n    app: {app}\n  ports:\n  - name: http\n    port: 80\n    targetPort: http\n");
                    sb.Append(inv, $"---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: {app}\n  namespace: {ns}\nspec:\n  rules:\n  - host: {app}.{ns}.example.com\n    http:\n      paths:\n      - path: /\n        pathType: Prefix\n        backend:\n          service:\n            name: {app}\n            port:\n              name: http\n");
                }

                workloads++;
            }

            policies += WritePolicies(sb, ns, n);
            File.WriteAllText(Path.Combine(directory, ns + ".yaml"), sb.ToString());
        }

        if (!AdminPolicies)
        {
            return (pods, workloads, policies);
        }

        var admin = new StringBuilder();
        admin.Append("apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata:\n  name: protect-prod-db\nspec:\n  priority: 10\n  subject:\n    pods:\n      namespaceSelector:\n        matchLabels:\n          env: prod\n      podSelector:\n        matchLabels:\n          tier: db\n  ingress:\n  - name: deny-from-dev\n    action: Deny\n    from:\n    - namespaces:\n        matchLabels:\n          env: dev\n  - name: pass-rest\n    action: Pass\n    from:\n    - namespaces: {}\n");
        admin.Append("---\napiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata:\n  name: block-metadata\nspec:\n  priority: 5\n  subject:\n    namespaces: {}\n  egress:\n  - name: deny-metadata\n    action: Deny\n    to:\n    - networks:\n      - 169.254.169.254/32\n");
        admin.Append("---\napiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\nmetadata:\n  name: default\nspec:\n  subject:\n    namespaces: {}\n  ingress:\n  - name: deny-all\n    action: Deny\n    from:\n    - namespaces: {}\n");
        File.WriteAllText(Path.Combine(directory, "admin.yaml"), admin.ToString());
        return (pods, workloads, policies + 3);
    }

    private int WritePolicies(StringBuilder sb, string ns, int n)
    {
        var inv = CultureInfo.InvariantCulture;
        var count = 0;
        void Policy(string name, string body)
        {
            if (count < PoliciesPerNamespace)
            {
                sb.Append(inv, $"---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n{body}");
                count++;
            }
        }

        Policy("default-deny", "  podSelector: {}\n  policyTypes:\n  - Ingress\n  - Egress\n");
        Policy("allow-dns", "  podSelector: {}\n  policyTypes:\n  - Egress\n  egress:\n  - to:\n    - namespaceSelector:\n        matchLabels:\n          kubernetes.io/metadata.name: kube-system\n      podSelector:\n        matchLabels:\n          k8s-app: kube-dns\n    ports:\n    - port: 53\n      protocol: UDP\n    - port: 53\n      protocol: TCP\n");
        Policy("web-from-ingress", "  podSelector:\n    matchLabels:\n      tier: web\n  ingress:\n  - from:\n    - namespaceSelector:\n        matchLabels:\n          kubernetes.io/metadata.name: ingress-nginx\n    - ipBlock:\n        cidr: 0.0.0.0/0\n        except:\n        - 10.0.0.0/8\n    ports:\n    - port: http\n");
        Policy("web-to-api", "  podSelector:\n    matchLabels:\n      tier: web\n  policyTypes:\n  - Egress\n  egress:\n  - to:\n    - podSelector:\n        matchLabels:\n          tier: api\n    ports:\n    - port: http\n");
        Policy("api-from-web", "  podSelector:\n    matchLabels:\n      tier: api\n  ingress:\n  - from:\n    - podSelector:\n        matchLabels:\n          tier: web\n    ports:\n    - port: http\n");
        Policy("api-to-db", "  podSelector:\n    matchLabels:\n      tier: api\n  policyTypes:\n  - Egress\n  egress:\n  - to:\n    - podSelector:\n        matchExpressions:\n        - key: tier\n          operator: In\n          values: [db, cache]\n");
        Policy("db-from-api", "  podSelector:\n    matchExpressions:\n    - key: tier\n      operator: In\n      values: [db, cache]\n  ingress:\n  - from:\n    - podSelector:\n        matchLabels:\n          tier: api\n    ports:\n    - port: 5432\n    - port: 6379\n");
        Policy("metrics-from-ops", "  podSelector: {}\n  ingress:\n  - from:\n    - namespaceSelector:\n        matchLabels:\n          team: ops\n    ports:\n    - port: metrics\n");
        Policy("worker-egress", "  podSelector:\n    matchLabels:\n      tier: worker\n  policyTypes:\n  - Egress\n  egress:\n  - to:\n    - ipBlock:\n        cidr: " + $"{20 + n % 200}.{n % 256}.0.0/16\n        except:\n        - {20 + n % 200}.{n % 256}.{n % 250}.0/24\n" + "    ports:\n    - port: 443\n");
        Policy("api-cross-team", $"  podSelector:\n    matchLabels:\n      tier: api\n  ingress:\n  - from:\n    - namespaceSelector:\n        matchLabels:\n          team: {Teams[(n + 1) % Teams.Length]}\n      podSelector:\n        matchLabels:\n          tier: web\n    ports:\n    - port: 8000\n      endPort: 8070\n");
        for (var i = 0; count < PoliciesPerNamespace; i++)
        {
            var w = i % WorkloadsPerNamespace;
            var tier = Tiers[w % Tiers.Length];
            Policy($"app-{i:D2}", $"  podSelector:\n    matchLabels:\n      app: {tier}-{w:D2}\n  ingress:\n  - from:\n    - podSelector:\n        matchLabels:\n          app: {Tiers[(w + 1) % Tiers.Length]}-{(w + 1) % WorkloadsPerNamespace:D2}\n    - namespaceSelector:\n        matchLabels:\n          env: prod\n      podSelector:\n        matchLabels:\n          tier: {Tiers[(w + 2) % Tiers.Length]}\n    ports:\n    - port: {8000 + (w % 7) * 10}\n      protocol: TCP\n");
        }

        return count;
    }
}
