using System.Text;
using NetSecPS.Core.Connectivity;

namespace NetSecPS.Core.Policy;

/// <summary>What one tier holds for one peer class and direction: the policies that apply, their rules in evaluation order, and whether the tier isolates the class.</summary>
internal sealed class TierProgram
{
    public TierProgram(Tier tier, CompiledPolicy[] policies, CompiledRule[] rules, bool isolating)
    {
        Tier = tier;
        Policies = policies;
        Rules = rules;
        Isolating = isolating;
    }

    public Tier Tier { get; }
    public CompiledPolicy[] Policies { get; }
    public CompiledRule[] Rules { get; }

    /// <summary>Some applying policy isolates the class here, so the tier's no-match action applies to it.</summary>
    public bool Isolating { get; }
}

/// <summary>
/// The rules that apply to one peer class in one direction, tier by tier in the order the cluster
/// evaluates them, per layer. Classes with the same program share the engine's results.
/// </summary>
internal sealed class PolicyProgram
{
    public PolicyProgram(TierProgram[] tiers, PeerClass? portsOwner)
    {
        Tiers = tiers;
        PortsOwner = portsOwner;
        Layers = tiers.Select(t => t.Tier.Layer).Distinct().ToArray();
    }

    /// <summary>The applying tiers, layer by layer, each layer's in order.</summary>
    public TierProgram[] Tiers { get; }

    /// <summary>The layers that have an applying tier; a layer without one allows everything.</summary>
    public PolicyLayer[] Layers { get; }

    /// <summary>For ingress: the class whose named ports the rules resolve to (null when no rule has a named port).</summary>
    public PeerClass? PortsOwner { get; }

    /// <summary>No policy applies: everything is allowed.</summary>
    public bool IsOpen => Tiers.Length == 0;

    public IEnumerable<CompiledRule> AllRules => Tiers.SelectMany(t => t.Rules);

    public IEnumerable<TierProgram> TiersOf(PolicyLayer layer) => Tiers.Where(t => t.Tier.Layer == layer);

    /// <summary>Every tier of the layer sees a direct decision or passes: a tier isolates the class.</summary>
    public bool IsIsolatedBy(PolicyLayer layer) => TiersOf(layer).Any(t => t.Isolating);
}

/// <summary>Assigns each peer class its program for one direction; classes with equal programs share one.</summary>
internal sealed class ProgramTable
{
    private ProgramTable(List<PolicyProgram> programs, int[] programOf)
    {
        Programs = programs;
        ProgramOf = programOf;
    }

    public List<PolicyProgram> Programs { get; }

    /// <summary>The index into <see cref="Programs"/> of each class.</summary>
    public int[] ProgramOf { get; }

    public PolicyProgram For(int classIndex) => Programs[ProgramOf[classIndex]];

    /// <summary>The programs of one direction; <paramref name="cancellationToken"/> is checked once per class.</summary>
    public static ProgramTable Build(PolicyModel model, TrafficDirection direction, CancellationToken cancellationToken = default)
    {
        var classes = model.Classes.Classes;
        var programs = new List<PolicyProgram>();
        var result = new int[classes.Count];
        var byKey = new Dictionary<string, int>(StringComparer.Ordinal);
        var key = new StringBuilder();
        // Namespaced policies can only apply to pods of their namespace: look only at those.
        var clusterWide = model.Tiers.Select(t => t.Policies.Where(p => p.Affects(direction) && p.SubjectNamespace is null).ToArray()).ToArray();
        var namespaced = model.Tiers.Select(t => t.Policies.Where(p => p.Affects(direction) && p.SubjectNamespace is not null)
            .GroupBy(p => p.SubjectNamespace!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal)).ToArray();
        foreach (var c in classes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var tiers = new List<TierProgram>();
            var named = false;
            key.Clear();
            for (var t = 0; t < model.Tiers.Count; t++)
            {
                List<CompiledPolicy>? applying = null;
                var inNamespace = namespaced[t].TryGetValue(c.Namespace, out var l) ? l : Array.Empty<CompiledPolicy>();
                if (clusterWide[t].Length > 0 && inNamespace.Length > 0)
                {
                    // Keep the tier's order when both kinds of policy apply.
                    foreach (var p in model.Tiers[t].Policies)
                    {
                        if (p.Affects(direction) && p.Subject.Contains(c.Index) && (p.SubjectNamespace is null || p.SubjectNamespace == c.Namespace))
                        {
                            (applying ??= new List<CompiledPolicy>()).Add(p);
                        }
                    }
                }
                else
                {
                    foreach (var p in clusterWide[t].Length > 0 ? clusterWide[t] : inNamespace)
                    {
                        if (p.Subject.Contains(c.Index))
                        {
                            (applying ??= new List<CompiledPolicy>()).Add(p);
                        }
                    }
                }

                if (applying is null)
                {
                    continue;
                }

                var rules = applying.SelectMany(p => p.Rules(direction)).ToArray();
                if (rules.Any(r => r.LocalClasses is not null))
                {
                    // Rules that narrow the endpoints they apply to leave the program of the others.
                    var kept = rules.Where(r => r.LocalClasses is null || r.LocalClasses.Contains(c.Index)).ToArray();
                    foreach (var r in rules.Where(r => r.LocalClasses is not null && !r.LocalClasses.Contains(c.Index)))
                    {
                        key.Append('-').Append(r.Id);
                    }

                    rules = kept;
                }

                var isolating = applying.Any(p => p.Isolates(direction));
                named |= direction == TrafficDirection.Ingress && rules.Any(r => r.Ports.HasNamedPorts);
                tiers.Add(new TierProgram(model.Tiers[t], applying.ToArray(), rules, isolating));
                key.Append(t).Append(isolating ? '!' : ':');
                foreach (var p in applying)
                {
                    key.Append(p.Id).Append(',');
                }

                key.Append('|');
            }

            key.Append(named ? c.NamedPortSignature : -1);
            var k = key.ToString();
            if (!byKey.TryGetValue(k, out var index))
            {
                index = programs.Count;
                programs.Add(new PolicyProgram(tiers.ToArray(), named ? c : null));
                byKey[k] = index;
            }

            result[c.Index] = index;
        }

        return new ProgramTable(programs, result);
    }
}
