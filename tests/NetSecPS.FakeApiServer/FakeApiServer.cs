using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace NetSecPS.FakeApiServer;

/// <summary>
/// One request the server answered: who it authenticated (never the credential), whether an
/// Authorization header came at all, the Host header, and the Impersonate-User header.
/// </summary>
public sealed record RequestRecord(DateTimeOffset At, string Path, string Query, int Status)
{
    public string? User { get; init; }
    public string? Method { get; init; }
    public bool HadAuthorization { get; init; }
    public string? Host { get; init; }
    public string? ImpersonateUser { get; init; }
    public string? UserAgent { get; init; }
}

/// <summary>
/// A Kubernetes API server for tests: Kestrel on 127.0.0.1 with TLS from a private CA, bearer
/// token authentication, /version, discovery (/api, /apis and each group version), lists with
/// limit/continue and gets, namespaced and cluster-scoped, Status errors, and the faults of
/// <see cref="FaultPlan"/>. Serves the objects of a <see cref="FakeCluster"/>.
/// </summary>
public sealed class FakeApiServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly FakeCluster cluster;
    private readonly FakeApiServerOptions options;
    private readonly ConcurrentQueue<RequestRecord> requests = new();
    private int requestCount;

    private FakeApiServer(WebApplication app, FakeCluster cluster, FakeApiServerOptions options, FakePki pki, string token)
    {
        this.app = app;
        this.cluster = cluster;
        this.options = options;
        Pki = pki;
        Token = token;
        Auth = new FakeAuthenticator(pki.ClientCa).Accept(token);
    }

    public FakePki Pki { get; }
    /// <summary>The bearer token accepted from the start (as system:serviceaccount:netsecps:auditor).</summary>
    public string Token { get; }
    /// <summary>Which tokens and client certificates the server accepts; changeable while serving.</summary>
    public FakeAuthenticator Auth { get; }

    /// <summary>Called with the request's number (from 1) and path before it is authenticated: tests rotate or expire credentials here.</summary>
    public Action<int, string>? BeforeRequest { get; set; }
    public string Url { get; private set; } = string.Empty;
    public FakeCluster Cluster => cluster;
    public FaultPlan Faults => options.Faults;

    /// <summary>Every request answered so far, in order.</summary>
    public IReadOnlyList<RequestRecord> Requests => requests.ToArray();

    public static async Task<FakeApiServer> StartAsync(FakeApiServerOptions options, CancellationToken cancellationToken = default)
    {
        var cluster = new FakeCluster(options);
        var pki = FakePki.Create(serverNames: options.ServerNames);
        var token = options.Token ?? "fake-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IHostLifetime, QuietLifetime>();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestLineSize = 64 * 1024;
            k.Listen(IPAddress.Loopback, options.Port, listen =>
            {
                listen.Protocols = options.PlainHttp ? HttpProtocols.Http1 : HttpProtocols.Http1AndHttp2;
                if (!options.PlainHttp)
                {
                    // A client certificate is asked for but not required, as the API server does; the authenticator judges it.
                    listen.UseHttps(new Microsoft.AspNetCore.Server.Kestrel.Https.HttpsConnectionAdapterOptions
                    {
                        ServerCertificate = pki.ServerCertificate,
                        ClientCertificateMode = Microsoft.AspNetCore.Server.Kestrel.Https.ClientCertificateMode.AllowCertificate,
                        ClientCertificateValidation = (_, _, _) => true,
                    });
                }
            });
        });
        var app = builder.Build();
        var server = new FakeApiServer(app, cluster, options, pki, token);
        app.Run(server.HandleAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Url = (options.PlainHttp ? "http" : "https") + "://127.0.0.1:" + new Uri(address).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return server;
    }

    /// <summary>A kubeconfig for this server: its CA and token unless others are given (to test refusals).</summary>
    public string Kubeconfig(string? token = null, string? caPem = null) => FakePki.Kubeconfig(Url, caPem ?? Pki.CaPem, token ?? Token);

    public string WriteKubeconfig(string path, string? token = null, string? caPem = null)
    {
        File.WriteAllText(path, Kubeconfig(token, caPem));
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync().ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
        Pki.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        var status = 500;
        Identity? identity = null;
        try
        {
            BeforeRequest?.Invoke(Interlocked.Increment(ref requestCount), path);
            (status, identity) = await DispatchAsync(context, path).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            status = 499;
        }
        finally
        {
            requests.Enqueue(new RequestRecord(DateTimeOffset.UtcNow, path, context.Request.QueryString.Value ?? string.Empty, status)
            {
                User = identity?.User,
                Method = identity?.Method,
                HadAuthorization = context.Request.Headers.Authorization.Count > 0,
                Host = context.Request.Headers.Host.ToString(),
                ImpersonateUser = context.Request.Headers["Impersonate-User"].Count > 0 ? context.Request.Headers["Impersonate-User"].ToString() : null,
                UserAgent = context.Request.Headers.UserAgent.ToString(),
            });
        }
    }

    private async Task<(int, Identity?)> DispatchAsync(HttpContext context, string path)
    {
        switch (options.Personality)
        {
            case ServerPersonality.NotFoundEverywhere:
                context.Response.StatusCode = 404;
                context.Response.ContentType = "text/plain; charset=utf-8";
                await context.Response.WriteAsync("404 page not found\n").ConfigureAwait(false);
                return (404, null);
            case ServerPersonality.HtmlEverywhere:
                context.Response.ContentType = "text/html; charset=utf-8";
                await context.Response.WriteAsync("<!doctype html><html><head><title>Sign in</title></head><body><form>Sign in to continue</form></body></html>").ConfigureAwait(false);
                return (200, null);
            case ServerPersonality.VersionOnly when path.Trim('/') != "version":
                context.Response.StatusCode = 404;
                context.Response.ContentType = "text/plain; charset=utf-8";
                await context.Response.WriteAsync("404 page not found\n").ConfigureAwait(false);
                return (404, null);
        }

        var clientCertificate = context.Connection.ClientCertificate ?? await context.Connection.GetClientCertificateAsync(context.RequestAborted).ConfigureAwait(false);
        var identity = Auth.Authenticate(context.Request.Headers.Authorization.Count > 0 ? context.Request.Headers.Authorization.ToString() : null, clientCertificate);
        if (identity is null)
        {
            return (await StatusAsync(context, 401, "Unauthorized", "Unauthorized").ConfigureAwait(false), null);
        }

        return (await ServeAsync(context, path).ConfigureAwait(false), identity);
    }

    private async Task<int> ServeAsync(HttpContext context, string path)
    {

        if (options.Faults.Latency > TimeSpan.Zero)
        {
            await Task.Delay(options.Faults.Latency, context.RequestAborted).ConfigureAwait(false);
        }

        if (!HttpMethods.IsGet(context.Request.Method))
        {
            return await StatusAsync(context, 405, "MethodNotAllowed", $"the server does not allow this method on the requested resource ({context.Request.Method}); this API server is read-only").ConfigureAwait(false);
        }

        var s = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        switch (s)
        {
            case ["version"]:
                return await JsonAsync(context, w =>
                {
                    var minor = options.GitVersion.TrimStart('v').Split('.');
                    w.WriteString("major", minor[0]);
                    w.WriteString("minor", minor.Length > 1 ? minor[1] : "0");
                    w.WriteString("gitVersion", options.GitVersion);
                    w.WriteString("gitCommit", "0000000000000000000000000000000000000000");
                    w.WriteString("gitTreeState", "clean");
                    w.WriteString("buildDate", "2025-01-01T00:00:00Z");
                    w.WriteString("goVersion", "go1.22.8");
                    w.WriteString("compiler", "gc");
                    w.WriteString("platform", "linux/amd64");
                }).ConfigureAwait(false);
            case ["healthz"] or ["readyz"] or ["livez"]:
                context.Response.ContentType = "text/plain";
                await context.Response.WriteAsync("ok").ConfigureAwait(false);
                return 200;
            case ["api"]:
                return await JsonAsync(context, w =>
                {
                    w.WriteString("kind", "APIVersions");
                    w.WriteStartArray("versions");
                    w.WriteStringValue("v1");
                    w.WriteEndArray();
                    w.WriteStartArray("serverAddressByClientCIDRs");
                    w.WriteStartObject();
                    w.WriteString("clientCIDR", "0.0.0.0/0");
                    w.WriteString("serverAddress", new Uri(Url).Authority);
                    w.WriteEndObject();
                    w.WriteEndArray();
                }).ConfigureAwait(false);
            case ["apis"]:
                return await JsonAsync(context, w =>
                {
                    w.WriteString("kind", "APIGroupList");
                    w.WriteString("apiVersion", "v1");
                    w.WriteStartArray("groups");
                    foreach (var g in Groups())
                    {
                        WriteGroup(w, g.Key, g.Value);
                    }

                    w.WriteEndArray();
                }).ConfigureAwait(false);
            case ["apis", var group]:
                var versions = Groups().GetValueOrDefault(group);
                if (versions is null)
                {
                    return await NotFoundAsync(context).ConfigureAwait(false);
                }

                return await JsonAsync(context, w =>
                {
                    w.WriteString("kind", "APIGroup");
                    w.WriteString("apiVersion", "v1");
                    WriteGroupBody(w, group, versions);
                }).ConfigureAwait(false);
            case ["api", "v1"]:
                return await ResourceListAsync(context, string.Empty, "v1").ConfigureAwait(false);
            case ["apis", var group, var version]:
                return await ResourceListAsync(context, group, version).ConfigureAwait(false);
            case ["api", "v1", .. var rest]:
                return await ResourceAsync(context, string.Empty, "v1", rest).ConfigureAwait(false);
            case ["apis", var group, var version, .. var rest]:
                return await ResourceAsync(context, group, version, rest).ConfigureAwait(false);
            default:
                return await NotFoundAsync(context).ConfigureAwait(false);
        }
    }

    /// <summary>Served groups (core excluded) with their versions, newest-looking first (v1 before v1beta1 before v1alpha1).</summary>
    private SortedDictionary<string, List<string>> Groups()
    {
        var result = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var g in cluster.Types.Where(t => t.Group.Length > 0).GroupBy(t => t.Group))
        {
            result[g.Key] = g.Select(t => t.Version).Distinct(StringComparer.Ordinal).OrderBy(VersionRank).ThenBy(v => v, StringComparer.Ordinal).ToList();
        }

        return result;
    }

    private static int VersionRank(string v) => v.Contains("alpha", StringComparison.Ordinal) ? 2 : v.Contains("beta", StringComparison.Ordinal) ? 1 : 0;

    private static void WriteGroup(Utf8JsonWriter w, string group, List<string> versions)
    {
        w.WriteStartObject();
        WriteGroupBody(w, group, versions);
        w.WriteEndObject();
    }

    private static void WriteGroupBody(Utf8JsonWriter w, string group, List<string> versions)
    {
        w.WriteString("name", group);
        w.WriteStartArray("versions");
        foreach (var v in versions)
        {
            w.WriteStartObject();
            w.WriteString("groupVersion", group + "/" + v);
            w.WriteString("version", v);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartObject("preferredVersion");
        w.WriteString("groupVersion", group + "/" + versions[0]);
        w.WriteString("version", versions[0]);
        w.WriteEndObject();
    }

    private Task<int> ResourceListAsync(HttpContext context, string group, string version)
    {
        var types = cluster.Types.Where(t => t.Group == group && t.Version == version).OrderBy(t => t.Plural, StringComparer.Ordinal).ToList();
        if (types.Count == 0)
        {
            return NotFoundAsync(context);
        }

        return JsonAsync(context, w =>
        {
            w.WriteString("kind", "APIResourceList");
            w.WriteString("apiVersion", "v1");
            w.WriteString("groupVersion", group.Length == 0 ? version : group + "/" + version);
            w.WriteStartArray("resources");
            foreach (var t in types)
            {
                w.WriteStartObject();
                w.WriteString("name", t.Plural);
                w.WriteString("singularName", t.Singular);
                w.WriteBoolean("namespaced", t.Namespaced);
                w.WriteString("kind", t.Kind);
                w.WriteStartArray("verbs");
                foreach (var verb in new[] { "get", "list" })
                {
                    w.WriteStringValue(verb);
                }

                w.WriteEndArray();
                if (t.ShortNames.Length > 0)
                {
                    w.WriteStartArray("shortNames");
                    foreach (var sn in t.ShortNames)
                    {
                        w.WriteStringValue(sn);
                    }

                    w.WriteEndArray();
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
        });
    }

    private async Task<int> ResourceAsync(HttpContext context, string group, string version, string[] rest)
    {
        string? ns = null;
        string plural;
        string? name = null;
        switch (rest)
        {
            case ["namespaces", var n, var p]:
                ns = n;
                plural = p;
                break;
            case ["namespaces", var n, var p, var nm]:
                ns = n;
                plural = p;
                name = nm;
                break;
            case [var p]:
                plural = p;
                break;
            case [var p, var nm]:
                plural = p;
                name = nm;
                break;
            default:
                return await NotFoundAsync(context).ConfigureAwait(false);
        }

        var type = cluster.Find(group, version, plural);
        if (type is null || (ns is not null && !type.Namespaced) || (ns is null && name is not null && type.Namespaced))
        {
            return await NotFoundAsync(context).ConfigureAwait(false);
        }

        var faults = options.Faults;
        var resourceLabel = type.Group.Length == 0 ? type.Plural : type.Plural + "." + type.Group;
        if (faults.ForbiddenUser(type) is { } user)
        {
            var verb = name is null ? "list" : "get";
            var scope = ns is null ? "at the cluster scope" : $"in the namespace \"{ns}\"";
            return await StatusAsync(context, 403, "Forbidden",
                $"{resourceLabel} is forbidden: User \"{user}\" cannot {verb} resource \"{type.Plural}\" in API group \"{type.Group}\" {scope}",
                type).ConfigureAwait(false);
        }

        if (faults.IsHanging(type))
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ConfigureAwait(false);
        }

        if (faults.TakeThrottle(type) is { } retryAfter)
        {
            context.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return await StatusAsync(context, 429, "TooManyRequests", "Too many requests, please try again later.", type).ConfigureAwait(false);
        }

        if (faults.TakeServerError(type))
        {
            return await StatusAsync(context, 500, "InternalError", "Internal error occurred: etcdserver: request timed out", type).ConfigureAwait(false);
        }

        if (name is not null)
        {
            var obj = cluster.Objects(type).FirstOrDefault(o => o.Namespace == ns && o.Name == name);
            if (obj is null)
            {
                return await StatusAsync(context, 404, "NotFound", $"{resourceLabel} \"{name}\" not found", type, name).ConfigureAwait(false);
            }

            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(obj.Json, context.RequestAborted).ConfigureAwait(false);
            return 200;
        }

        return await ListAsync(context, type, ns).ConfigureAwait(false);
    }

    private async Task<int> ListAsync(HttpContext context, ResourceType type, string? ns)
    {
        var query = context.Request.Query;
        var limit = int.TryParse(query["limit"], out var l) && l > 0 ? l : 0;
        var start = 0;
        var continueToken = query["continue"].ToString();
        if (continueToken.Length > 0)
        {
            if (options.Faults.TakeExpiredContinue(type))
            {
                return await StatusAsync(context, 410, "Expired",
                    "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.", type).ConfigureAwait(false);
            }

            if (ContinueToken.Decode(continueToken) is not { } decoded)
            {
                return await StatusAsync(context, 400, "BadRequest", "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)", type).ConfigureAwait(false);
            }

            start = decoded;
        }

        var all = cluster.Objects(type);
        if (ns is not null)
        {
            all = all.Where(o => o.Namespace == ns).ToList();
        }

        var end = limit > 0 ? Math.Min(all.Count, start + limit) : all.Count;
        context.Response.ContentType = "application/json";
        context.Response.StatusCode = 200;
        var writer = context.Response.BodyWriter;
        using (var w = new Utf8JsonWriter(writer))
        {
            w.WriteStartObject();
            w.WriteString("kind", type.ListKind);
            w.WriteString("apiVersion", type.GroupVersion);
            w.WriteStartObject("metadata");
            w.WriteString("resourceVersion", cluster.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (end < all.Count)
            {
                w.WriteString("continue", ContinueToken.Encode(cluster.ResourceVersion, end));
                w.WriteNumber("remainingItemCount", all.Count - end);
            }

            w.WriteEndObject();
            w.WriteStartArray("items");
            for (var i = start; i < end; i++)
            {
                w.WriteRawValue(all[i].ListItemJson, skipInputValidation: true);
                if ((i - start) % 200 == 199)
                {
                    await w.FlushAsync(context.RequestAborted).ConfigureAwait(false);
                    await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
                }
            }

            w.WriteEndArray();
            w.WriteEndObject();
            await w.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        }

        await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        return 200;
    }

    private Task<int> NotFoundAsync(HttpContext context) => StatusAsync(context, 404, "NotFound", "the server could not find the requested resource");

    private static async Task<int> StatusAsync(HttpContext context, int code, string reason, string message, ResourceType? type = null, string? name = null)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("kind", "Status");
            w.WriteString("apiVersion", "v1");
            w.WriteStartObject("metadata");
            w.WriteEndObject();
            w.WriteString("status", "Failure");
            w.WriteString("message", message);
            w.WriteString("reason", reason);
            if (type is not null)
            {
                w.WriteStartObject("details");
                if (name is not null)
                {
                    w.WriteString("name", name);
                }

                w.WriteString("group", type.Group);
                w.WriteString("kind", type.Plural);
                w.WriteEndObject();
            }

            w.WriteNumber("code", code);
            w.WriteEndObject();
        }

        await context.Response.Body.WriteAsync(buffer.ToArray(), context.RequestAborted).ConfigureAwait(false);
        return code;
    }

    private static async Task<int> JsonAsync(HttpContext context, Action<Utf8JsonWriter> body)
    {
        context.Response.ContentType = "application/json";
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }

        await context.Response.Body.WriteAsync(buffer.ToArray(), context.RequestAborted).ConfigureAwait(false);
        return 200;
    }

    /// <summary>Continue tokens shaped like the API server's: base64 of the resourceVersion and where the next page starts.</summary>
    private static class ContinueToken
    {
        public static string Encode(int resourceVersion, int start) =>
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{{\"v\":\"meta.k8s.io/v1\",\"rv\":{resourceVersion},\"start\":{start}}}"));

        public static int? Decode(string token)
        {
            try
            {
                using var doc = JsonDocument.Parse(Convert.FromBase64String(token));
                return doc.RootElement.GetProperty("start").GetInt32();
            }
            catch (Exception ex) when (ex is FormatException or JsonException or KeyNotFoundException or InvalidOperationException)
            {
                return null;
            }
        }
    }

    /// <summary>In tests the host owns no console: Ctrl+C belongs to the test runner.</summary>
    private sealed class QuietLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
