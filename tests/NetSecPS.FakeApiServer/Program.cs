using System.Globalization;
using NetSecPS.FakeApiServer;

// dotnet run --project tests/NetSecPS.FakeApiServer -- --manifests <dir> --kubeconfig-out <file> [--port N] [options]
var manifests = new List<string>();
var install = new List<string>();
string? kubeconfigOut = null;
string? clientCertOut = null;
string? proxyOut = null;
string? proxyCredentials = null;
string? token = null;
var port = 0;
var nodes = 3;
var runningState = true;
var plainHttp = false;
var personality = ServerPersonality.Kubernetes;
var faults = new FaultPlan();
for (var i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--manifests": manifests.Add(Next()); break;
        case "--kubeconfig-out": kubeconfigOut = Next(); break;
        case "--client-cert-out": clientCertOut = Next(); break;
        case "--proxy-out": proxyOut = Next(); break;
        case "--proxy-credentials": proxyCredentials = Next(); break;
        case "--port": port = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--token": token = Next(); break;
        case "--nodes": nodes = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--no-running-state": runningState = false; break;
        case "--install-api": install.Add(Next()); break;
        case "--plain-http": plainHttp = true; break;
        case "--not-kubernetes":
            personality = Next() switch
            {
                "404" => ServerPersonality.NotFoundEverywhere,
                "html" => ServerPersonality.HtmlEverywhere,
                var v => throw new ArgumentException($"--not-kubernetes takes 404 or html, not {v}"),
            };
            break;
        case "--latency-ms": faults.Latency = TimeSpan.FromMilliseconds(int.Parse(Next(), CultureInfo.InvariantCulture)); break;
        case "--forbid": faults.Forbid(Next()); break;
        case "--throttle":
            {
                var p = Next().Split(':');
                faults.Throttle(p[0], int.Parse(p[1], CultureInfo.InvariantCulture), int.Parse(p[2], CultureInfo.InvariantCulture));
                break;
            }

        case "--fail":
            {
                var p = Next().Split(':');
                faults.FailWith500(p[0], int.Parse(p[1], CultureInfo.InvariantCulture));
                break;
            }

        case "--expire-continue":
            {
                var p = Next().Split(':');
                faults.ExpireContinue(p[0], int.Parse(p[1], CultureInfo.InvariantCulture));
                break;
            }

        case "-h" or "--help":
            Console.WriteLine("""
                NetSecPS fake Kubernetes API server
                  --manifests <path>         manifest file or folder (repeatable)
                  --kubeconfig-out <file>    write a kubeconfig (server, CA, token) for this server
                  --client-cert-out <dir>    write client.crt and client.key (user netsecps-auditor) signed by the client CA
                  --proxy-out <file>         start an HTTP CONNECT proxy (what kubectl's proxy-url talks to) and write its URL
                  --proxy-credentials <u:p>  the Basic credentials the proxy asks for (written into the URL as user info)
                  --port <n>                 port on 127.0.0.1 (default: a free one)
                  --token <t>                bearer token to accept (default: random)
                  --nodes <n>                nodes to create when the manifests have none (default 3)
                  --no-running-state         serve the manifests only: no pods, ReplicaSets, nodes
                  --install-api <g/v>        serve an API group version with no objects
                  --latency-ms <n>           delay every request
                  --forbid <resource>        403 for a resource (plural or group/plural)
                  --throttle <res>:<n>:<s>   n times 429 with Retry-After s
                  --fail <res>:<n>           n times 500
                  --expire-continue <res>:<n> n times 410 for a continue token
                  --plain-http               serve http:// instead of https:// (the kubeconfig still has the token)
                  --not-kubernetes <404|html> pose as a web server: 404 for every path, or an HTML page
                """);
            return 0;
        default:
            Console.Error.WriteLine($"unknown argument {args[i]} (--help lists them)");
            return 2;
    }
}

var server = await FakeApiServer.StartAsync(new FakeApiServerOptions
{
    ManifestPaths = manifests,
    Port = port,
    Token = token,
    Nodes = nodes,
    RunningState = runningState,
    InstallApis = install,
    Faults = faults,
    PlainHttp = plainHttp,
    Personality = personality,
});
if (clientCertOut is not null)
{
    // Before the kubeconfig: a watcher that sees the kubeconfig finds the certificate too.
    var (cert, key) = server.Pki.IssueClientCertificate("netsecps-auditor");
    Directory.CreateDirectory(clientCertOut);
    File.WriteAllText(Path.Combine(clientCertOut, "client.crt"), cert);
    File.WriteAllText(Path.Combine(clientCertOut, "client.key"), key);
}

FakeProxy? proxy = null;
if (proxyOut is not null)
{
    string? proxyUser = null, proxyPassword = null;
    if (proxyCredentials is not null)
    {
        var colon = proxyCredentials.IndexOf(':', StringComparison.Ordinal);
        (proxyUser, proxyPassword) = colon > 0 ? (proxyCredentials[..colon], proxyCredentials[(colon + 1)..]) : throw new ArgumentException("--proxy-credentials takes user:password");
    }

    proxy = FakeProxy.Start(proxyUser, proxyPassword);
    var proxyUrl = proxyUser is null ? proxy.Url : proxy.Url.Replace("http://", "http://" + Uri.EscapeDataString(proxyUser) + ":" + Uri.EscapeDataString(proxyPassword!) + "@", StringComparison.Ordinal);
    File.WriteAllText(proxyOut, proxyUrl);
}

if (kubeconfigOut is not null)
{
    // Written whole, then moved, so a watcher never reads half a kubeconfig.
    var tmp = kubeconfigOut + ".tmp";
    server.WriteKubeconfig(tmp);
    File.Move(tmp, kubeconfigOut, overwrite: true);
}

var counts = string.Join(", ", server.Cluster.Types.Select(t => (t.Plural, Count: server.Cluster.Objects(t).Count)).Where(x => x.Count > 0).Select(x => $"{x.Count} {x.Plural}"));
Console.WriteLine($"listening on {server.Url}");
Console.WriteLine($"serving {counts}");
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();
try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
    // Ctrl+C or SIGTERM: stop serving.
}

if (proxy is not null)
{
    Console.WriteLine($"proxy tunnels: {string.Join(", ", proxy.Tunnels)}");
    await proxy.DisposeAsync();
}

await server.DisposeAsync();
return 0;
