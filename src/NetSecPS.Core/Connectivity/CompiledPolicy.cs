using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Connectivity;

/// <summary>The policy layers, in the order the cluster evaluates them.</summary>
public enum PolicyLayer
{
    AdminNetworkPolicy,
    NetworkPolicy,
    BaselineAdminNetworkPolicy,
}

/// <summary>What a rule does with the connections it matches. NetworkPolicy rules only allow.</summary>
public enum RuleAction
{
    Allow,
    Deny,
    Pass,
}

/// <summary>A policy of any layer compiled to one form: the peer classes it applies to, and its rules per direction.</summary>
internal sealed class CompiledPolicy
{
    public CompiledPolicy(PolicyLayer layer, string name, string? ns, int priority, KubeObject source, ClassSet subject, string subjectText)
    {
        Layer = layer;
        Name = name;
        Namespace = ns;
        Priority = priority;
        Source = source;
        Subject = subject;
        SubjectText = subjectText;
    }

    public PolicyLayer Layer { get; }
    public string Name { get; }
    public string? Namespace { get; }
    public int Priority { get; }
    public KubeObject Source { get; }

    /// <summary>The peer classes the policy applies to (its podSelector or subject).</summary>
    public ClassSet Subject { get; }
    public string SubjectText { get; }
    public bool AffectsIngress { get; set; }
    public bool AffectsEgress { get; set; }
    public List<CompiledRule> Ingress { get; } = new();
    public List<CompiledRule> Egress { get; } = new();

    /// <summary><c>namespace/name</c> for a NetworkPolicy, the name for the cluster-scoped kinds.</summary>
    public string DisplayName => Namespace is null ? Name : Namespace + "/" + Name;

    public string KindName => Layer switch
    {
        PolicyLayer.AdminNetworkPolicy => "AdminNetworkPolicy",
        PolicyLayer.BaselineAdminNetworkPolicy => "BaselineAdminNetworkPolicy",
        _ => "NetworkPolicy",
    };

    public bool Affects(TrafficDirection direction) => direction == TrafficDirection.Ingress ? AffectsIngress : AffectsEgress;

    public List<CompiledRule> Rules(TrafficDirection direction) => direction == TrafficDirection.Ingress ? Ingress : Egress;

    public override string ToString() => KindName + " " + DisplayName;
}

/// <summary>One rule in the engine's internal form: a set of peers (classes and addresses) times a set of connections, with an action.</summary>
internal sealed class CompiledRule
{
    public CompiledRule(CompiledPolicy policy, TrafficDirection direction, int index, string name, RuleAction action, PortSpec ports)
    {
        Policy = policy;
        Direction = direction;
        Index = index;
        Name = name;
        Action = action;
        Ports = ports;
    }

    /// <summary>Global index of the rule, for caches.</summary>
    public int Id { get; set; }
    public CompiledPolicy Policy { get; }
    public TrafficDirection Direction { get; }
    public int Index { get; }

    /// <summary>The admin policy rule's name; for a NetworkPolicy, <c>ingress rule #1</c>.</summary>
    public string Name { get; }
    public RuleAction Action { get; }
    public PortSpec Ports { get; }

    /// <summary>The rule lists no peers: it matches every pod and every address.</summary>
    public bool AllPeers { get; set; }

    /// <summary>Pod classes the rule's selectors match (host-network classes by their node address).</summary>
    public ClassSet Classes { get; set; } = null!;

    /// <summary>Addresses of the rule's ipBlocks or networks, excepts removed.</summary>
    public IpSet Addresses { get; set; } = IpSet.Empty;

    /// <summary>The rule has a <c>/0</c> ipBlock or network of IPv4 / IPv6: an address no other CIDR names still matches.</summary>
    public bool OpenToAnyAddress4 { get; set; }
    public bool OpenToAnyAddress6 { get; set; }

    /// <summary>Human form of the peers: <c>pods app=web in namespace frontend</c>, <c>0.0.0.0/0 except 10.0.0.0/8</c>.</summary>
    public string PeersText { get; set; } = string.Empty;

    public bool MatchesClass(int classIndex) => AllPeers || Classes.Contains(classIndex);

    public bool MatchesRange(IpRange range) => AllPeers || Addresses.Contains(range);

    public bool MatchesAnyAddress(int family) => AllPeers || (family == 4 ? OpenToAnyAddress4 : OpenToAnyAddress6);

    /// <summary>How explanations name the rule: <c>ingress rule #2</c> or <c>egress rule "deny-db" (Deny)</c>.</summary>
    public string Label => Policy.Layer == PolicyLayer.NetworkPolicy
        ? Name
        : $"{(Direction == TrafficDirection.Ingress ? "ingress" : "egress")} rule \"{Name}\" ({Action})";

    public override string ToString() => Policy + " " + Label;
}
