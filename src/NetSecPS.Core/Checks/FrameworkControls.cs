namespace NetSecPS.Core.Checks;

/// <summary>A framework a check can map to.</summary>
internal sealed record FrameworkFamily(string Key, string Name, string Edition);

/// <summary>One control of a framework: <c>CIS 5.3.2</c>, <c>NSA Network policies</c>, <c>MITRE T1552.005</c>.</summary>
internal sealed record FrameworkControl(string Id, string Family, string Name);

/// <summary>
/// The framework controls checks may map to: CIS Kubernetes Benchmark recommendations, sections
/// of the NSA/CISA Kubernetes Hardening Guidance and MITRE ATT&amp;CK techniques. Only these are
/// real controls an auditor can look up; a test fails any check mapping to something else.
/// </summary>
internal static class FrameworkControls
{
    public static IReadOnlyList<FrameworkFamily> Families { get; } = new FrameworkFamily[]
    {
        new("CIS", "CIS Kubernetes Benchmark", "v1.8 and later; recommendation numbers of section 5 (Policies)"),
        new("NSA", "NSA/CISA Kubernetes Hardening Guidance", "v1.2 (August 2022); section names"),
        new("MITRE", "MITRE ATT&CK", "Enterprise techniques (containers and cloud)"),
    };

    public static IReadOnlyList<FrameworkControl> All { get; } = new FrameworkControl[]
    {
        new("CIS 5.1.3", "CIS", "Minimize wildcard use in Roles and ClusterRoles"),
        new("CIS 5.2.5", "CIS", "Minimize the admission of containers wishing to share the host network namespace"),
        new("CIS 5.2.13", "CIS", "Minimize the admission of containers which use HostPorts"),
        new("CIS 5.3.1", "CIS", "Ensure that the CNI in use supports NetworkPolicies"),
        new("CIS 5.3.2", "CIS", "Ensure that all Namespaces have NetworkPolicies defined"),
        new("CIS 5.4.1", "CIS", "Prefer using Secrets as files over Secrets as environment variables"),
        new("NSA Network policies", "NSA", "Network separation and hardening: Network policies"),
        new("NSA Encryption", "NSA", "Network separation and hardening: Encryption"),
        new("NSA Secrets", "NSA", "Network separation and hardening: Secrets"),
        new("NSA Protecting sensitive cloud infrastructure", "NSA", "Network separation and hardening: Protecting sensitive cloud infrastructure"),
        new("NSA Pod security", "NSA", "Kubernetes Pod security: Pod security enforcement (host namespaces)"),
        new("NSA Role-based access control", "NSA", "Authentication and authorization: Role-based access control"),
        new("NSA Logging", "NSA", "Audit logging and threat detection: Logging"),
        new("NSA Threat detection", "NSA", "Audit logging and threat detection: Threat detection"),
        new("NSA Upgrading", "NSA", "Upgrading and application security practices"),
        new("MITRE T1040", "MITRE", "Network Sniffing"),
        new("MITRE T1048", "MITRE", "Exfiltration Over Alternative Protocol"),
        new("MITRE T1190", "MITRE", "Exploit Public-Facing Application"),
        new("MITRE T1210", "MITRE", "Exploitation of Remote Services"),
        new("MITRE T1552", "MITRE", "Unsecured Credentials"),
        new("MITRE T1552.005", "MITRE", "Unsecured Credentials: Cloud Instance Metadata API"),
        new("MITRE T1557", "MITRE", "Adversary-in-the-Middle"),
        new("MITRE T1562.007", "MITRE", "Impair Defenses: Disable or Modify Cloud Firewall"),
    };

    private static readonly Dictionary<string, FrameworkControl> ById = All.ToDictionary(c => c.Id, StringComparer.OrdinalIgnoreCase);

    public static FrameworkControl? Find(string id) => ById.GetValueOrDefault(id);

    /// <summary>The family key of a mapping (<c>CIS 5.3.2</c> gives <c>CIS</c>), or null for a string that is no known control.</summary>
    public static string? FamilyOf(string mapping) => Find(mapping)?.Family;

    /// <summary>Orders controls by family, then by their numbers (CIS 5.2.5 before 5.2.13), then by text.</summary>
    public static IComparer<string> Order { get; } = Comparer<string>.Create(Compare);

    private static int Compare(string? a, string? b)
    {
        if (a is null || b is null)
        {
            return string.CompareOrdinal(a, b);
        }

        var fa = Families.ToList().FindIndex(f => a.StartsWith(f.Key + " ", StringComparison.Ordinal));
        var fb = Families.ToList().FindIndex(f => b.StartsWith(f.Key + " ", StringComparison.Ordinal));
        if (fa != fb)
        {
            return fa.CompareTo(fb);
        }

        var pa = Parts(a);
        var pb = Parts(b);
        for (var i = 0; i < Math.Min(pa.Length, pb.Length); i++)
        {
            var c = int.TryParse(pa[i], out var na) && int.TryParse(pb[i], out var nb) ? na.CompareTo(nb) : string.CompareOrdinal(pa[i], pb[i]);
            if (c != 0)
            {
                return c;
            }
        }

        return pa.Length != pb.Length ? pa.Length.CompareTo(pb.Length) : string.CompareOrdinal(a, b);
    }

    /// <summary>The numbered parts of a control id: <c>CIS 5.2.13</c> gives 5, 2, 13; <c>MITRE T1552.005</c> gives 1552, 005.</summary>
    private static string[] Parts(string id)
    {
        var rest = id.Split(' ', 2)[^1];
        if (rest.Length > 1 && rest[0] == 'T' && char.IsAsciiDigit(rest[1]))
        {
            rest = rest[1..];
        }

        return rest.Split('.');
    }
}
