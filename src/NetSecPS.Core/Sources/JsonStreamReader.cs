using System.Text;
using System.Text.Json;

namespace NetSecPS.Core.Sources;

/// <summary>
/// Walks a large JSON document from a stream one token or one complete value at a time, holding
/// only the bytes of the value at hand: a saved snapshot of 50,000 pods never becomes one JSON
/// tree in memory.
/// </summary>
internal sealed class JsonStreamReader
{
    private readonly Stream stream;
    private readonly int maxValueBytes;
    private byte[] buffer = new byte[1 << 16];
    private int start;
    private int end;
    private bool finalBlock;
    private JsonReaderState state = new(new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, MaxDepth = 256 });

    /// <param name="stream">The JSON text.</param>
    /// <param name="maxValueBytes">The largest single value the reader holds; a larger one is refused, not buffered.</param>
    public JsonStreamReader(Stream stream, int maxValueBytes = int.MaxValue)
    {
        this.stream = stream;
        this.maxValueBytes = Math.Min(maxValueBytes, Array.MaxLength);
    }

    /// <summary>The next token; for a property name or a string its text, for a number its raw text.</summary>
    public (JsonTokenType Type, string? Text) ReadToken()
    {
        while (true)
        {
            var reader = new Utf8JsonReader(buffer.AsSpan(start, end - start), finalBlock, state);
            if (reader.Read())
            {
                var text = reader.TokenType switch
                {
                    JsonTokenType.PropertyName or JsonTokenType.String => reader.GetString(),
                    JsonTokenType.Number => Encoding.UTF8.GetString(reader.ValueSpan),
                    _ => null,
                };
                start += (int)reader.BytesConsumed;
                state = reader.CurrentState;
                return (reader.TokenType, text);
            }

            // Blanks before the next token are consumed too, or a run of them would pile up in the buffer.
            start += (int)reader.BytesConsumed;
            state = reader.CurrentState;
            if (!Refill())
            {
                throw new JsonException("The JSON ends before the document does.");
            }
        }
    }

    /// <summary>
    /// The next complete value (object, array or scalar) as UTF-8 text; valid until the next call.
    /// Returns false at the end of the enclosing array.
    /// </summary>
    public bool TryReadValue(out ReadOnlySpan<byte> value)
    {
        while (true)
        {
            var reader = new Utf8JsonReader(buffer.AsSpan(start, end - start), finalBlock, state);
            if (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.EndArray or JsonTokenType.EndObject)
                {
                    start += (int)reader.BytesConsumed;
                    state = reader.CurrentState;
                    value = default;
                    return false;
                }

                var valueStart = (int)reader.TokenStartIndex;
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && !reader.TrySkip())
                {
                    if (!Refill())
                    {
                        throw new JsonException("The JSON ends inside a value.");
                    }

                    continue;
                }

                var consumed = (int)reader.BytesConsumed;
                value = buffer.AsSpan(start + valueStart, consumed - valueStart);
                start += consumed;
                state = reader.CurrentState;
                return true;
            }

            start += (int)reader.BytesConsumed;
            state = reader.CurrentState;
            if (!Refill())
            {
                throw new JsonException("The JSON ends before the document does.");
            }
        }
    }

    /// <summary>Keeps the bytes not yet consumed, grows the buffer when one value fills it, and reads more.</summary>
    private bool Refill()
    {
        if (finalBlock)
        {
            return false;
        }

        if (start > 0)
        {
            Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
            end -= start;
            start = 0;
        }

        if (end == buffer.Length)
        {
            if (buffer.Length >= maxValueBytes)
            {
                throw new InputLimitException("ValueTooLarge", $"One value is larger than {InputLimits.Size(maxValueBytes)}.");
            }

            Array.Resize(ref buffer, (int)Math.Min(maxValueBytes, buffer.Length * 2L));
        }

        var read = stream.Read(buffer, end, buffer.Length - end);
        if (read == 0)
        {
            finalBlock = true;
        }

        end += read;
        return true;
    }
}
