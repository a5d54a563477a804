using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace NetSecPS.Reports.Sarif;

/// <summary>
/// Findings as a SARIF 2.1.0 log for CI code scanning: one rule per check of the catalogue, one
/// result per finding. A finding read from a manifest points at its file and line; one from a
/// live cluster points at a logical location (the Kubernetes resource). Suppressed findings carry
/// an accepted external suppression with their justification.
/// </summary>
internal static class SarifLog
{
    public const string SchemaUri = "https://json.schemastore.org/sarif-2.1.0.json";
    public const string SourceRootId = "SRCROOT";

    public static void Write(ScanResult scan, Stream stream, ReportOptions options, CancellationToken cancellationToken = default)
    {
        var view = new ReportView(scan, options);
        var rules = view.Catalogue.ToList();
        foreach (var g in view.CheckGroups)
        {
            if (!rules.Exists(r => string.Equals(r.Id, g.Check.Id, StringComparison.OrdinalIgnoreCase)))
            {
                rules.Add(g.Check);
            }
        }

        var ruleIndex = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < rules.Count; i++)
        {
            ruleIndex[rules[i].Id] = i;
        }

        var root = NormalizeRoot(options.SourceRoot);
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = Json.ScanResultJson.Options.Encoder });
        w.WriteStartObject();
        w.WriteString("$schema", SchemaUri);
        w.WriteString("version", "2.1.0");
        w.WriteStartArray("runs");
        w.WriteStartObject();

        w.WriteStartObject("tool");
        w.WriteStartObject("driver");
        w.WriteString("name", scan.Provenance.Tool);
        w.WriteString("version", scan.Provenance.ToolVersion);
        w.WriteString("semanticVersion", scan.Provenance.ToolVersion);
        w.WriteStartArray("rules");
        foreach (var rule in rules)
        {
            WriteRule(w, rule);
        }

        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();

        if (root is not null)
        {
            w.WriteStartObject("originalUriBaseIds");
            w.WriteStartObject(SourceRootId);
            w.WriteString("uri", new Uri(root).AbsoluteUri);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        w.WriteStartArray("invocations");
        w.WriteStartObject();
        w.WriteBoolean("executionSuccessful", true);
        w.WriteString("endTimeUtc", scan.ScannedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", ReportText.Culture));
        if (view.NotEvaluated.Count > 0)
        {
            // A check that could not run is a notification about the run, not a result.
            w.WriteStartArray("toolExecutionNotifications");
            foreach (var (id, why) in view.NotEvaluated.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                w.WriteStartObject();
                w.WriteString("level", "warning");
                w.WriteStartObject("message");
                w.WriteString("text", ReportText.Clean($"{id} was not evaluated: {why}"));
                w.WriteEndObject();
                w.WriteStartObject("descriptor");
                w.WriteString("id", id);
                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        w.WriteEndObject();
        w.WriteEndArray();

        w.WriteStartObject("automationDetails");
        w.WriteString("id", $"netsecps/{view.Cluster}/");
        w.WriteEndObject();

        w.WriteStartArray("results");
        var n = 0;
        foreach (var f in scan.Findings)
        {
            if (++n % 1000 == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            WriteResult(w, f, ruleIndex[f.CheckId], root);
        }

        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>SARIF's level for a severity: Critical and High fail a build, Medium warns, Low and Info are notes.</summary>
    public static string Level(Severity s) => s switch
    {
        Severity.Critical or Severity.High => "error",
        Severity.Medium => "warning",
        _ => "note",
    };

    /// <summary>The CVSS-like number GitHub code scanning sorts security results by.</summary>
    private static string SecuritySeverity(Severity s) => s switch
    {
        Severity.Critical => "9.5",
        Severity.High => "8.0",
        Severity.Medium => "5.5",
        Severity.Low => "3.0",
        _ => "0.0",
    };

    private static void WriteRule(Utf8JsonWriter w, CheckInfo rule)
    {
        w.WriteStartObject();
        w.WriteString("id", rule.Id);
        w.WriteString("name", PascalName(rule.Title));
        w.WriteStartObject("shortDescription");
        w.WriteString("text", ReportText.Clean(rule.Title));
        w.WriteEndObject();
        w.WriteStartObject("fullDescription");
        w.WriteString("text", ReportText.Clean(string.IsNullOrEmpty(rule.FailsWhen) ? rule.Title : $"Fails when {rule.FailsWhen}."));
        w.WriteEndObject();
        var help = new StringBuilder();
        if (!string.IsNullOrEmpty(rule.Rationale))
        {
            help.Append(rule.Rationale.Trim()).Append("\n\n");
        }

        if (!string.IsNullOrEmpty(rule.Remediation))
        {
            help.Append("Remediation: ").Append(rule.Remediation.Trim());
        }

        w.WriteStartObject("help");
        w.WriteString("text", ReportText.Clean(help.Length > 0 ? help.ToString().Trim() : rule.Title));
        w.WriteEndObject();
        w.WriteStartObject("defaultConfiguration");
        w.WriteString("level", Level(rule.Severity));
        w.WriteEndObject();
        w.WriteStartObject("properties");
        w.WriteStartArray("tags");
        w.WriteStringValue("security");
        w.WriteStringValue("kubernetes");
        w.WriteStringValue("network");
        foreach (var fw in rule.Frameworks)
        {
            w.WriteStringValue(ReportText.Clean(fw));
        }

        w.WriteEndArray();
        w.WriteString("security-severity", SecuritySeverity(rule.Severity));
        w.WriteString("problem.severity", Level(rule.Severity) == "note" ? "recommendation" : Level(rule.Severity));
        w.WriteString("severity", rule.Severity.ToString());
        if (!string.IsNullOrEmpty(rule.Category))
        {
            w.WriteString("category", rule.Category);
        }

        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteResult(Utf8JsonWriter w, Finding f, int ruleIndex, string? root)
    {
        w.WriteStartObject();
        w.WriteString("ruleId", f.CheckId);
        w.WriteNumber("ruleIndex", ruleIndex);
        w.WriteString("level", Level(f.Severity));
        w.WriteStartObject("message");
        var text = string.IsNullOrWhiteSpace(f.Evidence) ? $"{f.Title}: {f.Resource}." : $"{f.Title}: {f.Resource}. {f.Evidence.Trim()}";
        w.WriteString("text", ReportText.Clean(text));
        w.WriteEndObject();

        w.WriteStartArray("locations");
        w.WriteStartObject();
        if (!string.IsNullOrEmpty(f.SourceFile))
        {
            w.WriteStartObject("physicalLocation");
            w.WriteStartObject("artifactLocation");
            var (uri, relative) = ArtifactUri(f.SourceFile, root);
            w.WriteString("uri", uri);
            if (relative)
            {
                w.WriteString("uriBaseId", SourceRootId);
            }

            w.WriteEndObject();
            if (f.SourceLine is > 0)
            {
                w.WriteStartObject("region");
                w.WriteNumber("startLine", f.SourceLine.Value);
                w.WriteEndObject();
            }

            w.WriteEndObject();
        }

        // The resource is named in every case, so a result from a file still says which object it is about.
        w.WriteStartArray("logicalLocations");
        w.WriteStartObject();
        var slash = f.Resource.LastIndexOf('/');
        w.WriteString("name", slash >= 0 ? f.Resource[(slash + 1)..] : f.Resource);
        w.WriteString("fullyQualifiedName", f.Resource);
        w.WriteString("kind", "resource");
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndArray();

        w.WriteStartObject("partialFingerprints");
        w.WriteString("netsecpsFinding/v1", Fingerprint(f));
        w.WriteEndObject();

        if (f.Suppressed)
        {
            w.WriteStartArray("suppressions");
            w.WriteStartObject();
            w.WriteString("kind", "external");
            w.WriteString("status", "accepted");
            if (!string.IsNullOrEmpty(f.Justification))
            {
                w.WriteString("justification", ReportText.Clean(f.Justification));
            }

            w.WriteEndObject();
            w.WriteEndArray();
        }

        w.WriteStartObject("properties");
        w.WriteString("severity", f.Severity.ToString());
        if (f.Namespace is not null)
        {
            w.WriteString("namespace", f.Namespace);
        }

        if (!string.IsNullOrEmpty(f.Remediation))
        {
            w.WriteString("remediation", ReportText.Clean(f.Remediation));
        }

        if (!string.IsNullOrEmpty(f.RemediationManifest))
        {
            w.WriteString("remediationManifest", ReportText.Clean(f.RemediationManifest));
        }

        if (f.SuppressedBy is not null)
        {
            w.WriteString("suppressedBy", f.SuppressedBy);
        }

        if (f.SuppressionExpires is { } expires)
        {
            w.WriteString("suppressionExpires", expires.ToString("yyyy-MM-dd", ReportText.Culture));
        }

        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>Stable across scans for the same check and resource, so code scanning tracks a finding rather than re-opening it.</summary>
    private static string Fingerprint(Finding f)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes(f.CheckId + "\n" + f.Resource));
        return Convert.ToHexString(bytes, 0, 16).ToLowerInvariant();
    }

    private static string? NormalizeRoot(string? root)
    {
        if (string.IsNullOrWhiteSpace(root))
        {
            return null;
        }

        var full = Path.GetFullPath(root);
        return Path.EndsInDirectorySeparator(full) ? full : full + Path.DirectorySeparatorChar;
    }

    /// <summary>A path under the source root becomes a relative URI with forward slashes; any other becomes a file URI.</summary>
    private static (string Uri, bool Relative) ArtifactUri(string file, string? root)
    {
        if (!Path.IsPathRooted(file))
        {
            return (EscapeRelative(file.Replace('\\', '/')), true);
        }

        var full = Path.GetFullPath(file);
        if (root is not null && full.StartsWith(root, OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal))
        {
            return (EscapeRelative(full[root.Length..].Replace('\\', '/')), true);
        }

        return (new Uri(full).AbsoluteUri, false);
    }

    private static string EscapeRelative(string path) =>
        string.Join('/', path.Split('/').Where(s => s.Length > 0 && s != ".").Select(Uri.EscapeDataString));

    private static string PascalName(string title)
    {
        var sb = new StringBuilder(title.Length);
        var upper = true;
        foreach (var c in title)
        {
            if (char.IsLetterOrDigit(c))
            {
                sb.Append(upper ? char.ToUpperInvariant(c) : c);
                upper = false;
            }
            else
            {
                upper = true;
            }
        }

        return sb.ToString();
    }
}
