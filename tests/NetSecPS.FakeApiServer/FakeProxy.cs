using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace NetSecPS.FakeApiServer;

/// <summary>
/// An HTTP proxy that tunnels CONNECT requests, what kubectl's proxy-url (http://) talks to.
/// Records every tunnel target; asks for Basic proxy credentials when it has some (407 first,
/// as real proxies do). TLS passes through untouched: the proxy never sees the bearer token.
/// </summary>
public sealed class FakeProxy : IAsyncDisposable
{
    private readonly TcpListener listener;
    private readonly CancellationTokenSource stop = new();
    private readonly ConcurrentQueue<string> tunnels = new();
    private readonly string? expectedAuthorization;
    private readonly Task loop;

    private FakeProxy(string? user, string? password)
    {
        listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        expectedAuthorization = user is null ? null : "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password));
        loop = AcceptAsync();
    }

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;
    public string Url => "http://127.0.0.1:" + Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
    /// <summary>host:port of every tunnel opened.</summary>
    public IReadOnlyList<string> Tunnels => tunnels.ToArray();

    public static FakeProxy Start(string? user = null, string? password = null) => new(user, password);

    private async Task AcceptAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(client));
        }
    }

    private async Task HandleAsync(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            var head = await ReadHeadAsync(stream).ConfigureAwait(false);
            if (head is null)
            {
                return;
            }

            var lines = head.Split("\r\n");
            var request = lines[0].Split(' ');
            if (request.Length < 2 || request[0] != "CONNECT")
            {
                await WriteAsync(stream, "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n").ConfigureAwait(false);
                return;
            }

            if (expectedAuthorization is not null &&
                !lines.Any(l => l.StartsWith("Proxy-Authorization:", StringComparison.OrdinalIgnoreCase) && l["Proxy-Authorization:".Length..].Trim() == expectedAuthorization))
            {
                await WriteAsync(stream, "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"fake\"\r\nContent-Length: 0\r\n\r\n").ConfigureAwait(false);
                return;
            }

            var target = request[1];
            var colon = target.LastIndexOf(':');
            using var upstream = new TcpClient();
            try
            {
                await upstream.ConnectAsync(target[..colon].Trim('[', ']'), int.Parse(target[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture), stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException or FormatException or OperationCanceledException)
            {
                await WriteAsync(stream, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n").ConfigureAwait(false);
                return;
            }

            tunnels.Enqueue(target);
            await WriteAsync(stream, "HTTP/1.1 200 Connection established\r\n\r\n").ConfigureAwait(false);
            var up = upstream.GetStream();
            using var done = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
            var a = stream.CopyToAsync(up, done.Token);
            var b = up.CopyToAsync(stream, done.Token);
            try
            {
                await Task.WhenAny(a, b).ConfigureAwait(false);
            }
            finally
            {
                await done.CancelAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task<string?> ReadHeadAsync(NetworkStream stream)
    {
        var buffer = new List<byte>();
        var one = new byte[1];
        while (buffer.Count < 16 * 1024)
        {
            if (await stream.ReadAsync(one).ConfigureAwait(false) == 0)
            {
                return null;
            }

            buffer.Add(one[0]);
            var n = buffer.Count;
            if (n >= 4 && buffer[n - 4] == '\r' && buffer[n - 3] == '\n' && buffer[n - 2] == '\r' && buffer[n - 1] == '\n')
            {
                return Encoding.ASCII.GetString(buffer.ToArray(), 0, n - 4);
            }
        }

        return null;
    }

    private static Task WriteAsync(NetworkStream stream, string text) => stream.WriteAsync(Encoding.ASCII.GetBytes(text)).AsTask();

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync().ConfigureAwait(false);
        listener.Stop();
        try
        {
            await loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        stop.Dispose();
    }
}
