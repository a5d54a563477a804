using k8s.Models;
using NetSecPS.Core.Checks.Support;

namespace NetSecPS.Core.Checks.AccessControl;

/// <summary>SEC-001: Secrets handed to containers as environment variables.</summary>
internal sealed class Sec001SecretInEnvironment : Check
{
    public override CheckInfo Info { get; } = new()
    {
        Id = "SEC-001",
        Title = "Secret in environment variables",
        Severity = Severity.Low,
        Category = "AccessControl",
        Frameworks = new[] { "CIS 5.4.1", "NSA Secrets", "MITRE T1552" },
        FailsWhen = "A container takes a Secret through env.valueFrom.secretKeyRef or envFrom.secretRef (prefer mounted files or an external secret store); found from pod specs, Secret values are never read.",
        AppliesTo = "Workloads outside the excluded namespaces.",
        Rationale = "Environment variables leak: into crash dumps, debug endpoints, child processes and logs; they cannot be rotated without a restart.",
        Remediation = "Mount the Secret as a file (a secret volume with defaultMode 0400) or fetch it from an external secret store (CSI secret store driver), and read it at run time.",
        Notes = "Decided from pod specs and pod templates, containers and init containers; only Secret names and keys appear in the evidence, never values. Reported once per workload.",
    };

    public override IEnumerable<CheckSubject> Subjects(AuditContext context) =>
        context.EvaluatedWorkloads.Select(CheckSubject.Of);

    public override IEnumerable<Finding> Evaluate(AuditContext context)
    {
        foreach (var w in context.EvaluatedWorkloads)
        {
            var data = new List<EvidenceItem>();
            foreach (var c in WorkloadTraits.Containers(w).DistinctBy(c => c.Name))
            {
                foreach (var e in c.Env ?? new List<V1EnvVar>())
                {
                    if (e.ValueFrom?.SecretKeyRef is { } r)
                    {
                        data.Add(new EvidenceItem("Env", $"{w.Peer} container {c.Name}", $"env {e.Name} from Secret {r.Name} key {r.Key}"));
                    }
                }

                foreach (var src in c.EnvFrom ?? new List<V1EnvFromSource>())
                {
                    if (src.SecretRef is { } s)
                    {
                        data.Add(new EvidenceItem("EnvFrom", $"{w.Peer} container {c.Name}", $"envFrom Secret {s.Name}" + (string.IsNullOrEmpty(src.Prefix) ? string.Empty : $" (prefix {src.Prefix})")));
                    }
                }
            }

            if (data.Count > 0)
            {
                yield return Fail(w, $"{w.Peer} takes Secrets through environment variables: {string.Join("; ", data.Select(d => d.Subject[(d.Subject.LastIndexOf(' ') + 1)..] + ": " + d.Detail))}.", data);
            }
        }
    }
}
