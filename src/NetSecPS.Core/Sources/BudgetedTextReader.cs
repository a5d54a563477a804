using System.Globalization;
using YamlDotNet.Core;

namespace NetSecPS.Core.Sources;

/// <summary>
/// The text the YAML parser reads, with a budget on how much it may read for one token. The
/// scanner collects a whole scalar before it hands it over, so a 200 MB value would be in memory
/// twice before anyone could look at its length; this reader refuses it as it streams past.
/// Whatever the scanner reads between two parsing events is one token, the blanks and comments
/// before it and a little look-ahead.
/// </summary>
internal sealed class BudgetedTextReader : TextReader
{
    /// <summary>The scanner's look-ahead: its buffer block and the 1,024 characters a simple key may span.</summary>
    private const int LookAhead = 4096;

    private readonly TextReader inner;
    private readonly int maxTokenChars;
    private long position;
    private long limit;
    private Mark lastEventEnd = Mark.Empty;

    public BudgetedTextReader(TextReader inner, int maxTokenChars)
    {
        this.inner = inner;
        this.maxTokenChars = maxTokenChars;
        limit = (long)maxTokenChars + LookAhead;
    }

    /// <summary>The parser produced an event ending at <paramref name="end"/>: the next token's budget starts here.</summary>
    public void EventRead(Mark end)
    {
        lastEventEnd = end;
        limit = position + maxTokenChars + LookAhead;
    }

    public override int Peek() => inner.Peek();

    public override int Read()
    {
        var c = inner.Read();
        if (c >= 0)
        {
            Advance(1);
        }

        return c;
    }

    public override int Read(char[] buffer, int index, int count) => Advance(inner.Read(buffer, index, count));

    public override int Read(Span<char> buffer) => Advance(inner.Read(buffer));

    private int Advance(int read)
    {
        position += read;
        if (position > limit)
        {
            var line = (int)Math.Max(1, lastEventEnd.Line);
            throw new InputLimitException("ValueTooLarge",
                $"A value after line {line.ToString(CultureInfo.InvariantCulture)} is longer than {InputLimits.Size(maxTokenChars)} (or as long a comment): no Kubernetes object can hold it, as the API server refuses requests above {InputLimits.Size(InputLimits.ApiServerRequestBytes)}. The rest of the file is not read.",
                line, (int)Math.Max(1, lastEventEnd.Column));
        }

        return read;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
