using NetSecPS.Core.Checks.Support;
using NetSecPS.Core.Model;

using NetSecPS.Core.Policy;

namespace NetSecPS.Core.Checks.Segmentation;

/// <summary>NP-013: a named port that no container of the destination pods declares allows nothing.</summary>
internal sealed class Np013NamedPortUndefined : Check
{
    public override CheckInfo Info { get; } = new()
    {
        Id = "NP-013",
        Title = "Named port not defined",
        Severity = Severity.Low,
        Category = "Segmentation",
        Frameworks = Array.Empty<string>(),
        FailsWhen = "A rule's named port is declared by no container of the pods it applies to.",
        AppliesTo = "NetworkPolicies (and Calico and Cilium policies) with a rule that names a port by name.",
        Rationale = "A named port resolves per destination pod; when no pod declares it, the rule admits nothing on that port and the intended traffic is silently blocked.",
        Remediation = "Use the port name the containers declare (spec.containers[].ports[].name), or the port number.",
        Notes = "The pods a named port applies to are the destination pods: the policy's selected pods for an ingress rule, the pods its 'to' peers match for an egress rule (every pod when the rule has no 'to'; ipBlock-only rules are skipped). The protocol must match too. Rules whose destination pods are not in the snapshot are left to NP-011 and NP-012.",
    };

    public override IEnumerable<CheckSubject> Subjects(AuditContext context) =>
        SubjectSets.RulePolicies(context, p => p.Ingress.Concat(p.Egress).Any(r => r.Ports.HasNamedPorts));

    public override IEnumerable<Finding> Evaluate(AuditContext context)
    {
        var model = context.Policies;
        foreach (var p in PolicyFacts.RulePolicies(model))
        {
            var data = new List<EvidenceItem>();
            if (p.Affects(TrafficDirection.Ingress))
            {
                var selected = PolicyFacts.Selected(model, p);
                foreach (var rule in p.Ingress)
                {
                    Inspect(rule, selected, "selected pods", data);
                }
            }

            if (p.Affects(TrafficDirection.Egress))
            {
                foreach (var rule in p.Egress)
                {
                    if (!rule.AllPeers && rule.Peers.All(x => x.Kind != RulePeerKind.Pods))
                    {
                        continue;
                    }

                    var destinations = rule.AllPeers ? context.Model.Workloads : model.WorkloadsIn(rule.Classes).Where(w => !w.HostNetwork).ToList();
                    Inspect(rule, destinations, "destination pods", data);
                }
            }

            if (data.Count > 0)
            {
                yield return Fail(ResourceName.Of(p.Source), p.Namespace,
                    $"{p} names ports no destination container declares: {string.Join("; ", data.Select(d => d.Subject[(p.ToString().Length + 1)..] + " " + d.Detail))}.", p.Source, data);
            }
        }
    }

    private static void Inspect(CompiledRule rule, IReadOnlyList<Workload> destinations, string what, List<EvidenceItem> data)
    {
        if (destinations.Count == 0)
        {
            return;
        }

        foreach (var port in rule.Ports.Named)
        {
            var name = port.Name;
            var protocol = port.Protocol?.ToUpperInvariant();
            if (destinations.SelectMany(w => w.Pods).SelectMany(pod => pod.Ports).Any(c => c.Name == name && (protocol is null || c.Protocol.ToUpperInvariant() == protocol)))
            {
                continue;
            }

            var declared = destinations.SelectMany(w => w.Pods).SelectMany(pod => pod.Ports).Where(c => c.Name is not null).Select(c => c.ToString()).Distinct(StringComparer.Ordinal).Take(8).ToList();
            data.Add(new EvidenceItem("Port", rule.Reference,
                $"port '{name}'{(protocol is null ? string.Empty : $" ({protocol})")} is declared by none of the {destinations.Count} workload(s) of the {what}" + (declared.Count > 0 ? $" (named ports there: {string.Join(", ", declared)})" : " (they declare no named ports)")));
        }
    }
}
