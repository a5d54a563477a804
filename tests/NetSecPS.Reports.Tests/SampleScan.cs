namespace NetSecPS.Reports.Tests;

/// <summary>
/// A scan of a small but awkward cluster, the way Invoke-NetSecScan would return it: open and
/// suppressed findings, names long enough to overflow any column, evidence with commas, quotes and
/// line breaks, YAML remediation, findings from manifest files and from the live API, drift,
/// history, and a coverage with kinds the scanner was not allowed to read.
/// </summary>
internal static class SampleScan
{
    public static readonly DateTimeOffset ScannedAt = new(2026, 11, 27, 9, 15, 0, TimeSpan.Zero);

    /// <summary>A namespace name at Kubernetes' 63-character limit and a workload name far past any column width.</summary>
    public const string LongNamespace = "payments-settlement-reconciliation-eu-west-1-production-blue-01";
    public const string LongWorkload = "settlement-reconciliation-batch-processor-with-an-extremely-long-deployment-name-that-keeps-going-and-going-v2";

    public const string DefaultDenyYaml = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata:
          name: default-deny-ingress
          namespace: shop
        spec:
          podSelector: {}
          policyTypes:
            - Ingress
        """;

    public const string DnsEgressYaml = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata:
          name: allow-dns-egress
          namespace: payments
        spec:
          podSelector: {}
          policyTypes:
            - Egress
          egress:
            - to:
                - namespaceSelector:
                    matchLabels:
                      kubernetes.io/metadata.name: kube-system
                  podSelector:
                    matchLabels:
                      k8s-app: kube-dns
              ports:
                - protocol: UDP
                  port: 53
                - protocol: TCP
                  port: 53
        """;

    public static IReadOnlyList<CheckInfo> Catalogue { get; } = new[]
    {
        Check("NP-001", Severity.High, "Segmentation", "Namespace has no effective default-deny ingress", "some pod in the namespace accepts ingress from an arbitrary peer", "Any pod anywhere, or any address on the internet, can open connections to these pods: one compromised workload is enough to reach them.", "Add a default-deny ingress NetworkPolicy to the namespace and allow only the flows it needs.", "CIS 5.3.2", "NSA", "KS C-0054"),
        Check("NP-002", Severity.Medium, "Segmentation", "Namespace has no effective default-deny egress", "some pod in the namespace may open connections to an arbitrary peer", "A compromised pod can send data anywhere.", "Add a default-deny egress policy with an exception for DNS.", "CIS 5.3.2", "NSA"),
        Check("NP-005", Severity.High, "Segmentation", "Allow-all ingress rule", "an ingress rule with no from and no ports admits every source", "The rule turns the policy's isolation off.", "Name the sources the workload needs in 'from'.", "kubeaudit AllowAllIngress"),
        Check("NP-010", Severity.Medium, "Segmentation", "Egress isolation blocks DNS", "a workload isolated for egress cannot reach UDP 53 and TCP 53 of the cluster DNS pods", "Name resolution fails, and teams then open egress wide to fix it.", "Allow egress to the cluster DNS pods on UDP and TCP 53.", "Cyclonus lint"),
        Check("NP-011", Severity.Low, "Segmentation", "Policy selects no pods", "a NetworkPolicy's podSelector matches no pod or workload in its namespace", "A dead policy gives false confidence.", "Fix the selector or delete the policy.", "KS C-0299"),
        Check("EX-001", Severity.High, "Exposure", "LoadBalancer open to the internet", "a LoadBalancer Service has no loadBalancerSourceRanges and no internal-load-balancer annotation", "The service is reachable from the whole internet.", "Set loadBalancerSourceRanges or make the load balancer internal.", "KS C-0256"),
        Check("EX-003", Severity.High, "Exposure", "Service uses externalIPs", "spec.externalIPs is set", "externalIPs let a tenant intercept traffic (CVE-2020-8554).", "Remove spec.externalIPs; use a LoadBalancer.", "KS C-0283"),
        Check("EX-004", Severity.High, "Exposure", "Ingress without TLS", "an Ingress serves a host without TLS", "Credentials and data cross the internet in clear text.", "Add a tls section with a certificate for every host.", "KS C-0263"),
        Check("CNI-001", Severity.Critical, "Platform", "CNI does not enforce NetworkPolicy", "policies exist and the detected CNI ignores them", "Every NetworkPolicy in the cluster is decorative.", "Install a CNI that enforces NetworkPolicy (Calico, Cilium) or enable the AWS VPC CNI network-policy agent.", "CIS 5.3.1", "KS C-0205"),
        Check("HN-001", Severity.High, "HostNetworking", "Pod uses the host network", "hostNetwork: true", "NetworkPolicy does not apply to pods on the host network.", "Remove hostNetwork unless the pod is a node agent.", "KS C-0041"),
        Check("MESH-005", Severity.Info, "Mesh", "No encryption in transit detected", "no mesh and no CNI encryption", "Traffic between pods is not encrypted.", "Adopt a mesh with mTLS or enable CNI encryption.", "NSA"),
        Check("RBAC-002", Severity.Medium, "AccessControl", "Wildcard RBAC", "a role granting * verbs on * resources is bound to a non-system subject", "The subject can change any network policy.", "Grant only the verbs and resources needed.", "KS C-0187"),
    };

    public static ScanResult Create(int extraFindings = 0)
    {
        var findings = new List<Finding>
        {
            new()
            {
                CheckId = "CNI-001", Severity = Severity.Critical, Title = "CNI does not enforce NetworkPolicy", Resource = "DaemonSet/kube-system/kube-flannel-ds",
                Namespace = "kube-system", Evidence = "Flannel 0.25 is the CNI and no Calico/Canal is present, while 14 NetworkPolicies exist.",
                Remediation = "Install a CNI that enforces NetworkPolicy.", Frameworks = new[] { "CIS 5.3.1", "KS C-0205" },
            },
            new()
            {
                CheckId = "NP-001", Severity = Severity.High, Title = "Namespace has no effective default-deny ingress", Namespace = "shop", Resource = "Namespace/shop",
                Evidence = "shop/frontend[Deployment] accepts TCP 8080 from an arbitrary peer through NetworkPolicy shop/allow-all, rule ingress[0] (no 'from').",
                Remediation = "Add a default-deny ingress policy.", RemediationManifest = DefaultDenyYaml, Frameworks = new[] { "CIS 5.3.2", "NSA", "KS C-0054" },
                SourceFile = "manifests/shop/policies.yaml", SourceLine = 12,
            },
            new()
            {
                CheckId = "NP-001", Severity = Severity.High, Title = "Namespace has no effective default-deny ingress", Namespace = LongNamespace, Resource = $"Namespace/{LongNamespace}",
                Evidence = $"{LongNamespace}/{LongWorkload}[Deployment] accepts All Connections from 0.0.0.0-255.255.255.255[External],{{ingress-controller}} and every pod of every namespace; no NetworkPolicy selects it.",
                Remediation = "Add a default-deny ingress policy.", RemediationManifest = DefaultDenyYaml.Replace("namespace: shop", $"namespace: {LongNamespace}", StringComparison.Ordinal),
                Frameworks = new[] { "CIS 5.3.2", "NSA", "KS C-0054" },
            },
            new()
            {
                CheckId = "NP-001", Severity = Severity.High, Title = "Namespace has no effective default-deny ingress", Namespace = "legacy", Resource = "Namespace/legacy",
                Evidence = "legacy/mainframe-gateway[Deployment] accepts TCP 23 from an arbitrary peer.", Remediation = "Add a default-deny ingress policy.",
                Frameworks = new[] { "CIS 5.3.2", "NSA", "KS C-0054" }, Suppressed = true, Justification = "Isolated by the VPC firewall; decommissioned in Q1", SuppressedBy = "jane.doe@example.com",
                SuppressionExpires = new DateTimeOffset(2027, 3, 31, 0, 0, 0, TimeSpan.Zero),
            },
            new()
            {
                CheckId = "NP-002", Severity = Severity.Medium, Title = "Namespace has no effective default-deny egress", Namespace = "payments", Resource = "Namespace/payments",
                Evidence = "payments/api[Deployment] may connect to 0.0.0.0-9.255.255.255[External], \"TCP 443\", and\nevery pod in the cluster.", Remediation = "Add a default-deny egress policy with a DNS exception.",
                RemediationManifest = DnsEgressYaml, Frameworks = new[] { "CIS 5.3.2", "NSA" }, SourceFile = "manifests/payments/api.yaml", SourceLine = 1,
            },
            new()
            {
                CheckId = "NP-005", Severity = Severity.High, Title = "Allow-all ingress rule", Namespace = "shop", Resource = "NetworkPolicy/shop/allow-all",
                Evidence = "=HYPERLINK(\"http://evil.example\",\"click\") rule ingress[0] has no from and no ports.", Remediation = "Name the sources in 'from'.", Frameworks = new[] { "kubeaudit AllowAllIngress" },
                SourceFile = "manifests/shop/policies.yaml", SourceLine = 30,
            },
            new()
            {
                CheckId = "EX-001", Severity = Severity.High, Title = "LoadBalancer open to the internet", Namespace = "shop", Resource = "Service/shop/storefront",
                Evidence = "type LoadBalancer, no loadBalancerSourceRanges, no internal annotation.", Remediation = "Set loadBalancerSourceRanges.", Frameworks = new[] { "KS C-0256" },
            },
            new()
            {
                CheckId = "EX-004", Severity = Severity.High, Title = "Ingress without TLS", Namespace = "shop", Resource = "Ingress/shop/storefront",
                Evidence = "host shop.example.com has no TLS section.", Remediation = "Add TLS.", Frameworks = new[] { "KS C-0263" },
                Suppressed = true, Justification = "TLS terminates on the CDN in front of the ingress", SuppressedBy = "platform-team",
            },
            new()
            {
                CheckId = "NP-011", Severity = Severity.Low, Title = "Policy selects no pods", Namespace = "payments", Resource = "NetworkPolicy/payments/allow-batch",
                Evidence = "podSelector app=batch matches no pod in payments.", Remediation = "Fix the selector.", Frameworks = new[] { "KS C-0299" },
                SourceFile = "manifests/payments/batch-policy.yaml", SourceLine = 4,
            },
            new()
            {
                CheckId = "MESH-005", Severity = Severity.Info, Title = "No encryption in transit detected", Resource = "Cluster/demo",
                Evidence = "No Istio, Linkerd or CNI encryption found.", Remediation = "Adopt a mesh with mTLS.", Frameworks = new[] { "NSA" },
            },
        };

        for (var i = 0; i < extraFindings; i++)
        {
            var ns = $"tenant-{i % 9}";
            findings.Add(new Finding
            {
                CheckId = i % 2 == 0 ? "HN-001" : "NP-010", Severity = i % 2 == 0 ? Severity.High : Severity.Medium,
                Title = i % 2 == 0 ? "Pod uses the host network" : "Egress isolation blocks DNS", Namespace = ns, Resource = $"Deployment/{ns}/worker-{i:0000}",
                Evidence = $"{ns}/worker-{i:0000}[Deployment] " + (i % 2 == 0 ? "sets hostNetwork: true." : "is isolated for egress and cannot reach kube-system/coredns on UDP 53."),
                Remediation = i % 2 == 0 ? "Remove hostNetwork." : "Allow DNS egress.", Frameworks = i % 2 == 0 ? new[] { "KS C-0041" } : new[] { "Cyclonus lint" },
                Suppressed = i % 10 == 3, Justification = i % 10 == 3 ? "Node agent" : null,
            });
        }

        var workloads = new[]
        {
            Workload("shop", "frontend", "Deployment", 3, "ghcr.io/example/frontend:2.4"),
            Workload("shop", "storefront", "Deployment", 2, "ghcr.io/example/storefront:1.9"),
            Workload("payments", "api", "Deployment", 4, "ghcr.io/example/payments-api:7.1"),
            Workload("payments", "postgres", "StatefulSet", 1, "postgres:16"),
            Workload("legacy", "mainframe-gateway", "Deployment", 1, "registry.example/legacy/gw:0.9"),
            Workload(LongNamespace, LongWorkload, "Deployment", 2, "registry.example/settlement/batch:3.3"),
        };
        var flows = new List<Flow>();
        foreach (var a in workloads)
        {
            foreach (var b in workloads)
            {
                if (!ReferenceEquals(a, b))
                {
                    flows.Add(new Flow { Source = a.Peer, Destination = b.Peer, SourceNamespace = a.Namespace, DestinationNamespace = b.Namespace, Connections = "TCP 8080", Ports = new[] { new PortRange("TCP", 8080, 8080) } });
                }
            }
        }

        flows.Add(new Flow { Source = "0.0.0.0-255.255.255.255[External]", Destination = workloads[0].Peer, SourceKind = PeerKind.External, DestinationNamespace = "shop", Connections = "All Connections", AllConnections = true });

        return new ScanResult
        {
            Provenance = new Provenance
            {
                SourceKind = "live", Cluster = "demo-eu-west-1", Context = "admin@demo-eu-west-1", Server = "https://203.0.113.10:6443", ServerVersion = "v1.30.4",
                CollectedAt = ScannedAt.AddMinutes(-2),
            },
            Profile = new ProfileInfo { Name = "cis", Title = "Network security audit", Organization = "Example Corp — Platform Security", Framework = "CIS" },
            Coverage = new[]
            {
                new CoverageEntry("Pod", "v1", CoverageStatus.Read, 13, null),
                new CoverageEntry("NetworkPolicy", "networking.k8s.io/v1", CoverageStatus.Read, 14, null),
                new CoverageEntry("AdminNetworkPolicy", "policy.networking.k8s.io/v1alpha1", CoverageStatus.Absent, 0, "the API is not served by this cluster"),
                new CoverageEntry("ClusterRoleBinding", "rbac.authorization.k8s.io/v1", CoverageStatus.Forbidden, 0, "clusterrolebindings.rbac.authorization.k8s.io is forbidden: User \"system:serviceaccount:netsec:scanner\" cannot list resource"),
                new CoverageEntry("PeerAuthentication", "security.istio.io/v1", CoverageStatus.Forbidden, 0, "403 Forbidden"),
            },
            Diagnostics = new[] { new InputDiagnostic(DiagnosticSeverity.Warning, "UnknownKind", "skipped an object of an unknown kind", null, null, null, "Widget", "sprocket") },
            Inventory = new Dictionary<string, int> { ["Pod"] = 13, ["Namespace"] = 5, ["NetworkPolicy"] = 14, ["Service"] = 6 },
            Workloads = workloads,
            Services = new[]
            {
                new ServiceItem { Kind = "Service", ApiVersion = "v1", Namespace = "shop", Name = "storefront", Type = "LoadBalancer", Ports = new[] { "443:31443->8443/TCP" }, Selector = new Dictionary<string, string> { ["app"] = "storefront" }, ExternalTrafficPolicy = "Cluster" },
                new ServiceItem { Kind = "Service", ApiVersion = "v1", Namespace = "payments", Name = "postgres", Type = "ClusterIP", Ports = new[] { "5432->5432/TCP" } },
            },
            Exposures = new[] { new ExposureItem { Kind = "Ingress", ApiVersion = "networking.k8s.io/v1", Namespace = "shop", Name = "storefront", Hosts = new[] { "shop.example.com" }, Backends = new[] { "storefront:443" } } },
            Policies = new[]
            {
                new PolicyItem { Kind = "NetworkPolicy", ApiVersion = "networking.k8s.io/v1", Namespace = "shop", Name = "allow-all", Subject = "all pods", PolicyTypes = new[] { "Ingress" }, IngressRules = 1, SourceFile = "manifests/shop/policies.yaml", SourceLine = 30 },
                new PolicyItem { Kind = "NetworkPolicy", ApiVersion = "networking.k8s.io/v1", Namespace = "payments", Name = "allow-batch", Subject = "app=batch", PolicyTypes = new[] { "Ingress" }, IngressRules = 1 },
            },
            Checks = Catalogue,
            NotEvaluated = new[] { "RBAC-002: ClusterRoleBinding could not be read (Forbidden), so who holds wildcard roles is unknown" },
            Findings = findings,
            Score = new ScoreDetails { Score = 57.4, Band = ScoreDetails.BandOf(57.4), EvaluatedWorkloads = 6, Formula = "score = 100 × Σ(w × compliance) ÷ Σ w" },
            Flows = flows,
            NamespaceFlows = flows.Where(f => f.SourceNamespace is not null && f.DestinationNamespace is not null)
                .GroupBy(f => (f.SourceNamespace!, f.DestinationNamespace!))
                .Select(g => new NamespaceFlowSummary(g.Key.Item1, g.Key.Item2, g.Count(), true)).ToArray(),
            Drift = new[]
            {
                new DriftRecord { Category = DriftCategory.Flow, Change = DriftChange.Added, Subject = $"{workloads[5].Peer} => {workloads[3].Peer}", Before = "No Connections", After = "TCP 5432", Severity = Severity.High, Namespace = "payments", Detail = "workload payments/postgres[StatefulSet] is a data store" },
                new DriftRecord { Category = DriftCategory.Policy, Change = DriftChange.Removed, Subject = "NetworkPolicy/shop/default-deny", Before = "Ingress", Severity = Severity.High, Namespace = "shop" },
                new DriftRecord { Category = DriftCategory.Finding, Change = DriftChange.Added, Subject = "NP-005 NetworkPolicy/shop/allow-all", Severity = Severity.High, Namespace = "shop" },
                new DriftRecord { Category = DriftCategory.Exposure, Change = DriftChange.Changed, Subject = "Service/shop/storefront", Before = "ClusterIP", After = "LoadBalancer", Severity = Severity.Medium, Namespace = "shop" },
            },
            BaselinePath = "baselines/demo-eu-west-1.baseline.json",
            BaselineCreatedAt = ScannedAt.AddDays(-14),
            History = Enumerable.Range(0, 8).Select(i => new HistoryRecord
            {
                Time = ScannedAt.AddDays(i - 7), Cluster = "demo-eu-west-1", ScoreVersion = ScoreDetails.CurrentVersion, Score = i == 7 ? 57.4 : 70 - (i * 1.8), Critical = 1, High = 3 + (i / 3), Medium = 1, Low = 1, Info = 1, Suppressed = 2, Flows = 31,
            }).ToArray(),
            ScannedAt = ScannedAt,
            // As Invoke-NetSecScan -ClusterName names it; the kube context alone would be admin@demo-eu-west-1.
            ClusterName = "demo-eu-west-1",
        };
    }

    private static WorkloadItem Workload(string ns, string name, string kind, int pods, string image) => new()
    {
        Kind = kind, ApiVersion = "apps/v1", Namespace = ns, Name = name, Peer = $"{ns}/{name}[{kind}]", Pods = pods, Images = new[] { image }, Ports = new[] { "http:8080/TCP" },
        Labels = new Dictionary<string, string> { ["app"] = name },
    };

    private static CheckInfo Check(string id, Severity severity, string category, string title, string failsWhen, string rationale, string remediation, params string[] frameworks) => new()
    {
        Id = id, Severity = severity, Category = category, Title = title, FailsWhen = failsWhen, Rationale = rationale, Remediation = remediation, Frameworks = frameworks,
    };
}
