using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using k8s.Models;
using NetSecPS.Core.Model;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Checks.Support;

/// <summary>One networking component found in the cluster.</summary>
/// <param name="Name">Calico, Cilium, Flannel, Canal, AWS VPC CNI, Antrea, Weave Net, kube-router, kindnet, ...</param>
/// <param name="EnforcesPolicy">Whether it enforces Kubernetes NetworkPolicy as configured.</param>
/// <param name="Evidence">The DaemonSet, container or configuration that identified it.</param>
/// <param name="Encryption">Node-to-node encryption it has switched on (WireGuard, IPsec), or null.</param>
internal sealed record CniComponent(string Name, bool EnforcesPolicy, string Evidence, string? Encryption, KubeObject? Source);

/// <summary>
/// Identifies the CNI plugin and any separate NetworkPolicy enforcer from DaemonSets, their
/// containers and arguments, and the CNI's ConfigMaps (cilium-config, amazon-vpc-cni,
/// kube-flannel-cfg, antrea-config) and FelixConfiguration.
/// </summary>
internal sealed partial class CniState
{
    public CniState(ClusterModel model)
    {
        var components = new List<CniComponent>();
        var configMaps = model.Data.TypedWithSource<V1ConfigMap>().ToList();
        string? Config(string name, string key) =>
            configMaps.FirstOrDefault(c => c.Object.Name == name && c.Model.Data?.ContainsKey(key) == true).Model?.Data?[key];

        foreach (var (obj, ds) in model.Data.TypedWithSource<V1DaemonSet>())
        {
            var containers = (ds.Spec?.Template?.Spec?.Containers ?? new List<V1Container>()).Concat(ds.Spec?.Template?.Spec?.InitContainers ?? new List<V1Container>()).ToList();
            var names = containers.Select(c => c.Name ?? string.Empty).ToHashSet(StringComparer.Ordinal);
            var images = containers.Select(c => WorkloadTraits.ImageName(c.Image)).ToHashSet(StringComparer.Ordinal);
            var where = $"DaemonSet {obj.Namespace}/{obj.Name}";
            bool Has(params string[] any) => any.Any(a => obj.Name == a || names.Contains(a) || images.Contains(a));

            if (Has("canal") || (names.Contains("calico-node") && (names.Contains("kube-flannel") || names.Contains("flannel"))))
            {
                components.Add(new CniComponent("Canal", true, where, CalicoEncryption(model), obj));
            }
            else if (Has("calico-node") || containers.Any(c => (c.Image ?? string.Empty).Contains("calico/node", StringComparison.Ordinal)))
            {
                components.Add(new CniComponent("Calico", true, where, CalicoEncryption(model), obj));
            }
            else if (Has("cilium", "cilium-agent", "anetd"))
            {
                var enablePolicy = Config("cilium-config", "enable-policy") ?? "default";
                var wireguard = IsTrue(Config("cilium-config", "enable-wireguard"));
                var ipsec = IsTrue(Config("cilium-config", "enable-ipsec"));
                components.Add(new CniComponent(obj.Name == "anetd" ? "Cilium (GKE Dataplane V2)" : "Cilium", !string.Equals(enablePolicy, "never", StringComparison.OrdinalIgnoreCase),
                    where + (enablePolicy != "default" ? $", cilium-config enable-policy={enablePolicy}" : string.Empty),
                    wireguard ? "WireGuard (cilium-config enable-wireguard)" : ipsec ? "IPsec (cilium-config enable-ipsec)" : null, obj));
            }
            else if (Has("kube-flannel", "flannel", "kube-flannel-ds"))
            {
                var netConf = Config("kube-flannel-cfg", "net-conf.json");
                var wg = netConf is not null && FlannelWireGuardRegex().IsMatch(netConf);
                components.Add(new CniComponent("Flannel", false, where, wg ? "WireGuard (flannel backend)" : null, obj));
            }
            else if (Has("aws-node", "amazon-k8s-cni"))
            {
                var agent = containers.FirstOrDefault(c => c.Name == "aws-network-policy-agent" || WorkloadTraits.ImageName(c.Image) == "aws-network-policy-agent");
                var agentEnabled = agent?.Args?.Any(a => a.Replace(" ", "=", StringComparison.Ordinal) is "--enable-network-policy=true") == true
                    || IsTrue(Config("amazon-vpc-cni", "enable-network-policy-controller"));
                var detail = agent is null ? "no aws-network-policy-agent container" : agentEnabled ? "aws-network-policy-agent enabled" : "aws-network-policy-agent present but --enable-network-policy is not true";
                components.Add(new CniComponent("AWS VPC CNI", agent is not null && agentEnabled, $"{where} ({detail})", null, obj));
            }
            else if (Has("antrea-agent"))
            {
                var conf = Config("antrea-config", "antrea-agent.conf") ?? configMaps.Where(c => c.Object.Name.StartsWith("antrea-config", StringComparison.Ordinal))
                    .Select(c => c.Model.Data is { } d && d.TryGetValue("antrea-agent.conf", out var v) ? v : null).FirstOrDefault(v => v is not null);
                var mode = conf is null ? null : AntreaEncryptionRegex().Match(conf) is { Success: true } m ? m.Groups[1].Value.Trim('"', '\'') : null;
                components.Add(new CniComponent("Antrea", true, where, mode is "wireguard" or "ipsec" ? $"{mode} (antrea trafficEncryptionMode)" : null, obj));
            }
            else if (Has("weave-net", "weave"))
            {
                var npc = names.Contains("weave-npc");
                var encrypted = containers.Any(c => c.Env?.Any(e => e.Name == "WEAVE_PASSWORD") == true);
                components.Add(new CniComponent("Weave Net", npc, where + (npc ? string.Empty : " (no weave-npc container)"), encrypted ? "Weave encryption (WEAVE_PASSWORD)" : null, obj));
            }
            else if (Has("kube-router"))
            {
                var firewall = !containers.SelectMany(c => c.Args ?? new List<string>()).Any(a => a is "--run-firewall=false" or "--run-firewall=0");
                components.Add(new CniComponent("kube-router", firewall, where + (firewall ? string.Empty : " (--run-firewall=false)"), null, obj));
            }
            else if (Has("kindnet-cni", "kindnet", "kindnetd"))
            {
                // kind 0.24 (kindnetd v20240813) added NetworkPolicy support; older kindnetd ignores policies.
                var tag = containers.Select(c => c.Image ?? string.Empty).Select(ImageTagDate).FirstOrDefault(d => d is not null);
                var enforces = tag is null || tag >= 20240813;
                components.Add(new CniComponent("kindnet", enforces, where + (tag is null ? " (version unknown: assumed to enforce NetworkPolicy)" : $" (image date {tag})"), null, obj));
            }
            else if (Has("kube-network-policies"))
            {
                components.Add(new CniComponent("kube-network-policies", true, where, null, obj));
            }
            else if (Has("azure-npm"))
            {
                components.Add(new CniComponent("Azure Network Policy Manager", true, where, null, obj));
            }
            else if (Has("azure-cns", "azure-cni"))
            {
                components.Add(new CniComponent("Azure CNI", false, where, null, obj));
            }
            else if (Has("ovnkube-node"))
            {
                components.Add(new CniComponent("OVN-Kubernetes", true, where, null, obj));
            }
            else if (obj.Namespace == "openshift-sdn" && Has("sdn"))
            {
                components.Add(new CniComponent("OpenShift SDN", true, where, null, obj));
            }
            else if (Has("kube-ovn-cni"))
            {
                components.Add(new CniComponent("Kube-OVN", true, where, null, obj));
            }
        }

        // Calico policies, tiers or CRD-stored Calico objects exist only where Calico runs; the
        // calico-node DaemonSet may be outside what was read (calico-system, a manifest snapshot).
        if (components.Count == 0 && Policy.CalicoObjects.Read(model.Data) is { HasPolicies: true } calico)
        {
            var first = calico.NetworkPolicies.Concat(calico.GlobalNetworkPolicies).Concat(calico.Tiers).First();
            components.Add(new CniComponent("Calico", true, $"Calico policy objects ({first.Kind} {first.Name}, {first.ApiVersion}); the calico-node DaemonSet is not in the snapshot", null, first));
        }

        if (components.Count == 0 && KubenetNode(model) is { } node)
        {
            components.Add(new CniComponent("kubenet", false, node, null, null));
        }

        Components = components;
    }

    public IReadOnlyList<CniComponent> Components { get; }

    public bool Identified => Components.Count > 0;

    /// <summary>True when some component enforces NetworkPolicy.</summary>
    public bool EnforcesPolicy => Components.Any(c => c.EnforcesPolicy);

    public CniComponent? Encryption => Components.FirstOrDefault(c => c.Encryption is not null);

    public string Describe() => Components.Count == 0 ? "no known CNI" : string.Join("; ", Components.Select(c => $"{c.Name} ({c.Evidence})"));

    private static bool IsTrue(string? v) => v is not null && v.Trim().Trim('"').Equals("true", StringComparison.OrdinalIgnoreCase);

    private static string? CalicoEncryption(ClusterModel model)
    {
        foreach (var felix in model.Data.OfKind("FelixConfiguration").Where(o => o.Raw is not null))
        {
            var spec = felix.Raw!["spec"] as JsonObject;
            if (spec?["wireguardEnabled"] is JsonValue v && v.TryGetValue<bool>(out var on) && on
                || spec?["wireguardEnabledV6"] is JsonValue v6 && v6.TryGetValue<bool>(out var on6) && on6)
            {
                return $"WireGuard (FelixConfiguration {felix.Name} wireguardEnabled)";
            }
        }

        return null;
    }

    /// <summary>kindnetd images are tagged by date: <c>v20240813-c6f155d6</c>.</summary>
    private static int? ImageTagDate(string image)
    {
        if (!WorkloadTraits.ImageName(image).StartsWith("kindnet", StringComparison.Ordinal))
        {
            return null;
        }

        var m = KindnetTagRegex().Match(image);
        return m.Success && int.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var d) ? d : null;
    }

    private static string? KubenetNode(ClusterModel model)
    {
        foreach (var (obj, node) in model.Data.TypedWithSource<V1Node>())
        {
            var labels = node.Metadata?.Labels;
            if (labels?.TryGetValue("kubernetes.azure.com/network-plugin", out var plugin) == true && plugin == "kubenet")
            {
                return $"Node {obj.Name} label kubernetes.azure.com/network-plugin=kubenet";
            }
        }

        return null;
    }

    [GeneratedRegex(@"""Type""\s*:\s*""wireguard""", RegexOptions.IgnoreCase)]
    private static partial Regex FlannelWireGuardRegex();

    [GeneratedRegex(@"(?m)^\s*trafficEncryptionMode:\s*(\S+)")]
    private static partial Regex AntreaEncryptionRegex();

    [GeneratedRegex(@":v(\d{8})")]
    private static partial Regex KindnetTagRegex();
}
