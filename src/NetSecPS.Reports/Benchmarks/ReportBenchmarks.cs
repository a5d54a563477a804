using System.Diagnostics;

namespace NetSecPS.Reports.Benchmarks;

/// <summary>
/// Entry points for the benchmark project: a synthetic scan of a large cluster and a call that
/// writes every report format of a scan, timing each.
/// </summary>
internal static class ReportBenchmarks
{
    /// <summary>Writes <c>scan.xlsx</c>, <c>scan.pdf</c>, <c>scan.json</c>, <c>scan.csv</c>, <c>scan.sarif</c> and <c>scan.junit.xml</c> into <paramref name="directory"/>.</summary>
    public static IReadOnlyDictionary<ReportFormat, TimeSpan> WriteAll(ScanResult scan, string directory, ReportOptions? options = null)
    {
        Directory.CreateDirectory(directory);
        var times = new Dictionary<ReportFormat, TimeSpan>();
        foreach (var (format, name) in new[]
        {
            (ReportFormat.Excel, "scan.xlsx"), (ReportFormat.Pdf, "scan.pdf"), (ReportFormat.Json, "scan.json"),
            (ReportFormat.Csv, "scan.csv"), (ReportFormat.Sarif, "scan.sarif"), (ReportFormat.JUnit, "scan.junit.xml"),
        })
        {
            var watch = Stopwatch.StartNew();
            ReportWriter.WriteFile(scan, Path.Combine(directory, name), format, options);
            times[format] = watch.Elapsed;
        }

        return times;
    }

    /// <summary>The check catalogue the synthetic scan uses: a cross-section of the catalogue (docs/checks.md).</summary>
    public static IReadOnlyList<CheckInfo> SampleCatalogue { get; } = new[]
    {
        Check("NP-001", Severity.High, "Segmentation", "Namespace has no effective default-deny ingress", "some pod in the namespace accepts ingress from an arbitrary peer", "CIS 5.3.2", "NSA", "KS C-0054"),
        Check("NP-002", Severity.Medium, "Segmentation", "Namespace has no effective default-deny egress", "some pod in the namespace may open connections to an arbitrary peer", "CIS 5.3.2", "NSA"),
        Check("NP-003", Severity.High, "Segmentation", "Workload not isolated for ingress", "the workload is selected by no NetworkPolicy with Ingress in its policyTypes and no admin policy denies by default", "KS C-0260"),
        Check("NP-004", Severity.Medium, "Segmentation", "Workload not isolated for egress", "the same for Egress", "KS C-0030"),
        Check("NP-005", Severity.High, "Segmentation", "Allow-all ingress rule", "an ingress rule with no from and no ports admits every source to the selected pods", "kubeaudit AllowAllIngress"),
        Check("NP-008", Severity.High, "Segmentation", "Unrestricted egress to the internet", "an egress ipBlock of 0.0.0.0/0 does not except the private ranges", "NSA"),
        Check("NP-009", Severity.High, "Segmentation", "Cloud metadata endpoint reachable", "some non-hostNetwork workload may connect to 169.254.169.254 (TCP 80)", "KS C-0052"),
        Check("NP-011", Severity.Low, "Segmentation", "Policy selects no pods", "a NetworkPolicy's podSelector matches no pod or workload in its namespace", "KS C-0299"),
        Check("EX-001", Severity.High, "Exposure", "LoadBalancer open to the internet", "a LoadBalancer Service has no loadBalancerSourceRanges and no internal-load-balancer annotation", "KS C-0256"),
        Check("EX-002", Severity.Medium, "Exposure", "NodePort exposure", "a Service of type NodePort exposes the workload on every node", "kube-score service-type"),
        Check("EX-004", Severity.High, "Exposure", "Ingress without TLS", "an Ingress serves a host without TLS", "KS C-0263"),
        Check("HN-001", Severity.High, "HostNetworking", "Pod uses the host network", "hostNetwork: true: NetworkPolicy does not apply to it", "KS C-0041"),
        Check("CNI-001", Severity.Critical, "Platform", "CNI does not enforce NetworkPolicy", "policies exist and the detected CNI ignores them", "CIS 5.3.1", "KS C-0205"),
        Check("SEC-001", Severity.Low, "AccessControl", "Secret in environment variables", "a container takes a Secret through env.valueFrom.secretKeyRef or envFrom.secretRef"),
        Check("MESH-005", Severity.Info, "Mesh", "No encryption in transit detected", "no mesh, and no CNI encryption", "NSA"),
        Check("LAT-001", Severity.High, "LateralMovement", "Data store reachable across namespaces", "a data store accepts connections from pods of other namespaces or from an arbitrary peer", "MITRE lateral movement"),
    };

    private static CheckInfo Check(string id, Severity severity, string category, string title, string failsWhen, params string[] frameworks) => new()
    {
        Id = id,
        Severity = severity,
        Category = category,
        Title = title,
        FailsWhen = failsWhen,
        Frameworks = frameworks,
        Rationale = $"When this check fails, {failsWhen}; an attacker who controls one workload can use that to reach others.",
        Remediation = $"Change the configuration so that no longer holds: {title.ToLowerInvariant()} must be addressed per namespace.",
    };

    /// <summary>A scan of a generated cluster: <paramref name="workloads"/> workloads over <paramref name="namespaces"/> namespaces, with findings, flows, drift and history.</summary>
    public static ScanResult CreateSyntheticScan(int workloads = 10_000, int findings = 20_000, int flows = 100_000, int namespaces = 100, int seed = 1)
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
