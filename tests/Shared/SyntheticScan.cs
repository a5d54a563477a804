using NetSecPS.Core.Checks;
using NetSecPS.Reports;

namespace NetSecPS.Tests;

/// <summary>
/// A scan result made up for the report writers, as large as asked: a report test that needs
/// more rows than a fixture cluster gives, and the benchmark runner's <c>reports</c> command,
/// which times every format on it. Test code: the shipped assemblies hold no benchmark types
/// (tests/pester/Module.Tests.ps1).
/// </summary>
internal static class SyntheticScan
{
    /// <summary>
    /// The checks the synthetic findings come from: a cross-section of the catalogue (segmentation,
    /// exposure, host networking, platform, secrets, mesh, lateral movement), taken from the
    /// catalogue itself so their texts are the ones a real scan reports.
    /// </summary>
    public static IReadOnlyList<CheckInfo> SampleCatalogue { get; } = new[]
    {
        "NP-001", "NP-002", "NP-003", "NP-004", "NP-005", "NP-008", "NP-009", "NP-011",
        "EX-001", "EX-002", "EX-004", "HN-001", "CNI-001", "SEC-001", "MESH-005", "LAT-001",
    }.Select(id => CheckCatalogue.Find(id)?.Info ?? throw new InvalidOperationException($"the catalogue has no check {id}")).ToArray();

    /// <summary>A scan of a generated cluster: <paramref name="workloads"/> workloads over <paramref name="namespaces"/> namespaces, with findings, flows, drift and history.</summary>
    public static ScanResult Create(int workloads = 10_000, int findings = 20_000, int flows = 100_000, int namespaces = 100, int seed = 1)
    {
        var random = new Random(seed);
        var at = new DateTimeOffset(2026, 11, 27, 8, 30, 0, TimeSpan.Zero);
        var ns = Enumerable.Range(0, namespaces).Select(i => $"team-{i:000}").ToArray();
        var kinds = new[] { "Deployment", "StatefulSet", "DaemonSet", "CronJob" };
        var wl = new WorkloadItem[workloads];
        for (var i = 0; i < workloads; i++)
        {
            var n = ns[i % namespaces];
            var kind = kinds[i % kinds.Length];
            var name = $"svc-{i:00000}";
            wl[i] = new WorkloadItem
            {
                Kind = kind,
                ApiVersion = "apps/v1",
                Namespace = n,
                Name = name,
                Peer = $"{n}/{name}[{kind}]",
                Pods = 1 + (i % 3),
                Images = new[] { $"registry.example/{n}/{name}:1.{i % 40}" },
                Ports = new[] { "http:8080/TCP" },
                ServiceAccount = "default",
                Labels = new Dictionary<string, string> { ["app"] = name, ["tier"] = (i % 3).ToString(ReportText.Culture) },
            };
        }

        var catalogue = SampleCatalogue;
        var list = new List<Finding>(findings);
        for (var i = 0; i < findings; i++)
        {
            var check = catalogue[random.Next(catalogue.Count)];
            var w = wl[random.Next(workloads)];
            var suppressed = i % 25 == 0;
            list.Add(new Finding
            {
                CheckId = check.Id,
                Severity = check.Severity,
                Title = check.Title,
                Namespace = w.Namespace,
                Resource = w.Resource,
                Evidence = $"{w.Peer} accepts TCP 8080 from 0.0.0.0-255.255.255.255[External] through NetworkPolicy {w.Namespace}/allow-web rule ingress[0]",
                Remediation = check.Remediation,
                RemediationManifest = check.Id is "NP-001" ? DefaultDeny(w.Namespace!) : null,
                Frameworks = check.Frameworks,
                Suppressed = suppressed,
                Justification = suppressed ? "Accepted risk: legacy service, replacement planned" : null,
                SuppressedBy = suppressed ? "platform-team" : null,
                SuppressionExpires = suppressed ? at.AddDays(90) : null,
            });
        }

        var flowList = new Flow[flows];
        var matrix = new Dictionary<(string, string), int>();
        for (var i = 0; i < flows; i++)
        {
            var a = wl[random.Next(workloads)];
            var b = wl[random.Next(workloads)];
            flowList[i] = new Flow
            {
                Source = a.Peer,
                Destination = b.Peer,
                SourceNamespace = a.Namespace,
                DestinationNamespace = b.Namespace,
                Connections = i % 7 == 0 ? "All Connections" : "TCP 8080",
                AllConnections = i % 7 == 0,
            };
            var key = (a.Namespace!, b.Namespace!);
            matrix[key] = matrix.GetValueOrDefault(key) + 1;
        }

        var policies = ns.SelectMany(n => new[]
        {
            new PolicyItem { Kind = "NetworkPolicy", ApiVersion = "networking.k8s.io/v1", Namespace = n, Name = "allow-web", Subject = "app in (web)", PolicyTypes = new[] { "Ingress" }, IngressRules = 2 },
            new PolicyItem { Kind = "NetworkPolicy", ApiVersion = "networking.k8s.io/v1", Namespace = n, Name = "default-deny", Subject = "all pods", PolicyTypes = new[] { "Ingress", "Egress" } },
        }).ToArray();
        var services = wl.Where((_, i) => i % 50 == 0).Select((w, i) => new ServiceItem
        {
            Kind = "Service",
            ApiVersion = "v1",
            Namespace = w.Namespace,
            Name = w.Name,
            Type = i % 2 == 0 ? "LoadBalancer" : "NodePort",
            Ports = new[] { "443:31443->8080/TCP" },
            Selector = new Dictionary<string, string> { ["app"] = w.Name },
        }).ToArray();
        var drift = Enumerable.Range(0, 500).Select(i => new DriftRecord
        {
            Category = (DriftCategory)(i % 5),
            Change = (DriftChange)(i % 3),
            Subject = $"{wl[i].Peer} => {wl[(i * 13) % workloads].Peer}",
            Before = i % 3 == 0 ? null : "TCP 8080",
            After = i % 3 == 1 ? null : "All Connections",
            Severity = (Severity)(i % 5),
            Namespace = wl[i].Namespace,
        }).ToArray();
        var history = Enumerable.Range(0, 20).Select(i => new HistoryRecord
        {
            Time = at.AddDays(i - 19),
            Cluster = "synthetic",
            Score = 40 + (i * 1.5),
            Critical = 20 - i,
            High = 4000 - (i * 50),
            Medium = 3000,
            Low = 1500,
            Info = 300,
            Suppressed = 800,
            Flows = flows,
        }).ToArray();

        return new ScanResult
        {
            Provenance = new Provenance { SourceKind = "live", Cluster = "synthetic-10k", Context = "synthetic", ServerVersion = "v1.31.2", CollectedAt = at },
            Profile = new ProfileInfo { Name = "default", ExcludedNamespaces = new[] { "kube-system", "kube-public", "kube-node-lease" } },
            Coverage = new[]
            {
                new CoverageEntry("Pod", "v1", CoverageStatus.Read, workloads * 2, null),
                new CoverageEntry("NetworkPolicy", "networking.k8s.io/v1", CoverageStatus.Read, policies.Length, null),
                new CoverageEntry("AdminNetworkPolicy", "policy.networking.k8s.io/v1alpha1", CoverageStatus.Absent, 0, "the API is not served"),
            },
            Inventory = new Dictionary<string, int> { ["Namespace"] = namespaces, ["Pod"] = workloads * 2, ["NetworkPolicy"] = policies.Length, ["Service"] = services.Length },
            Workloads = wl,
            Services = services,
            Policies = policies,
            Checks = catalogue,
            Findings = list,
            Score = new ScoreDetails { Score = 61.3, Band = ScoreDetails.BandOf(61.3), EvaluatedWorkloads = workloads, Formula = "score = 100 × Σ(w × compliance) ÷ Σ w" },
            Flows = flowList,
            NamespaceFlows = matrix.Select(p => new NamespaceFlowSummary(p.Key.Item1, p.Key.Item2, p.Value, true)).ToArray(),
            Drift = drift,
            BaselinePath = "baselines/synthetic.baseline.json",
            BaselineCreatedAt = at.AddDays(-7),
            History = history,
            ScannedAt = at,
        };
    }

    private static string DefaultDeny(string ns) =>
        $"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny-ingress\n  namespace: {ns}\nspec:\n  podSelector: {{}}\n  policyTypes:\n    - Ingress\n";
}
