using System.Net;
using NetSecPS.Core.Checks.Support;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Policy;

namespace NetSecPS.Core.Checks.Segmentation;

/// <summary>NP-009: pods that may reach the cloud metadata endpoint can steal the node's cloud credentials.</summary>
internal sealed class Np009MetadataEndpoint : Check
{
    private static readonly IPAddress Metadata = IPAddress.Parse("169.254.169.254");

    public override CheckInfo Info { get; } = new()
    {
        Id = "NP-009",
        Title = "Cloud metadata endpoint reachable",
        Severity = Severity.High,
        Category = "Segmentation",
        Frameworks = new[] { "NSA Protecting sensitive cloud infrastructure", "MITRE T1552.005" },
        FailsWhen = "Some non-hostNetwork workload may connect to 169.254.169.254 on TCP 80.",
        AppliesTo = "Workloads outside the excluded namespaces that are not on the host network.",
        Rationale = "The instance metadata service hands out the node's cloud credentials and bootstrap data; from a compromised pod it is the classic step from the cluster into the cloud account.",
        Remediation = "Isolate the workload for egress and except 169.254.169.254/32 from any ipBlock that contains it (the manifest allows all other egress while blocking the endpoint); on AWS also require IMDSv2 with a hop limit of 1.",
        Notes = "Asked of the connectivity engine for each workload (all policy layers). hostNetwork workloads are out of scope: NetworkPolicy cannot restrict them (HN-001). The manifest only adds an IPv4 block: in dual-stack clusters add the IPv6 egress the pods need. Comparable control in other tools: kubescape C-0052.",
    };

    public override IEnumerable<CheckSubject> Subjects(AuditContext context) =>
        SubjectSets.PodNetworkWorkloads(context);

    public override bool NeedsConnectivity => true;

    public override IEnumerable<Finding> Evaluate(AuditContext context)
    {
        var conn = context.RequireConnectivity();
        foreach (var w in context.EvaluatedWorkloads.Where(w => !w.HostNetwork))
        {
            var allowed = conn.ToAddress(w, Metadata);
            if (!allowed.Contains("TCP", 80))
            {
                continue;
            }

            var isolated = context.IsIsolated(w, TrafficDirection.Egress);
            var rules = PolicyFacts.Applying(context.Policies, w, TrafficDirection.Egress)
                .SelectMany(p => p.Egress.Where(AdmitsMetadata).Select(r => new EvidenceItem("Rule", r.Reference, PolicyFacts.Describe(r))))
                .ToList();
            // Where no rule allows it, a tiered policy (Calico) may pass it on to a later tier or the cluster default.
            var passes = rules.Count > 0 ? new List<EvidenceItem>() : PolicyFacts.Applying(context.Policies, w, TrafficDirection.Egress)
                .SelectMany(p => p.Egress.Where(r => r.Action == RuleAction.Pass && r.MatchesRange(MetadataAddress) && r.Ports.Numeric.Contains("TCP", 80))
                    .Select(r => new EvidenceItem("Rule", r.Reference, PolicyFacts.Describe(r))))
                .ToList();
            var data = new List<EvidenceItem> { new("Reachability", $"{w.Peer} => 169.254.169.254", allowed.ToString()) };
            data.AddRange(rules);
            data.AddRange(passes);
            var admittedBy = rules.Count > 0 ? string.Join("; ", rules.Select(r => r.Subject))
                : passes.Count > 0 ? $"a Pass to a later tier or the cluster default ({string.Join("; ", passes.Select(r => r.Subject))})"
                : "an admin policy";
            var evidence = isolated
                ? $"{w.Peer} may connect to 169.254.169.254 ({allowed}) although it is isolated for egress; admitted by {admittedBy}."
                : $"{w.Peer} is not isolated for egress, so it may connect to 169.254.169.254 ({allowed}).";
            var remediation = isolated && rules.Count > 0
                ? $"Add 169.254.169.254/32 to the except list of the ipBlock in {string.Join("; ", rules.Select(r => r.Subject))}, or narrow those rules."
                : null;
            yield return Fail(w, evidence, data, remediation, isolated ? null : Remediations.BlockMetadata(context, w));
        }
    }

    private static readonly IpRange MetadataAddress = IpRange.TryParseAddress("169.254.169.254", out var r) ? r : default;

    private static bool AdmitsMetadata(CompiledRule rule) =>
        rule.Action == RuleAction.Allow && rule.MatchesRange(MetadataAddress) && rule.Ports.Numeric.Contains("TCP", 80);
}
