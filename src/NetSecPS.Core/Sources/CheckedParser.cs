using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace NetSecPS.Core.Sources;

/// <summary>
/// YamlDotNet's parser with the <see cref="InputLimits"/> applied as the events stream past: a
/// value too long, a nesting too deep. Deep flow nesting costs the scanner time quadratic in the
/// depth (100,000 levels took 25 s), so the depth is refused at the first event beyond the limit,
/// not after the document is read.
/// </summary>
internal sealed class CheckedParser : IParser
{
    private readonly Parser parser;
    private readonly BudgetedTextReader text;
    private readonly InputLimits limits;
    private int depth;

    public CheckedParser(TextReader reader, InputLimits limits)
    {
        this.limits = limits;
        text = new BudgetedTextReader(reader, limits.MaxValueChars);
        parser = new Parser(text);
    }

    public ParsingEvent? Current => parser.Current;

    public bool MoveNext()
    {
        if (!parser.MoveNext())
        {
            return false;
        }

        var e = parser.Current!;
        text.EventRead(e.End);
        switch (e)
        {
            case MappingStart or SequenceStart:
                if (++depth > limits.MaxNestingDepth)
                {
                    throw new InputLimitException("NestingTooDeep",
                        $"Nesting is deeper than {limits.MaxNestingDepth.ToString(CultureInfo.InvariantCulture)} levels (Kubernetes objects nest about 15 deep). The rest of the file is not read.",
                        (int)e.Start.Line, (int)e.Start.Column);
                }

                break;
            case MappingEnd or SequenceEnd:
                depth--;
                break;
            case Scalar scalar when scalar.Value.Length > limits.MaxValueChars:
                throw new InputLimitException("ValueTooLarge",
                    string.Create(CultureInfo.InvariantCulture, $"A value of {scalar.Value.Length:N0} characters is longer than {InputLimits.Size(limits.MaxValueChars)}: no Kubernetes object can hold it, as the API server refuses requests above {InputLimits.Size(InputLimits.ApiServerRequestBytes)}. The rest of the file is not read."),
                    (int)e.Start.Line, (int)e.Start.Column);
        }

        return true;
    }
}
