using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Checks.Platform;

/// <summary>CNI-001: policies exist but the network plugin ignores them.</summary>
internal sealed class Cni001PolicyNotEnforced : Check
{
    public override CheckInfo Info { get; } = new()
    {
        Id = "CNI-001",
        Title = "CNI does not enforce NetworkPolicy",
        Severity = Severity.Critical,
        Category = "Platform",
        Frameworks = new[] { "CIS 5.3.1" },
        FailsWhen = "Policies exist and the detected CNI ignores them (Flannel without Calico/Canal, AWS VPC CNI without its network-policy agent enabled, kubenet).",
        AppliesTo = "The cluster, when its network plugin is identified.",
        Rationale = "NetworkPolicy objects are only instructions: without an enforcing plugin they change nothing, and every other finding of a clean audit is false comfort.",
        Remediation = "Run a plugin that enforces NetworkPolicy: Calico (or Canal beside Flannel), Cilium, or the AWS VPC CNI with enableNetworkPolicy / the aws-network-policy-agent turned on; on AKS choose a network policy engine.",
        Notes = "Identified from DaemonSets, their containers and arguments, and CNI ConfigMaps. Enforcing: Calico, Canal, Cilium (unless cilium-config enable-policy is never), Antrea, Weave Net with weave-npc, kube-router with its firewall, kindnet from kind 0.24 (kindnetd v20240813) on, kube-network-policies, Azure NPM, OVN-Kubernetes, OpenShift SDN, Kube-OVN. Not enforcing: Flannel alone, AWS VPC CNI without an enabled network-policy agent, Azure CNI alone, older kindnet, kubenet (recognised from AKS node labels). 'Policies' are NetworkPolicies, admin policies and Cilium's policies. When no CNI is identified, CNI-002 reports it instead. Comparable control in other tools: kubescape C-0205.",
    };

    public override IEnumerable<CheckSubject> Subjects(AuditContext context) =>
        context.Cni.Identified ? new[] { CheckSubject.OfCluster(context) } : Array.Empty<CheckSubject>();

    private static readonly (string Kind, string Group)[] PolicyKinds =
    {
        ("NetworkPolicy", "networking.k8s.io"), ("AdminNetworkPolicy", "policy.networking.k8s.io"),
        ("BaselineAdminNetworkPolicy", "policy.networking.k8s.io"), ("ClusterNetworkPolicy", "policy.networking.k8s.io"),
        ("CiliumNetworkPolicy", "cilium.io"), ("CiliumClusterwideNetworkPolicy", "cilium.io"),
    };

    public override bool HonoursExcludedNamespaces => false;

    public override IEnumerable<Finding> Evaluate(AuditContext context)
    {
        var policies = PolicyKinds.SelectMany(k => context.Model.Data.OfKind(k.Kind, k.Group).Where(o => o.Group == k.Group || o.Group == "extensions")).ToList();
        var cni = context.Cni;
        if (policies.Count == 0 || !cni.Identified || cni.EnforcesPolicy)
        {
            yield break;
        }

        var cluster = ResourceName.Cluster(context);
        var data = cni.Components.Select(c => new EvidenceItem("Cni", c.Name, $"{c.Evidence}; enforces NetworkPolicy: {(c.EnforcesPolicy ? "yes" : "no")}")).ToList();
        data.Add(new EvidenceItem("Policies", $"{policies.Count} policy object(s)", string.Join(", ", policies.Take(5).Select(p => p.Key)) + (policies.Count > 5 ? ", ..." : string.Empty)));
        yield return Fail(cluster, null,
            $"{policies.Count} policy object(s) exist, but the network plugin ({cni.Describe()}) does not enforce NetworkPolicy: they have no effect.",
            cni.Components.Select(c => c.Source).OfType<KubeObject>().FirstOrDefault(), data);
    }
}
