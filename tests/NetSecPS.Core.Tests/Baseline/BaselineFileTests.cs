using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using NetSecPS.Core.Baseline;

namespace NetSecPS.Core.Tests.Baseline;

public class BaselineFileTests
{
    private static readonly byte[] Key = Encoding.UTF8.GetBytes("correct horse battery staple 2026");
    private static readonly byte[] OtherKey = Encoding.UTF8.GetBytes("correct horse battery staple 2027");

    private static Posture ShopPosture() => Postures.Build("shop-v1", Postures.ShopV1Flows, new[]
    {
        Postures.Finding("NP-002", "Namespace/shop", Severity.Medium),
        Postures.Finding("EX-001", "Service/shop/web", Severity.High, suppressed: true),
    });

    private static byte[] Export(Posture posture, DateTimeOffset at, string cluster = "prod", byte[]? key = null) =>
        BaselineFile.Serialize(posture, new BaselineProvenance { CreatedAt = at, Source = Postures.Source(cluster, at.AddMinutes(-1)) }, key);

    private static readonly DateTimeOffset Monday = new(2026, 3, 2, 9, 0, 0, TimeSpan.FromHours(1));
    private static readonly DateTimeOffset Friday = new(2026, 3, 6, 17, 30, 0, TimeSpan.Zero);

    [Fact]
    public void A_baseline_reads_back_to_the_posture_it_was_written_from()
    {
        var posture = ShopPosture();
        var read = BaselineFile.Read(Export(posture, Monday), "prod.baseline.json");

        Assert.Equal(BaselineFile.ContentDigest(posture), read.ContentDigest);
        Assert.Equal(BaselineFile.ContentDigest(posture), BaselineFile.ContentDigest(read.Posture));
        Assert.Equal(posture.Flows, read.Posture.Flows);
        Assert.Equal(new[] { "shop/db[StatefulSet]", "shop/web[Deployment]" }, read.Posture.Workloads.Select(w => w.Peer));
        Assert.True(read.Posture.Findings.Single(f => f.CheckId == "EX-001").Suppressed);
        Assert.Equal("prod", read.Provenance.Source!.Cluster);
        Assert.Equal(Monday, read.Provenance.CreatedAt);
        Assert.False(read.Signed);
    }

    [Fact]
    public void Two_exports_of_the_same_cluster_differ_only_in_provenance_and_its_seal()
    {
        // Same cluster as different manifests: other key order, JSON instead of YAML, other file split, other replica count.
        var a = Export(ShopPosture(), Monday, "prod");
        var b = Export(Postures.Build("shop-v1-reformatted", Postures.ShopV1Flows.Reverse(), new[]
        {
            Postures.Finding("EX-001", "Service/shop/web", Severity.High, suppressed: true),
            Postures.Finding("NP-002", "Namespace/shop", Severity.Medium),
        }), Friday, "prod-eu");

        Assert.NotEqual(a, b);
        var docA = JsonNode.Parse(a)!.AsObject();
        var docB = JsonNode.Parse(b)!.AsObject();
        Assert.Equal(docA["integrity"]!["contentDigest"]!.GetValue<string>(), docB["integrity"]!["contentDigest"]!.GetValue<string>());
        Assert.Equal(StripTimeAndProvenance(a), StripTimeAndProvenance(b));
    }

    [Fact]
    public void The_file_is_indented_canonical_json_with_the_schema_first()
    {
        var text = Encoding.UTF8.GetString(Export(ShopPosture(), Monday));
        Assert.StartsWith("{\n  \"schema\": \"netsecps.baseline\",\n  \"schemaVersion\": 1,\n  \"integrity\": {", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\r", text, StringComparison.Ordinal);
        Assert.EndsWith("}\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Reindenting_the_file_or_reordering_its_keys_does_not_count_as_tampering()
    {
        var doc = JsonNode.Parse(Export(ShopPosture(), Monday, key: Key))!.AsObject();
        var reordered = new JsonObject(doc.Reverse().Select(kv => KeyValuePair.Create(kv.Key, kv.Value?.DeepClone())));
        var bytes = Encoding.UTF8.GetBytes(reordered.ToJsonString());
        var read = BaselineFile.Read(bytes, "reformatted.json", Key);
        Assert.True(read.SignatureVerified);
    }

    [Theory]
    [InlineData("posture.flows[0].connections", "\"TCP 80\"")]
    [InlineData("posture.findings[1].suppressed", "true")]
    [InlineData("posture.exceptions", "null")]
    [InlineData("provenance.createdAt", "\"2020-01-01T00:00:00.0000000Z\"")]
    [InlineData("provenance.source.cluster", "\"staging\"")]
    [InlineData("integrity.signed", "true")]
    public void Tampered_content_or_provenance_is_refused(string path, string json)
    {
        var doc = JsonNode.Parse(Export(ShopPosture(), Monday))!;
        Set(doc, path, JsonNode.Parse(json));
        var ex = Assert.Throws<BaselineRejectedException>(() => BaselineFile.Read(Encoding.UTF8.GetBytes(doc.ToJsonString()), "prod.baseline.json"));
        Assert.Equal(BaselineRejection.DigestMismatch, ex.Reason);
        Assert.Contains("altered", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tampered_baseline_with_recomputed_digests_is_caught_by_the_signature()
    {
        var signed = JsonNode.Parse(Export(ShopPosture(), Monday, key: Key))!.AsObject();
        var posture = signed["posture"]!.Deserialize<Posture>(BaselineFile.Json)!;
        var widened = posture with { Flows = posture.Flows.Select(f => f with { Connections = "All Connections" }).ToList() };

        // The forger rebuilds a fully consistent file (both digests) but has no key, so the old signature stays.
        var forged = JsonNode.Parse(Export(widened, Monday))!.AsObject();
        forged["integrity"]!["signed"] = true;
        forged["integrity"]!["signature"] = signed["integrity"]!["signature"]!.GetValue<string>();
        var sealedPart = (JsonObject)forged.DeepClone();
        ((JsonObject)sealedPart["integrity"]!).Remove("documentDigest");
        ((JsonObject)sealedPart["integrity"]!).Remove("signature");
        forged["integrity"]!["documentDigest"] = CanonicalJson.Digest(sealedPart);
        var bytes = Encoding.UTF8.GetBytes(forged.ToJsonString());

        var ex = Assert.Throws<BaselineRejectedException>(() => BaselineFile.Read(bytes, "forged.json", Key));
        Assert.Equal(BaselineRejection.SignatureMismatch, ex.Reason);
    }

    [Fact]
    public void A_wrong_signing_key_is_refused()
    {
        var bytes = Export(ShopPosture(), Monday, key: Key);
        var ex = Assert.Throws<BaselineRejectedException>(() => BaselineFile.Read(bytes, "prod.baseline.json", OtherKey));
        Assert.Equal(BaselineRejection.SignatureMismatch, ex.Reason);
        Assert.Contains("key", ex.Message, StringComparison.Ordinal);
        Assert.True(BaselineFile.Read(bytes, "prod.baseline.json", Key).SignatureVerified);
    }

    [Fact]
    public void The_key_is_not_in_the_file()
    {
        var text = Encoding.UTF8.GetString(Export(ShopPosture(), Monday, key: Key));
        Assert.DoesNotContain("correct horse", text, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToHexString(Key), text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Convert.ToBase64String(Key), text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_signed_baseline_read_without_a_key_is_accepted_with_a_warning()
    {
        var sink = new CollectingSink();
        var read = BaselineFile.Read(Export(ShopPosture(), Monday, key: Key), "prod.baseline.json", default, sink);
        Assert.True(read.Signed);
        Assert.False(read.SignatureVerified);
        var warning = Assert.Single(sink.Warnings);
        Assert.Contains("-SigningKey", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unsigned_baseline_is_refused_when_a_key_is_given()
    {
        var ex = Assert.Throws<BaselineRejectedException>(() => BaselineFile.Read(Export(ShopPosture(), Monday), "prod.baseline.json", Key));
        Assert.Equal(BaselineRejection.SignatureMissing, ex.Reason);
    }

    [Fact]
    public void A_stripped_signature_is_refused_with_or_without_a_key()
    {
        var doc = JsonNode.Parse(Export(ShopPosture(), Monday, key: Key))!.AsObject();
        ((JsonObject)doc["integrity"]!).Remove("signature");
        var bytes = Encoding.UTF8.GetBytes(doc.ToJsonString());
        Assert.Throws<BaselineRejectedException>(() => BaselineFile.Read(bytes, "stripped.json", Key));
        Assert.Equal(BaselineRejection.DigestMismatch, Assert.Throws<BaselineRejectedException>(() => BaselineFile.Read(bytes, "stripped.json")).Reason);
    }

    [Theory]
    [InlineData("", "not valid JSON")]
    [InlineData("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n", "not valid JSON")]
    [InlineData("[1, 2, 3]", "not a JSON object")]
    [InlineData("{\"schema\":\"netsecps.snapshot\",\"schemaVersion\":1}", "schema 'netsecps.snapshot'")]
    [InlineData("{\"kind\":\"NetworkPolicy\"}", "schema 'none'")]
    public void A_file_that_is_not_a_baseline_is_refused(string content, string reason)
    {
        var ex = Assert.Throws<BaselineRejectedException>(() => BaselineFile.Read(Encoding.UTF8.GetBytes(content), "other.json"));
        Assert.Equal(BaselineRejection.NotABaseline, ex.Reason);
        Assert.Contains("not a NetSecPS baseline", ex.Message, StringComparison.Ordinal);
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2", "newer")]
    [InlineData("0", "no valid baseline schema version")]
    [InlineData("\"1\"", "no valid baseline schema version")]
    public void A_baseline_of_an_unknown_or_newer_schema_is_refused(string version, string reason)
    {
        var doc = JsonNode.Parse(Export(ShopPosture(), Monday))!.AsObject();
        doc["schemaVersion"] = JsonNode.Parse(version);
        var ex = Assert.Throws<BaselineRejectedException>(() => BaselineFile.Read(Encoding.UTF8.GetBytes(doc.ToJsonString()), "future.json"));
        Assert.Equal(BaselineRejection.UnsupportedSchema, ex.Reason);
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_baseline_without_its_integrity_section_is_refused()
    {
        var doc = JsonNode.Parse(Export(ShopPosture(), Monday))!.AsObject();
        doc.Remove("integrity");
        var ex = Assert.Throws<BaselineRejectedException>(() => BaselineFile.Read(Encoding.UTF8.GetBytes(doc.ToJsonString()), "bare.json"));
        Assert.Equal(BaselineRejection.Unsealed, ex.Reason);
    }

    [Fact]
    public void A_duplicated_member_is_refused_rather_than_read_one_way_or_the_other()
    {
        var text = Encoding.UTF8.GetString(Export(ShopPosture(), Monday));
        var duplicated = text.Replace("\"schemaVersion\": 1,", "\"schemaVersion\": 1,\n  \"schemaVersion\": 1,", StringComparison.Ordinal);
        var ex = Assert.Throws<BaselineRejectedException>(() => BaselineFile.Read(Encoding.UTF8.GetBytes(duplicated), "dup.json"));
        Assert.Contains("appears twice", ex.Message, StringComparison.Ordinal);
    }

    private static string StripTimeAndProvenance(byte[] file)
    {
        var doc = JsonNode.Parse(file)!.AsObject();
        doc.Remove("provenance");
        var integrity = (JsonObject)doc["integrity"]!;
        integrity.Remove("documentDigest");
        integrity.Remove("signature");
        return CanonicalJson.Serialize(doc, indented: true);
    }

    private static void Set(JsonNode doc, string path, JsonNode? value)
    {
        var parts = path.Split('.');
        var node = doc;
        for (var i = 0; i < parts.Length; i++)
        {
            var (name, index) = parts[i].EndsWith(']') ? (parts[i][..parts[i].IndexOf('[')], int.Parse(parts[i][(parts[i].IndexOf('[') + 1)..^1], System.Globalization.CultureInfo.InvariantCulture)) : (parts[i], -1);
            var last = i == parts.Length - 1;
            if (index >= 0)
            {
                var array = node[name]!.AsArray();
                if (last)
                {
                    array[index] = value;
                }

                node = array[index]!;
            }
            else if (last)
            {
                node[name] = value;
            }
            else
            {
                node = node[name]!;
            }
        }
    }
}

public class BaselineSoundnessTests
{
    [Fact]
    public void A_sealed_baseline_with_flows_not_in_connlist_form_is_refused_as_malformed()
    {
        var posture = new Posture { Flows = new[] { new PostureFlow("a/x[Pod]", "a/y[Pod]", "port 80 please") } };
        var bytes = BaselineFile.Serialize(posture, new BaselineProvenance());
        var ex = Assert.Throws<BaselineRejectedException>(() => BaselineFile.Read(bytes, "odd.json"));
        Assert.Equal(BaselineRejection.Malformed, ex.Reason);
        Assert.Contains("port 80 please", ex.Message, StringComparison.Ordinal);
    }
}
