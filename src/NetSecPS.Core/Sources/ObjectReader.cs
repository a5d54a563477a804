using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;

namespace NetSecPS.Core.Sources;

/// <summary>
/// Turns JSON into <see cref="KubeObject"/>s for one read (a folder of manifests, a saved
/// snapshot): typed for the kinds the client models, raw otherwise; Secret values, and what
/// <see cref="Retention"/> does not keep, dropped before anything else sees them. Each read uses its own reader, whose serializer shares equal
/// strings between the objects it reads (see <see cref="StringPoolConverter"/>).
/// </summary>
internal sealed class ObjectReader
{
    /// <summary>KubernetesClient's own serializer options (its converters for quantities, dates and int-or-string).</summary>
    internal static readonly JsonSerializerOptions ClientOptions = CaptureClientOptions();

    private readonly JsonSerializerOptions options;

    /// <summary>A reader for one read of many objects; equal strings of the objects it reads are shared.</summary>
    public ObjectReader()
        : this(poolStrings: true)
    {
    }

    private ObjectReader(bool poolStrings)
    {
        if (poolStrings)
        {
            options = new JsonSerializerOptions(ClientOptions);
            options.Converters.Insert(0, new StringPoolConverter());
            options.MakeReadOnly(populateMissingResolver: true);
        }
        else
        {
            options = ClientOptions;
        }
    }

    /// <summary>A reader that shares nothing, for single objects.</summary>
    internal static ObjectReader Unpooled { get; } = new(poolStrings: false);

    private static JsonSerializerOptions CaptureClientOptions()
    {
        JsonSerializerOptions? captured = null;
        KubernetesJson.AddJsonOptions(o => captured = o);
        return captured ?? throw new InvalidOperationException("KubernetesClient did not expose its serializer options.");
    }

    /// <summary>One object from a JSON tree (changed in place: apiVersion and kind filled in, Secret values removed).</summary>
    public ObjectFactory.Result Create(JsonObject json, SourceLocation? source, string? defaultApiVersion = null, string? defaultKind = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        var metadata = json["metadata"] as JsonObject;
        var header = new Header(
            StringOf(json["apiVersion"]) ?? defaultApiVersion,
            StringOf(json["kind"]) ?? defaultKind,
            StringOf(metadata?["name"]),
            StringOf(metadata?["generateName"]),
            StringOf(metadata?["namespace"]));
        if (!Identify(header, out var id, out var failure))
        {
            return failure;
        }

        if (id.IsCoreSecret)
        {
            // Never keep Secret values: only the fact that the Secret exists.
            json.Remove("data");
            json.Remove("stringData");
            if (metadata is not null)
            {
                metadata.Remove("annotations");
                metadata.Remove("managedFields");
            }
        }

        if (id.IsWithheld)
        {
            return ObjectFactory.Result.NotKept;
        }

        json["apiVersion"] = id.ApiVersion;
        json["kind"] = id.Kind;
        if (id.Info?.ModelType is { } type)
        {
            try
            {
                var typed = json.Deserialize(type, options);
                if (typed is null)
                {
                    return new ObjectFactory.Result(null, $"{id.Kind}/{id.Name} could not be read", null);
                }

                return Retention.Apply(typed)
                    ? new ObjectFactory.Result(new KubeObject(id.ApiVersion, id.Kind, id.Namespace, id.Name, typed, null, source), null, null)
                    : ObjectFactory.Result.NotKept;
            }
            catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or NotSupportedException)
            {
                return new ObjectFactory.Result(null, $"{id.Kind}/{id.Name} is not a valid {id.Kind}: {ObjectFactory.Explain(ex, json)}", null);
            }
        }

        Retention.Apply(json);
        return new ObjectFactory.Result(new KubeObject(id.ApiVersion, id.Kind, id.Namespace, id.Name, null, json, source), null, null);
    }

    /// <summary>
    /// One object from its UTF-8 JSON text. Typed kinds are read straight from the text, without
    /// a JSON tree in between; raw kinds and Secrets take the tree path.
    /// </summary>
    public ObjectFactory.Result Create(ReadOnlySpan<byte> utf8Json, SourceLocation? source, string? defaultApiVersion = null, string? defaultKind = null)
    {
        Header header;
        try
        {
            if (!TryReadHeader(utf8Json, out header))
            {
                return new ObjectFactory.Result(null, null, "not a Kubernetes object (not a JSON object)");
            }
        }
        catch (JsonException ex)
        {
            return new ObjectFactory.Result(null, $"not valid JSON: {ex.Message}", null);
        }

        header = header with { ApiVersion = header.ApiVersion ?? defaultApiVersion, Kind = header.Kind ?? defaultKind };
        if (!Identify(header, out var id, out var failure))
        {
            return failure;
        }

        if (id.IsWithheld)
        {
            return ObjectFactory.Result.NotKept;
        }

        if (id.IsCoreSecret || id.Info?.ModelType is null)
        {
            var tree = JsonNode.Parse(utf8Json) as JsonObject;
            return tree is null
                ? new ObjectFactory.Result(null, null, "not a Kubernetes object (not a JSON object)")
                : Create(tree, source, defaultApiVersion, defaultKind);
        }

        try
        {
            var typed = JsonSerializer.Deserialize(utf8Json, id.Info.ModelType, options);
            if (typed is null)
            {
                return new ObjectFactory.Result(null, $"{id.Kind}/{id.Name} could not be read", null);
            }

            if (typed is IKubernetesObject k8sObject)
            {
                k8sObject.ApiVersion = id.ApiVersion;
                k8sObject.Kind = id.Kind;
            }

            return Retention.Apply(typed)
                ? new ObjectFactory.Result(new KubeObject(id.ApiVersion, id.Kind, id.Namespace, id.Name, typed, null, source), null, null)
                : ObjectFactory.Result.NotKept;
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or NotSupportedException)
        {
            // The tree path words the error in the manifest's terms; failures are rare, so take it only now.
            return JsonNode.Parse(utf8Json) is JsonObject tree
                ? Create(tree, source, defaultApiVersion, defaultKind)
                : new ObjectFactory.Result(null, $"{id.Kind}/{id.Name} is not a valid {id.Kind}: {ex.Message}", null);
        }
    }

    /// <summary>Writes an object as the API server would show it, without building a JSON tree for typed objects.</summary>
    internal static void WriteJson(Utf8JsonWriter writer, KubeObject obj)
    {
        if (obj.Raw is not null)
        {
            obj.Raw.WriteTo(writer);
        }
        else if (obj.Typed is IKubernetesObject { ApiVersion: not null, Kind: not null } typed)
        {
            JsonSerializer.Serialize(writer, typed, typed.GetType(), ClientOptions);
        }
        else
        {
            ObjectFactory.ToJson(obj).WriteTo(writer);
        }
    }

    private readonly record struct Header(string? ApiVersion, string? Kind, string? Name, string? GenerateName, string? Namespace);

    private sealed record Identity(string ApiVersion, string Kind, string Name, string? Namespace, KindRegistry.KindInfo? Info)
    {
        public bool IsCoreSecret => Kind == "Secret" && KindRegistry.GroupOf(ApiVersion).Length == 0;

        /// <summary>A ConfigMap no check reads: not kept, not even read (<see cref="Retention"/>).</summary>
        public bool IsWithheld => Kind == "ConfigMap" && KindRegistry.GroupOf(ApiVersion).Length == 0 && Retention.KeysKept(Name) is null;
    }

    /// <summary>Names the object from its header, or says why it is not one.</summary>
    private static bool Identify(Header header, out Identity id, out ObjectFactory.Result failure)
    {
        id = null!;
        failure = default;
        if (string.IsNullOrEmpty(header.ApiVersion) || string.IsNullOrEmpty(header.Kind))
        {
            failure = new ObjectFactory.Result(null, null, "not a Kubernetes object (no apiVersion and kind)");
            return false;
        }

        var name = header.Name;
        if (string.IsNullOrEmpty(name))
        {
            name = string.IsNullOrEmpty(header.GenerateName) ? null : header.GenerateName + "<generated>";
        }

        if (string.IsNullOrEmpty(name))
        {
            failure = new ObjectFactory.Result(null, $"{header.Kind} has no metadata.name", null);
            return false;
        }

        var ns = header.Namespace;
        var info = KindRegistry.Find(header.ApiVersion, header.Kind);
        if (info is not null && !info.Namespaced)
        {
            ns = null;
        }
        else if (info is not null && info.Namespaced && string.IsNullOrEmpty(ns))
        {
            ns = "default";
        }

        id = new Identity(header.ApiVersion, header.Kind, name, ns, info);
        return true;
    }

    private static string? StringOf(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    /// <summary>Reads apiVersion, kind and the metadata names without reading the rest.</summary>
    private static bool TryReadHeader(ReadOnlySpan<byte> utf8Json, out Header header)
    {
        header = default;
        var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        string? apiVersion = null, kind = null, name = null, generateName = null, ns = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("apiVersion"u8))
            {
                apiVersion = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("kind"u8))
            {
                kind = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("metadata"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("name"u8))
                    {
                        name = ReadString(ref reader);
                    }
                    else if (reader.ValueTextEquals("generateName"u8))
                    {
                        generateName = ReadString(ref reader);
                    }
                    else if (reader.ValueTextEquals("namespace"u8))
                    {
                        ns = ReadString(ref reader);
                    }
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        header = new Header(apiVersion, kind, name, generateName, ns);
        return true;
    }

    private static string? ReadString(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString();
        }

        reader.Skip();
        return null;
    }
}
