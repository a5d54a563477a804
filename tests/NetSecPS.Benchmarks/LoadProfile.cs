using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using NetSecPS.ClusterGenerator;
using NetSecPS.Core.Sources;
using YamlDotNet.Core;

namespace NetSecPS.Benchmarks;

/// <summary>
/// <c>profile-load</c>: where the time of reading manifests goes, phase by phase on one thread
/// (bytes and digest, decoding, YAML events alone, YAML to JSON nodes, JSON nodes to typed
/// objects, snapshot building), in CPU seconds and allocated bytes, so a hotspot shows even on a
/// busy machine.
/// </summary>
internal static class LoadProfile
{
    public static int Run(ClusterShape shape)
    {
        var dataset = BenchData.Ensure(shape, Console.Out);
        var files = Directory.GetFiles(dataset.ManifestsFolder, "*.yaml").Order(StringComparer.Ordinal).ToList();
        var bytes = new List<byte[]>();
        var texts = new List<string>();

        Phase("read files + SHA-256", () =>
        {
            foreach (var f in files)
            {
                var b = File.ReadAllBytes(f);
                _ = SHA256.HashData(b);
                bytes.Add(b);
            }
        });
        Phase("UTF-8 decode", () =>
        {
            foreach (var b in bytes)
            {
                texts.Add(new UTF8Encoding(false).GetString(b));
            }
        });
        Phase("YAML tokens only (YamlDotNet scanner)", () =>
        {
            foreach (var t in texts)
            {
                var scanner = new Scanner(new StringReader(t), skipComments: true);
                while (scanner.MoveNext())
                {
                }
            }
        });
        Phase("YAML events only (YamlDotNet parser)", () =>
        {
            foreach (var t in texts)
            {
                var parser = new Parser(new StringReader(t));
                while (parser.MoveNext())
                {
                }
            }
        });
        var count = 0;
        Phase("YAML → JSON nodes (YamlJsonReader)", () =>
        {
            foreach (var t in texts)
            {
                foreach (var d in YamlJsonReader.ReadDocuments(new StringReader(t)))
                {
                    count += d.Root is JsonObject ? 1 : 0;
                }
            }
        });
        var objects = new List<KubeObject>();
        Phase("YAML → JSON nodes → typed objects", () =>
        {
            foreach (var t in texts)
            {
                foreach (var d in YamlJsonReader.ReadDocuments(new StringReader(t)))
                {
                    // An object the factory refuses (a kind it does not read) has no typed object to keep.
                    if (d.Root is JsonObject o && ObjectFactory.Create(o, null).Object is { } obj)
                    {
                        objects.Add(obj);
                    }
                }
            }
        });
        Phase("YAML → JSON text (ReadDocumentsAsJson)", () =>
        {
            foreach (var t in texts)
            {
                foreach (var d in YamlJsonReader.ReadDocumentsAsJson(new StringReader(t)))
                {
                    count += d.IsObject ? 1 : 0;
                }
            }
        });
        var reader = new ObjectReader();
        var typed = 0;
        Phase("YAML → JSON text → typed objects (pooled)", () =>
        {
            foreach (var t in texts)
            {
                foreach (var d in YamlJsonReader.ReadDocumentsAsJson(new StringReader(t)))
                {
                    typed += reader.Create(d.Json.Span, null).Object is null ? 0 : 1;
                }
            }
        });
        Phase("ManifestSource.Read (parallel, as the cmdlets run it)", () => ManifestSource.Read(new[] { dataset.ManifestsFolder }));
        Phase("snapshot builder + coverage", () =>
        {
            var builder = new SnapshotBuilder();
            foreach (var o in objects)
            {
                builder.Add(o);
            }

            builder.SetManifestCoverage();
            _ = builder.Build(new Provenance());
        });
        Console.WriteLine($"{count:N0} objects, {bytes.Sum(b => (long)b.Length) / 1048576.0:0.0} MiB of YAML");
        return 0;
    }

    private static void Phase(string name, Action action)
    {
        GC.Collect();
        var alloc = GC.GetTotalAllocatedBytes(true);
        using var p = Process.GetCurrentProcess();
        var cpu = p.TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        action();
        sw.Stop();
        p.Refresh();
        var used = p.TotalProcessorTime - cpu;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-45} wall {sw.Elapsed.TotalSeconds,7:0.000} s  cpu {used.TotalSeconds,7:0.000} s  alloc {(GC.GetTotalAllocatedBytes(true) - alloc) / 1048576.0,8:0} MiB"));
    }
}
