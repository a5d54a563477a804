using k8s.Models;
using NetSecPS.Core.Checks.Support;
using NetSecPS.Core.Model;

namespace NetSecPS.Core.Checks.Segmentation;

/// <summary>NP-013: a named port that no container of the destination pods declares allows nothing.</summary>
public sealed class Np013NamedPortUndefined : Check
{
    public override CheckInfo Info { get; } = new()
    {
        Id = "NP-013",
        Title = "Named port not defined",
        Severity = Severity.Low,
        Category = "Segmentation",
        Frameworks = Array.Empty<string>(),
        FailsWhen = "A rule's named port is declared by no container of the pods it applies to.",
        AppliesTo = "NetworkPolicies with a rule that names a port by name.",
        Rationale = "A named port resolves per destination pod; when no pod declares it, the rule admits nothing on that port and the intended traffic is silently blocked.",
        Remediation = "Use the port name the containers declare (spec.containers[].ports[].name), or the port number.",
        Notes = "The pods a named port applies to are the destination pods: the policy's selected pods for an ingress rule, the pods its 'to' peers match for an egress rule (every pod when the rule has no 'to'; ipBlock-only rules are skipped). The protocol must match too. Rules whose destination pods are not in the snapshot are left to NP-011 and NP-012.",
    };

    public override IEnumerable<CheckSubject> Subjects(AuditContext context) =>
        SubjectSets.NetworkPolicies(context).Where(p => SubjectSets.Ports(p.Policy, p.PolicyTypes).Any(x => x.Port?.Value is { Length: > 0 } v && !v.All(char.IsAsciiDigit))).Select(p => SubjectSets.PolicySubject(p.Object));

    public override IEnumerable<Finding> Evaluate(AuditContext context)
    {
        foreach (var p in context.Policies.NetworkPolicies)
        {
            var data = new List<EvidenceItem>();
            if (p.Has("Ingress"))
            {
                for (var i = 0; i < p.Ingress.Count; i++)
                {
                    Inspect(p.Ingress[i].Ports, p.Selected, p, $"ingress[{i}]", "selected pods", data);
                }
            }

            if (p.Has("Egress"))
            {
                for (var i = 0; i < p.Egress.Count; i++)
                {
                    var to = p.Egress[i].To;
                    if (to is not null && to.Count > 0 && to.All(x => x.IpBlock is not null))
                    {
                        continue;
                    }

                    var destinations = to is null || to.Count == 0
                        ? context.Model.Workloads
                        : to.SelectMany(peer => context.Policies.PeerWorkloads(p.Namespace, peer)).Distinct().ToList();
                    Inspect(p.Egress[i].Ports, destinations, p, $"egress[{i}]", "destination pods", data);
                }
            }

            if (data.Count > 0)
            {
                yield return Fail(ResourceName.Of(p.Object), p.Namespace,
                    $"NetworkPolicy {p.Key} names ports no destination container declares: {string.Join("; ", data.Select(d => d.Subject[(d.Subject.LastIndexOf(' ') + 1)..] + " " + d.Detail))}.", p.Object, data);
            }
        }
    }

    private static void Inspect(IList<V1NetworkPolicyPort>? ports, IReadOnlyList<Workload> destinations, PolicyEntry p, string where, string what, List<EvidenceItem> data)
    {
        if (destinations.Count == 0)
        {
            return;
        }

        foreach (var port in ports ?? new List<V1NetworkPolicyPort>())
        {
            var name = port.Port?.Value;
            if (name is null || int.TryParse(name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _))
            {
                continue;
            }

            var protocol = string.IsNullOrEmpty(port.Protocol) ? "TCP" : port.Protocol.ToUpperInvariant();
            if (destinations.SelectMany(w => w.Pods).SelectMany(pod => pod.Ports).Any(c => c.Name == name && c.Protocol == protocol))
            {
                continue;
            }

            var declared = destinations.SelectMany(w => w.Pods).SelectMany(pod => pod.Ports).Where(c => c.Name is not null).Select(c => c.ToString()).Distinct(StringComparer.Ordinal).Take(8).ToList();
            data.Add(new EvidenceItem("Port", $"NetworkPolicy {p.Key} {where}",
                $"port '{name}' ({protocol}) is declared by none of the {destinations.Count} workload(s) of the {what}" + (declared.Count > 0 ? $" (named ports there: {string.Join(", ", declared)})" : " (they declare no named ports)")));
        }
    }
}
