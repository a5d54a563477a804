using NetSecPS.Core.Checks;
using NetSecPS.Core.Composition;
using NetSecPS.Core.Connectivity;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Baseline;

/// <summary>The exceptions in force for a posture: the parsed suppressions the audit applies, and their canonical content the posture keeps.</summary>
internal sealed record ExceptionsInForce(ExceptionsFile File, PostureExceptions Content)
{
    /// <summary>Reads an exceptions file once for both uses.</summary>
    public static ExceptionsInForce Load(string path) => new(ExceptionsFile.Load(path), PostureBuilder.ReadExceptions(path));

    /// <summary>The exceptions a baseline was approved with, applied again (JSON is YAML, so the same parser reads them).</summary>
    public static ExceptionsInForce FromBaseline(PostureExceptions content, string label) =>
        new(ExceptionsFile.Parse(new StringReader(CanonicalJson.Serialize(content.Content ?? new System.Text.Json.Nodes.JsonArray())), label), content);
}

/// <summary>
/// The whole path from a snapshot to its posture: model, connectivity (the engine's own
/// semantics unless netpol-analyzer's are asked for; the posture records which), audit with the
/// profile and the exceptions, then the normalized posture.
/// </summary>
internal static class PostureScan
{
    public static Posture Run(ClusterData data, AuditProfile profile, ExceptionsInForce? exceptions, IOutputSink sink,
        DateTimeOffset? now = null, ConnectivityOptions? connectivityOptions = null, CancellationToken cancellationToken = default)
    {
        var analysis = ClusterAnalysis.Of(data, cancellationToken);
        analysis.Connectivity(sink, connectivityOptions, cancellationToken);
        var audit = analysis.Audit(profile, exceptions?.File, sink, new AuditOptions { Now = now }, cancellationToken);
        return analysis.Posture(audit, exceptions?.Content, cancellationToken);
    }
}
