using System.Text;
using NetSecPS.Core.Sources.Live;

namespace NetSecPS.Live.Tests;

/// <summary>kubeconfig files read as kubectl reads them, and hostile ones refused quickly.</summary>
public sealed class KubeconfigTests : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), "netsecps-kubeconfig-" + Guid.NewGuid().ToString("N"));

    public KubeconfigTests() => Directory.CreateDirectory(dir);

    private string Write(string relative, string text)
    {
        var path = Path.Combine(dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Several_files_merge_with_the_first_definition_winning_and_paths_relative_to_the_file_that_holds_them()
    {
        var first = Write("a/config", """
            apiVersion: v1
            kind: Config
            clusters:
            - name: shared
              cluster: {server: "https://first.example:6443", certificate-authority: ca/first.crt}
            users:
            - name: me
              user: {tokenFile: tokens/me, as: auditor}
            contexts:
            - name: prod
              context: {cluster: shared, user: me, namespace: audit}
            """);
        var second = Write("b/config", """
            apiVersion: v1
            kind: Config
            current-context: prod
            clusters:
            - name: shared
              cluster: {server: "https://second.example:6443"}
            - name: other
              cluster: {server: "https://other.example", tls-server-name: api.other.example, proxy-url: "socks5://proxy:1080"}
            users:
            - name: exec-user
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1
                  command: ./bin/plugin
                  args: [get-token, "--cluster", "my cluster"]
                  env: [{name: AWS_PROFILE, value: prod}]
                  interactiveMode: Never
            contexts:
            - name: prod
              context: {cluster: other, user: exec-user}
            - name: Prod
              context: {cluster: other, user: exec-user}
            """);

        var config = Kubeconfig.Load(new[] { first, second });
        var (context, cluster, user) = config.Resolve(null);

        Assert.Equal("prod", config.CurrentContext);
        Assert.Equal("shared", context.Cluster);
        Assert.Equal("audit", context.Namespace);
        Assert.Equal("https://first.example:6443", cluster.Server);
        Assert.Equal(Path.Combine(dir, "a", "ca", "first.crt"), cluster.CertificateAuthority);
        Assert.Equal(Path.Combine(dir, "a", "tokens", "me"), user!.TokenFile);
        Assert.Equal("auditor", user.Impersonate);
        var other = config.Resolve("Prod");
        Assert.Equal("api.other.example", other.Cluster.TlsServerName);
        Assert.Equal("socks5://proxy:1080", other.Cluster.ProxyUrl);
        var exec = other.User!.Exec!;
        Assert.Equal(Path.Combine(dir, "b", "bin", "plugin"), exec.Command);
        Assert.Equal(new[] { "get-token", "--cluster", "my cluster" }, exec.Args);
        Assert.Equal(new KeyValuePair<string, string>("AWS_PROFILE", "prod"), Assert.Single(exec.Env));
        Assert.Equal("Never", exec.InteractiveMode);
        Assert.Equal("user 'exec-user'", other.User.ToString());
    }

    [Fact]
    public void A_kubeconfig_nested_a_hundred_thousand_levels_deep_is_refused_with_its_name()
    {
        var sb = new StringBuilder("apiVersion: v1\nkind: Config\npreferences: ");
        sb.Append('[', 100_000).Append(']', 100_000).Append('\n');
        var path = Write("deep", sb.ToString());

        var ex = Assert.Throws<InvalidDataException>(() => Kubeconfig.Load(new[] { path }));

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("nests more than 64 levels", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_kubeconfig_full_of_aliases_is_refused_and_never_expanded()
    {
        var sb = new StringBuilder("apiVersion: v1\nkind: Config\npreferences:\n  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (var i = 1; i < 12; i++)
        {
            sb.Append(System.Globalization.CultureInfo.InvariantCulture, $"  a{i}: &a{i} [");
            sb.Append(string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 200)));
            sb.Append("]\n");
        }

        var path = Write("laughs", sb.ToString());

        var ex = Assert.Throws<InvalidDataException>(() => Kubeconfig.Load(new[] { path }));

        Assert.Contains("more than 1000 YAML aliases", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_kubeconfig_that_is_not_valid_YAML_is_named_with_the_place_and_never_quoted()
    {
        var path = Write("broken", "apiVersion: v1\nusers:\n- name: me\n  user:\n    token: \"sk-secret-0099 unterminated\n    other: [\n");

        var ex = Assert.Throws<InvalidDataException>(() => Kubeconfig.Load(new[] { path }));

        Assert.StartsWith($"The kubeconfig {path} is not valid YAML (line ", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-secret-0099", ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Inline_data_that_is_not_base64_is_named_by_field_and_never_quoted()
    {
        var path = Write("b64", "apiVersion: v1\nusers:\n- name: me\n  user:\n    client-key-data: not*base64*private*key\n");

        var ex = Assert.Throws<InvalidDataException>(() => Kubeconfig.Load(new[] { path }));

        Assert.EndsWith("client-key-data of user 'me' is not base64.", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("private", ex.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }
}
