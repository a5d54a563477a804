using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace NetSecPS.Core.Sources.Live;

/// <summary>A cluster entry of a kubeconfig (clientcmd v1 <c>Cluster</c>); relative paths already resolved against the file that holds them.</summary>
internal sealed record KubeconfigCluster(string Name)
{
    public string? Server { get; init; }
    public string? CertificateAuthority { get; init; }
    public byte[]? CertificateAuthorityData { get; init; }
    public bool InsecureSkipTlsVerify { get; init; }
    public string? TlsServerName { get; init; }
    public string? ProxyUrl { get; init; }
}

/// <summary>An exec credential plugin of a kubeconfig user (clientcmd v1 <c>ExecConfig</c>).</summary>
internal sealed record KubeconfigExec(string Command)
{
    public IReadOnlyList<string> Args { get; init; } = Array.Empty<string>();
    public IReadOnlyList<KeyValuePair<string, string>> Env { get; init; } = Array.Empty<KeyValuePair<string, string>>();
    public string? ApiVersion { get; init; }
    public string? InstallHint { get; init; }
    public bool ProvideClusterInfo { get; init; }
    /// <summary>Never, IfAvailable or Always; null when the kubeconfig does not say.</summary>
    public string? InteractiveMode { get; init; }
}

/// <summary>A user entry of a kubeconfig (clientcmd v1 <c>AuthInfo</c>). Holds credentials: never print it.</summary>
internal sealed record KubeconfigUser(string Name)
{
    public string? Token { get; init; }
    public string? TokenFile { get; init; }
    public string? ClientCertificate { get; init; }
    public byte[]? ClientCertificateData { get; init; }
    public string? ClientKey { get; init; }
    public byte[]? ClientKeyData { get; init; }
    public string? Username { get; init; }
    public string? Password { get; init; }
    public string? AuthProvider { get; init; }
    public KubeconfigExec? Exec { get; init; }
    public string? Impersonate { get; init; }
    public string? ImpersonateUid { get; init; }
    public IReadOnlyList<string> ImpersonateGroups { get; init; } = Array.Empty<string>();
    public IReadOnlyList<KeyValuePair<string, IReadOnlyList<string>>> ImpersonateExtra { get; init; } = Array.Empty<KeyValuePair<string, IReadOnlyList<string>>>();

    /// <summary>Names only: a user record must never reach a message with its secrets.</summary>
    public override string ToString() => $"user '{Name}'";
}

internal sealed record KubeconfigContext(string Name, string? Cluster, string? User, string? Namespace);

/// <summary>
/// kubeconfig files read the way kubectl (client-go clientcmd) reads them: several files merged
/// with the first definition of each named cluster, user and context winning, the first
/// current-context winning, names matched exactly, and relative paths (certificate-authority,
/// client-certificate, client-key, tokenFile, and an exec command that contains a path
/// separator) resolved against the directory of the file that holds them. KubernetesClient's
/// own loader matches names case-insensitively and drops tokenFile, proxy-url, interactiveMode
/// and as-uid, so NetSecPS reads the files itself. Only scalars the schema names are read;
/// YAML aliases are followed as references, never expanded, and the file size is bounded.
/// </summary>
internal sealed class Kubeconfig
{
    /// <summary>No real kubeconfig comes near this; a bigger file is refused rather than parsed.</summary>
    public const long MaxFileBytes = 16L * 1024 * 1024;

    private Kubeconfig(IReadOnlyList<string> files)
    {
        Files = files;
    }

    public IReadOnlyList<string> Files { get; }
    public string? CurrentContext { get; private set; }
    public Dictionary<string, KubeconfigCluster> Clusters { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, KubeconfigUser> Users { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, KubeconfigContext> Contexts { get; } = new(StringComparer.Ordinal);

    /// <summary>Reads and merges <paramref name="files"/> in order (the first definition of a name wins).</summary>
    public static Kubeconfig Load(IReadOnlyList<string> files)
    {
        var config = new Kubeconfig(files.Select(Path.GetFullPath).ToList());
        foreach (var file in config.Files)
        {
            config.Merge(file, Parse(file));
        }

        return config;
    }

    /// <summary>The context <paramref name="name"/> (or the current one) with its cluster and user, checked the way kubectl checks them.</summary>
    public (KubeconfigContext Context, KubeconfigCluster Cluster, KubeconfigUser? User) Resolve(string? name)
    {
        var contextName = name ?? CurrentContext;
        if (string.IsNullOrEmpty(contextName))
        {
            throw new InvalidOperationException($"The kubeconfig {string.Join(", ", Files)} has no current context; use -Context.");
        }

        if (!Contexts.TryGetValue(contextName, out var context))
        {
            throw new InvalidOperationException($"The kubeconfig has no context '{contextName}'. Contexts: {string.Join(", ", Contexts.Keys.Order(StringComparer.Ordinal))}.");
        }

        if (string.IsNullOrEmpty(context.Cluster) || !Clusters.TryGetValue(context.Cluster, out var cluster))
        {
            throw new InvalidOperationException($"The context '{contextName}' names the cluster '{context.Cluster}', which the kubeconfig does not define.");
        }

        if (string.IsNullOrWhiteSpace(cluster.Server))
        {
            throw new InvalidOperationException($"The cluster '{cluster.Name}' of context '{contextName}' has no server.");
        }

        KubeconfigUser? user = null;
        if (!string.IsNullOrEmpty(context.User) && !Users.TryGetValue(context.User, out user))
        {
            throw new InvalidOperationException($"The context '{contextName}' names the user '{context.User}', which the kubeconfig does not define.");
        }

        return (context, cluster, user);
    }

    private void Merge(string file, YamlMappingNode? root)
    {
        if (root is null)
        {
            return;
        }

        var dir = Path.GetDirectoryName(file) ?? ".";
        if (CurrentContext is null && Scalar(root, "current-context", file) is { Length: > 0 } current)
        {
            CurrentContext = current;
        }

        foreach (var (name, body) in NamedEntries(root, "clusters", "cluster", file))
        {
            if (!Clusters.ContainsKey(name))
            {
                Clusters[name] = ReadCluster(name, body, dir, file);
            }
        }

        foreach (var (name, body) in NamedEntries(root, "users", "user", file))
        {
            if (!Users.ContainsKey(name))
            {
                Users[name] = ReadUser(name, body, dir, file);
            }
        }

        foreach (var (name, body) in NamedEntries(root, "contexts", "context", file))
        {
            if (!Contexts.ContainsKey(name))
            {
                Contexts[name] = new KubeconfigContext(name, Scalar(body, "cluster", file), Scalar(body, "user", file), Scalar(body, "namespace", file));
            }
        }
    }

    private static KubeconfigCluster ReadCluster(string name, YamlMappingNode body, string dir, string file) => new(name)
    {
        Server = Scalar(body, "server", file),
        CertificateAuthority = FilePath(Scalar(body, "certificate-authority", file), dir),
        CertificateAuthorityData = Base64(body, "certificate-authority-data", $"cluster '{name}'", file),
        InsecureSkipTlsVerify = Bool(body, "insecure-skip-tls-verify", file),
        TlsServerName = Scalar(body, "tls-server-name", file),
        ProxyUrl = Scalar(body, "proxy-url", file),
    };

    private static KubeconfigUser ReadUser(string name, YamlMappingNode body, string dir, string file)
    {
        KubeconfigExec? exec = null;
        if (Child(body, "exec") is YamlMappingNode e)
        {
            var command = Scalar(e, "command", file);
            if (string.IsNullOrWhiteSpace(command))
            {
                throw new InvalidDataException($"The kubeconfig {file}: the exec plugin of user '{name}' has no command.");
            }

            // kubectl resolves a command with a path separator against the kubeconfig's folder; a bare name is looked up on PATH.
            if (command.Contains('/', StringComparison.Ordinal) || (OperatingSystem.IsWindows() && command.Contains('\\', StringComparison.Ordinal)))
            {
                command = FilePath(command, dir)!;
            }

            exec = new KubeconfigExec(command)
            {
                Args = Strings(e, "args", file),
                Env = EnvEntries(e, name, file),
                ApiVersion = Scalar(e, "apiVersion", file),
                InstallHint = Scalar(e, "installHint", file),
                ProvideClusterInfo = Bool(e, "provideClusterInfo", file),
                InteractiveMode = Scalar(e, "interactiveMode", file),
            };
        }

        var extra = new List<KeyValuePair<string, IReadOnlyList<string>>>();
        if (Child(body, "as-user-extra") is YamlMappingNode extras)
        {
            foreach (var (k, v) in extras.Children)
            {
                var values = v is YamlSequenceNode seq ? seq.Children.OfType<YamlScalarNode>().Select(s => s.Value ?? string.Empty).ToList()
                    : v is YamlScalarNode s1 ? new List<string> { s1.Value ?? string.Empty } : new List<string>();
                extra.Add(new(((YamlScalarNode)k).Value ?? string.Empty, values));
            }
        }

        return new KubeconfigUser(name)
        {
            Token = Scalar(body, "token", file),
            TokenFile = FilePath(Scalar(body, "tokenFile", file), dir),
            ClientCertificate = FilePath(Scalar(body, "client-certificate", file), dir),
            ClientCertificateData = Base64(body, "client-certificate-data", $"user '{name}'", file),
            ClientKey = FilePath(Scalar(body, "client-key", file), dir),
            ClientKeyData = Base64(body, "client-key-data", $"user '{name}'", file),
            Username = Scalar(body, "username", file),
            Password = Scalar(body, "password", file),
            AuthProvider = Child(body, "auth-provider") is YamlMappingNode ap ? Scalar(ap, "name", file) ?? "(unnamed)" : null,
            Exec = exec,
            Impersonate = Scalar(body, "as", file),
            ImpersonateUid = Scalar(body, "as-uid", file),
            ImpersonateGroups = Strings(body, "as-groups", file),
            ImpersonateExtra = extra,
        };
    }

    private static YamlMappingNode? Parse(string file)
    {
        if (InputFiles.KindOf(file) == InputFileKind.Missing)
        {
            throw new FileNotFoundException($"The kubeconfig {file} does not exist.", file);
        }

        // One read for both passes: a regular file only, within the size limit, strict UTF-8.
        var text = InputFiles.ReadAllText(file, "The kubeconfig", MaxFileBytes);
        try
        {
            CheckShape(text, file);
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
            {
                return null;
            }

            return stream.Documents[0].RootNode as YamlMappingNode
                ?? throw new InvalidDataException($"The kubeconfig {file} is not a kubeconfig (its top level is not a mapping).");
        }
        catch (YamlException ex)
        {
            // The parser's own message can quote the offending text, which may be a credential: only the place is given.
            throw new InvalidDataException($"The kubeconfig {file} is not valid YAML (line {ex.Start.Line}, column {ex.Start.Column}).");
        }
    }

    /// <summary>
    /// A kubeconfig is a few levels deep. The tree reader recurses per level, so a hostile file
    /// nested thousands of levels deep is refused from the event stream before it is built, and
    /// so is one with an absurd number of aliases (they are references, but nobody needs them).
    /// </summary>
    private static void CheckShape(string text, string file)
    {
        const int maxDepth = 64;
        const int maxAliases = 1000;
        var parser = new Parser(new StringReader(text));
        var depth = 0;
        var aliases = 0;
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case YamlDotNet.Core.Events.MappingStart or YamlDotNet.Core.Events.SequenceStart when ++depth > maxDepth:
                    throw new InvalidDataException($"The kubeconfig {file} nests more than {maxDepth} levels deep (line {parser.Current.Start.Line}); a kubeconfig never does, so it is not read.");
                case YamlDotNet.Core.Events.MappingEnd or YamlDotNet.Core.Events.SequenceEnd:
                    depth--;
                    break;
                case YamlDotNet.Core.Events.AnchorAlias when ++aliases > maxAliases:
                    throw new InvalidDataException($"The kubeconfig {file} has more than {maxAliases} YAML aliases; a kubeconfig never does, so it is not read.");
            }
        }
    }

    private static IEnumerable<(string Name, YamlMappingNode Body)> NamedEntries(YamlMappingNode root, string listKey, string bodyKey, string file)
    {
        if (Child(root, listKey) is not YamlSequenceNode list)
        {
            yield break;
        }

        foreach (var item in list.Children.OfType<YamlMappingNode>())
        {
            var name = Scalar(item, "name", file);
            if (string.IsNullOrEmpty(name))
            {
                throw new InvalidDataException($"The kubeconfig {file} has an entry of {listKey} without a name.");
            }

            yield return (name, Child(item, bodyKey) as YamlMappingNode ?? new YamlMappingNode());
        }
    }

    private static YamlNode? Child(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child : null;

    private static string? Scalar(YamlMappingNode node, string key, string file) => Child(node, key) switch
    {
        null => null,
        YamlScalarNode s => string.IsNullOrEmpty(s.Value) || s.Value == "~" || (s.Value == "null" && s.Style == YamlDotNet.Core.ScalarStyle.Plain) ? null : s.Value,
        _ => throw new InvalidDataException($"The kubeconfig {file}: '{key}' must be a single value."),
    };

    private static bool Bool(YamlMappingNode node, string key, string file) => Scalar(node, key, file) switch
    {
        null => false,
        var v when bool.TryParse(v, out var b) => b,
        _ => throw new InvalidDataException($"The kubeconfig {file}: '{key}' must be true or false."),
    };

    private static IReadOnlyList<string> Strings(YamlMappingNode node, string key, string file) => Child(node, key) switch
    {
        null => Array.Empty<string>(),
        YamlSequenceNode seq => seq.Children.Select(c => c is YamlScalarNode s ? s.Value ?? string.Empty
            : throw new InvalidDataException($"The kubeconfig {file}: every entry of '{key}' must be a single value.")).ToList(),
        YamlScalarNode { Value: null or "" } => Array.Empty<string>(),
        _ => throw new InvalidDataException($"The kubeconfig {file}: '{key}' must be a list."),
    };

    private static IReadOnlyList<KeyValuePair<string, string>> EnvEntries(YamlMappingNode exec, string user, string file)
    {
        if (Child(exec, "env") is not YamlSequenceNode list)
        {
            return Array.Empty<KeyValuePair<string, string>>();
        }

        var result = new List<KeyValuePair<string, string>>();
        foreach (var item in list.Children)
        {
            var name = item is YamlMappingNode m ? Scalar(m, "name", file) : null;
            if (string.IsNullOrEmpty(name))
            {
                // The value may be a secret: only the position is named.
                throw new InvalidDataException($"The kubeconfig {file}: entry {result.Count + 1} of the exec env of user '{user}' has no name.");
            }

            result.Add(new(name, Scalar((YamlMappingNode)item, "value", file) ?? string.Empty));
        }

        return result;
    }

    private static byte[]? Base64(YamlMappingNode node, string key, string owner, string file)
    {
        var value = Scalar(node, key, file);
        if (value is null)
        {
            return null;
        }

        try
        {
            return Convert.FromBase64String(value);
        }
        catch (FormatException)
        {
            throw new InvalidDataException($"The kubeconfig {file}: {key} of {owner} is not base64.");
        }
    }

    private static string? FilePath(string? path, string dir)
    {
        if (string.IsNullOrEmpty(path))
        {
            return null;
        }

        if (path.StartsWith("~/", StringComparison.Ordinal))
        {
            path = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path[2..]);
        }

        return Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(dir, path));
    }
}
