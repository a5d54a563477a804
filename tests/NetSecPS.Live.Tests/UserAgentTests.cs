using System.Xml.Linq;

namespace NetSecPS.Live.Tests;

public sealed class UserAgentTests
{
    [Fact]
    public async Task Every_request_names_NetSecPS_and_the_version_of_Directory_Build_props()
    {
        var version = XDocument.Load(Path.Combine(TestPaths.RepoRoot, "Directory.Build.props")).Descendants("Version").Single().Value;
        await using var h = await LiveHarness.StartAsync();

        var data = await h.CollectAsync();

        Assert.Equal(version, data.Provenance.ToolVersion);
        Assert.NotEmpty(h.Server.Requests);
        Assert.All(h.Server.Requests, r => Assert.Equal($"NetSecPS/{version}", r.UserAgent));
    }
}
