using NetSecPS.Core.Checks.Support;

namespace NetSecPS.Core.Checks.Exposure;

/// <summary>EX-006: admin UIs, data stores and daemon APIs reachable from outside the cluster.</summary>
internal sealed class Ex006SensitiveInterfaceExposed : Check
{
    public override CheckInfo Info { get; } = new()
    {
        Id = "EX-006",
        Title = "Sensitive interface exposed",
        Severity = Severity.High,
        Category = "Exposure",
        Frameworks = new[] { "MITRE T1190" },
        FailsWhen = "An exposed workload is an admin UI or a data store (kubernetes-dashboard, argocd-server, jupyter, kibana, grafana, prometheus, the data stores of the catalogue, kubelet 10250, docker 2375/2376).",
        AppliesTo = "Exposed workloads, in every namespace.",
        Rationale = "Admin UIs and data stores are built for trusted networks: exposed, they are brute-forced, exploited through known CVEs, or simply open.",
        Remediation = "Keep the interface internal (ClusterIP), reach it through a VPN, bastion or authenticated proxy, or limit its exposure to named client ranges with strong authentication in front.",
        Notes = "An admin UI is recognised by image name, workload name or app.kubernetes.io/name / app label; a data store by image name (helpers such as *-exporter and *-operator are not data stores) or a declared data-store port. Findings are reported in every namespace, excluded ones included. Comparable control in other tools: kubescape C-0021.",
    };

    public override IEnumerable<CheckSubject> Subjects(AuditContext context) =>
        SubjectSets.ExposedWorkloads(context);

    public override bool HonoursExcludedNamespaces => false;

    public override IEnumerable<Finding> Evaluate(AuditContext context)
    {
        foreach (var (w, paths) in context.Exposure.Exposed.OrderBy(kv => kv.Key.Peer, StringComparer.Ordinal))
        {
            var what = WorkloadTraits.SensitiveInterface(w);
            if (what is null && WorkloadTraits.DataStore(w) is { } ds)
            {
                what = $"data store {ds.Product} ({ds.Reason})";
            }

            if (what is null)
            {
                continue;
            }

            var data = paths.Select(p => new EvidenceItem("Exposure", p.Describe(), $"exposes {w.Peer}")).ToList();
            data.Add(new EvidenceItem("Interface", w.Peer, what));
            yield return Fail(w, $"{w.Peer} is a {what} and is exposed through {string.Join(", ", paths.Select(p => p.Describe()))}.", data);
        }
    }
}
