using System.Text;
using System.Xml;

namespace NetSecPS.Reports.JUnit;

/// <summary>
/// Findings as JUnit XML for CI test tabs: one test suite per check of the catalogue, one test
/// case per check and resource. A resource with an open finding fails; one whose findings are all
/// suppressed is skipped with the justification; every subject the check verified and passed is a
/// passing case; a check without findings whose subjects the scan does not list has one passing case.
/// Attributes follow the Ant/Jenkins schema, so strict readers accept the file.
/// </summary>
internal static class JUnitReport
{
    /// <summary>Name of the one passing case of a check that found nothing.</summary>
    public const string AllResourcesCase = "all evaluated resources";

    public static void Write(ScanResult scan, Stream stream, ReportOptions options, CancellationToken cancellationToken = default)
    {
        var view = new ReportView(scan, options);
        var checks = view.Catalogue.ToList();
        foreach (var g in view.CheckGroups)
        {
            if (!checks.Exists(c => string.Equals(c.Id, g.Check.Id, StringComparison.OrdinalIgnoreCase)))
            {
                checks.Add(g.Check);
            }
        }

        var timestamp = scan.ScannedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss", ReportText.Culture);
        var host = Xml(view.Cluster);
        var suites = checks.Select(c => BuildSuite(c, view)).ToList();

        using var w = XmlWriter.Create(stream, new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false), CloseOutput = false });
        w.WriteStartDocument();
        w.WriteStartElement("testsuites");
        w.WriteAttributeString("name", Xml($"{scan.Provenance.Tool} {view.Title}: {view.Cluster}"));
        w.WriteAttributeString("tests", Count(suites.Sum(s => s.Cases.Count)));
        w.WriteAttributeString("failures", Count(suites.Sum(s => s.Failures)));
        w.WriteAttributeString("errors", "0");
        w.WriteAttributeString("skipped", Count(suites.Sum(s => s.Skipped)));
        w.WriteAttributeString("time", "0");
        w.WriteAttributeString("timestamp", timestamp);

        var id = 0;
        foreach (var suite in suites)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var c = suite.Check;
            w.WriteStartElement("testsuite");
            w.WriteAttributeString("name", Xml($"{c.Id} {c.Title}"));
            w.WriteAttributeString("id", Count(id++));
            w.WriteAttributeString("package", scan.Provenance.Tool);
            w.WriteAttributeString("hostname", host);
            w.WriteAttributeString("timestamp", timestamp);
            w.WriteAttributeString("tests", Count(suite.Cases.Count));
            w.WriteAttributeString("failures", Count(suite.Failures));
            w.WriteAttributeString("errors", "0");
            w.WriteAttributeString("skipped", Count(suite.Skipped));
            w.WriteAttributeString("time", "0");

            w.WriteStartElement("properties");
            Property(w, "checkId", c.Id);
            Property(w, "severity", c.Severity.ToString());
            if (!string.IsNullOrEmpty(c.Category))
            {
                Property(w, "category", c.Category);
            }

            if (c.Frameworks.Count > 0)
            {
                Property(w, "frameworks", string.Join("; ", c.Frameworks));
            }

            w.WriteEndElement();

            foreach (var tc in suite.Cases)
            {
                w.WriteStartElement("testcase");
                w.WriteAttributeString("name", Xml(tc.Name));
                w.WriteAttributeString("classname", Xml($"{scan.Provenance.Tool}.{c.Id}"));
                w.WriteAttributeString("time", "0");
                if (tc.Open.Count > 0)
                {
                    var first = tc.Open[0];
                    w.WriteStartElement("failure");
                    w.WriteAttributeString("message", Xml($"{first.Severity}: {first.Title}"));
                    w.WriteAttributeString("type", first.Severity.ToString());
                    w.WriteString(Xml(FailureText(tc.Open)));
                    w.WriteEndElement();
                }
                else if (tc.NotEvaluated is { } why)
                {
                    w.WriteStartElement("skipped");
                    w.WriteAttributeString("message", Xml($"Not evaluated: {why}"));
                    w.WriteEndElement();
                }
                else if (tc.Suppressed.Count > 0)
                {
                    var s = tc.Suppressed[0];
                    w.WriteStartElement("skipped");
                    var by = s.SuppressedBy is null ? string.Empty : $" ({s.SuppressedBy}" + (s.SuppressionExpires is { } e ? $", until {e:yyyy-MM-dd})" : ")");
                    w.WriteAttributeString("message", Xml($"Suppressed: {s.Justification ?? "no justification given"}{by}"));
                    w.WriteEndElement();
                }

                w.WriteEndElement();
            }

            w.WriteEndElement();
        }

        w.WriteEndElement();
        w.WriteEndDocument();
    }

    private sealed record Case(string Name, IReadOnlyList<Finding> Open, IReadOnlyList<Finding> Suppressed, string? NotEvaluated = null);

    private sealed record Suite(CheckInfo Check, IReadOnlyList<Case> Cases)
    {
        public int Failures => Cases.Count(c => c.Open.Count > 0);
        public int Skipped => Cases.Count(c => c.Open.Count == 0 && (c.Suppressed.Count > 0 || c.NotEvaluated is not null));
    }

    private static Suite BuildSuite(CheckInfo check, ReportView view)
    {
        var passed = view.PassedSubjects[check.Id].Select(s => new Case(s.Resource, Array.Empty<Finding>(), Array.Empty<Finding>())).ToList();
        if (!view.GroupsById.TryGetValue(check.Id, out var g))
        {
            if (passed.Count > 0)
            {
                return new Suite(check, passed.OrderBy(x => x.Name, StringComparer.Ordinal).ToArray());
            }

            // A check the scan could not decide is skipped with its reason, never reported as passing.
            var why = view.NotEvaluatedReason(check.Id)
                ?? (view.ComplianceById.TryGetValue(check.Id, out var c) && !c.Applicable ? "nothing in its scope in this cluster (not applicable)" : null);
            return new Suite(check, new[] { new Case(AllResourcesCase, Array.Empty<Finding>(), Array.Empty<Finding>(), why) });
        }

        var cases = g.Open.Concat(g.Suppressed)
            .GroupBy(f => f.Resource, StringComparer.Ordinal)
            .Select(x => new Case(x.Key, x.Where(f => !f.Suppressed).ToArray(), x.Where(f => f.Suppressed).ToArray()))
            .Concat(passed)
            .OrderBy(x => x.Name, StringComparer.Ordinal)
            .ToArray();
        return new Suite(check, cases);
    }

    private static string FailureText(IReadOnlyList<Finding> open)
    {
        var sb = new StringBuilder();
        foreach (var f in open)
        {
            if (sb.Length > 0)
            {
                sb.Append("\n\n");
            }

            sb.Append(f.Resource).Append('\n');
            if (!string.IsNullOrWhiteSpace(f.Evidence))
            {
                sb.Append("Evidence: ").Append(f.Evidence.Trim()).Append('\n');
            }

            if (!string.IsNullOrWhiteSpace(f.Remediation))
            {
                sb.Append("Remediation: ").Append(f.Remediation.Trim()).Append('\n');
            }

            if (!string.IsNullOrWhiteSpace(f.RemediationManifest))
            {
                sb.Append(f.RemediationManifest.TrimEnd()).Append('\n');
            }

            if (f.SourceFile is not null)
            {
                sb.Append("Source: ").Append(f.SourceFile);
                if (f.SourceLine is { } line)
                {
                    sb.Append(':').Append(line.ToString(ReportText.Culture));
                }

                sb.Append('\n');
            }
        }

        return sb.ToString();
    }

    private static void Property(XmlWriter w, string name, string value)
    {
        w.WriteStartElement("property");
        w.WriteAttributeString("name", name);
        w.WriteAttributeString("value", Xml(value));
        w.WriteEndElement();
    }

    private static string Count(int n) => n.ToString(ReportText.Culture);

    /// <summary>Drops what XML 1.0 cannot carry (control characters, lone surrogates), which cluster data may hold.</summary>
    internal static string Xml(string? s)
    {
        if (string.IsNullOrEmpty(s))
        {
            return string.Empty;
        }

        var sb = (StringBuilder?)null;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            var ok = XmlConvert.IsXmlChar(c)
                || (char.IsHighSurrogate(c) && i + 1 < s.Length && XmlConvert.IsXmlSurrogatePair(s[i + 1], c));
            if (ok && char.IsHighSurrogate(c))
            {
                sb?.Append(c).Append(s[i + 1]);
                i++;
                continue;
            }

            if (!ok && sb is null)
            {
                sb = new StringBuilder(s.Length).Append(s, 0, i);
            }
            else if (ok)
            {
                sb?.Append(c);
            }
        }

        return sb?.ToString() ?? s;
    }
}
