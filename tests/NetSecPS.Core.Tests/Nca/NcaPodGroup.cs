namespace NetSecPS.Core.Tests.Nca;

/// <summary>
/// One entry of an NCA fw-rule's pod list (<c>src_pods: [...]</c>): <c>*</c> (every pod of the
/// listed namespaces), an owner or pod name (<c>calico-node</c>, <c>details-v1-79f774bdb9</c>,
/// <c>default/cog-agents-d54st</c>), or a label expression over the pod's labels
/// (<c>app=web</c>, <c>app!=web</c>, <c>has(app)</c>, <c>!has(app)</c>, <c>app in (a,b)</c>,
/// <c>app not in (a,b)</c>, joined with <c>and</c>/<c>or</c> and parentheses).
/// </summary>
internal abstract record NcaPodGroup
{
    /// <summary>True when the pod (its labels and the names it is known by) is in the group.</summary>
    public abstract bool Matches(IReadOnlyDictionary<string, string> labels, IReadOnlySet<string> names);

    public static NcaPodGroup Parse(string text)
    {
        var t = text.Trim();
        if (t == "*")
        {
            return new Everything();
        }

        if (!LooksLikeExpression(t))
        {
            return new Named(t);
        }

        var parser = new ExpressionParser(t);
        var result = parser.ParseOr();
        parser.End();
        return result;
    }

    private static bool LooksLikeExpression(string t) =>
        t.Contains('=', StringComparison.Ordinal) || t.Contains("has(", StringComparison.Ordinal) || t.Contains(" in (", StringComparison.Ordinal);

    public sealed record Everything : NcaPodGroup
    {
        public override bool Matches(IReadOnlyDictionary<string, string> labels, IReadOnlySet<string> names) => true;
    }

    /// <summary>An owner name, a pod name, or <c>namespace/pod</c>.</summary>
    public sealed record Named(string Name) : NcaPodGroup
    {
        public override bool Matches(IReadOnlyDictionary<string, string> labels, IReadOnlySet<string> names) => names.Contains(Name);
    }

    public sealed record Equal(string Key, string Value) : NcaPodGroup
    {
        public override bool Matches(IReadOnlyDictionary<string, string> labels, IReadOnlySet<string> names) => labels.TryGetValue(Key, out var v) && v == Value;
    }

    /// <summary><c>k!=v</c>: NCA writes <c>has(k) and k!=v</c> where presence matters, so a pod without the key is in the group.</summary>
    public sealed record NotEqual(string Key, string Value) : NcaPodGroup
    {
        public override bool Matches(IReadOnlyDictionary<string, string> labels, IReadOnlySet<string> names) => !labels.TryGetValue(Key, out var v) || v != Value;
    }

    public sealed record Has(string Key) : NcaPodGroup
    {
        public override bool Matches(IReadOnlyDictionary<string, string> labels, IReadOnlySet<string> names) => labels.ContainsKey(Key);
    }

    public sealed record In(string Key, IReadOnlyList<string> Values, bool Negated) : NcaPodGroup
    {
        public override bool Matches(IReadOnlyDictionary<string, string> labels, IReadOnlySet<string> names) =>
            labels.TryGetValue(Key, out var v) ? Values.Contains(v) != Negated : Negated;
    }

    public sealed record Not(NcaPodGroup Inner) : NcaPodGroup
    {
        public override bool Matches(IReadOnlyDictionary<string, string> labels, IReadOnlySet<string> names) => !Inner.Matches(labels, names);
    }

    public sealed record And(NcaPodGroup Left, NcaPodGroup Right) : NcaPodGroup
    {
        public override bool Matches(IReadOnlyDictionary<string, string> labels, IReadOnlySet<string> names) => Left.Matches(labels, names) && Right.Matches(labels, names);
    }

    public sealed record Or(NcaPodGroup Left, NcaPodGroup Right) : NcaPodGroup
    {
        public override bool Matches(IReadOnlyDictionary<string, string> labels, IReadOnlySet<string> names) => Left.Matches(labels, names) || Right.Matches(labels, names);
    }

    private sealed class ExpressionParser
    {
        private readonly string text;
        private int pos;

        public ExpressionParser(string text) => this.text = text;

        public NcaPodGroup ParseOr()
        {
            var left = ParseAnd();
            while (TryWord("or"))
            {
                left = new Or(left, ParseAnd());
            }

            return left;
        }

        public void End()
        {
            SkipSpaces();
            if (pos != text.Length)
            {
                throw new FormatException($"unexpected '{text[pos..]}' in pod group '{text}'");
            }
        }

        private NcaPodGroup ParseAnd()
        {
            var left = ParseFactor();
            while (TryWord("and"))
            {
                left = new And(left, ParseFactor());
            }

            return left;
        }

        private NcaPodGroup ParseFactor()
        {
            SkipSpaces();
            if (TryLiteral("("))
            {
                var inner = ParseOr();
                Expect(")");
                return inner;
            }

            if (TryLiteral("!has("))
            {
                var key = ReadUntil(')');
                Expect(")");
                return new Not(new Has(key));
            }

            if (TryLiteral("has("))
            {
                var key = ReadUntil(')');
                Expect(")");
                return new Has(key);
            }

            var start = pos;
            while (pos < text.Length && !char.IsWhiteSpace(text[pos]) && text[pos] is not ('=' or '!' or ')' or '('))
            {
                pos++;
            }

            var k = text[start..pos];
            if (k.Length == 0)
            {
                throw new FormatException($"expected a label key at {pos} in '{text}'");
            }

            if (TryLiteral("!="))
            {
                return new NotEqual(k, ReadValue());
            }

            if (TryLiteral("="))
            {
                return new Equal(k, ReadValue());
            }

            if (TryWord("not"))
            {
                if (!TryWord("in"))
                {
                    throw new FormatException($"expected 'not in' at {pos} in '{text}'");
                }

                return new In(k, ReadList(), true);
            }

            if (TryWord("in"))
            {
                return new In(k, ReadList(), false);
            }

            throw new FormatException($"expected an operator after '{k}' at {pos} in '{text}'");
        }

        private string ReadValue()
        {
            var start = pos;
            while (pos < text.Length && !char.IsWhiteSpace(text[pos]) && text[pos] != ')')
            {
                pos++;
            }

            return text[start..pos];
        }

        private List<string> ReadList()
        {
            SkipSpaces();
            Expect("(");
            var body = ReadUntil(')');
            Expect(")");
            return body.Split(',').Select(v => v.Trim()).Where(v => v.Length > 0).ToList();
        }

        private string ReadUntil(char end)
        {
            var close = text.IndexOf(end, pos);
            if (close < 0)
            {
                throw new FormatException($"missing '{end}' in '{text}'");
            }

            var s = text[pos..close];
            pos = close;
            return s.Trim();
        }

        private void SkipSpaces()
        {
            while (pos < text.Length && char.IsWhiteSpace(text[pos]))
            {
                pos++;
            }
        }

        private bool TryLiteral(string literal)
        {
            SkipSpaces();
            if (string.CompareOrdinal(text, pos, literal, 0, literal.Length) == 0)
            {
                pos += literal.Length;
                return true;
            }

            return false;
        }

        private bool TryWord(string word)
        {
            SkipSpaces();
            var end = pos + word.Length;
            if (string.CompareOrdinal(text, pos, word, 0, word.Length) == 0 && (end == text.Length || char.IsWhiteSpace(text[end]) || text[end] == '('))
            {
                pos = end;
                return true;
            }

            return false;
        }

        private void Expect(string literal)
        {
            if (!TryLiteral(literal))
            {
                throw new FormatException($"expected '{literal}' at {pos} in '{text}'");
            }
        }
    }
}
