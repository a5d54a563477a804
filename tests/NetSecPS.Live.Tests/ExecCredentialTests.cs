namespace NetSecPS.Live.Tests;

/// <summary>A fact that needs a POSIX shell (the credential plugin below is a shell script).</summary>
public sealed class PosixFactAttribute : FactAttribute
{
    public PosixFactAttribute()
    {
        if (OperatingSystem.IsWindows())
        {
            Skip = "the credential plugin is a POSIX shell script";
        }
    }
}

public sealed class ExecCredentialTests
{
    [PosixFact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task An_exec_credential_plugin_supplies_the_token_and_the_token_is_never_shown()
    {
        await using var h = await LiveHarness.StartAsync();
        var plugin = Path.Combine(h.Directory, "credential-plugin.sh");
        await File.WriteAllTextAsync(plugin,
            "#!/bin/sh\nprintf '%s' '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"" + h.Server.Token + "\"}}'\n");
        File.SetUnixFileMode(plugin, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var exec = string.Join("\n",
            "    exec:",
            "      apiVersion: client.authentication.k8s.io/v1",
            "      command: " + plugin,
            "      interactiveMode: Never");
        var kubeconfig = File.ReadAllText(h.KubeconfigPath).Replace("    token: " + h.Server.Token, exec, StringComparison.Ordinal);
        Assert.DoesNotContain("token: ", kubeconfig, StringComparison.Ordinal);
        var path = Path.Combine(h.Directory, "exec-kubeconfig");
        await File.WriteAllTextAsync(path, kubeconfig);

        var data = await h.CollectAsync(o => o with { Kubeconfig = path });

        Assert.Equal(10, data.OfKind("Pod").Count());
        Assert.DoesNotContain(h.Server.Requests, r => r.Status == 401);
        Assert.DoesNotContain(h.Server.Token, h.AllMessages(), StringComparison.Ordinal);
    }
}
