using System.Text;

namespace NetSecPS.Core.Checks.Support;

/// <summary>Manifests that fix a finding, as YAML ready for <c>kubectl apply</c> (or <c>kubectl patch</c> for patches).</summary>
public static class Remediations
{
    private static string Q(string s) => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    /// <summary>A NetworkPolicy manifest up to <c>spec:</c>; the pod selector and the rules follow.</summary>
    private static StringBuilder NetworkPolicy(string name, string ns) => new StringBuilder().Append($$"""
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata:
          name: {{name}}
          namespace: {{ns}}
        spec:

        """);

    /// <summary>A NetworkPolicy manifest selecting the pods with <paramref name="labels"/>, up to its pod selector.</summary>
    private static StringBuilder NetworkPolicy(string name, string ns, IReadOnlyDictionary<string, string> labels)
    {
        var sb = NetworkPolicy(name, ns).Append("  podSelector:\n");
        AppendMatchLabels(sb, labels, "    ");
        return sb;
    }

    /// <summary>A policy selecting every pod of the namespace with no rules: nothing is admitted that another policy does not allow.</summary>
    public static string DefaultDenyIngress(string ns) => NetworkPolicy("default-deny-ingress", ns).Append("""
          podSelector: {}
          policyTypes:
          - Ingress

        """).ToString();

    /// <summary>Default-deny egress together with the DNS exception, so the namespace keeps name resolution.</summary>
    public static string DefaultDenyEgress(string ns, DnsTarget dns) => NetworkPolicy("default-deny-egress", ns).Append($$"""
          podSelector: {}
          policyTypes:
          - Egress
        ---
        {{DnsEgress(ns, dns)}}
        """).ToString();

    /// <summary>The cluster DNS pods a DNS egress exception should name.</summary>
    public sealed record DnsTarget(string Namespace, string LabelKey, string LabelValue, IReadOnlyList<int> UdpPorts, IReadOnlyList<int> TcpPorts)
    {
        public static DnsTarget KubeDns { get; } = new("kube-system", "k8s-app", "kube-dns", new[] { 53 }, new[] { 53 });
    }

    public static string DnsEgress(string ns, DnsTarget dns)
    {
        var sb = NetworkPolicy("allow-dns-egress", ns).Append($$"""
              podSelector: {}
              policyTypes:
              - Egress
              egress:
              - to:
                - namespaceSelector:
                    matchLabels:
                      kubernetes.io/metadata.name: {{dns.Namespace}}
                  podSelector:
                    matchLabels:
                      {{dns.LabelKey}}: {{Q(dns.LabelValue)}}
                ports:

            """);
        foreach (var p in dns.UdpPorts)
        {
            sb.Append($"    - protocol: UDP\n      port: {p}\n");
        }

        foreach (var p in dns.TcpPorts)
        {
            sb.Append($"    - protocol: TCP\n      port: {p}\n");
        }

        return sb.ToString();
    }

    /// <summary>
    /// An egress policy that isolates the selected pods and allows everything except the cloud
    /// metadata endpoint: the smallest change that closes NP-009 without breaking other egress.
    /// </summary>
    public static string BlockMetadata(string ns, string name, IReadOnlyDictionary<string, string> labels)
    {
        return NetworkPolicy($"deny-metadata-{name}", ns, labels).Append("""
              policyTypes:
              - Egress
              egress:
              - to:
                - namespaceSelector: {}
                - ipBlock:
                    cidr: 0.0.0.0/0
                    except:
                    - 169.254.169.254/32

            """).ToString();
    }

    /// <summary>A default-deny ingress policy for one workload's pods, when the namespace as a whole cannot take one yet.</summary>
    public static string DenyIngressFor(string ns, string name, IReadOnlyDictionary<string, string> labels)
    {
        return NetworkPolicy($"deny-ingress-{name}", ns, labels).Append("""
              policyTypes:
              - Ingress

            """).ToString();
    }

    /// <summary>A merge patch limiting a LoadBalancer to named client ranges (placeholder range to replace).</summary>
    public static string LoadBalancerSourceRanges(string ns, string name) => $$"""
        # kubectl patch service {{name}} -n {{ns}} --type merge --patch-file <this file>
        # Replace the documentation range with the client ranges that need access.
        apiVersion: v1
        kind: Service
        metadata:
          name: {{name}}
          namespace: {{ns}}
        spec:
          loadBalancerSourceRanges:
          - 203.0.113.0/24

        """;

    /// <summary>A merge patch keeping client source addresses visible to ipBlock rules.</summary>
    public static string ExternalTrafficPolicyLocal(string ns, string name) => $$"""
        # kubectl patch service {{name}} -n {{ns}} --type merge --patch-file <this file>
        apiVersion: v1
        kind: Service
        metadata:
          name: {{name}}
          namespace: {{ns}}
        spec:
          externalTrafficPolicy: Local

        """;

    /// <summary>A namespace-wide STRICT PeerAuthentication.</summary>
    public static string StrictPeerAuthentication(string ns) => $$"""
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata:
          name: default
          namespace: {{ns}}
        spec:
          mtls:
            mode: STRICT

        """;

    /// <summary>An ALLOW policy with no rules: denies every caller until rules name the allowed ones.</summary>
    public static string AllowNothingAuthorizationPolicy(string ns) => $$"""
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata:
          name: allow-nothing
          namespace: {{ns}}
        spec:
          action: ALLOW

        """;

    private static void AppendMatchLabels(StringBuilder sb, IReadOnlyDictionary<string, string> labels, string indent)
    {
        if (labels.Count == 0)
        {
            sb.Append(indent).Append("matchLabels: {}\n");
            return;
        }

        sb.Append(indent).Append("matchLabels:\n");
        foreach (var (k, v) in labels.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            sb.Append(indent).Append("  ").Append(k).Append(": ").Append(Q(v)).Append('\n');
        }
    }
}
