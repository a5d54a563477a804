using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using NetSecPS.Core.Model;

namespace NetSecPS.Core.Checks.Support;

/// <summary>
/// Manifests that fix a finding, each one YAML document starting with <c>---</c>, ready for
/// <c>kubectl apply</c> (or <c>kubectl patch</c> for the patches). They are built as objects and
/// written by <see cref="ManifestYaml"/>, so names and labels from the cluster stay scalars; the
/// same fix for the same namespace is the same text, so a list of them can drop duplicates.
/// A suggested policy never cuts what the cluster's exposure or DNS needs (<see cref="TrafficNeeds"/>):
/// it denies by default and keeps those flows, each kept rule explained in a comment.
/// </summary>
internal static partial class Remediations
{
    /// <summary>
    /// A policy over every pod of the namespace that admits nothing but what the namespace's
    /// exposure and DNS servers need: nothing is admitted that another policy does not allow.
    /// </summary>
    public static string DefaultDenyIngress(AuditContext context, string ns)
    {
        var kept = context.Needs.Ingress(WorkloadsIn(context, ns));
        var spec = new JsonObject { ["podSelector"] = new JsonObject(), ["policyTypes"] = new JsonArray("Ingress") };
        AddRules(spec, "ingress", "from", kept);
        return Policy("default-deny-ingress", ns, spec, kept, "Denies all ingress to the namespace's pods that no other policy allows.");
    }

    /// <summary>Default-deny egress with the DNS exception, and what the namespace's ingress controllers and DNS servers need, in one policy.</summary>
    public static string DefaultDenyEgress(AuditContext context, string ns)
    {
        var kept = new List<KeptRule> { context.Needs.DnsRule() };
        kept.AddRange(context.Needs.Egress(WorkloadsIn(context, ns)));
        var spec = new JsonObject { ["podSelector"] = new JsonObject(), ["policyTypes"] = new JsonArray("Egress") };
        AddRules(spec, "egress", "to", kept);
        return Policy("default-deny-egress", ns, spec, kept, "Denies all egress from the namespace's pods that no other policy allows, except name resolution.");
    }

    /// <summary>An egress exception to the cluster DNS pods for every pod of the namespace.</summary>
    public static string DnsEgress(AuditContext context, string ns)
    {
        var kept = new[] { context.Needs.DnsRule() };
        var spec = new JsonObject { ["podSelector"] = new JsonObject(), ["policyTypes"] = new JsonArray("Egress") };
        AddRules(spec, "egress", "to", kept);
        return Policy("allow-dns-egress", ns, spec, kept, "Allows every pod of the namespace to query the cluster DNS.");
    }

    /// <summary>
    /// An egress policy that isolates the workload's pods and allows everything but the cloud
    /// metadata endpoint: the smallest change that closes NP-009 without breaking other egress.
    /// The private ranges are allowed as blocks of their own, so the wide block excepts them and
    /// the policy does not itself open the private networks through a /0 (NP-008).
    /// </summary>
    public static string BlockMetadata(AuditContext context, Workload w)
    {
        var except = new JsonArray("169.254.169.254/32");
        foreach (var r in PrivateV4)
        {
            except.Add(r);
        }

        var to = new JsonArray(new JsonObject { ["namespaceSelector"] = new JsonObject() }, new JsonObject { ["ipBlock"] = new JsonObject { ["cidr"] = "0.0.0.0/0", ["except"] = except } });
        foreach (var r in PrivateV4)
        {
            to.Add(new JsonObject { ["ipBlock"] = new JsonObject { ["cidr"] = r } });
        }

        var spec = new JsonObject
        {
            ["podSelector"] = Selector(w.Labels),
            ["policyTypes"] = new JsonArray("Egress"),
            ["egress"] = new JsonArray(new JsonObject { ["to"] = to }),
        };
        return Policy(Name("deny-metadata", w.Name), w.Namespace, spec, Array.Empty<KeptRule>(),
            "Allows the workload's pods every egress except the cloud metadata endpoint 169.254.169.254.");
    }

    /// <summary>
    /// A default-deny ingress policy for one workload's pods (when the namespace as a whole cannot
    /// take one yet), keeping what its exposure needs. With <paramref name="ownNamespacePorts"/>,
    /// the pods of its own namespace keep those ports: a data store admits its namespace's clients.
    /// Null when a policy already isolates the workload for ingress: NetworkPolicies only add
    /// allowed connections, so another deny would change nothing; the rules that admit too much
    /// must be narrowed instead, as the finding's evidence names them.
    /// </summary>
    public static string? DenyIngressFor(AuditContext context, Workload w, IReadOnlyList<int>? ownNamespacePorts = null)
    {
        if (context.IsIsolated(w, TrafficDirection.Ingress))
        {
            return null;
        }

        var kept = new List<KeptRule>(context.Needs.Ingress(new[] { w }));
        if (ownNamespacePorts is { Count: > 0 })
        {
            kept.Add(new KeptRule("clients in the workload's own namespace", new JsonArray(new JsonObject { ["podSelector"] = new JsonObject() }), TrafficNeeds.Ports(Array.Empty<int>(), ownNamespacePorts)));
        }

        var spec = new JsonObject { ["podSelector"] = Selector(w.Labels), ["policyTypes"] = new JsonArray("Ingress") };
        AddRules(spec, "ingress", "from", kept);
        return Policy(Name("deny-ingress", w.Name), w.Namespace, spec, kept, "Denies all ingress to the workload's pods that no other policy allows.");
    }

    /// <summary>A merge patch limiting a LoadBalancer to named client ranges (a placeholder range to replace).</summary>
    public static string LoadBalancerSourceRanges(string ns, string name) => ManifestYaml.Emit(
        Head("v1", "Service", name, ns, new JsonObject { ["loadBalancerSourceRanges"] = new JsonArray(TrafficNeeds.PlaceholderClientRange) }),
        new[]
        {
            "A merge patch: kubectl patch service --namespace <namespace> <name> --type merge --patch-file <this file>",
            $"Replace {TrafficNeeds.PlaceholderClientRange} (a documentation range) with the client ranges that need access;",
            "the suggested ingress policies of the namespace use the same range.",
        });

    /// <summary>A merge patch keeping client source addresses visible to ipBlock rules.</summary>
    public static string ExternalTrafficPolicyLocal(string ns, string name) => ManifestYaml.Emit(
        Head("v1", "Service", name, ns, new JsonObject { ["externalTrafficPolicy"] = "Local" }),
        new[] { "A merge patch: kubectl patch service --namespace <namespace> <name> --type merge --patch-file <this file>" });

    /// <summary>A namespace-wide STRICT PeerAuthentication.</summary>
    public static string StrictPeerAuthentication(string ns) => ManifestYaml.Emit(
        Head("security.istio.io/v1", "PeerAuthentication", "default", ns, new JsonObject { ["mtls"] = new JsonObject { ["mode"] = "STRICT" } }));

    private static readonly string[] PrivateV4 = { "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16" };

    private static IEnumerable<Workload> WorkloadsIn(AuditContext context, string ns) => context.Model.Workloads.Where(w => w.Namespace == ns);

    private static string Policy(string name, string ns, JsonObject spec, IReadOnlyList<KeptRule> kept, string what)
    {
        var comments = new List<string> { what };
        for (var i = 0; i < kept.Count; i++)
        {
            // One clause a line, so the comment stays readable in an editor and a printed report.
            var clauses = kept[i].Why.Split("; ", StringSplitOptions.RemoveEmptyEntries);
            comments.Add($"Rule {i + 1} keeps {clauses[0]}{(clauses.Length == 1 ? "." : ";")}");
            comments.AddRange(clauses.Skip(1).Select((c, j) => $"  {c}{(j == clauses.Length - 2 ? "." : ";")}"));
        }
        return ManifestYaml.Emit(Head("networking.k8s.io/v1", "NetworkPolicy", name, ns, spec), comments);
    }

    private static JsonObject Head(string apiVersion, string kind, string name, string ns, JsonObject spec) => new()
    {
        ["apiVersion"] = apiVersion,
        ["kind"] = kind,
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
        ["spec"] = spec,
    };

    private static void AddRules(JsonObject spec, string list, string peersField, IEnumerable<KeptRule> kept)
    {
        var rules = new JsonArray();
        foreach (var k in kept)
        {
            var rule = new JsonObject();
            if (k.Peers is not null)
            {
                rule[peersField] = k.Peers.DeepClone();
            }

            rule["ports"] = k.Ports.DeepClone();
            rules.Add(rule);
        }

        if (rules.Count > 0)
        {
            spec[list] = rules;
        }
    }

    private static JsonObject Selector(IReadOnlyDictionary<string, string> labels) => new() { ["matchLabels"] = TrafficNeeds.Labels(labels) };

    /// <summary>
    /// A valid object name from a prefix and a workload name: lower-case letters, digits and
    /// dashes, at most 63 characters; a name that had to change gets a short hash of the original,
    /// so two workloads never share a policy name.
    /// </summary>
    public static string Name(string prefix, string workload)
    {
        var clean = NotNameCharacters().Replace(workload.ToLowerInvariant(), "-").Trim('-');
        var name = $"{prefix}-{clean}".TrimEnd('-');
        if (clean == workload && name.Length <= 63)
        {
            return name;
        }

        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(workload)))[..8].ToLowerInvariant();
        return $"{name[..Math.Min(name.Length, 54)].TrimEnd('-')}-{hash}";
    }

    [GeneratedRegex("[^a-z0-9-]+")]
    private static partial Regex NotNameCharacters();
}
