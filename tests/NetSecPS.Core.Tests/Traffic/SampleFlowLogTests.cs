using NetSecPS.Core.Traffic;

namespace NetSecPS.Core.Tests.Traffic;

/// <summary>
/// samples/flows is what the README and the help examples read: the demo cluster's flow logs
/// without the lines the test fixtures break on purpose. The two must not drift apart.
/// </summary>
public class SampleFlowLogTests
{
    public static TheoryData<string, string> Files => new()
    {
        { "hubble-observe.jsonl", "hubble-observe.json" }, { "hubble-observe.jsonpb", "hubble-observe.jsonpb" },
        { "calico-flows.log", "calico-flows.log" }, { "flows.csv", "flows.csv" },
    };

    private static (List<string> Flows, CollectingSink Sink) Read(string file)
    {
        var sink = new CollectingSink();
        var reader = new FlowLogReader(FlowLogFormat.Auto, sink);
        var flows = reader.Read(new[] { file }).Select(f =>
            $"{f.Source.Namespace}/{f.Source.Pod}|{f.Source.Address} => {f.Destination.Namespace}/{f.Destination.Pod}|{f.Destination.Address} {f.Protocol} {f.Port} {f.Verdict} {f.Direction}").ToList();
        return (flows, sink);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void The_sample_is_the_fixture_without_its_bad_lines(string name, string fixtureName)
    {
        var (sample, sampleSink) = Read(Path.Combine(TestPaths.RepoRoot, "samples", "flows", name));
        var (fixture, fixtureSink) = Read(Path.Combine(TestPaths.Fixtures, "flows", fixtureName));

        Assert.DoesNotContain(sampleSink.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.NotEmpty(sample);
        Assert.Equal(fixture, sample);
        // The fixture breaks lines on purpose; the sample leaves them out.
        Assert.Contains(fixtureSink.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
    }
}
