using System.Text;
using System.Text.Json;

namespace NetSecPS.Core.Traffic;

/// <summary>
/// One line of <c>hubble observe -o json</c> (the flow itself) or <c>-o jsonpb</c> (a
/// <c>GetFlowsResponse</c> with the flow under <c>flow</c>), as Cilium's flow API
/// (<c>api/v1/flow/flow.proto</c>) defines it; the Hubble exporter writes the same lines.
/// </summary>
/// <remarks>
/// Read with a forward-only reader over the line's bytes: an endpoint object (and the address it
/// has in this flow) is turned into a <see cref="FlowEndpoint"/> once and then found by its raw
/// bytes, so a log of a million lines costs little more than reading it.
/// </remarks>
internal sealed class HubbleFlowParser : IFlowLineParser
{
    private static readonly Dictionary<string, int> Verdicts = PbJson.Names(
        ("VERDICT_UNKNOWN", 0), ("FORWARDED", 1), ("DROPPED", 2), ("ERROR", 3), ("AUDIT", 4), ("REDIRECTED", 5), ("TRACED", 6), ("TRANSLATED", 7));

    private static readonly Dictionary<string, int> FlowTypes = PbJson.Names(("UNKNOWN_TYPE", 0), ("L3_L4", 1), ("L7", 2), ("SOCK", 3));

    private static readonly Dictionary<string, int> Directions = PbJson.Names(("TRAFFIC_DIRECTION_UNKNOWN", 0), ("INGRESS", 1), ("EGRESS", 2));

    /// <summary>The drop reasons of flow.proto that a policy decides; an unnamed drop counts as one too.</summary>
    internal static readonly HashSet<string> PolicyDropReasons = new(StringComparer.Ordinal) { "POLICY_DENIED", "POLICY_DENY", "AUTH_REQUIRED" };

    /// <summary>flow.proto's DropReason numbers, for logs that write the number (or only the deprecated <c>drop_reason</c>).</summary>
    private static readonly Dictionary<int, string> DropReasonNames = new()
    {
        [130] = "INVALID_SOURCE_MAC", [131] = "INVALID_DESTINATION_MAC", [132] = "INVALID_SOURCE_IP", [133] = "POLICY_DENIED",
        [134] = "INVALID_PACKET_DROPPED", [135] = "CT_TRUNCATED_OR_INVALID_HEADER", [136] = "CT_MISSING_TCP_ACK_FLAG",
        [137] = "CT_UNKNOWN_L4_PROTOCOL", [138] = "CT_CANNOT_CREATE_ENTRY_FROM_PACKET", [139] = "UNSUPPORTED_L3_PROTOCOL",
        [140] = "MISSED_TAIL_CALL", [141] = "ERROR_WRITING_TO_PACKET", [142] = "UNKNOWN_L4_PROTOCOL", [143] = "UNKNOWN_ICMPV4_CODE",
        [144] = "UNKNOWN_ICMPV4_TYPE", [145] = "UNKNOWN_ICMPV6_CODE", [146] = "UNKNOWN_ICMPV6_TYPE", [147] = "ERROR_RETRIEVING_TUNNEL_KEY",
        [148] = "ERROR_RETRIEVING_TUNNEL_OPTIONS", [149] = "INVALID_GENEVE_OPTION", [150] = "UNKNOWN_L3_TARGET_ADDRESS",
        [151] = "STALE_OR_UNROUTABLE_IP", [152] = "NO_MATCHING_LOCAL_CONTAINER_FOUND", [153] = "ERROR_WHILE_CORRECTING_L3_CHECKSUM",
        [154] = "ERROR_WHILE_CORRECTING_L4_CHECKSUM", [155] = "CT_MAP_INSERTION_FAILED", [156] = "INVALID_IPV6_EXTENSION_HEADER",
        [157] = "IP_FRAGMENTATION_NOT_SUPPORTED", [158] = "SERVICE_BACKEND_NOT_FOUND", [160] = "NO_TUNNEL_OR_ENCAPSULATION_ENDPOINT",
        [161] = "FAILED_TO_INSERT_INTO_PROXYMAP", [162] = "REACHED_EDT_RATE_LIMITING_DROP_HORIZON", [163] = "UNKNOWN_CONNECTION_TRACKING_STATE",
        [164] = "LOCAL_HOST_IS_UNREACHABLE", [165] = "NO_CONFIGURATION_AVAILABLE_TO_PERFORM_POLICY_DECISION", [166] = "UNSUPPORTED_L2_PROTOCOL",
        [167] = "NO_MAPPING_FOR_NAT_MASQUERADE", [168] = "UNSUPPORTED_PROTOCOL_FOR_NAT_MASQUERADE", [169] = "FIB_LOOKUP_FAILED",
        [170] = "ENCAPSULATION_TRAFFIC_IS_PROHIBITED", [171] = "INVALID_IDENTITY", [172] = "UNKNOWN_SENDER", [173] = "NAT_NOT_NEEDED",
        [174] = "IS_A_CLUSTERIP", [175] = "FIRST_LOGICAL_DATAGRAM_FRAGMENT_NOT_FOUND", [176] = "FORBIDDEN_ICMPV6_MESSAGE",
        [177] = "DENIED_BY_LB_SRC_RANGE_CHECK", [178] = "SOCKET_LOOKUP_FAILED", [179] = "SOCKET_ASSIGN_FAILED",
        [180] = "PROXY_REDIRECTION_NOT_SUPPORTED_FOR_PROTOCOL", [181] = "POLICY_DENY", [182] = "VLAN_FILTERED", [183] = "INVALID_VNI",
        [184] = "INVALID_TC_BUFFER", [185] = "NO_SID", [186] = "MISSING_SRV6_STATE", [187] = "NAT46", [188] = "NAT64", [189] = "AUTH_REQUIRED",
        [190] = "CT_NO_MAP_FOUND", [191] = "SNAT_NO_MAP_FOUND", [192] = "INVALID_CLUSTER_ID", [193] = "UNSUPPORTED_PROTOCOL_FOR_DSR_ENCAP",
        [194] = "NO_EGRESS_GATEWAY", [196] = "TTL_EXCEEDED", [197] = "NO_NODE_ID", [202] = "DROP_HOST_NOT_READY", [203] = "DROP_EP_NOT_READY",
    };

    /// <summary>Cilium's reserved identities by number, for endpoints logged without labels.</summary>
    private static readonly Dictionary<long, string> ReservedIdentities = new()
    {
        [1] = "host", [2] = "world", [3] = "unmanaged", [4] = "health", [5] = "init", [6] = "remote-node", [7] = "kube-apiserver", [8] = "ingress", [9] = "world", [10] = "world",
    };

    private static readonly IReadOnlyDictionary<string, string> NoLabels = new Dictionary<string, string>();

    private readonly RawKeyCache<FlowEndpoint> endpoints = new();
    private readonly RawKeyCache<IReadOnlyList<string>> policies = new(10_000);
    private readonly RawKeyCache<string> nodes = new(10_000);
    private byte[] keyScratch = new byte[2048];

    /// <summary>What one line holds, as positions in the line where raw bytes serve as keys.</summary>
    private struct State
    {
        public DateTimeOffset? Time;
        public DateTimeOffset? TopTime;
        public int Verdict;
        public int DropReason;
        public string? DropReasonText;
        public (int Start, int Length) SourceIp;
        public (int Start, int Length) DestinationIp;
        public string? Protocol;
        public int Port;
        public (int Start, int Length) Source;
        public (int Start, int Length) Destination;
        public (int Start, int Length) SourceNames;
        public (int Start, int Length) DestinationNames;
        public (int Start, int Length) Node;
        public (int Start, int Length) TopNode;
        public (int Start, int Length) Policies;
        public int FlowType;
        public bool? Reply;
        public bool? IsReply;
        public int Direction;
        public string? NotAFlow;
        public bool SawFlowField;
        public bool SawIp;
    }

    public LineResult Parse(ReadOnlyMemory<byte> line, string file, long lineNumber)
    {
        var bytes = line.Span;
        var st = NewState();
        try
        {
            var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { MaxDepth = 64 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return LineResult.Bad("not a JSON object");
            }

            ReadObject(ref reader, ref st, top: true);
            if (reader.Read())
            {
                return LineResult.Bad("more than one JSON value on the line");
            }
        }
        catch (JsonException ex)
        {
            return LineResult.Bad("not valid JSON: " + ex.Message);
        }

        return Result(bytes, ref st, file, lineNumber);
    }

    private static State NewState() => new()
    {
        Verdict = -1, DropReason = -1, FlowType = -1, Direction = -1, SourceIp = (-1, 0), DestinationIp = (-1, 0), Source = (-1, 0), Destination = (-1, 0),
        SourceNames = (-1, 0), DestinationNames = (-1, 0), Node = (-1, 0), TopNode = (-1, 0), Policies = (-1, 0),
    };

    /// <summary>The flow (or why the line is none) from what was read of it.</summary>
    private LineResult Result(ReadOnlySpan<byte> bytes, ref State st, string file, long lineNumber)
    {
        if (st.NotAFlow is { } kind)
        {
            return LineResult.Skipped(kind);
        }

        if (!st.SawFlowField)
        {
            return LineResult.Bad("not a Hubble flow: no verdict, IP, layer 4 or endpoint field");
        }

        switch (st.FlowType)
        {
            case 2:
                return LineResult.Skipped("L7 record (its L3/L4 flow is counted)");
            case 3:
                return LineResult.Skipped("socket translation record");
        }

        if ((st.IsReply ?? st.Reply) == true)
        {
            return LineResult.Skipped("reply");
        }

        if (!st.SawIp && st.Source.Start < 0 && st.Destination.Start < 0)
        {
            return LineResult.Skipped("no IP layer");
        }

        var verdict = st.Verdict switch
        {
            1 or 5 or 6 or 7 => FlowVerdict.Forwarded,
            2 or 3 => FlowVerdict.Dropped,
            4 => FlowVerdict.Audit,
            _ => FlowVerdict.Unknown,
        };
        string? dropReason = null;
        if (verdict == FlowVerdict.Dropped)
        {
            dropReason = st.DropReasonText ?? (st.DropReason > 0 ? DropReasonNames.GetValueOrDefault(st.DropReason, "DROP_REASON_" + st.DropReason) : st.Verdict == 3 ? "ERROR" : null);
        }

        return LineResult.Of(new ObservedFlow
        {
            Source = Endpoint(bytes, st.Source, st.SourceIp, st.SourceNames),
            Destination = Endpoint(bytes, st.Destination, st.DestinationIp, st.DestinationNames),
            Protocol = st.Protocol ?? "IP",
            Port = st.Port,
            Direction = st.Direction switch { 1 => FlowDirection.Ingress, 2 => FlowDirection.Egress, _ => FlowDirection.Unknown },
            Verdict = verdict,
            DropReason = dropReason,
            Policies = Policies(bytes, st.Policies),
            Time = st.Time ?? st.TopTime,
            Node = Node(bytes, st.Node.Start >= 0 ? st.Node : st.TopNode),
            Count = 1,
            Format = FlowLogFormat.Hubble,
            File = file,
            Line = lineNumber,
        });
    }

    /// <summary>The lengths of the normalized member names read (flow, time, verdict, ip, l4, source, node_name, ...).</summary>
    private static readonly bool[] Wanted = Enumerable.Range(0, 32).Select(n => n is 2 or 4 or 5 or 6 or 7 or 8 or 10 or 11 or 14 or 15 or 16).ToArray();

    private static void ReadObject(ref Utf8JsonReader r, ref State st, bool top)
    {
        Span<byte> scratch = stackalloc byte[48];
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            var name = PbJson.Name(in r, scratch);
            r.Read();
            if (name.Length >= Wanted.Length || !Wanted[name.Length] || (name.Length == 4 && name[0] == (byte)'u'))
            {
                // uuid, ethernet, event_type, interface, Summary, trace_observation_point and the like: most
                // members of a line are told apart from the ones read by their length alone.
                r.Skip();
            }
            else if (top && name.SequenceEqual("flow"u8) && r.TokenType == JsonTokenType.StartObject)
            {
                ReadObject(ref r, ref st, top: false);
            }
            else if (top && (name.SequenceEqual("nodestatus"u8) || name.SequenceEqual("agentevent"u8) || name.SequenceEqual("debugevent"u8)))
            {
                st.NotAFlow = "not a flow (node status, agent or debug event)";
                r.Skip();
            }
            else if (top && name.SequenceEqual("lostevents"u8))
            {
                st.NotAFlow = "lost events reported by Hubble (flows it could not keep)";
                r.Skip();
            }
            else if (name.SequenceEqual("time"u8))
            {
                if (top && st.Time is not null)
                {
                    // The response's own time repeats the flow's, which came first.
                    r.Skip();
                }
                else if (top)
                {
                    st.TopTime = PbJson.Time(ref r);
                }
                else
                {
                    st.Time = PbJson.Time(ref r);
                }
            }
            else if (name.SequenceEqual("nodename"u8))
            {
                var span = PbJson.Span(ref r);
                if (top)
                {
                    st.TopNode = span;
                }
                else
                {
                    st.Node = span;
                }
            }
            else if (name.SequenceEqual("verdict"u8))
            {
                st.Verdict = PbJson.Enum(ref r, Verdicts);
                st.SawFlowField = true;
            }
            else if (name.SequenceEqual("dropreason"u8))
            {
                st.DropReason = (int)(PbJson.Int(ref r) ?? -1);
            }
            else if (name.SequenceEqual("dropreasondesc"u8))
            {
                if (r.TokenType == JsonTokenType.String && !(r.ValueSpan.Length > 0 && r.ValueSpan[0] is >= (byte)'0' and <= (byte)'9'))
                {
                    st.DropReasonText = r.GetString();
                }
                else if (PbJson.Int(ref r) is { } n && n > 0)
                {
                    st.DropReason = (int)n;
                }
            }
            else if (name.SequenceEqual("ip"u8) && r.TokenType == JsonTokenType.StartObject)
            {
                ReadIp(ref r, ref st);
                st.SawFlowField = st.SawIp = true;
            }
            else if (name.SequenceEqual("l4"u8) && r.TokenType == JsonTokenType.StartObject)
            {
                ReadL4(ref r, ref st);
                st.SawFlowField = true;
            }
            else if (name.SequenceEqual("source"u8) && r.TokenType == JsonTokenType.StartObject)
            {
                st.Source = Raw(ref r);
                st.SawFlowField = true;
            }
            else if (name.SequenceEqual("destination"u8) && r.TokenType == JsonTokenType.StartObject)
            {
                st.Destination = Raw(ref r);
                st.SawFlowField = true;
            }
            else if (name.SequenceEqual("sourcenames"u8) && r.TokenType == JsonTokenType.StartArray)
            {
                st.SourceNames = Raw(ref r);
            }
            else if (name.SequenceEqual("destinationnames"u8) && r.TokenType == JsonTokenType.StartArray)
            {
                st.DestinationNames = Raw(ref r);
            }
            else if (name.SequenceEqual("type"u8))
            {
                st.FlowType = PbJson.Enum(ref r, FlowTypes);
            }
            else if (name.SequenceEqual("reply"u8))
            {
                st.Reply = PbJson.Bool(ref r);
            }
            else if (name.SequenceEqual("isreply"u8))
            {
                st.IsReply = PbJson.Bool(ref r);
            }
            else if (name.SequenceEqual("trafficdirection"u8))
            {
                st.Direction = PbJson.Enum(ref r, Directions);
            }
            else if (r.TokenType == JsonTokenType.StartArray && (name.SequenceEqual("egressallowedby"u8) || name.SequenceEqual("ingressallowedby"u8) ||
                     name.SequenceEqual("egressdeniedby"u8) || name.SequenceEqual("ingressdeniedby"u8)))
            {
                // The policies sit in one stretch of the line in practice; from the first to the last list.
                var raw = Raw(ref r);
                st.Policies = st.Policies.Start < 0 ? raw : (st.Policies.Start, raw.Start + raw.Length - st.Policies.Start);
            }
            else
            {
                r.Skip();
            }
        }
    }

    /// <summary>The raw extent of the object or array at the reader, which is skipped.</summary>
    private static (int Start, int Length) Raw(ref Utf8JsonReader r)
    {
        var start = (int)r.TokenStartIndex;
        r.Skip();
        return (start, (int)r.BytesConsumed - start);
    }

    private static void ReadIp(ref Utf8JsonReader r, ref State st)
    {
        Span<byte> scratch = stackalloc byte[32];
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            var name = PbJson.Name(in r, scratch);
            r.Read();
            if (name.SequenceEqual("source"u8))
            {
                st.SourceIp = PbJson.Span(ref r);
            }
            else if (name.SequenceEqual("destination"u8))
            {
                st.DestinationIp = PbJson.Span(ref r);
            }
            else
            {
                r.Skip();
            }
        }
    }

    private static void ReadL4(ref Utf8JsonReader r, ref State st)
    {
        Span<byte> scratch = stackalloc byte[32];
        Span<byte> inner = stackalloc byte[32];
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            var name = PbJson.Name(in r, scratch);
            r.Read();
            if (r.TokenType != JsonTokenType.StartObject)
            {
                r.Skip();
                continue;
            }

            var protocol = name.SequenceEqual("tcp"u8) ? "TCP" : name.SequenceEqual("udp"u8) ? "UDP" : name.SequenceEqual("sctp"u8) ? "SCTP"
                : name.SequenceEqual("icmpv4"u8) ? "ICMPv4" : name.SequenceEqual("icmpv6"u8) ? "ICMPv6" : null;
            if (protocol is null)
            {
                r.Skip();
                continue;
            }

            st.Protocol = protocol;
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                var field = PbJson.Name(in r, inner);
                r.Read();
                if (field.SequenceEqual("destinationport"u8) && protocol is "TCP" or "UDP" or "SCTP")
                {
                    st.Port = (int)Math.Clamp(PbJson.Int(ref r) ?? 0, 0, 65535);
                }
                else
                {
                    r.Skip();
                }
            }
        }
    }

    private FlowEndpoint Endpoint(ReadOnlySpan<byte> line, (int Start, int Length) raw, (int Start, int Length) ip, (int Start, int Length) names)
    {
        var length = Len(raw) + Len(ip) + Len(names) + 2;
        if (keyScratch.Length < length)
        {
            keyScratch = new byte[Math.Max(length, keyScratch.Length * 2)];
        }

        var key = keyScratch.AsSpan(0, length);
        var at = 0;
        foreach (var part in new[] { raw, ip, names })
        {
            if (part.Start >= 0)
            {
                line.Slice(part.Start, part.Length).CopyTo(key[at..]);
                at += part.Length;
            }

            if (at < length)
            {
                key[at++] = 0xFF;
            }
        }

        key = key[..at];
        if (endpoints.Get(key) is { } known)
        {
            return known;
        }

        var endpoint = BuildEndpoint(line, raw, ip, names);
        endpoints.Add(key, endpoint);
        return endpoint;
    }

    private static int Len((int Start, int Length) part) => part.Start >= 0 ? part.Length : 0;

    private static FlowEndpoint BuildEndpoint(ReadOnlySpan<byte> line, (int Start, int Length) raw, (int Start, int Length) ip, (int Start, int Length) names)
    {
        string? ns = null, pod = null, workload = null, workloadKind = null, entity = null, nsLabel = null;
        long identity = 0;
        Dictionary<string, string>? labels = null;
        if (raw.Start >= 0)
        {
            var r = new Utf8JsonReader(line.Slice(raw.Start, raw.Length));
            r.Read();
            Span<byte> scratch = stackalloc byte[32];
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                var name = PbJson.Name(in r, scratch);
                r.Read();
                if (name.SequenceEqual("namespace"u8))
                {
                    ns = Empty(PbJson.String(ref r));
                }
                else if (name.SequenceEqual("podname"u8))
                {
                    pod = Empty(PbJson.String(ref r));
                }
                else if (name.SequenceEqual("identity"u8))
                {
                    identity = PbJson.Int(ref r) ?? 0;
                }
                else if (name.SequenceEqual("labels"u8) && r.TokenType == JsonTokenType.StartArray)
                {
                    while (r.Read() && r.TokenType != JsonTokenType.EndArray)
                    {
                        if (PbJson.String(ref r) is not { } label)
                        {
                            continue;
                        }

                        var colon = label.IndexOf(':', StringComparison.Ordinal);
                        var source = colon > 0 ? label[..colon] : "k8s";
                        var kv = colon > 0 ? label[(colon + 1)..] : label;
                        var eq = kv.IndexOf('=', StringComparison.Ordinal);
                        var k = eq >= 0 ? kv[..eq] : kv;
                        var v = eq >= 0 ? kv[(eq + 1)..] : string.Empty;
                        if (source == "reserved")
                        {
                            entity ??= k.StartsWith("world", StringComparison.Ordinal) ? "world" : k;
                        }
                        else if (source == "k8s")
                        {
                            if (k == "io.kubernetes.pod.namespace")
                            {
                                nsLabel = v;
                            }
                            else if (!k.StartsWith("io.cilium.", StringComparison.Ordinal) && !k.StartsWith("io.kubernetes.pod.", StringComparison.Ordinal))
                            {
                                (labels ??= new Dictionary<string, string>(StringComparer.Ordinal))[k] = v;
                            }
                        }
                    }
                }
                else if (name.SequenceEqual("workloads"u8) && r.TokenType == JsonTokenType.StartArray)
                {
                    while (r.Read() && r.TokenType == JsonTokenType.StartObject)
                    {
                        string? wn = null, wk = null;
                        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
                        {
                            var field = PbJson.Name(in r, scratch);
                            r.Read();
                            if (field.SequenceEqual("name"u8))
                            {
                                wn = Empty(PbJson.String(ref r));
                            }
                            else if (field.SequenceEqual("kind"u8))
                            {
                                wk = Empty(PbJson.String(ref r));
                            }
                            else
                            {
                                r.Skip();
                            }
                        }

                        if (workload is null && wn is not null)
                        {
                            workload = wn;
                            workloadKind = wk;
                        }
                    }
                }
                else
                {
                    r.Skip();
                }
            }
        }

        ns ??= nsLabel;
        if (entity is null && ns is null && pod is null && identity > 0 && ReservedIdentities.TryGetValue(identity, out var reserved))
        {
            entity = reserved;
        }

        List<string>? dnsNames = null;
        if (names.Start >= 0)
        {
            var r = new Utf8JsonReader(line.Slice(names.Start, names.Length));
            r.Read();
            while (r.Read() && r.TokenType != JsonTokenType.EndArray)
            {
                if (Empty(PbJson.String(ref r)) is { } n)
                {
                    (dnsNames ??= new List<string>()).Add(n);
                }
            }
        }

        return new FlowEndpoint
        {
            Namespace = ns,
            Pod = pod,
            WorkloadName = workload,
            WorkloadKind = workloadKind,
            Labels = labels ?? NoLabels,
            Address = ip.Start >= 0 && ip.Length > 0 ? Encoding.UTF8.GetString(line.Slice(ip.Start, ip.Length)) : null,
            Entity = entity,
            Names = dnsNames ?? (IReadOnlyList<string>)Array.Empty<string>(),
        };
    }

    private static string? Empty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private string? Node(ReadOnlySpan<byte> line, (int Start, int Length) span)
    {
        if (span.Start < 0 || span.Length == 0)
        {
            return null;
        }

        var key = line.Slice(span.Start, span.Length);
        if (nodes.Get(key) is { } known)
        {
            return known;
        }

        var name = Encoding.UTF8.GetString(key);
        nodes.Add(key, name);
        return name;
    }

    /// <summary>The policies a policy-verdict event names (<c>egress_allowed_by</c> and the like), as <c>Kind namespace/name</c>.</summary>
    private IReadOnlyList<string> Policies(ReadOnlySpan<byte> line, (int Start, int Length) span)
    {
        if (span.Start < 0)
        {
            return Array.Empty<string>();
        }

        var raw = line.Slice(span.Start, span.Length);
        if (policies.Get(raw) is { } known)
        {
            return known;
        }

        // The stretch runs from the first list to the last, with the other lists' names between
        // them: behind a name of its own it is the body of an object.
        var bytes = Encoding.UTF8.GetBytes("{\"p\":" + Encoding.UTF8.GetString(raw) + "}");
        var list = new List<string>();
        try
        {
            var r = new Utf8JsonReader(bytes);
            Span<byte> scratch = stackalloc byte[32];
            while (r.Read())
            {
                if (r.TokenType != JsonTokenType.StartObject || r.CurrentDepth != 2)
                {
                    continue;
                }

                string? name = null, ns = null, kind = null;
                while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
                {
                    var field = PbJson.Name(in r, scratch);
                    r.Read();
                    if (field.SequenceEqual("name"u8))
                    {
                        name = Empty(PbJson.String(ref r));
                    }
                    else if (field.SequenceEqual("namespace"u8))
                    {
                        ns = Empty(PbJson.String(ref r));
                    }
                    else if (field.SequenceEqual("kind"u8))
                    {
                        kind = Empty(PbJson.String(ref r));
                    }
                    else
                    {
                        r.Skip();
                    }
                }

                if (name is not null)
                {
                    var text1 = (kind is null ? string.Empty : kind + " ") + (ns is null ? name : ns + "/" + name);
                    if (!list.Contains(text1))
                    {
                        list.Add(text1);
                    }
                }
            }
        }
        catch (JsonException)
        {
            // The policies are evidence only; a stretch that does not read back is left out.
        }

        IReadOnlyList<string> result = list.Count == 0 ? Array.Empty<string>() : list;
        policies.Add(raw, result);
        return result;
    }
}
