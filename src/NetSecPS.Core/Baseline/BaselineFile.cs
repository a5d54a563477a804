using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using NetSecPS.Core.Sources;

namespace NetSecPS.Core.Baseline;

/// <summary>Where and when a baseline was made: everything that may differ between two exports of the same cluster.</summary>
internal sealed record BaselineProvenance
{
    public DateTimeOffset CreatedAt { get; init; }
    public string Tool { get; init; } = ToolIdentity.Name;
    public string ToolVersion { get; init; } = ToolIdentity.Version;
    /// <summary>Where the exceptions file in force was read from, when one was.</summary>
    public string? ExceptionsPath { get; init; }
    /// <summary>The analysed snapshot's provenance: cluster or files, server version, input digests, collection time.</summary>
    public Provenance? Source { get; init; }
}

/// <summary>Why a file was refused as a baseline.</summary>
internal enum BaselineRejection
{
    /// <summary>Not JSON, or JSON of another kind.</summary>
    NotABaseline,
    /// <summary>A baseline of a schema version this module does not read.</summary>
    UnsupportedSchema,
    /// <summary>No integrity section, or one without the digests.</summary>
    Unsealed,
    /// <summary>The content or the provenance does not match its digest: the file was altered.</summary>
    DigestMismatch,
    /// <summary>The HMAC signature does not match the key given: a wrong key, or an altered file.</summary>
    SignatureMismatch,
    /// <summary>A signing key was given but the baseline carries no signature.</summary>
    SignatureMissing,
    /// <summary>The digests match but the content does not fit the schema.</summary>
    Malformed,
}

/// <summary>A file refused as a baseline; nothing may be compared against it.</summary>
internal sealed class BaselineRejectedException : IOException
{
    public BaselineRejectedException(BaselineRejection reason, string message, Exception? inner = null)
        : base(message, inner) => Reason = reason;

    public BaselineRejection Reason { get; }
}

/// <summary>A baseline read back and verified.</summary>
internal sealed record VerifiedBaseline(
    Posture Posture,
    BaselineProvenance Provenance,
    int SchemaVersion,
    string ContentDigest,
    string DocumentDigest,
    bool Signed,
    bool SignatureVerified);

/// <summary>
/// Baseline files: a versioned JSON document (<c>netsecps.baseline</c>, schema version 1) of a
/// posture, sealed with SHA-256 digests and optionally an HMAC-SHA256 signature.
/// </summary>
/// <remarks>
/// <para>Layout (members of nested objects sorted; see <see cref="CanonicalJson"/>):</para>
/// <code>
/// { "schema": "netsecps.baseline", "schemaVersion": 1,
///   "integrity": { "algorithm": "SHA-256", "contentDigest": "sha256:…", "documentDigest": "sha256:…",
///                  "signed": true, "signature": "hmac-sha256:…" },
///   "provenance": { "createdAt": …, "source": { … } },
///   "posture": { "workloads": […], "policies": […], "exposures": […], "flows": […], "findings": […],
///                "profile": { … }, "exceptions": { … } } }
/// </code>
/// <para>What the seals cover, and why:</para>
/// <list type="bullet">
/// <item><c>contentDigest</c> covers schema, schemaVersion and the posture only. It is the
/// identity of the approved posture: two exports of the same cluster have the same one, at
/// any time and from any machine.</item>
/// <item><c>documentDigest</c> covers the whole document except itself and the signature:
/// schema, posture, provenance (time included) and the rest of the integrity section (the
/// content digest and whether the file is signed). Changing any byte of meaning anywhere,
/// provenance included, breaks it, so provenance is protected without making the content
/// digest move with time.</item>
/// <item><c>signature</c> is HMAC-SHA256, with the user's key, over the same canonical bytes as
/// <c>documentDigest</c>. A digest alone only catches accidents: whoever edits the file can
/// recompute it. The signature catches deliberate tampering by anyone without the key. The key
/// is never written, not even a fingerprint of it (a fingerprint of a weak passphrase can be
/// brute-forced offline).</item>
/// </list>
/// <para>Two exports of the same cluster are byte-identical except <c>provenance</c> and the
/// two members that seal it (<c>documentDigest</c>, <c>signature</c>).</para>
/// <para>Verification policy: a file that is not a baseline, of an unknown or newer schema,
/// unsealed, or whose digests do not match is refused. With a key, a missing or wrong
/// signature is refused (stripping the signature must not downgrade a check the user asked
/// for). Without a key, a signed baseline is accepted with a warning that only its digests were
/// verified: the digests still prove it is internally intact, and refusing would keep anyone
/// without the key from reading drift at all; whoever needs proof of origin passes the key.</para>
/// </remarks>
internal static class BaselineFile
{
    public const string SchemaName = "netsecps.baseline";
    public const int CurrentSchemaVersion = 1;

    /// <summary>The largest baseline file read: a 50,000-pod cluster's is about 50 MB.</summary>
    public const long MaxBaselineBytes = 1L << 30;
    public const string HmacAlgorithm = "HMAC-SHA256";
    private const string SignaturePrefix = "hmac-sha256:";

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>The posture's identity: what <c>contentDigest</c> of a baseline of it would be.</summary>
    public static string ContentDigest(Posture posture)
    {
        using var postureDoc = PostureDocument(posture);
        return ContentDigest(postureDoc.RootElement);
    }

    /// <summary>Writes the baseline as indented canonical JSON, signed when <paramref name="signingKey"/> is given.</summary>
    public static byte[] Serialize(Posture posture, BaselineProvenance provenance, ReadOnlySpan<byte> signingKey = default)
    {
        using var ms = new MemoryStream();
        Write(ms, posture, provenance, signingKey);
        return ms.ToArray();
    }

    /// <summary>
    /// Writes the baseline as indented canonical JSON to <paramref name="output"/>, signed when
    /// <paramref name="signingKey"/> is given. The posture is serialized once to compact UTF-8 and
    /// then walked three times (content digest, document digest and signature, the file), so
    /// memory stays near the size of the posture's JSON.
    /// </summary>
    public static void Write(Stream output, Posture posture, BaselineProvenance provenance, ReadOnlySpan<byte> signingKey = default)
    {
        using var postureDoc = PostureDocument(posture);
        var postureElement = postureDoc.RootElement;
        var provenanceElement = JsonSerializer.SerializeToElement(WithUtcTimes(JsonSerializer.SerializeToNode(provenance, Json)!));
        var signed = !signingKey.IsEmpty;
        var integrity = new JsonObject
        {
            ["algorithm"] = "SHA-256",
            ["contentDigest"] = ContentDigest(postureElement),
            ["signed"] = signed,
        };

        var members = new List<Member>
        {
            new("schema", JsonSerializer.SerializeToElement(SchemaName)),
            new("schemaVersion", JsonSerializer.SerializeToElement(CurrentSchemaVersion)),
            new("integrity", JsonSerializer.SerializeToElement(integrity)),
            new("provenance", provenanceElement),
            new("posture", postureElement),
        };

        var (documentDigest, signature) = SealedDigests(members, signingKey);
        integrity["documentDigest"] = documentDigest;
        if (signed)
        {
            integrity["signature"] = signature;
        }

        members[2] = new("integrity", JsonSerializer.SerializeToElement(integrity));

        // Top-level members in reading order (schema first, posture last); nested members sorted.
        using (var writer = new CanonicalWriter(output))
        {
            writer.Raw('{');
            for (var i = 0; i < members.Count; i++)
            {
                writer.Raw(i == 0 ? "\n  " : ",\n  ");
                writer.Name(members[i].Name, indented: true);
                writer.Write(members[i].Value, indented: true, depth: 1);
            }

            writer.Raw("\n}\n");
        }
    }

    /// <summary>
    /// Reads and verifies a baseline. Throws <see cref="BaselineRejectedException"/> for anything
    /// that must not be compared against; warns through <paramref name="sink"/> when a signed
    /// baseline is read without a key.
    /// </summary>
    /// <remarks>The document is parsed once (no tree of nodes); digests are computed by walking it.</remarks>
    public static VerifiedBaseline Read(ReadOnlyMemory<byte> content, string displayPath, ReadOnlySpan<byte> signingKey = default, IOutputSink? sink = null)
    {
        JsonDocument document;
        try
        {
            document = CanonicalJson.ParseDocumentStrict(StripBom(content));
        }
        catch (JsonException ex)
        {
            throw new BaselineRejectedException(BaselineRejection.NotABaseline, $"{displayPath} is not a NetSecPS baseline: it is not valid JSON ({ex.Message}).", ex);
        }

        using (document)
        {
            return Verify(document.RootElement, displayPath, signingKey, sink);
        }
    }

    /// <summary>
    /// Verifies a parsed baseline in the order a reader can trust it: what it is (schema and
    /// version), that it is sealed, that its digests match, that its signature matches the key or
    /// none was asked for, and only then what it says (its content read and checked for sense).
    /// </summary>
    private static VerifiedBaseline Verify(JsonElement root, string displayPath, ReadOnlySpan<byte> signingKey, IOutputSink? sink)
    {
        var version = RequireSchema(root, displayPath);
        var seal = RequireSeal(root, displayPath);
        var expectedSignature = VerifyDigests(root, seal, displayPath, signingKey);
        var signatureVerified = VerifySignature(seal, expectedSignature, displayPath, signingKey, sink);
        var (posture, provenance) = ReadContent(root, seal.Posture, version, displayPath);
        RequireConnlistConnections(posture, displayPath);
        return new VerifiedBaseline(posture, provenance, version, seal.ContentDigest, seal.DocumentDigest, seal.Signature is not null, signatureVerified);
    }

    /// <summary>The integrity section of a baseline and the posture it seals.</summary>
    private readonly record struct Seal(JsonElement Integrity, JsonElement Posture, string ContentDigest, string DocumentDigest, string? Signature, bool DeclaredSigned);

    /// <summary>A NetSecPS baseline of a schema version this module reads: returns the version.</summary>
    private static int RequireSchema(JsonElement root, string displayPath)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new BaselineRejectedException(BaselineRejection.NotABaseline, $"{displayPath} is not a NetSecPS baseline: it is not a JSON object.");
        }

        var schema = Text(root, "schema");
        if (schema != SchemaName)
        {
            throw new BaselineRejectedException(BaselineRejection.NotABaseline,
                $"{displayPath} is not a NetSecPS baseline (schema '{schema ?? "none"}', expected '{SchemaName}').");
        }

        var hasVersion = root.TryGetProperty("schemaVersion", out var v);
        if (!hasVersion || v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out var version) || version < 1)
        {
            throw new BaselineRejectedException(BaselineRejection.UnsupportedSchema, $"{displayPath} has no valid baseline schema version (found '{(hasVersion ? v.GetRawText() : "none")}').");
        }

        if (version > CurrentSchemaVersion)
        {
            throw new BaselineRejectedException(BaselineRejection.UnsupportedSchema,
                $"{displayPath} is a baseline of schema version {version}, newer than version {CurrentSchemaVersion} that this NetSecPS reads. Update NetSecPS to compare against it.");
        }

        return version;
    }

    /// <summary>An integrity section with both digests, sealed with SHA-256, and a posture object.</summary>
    private static Seal RequireSeal(JsonElement root, string displayPath)
    {
        if (!root.TryGetProperty("integrity", out var integrity) || integrity.ValueKind != JsonValueKind.Object
            || Text(integrity, "contentDigest") is not { } contentDigest
            || Text(integrity, "documentDigest") is not { } documentDigest
            || !root.TryGetProperty("posture", out var postureElement) || postureElement.ValueKind != JsonValueKind.Object)
        {
            throw new BaselineRejectedException(BaselineRejection.Unsealed, $"{displayPath} is not sealed: its integrity section or posture is missing, so it cannot be proven unaltered.");
        }

        if (Text(integrity, "algorithm") is { } algorithm && algorithm != "SHA-256")
        {
            throw new BaselineRejectedException(BaselineRejection.UnsupportedSchema, $"{displayPath} is sealed with '{algorithm}'; this NetSecPS verifies SHA-256 only.");
        }

        var declaredSigned = integrity.TryGetProperty("signed", out var sv) && sv.ValueKind == JsonValueKind.True;
        return new Seal(integrity, postureElement, contentDigest, documentDigest, Text(integrity, "signature"), declaredSigned);
    }

    /// <summary>
    /// The posture matches the content digest, the document matches the document digest, and a
    /// signature is present only where the sealed part says so. Returns the signature the key
    /// would give (null without a key), computed in the same walk as the document digest.
    /// </summary>
    private static string? VerifyDigests(JsonElement root, Seal seal, string displayPath, ReadOnlySpan<byte> signingKey)
    {
        var actualContent = ContentDigest(seal.Posture);
        if (!SameText(actualContent, seal.ContentDigest))
        {
            throw new BaselineRejectedException(BaselineRejection.DigestMismatch,
                $"{displayPath} was altered: its posture does not match its content digest (recorded {seal.ContentDigest}, computed {actualContent}). Nothing was compared against it.");
        }

        var members = root.EnumerateObject().Select(p => new Member(p.Name, p.Value)).ToList();
        var (actualDocument, expectedSignature) = SealedDigests(members, signingKey);
        if (!SameText(actualDocument, seal.DocumentDigest))
        {
            throw new BaselineRejectedException(BaselineRejection.DigestMismatch,
                $"{displayPath} was altered: its provenance or integrity section does not match its document digest. Nothing was compared against it.");
        }

        if (seal.Signature is not null && !seal.DeclaredSigned)
        {
            throw new BaselineRejectedException(BaselineRejection.DigestMismatch, $"{displayPath} was altered: it carries a signature but its sealed part says it is unsigned.");
        }

        return expectedSignature;
    }

    /// <summary>
    /// With a key, the signature must be there and match it (stripping it must not downgrade the
    /// check asked for); without one, a signed baseline is read with a warning. Returns whether the
    /// signature was verified.
    /// </summary>
    private static bool VerifySignature(Seal seal, string? expectedSignature, string displayPath, ReadOnlySpan<byte> signingKey, IOutputSink? sink)
    {
        if (!signingKey.IsEmpty)
        {
            if (seal.Signature is null)
            {
                throw new BaselineRejectedException(BaselineRejection.SignatureMissing,
                    seal.DeclaredSigned
                        ? $"{displayPath} was altered: it declares a signature but carries none."
                        : $"{displayPath} is not signed, but a signing key was given: an unsigned baseline cannot prove who approved it. Export it again with -SigningKey, or compare without the key.");
            }

            if (!SameText(expectedSignature!, seal.Signature))
            {
                throw new BaselineRejectedException(BaselineRejection.SignatureMismatch,
                    $"{displayPath}: the signature does not match the signing key given. Either the key is wrong or the baseline was altered and re-digested. Nothing was compared against it.");
            }

            return true;
        }

        if (seal.DeclaredSigned)
        {
            if (seal.Signature is null)
            {
                throw new BaselineRejectedException(BaselineRejection.DigestMismatch, $"{displayPath} was altered: it declares a signature but carries none.");
            }

            sink?.Warning($"{displayPath} is signed, but no -SigningKey was given: only its digests were verified, not who made it.");
        }

        return false;
    }

    /// <summary>The posture and provenance as the schema describes them.</summary>
    private static (Posture Posture, BaselineProvenance Provenance) ReadContent(JsonElement root, JsonElement postureElement, int version, string displayPath)
    {
        try
        {
            // Peer names and connection texts repeat across flows: one string each (a 50,000-pod baseline: 85 -> 24 MiB once read).
            var reading = new JsonSerializerOptions(Json) { Converters = { new Sources.StringPoolConverter() } };
            var posture = postureElement.Deserialize<Posture>(reading) ?? new Posture();
            var provenance = (root.TryGetProperty("provenance", out var p) ? p.Deserialize<BaselineProvenance>(Json) : null) ?? new BaselineProvenance();
            return (posture, provenance);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or NotSupportedException)
        {
            throw new BaselineRejectedException(BaselineRejection.Malformed, $"{displayPath} is sealed but its content does not fit baseline schema {version}: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Sealed is not the same as sound: a baseline written by hand or another tool must still be
    /// comparable, so every flow's connections must be in connlist form. Connection texts repeat
    /// (the strings are shared): each distinct one is parsed once.
    /// </summary>
    private static void RequireConnlistConnections(Posture posture, string displayPath)
    {
        var valid = new HashSet<string>(StringComparer.Ordinal);
        if (posture.Flows.FirstOrDefault(f => !valid.Contains(f.Connections) && !(ConnectionText.TryParse(f.Connections, out _) && valid.Add(f.Connections))) is { } bad)
        {
            throw new BaselineRejectedException(BaselineRejection.Malformed, $"{displayPath} is sealed but its flow {bad.Source} => {bad.Destination} has connections '{bad.Connections}' that are not in connlist form.");
        }
    }

    public static VerifiedBaseline ReadFile(string path, ReadOnlySpan<byte> signingKey = default, IOutputSink? sink = null)
    {
        byte[] bytes;
        try
        {
            bytes = InputFiles.ReadAllBytes(path, "The baseline", MaxBaselineBytes);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            throw new BaselineRejectedException(BaselineRejection.NotABaseline, $"{path} cannot be read: {ex.Message}", ex);
        }

        return Read(bytes, path, signingKey, sink);
    }

    private readonly record struct Member(string Name, JsonElement Value);

    /// <summary>The sorted posture as compact JSON, parsed once so the canonical writers can walk it.</summary>
    private static JsonDocument PostureDocument(Posture posture) =>
        JsonDocument.Parse(JsonSerializer.SerializeToUtf8Bytes(posture.Sorted(), Json));

    private static readonly JsonElement SchemaElement = JsonSerializer.SerializeToElement(SchemaName);
    private static readonly JsonElement SchemaVersionElement = JsonSerializer.SerializeToElement(CurrentSchemaVersion);

    /// <summary><c>contentDigest</c>: SHA-256 of the canonical <c>{"posture":…,"schema":…,"schemaVersion":…}</c>.</summary>
    private static string ContentDigest(JsonElement posture)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using (var writer = new CanonicalWriter(hash))
        {
            WriteCanonicalObject(writer, new[] { new Member("posture", posture), new Member("schema", SchemaElement), new Member("schemaVersion", SchemaVersionElement) });
        }

        return CanonicalJson.DigestText(hash);
    }

    /// <summary>
    /// <c>documentDigest</c> and, with a key, the signature: over the canonical document without
    /// <c>integrity.documentDigest</c> and <c>integrity.signature</c>.
    /// </summary>
    private static (string Digest, string? Signature) SealedDigests(IReadOnlyList<Member> rootMembers, ReadOnlySpan<byte> signingKey)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var hmac = signingKey.IsEmpty ? null : IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, signingKey);
        var sealedMembers = rootMembers.Select(m => m.Name == "integrity" && m.Value.ValueKind == JsonValueKind.Object
            ? new Member(m.Name, WithoutSeal(m.Value))
            : m).ToList();
        using (var writer = hmac is null ? new CanonicalWriter(hash) : new CanonicalWriter(hash, hmac))
        {
            WriteCanonicalObject(writer, sealedMembers);
        }

        var digest = CanonicalJson.DigestText(hash);
        var signature = hmac is null ? null : SignaturePrefix + Hex(hmac.GetHashAndReset());
        return (digest, signature);
    }

    private static JsonElement WithoutSeal(JsonElement integrity)
    {
        var copy = new JsonObject();
        foreach (var p in integrity.EnumerateObject())
        {
            if (p.Name is not ("documentDigest" or "signature"))
            {
                copy[p.Name] = JsonNode.Parse(p.Value.GetRawText());
            }
        }

        return JsonSerializer.SerializeToElement(copy);
    }

    private static void WriteCanonicalObject(CanonicalWriter writer, IEnumerable<Member> members)
    {
        writer.Raw('{');
        var first = true;
        foreach (var m in members.OrderBy(m => m.Name, StringComparer.Ordinal))
        {
            if (!first)
            {
                writer.Raw(',');
            }

            first = false;
            writer.Name(m.Name, indented: false);
            writer.Write(m.Value, indented: false, depth: 0);
        }

        writer.Raw('}');
    }

    /// <summary>Times in provenance as UTC, so the spelling of an instant does not depend on the exporting machine's zone.</summary>
    private static JsonNode WithUtcTimes(JsonNode node)
    {
        if (node is JsonObject o)
        {
            foreach (var (key, value) in o.ToList())
            {
                if (value is JsonValue jv && jv.GetValueKind() == JsonValueKind.String && jv.TryGetValue<DateTimeOffset>(out var t) && key.EndsWith("At", StringComparison.Ordinal))
                {
                    o[key] = t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);
                }
                else if (value is not null)
                {
                    WithUtcTimes(value);
                }
            }
        }
        else if (node is JsonArray a)
        {
            foreach (var item in a)
            {
                if (item is not null)
                {
                    WithUtcTimes(item);
                }
            }
        }

        return CanonicalJson.WithoutNulls(node)!;
    }

    private static string? Text(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static bool SameText(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));

    private static ReadOnlyMemory<byte> StripBom(ReadOnlyMemory<byte> s) => s.Span.StartsWith("\uFEFF"u8) ? s[3..] : s;

    private static string Hex(byte[] bytes) => Convert.ToHexString(bytes).ToLowerInvariant();
}
