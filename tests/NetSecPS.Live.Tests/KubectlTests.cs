using System.Diagnostics;
using System.Text.Json.Nodes;

namespace NetSecPS.Live.Tests;

/// <summary>A fact that runs only where kubectl is on PATH.</summary>
public sealed class KubectlFactAttribute : FactAttribute
{
    public KubectlFactAttribute()
    {
        if (Kubectl.Path is null)
        {
            Skip = "kubectl is not on PATH";
        }
    }
}

internal static class Kubectl
{
    public static string? Path { get; } = Find();

    private static string? Find()
    {
        var names = OperatingSystem.IsWindows() ? new[] { "kubectl.exe" } : new[] { "kubectl" };
        return (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .SelectMany(d => names.Select(n => System.IO.Path.Combine(d, n)))
            .FirstOrDefault(File.Exists);
    }

    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string kubeconfig, string cacheDir, params string[] args)
    {
        var psi = new ProcessStartInfo(Path!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--kubeconfig", kubeconfig, "--cache-dir", cacheDir, "--request-timeout", "30s" }.Concat(args))
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await p.WaitForExitAsync(cts.Token);
        return (p.ExitCode, await stdout, await stderr);
    }
}

/// <summary>kubectl, a real client, against the fake server: the protocol the fake speaks is the real one.</summary>
public sealed class KubectlTests
{
    [KubectlFact]
    public async Task Kubectl_lists_the_pods_of_every_namespace_that_NetSecPS_reads()
    {
        await using var h = await LiveHarness.StartAsync();

        var (exit, stdout, stderr) = await Kubectl.RunAsync(h.KubeconfigPath, Path.Combine(h.Directory, "kube-cache"), "get", "pods", "-A", "-o", "json");

        Assert.True(exit == 0, stderr);
        var list = JsonNode.Parse(stdout)!;
        var items = list["items"]!.AsArray();
        Assert.All(items, i => Assert.Equal("Pod", (string?)i!["kind"]));
        var kubectlPods = items.Select(i => $"{i!["metadata"]!["namespace"]}/{i["metadata"]!["name"]}").Order(StringComparer.Ordinal).ToList();
        var data = await h.CollectAsync();
        var netsecPods = data.OfKind("Pod").Select(p => $"{p.Namespace}/{p.Name}").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(10, kubectlPods.Count);
        Assert.Equal(netsecPods, kubectlPods);
        Assert.Contains(h.Server.Requests, r => r.Path == "/api/v1/pods" && r.Query.Contains("limit=500", StringComparison.Ordinal));
    }

    [KubectlFact]
    public async Task Kubectl_lists_one_namespaces_network_policies_and_gets_one_by_name()
    {
        await using var h = await LiveHarness.StartAsync();
        var cache = Path.Combine(h.Directory, "kube-cache");

        var list = await Kubectl.RunAsync(h.KubeconfigPath, cache, "get", "networkpolicies", "-n", "payments", "-o", "json");
        var one = await Kubectl.RunAsync(h.KubeconfigPath, cache, "get", "netpol", "billing-from-cart", "-n", "payments", "-o", "json");
        var anp = await Kubectl.RunAsync(h.KubeconfigPath, cache, "get", "adminnetworkpolicies", "-o", "json");

        Assert.True(list.ExitCode == 0, list.Stderr);
        Assert.Equal(new[] { "billing-from-cart", "default-deny" },
            JsonNode.Parse(list.Stdout)!["items"]!.AsArray().Select(i => (string?)i!["metadata"]!["name"]));
        Assert.True(one.ExitCode == 0, one.Stderr);
        Assert.Equal("shop", (string?)JsonNode.Parse(one.Stdout)!["spec"]!["ingress"]![0]!["from"]![0]!["namespaceSelector"]!["matchLabels"]!["kubernetes.io/metadata.name"]);
        Assert.True(anp.ExitCode == 0, anp.Stderr);
        Assert.Equal("pci-isolation", (string?)JsonNode.Parse(anp.Stdout)!["items"]![0]!["metadata"]!["name"]);
        Assert.Contains(h.Server.Requests, r => r.Path == "/apis/networking.k8s.io/v1/namespaces/payments/networkpolicies");
    }

    [KubectlFact]
    public async Task Kubectl_refuses_the_server_when_the_kubeconfig_trusts_another_CA()
    {
        await using var h = await LiveHarness.StartAsync();
        using var other = NetSecPS.FakeApiServer.FakePki.Create("impostor");
        var kubeconfig = h.WriteKubeconfig("wrong-ca", caPem: other.CaPem);

        var (exit, _, stderr) = await Kubectl.RunAsync(kubeconfig, Path.Combine(h.Directory, "kube-cache"), "get", "pods", "-A", "-o", "json");

        Assert.NotEqual(0, exit);
        Assert.Contains("certificate", stderr, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(h.Server.Requests);
    }

    [KubectlFact]
    public async Task Kubectl_follows_continue_tokens_over_many_pages()
    {
        await using var h = await LiveHarness.StartAsync("large");

        var (exit, stdout, stderr) = await Kubectl.RunAsync(h.KubeconfigPath, Path.Combine(h.Directory, "kube-cache"), "get", "pods", "-n", "catalog", "--chunk-size", "50", "-o", "json");

        Assert.True(exit == 0, stderr);
        Assert.Equal(240, JsonNode.Parse(stdout)!["items"]!.AsArray().Count);
        Assert.Equal(5, h.RequestsTo("/api/v1/namespaces/catalog/pods").Count());
    }
}
