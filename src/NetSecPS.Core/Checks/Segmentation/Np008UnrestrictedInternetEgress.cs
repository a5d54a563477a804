using NetSecPS.Core.Checks.Support;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Policy;

namespace NetSecPS.Core.Checks.Segmentation;

/// <summary>NP-008: an egress ipBlock so wide that it opens the internet and the private networks alike.</summary>
internal sealed class Np008UnrestrictedInternetEgress : Check
{
    public override CheckInfo Info { get; } = new()
    {
        Id = "NP-008",
        Title = "Unrestricted egress to the internet",
        Severity = Severity.High,
        Category = "Segmentation",
        Frameworks = new[] { "NSA Network policies", "MITRE T1048" },
        FailsWhen = "An egress ipBlock of 0.0.0.0/0 or ::/0 (or a prefix shorter than /8) does not except the internal ranges it contains.",
        AppliesTo = "Policies of the network layer with an egress Allow rule to addresses: NetworkPolicy ipBlocks, admin policy networks (AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy), Calico nets and Cilium CIDR rules and entities.",
        Rationale = "A /0 egress rule written 'for the internet' also opens every private network the pods can route to: other clusters, on-premises systems, cloud VPC services. Excepting the private ranges keeps the rule to what it was meant for.",
        Remediation = "Add the internal ranges the block contains to its except list (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10, 169.254.0.0/16; fc00::/7 and fe80::/10 for IPv6), or replace it with the specific destinations needed.",
        Notes = "The internal ranges are the one definition of what is not the internet that every check and report uses: RFC 1918, the shared address space 100.64.0.0/10 (carrier-grade NAT, cloud pod networks) and link-local 169.254.0.0/16 (the cloud metadata endpoint) for IPv4, unique local fc00::/7 and link-local fe80::/10 for IPv6 (loopback never leaves a pod); only the ranges inside the block must be excepted. Ports are not considered: a wide block on one port still opens that port everywhere. Allow rules of AdminNetworkPolicy, BaselineAdminNetworkPolicy and ClusterNetworkPolicy, whose networks cannot carry exceptions, are checked too, and so are Cilium's CIDR rules and its world and all entities (every address outside the cluster).",
    };

    /// <summary>Every written policy of the CNI layer with an egress Allow rule to addresses, as the findings name it.</summary>
    public override IEnumerable<CheckSubject> Subjects(AuditContext context) =>
        context.Policies.Policies
            .Where(p => p.Tier.Layer == PolicyLayer.Cni && !p.Implicit && p.Affects(TrafficDirection.Egress)
                && p.Egress.Any(r => r.Action == RuleAction.Allow && r.Peers.Any(x => x.Kind == RulePeerKind.Addresses)))
            .Select(p => new CheckSubject(ResourceName.Of(p.Source), p.IsAdminKind ? null : p.Namespace));

    public override IEnumerable<Finding> Evaluate(AuditContext context)
    {
        foreach (var p in context.Policies.Policies.Where(p => p.Tier.Layer == PolicyLayer.Cni && p.Affects(TrafficDirection.Egress)))
        {
            var data = new List<EvidenceItem>();
            var entity = false;
            foreach (var rule in p.Egress.Where(r => r.Action == RuleAction.Allow))
            {
                foreach (var peer in rule.Peers.Where(x => x.Kind == RulePeerKind.Addresses && x.PrefixLength is >= 0 and < 8))
                {
                    var missing = AddressSpace.RoutableInternalIn(peer.Addresses).ToList();
                    if (missing.Count == 0)
                    {
                        continue;
                    }

                    // Cilium's world entity is every address outside the cluster: an except list cannot narrow it.
                    entity |= peer.Text.StartsWith("entity ", StringComparison.Ordinal);
                    data.Add(new EvidenceItem("Rule", rule.Reference, p.IsAdminKind
                        ? $"{rule.Action} networks {peer.Text}; includes {string.Join(", ", missing)}"
                        : $"{peer.Text}, {rule.Ports.Text}; not excepted: {string.Join(", ", missing)}"));
                }
            }

            if (data.Count == 0)
            {
                continue;
            }

            yield return p.IsAdminKind
                ? Fail(ResourceName.Of(p.Source), null, $"{p} allows egress to {string.Join("; ", data.Select(d => d.Detail))}.", p.Source, data,
                    remediation: "Narrow the networks of the Allow rule to the destinations needed; admin policy networks cannot carry exceptions, so put a Deny rule for the internal ranges at a higher priority if the wide rule must stay.")
                : Fail(ResourceName.Of(p.Source), p.Namespace,
                    $"{p} allows egress to {string.Join("; ", data.Select(d => d.Detail))}; the policy {PolicyFacts.SelectedText(context.Policies, p)}.", p.Source, data,
                    remediation: entity
                        ? "Replace the world (or all) entity with toCIDRSet 0.0.0.0/0 and ::/0 whose except lists hold the internal ranges (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10, 169.254.0.0/16; fc00::/7, fe80::/10), or with toFQDNs or toCIDR naming the destinations needed."
                        : null);
        }
    }
}
