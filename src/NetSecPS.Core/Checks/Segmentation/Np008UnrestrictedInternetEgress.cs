using System.Net.Sockets;
using System.Text.Json.Nodes;
using NetSecPS.Core.Checks.Support;

namespace NetSecPS.Core.Checks.Segmentation;

/// <summary>NP-008: an egress ipBlock so wide that it opens the internet and the private networks alike.</summary>
public sealed class Np008UnrestrictedInternetEgress : Check
{
    private static readonly string[] AdminPolicyKinds = { "AdminNetworkPolicy", "BaselineAdminNetworkPolicy", "ClusterNetworkPolicy" };

    public override CheckInfo Info { get; } = new()
    {
        Id = "NP-008",
        Title = "Unrestricted egress to the internet",
        Severity = Severity.High,
        Category = "Segmentation",
        Frameworks = new[] { "NSA Network policies", "MITRE T1048" },
        FailsWhen = "An egress ipBlock of 0.0.0.0/0 or ::/0 (or a prefix shorter than /8) does not except the private ranges it contains.",
        AppliesTo = "NetworkPolicies with an egress rule that names an ipBlock, and admin policies (AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy) with an egress Allow rule to networks.",
        Rationale = "A /0 egress rule written 'for the internet' also opens every private network the pods can route to: other clusters, on-premises systems, cloud VPC services. Excepting the private ranges keeps the rule to what it was meant for.",
        Remediation = "Add the private ranges the block contains to its except list (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16; fc00::/7 for IPv6), or replace it with the specific destinations needed.",
        Notes = "The private ranges are RFC 1918 for IPv4 and unique local addresses (fc00::/7) for IPv6; only the ranges inside the block must be excepted. Ports are not considered: a wide block on one port still opens that port everywhere. Allow rules of AdminNetworkPolicy, BaselineAdminNetworkPolicy and ClusterNetworkPolicy, whose networks cannot carry exceptions, are checked too.",
    };

    public override IEnumerable<CheckSubject> Subjects(AuditContext context)
    {
        foreach (var p in SubjectSets.NetworkPolicies(context).Where(p => p.PolicyTypes.Contains("Egress", StringComparer.OrdinalIgnoreCase)))
        {
            if ((p.Policy.Spec?.Egress ?? new List<k8s.Models.V1NetworkPolicyEgressRule>()).Any(r => r.To?.Any(t => t.IpBlock is not null) == true))
            {
                yield return SubjectSets.PolicySubject(p.Object);
            }
        }

        foreach (var anp in AdminPolicyKinds.SelectMany(k => context.Model.Data.OfKind(k)).Where(o => o.Raw is not null))
        {
            var egress = (anp.Raw!["spec"]?["egress"] as JsonArray ?? new JsonArray()).OfType<JsonObject>();
            if (egress.Any(r => string.Equals(r["action"]?.ToString(), "Allow", StringComparison.OrdinalIgnoreCase)
                && (r["to"] as JsonArray ?? new JsonArray()).Any(t => t?["networks"] is JsonArray { Count: > 0 })))
            {
                yield return new CheckSubject(ResourceName.Of(anp), null);
            }
        }
    }

    public override IEnumerable<Finding> Evaluate(AuditContext context)
    {
        foreach (var p in context.Policies.NetworkPolicies.Where(p => p.Has("Egress")))
        {
            var data = new List<EvidenceItem>();
            for (var i = 0; i < p.Egress.Count; i++)
            {
                foreach (var peer in p.Egress[i].To ?? new List<k8s.Models.V1NetworkPolicyPeer>())
                {
                    if (peer.IpBlock is { } b && Unexcepted(b.Cidr, b.Except ?? new List<string>()) is { Count: > 0 } missing)
                    {
                        data.Add(new EvidenceItem("Rule", $"NetworkPolicy {p.Key} egress[{i}]",
                            $"{PolicyIndex.DescribePeer(peer)}, {PolicyIndex.DescribePorts(p.Egress[i].Ports)}; not excepted: {string.Join(", ", missing)}"));
                    }
                }
            }

            if (data.Count > 0)
            {
                yield return Fail(ResourceName.Of(p.Object), p.Namespace,
                    $"NetworkPolicy {p.Key} allows egress to {string.Join("; ", data.Select(d => d.Detail))}; the policy {AllowAllRules.Selected(p)}.", p.Object, data);
            }
        }

        foreach (var kind in AdminPolicyKinds)
        {
            foreach (var anp in context.Model.Data.OfKind(kind).Where(o => o.Raw is not null))
            {
                var data = new List<EvidenceItem>();
                var egress = anp.Raw!["spec"]?["egress"] as JsonArray ?? new JsonArray();
                for (var i = 0; i < egress.Count; i++)
                {
                    if (egress[i] is not JsonObject rule || !string.Equals(rule["action"]?.ToString(), "Allow", StringComparison.OrdinalIgnoreCase))
                    {
                        continue;
                    }

                    foreach (var to in rule["to"] as JsonArray ?? new JsonArray())
                    {
                        foreach (var net in to?["networks"] as JsonArray ?? new JsonArray())
                        {
                            if (net?.ToString() is { } cidr && Unexcepted(cidr, Array.Empty<string>()) is { Count: > 0 } missing)
                            {
                                data.Add(new EvidenceItem("Rule", $"{kind} {anp.Name} egress[{i}] {rule["name"]}".TrimEnd(), $"Allow networks {cidr}; includes {string.Join(", ", missing)}"));
                            }
                        }
                    }
                }

                if (data.Count > 0)
                {
                    yield return Fail(ResourceName.Of(anp), null, $"{kind} {anp.Name} allows egress to {string.Join("; ", data.Select(d => d.Detail))}.", anp, data,
                        remediation: "Narrow the networks of the Allow rule to the destinations needed; admin policy networks cannot carry exceptions, so put a Deny rule for the private ranges at a higher priority if the wide rule must stay.");
                }
            }
        }
    }

    /// <summary>The private ranges inside a wide block (prefix shorter than /8) that its exceptions do not cover.</summary>
    private static List<string> Unexcepted(string? cidrText, IList<string> except)
    {
        var cidr = Cidr.Parse(cidrText);
        if (cidr is null || cidr.PrefixLength >= 8)
        {
            return new List<string>();
        }

        var excepts = except.Select(Cidr.Parse).OfType<Cidr>().ToList();
        var privateRanges = cidr.Family == AddressFamily.InterNetwork ? Cidr.PrivateV4 : Cidr.PrivateV6;
        return privateRanges.Where(r => r.Overlaps(cidr) && !r.IsCoveredBy(excepts)).Select(r => r.Text).ToList();
    }
}
