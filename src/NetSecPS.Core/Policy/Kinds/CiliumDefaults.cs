using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Policy;

/// <summary>What the Cilium agent does by itself: its defaults written as policies, and the policy kinds it does not enforce.</summary>
internal sealed partial class CiliumPolicyCompiler
{
    /// <summary>The object the agent's defaults come from: cilium-config, or where it would be.</summary>
    private KubeObject AgentObject => cilium.ConfigObject ?? new KubeObject("v1", "ConfigMap", "kube-system", "cilium-config", null, null, null);

    /// <summary><c>enable-policy: always</c>: "policy enforcement is enabled on all endpoints even if no rules select specific endpoints".</summary>
    private void AddEnforcementAlways()
    {
        if (cilium.EnforcementMode != "always")
        {
            return;
        }

        var all = context.PodsMatching(AllNamespaces, LabelSelector.Everything);
        context.Add(tier, new CompiledPolicy("Cilium", "enable-policy=always", null, null, AgentObject, all, "every pod (cilium-config enable-policy: always)")
        {
            Implicit = true,
            AffectsIngress = true,
            AffectsEgress = true,
        });
    }

    /// <summary>
    /// <c>allow-localhost</c> (unless <c>policy</c>): a node always reaches the pods it runs, even
    /// under an ingress default deny (kubelet probes). A deny rule still wins over it.
    /// </summary>
    private void AddAllowLocalhost()
    {
        if (!cilium.AllowsLocalhost || context.Classes.Nodes is not { } nodes)
        {
            return;
        }

        // Only where ingress is default-deny does the allow change anything: elsewhere the node is admitted anyway.
        var subject = context.NewClassSet();
        foreach (var p in tier.Policies)
        {
            if (p.AffectsIngress && p.IsolatesIngress)
            {
                subject.UnionWith(p.Subject);
            }
        }

        if (subject.IsEmpty)
        {
            return;
        }

        var policy = new CompiledPolicy("Cilium", "allow-localhost", null, null, AgentObject, subject, "every pod that a policy makes default-deny for ingress")
        {
            Implicit = true,
            AffectsIngress = true,
            IsolatesIngress = false,
        };
        var rule = new CompiledRule(policy, TrafficDirection.Ingress, 0, "allow-localhost", RuleAction.Allow, PortSpec.AllPorts) { Classes = context.NewClassSet() };
        rule.Classes.Add(nodes.Local.Index);
        rule.Peers.Add(new RulePeer { Kind = RulePeerKind.Nodes, Text = "the pod's own node (Cilium allow-localhost: a node always reaches the pods it runs)" });
        rule.PeersText = rule.Peers[0].Text;
        policy.Ingress.Add(rule);
        context.Add(tier, policy);
    }

    /// <summary>
    /// <c>toFQDNs</c> allows only addresses that Cilium's DNS proxy saw in answers, and the proxy
    /// sees only DNS traffic that an egress rule with <c>rules.dns</c> sends through it: without
    /// such a rule for the same pods the names never become allowed addresses.
    /// </summary>
    private void CheckDnsProxy()
    {
        foreach (var policy in fqdnPolicies)
        {
            var missing = new List<PeerClass>();
            foreach (var c in policy.Subject.Members())
            {
                var proxied = tier.Policies.Any(q => q.AffectsEgress && q.Subject.Contains(c) && q.Egress.Any(r => dnsProxyRules.Contains(r)
                    && (r.Ports.Numeric.Contains("UDP", 53) || r.Ports.Numeric.Contains("TCP", 53) || r.Ports.HasNamedPorts)));
                if (!proxied)
                {
                    missing.Add(context.Classes.Classes[c]);
                }
            }

            if (missing.Count == 0)
            {
                continue;
            }

            var names = missing.Select(c => c.ToString()).Distinct(StringComparer.Ordinal).ToList();
            context.Diagnose(policy.Source, DiagnosticSeverity.Warning, "MissingDnsRule",
                $"toFQDNs needs the pods' DNS traffic to pass Cilium's DNS proxy (an egress rule to the DNS server on port 53 with rules.dns), and no policy selecting " +
                $"{string.Join(", ", names.Take(5))}{(names.Count > 5 ? $" and {names.Count - 5} more" : string.Empty)} has one: the names never resolve to allowed addresses.");
        }
    }

    /// <summary>
    /// What the agent's settings and version leave unenforced. Cilium implements neither
    /// AdminNetworkPolicy nor BaselineAdminNetworkPolicy (v1alpha1); it implements
    /// ClusterNetworkPolicy (v1alpha2) from 1.20 with <c>enable-k8s-cluster-network-policy</c>.
    /// </summary>
    private void ReportAgentSettings()
    {
        if (cilium.EnforcementMode == "never")
        {
            context.Diagnose(AgentObject, DiagnosticSeverity.Warning, "PolicyNotEnforced", "enable-policy is never: Cilium enforces no policy (CNI-001 reports it); the connectivity shows what the policies would enforce.");
        }

        if (cilium.CidrRulesMatchNodes)
        {
            context.Diagnose(AgentObject, DiagnosticSeverity.Warning, "UnsupportedSetting", "policy-cidr-match-mode selects nodes by CIDR, which NetSecPS does not evaluate: CIDR rules are read as matching no node; nodes are matched by the host, remote-node and cluster entities.");
        }

        if (!cilium.AgentFound)
        {
            return;
        }

        foreach (var t in context.AllTiers)
        {
            var unenforced = t.Policies.Where(p => p.Kind is "AdminNetworkPolicy" or "BaselineAdminNetworkPolicy"
                || (p.Kind == "ClusterNetworkPolicy" && cilium.EnforcesClusterNetworkPolicy == false)).ToList();
            foreach (var p in unenforced)
            {
                t.Policies.Remove(p);
                context.Diagnose(p.Source, DiagnosticSeverity.Warning, "PolicyNotEnforced", p.Kind == "ClusterNetworkPolicy"
                    ? $"the CNI is Cilium ({cilium.Evidence}) and cilium-config does not set enable-k8s-cluster-network-policy: Cilium (1.20 and later, when enabled) enforces ClusterNetworkPolicy only then; the policy is left out of the connectivity."
                    : $"the CNI is Cilium ({cilium.Evidence}), which does not implement {p.Kind} (policy.networking.k8s.io/v1alpha1; Cilium implements its successor ClusterNetworkPolicy from 1.20): the policy is not enforced and is left out of the connectivity.");
            }
        }

        if (cilium.EnforcesClusterNetworkPolicy is null && context.Cluster.Data.OfKind("ClusterNetworkPolicy", "policy.networking.k8s.io").Any())
        {
            context.Sink.Verbose($"ClusterNetworkPolicy on Cilium ({cilium.Evidence}): cilium-config is not in the snapshot; ClusterNetworkPolicy is taken as enforced (Cilium 1.20 and later with enable-k8s-cluster-network-policy).");
        }
    }
}
