using System.IO.Compression;
using NetSecPS.Core.Traffic;

namespace NetSecPS.Core.Tests.Traffic;

/// <summary>Reading flow logs: Hubble JSON and JSONPB, Calico flow logs, CSV; bad lines, gzip, streaming.</summary>
public class FlowLogReaderTests
{
    private static (List<ObservedFlow> Flows, FlowLogStatistics Stats, CollectingSink Sink) Read(string file, FlowLogFormat format = FlowLogFormat.Auto)
    {
        var sink = new CollectingSink();
        var reader = new FlowLogReader(format, sink);
        var flows = reader.Read(new[] { file }).ToList();
        return (flows, reader.Statistics, sink);
    }

    private static string Key(ObservedFlow f) =>
        $"{f.Source.Namespace}/{f.Source.Pod}|{f.Source.Address}|{f.Source.Entity} => {f.Destination.Namespace}/{f.Destination.Pod}|{f.Destination.Address}|{f.Destination.Entity} {f.Protocol} {f.Port} {f.Verdict} {f.Direction}";

    [Fact]
    public void Hubble_json_lines_become_flows_with_their_ends_ports_verdicts_and_times()
    {
        var (flows, stats, sink) = Read(TestPaths.Fixture("flows", "hubble-observe.json"));
        Assert.Equal(237, flows.Count);
        var first = flows[0];
        Assert.Equal(FlowLogFormat.Hubble, first.Format);
        Assert.Equal("world", first.Source.Entity);
        Assert.Equal("198.51.100.7", first.Source.Address);
        Assert.Equal("ingress-nginx", first.Destination.Namespace);
        Assert.Equal("ingress-nginx-controller-5c6f7d8b9-a1b2c", first.Destination.Pod);
        Assert.Equal("ingress-nginx-controller", first.Destination.WorkloadName);
        Assert.Equal("Deployment", first.Destination.WorkloadKind);
        Assert.Equal("controller", first.Destination.Labels["app.kubernetes.io/component"]);
        Assert.DoesNotContain(first.Destination.Labels.Keys, k => k.StartsWith("io.cilium", StringComparison.Ordinal) || k.StartsWith("io.kubernetes", StringComparison.Ordinal));
        Assert.Equal(("TCP", 443, FlowVerdict.Forwarded, FlowDirection.Ingress), (first.Protocol, first.Port, first.Verdict, first.Direction));
        Assert.Equal("default/worker-1", first.Node);
        // Nine fractional digits, as protobuf JSON writes them.
        Assert.Equal(new DateTimeOffset(2026, 11, 27, 9, 0, 40, TimeSpan.Zero).AddTicks(4633031), first.Time);
        Assert.Equal(1, first.Line);
        Assert.Equal(48, stats.Skipped["reply"]);

        var dropped = flows.First(f => f.Verdict == FlowVerdict.Dropped);
        Assert.Equal("POLICY_DENIED", dropped.DropReason);
        var stripe = flows.First(f => f.Destination.Names.Contains("api.stripe.com"));
        Assert.Equal("54.187.216.72", stripe.Destination.Address);

        var bad = Assert.Single(sink.Diagnostics);
        Assert.Equal((DiagnosticSeverity.Error, "FlowLogLineInvalid", 26), (bad.Severity, bad.Code, bad.Line!.Value));
        Assert.EndsWith("hubble-observe.json", bad.File, StringComparison.Ordinal);
        Assert.Equal(1, stats.BadLines);
    }

    [Fact]
    public void Hubble_jsonpb_with_camel_case_names_and_enums_by_number_reads_as_the_same_flows()
    {
        var snake = Read(TestPaths.Fixture("flows", "hubble-observe.json")).Flows.Select(Key).Order().ToList();
        var (camel, stats, sink) = Read(TestPaths.Fixture("flows", "hubble-observe.jsonpb"));
        Assert.Equal(snake, camel.Select(Key).Order().ToList());
        Assert.All(camel, f => Assert.NotNull(f.Time));
        Assert.Equal("POLICY_DENIED", camel.First(f => f.Verdict == FlowVerdict.Dropped).DropReason);
        Assert.Equal(1, stats.Skipped["not a flow (node status, agent or debug event)"]);
        Assert.Equal(1, stats.Skipped["lost events reported by Hubble (flows it could not keep)"]);
        Assert.Equal(1, stats.Skipped["L7 record (its L3/L4 flow is counted)"]);
        var bad = Assert.Single(sink.Diagnostics);
        Assert.Equal(64, bad.Line);
    }

    [Fact]
    public void Hubble_reserved_identities_become_entities_and_policy_verdicts_name_their_policies()
    {
        var file = Path.Combine(Path.GetTempPath(), $"netsecps-hubble-{Guid.NewGuid():N}.json");
        File.WriteAllLines(file, new[]
        {
            """{"flow":{"time":{"seconds":1795770000,"nanos":5},"verdict":"DROPPED","drop_reason":181,"IP":{"source":"10.244.1.21","destination":"10.96.0.1"},"l4":{"UDP":{"source_port":40000,"destination_port":53}},"source":{"identity":12345,"namespace":"shop","labels":["k8s:app=frontend","k8s:io.kubernetes.pod.namespace=shop"],"pod_name":"frontend-1"},"destination":{"identity":7},"traffic_direction":"EGRESS","egress_denied_by":[{"name":"deny-dns","namespace":"shop","kind":"CiliumNetworkPolicy"}]}}""",
            """{"verdict":"AUDIT","IP":{"source":"203.0.113.9","destination":"10.244.1.21"},"l4":{"SCTP":{"destination_port":9000}},"source":{"labels":["reserved:world-ipv4"]},"destination":{"ID":3,"namespace":"shop","pod_name":"frontend-1"},"ingress_allowed_by":[{"name":"a","namespace":"shop"}],"egress_allowed_by":[{"name":"b","namespace":"shop","kind":"NetworkPolicy"}]}""",
            """{"verdict":"FORWARDED","IP":{"source":"10.244.1.21","destination":"10.244.2.3"},"l4":{"TCP":{"destination_port":80}},"Type":"SOCK"}""",
            """{"verdict":"FORWARDED","IP":{"source":"10.244.1.21","destination":"10.244.2.3"},"l4":{"TCP":{"destination_port":80}},"reply":true}""",
            """{}""",
            """[1,2]""",
        });
        try
        {
            var (flows, stats, sink) = Read(file, FlowLogFormat.Hubble);
            Assert.Equal(2, flows.Count);
            Assert.Equal("kube-apiserver", flows[0].Destination.Entity);
            Assert.Equal(("UDP", 53, FlowVerdict.Dropped, "POLICY_DENY", FlowDirection.Egress), (flows[0].Protocol, flows[0].Port, flows[0].Verdict, flows[0].DropReason, flows[0].Direction));
            Assert.Equal(new[] { "CiliumNetworkPolicy shop/deny-dns" }, flows[0].Policies);
            Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1795770000), flows[0].Time);
            Assert.Equal("world", flows[1].Source.Entity);
            Assert.Equal(FlowVerdict.Audit, flows[1].Verdict);
            Assert.Equal(new[] { "shop/a", "NetworkPolicy shop/b" }, flows[1].Policies);
            Assert.Equal(1, stats.Skipped["socket translation record"]);
            Assert.Equal(1, stats.Skipped["reply"]);
            Assert.Equal(new[] { 5, 6 }, sink.Diagnostics.Select(d => d.Line!.Value));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Calico_flow_logs_count_their_flows_and_take_the_reporter_as_where_the_flow_was_seen()
    {
        var (flows, stats, sink) = Read(TestPaths.Fixture("flows", "calico-flows.log"));
        Assert.Equal(107, flows.Count);
        Assert.All(flows, f => Assert.Equal(FlowLogFormat.Calico, f.Format));
        var first = flows[0];
        Assert.Equal(("pub", "198.51.100.7"), (first.Source.Entity, first.Source.Address));
        Assert.Equal(("ingress-nginx", "ingress-nginx-controller-5c6f7d8b9-*"), (first.Destination.Namespace, first.Destination.Pod));
        Assert.Equal(("TCP", 443, FlowVerdict.Forwarded, FlowDirection.Ingress, 2L), (first.Protocol, first.Port, first.Verdict, first.Direction, first.Count));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1795770300), first.EndTime);
        Assert.Equal("worker-1", first.Node);

        // The flow logs API's records: the fields under "key", enums by name, then lowerCamel with enums by number.
        var goldmane = flows.Single(f => f.Policies.Contains("NetworkPolicy shop/cart-egress (tier default): Allow"));
        Assert.Equal(("shop", "cart-5f9c8b7d4-*", "data", "redis-6b7f8d9c4-*", 6379, FlowDirection.Egress, 2L),
            (goldmane.Source.Namespace, goldmane.Source.Pod, goldmane.Destination.Namespace, goldmane.Destination.Pod, goldmane.Port, goldmane.Direction, goldmane.Count));
        Assert.Equal("cart", goldmane.Source.Labels["app"]);
        var camel = flows.Single(f => f.Time == DateTimeOffset.FromUnixTimeSeconds(1795770900));
        Assert.Equal(("payments", "payments-api-6c8d9f7b5-*", "data", "postgres-*", FlowDirection.Egress, 3L),
            (camel.Source.Namespace, camel.Source.Pod, camel.Destination.Namespace, camel.Destination.Pod, camel.Direction, camel.Count));
        Assert.Equal(("TCP", 5432, FlowVerdict.Forwarded), (camel.Protocol, camel.Port, camel.Verdict));

        var deny = flows.First(f => f.Verdict == FlowVerdict.Dropped);
        Assert.Contains(deny.Policies, p => p.Contains("|deny|", StringComparison.Ordinal));
        Assert.Equal((DiagnosticSeverity.Error, 23), (Assert.Single(sink.Diagnostics).Severity, sink.Diagnostics[0].Line!.Value));
        Assert.Equal(1, stats.BadLines);
        Assert.Equal(flows.Sum(f => f.Count), stats.Flows);
    }

    [Fact]
    public void Csv_reads_a_header_comments_quoted_fields_and_reports_bad_lines_with_their_number()
    {
        var (flows, stats, sink) = Read(TestPaths.Fixture("flows", "flows.csv"));
        Assert.Equal(69, flows.Count);
        var first = flows[0];
        Assert.Equal(("198.51.100.7", "ingress-nginx", "ingress-nginx-controller", "Deployment"),
            (first.Source.Address, first.Destination.Namespace, first.Destination.WorkloadName, first.Destination.WorkloadKind));
        Assert.Equal(("TCP", 443, FlowVerdict.Forwarded, 2L), (first.Protocol, first.Port, first.Verdict, first.Count));
        Assert.Equal(new DateTimeOffset(2026, 11, 27, 9, 1, 0, TimeSpan.Zero), first.Time);
        Assert.Contains(flows, f => f.Source.Entity == "ingress" && f.Count == 5);
        Assert.Equal(new[] { 16, 21 }, sink.Diagnostics.Select(d => d.Line!.Value));
        Assert.Contains("'http' is not a port", sink.Diagnostics[0].Message, StringComparison.Ordinal);
        Assert.Contains("'shop frontend' is not a peer", sink.Diagnostics[1].Message, StringComparison.Ordinal);
        Assert.Equal(1, stats.Skipped["header line"]);
        Assert.Equal(1, stats.Skipped["comment or blank line"]);
    }

    [Fact]
    public void Csv_without_a_header_takes_the_columns_in_their_documented_order()
    {
        var file = Path.Combine(Path.GetTempPath(), $"netsecps-{Guid.NewGuid():N}.csv");
        File.WriteAllLines(file, new[] { "shop/frontend,shop/cart[Deployment],8080,tcp", "10.0.0.1,shop/cart,53,UDP,DENIED,4,1795770000", "a,b,c" });
        try
        {
            var (flows, _, sink) = Read(file, FlowLogFormat.Csv);
            Assert.Equal(2, flows.Count);
            Assert.Equal(("shop", "frontend", "cart", "Deployment", "TCP", FlowVerdict.Unknown), (flows[0].Source.Namespace, flows[0].Source.Pod, flows[0].Destination.WorkloadName, flows[0].Destination.WorkloadKind, flows[0].Protocol, flows[0].Verdict));
            Assert.Equal(("UDP", FlowVerdict.Dropped, 4L, DateTimeOffset.FromUnixTimeSeconds(1795770000)), (flows[1].Protocol, flows[1].Verdict, flows[1].Count, flows[1].Time!.Value));
            Assert.Equal(3, Assert.Single(sink.Diagnostics).Line);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Gzip_logs_are_read_as_they_are()
    {
        var file = Path.Combine(Path.GetTempPath(), $"netsecps-{Guid.NewGuid():N}.jsonpb.gz");
        using (var output = File.Create(file))
        using (var gz = new GZipStream(output, CompressionLevel.Fastest))
        using (var input = File.OpenRead(TestPaths.Fixture("flows", "hubble-observe.jsonpb")))
        {
            input.CopyTo(gz);
        }

        try
        {
            var plain = Read(TestPaths.Fixture("flows", "hubble-observe.jsonpb")).Flows.Select(Key).ToList();
            Assert.Equal(plain, Read(file).Flows.Select(Key).ToList());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void A_folder_is_read_file_by_file_leaving_documents_out_and_a_missing_path_is_an_error()
    {
        var sink = new CollectingSink();
        var files = FlowLogReader.ExpandPaths(new[] { TestPaths.Fixture("flows"), TestPaths.Fixture("flows", "nothing-here.json") }, sink);
        Assert.Contains(files, f => f.EndsWith("hubble-observe.json", StringComparison.Ordinal));
        Assert.Contains(files, f => f.EndsWith("flows-by-address.csv", StringComparison.Ordinal));
        Assert.DoesNotContain(files, f => f.EndsWith(".md", StringComparison.Ordinal) || f.EndsWith(".yaml", StringComparison.Ordinal));
        Assert.Equal(files.Order(StringComparer.Ordinal), files);
        Assert.Equal("PathNotFound", Assert.Single(sink.Diagnostics).Code);
    }

    [Fact]
    public void A_json_array_file_is_refused_with_one_error_naming_the_file()
    {
        var file = Path.Combine(Path.GetTempPath(), $"netsecps-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, "[{\"verdict\":\"FORWARDED\"}]\n");
        try
        {
            var (flows, _, sink) = Read(file);
            Assert.Empty(flows);
            var d = Assert.Single(sink.Diagnostics);
            Assert.Equal(("FlowLogFormatUnknown", file, 1), (d.Code, d.File, d.Line!.Value));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
