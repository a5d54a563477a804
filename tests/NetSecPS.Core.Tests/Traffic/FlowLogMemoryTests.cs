using System.IO.Compression;
using System.Text;
using NetSecPS.Core.Traffic;

namespace NetSecPS.Core.Tests.Traffic;

/// <summary>
/// Measures the process's managed heap, so it runs alone: in parallel with other tests their
/// allocations would count as the reader's.
/// </summary>
[Collection(HeapMeasurement.Name)]
public class FlowLogMemoryTests
{
    [Fact]
    public void A_million_lines_stream_through_in_bounded_memory()
    {
        // A million flows of one connection, gzip: 1 GB of JSON read through one line buffer.
        var file = Path.Combine(Path.GetTempPath(), $"netsecps-{Guid.NewGuid():N}.json.gz");
        var line = File.ReadLines(TestPaths.Fixture("flows", "hubble-observe.json")).First() + "\n";
        var bytes = Encoding.UTF8.GetBytes(line);
        const int lines = 1_000_000;
        using (var output = File.Create(file))
        using (var gz = new GZipStream(output, CompressionLevel.Fastest))
        {
            for (var i = 0; i < lines; i++)
            {
                gz.Write(bytes);
            }
        }

        try
        {
            var reader = new FlowLogReader(FlowLogFormat.Auto, new CollectingSink());
            GC.Collect();
            var before = GC.GetTotalMemory(true);
            long peak = 0, n = 0;
            foreach (var flow in reader.Read(new[] { file }))
            {
                if (++n % 200_000 == 0)
                {
                    peak = Math.Max(peak, GC.GetTotalMemory(true) - before);
                }
            }

            Assert.Equal(lines, n);
            Assert.Equal(lines, reader.Statistics.Records);
            Assert.True(peak < 32L * 1024 * 1024, $"the heap grew by {peak / 1024 / 1024} MiB while reading");
        }
        finally
        {
            File.Delete(file);
        }
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HeapMeasurement
{
    public const string Name = "Measures the process heap (runs alone)";
}
