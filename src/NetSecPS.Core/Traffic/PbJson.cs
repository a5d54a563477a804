using System.Buffers.Text;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace NetSecPS.Core.Traffic;

/// <summary>
/// Reading protobuf JSON as exporters write it: field names in proto style (<c>source_port</c>),
/// lowerCamel (<c>sourcePort</c>) or as declared (<c>IP</c>, <c>Type</c>) all match one
/// normalized name (ASCII letters lowercased, underscores dropped), and enums may be written by
/// name or by number.
/// </summary>
internal static class PbJson
{
    /// <summary>The property name at the reader, normalized into <paramref name="scratch"/>.</summary>
    public static ReadOnlySpan<byte> Name(in Utf8JsonReader reader, Span<byte> scratch)
    {
        if (reader.ValueIsEscaped)
        {
            var text = reader.GetString() ?? string.Empty;
            Span<byte> utf8 = stackalloc byte[Math.Min(Encoding.UTF8.GetMaxByteCount(text.Length), 256)];
            var count = Encoding.UTF8.GetByteCount(text) <= utf8.Length ? Encoding.UTF8.GetBytes(text, utf8) : 0;
            return Normalize(utf8[..count], scratch);
        }

        return Normalize(reader.ValueSpan, scratch);
    }

    /// <summary>ASCII letters lowercased, <c>_</c> and <c>-</c> dropped; longer names are cut (no field we read is that long).</summary>
    public static ReadOnlySpan<byte> Normalize(scoped ReadOnlySpan<byte> raw, Span<byte> scratch)
    {
        var n = 0;
        foreach (var b in raw)
        {
            if (b is (byte)'_' or (byte)'-')
            {
                continue;
            }

            if (n == scratch.Length)
            {
                break;
            }

            scratch[n++] = b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b + 32) : b;
        }

        return scratch[..n];
    }

    /// <summary>The normalized form of a name as text (for tables of enum names and for JsonElement property names).</summary>
    public static string Normalize(string name)
    {
        var sb = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            if (c is '_' or '-')
            {
                continue;
            }

            sb.Append(char.ToLowerInvariant(c));
        }

        return sb.ToString();
    }

    /// <summary>A string value; numbers and booleans as their text; null for null.</summary>
    public static string? String(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Number => Encoding.UTF8.GetString(reader.ValueSpan),
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        JsonTokenType.StartObject or JsonTokenType.StartArray => SkipValue(ref reader),
        _ => null,
    };

    private static string? SkipValue(ref Utf8JsonReader reader)
    {
        reader.Skip();
        return null;
    }

    /// <summary>An integer written as a number or as a string (protobuf JSON writes 64-bit integers as strings).</summary>
    public static long? Int(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Number:
                if (reader.TryGetInt64(out var l))
                {
                    return l;
                }

                return reader.TryGetDouble(out var d) && d is >= long.MinValue and <= long.MaxValue ? (long)d : null;
            case JsonTokenType.String:
                return Utf8Parser.TryParse(reader.ValueSpan, out long v, out var consumed) && consumed == reader.ValueSpan.Length ? v : null;
            case JsonTokenType.StartObject or JsonTokenType.StartArray:
                reader.Skip();
                return null;
            default:
                return null;
        }
    }

    /// <summary>A boolean, or a <c>google.protobuf.BoolValue</c> written as an object; null when absent or not a boolean.</summary>
    public static bool? Bool(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.True:
                return true;
            case JsonTokenType.False:
                return false;
            case JsonTokenType.String:
                return reader.ValueTextEquals("true"u8) ? true : reader.ValueTextEquals("false"u8) ? false : null;
            case JsonTokenType.StartObject:
                bool? value = null;
                Span<byte> scratch = stackalloc byte[32];
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var name = Name(in reader, scratch);
                    reader.Read();
                    if (name.SequenceEqual("value"u8))
                    {
                        value = Bool(ref reader);
                    }
                    else
                    {
                        reader.Skip();
                    }
                }

                return value;
            case JsonTokenType.StartArray:
                reader.Skip();
                return null;
            default:
                return null;
        }
    }

    /// <summary>
    /// A time: RFC 3339 text (protobuf JSON), seconds (or milliseconds) since the epoch as a number
    /// or a string, or a <c>{seconds, nanos}</c> object (older Hubble JSON).
    /// </summary>
    public static DateTimeOffset? Time(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                if (Utf8Parser.TryParse(reader.ValueSpan, out long epoch, out var consumed) && consumed == reader.ValueSpan.Length)
                {
                    return FromEpoch(epoch);
                }

                return !reader.ValueIsEscaped && TryParseRfc3339(reader.ValueSpan, out var fast) ? fast : ParseTime(reader.GetString());
            case JsonTokenType.Number:
                return reader.TryGetInt64(out var n) ? FromEpoch(n) : reader.TryGetDouble(out var f) ? FromEpoch((long)f) : null;
            case JsonTokenType.StartObject:
                long seconds = 0, nanos = 0;
                var any = false;
                Span<byte> scratch = stackalloc byte[32];
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var name = Name(in reader, scratch);
                    reader.Read();
                    if (name.SequenceEqual("seconds"u8))
                    {
                        seconds = Int(ref reader) ?? 0;
                        any = true;
                    }
                    else if (name.SequenceEqual("nanos"u8))
                    {
                        nanos = Int(ref reader) ?? 0;
                    }
                    else
                    {
                        reader.Skip();
                    }
                }

                return any ? DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(nanos / 100) : null;
            case JsonTokenType.StartArray:
                reader.Skip();
                return null;
            default:
                return null;
        }
    }

    /// <summary>
    /// RFC 3339 as protobuf JSON writes it (<c>2026-11-27T09:00:40.463303123Z</c>, any number of
    /// fractional digits, <c>Z</c> or an offset), read from the bytes: a log has a time per line.
    /// </summary>
    public static bool TryParseRfc3339(ReadOnlySpan<byte> s, out DateTimeOffset value)
    {
        value = default;
        if (s.Length < 20 || s[4] != '-' || s[7] != '-' || s[10] is not ((byte)'T' or (byte)'t' or (byte)' ') || s[13] != ':' || s[16] != ':')
        {
            return false;
        }

        static int D(ReadOnlySpan<byte> s, int at, int count)
        {
            var v = 0;
            for (var i = at; i < at + count; i++)
            {
                var d = s[i] - '0';
                if (d is < 0 or > 9)
                {
                    return -1;
                }

                v = (v * 10) + d;
            }

            return v;
        }

        int year = D(s, 0, 4), month = D(s, 5, 2), day = D(s, 8, 2), hour = D(s, 11, 2), minute = D(s, 14, 2), second = D(s, 17, 2);
        if (year < 1 || month is < 1 or > 12 || day is < 1 or > 31 || hour is < 0 or > 23 || minute is < 0 or > 59 || second is < 0 or > 59 || day > DateTime.DaysInMonth(year, month))
        {
            return false;
        }

        var at = 19;
        long ticks = 0;
        if (at < s.Length && s[at] == '.')
        {
            at++;
            var digits = 0;
            while (at < s.Length && s[at] is >= (byte)'0' and <= (byte)'9')
            {
                if (digits < 7)
                {
                    ticks = (ticks * 10) + (s[at] - '0');
                    digits++;
                }

                at++;
            }

            for (; digits < 7; digits++)
            {
                ticks *= 10;
            }
        }

        TimeSpan offset;
        if (at == s.Length - 1 && s[at] is (byte)'Z' or (byte)'z')
        {
            offset = TimeSpan.Zero;
        }
        else if (at == s.Length - 6 && s[at] is (byte)'+' or (byte)'-' && s[at + 3] == ':' && D(s, at + 1, 2) is var oh and >= 0 and <= 14 && D(s, at + 4, 2) is var om and >= 0 and <= 59)
        {
            offset = new TimeSpan(oh, om, 0) * (s[at] == '-' ? -1 : 1);
        }
        else
        {
            return false;
        }

        value = new DateTimeOffset(year, month, day, hour, minute, second, offset).AddTicks(ticks);
        return true;
    }

    /// <summary>Seconds since the epoch, or milliseconds when the number is too large to be seconds.</summary>
    public static DateTimeOffset? FromEpoch(long value)
    {
        if (value <= 0)
        {
            return null;
        }

        try
        {
            return value > 100_000_000_000 ? DateTimeOffset.FromUnixTimeMilliseconds(value) : DateTimeOffset.FromUnixTimeSeconds(value);
        }
        catch (ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    public static DateTimeOffset? ParseTime(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var epoch))
        {
            return FromEpoch(epoch);
        }

        text = text.Trim();
        // RFC 3339 allows nine fractional digits (protobuf JSON writes them); .NET reads seven.
        var dot = text.IndexOf('.', StringComparison.Ordinal);
        if (dot > 0)
        {
            var end = dot + 1;
            while (end < text.Length && char.IsAsciiDigit(text[end]))
            {
                end++;
            }

            if (end - dot - 1 > 7)
            {
                text = string.Concat(text.AsSpan(0, dot + 8), text.AsSpan(end));
            }
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;
    }

    /// <summary>
    /// An enum value: its number, or its name looked up (normalized) in <paramref name="names"/>.
    /// -1 when absent or unknown.
    /// </summary>
    public static int Enum(ref Utf8JsonReader reader, IReadOnlyDictionary<string, int> names)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Number:
                return reader.TryGetInt32(out var n) ? n : -1;
            case JsonTokenType.String:
                if (Utf8Parser.TryParse(reader.ValueSpan, out int v, out var consumed) && consumed == reader.ValueSpan.Length)
                {
                    return v;
                }

                Span<byte> scratch = stackalloc byte[64];
                var name = Name(in reader, scratch);
                return names.TryGetValue(Encoding.ASCII.GetString(name), out var value) ? value : -1;
            case JsonTokenType.StartObject or JsonTokenType.StartArray:
                reader.Skip();
                return -1;
            default:
                return -1;
        }
    }

    /// <summary>An enum table keyed by normalized names.</summary>
    public static Dictionary<string, int> Names(params (string Name, int Value)[] values)
    {
        var d = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (name, value) in values)
        {
            d[Normalize(name)] = value;
        }

        return d;
    }

    /// <summary>Where the current string token's unescaped value lies in the input, for keys built from raw bytes.</summary>
    public static (int Start, int Length) Span(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped ? ((int)reader.TokenStartIndex + 1, reader.ValueSpan.Length) : (-1, 0);

    /// <summary>A fast 64-bit hash of bytes (for cache keys; collisions are checked by the callers).</summary>
    public static ulong Hash(ReadOnlySpan<byte> bytes)
    {
        const ulong prime = 0x9E3779B97F4A7C15;
        var h = 0xCBF29CE484222325 ^ (ulong)bytes.Length;
        var words = MemoryMarshal.Cast<byte, ulong>(bytes);
        foreach (var w in words)
        {
            h = (h ^ w) * prime;
            h ^= h >> 29;
        }

        for (var i = words.Length * 8; i < bytes.Length; i++)
        {
            h = (h ^ bytes[i]) * prime;
        }

        return h ^ (h >> 32);
    }
}

/// <summary>A bounded cache keyed by raw bytes: a repeated endpoint of a log is built once.</summary>
internal sealed class RawKeyCache<T>
    where T : class
{
    private readonly Dictionary<ulong, (byte[] Key, T Value)> map = new();
    private readonly int maxEntries;

    public RawKeyCache(int maxEntries = 200_000) => this.maxEntries = maxEntries;

    public T? Get(ReadOnlySpan<byte> key) =>
        map.TryGetValue(PbJson.Hash(key), out var e) && e.Key.AsSpan().SequenceEqual(key) ? e.Value : null;

    public void Add(ReadOnlySpan<byte> key, T value)
    {
        if (map.Count >= maxEntries)
        {
            // Many distinct addresses (the internet) must not grow the cache without bound.
            map.Clear();
        }

        map[PbJson.Hash(key)] = (key.ToArray(), value);
    }
}
