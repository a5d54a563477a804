using System.Text.Json.Nodes;
using NetSecPS.Core.Policy;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Model;

/// <summary>Inventory records of Istio's security and networking objects, in the words of their fields.</summary>
internal static class IstioInventory
{
    /// <summary>A record for an Istio object, or null for a kind this class does not describe.</summary>
    public static InventoryItem? Item(KubeObject o, JsonObject raw, IReadOnlyDictionary<string, string> labels)
    {
        var spec = raw["spec"] as JsonObject ?? new JsonObject();
        var file = o.Source?.File;
        var line = o.Source?.Line;
        switch (o.Kind)
        {
            case "AuthorizationPolicy" when o.Group == "security.istio.io":
                var rules = (spec["rules"] as JsonArray)?.Count ?? 0;
                return new PolicyItem
                {
                    Kind = o.Kind, ApiVersion = o.ApiVersion, Namespace = o.Namespace, Name = o.Name, SourceFile = file, SourceLine = line, Labels = labels,
                    Action = (PolicyCompileContext.Str(spec["action"]) ?? "ALLOW").ToUpperInvariant(),
                    Subject = Scope(o, spec),
                    PolicyTypes = new[] { "Ingress" },
                    IngressRules = rules,
                };
            case "PeerAuthentication" when o.Group == "security.istio.io":
                var ports = spec["portLevelMtls"] is JsonObject p
                    ? string.Join(", ", p.Select(kv => $"port {kv.Key} {IstioMesh.ModeOf(kv.Value) ?? "UNSET"}"))
                    : null;
                return Other(o, labels, Join($"mTLS {IstioMesh.ModeOf(spec["mtls"]) ?? "UNSET"}", ports, "applies to " + Scope(o, spec)));
            case "Sidecar" when o.Group == "networking.istio.io":
                var hosts = (spec["egress"] as JsonArray ?? new JsonArray()).SelectMany(l => IstioPolicyKind.Strings(l?["hosts"])).ToList();
                return Other(o, labels, Join(
                    hosts.Count > 0 ? "egress hosts " + string.Join(", ", hosts) : "egress not restricted",
                    PolicyCompileContext.Str(spec["outboundTrafficPolicy"]?["mode"]) is { } mode ? "outbound " + mode : null,
                    "applies to " + Scope(o, spec)));
            case "ServiceEntry" when o.Group == "networking.istio.io":
                var entryPorts = (spec["ports"] as JsonArray ?? new JsonArray()).Select(x => $"{x?["number"]}/{PolicyCompileContext.Str(x?["protocol"]) ?? "TCP"}").ToList();
                var addresses = IstioPolicyKind.Strings(spec["addresses"]).ToList();
                var exportTo = IstioPolicyKind.Strings(spec["exportTo"]).ToList();
                return Other(o, labels, Join(
                    "hosts " + string.Join(", ", IstioPolicyKind.Strings(spec["hosts"])),
                    addresses.Count > 0 ? "addresses " + string.Join(", ", addresses) : null,
                    entryPorts.Count > 0 ? "ports " + string.Join(", ", entryPorts) : null,
                    PolicyCompileContext.Str(spec["location"]),
                    exportTo.Count > 0 ? "exportTo " + string.Join(", ", exportTo) : null));
            default:
                return null;
        }
    }

    private static OtherItem Other(KubeObject o, IReadOnlyDictionary<string, string> labels, string summary) => new()
    {
        Kind = o.Kind, ApiVersion = o.ApiVersion, Namespace = o.Namespace, Name = o.Name, SourceFile = o.Source?.File, SourceLine = o.Source?.Line, Labels = labels,
        Summary = summary,
    };

    /// <summary>Who a policy applies to: its selector (or a Sidecar's workloadSelector) or targets, in its namespace, or the whole mesh from the root namespace.</summary>
    private static string Scope(KubeObject o, JsonObject spec)
    {
        if (spec["targetRef"] is JsonObject || spec["targetRefs"] is JsonArray)
        {
            var refs = (spec["targetRefs"] as JsonArray ?? new JsonArray(spec["targetRef"]?.DeepClone())).Select(r => $"{PolicyCompileContext.Str(r?["kind"])} {PolicyCompileContext.Str(r?["name"])}");
            return string.Join(", ", refs);
        }

        var selector = IstioMesh.Selector(o);
        var who = selector.IsEverything ? "every workload" : $"workloads {selector}";
        return o.Namespace == "istio-system" ? $"{who} in every namespace (istio-system, the default root namespace)" : $"{who} in namespace {o.Namespace}";
    }

    private static string Join(params string?[] parts) => string.Join("; ", parts.Where(p => !string.IsNullOrEmpty(p)));
}
