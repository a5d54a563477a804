using System.Text;

namespace NetSecPS.Core.Checks;

/// <summary>
/// The definitions every check and report relies on, and docs/checks.md, written from the check
/// classes so the catalogue a user reads is the one the module runs. A test fails when the file
/// in the repository differs from what this writes (<c>dotnet pwsh ./build.ps1 docs</c> rewrites it).
/// </summary>
internal static class CatalogueDocument
{
    /// <summary>The file in the repository this writes.</summary>
    public const string RepositoryPath = "docs/checks.md";

    public const string ArbitraryPeer =
        "An arbitrary peer is a pod with no labels, in a namespace with no labels, that exists nowhere in the scanned cluster, " +
        "or an external address outside every ipBlock or network CIDR of the cluster's policies other than the /0 ones (the open internet). " +
        "\"X accepts ingress from an arbitrary peer\" means the connectivity engine allows some connection from such a peer to X. " +
        "That is what default deny really means: a policy that admits only 198.51.100.0/24 passes; one that admits 0.0.0.0/0, " +
        "or has a rule without 'from', fails.";

    public const string Exposed =
        "Exposed means reachable from outside the cluster through a Service of type LoadBalancer or NodePort, externalIPs, " +
        "an Ingress, an OpenShift Route or a Gateway API route.";

    public const string DataStore =
        "A data store is a workload whose container image or declared ports identify a database or cache: postgres 5432, mysql/mariadb 3306, " +
        "mongodb 27017, redis 6379, elasticsearch/opensearch 9200/9300, cassandra 9042, memcached 11211, couchdb 5984, etcd 2379.";

    public const string Suppressions =
        "An exceptions file (YAML) lists accepted risks: each names a check (wildcards allowed), a resource pattern (Kind/namespace/name, wildcards allowed), " +
        "a justification, an owner and an expiry date. Suppressed findings stay in every report, marked with their justification, and count as accepted " +
        "in the score. An expired exception stops suppressing and raises a warning. The exceptions in force are part of a baseline's digest.";

    public const string ScoreMethod =
        "Every check evaluates the subjects in its scope (namespaces, workloads, services, policies, bindings or the cluster) and each subject passes, " +
        "fails, or is accepted (it failed, and a valid exception accepts the risk). A check's compliance is (passed + accepted) / evaluated subjects. " +
        "The score is the mean of the compliance of the checks that evaluated at least one subject, weighted by severity: Critical 10, High 5, " +
        "Medium 2, Low 1, Info 0 (the severity the profile reports). When only Info checks apply, they count equally.";

    public const string ScoreConsequences =
        "So fixing one failing subject always raises the score; a failing cluster-level check costs its full share whatever the cluster's size; " +
        "adding workloads moves only the checks that evaluate workloads, so padding a cluster with idle workloads cannot hide a failing namespace, " +
        "policy, Service or cluster setting. The score without exceptions, where accepted subjects count as failed, is shown beside it.";

    public const string ScoreBands = "Bands: 90 and above is good, 70 to 90 fair, below 70 poor.";

    /// <summary>Categories in catalogue order, with the heading they get.</summary>
    public static IReadOnlyList<(string Category, string Heading)> Categories { get; } = new[]
    {
        ("Segmentation", "Segmentation (NetworkPolicy and admin network policies)"),
        ("Exposure", "Exposure"),
        ("HostNetworking", "Host networking"),
        ("Mesh", "Encryption in transit and service mesh"),
        ("Platform", "CNI and platform"),
        ("AccessControl", "Access control that guards the network posture"),
        ("Detection", "Detection"),
        ("LateralMovement", "Lateral movement"),
    };

    /// <summary>docs/checks.md as the check classes describe the catalogue today.</summary>
    public static string Markdown()
    {
        var checks = CheckCatalogue.All;
        var sb = new StringBuilder();
        sb.Append("# NetSecPS check catalogue\n\n");
        sb.Append("<!-- Generated from the check classes in src/NetSecPS.Core/Checks by `dotnet pwsh ./build.ps1 docs`. Do not edit by hand: a test fails when this file is not current. -->\n\n");
        sb.Append($"The catalogue holds {checks.Count} checks in {Categories.Count(c => checks.Any(x => x.Info.Category == c.Category))} categories. ");
        sb.Append("`Get-NetSecCheck` lists them in a session; every report carries the checks it ran with their result.\n\n");
        sb.Append("Every check is *semantic*: it is decided from the connectivity the cluster would enforce and from the model, not from the mere presence ");
        sb.Append("of an object. A namespace with a default-deny policy **and** an allow-all policy beside it is not default-deny; a scanner that only looks ");
        sb.Append("for a `podSelector: {}` policy gives false confidence there.\n\n");

        sb.Append("## Terms\n\n");
        sb.Append($"- **Arbitrary peer.** {ArbitraryPeer}\n");
        sb.Append($"- **Exposed.** {Exposed}\n");
        sb.Append($"- **Data store.** {DataStore}\n");
        sb.Append("- **Severity** is Critical, High, Medium, Low or Info; a profile may report a check with another severity. Each finding names the resource, ");
        sb.Append("the evidence (policies, rules, ports, peers) and a remediation; where a manifest fixes it, the finding carries that manifest as one YAML ");
        sb.Append("document that keeps what the cluster's exposure and DNS need.\n");
        sb.Append("- **Excluded namespaces.** The active profile's excluded namespaces (by default `kube-system`, `kube-public`, `kube-node-lease`) are skipped ");
        sb.Append("by the checks that say so; exposure checks report in every namespace. The `cis` profile excludes none.\n");
        sb.Append("- **Applies to** names the subjects a check evaluates. A subject without a finding has passed; the score counts them (see [Score](#score)).\n\n");

        sb.Append("## Checks at a glance\n\n");
        sb.Append("| id | severity | title | applies to | maps to |\n| --- | --- | --- | --- | --- |\n");
        foreach (var c in checks.Select(c => c.Info))
        {
            sb.Append($"| [{c.Id}](#{Anchor(c)}) | {c.Severity} | {Cell(c.Title)} | {Cell(c.AppliesTo)} | {Cell(string.Join(", ", c.Frameworks))} |\n");
        }

        foreach (var (category, heading) in Categories)
        {
            var inCategory = checks.Where(c => c.Info.Category == category).Select(c => c.Info).ToList();
            if (inCategory.Count == 0)
            {
                continue;
            }

            sb.Append($"\n## {heading}\n");
            foreach (var c in inCategory)
            {
                sb.Append($"\n### {c.Id} {c.Title}\n\n");
                sb.Append($"{c.Severity}{(c.Frameworks.Count > 0 ? " · maps to " + string.Join(", ", c.Frameworks) : string.Empty)}\n\n");
                sb.Append($"- **Fails when:** {c.FailsWhen}\n");
                sb.Append($"- **Applies to:** {c.AppliesTo}\n");
                sb.Append($"- **Why it matters:** {c.Rationale}\n");
                sb.Append($"- **Remediation:** {c.Remediation}\n");
                sb.Append($"- **How it decides:** {c.Notes}\n");
            }
        }

        sb.Append("\n## Framework controls\n\n");
        sb.Append("Checks map only to controls an auditor can look up. A profile selects checks by framework (`\"frameworks\": [\"CIS 5.3.*\"]`), ");
        sb.Append("`Get-NetSecCheck -Framework` filters by them, and every report gives the compliance of each framework and control.\n\n");
        foreach (var family in FrameworkControls.Families)
        {
            sb.Append($"**{family.Key}**: {family.Name}, {family.Edition}.\n\n");
            sb.Append("| control | name | checks |\n| --- | --- | --- |\n");
            foreach (var control in FrameworkControls.All.Where(c => c.Family == family.Key).OrderBy(c => c.Id, FrameworkControls.Order))
            {
                var mapped = checks.Where(c => c.Info.Frameworks.Contains(control.Id, StringComparer.Ordinal)).Select(c => c.Info.Id).ToList();
                sb.Append($"| {control.Id} | {Cell(control.Name)} | {(mapped.Count == 0 ? "none" : string.Join(", ", mapped))} |\n");
            }

            sb.Append('\n');
        }

        sb.Append("## Suppressions\n\n");
        sb.Append(Suppressions).Append(" A commented example for the demo cluster is [`samples/exceptions.yaml`](../samples/exceptions.yaml).\n\n");

        sb.Append("## Score\n\n");
        sb.Append(ScoreMethod).Append("\n\n```text\n").Append(PostureScore.FormulaText.Replace("; ", "\n", StringComparison.Ordinal)).Append("\n```\n\n");
        sb.Append(ScoreConsequences).Append("\n\n");
        sb.Append("The same formula over one namespace's subjects gives the namespace's score, and over the checks mapped to a framework or control ");
        sb.Append("gives its compliance, with how many of those checks fully pass. ").Append(ScoreBands).Append(' ');
        sb.Append("Every report shows the formula with its numbers, the weights and the compliance of each check.\n");
        return sb.ToString();
    }

    private static string Anchor(CheckInfo c) =>
        new string($"{c.Id} {c.Title}".ToLowerInvariant().Where(ch => char.IsLetterOrDigit(ch) || ch is ' ' or '-').ToArray()).Replace(' ', '-');

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}
