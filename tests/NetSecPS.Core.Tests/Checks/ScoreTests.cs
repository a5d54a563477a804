using System.Text.Json.Nodes;
using NetSecPS.Core.Checks;
using NetSecPS.Core.Sources;
using static NetSecPS.Core.Tests.Checks.CheckHarness;

namespace NetSecPS.Core.Tests.Checks;

/// <summary>
/// The score of docs/checks.md ("Score"): compliance per check over the subjects it evaluated,
/// weighted by severity. Each consequence the catalogue promises is proven here, on the demo
/// cluster changed the way an operator would change it.
/// </summary>
public class ScoreTests
{
    private static readonly Lazy<AuditResult> DemoAudit = new(() => Audit(ManifestCluster.Demo().Read()));

    private static AuditResult Demo => DemoAudit.Value;

    private static CheckCompliance Check(AuditResult r, string id) => r.Score.Checks.Single(c => c.CheckId == id);

    [Fact]
    public void The_demo_cluster_scores_between_0_and_100_and_the_formula_shows_its_numbers()
    {
        Assert.InRange(Demo.Score.Score, 1, 99);
        Assert.Equal(ScoreDetails.BandOf(Demo.Score.Score), Demo.Score.Band);
        Assert.Contains("Σ w", Demo.Score.Formula, StringComparison.Ordinal);
        Assert.Contains(Demo.Score.Score.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture), Demo.Score.Formula, StringComparison.Ordinal);
        // Every check of the profile is listed, in catalogue order, whether or not it applied.
        Assert.Equal(CheckCatalogue.Infos.Select(c => c.Id), Demo.Score.Checks.Select(c => c.CheckId));
    }

    [Fact]
    public void The_score_is_the_severity_weighted_mean_of_the_applicable_checks_compliance()
    {
        var applicable = Demo.Score.Checks.Where(c => c.Evaluated > 0).ToList();
        var expected = 100 * applicable.Sum(c => c.Weight * (double)(c.Passed + c.Accepted) / c.Evaluated) / applicable.Sum(c => c.Weight);
        Assert.Equal(expected, Demo.Score.Score, 9);
        Assert.All(Demo.Score.Checks, c => Assert.Equal(c.Passed + c.Failed + c.Accepted, c.Evaluated));
        Assert.All(Demo.Score.Checks, c => Assert.Equal(PostureScore.Weight(c.Severity), c.Weight));
    }

    [Fact]
    public void Checks_report_their_passed_subjects_too()
    {
        // The shop namespace is default-deny in both directions: NP-001 verified it and says so.
        Assert.Contains(Demo.Subjects, s => s is { CheckId: "NP-001", Resource: "Namespace/shop", Outcome: SubjectOutcome.Passed });
        Assert.Contains(Demo.Subjects, s => s is { CheckId: "NP-001", Resource: "Namespace/ingress-nginx", Outcome: SubjectOutcome.Failed });
        Assert.Contains(Demo.Subjects, s => s is { CheckId: "EX-001", Resource: "Service/payments/payments-partner", Outcome: SubjectOutcome.Passed });
        Assert.Contains(Demo.Subjects, s => s is { CheckId: "NP-003", Resource: "Deployment/shop/frontend", Outcome: SubjectOutcome.Passed });
        // Subjects of excluded namespaces are not evaluated by the checks that honour the exclusion.
        Assert.DoesNotContain(Demo.Subjects, s => s.CheckId == "NP-003" && s.Namespace == "kube-system");
        // Every failed subject has an open finding and every open finding a failed subject.
        var failed = Demo.Subjects.Where(s => s.Outcome == SubjectOutcome.Failed).Select(s => (s.CheckId, s.Resource)).ToHashSet();
        var open = Demo.Findings.Where(f => !f.Suppressed).Select(f => (f.CheckId, f.Resource)).ToHashSet();
        Assert.Equal(open.Order(), failed.Order());
    }

    [Fact]
    public void Every_finding_of_the_demo_and_of_every_check_fixture_is_among_the_subjects_its_check_declares()
    {
        var inputs = new List<string> { Path.Combine(TestPaths.RepoRoot, "samples", "cluster") };
        // _exceptions holds exceptions files, not manifests.
        inputs.AddRange(Directory.EnumerateFiles(TestPaths.Fixture("checks"), "*.yaml", SearchOption.AllDirectories)
            .Where(f => !f.Contains("_exceptions", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        foreach (var input in inputs)
        {
            var sink = new CollectingSink();
            Audit(ManifestSource.Read(new[] { input }), sink: sink);
            var stray = sink.Verbose.Where(v => v.Contains("is not among the subjects", StringComparison.Ordinal)).ToList();
            Assert.True(stray.Count == 0, $"{input}: {string.Join("; ", stray)}");
        }
    }

    [Fact]
    public void Fixing_one_failing_subject_strictly_raises_the_score()
    {
        // The three High findings of the issue that left the old score at 0.0, fixed one at a time.
        var cluster = ManifestCluster.Demo();
        var before = Demo.Score.Score;
        var fixes = new (string Check, Action<ManifestCluster> Fix)[]
        {
            ("EX-003", c => c.Patch("Service", "shop", "frontend-legacy", s => s["spec"]!.AsObject().Remove("externalIPs"))),
            ("EX-001", c => c.Patch("Service", "ingress-nginx", "ingress-nginx-controller", s => s["spec"]!["loadBalancerSourceRanges"] = new JsonArray("203.0.113.0/24"))),
            ("EX-004", c => c.Patch("Ingress", "monitoring", "grafana", i => i["spec"]!["tls"] = JsonNode.Parse("""[{ "hosts": ["grafana.example.com"], "secretName": "grafana-tls" }]"""))),
        };
        foreach (var (check, fix) in fixes)
        {
            fix(cluster);
            var after = Audit(cluster.Read());
            Assert.True(Check(after, check).Failed < Check(Demo, check).Failed, $"{check} was not fixed");
            Assert.True(after.Score.Score > before, $"fixing {check} left the score at {after.Score.Score:0.00} (was {before:0.00})");
            before = after.Score.Score;
        }
    }

    [Fact]
    public void A_failed_subject_turned_passed_always_raises_the_score_whatever_the_cluster_size()
    {
        foreach (var size in new[] { 1, 7, 100, 20_000 })
        {
            var failing = Outcomes("NP-003", Severity.High, passed: size, failed: 2);
            var fixedOne = Outcomes("NP-003", Severity.High, passed: size + 1, failed: 1);
            var other = Outcomes("EX-001", Severity.High, passed: 1, failed: 1);
            Assert.True(PostureScore.Compute(new[] { fixedOne, other }, size).Score > PostureScore.Compute(new[] { failing, other }, size).Score, $"size {size}");
        }
    }

    [Fact]
    public void A_failing_cluster_level_check_costs_its_full_share_at_any_cluster_size()
    {
        // CNI-002 (Medium, weight 2) fails on the cluster; NP-003 (High, weight 5) passes on every workload.
        foreach (var workloads in new[] { 1, 10, 1000, 50_000 })
        {
            var score = PostureScore.Compute(new[] { Outcomes("NP-003", Severity.High, passed: workloads, failed: 0), Cluster("CNI-002", Severity.Medium, passed: false) }, workloads);
            Assert.Equal(100.0 * 5 / 7, score.Score, 9);
        }
    }

    [Fact]
    public void Padding_with_idle_workloads_cannot_inflate_the_score()
    {
        // The issue's experiment: 30 idle Deployments in a namespace nobody protects lower the score.
        var unprotected = Audit(ManifestCluster.Demo().ApplyText(IdleDeployments("idle", 30, withNamespace: true)).Read());
        Assert.True(unprotected.Score.Score < Demo.Score.Score, $"{unprotected.Score.Score:0.00} >= {Demo.Score.Score:0.00}");

        // 30 passing Deployments in the well-protected shop namespace move only the checks that
        // evaluate workloads; every namespace-, policy-, service- and cluster-level check keeps its
        // compliance, so their failures keep costing their full share.
        var padded = Audit(ManifestCluster.Demo().ApplyText(IdleDeployments("shop", 30, withNamespace: false)).Read());
        foreach (var c in padded.Score.Checks.Where(c => !IsWorkloadScoped(c.CheckId)))
        {
            Assert.True(c.Compliance == Check(Demo, c.CheckId).Compliance, $"{c.CheckId} moved from {Check(Demo, c.CheckId).Compliance:0.000} to {c.Compliance:0.000}");
        }

        var fixedShare = padded.Score.Checks.Where(c => c.Applicable && !IsWorkloadScoped(c.CheckId)).ToList();
        var ceiling = 100 * (1 - fixedShare.Sum(c => c.Weight * (1 - c.Compliance)) / padded.Score.Checks.Where(c => c.Applicable).Sum(c => c.Weight));
        Assert.True(padded.Score.Score <= ceiling + 1e-9, $"{padded.Score.Score} above the ceiling {ceiling} that the non-workload failures set");
    }

    [Fact]
    public void The_score_without_exceptions_is_computed_beside_the_score()
    {
        var exceptions = ExceptionsFile.Load(Path.Combine(TestPaths.RepoRoot, "samples", "exceptions.yaml"));
        var r = Audit(ManifestCluster.Demo().Read(), exceptions: exceptions);
        Assert.Contains(r.Subjects, s => s.Outcome == SubjectOutcome.Accepted);
        Assert.True(r.Score.Score > r.Score.ScoreWithoutExceptions);
        Assert.Equal(Demo.Score.Score, r.Score.ScoreWithoutExceptions, 9);
    }

    [Fact]
    public void Each_namespace_has_the_score_of_its_own_subjects_ranked_lowest_first()
    {
        var namespaces = Demo.Score.Namespaces;
        Assert.Equal(namespaces.OrderBy(n => n.Score).Select(n => n.Namespace), namespaces.Select(n => n.Namespace));
        var shop = namespaces.Single(n => n.Namespace == "shop");
        var monitoring = namespaces.Single(n => n.Namespace == "monitoring");
        Assert.True(shop.Score > monitoring.Score, "the default-deny shop namespace scores above monitoring with its allow-all rule");
        Assert.Contains("NP-005", monitoring.FailingCheckIds);
        Assert.DoesNotContain("NP-001", shop.FailingCheckIds);

        // The same formula over the namespace's subjects only.
        var own = Demo.Score.Checks
            .Select(c => (c, Subjects: Demo.Subjects.Where(s => s.CheckId == c.CheckId && s.Namespace == "shop").ToList()))
            .Where(x => x.Subjects.Count > 0)
            .ToList();
        var expected = 100 * own.Sum(x => x.c.Weight * (double)x.Subjects.Count(s => s.Outcome != SubjectOutcome.Failed) / x.Subjects.Count) / own.Sum(x => x.c.Weight);
        Assert.Equal(expected, shop.Score, 9);
    }

    [Fact]
    public void Each_framework_and_control_has_its_compliance_and_counts_its_fully_passing_checks()
    {
        var cis = Demo.Score.Frameworks.Single(f => f.Control == "CIS 5.3.2");
        Assert.Equal("CIS", cis.Framework);
        Assert.Equal(new[] { "NP-001", "NP-002" }, cis.CheckIds);
        Assert.Equal(2, cis.Checks);
        Assert.Equal(0, cis.FullyPassing);
        Assert.Equal("CIS 5.3.2: 0 of 2 checks fully pass", cis.ToString());
        var cni = Demo.Score.Frameworks.Single(f => f.Control == "CIS 5.3.1");
        Assert.Equal(2, cni.FullyPassing);
        Assert.Equal(100, cni.Compliance, 9);
        var whole = Demo.Score.Frameworks.Single(f => f.Control == "CIS");
        Assert.Equal(Demo.Score.Checks.Count(c => c.Applicable && c.Frameworks.Any(x => x.StartsWith("CIS ", StringComparison.Ordinal))), whole.Checks);
    }

    [Fact]
    public void A_profile_selecting_only_info_checks_scores_them_equally_instead_of_reporting_100()
    {
        var r = Audit(ManifestCluster.Demo().Read(), new[] { "DET-*" });
        Assert.Equal(0, r.Score.Score, 9);
    }

    private static bool IsWorkloadScoped(string checkId) =>
        CheckCatalogue.Find(checkId)!.Info.AppliesTo.Contains("orkloads", StringComparison.Ordinal)
        || CheckCatalogue.Find(checkId)!.Info.AppliesTo.Contains("Data stores", StringComparison.Ordinal);

    private static CheckOutcomes Outcomes(string id, Severity severity, int passed, int failed) => new(
        new CheckInfo { Id = id, Title = id, Severity = severity },
        Enumerable.Range(0, passed).Select(i => new SubjectResult { CheckId = id, Resource = $"Deployment/ns/p{i}", Namespace = "ns", Outcome = SubjectOutcome.Passed })
            .Concat(Enumerable.Range(0, failed).Select(i => new SubjectResult { CheckId = id, Resource = $"Deployment/ns/f{i}", Namespace = "ns", Outcome = SubjectOutcome.Failed }))
            .ToList());

    private static CheckOutcomes Cluster(string id, Severity severity, bool passed) => new(
        new CheckInfo { Id = id, Title = id, Severity = severity },
        new[] { new SubjectResult { CheckId = id, Resource = "Cluster/c", Outcome = passed ? SubjectOutcome.Passed : SubjectOutcome.Failed } });

    /// <summary>Deployments that do nothing: no ports, no Service, labels no policy names.</summary>
    private static string IdleDeployments(string ns, int count, bool withNamespace)
    {
        var sb = new System.Text.StringBuilder();
        if (withNamespace)
        {
            sb.Append($"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n---\n");
        }

        for (var i = 0; i < count; i++)
        {
            sb.Append($$"""
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: idle-{{i}}
                  namespace: {{ns}}
                spec:
                  selector:
                    matchLabels:
                      app: idle-{{i}}
                  template:
                    metadata:
                      labels:
                        app: idle-{{i}}
                    spec:
                      containers:
                        - name: sleep
                          image: registry.k8s.io/pause:3.10
                ---

                """);
        }

        return sb.ToString();
    }
}
