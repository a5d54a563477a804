using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Tests;

/// <summary>
/// Hostile input within budgets: each refused with an error record naming the file and the limit,
/// the good files beside it still read. The full-size attacks (a billion laughs, a 200 MB value, a
/// 10 GB gzip bomb, a FIFO, symbolic-link loops) run in a child process under a memory and time cap
/// in tests/pester/HostileInput.Tests.ps1; these are their smaller, in-process cousins.
/// </summary>
public sealed class InputLimitsTests : IDisposable
{
    private const string Good = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: good\n";
    private readonly string dir = Directory.CreateTempSubdirectory("netsecps-limits-").FullName;

    public void Dispose() => DeleteTree(dir);

    /// <summary>Deletes without following links (a loop must not make the clean-up endless).</summary>
    private static void DeleteTree(string path)
    {
        foreach (var entry in new DirectoryInfo(path).EnumerateFileSystemInfos())
        {
            if (entry.LinkTarget is null && entry is DirectoryInfo sub)
            {
                DeleteTree(sub.FullName);
            }
            else
            {
                entry.Delete();
            }
        }

        Directory.Delete(path);
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(dir, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    private string WriteGood() => Write("good.yaml", Good);

    private static ClusterData Read(params string[] paths) => ManifestSource.Read(paths);

    /// <summary>Runs a read that a regression could make endless on a thread of its own, and fails after <paramref name="seconds"/>.</summary>
    private static ClusterData ReadWithin(int seconds, params string[] paths)
    {
        var read = Task.Factory.StartNew(() => ManifestSource.Read(paths), TaskCreationOptions.LongRunning);
        Assert.True(read.Wait(TimeSpan.FromSeconds(seconds)), $"reading {string.Join(", ", paths)} did not end within {seconds} s");
        return read.Result;
    }

    /// <summary>The exception a piece of work that a regression could make endless ends with, within <paramref name="seconds"/>.</summary>
    private static Exception? FailureWithin(int seconds, Action work)
    {
        var task = Task.Factory.StartNew(work, TaskCreationOptions.LongRunning);
        Assert.True(task.ContinueWith(_ => { }, TaskScheduler.Default).Wait(TimeSpan.FromSeconds(seconds)), $"the work did not end within {seconds} s");
        return task.Exception?.InnerException;
    }

    private static void AssertGoodFileRead(ClusterData data) => Assert.Contains(data.Objects, o => o.Key == "Namespace/good");

    private static string NestedAliases(int levels, int fanOut)
    {
        var text = new StringBuilder("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: lol\n  annotations:\n");
        text.Append("    a0: &a0 [\"lol\"]\n");
        for (var i = 1; i <= levels; i++)
        {
            text.Append($"    a{i}: &a{i} [").Append(string.Join(", ", Enumerable.Repeat($"*a{i - 1}", fanOut))).Append("]\n");
        }

        return text.ToString();
    }

    [Fact]
    public void Nested_aliases_are_refused_as_excessive_aliasing_naming_the_file_and_line_and_the_other_files_are_read()
    {
        // Five levels of ten: 111,111 nodes from about 60 written; the API server's decoder refuses it too.
        var bomb = Write("lol.yaml", NestedAliases(5, 10));
        var data = Read(bomb, WriteGood());
        var error = Assert.Single(data.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal("ExcessiveAliasing", error.Code);
        Assert.Equal(bomb, error.File);
        Assert.InRange(error.Line!.Value, 7, 11);
        Assert.Contains("excessive aliasing", error.Message, StringComparison.Ordinal);
        AssertGoodFileRead(data);
    }

    [Fact]
    public void Aliases_that_copy_more_text_than_an_api_request_may_hold_are_refused()
    {
        // Few aliases (the node rule allows them) of a large anchor: 5 copies of 1 MiB.
        var big = new string('x', 1 << 20);
        var yaml = $"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: copies\n  annotations:\n    a: &big \"{big}\"\n    b: *big\n    c: *big\n    d: *big\n    e: *big\n    f: *big\n";
        var data = Read(Write("copies.yaml", yaml), WriteGood());
        var error = Assert.Single(data.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal("ExcessiveAliasing", error.Code);
        Assert.Contains("3 MiB", error.Message, StringComparison.Ordinal);
        AssertGoodFileRead(data);
    }

    [Fact]
    public void Anchors_as_people_use_them_are_well_within_the_alias_budget()
    {
        var container = "{name: app, image: app:1, ports: [{name: http, containerPort: 8080}], env: &env [{name: A, value: \"1\"}, {name: B, value: \"2\"}]}";
        var yaml = new StringBuilder("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: shop\n  labels: &labels {app: web, tier: front}\nspec:\n  containers:\n");
        yaml.Append("  - ").Append(container).Append('\n');
        for (var i = 0; i < 20; i++)
        {
            yaml.Append($"  - {{name: side{i}, image: side:1, env: *env}}\n");
        }

        var data = Read(Write("anchors.yaml", yaml.ToString()));
        Assert.DoesNotContain(data.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Single(data.Objects);
    }

    [Theory]
    [InlineData("deep.json", '[', ']')]
    [InlineData("deep.yaml", '{', '}')]
    public void Nesting_deeper_than_the_limit_is_refused_at_the_line_it_passes_the_limit(string name, char open, char close)
    {
        // 100,000 levels took 25 s before the limit (YamlDotNet's scanner is quadratic in flow depth);
        // refused as the parser passes level 200, they take well under a second, so 5 s leaves room for a busy machine.
        var depth = 100_000;
        var deep = Write(name, new string(open, depth) + new string(close, depth));
        var clock = Stopwatch.StartNew();
        var data = ReadWithin(30, deep, WriteGood());
        clock.Stop();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"{depth:N0} levels took {clock.Elapsed.TotalSeconds:N1} s to refuse");
        var error = Assert.Single(data.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal("NestingTooDeep", error.Code);
        Assert.Equal(deep, error.File);
        Assert.Equal(1, error.Line);
        Assert.Equal(InputLimits.Default.MaxNestingDepth + 1, error.Column);
        Assert.Contains("deeper than 200 levels", error.Message, StringComparison.Ordinal);
        AssertGoodFileRead(data);
    }

    [Theory]
    [InlineData("big.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: big\n  annotations:\n    big: {0}\n", 6)]
    [InlineData("big-block.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: big\n  annotations:\n    big: |\n{0}\n", 6)]
    [InlineData("big.json", "{{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"Namespace\",\n  \"metadata\": {{\n    \"name\": \"big\",\n    \"annotations\": {{\"big\": \"{0}\"}}}}}}\n", 6)]
    public void A_value_longer_than_the_api_server_accepts_is_refused_naming_the_file_and_line(string name, string template, int line)
    {
        var value = name == "big-block.yaml"
            ? string.Join('\n', Enumerable.Repeat("      " + new string('y', 100), 40_000))
            : new string('y', 4 << 20);
        var big = Write(name, string.Format(System.Globalization.CultureInfo.InvariantCulture, template, value));
        var data = Read(big, WriteGood());
        var error = Assert.Single(data.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal("ValueTooLarge", error.Code);
        Assert.Equal(big, error.File);
        Assert.Equal(line, error.Line);
        Assert.Contains("3 MiB", error.Message, StringComparison.Ordinal);
        AssertGoodFileRead(data);
        Assert.DoesNotContain(data.Objects, o => o.Name == "big");
    }

    [Fact]
    public void A_value_just_under_the_limit_is_read()
    {
        var value = new string('y', InputLimits.Default.MaxValueChars - 100);
        var data = Read(Write("large.yaml", $"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: large\n  annotations:\n    large: {value}\n"));
        Assert.DoesNotContain(data.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal(value, data.Objects.Single().As<k8s.Models.V1Namespace>()!.Metadata.Annotations["large"]);
    }

    [Fact]
    public void A_file_larger_than_the_manifest_limit_is_refused_before_it_is_read()
    {
        var big = Write("dump.yaml", Good.Replace("good", "dump", StringComparison.Ordinal) + "# " + new string('-', 4096) + "\n");
        var data = ManifestSource.Read(new[] { big, WriteGood() }, limits: InputLimits.Default with { MaxManifestFileBytes = 1024 });
        var error = Assert.Single(data.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal("FileTooLarge", error.Code);
        Assert.Equal(big, error.File);
        Assert.Contains("larger than the 1 KiB", error.Message, StringComparison.Ordinal);
        AssertGoodFileRead(data);
    }

    [Fact]
    public void Invalid_utf8_is_a_warning_naming_the_file_and_line_and_the_object_is_still_read()
    {
        var path = Path.Combine(dir, "latin1.yaml");
        var bytes = Encoding.UTF8.GetBytes("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: billing\n  labels:\n    team: caf").Concat(new byte[] { 0xE9, (byte)'\n' }).ToArray();
        File.WriteAllBytes(path, bytes);
        var data = Read(path);
        var warning = Assert.Single(data.Diagnostics);
        Assert.Equal(DiagnosticSeverity.Warning, warning.Severity);
        Assert.Equal("InvalidUtf8", warning.Code);
        Assert.Equal(path, warning.File);
        Assert.Equal(6, warning.Line);
        Assert.Equal(14, warning.Column);
        Assert.Equal("Namespace/billing", Assert.Single(data.Objects).Key);
    }

    [Fact]
    public void Invalid_utf8_in_a_json_file_is_a_warning_too()
    {
        var path = Path.Combine(dir, "latin1.json");
        var head = Encoding.UTF8.GetBytes("{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"Namespace\",\n  \"metadata\": {\"name\": \"billing\", \"labels\": {\"team\": \"caf");
        File.WriteAllBytes(path, head.Concat(new byte[] { 0xE9 }).Concat(Encoding.UTF8.GetBytes("\"}}\n}\n")).ToArray());
        var data = Read(path);
        var warning = Assert.Single(data.Diagnostics);
        Assert.Equal("InvalidUtf8", warning.Code);
        Assert.Equal(4, warning.Line);
        Assert.Single(data.Objects);
    }

    [Fact]
    public void Valid_utf8_and_utf16_files_give_no_encoding_warning()
    {
        var utf8 = Write("utf8.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: café\n  labels:\n    team: 日本\n");
        var utf16 = Path.Combine(dir, "utf16.yaml");
        File.WriteAllText(utf16, Good.Replace("good", "sixteen", StringComparison.Ordinal), Encoding.Unicode);
        var data = Read(utf8, utf16);
        Assert.DoesNotContain(data.Diagnostics, d => d.Code == "InvalidUtf8");
        Assert.Equal(2, data.Objects.Count);
    }

    [Fact]
    public void A_fifo_in_a_folder_is_skipped_with_a_warning_and_the_folder_is_read()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        WriteGood();
        var fifo = Path.Combine(dir, "x.yaml");
        MakeFifo(fifo);
        try
        {
            var data = ReadWithin(20, dir);
            var warning = Assert.Single(data.Diagnostics);
            Assert.Equal((DiagnosticSeverity.Warning, "NotRegularFile", fifo), (warning.Severity, warning.Code, warning.File));
            Assert.Contains("FIFO", warning.Message, StringComparison.Ordinal);
            AssertGoodFileRead(data);
        }
        finally
        {
            Release(fifo);
        }
    }

    [Fact]
    public void A_fifo_or_a_device_named_directly_is_skipped_with_a_warning()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var fifo = Path.Combine(dir, "named.yaml");
        MakeFifo(fifo);
        try
        {
            var data = ReadWithin(20, fifo, "/dev/zero", WriteGood());
            Assert.Equal(new[] { (fifo, "NotRegularFile"), ("/dev/zero", "NotRegularFile") }, data.Diagnostics.Select(d => (d.File!, d.Code)));
            Assert.Contains("character device", data.Diagnostics[1].Message, StringComparison.Ordinal);
            AssertGoodFileRead(data);
        }
        finally
        {
            Release(fifo);
        }
    }

    [Fact]
    public void A_socket_in_a_folder_is_skipped_with_a_warning_and_the_folder_is_read()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        WriteGood();
        var path = Path.Combine(dir, "agent.yaml");
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        socket.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(path));
        var data = ReadWithin(20, dir);
        var warning = Assert.Single(data.Diagnostics);
        Assert.Equal((DiagnosticSeverity.Warning, "NotRegularFile", path), (warning.Severity, warning.Code, warning.File));
        Assert.Contains("a socket", warning.Message, StringComparison.Ordinal);
        AssertGoodFileRead(data);
    }

    [Fact]
    public void Symbolic_link_loops_end_and_every_file_is_read_once()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        Write("sub/good.yaml", Good);
        Write("sub/deeper/other.yaml", Good.Replace("good", "other", StringComparison.Ordinal));
        Directory.CreateSymbolicLink(Path.Combine(dir, "sub", "up"), "..");
        Directory.CreateSymbolicLink(Path.Combine(dir, "sub", "deeper", "again"), "../../sub");
        var data = ReadWithin(20, dir);
        Assert.Equal(new[] { "Namespace/good", "Namespace/other" }, data.Objects.Select(o => o.Key).Order(StringComparer.Ordinal));
        Assert.Empty(data.Diagnostics);
        Assert.Equal(2, data.Provenance.Inputs.Count);
    }

    [Fact]
    public void A_folder_and_a_file_reached_through_links_are_read_once_under_their_first_name()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        Write("v2/app.yaml", Good);
        Directory.CreateSymbolicLink(Path.Combine(dir, "current"), "v2");
        File.CreateSymbolicLink(Path.Combine(dir, "app-link.yaml"), Path.Combine("v2", "app.yaml"));
        var data = Read(dir, Path.Combine(dir, "v2", "app.yaml"));
        Assert.Single(data.Objects);
        Assert.Empty(data.Diagnostics);
        Assert.Equal(Path.Combine(dir, "app-link.yaml"), Assert.Single(data.Provenance.Inputs).Path);
    }

    [Fact]
    public void A_folder_given_twice_is_read_once_without_warnings()
    {
        WriteGood();
        var data = Read(dir, dir + Path.DirectorySeparatorChar, Path.Combine(dir, "good.yaml"));
        Assert.Empty(data.Diagnostics);
        AssertGoodFileRead(data);
        Assert.Single(data.Provenance.Inputs);
    }

    [Fact]
    public void A_link_cycle_and_a_dangling_link_are_skipped_with_warnings()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        WriteGood();
        File.CreateSymbolicLink(Path.Combine(dir, "a.yaml"), "b.yaml");
        File.CreateSymbolicLink(Path.Combine(dir, "b.yaml"), "a.yaml");
        File.CreateSymbolicLink(Path.Combine(dir, "gone.yaml"), "nowhere.yaml");
        var data = ReadWithin(20, dir);
        Assert.Equal(new[] { "a.yaml", "b.yaml", "gone.yaml" }, data.Diagnostics.Select(d => Path.GetFileName(d.File!)));
        Assert.All(data.Diagnostics, d => Assert.Equal((DiagnosticSeverity.Warning, "BrokenLink"), (d.Severity, d.Code)));
        AssertGoodFileRead(data);
    }

    private string WriteSnapshot(string name, string json)
    {
        var path = Path.Combine(dir, name);
        using var gz = new GZipStream(File.Create(path), CompressionLevel.Fastest);
        gz.Write(Encoding.UTF8.GetBytes(json));
        return path;
    }

    [Fact]
    public void A_snapshot_that_inflates_past_the_limit_stops_there_with_a_message_naming_the_limit()
    {
        var spaces = new string(' ', 3 << 20);
        var path = WriteSnapshot("bomb.json.gz", "{\"schema\":\"netsecps.snapshot\",\"schemaVersion\":2,\"objects\":[" + spaces + "]}");
        var ex = Assert.Throws<InvalidDataException>(() => SnapshotFile.ReadFile(path, InputLimits.Default with { MaxSnapshotBytes = 2 << 20 }));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("inflates to more than 2 MiB (-MaximumSnapshotSize)", ex.Message, StringComparison.Ordinal);
        Assert.Equal("SnapshotTooLarge", Assert.IsType<InputLimitException>(ex.InnerException).Code);
    }

    [Fact]
    public void Blanks_between_the_values_of_a_snapshot_do_not_pile_up_as_one_value()
    {
        var spaces = new string(' ', 8 << 20);
        var path = WriteSnapshot("airy.json.gz",
            "{\"schema\":\"netsecps.snapshot\",\"schemaVersion\":2,\"objects\":[" + spaces + "{\"object\":{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"airy\"}}}" + spaces + "]}");
        var data = SnapshotFile.ReadFile(path, InputLimits.Default with { MaxSnapshotValueBytes = 1 << 20 });
        Assert.Equal("Namespace/airy", Assert.Single(data.Objects).Key);
    }

    [Fact]
    public void One_snapshot_value_larger_than_any_object_is_refused_without_buffering_it_whole()
    {
        var path = WriteSnapshot("long.json.gz", "{\"schema\":\"netsecps.snapshot\",\"schemaVersion\":2,\"objects\":[{\"object\":\"" + new string('A', 3 << 20) + "\"}]}");
        var ex = Assert.Throws<InvalidDataException>(() => SnapshotFile.ReadFile(path, InputLimits.Default with { MaxSnapshotValueBytes = 1 << 20 }));
        Assert.Contains("larger than 1 MiB", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_fifo_named_as_a_saved_snapshot_is_refused_before_it_is_opened()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var fifo = Path.Combine(dir, "saved.json.gz");
        MakeFifo(fifo);
        try
        {
            var ex = Assert.IsType<InvalidDataException>(FailureWithin(20, () => SnapshotSources.FromPaths(new[] { fifo }, new CollectingSink(), CancellationToken.None)));
            Assert.Contains("is a FIFO (named pipe), not a regular file", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            Release(fifo);
        }
    }

    public static TheoryData<string> SmallFileReaders => new() { "profile", "exceptions", "exceptions in a baseline", "baseline" };

    /// <summary>Reads the file as the named cmdlet input would.</summary>
    private static void ReadAs(string reader, string path)
    {
        switch (reader)
        {
            case "profile":
                NetSecPS.Core.Checks.AuditProfile.Load(path);
                break;
            case "exceptions":
                NetSecPS.Core.Checks.ExceptionsFile.Load(path);
                break;
            case "exceptions in a baseline":
                NetSecPS.Core.Baseline.PostureBuilder.ReadExceptions(path);
                break;
            default:
                NetSecPS.Core.Baseline.BaselineFile.ReadFile(path);
                break;
        }
    }

    [Theory]
    [MemberData(nameof(SmallFileReaders))]
    public void A_fifo_named_as_a_profile_exceptions_or_baseline_file_is_refused_before_it_is_opened(string reader)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var fifo = Path.Combine(dir, "input.json");
        MakeFifo(fifo);
        try
        {
            var ex = FailureWithin(20, () => ReadAs(reader, fifo));
            Assert.NotNull(ex);
            Assert.Contains("is a FIFO (named pipe), not a regular file", ex!.Message, StringComparison.Ordinal);
        }
        finally
        {
            Release(fifo);
        }
    }

    [Theory]
    [MemberData(nameof(SmallFileReaders))]
    public void A_profile_or_exceptions_file_larger_than_any_real_one_is_refused_before_it_is_read(string reader)
    {
        if (reader == "baseline")
        {
            // A baseline may be a gigabyte; the limit is the same rule, tested on the reader itself below.
            return;
        }

        var path = Path.Combine(dir, "huge.yaml");
        using (var f = File.Create(path))
        {
            f.SetLength(InputFiles.MaxSmallFileBytes + 1);
        }

        var ex = Assert.IsType<InvalidDataException>(FailureWithin(20, () => ReadAs(reader, path)));
        Assert.Contains($"more than the {InputFiles.MaxSmallFileBytes:N0} it may have; it is not read", ex.Message, StringComparison.Ordinal);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_small_input_file_must_be_utf8_and_may_start_with_a_byte_order_mark()
    {
        var bad = Path.Combine(dir, "latin1.yaml");
        File.WriteAllBytes(bad, Encoding.Latin1.GetBytes("name: caf\u00e9\n"));
        var ex = Assert.Throws<InvalidDataException>(() => InputFiles.ReadAllText(bad, "The profile"));
        Assert.Equal($"The profile {bad} is not UTF-8 text.", ex.Message);

        var bom = Path.Combine(dir, "bom.yaml");
        File.WriteAllBytes(bom, Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("name: caf\u00e9\n")).ToArray());
        Assert.Equal("name: caf\u00e9\n", InputFiles.ReadAllText(bom, "The profile"));
        Assert.Throws<InvalidDataException>(() => InputFiles.ReadAllBytes(bom, "The profile", maxBytes: 4));
    }

    private static void MakeFifo(string path)
    {
        using var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", new[] { path }) { UseShellExecute = false })!;
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
    }

    /// <summary>Opens the FIFO for writing without blocking, so a reader a regression left waiting on it ends.</summary>
    private static void Release(string fifo)
    {
        try
        {
            using var shell = Process.Start(new ProcessStartInfo("sh", new[] { "-c", $"exec 3<>'{fifo}'; exec 3>&-" }) { UseShellExecute = false })!;
            shell.WaitForExit(5000);
        }
        catch (System.ComponentModel.Win32Exception)
        {
        }
    }
}
