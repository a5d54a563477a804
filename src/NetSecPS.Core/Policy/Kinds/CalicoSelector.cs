using System.Text;

namespace NetSecPS.Core.Policy;

/// <summary>
/// What a Calico selector is evaluated against: an endpoint's labels (a pod's, a network set's),
/// including the labels Calico adds (<c>projectcalico.org/namespace</c>, <c>pcns.*</c>, ...).
/// </summary>
internal interface ICalicoLabels
{
    bool TryGet(string key, out string value);
}

/// <summary>How a selector's label names are read: as written, or as a namespace or service account selector.</summary>
internal enum CalicoSelectorScope
{
    /// <summary>Against the endpoint's labels (<c>selector</c>, <c>notSelector</c>).</summary>
    Endpoint,

    /// <summary>
    /// <c>namespaceSelector</c>: label names are the namespace's (Calico prefixes them with
    /// <c>pcns.</c>), <c>all()</c> is every namespaced endpoint and <c>global()</c> every
    /// non-namespaced one (GlobalNetworkSets, host endpoints).
    /// </summary>
    Namespace,

    /// <summary><c>serviceAccountSelector</c>, <c>serviceAccounts.selector</c>: label names are the service account's (<c>pcsa.</c>).</summary>
    ServiceAccount,
}

/// <summary>A Calico selector that failed to parse: the reason and the position (0-based) in the text.</summary>
internal sealed record CalicoSelectorError(string Message, int Position)
{
    public override string ToString() => $"{Message} at position {Position + 1}";
}

/// <summary>
/// A Calico label selector (projectcalico.org/v3 <c>selector</c> syntax), parsed as Calico's
/// libcalico-go parser parses it: <c>k == 'v'</c>, <c>k != 'v'</c> (also true when <c>k</c> is
/// absent), <c>k in {'a','b'}</c>, <c>k not in {...}</c> (also true when absent), <c>has(k)</c>,
/// <c>k contains 'v'</c>, <c>k starts with 'v'</c>, <c>k ends with 'v'</c>, <c>all()</c>,
/// <c>global()</c>, <c>!</c>, <c>&amp;&amp;</c>, <c>||</c> and parentheses, with <c>!</c> binding
/// tighter than <c>&amp;&amp;</c>, and <c>&amp;&amp;</c> than <c>||</c>; strings in single or
/// double quotes, without escapes; label names of letters, digits and <c>_ . / -</c>. The empty
/// selector is <c>all()</c>.
/// </summary>
internal sealed class CalicoSelector
{
    private readonly Node root;

    private CalicoSelector(Node root, string text)
    {
        this.root = root;
        Text = text;
        Canonical = root.ToString();
    }

    public static CalicoSelector All { get; } = new(new AllNode(), "all()");

    /// <summary>The selector as written.</summary>
    public string Text { get; }

    /// <summary>A normal form: equal for selectors that differ only in spacing and quotes (cache keys).</summary>
    public string Canonical { get; }

    /// <summary>True for <c>all()</c> and the empty selector.</summary>
    public bool IsAll => root is AllNode;

    /// <summary>True for <c>global()</c>.</summary>
    public bool IsGlobal => root is GlobalNode;

    public bool Matches(ICalicoLabels labels, CalicoSelectorScope scope = CalicoSelectorScope.Endpoint) => root.Evaluate(labels, scope);

    public override string ToString() => Text;

    /// <summary>Parses a selector; null with <paramref name="error"/> (reason and position) when the text is not a valid selector.</summary>
    public static CalicoSelector? Parse(string? text, out CalicoSelectorError? error)
    {
        error = null;
        text ??= string.Empty;
        var tokens = new List<Token>();
        if (Tokenize(text, tokens) is { } tokenError)
        {
            error = tokenError;
            return null;
        }

        if (tokens[0].Kind == TokenKind.End)
        {
            return new CalicoSelector(new AllNode(), text);
        }

        var parser = new Parser(tokens);
        try
        {
            var node = parser.ParseOr();
            if (parser.Current.Kind != TokenKind.End)
            {
                throw new SelectorSyntaxException($"unexpected {Describe(parser.Current)} after a complete expression", parser.Current.Position);
            }

            return new CalicoSelector(node, text);
        }
        catch (SelectorSyntaxException e)
        {
            error = new CalicoSelectorError(e.Message, e.Position);
            return null;
        }
    }

    // ---------------------------------------------------------------- tokens

    private enum TokenKind
    {
        Label,
        String,
        LBrace,
        RBrace,
        Comma,
        Eq,
        Ne,
        In,
        NotIn,
        Not,
        Contains,
        StartsWith,
        EndsWith,
        All,
        Global,
        Has,
        LParen,
        RParen,
        And,
        Or,
        End,
    }

    private readonly record struct Token(TokenKind Kind, string Value, int Position);

    private static string Describe(Token t) => t.Kind switch
    {
        TokenKind.End => "end of selector",
        TokenKind.Label => $"label '{t.Value}'",
        TokenKind.String => $"string '{t.Value}'",
        TokenKind.LBrace => "'{'",
        TokenKind.RBrace => "'}'",
        TokenKind.Comma => "','",
        TokenKind.Eq => "'=='",
        TokenKind.Ne => "'!='",
        TokenKind.In => "'in'",
        TokenKind.NotIn => "'not in'",
        TokenKind.Not => "'!'",
        TokenKind.Contains => "'contains'",
        TokenKind.StartsWith => "'starts with'",
        TokenKind.EndsWith => "'ends with'",
        TokenKind.All => "'all()'",
        TokenKind.Global => "'global()'",
        TokenKind.Has => $"'has({t.Value})'",
        TokenKind.LParen => "'('",
        TokenKind.RParen => "')'",
        TokenKind.And => "'&&'",
        TokenKind.Or => "'||'",
        _ => t.Kind.ToString(),
    };

    private static bool IsLabelChar(char c) => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_' or '.' or '/' or '-';

    private static int LabelEnd(string text, int i)
    {
        while (i < text.Length && IsLabelChar(text[i]))
        {
            i++;
        }

        return i;
    }

    private static int SkipSpaces(string text, int i)
    {
        // Calico's tokenizer skips spaces and tabs only.
        while (i < text.Length && text[i] is ' ' or '\t')
        {
            i++;
        }

        return i;
    }

    private static bool At(string text, int i, string word) => string.CompareOrdinal(text, i, word, 0, word.Length) == 0;

    /// <summary>Calico's tokenizer: an operator word is read only right after a label, a label name is at most 512 characters.</summary>
    private static CalicoSelectorError? Tokenize(string text, List<Token> tokens)
    {
        var i = 0;
        while (true)
        {
            i = SkipSpaces(text, i);
            if (i >= text.Length)
            {
                tokens.Add(new Token(TokenKind.End, string.Empty, i));
                return null;
            }

            var start = i;
            var afterLabel = tokens.Count > 0 && tokens[^1].Kind == TokenKind.Label;
            switch (text[i])
            {
                case '(':
                    tokens.Add(new Token(TokenKind.LParen, "(", i++));
                    continue;
                case ')':
                    tokens.Add(new Token(TokenKind.RParen, ")", i++));
                    continue;
                case '{':
                    tokens.Add(new Token(TokenKind.LBrace, "{", i++));
                    continue;
                case '}':
                    tokens.Add(new Token(TokenKind.RBrace, "}", i++));
                    continue;
                case ',':
                    tokens.Add(new Token(TokenKind.Comma, ",", i++));
                    continue;
                case '"' or '\'':
                    var close = text.IndexOf(text[i], i + 1);
                    if (close < 0)
                    {
                        return new CalicoSelectorError("unterminated string", i);
                    }

                    tokens.Add(new Token(TokenKind.String, text[(i + 1)..close], i));
                    i = close + 1;
                    continue;
                case '=':
                    if (At(text, i, "=="))
                    {
                        tokens.Add(new Token(TokenKind.Eq, "==", i));
                        i += 2;
                        continue;
                    }

                    return new CalicoSelectorError("expected '=='", i);
                case '!':
                    if (At(text, i, "!="))
                    {
                        tokens.Add(new Token(TokenKind.Ne, "!=", i));
                        i += 2;
                    }
                    else
                    {
                        tokens.Add(new Token(TokenKind.Not, "!", i++));
                    }

                    continue;
                case '&':
                    if (At(text, i, "&&"))
                    {
                        tokens.Add(new Token(TokenKind.And, "&&", i));
                        i += 2;
                        continue;
                    }

                    return new CalicoSelectorError("expected '&&'", i);
                case '|':
                    if (At(text, i, "||"))
                    {
                        tokens.Add(new Token(TokenKind.Or, "||", i));
                        i += 2;
                        continue;
                    }

                    return new CalicoSelectorError("expected '||'", i);
            }

            if (afterLabel)
            {
                var label = tokens[^1].Value;
                if (At(text, i, "contains"))
                {
                    tokens.Add(new Token(TokenKind.Contains, "contains", i));
                    i += "contains".Length;
                    continue;
                }

                foreach (var (first, kind) in new[] { ("starts", TokenKind.StartsWith), ("ends", TokenKind.EndsWith), ("not", TokenKind.NotIn) })
                {
                    if (At(text, i, first))
                    {
                        var j = SkipSpaces(text, i + first.Length);
                        var second = kind == TokenKind.NotIn ? "in" : "with";
                        if (!At(text, j, second))
                        {
                            return new CalicoSelectorError($"expected '{first} {second}' after label '{label}'", i);
                        }

                        tokens.Add(new Token(kind, first + " " + second, i));
                        i = j + second.Length;
                        goto next;
                    }
                }

                if (At(text, i, "in"))
                {
                    tokens.Add(new Token(TokenKind.In, "in", i));
                    i += 2;
                    continue;
                }

                return new CalicoSelectorError($"expected an operator (==, !=, in, not in, contains, starts with, ends with) after label '{label}'", i);
            }

            if (At(text, i, "has("))
            {
                var j = SkipSpaces(text, i + 4);
                var end = LabelEnd(text, j);
                if (end == j)
                {
                    return new CalicoSelectorError("no label name in has(", j);
                }

                var name = text[j..end];
                var k = SkipSpaces(text, end);
                if (k >= text.Length || text[k] != ')')
                {
                    return new CalicoSelectorError("no closing ')' after has(" + name, k);
                }

                tokens.Add(new Token(TokenKind.Has, name, start));
                i = k + 1;
                continue;
            }

            if (At(text, i, "all(") || At(text, i, "global("))
            {
                var isAll = At(text, i, "all(");
                var j = SkipSpaces(text, i + (isAll ? 4 : 7));
                if (j >= text.Length || text[j] != ')')
                {
                    return new CalicoSelectorError($"no closing ')' after {(isAll ? "all(" : "global(")}", j);
                }

                tokens.Add(new Token(isAll ? TokenKind.All : TokenKind.Global, isAll ? "all()" : "global()", start));
                i = j + 1;
                continue;
            }

            var labelEnd = LabelEnd(text, i);
            if (labelEnd == i)
            {
                return new CalicoSelectorError($"unexpected character '{text[i]}'", i);
            }

            if (labelEnd - i > 512)
            {
                return new CalicoSelectorError("a label name is longer than 512 characters", i);
            }

            tokens.Add(new Token(TokenKind.Label, text[i..labelEnd], i));
            i = labelEnd;
        next:;
        }
    }

    private sealed class SelectorSyntaxException : Exception
    {
        public SelectorSyntaxException(string message, int position)
            : base(message) => Position = position;

        public int Position { get; }
    }

    /// <summary>Recursive descent as libcalico-go's parser: or-expressions of and-expressions of (negated) operations.</summary>
    private sealed class Parser
    {
        private readonly List<Token> tokens;
        private int pos;

        public Parser(List<Token> tokens) => this.tokens = tokens;

        public Token Current => tokens[pos];

        public Node ParseOr()
        {
            var items = new List<Node> { ParseAnd() };
            while (Current.Kind == TokenKind.Or)
            {
                pos++;
                items.Add(ParseAnd());
            }

            return items.Count == 1 ? items[0] : new OrNode(items);
        }

        private Node ParseAnd()
        {
            var items = new List<Node> { ParseOperation() };
            while (Current.Kind == TokenKind.And)
            {
                pos++;
                items.Add(ParseOperation());
            }

            return items.Count == 1 ? items[0] : new AndNode(items);
        }

        private Node ParseOperation()
        {
            var negated = false;
            while (Current.Kind == TokenKind.Not)
            {
                negated = !negated;
                pos++;
            }

            var t = Current;
            Node node;
            switch (t.Kind)
            {
                case TokenKind.Has:
                    pos++;
                    node = new HasNode(t.Value);
                    break;
                case TokenKind.All:
                    pos++;
                    node = new AllNode();
                    break;
                case TokenKind.Global:
                    pos++;
                    node = new GlobalNode();
                    break;
                case TokenKind.LParen:
                    pos++;
                    node = ParseOr();
                    if (Current.Kind != TokenKind.RParen)
                    {
                        throw new SelectorSyntaxException($"expected ')' but found {Describe(Current)}", Current.Position);
                    }

                    pos++;
                    break;
                case TokenKind.Label:
                    node = ParseComparison();
                    break;
                case TokenKind.End:
                    throw new SelectorSyntaxException("unexpected end of selector, expected an expression", t.Position);
                default:
                    throw new SelectorSyntaxException($"unexpected {Describe(t)}, expected a label, has(), all(), global(), '!' or '('", t.Position);
            }

            return negated ? new NotNode(node) : node;
        }

        private Node ParseComparison()
        {
            var label = tokens[pos++];
            var op = Current;
            switch (op.Kind)
            {
                case TokenKind.Eq or TokenKind.Ne or TokenKind.Contains or TokenKind.StartsWith or TokenKind.EndsWith:
                    pos++;
                    var value = Current;
                    if (value.Kind != TokenKind.String)
                    {
                        throw new SelectorSyntaxException($"expected a quoted string after {Describe(op)} but found {Describe(value)}", value.Position);
                    }

                    pos++;
                    return new CompareNode(label.Value, op.Kind, value.Value);
                case TokenKind.In or TokenKind.NotIn:
                    pos++;
                    if (Current.Kind != TokenKind.LBrace)
                    {
                        throw new SelectorSyntaxException($"expected a set literal '{{...}}' after {Describe(op)} but found {Describe(Current)}", Current.Position);
                    }

                    pos++;
                    var values = new List<string>();
                    while (Current.Kind == TokenKind.String)
                    {
                        values.Add(Current.Value);
                        pos++;
                        if (Current.Kind != TokenKind.Comma)
                        {
                            break;
                        }

                        pos++;
                    }

                    if (Current.Kind != TokenKind.RBrace)
                    {
                        throw new SelectorSyntaxException($"expected '}}' but found {Describe(Current)}", Current.Position);
                    }

                    pos++;
                    return new InNode(label.Value, new HashSet<string>(values, StringComparer.Ordinal), op.Kind == TokenKind.NotIn);
                default:
                    throw new SelectorSyntaxException($"expected an operator after {Describe(label)} but found {Describe(op)}", op.Position);
            }
        }
    }

    // ---------------------------------------------------------------- evaluation

    /// <summary>The label a name stands for in a scope: Calico prefixes namespace selector names with <c>pcns.</c> and service account selector names with <c>pcsa.</c>.</summary>
    private static string Key(string name, CalicoSelectorScope scope) => scope switch
    {
        CalicoSelectorScope.Namespace => "pcns." + name,
        CalicoSelectorScope.ServiceAccount => "pcsa." + name,
        _ => name,
    };

    private static bool TryGet(ICalicoLabels labels, string name, CalicoSelectorScope scope, out string value) => labels.TryGet(Key(name, scope), out value);

    private abstract class Node
    {
        public abstract bool Evaluate(ICalicoLabels labels, CalicoSelectorScope scope);

        public abstract override string ToString();
    }

    private sealed class AllNode : Node
    {
        // In a namespace selector Calico rewrites all() to has(projectcalico.org/namespace): every namespaced endpoint.
        public override bool Evaluate(ICalicoLabels labels, CalicoSelectorScope scope) =>
            scope != CalicoSelectorScope.Namespace || labels.TryGet(CalicoLabels.Namespace, out _);

        public override string ToString() => "all()";
    }

    private sealed class GlobalNode : Node
    {
        // In a namespace selector Calico rewrites global() to !has(projectcalico.org/namespace); elsewhere it matches everything.
        public override bool Evaluate(ICalicoLabels labels, CalicoSelectorScope scope) =>
            scope != CalicoSelectorScope.Namespace || !labels.TryGet(CalicoLabels.Namespace, out _);

        public override string ToString() => "global()";
    }

    private sealed class HasNode : Node
    {
        public HasNode(string name) => Name = name;

        public string Name { get; }

        public override bool Evaluate(ICalicoLabels labels, CalicoSelectorScope scope) => TryGet(labels, Name, scope, out _);

        public override string ToString() => $"has({Name})";
    }

    private sealed class NotNode : Node
    {
        public NotNode(Node inner) => Inner = inner;

        public Node Inner { get; }

        public override bool Evaluate(ICalicoLabels labels, CalicoSelectorScope scope) => !Inner.Evaluate(labels, scope);

        public override string ToString() => "!" + Inner;
    }

    private sealed class AndNode : Node
    {
        public AndNode(List<Node> items) => Items = items;

        public List<Node> Items { get; }

        public override bool Evaluate(ICalicoLabels labels, CalicoSelectorScope scope)
        {
            foreach (var item in Items)
            {
                if (!item.Evaluate(labels, scope))
                {
                    return false;
                }
            }

            return true;
        }

        public override string ToString() => "(" + string.Join(" && ", Items) + ")";
    }

    private sealed class OrNode : Node
    {
        public OrNode(List<Node> items) => Items = items;

        public List<Node> Items { get; }

        public override bool Evaluate(ICalicoLabels labels, CalicoSelectorScope scope)
        {
            foreach (var item in Items)
            {
                if (item.Evaluate(labels, scope))
                {
                    return true;
                }
            }

            return false;
        }

        public override string ToString() => "(" + string.Join(" || ", Items) + ")";
    }

    private sealed class CompareNode : Node
    {
        public CompareNode(string name, TokenKind op, string value)
        {
            Name = name;
            Op = op;
            Value = value;
        }

        public string Name { get; }
        public TokenKind Op { get; }
        public string Value { get; }

        public override bool Evaluate(ICalicoLabels labels, CalicoSelectorScope scope)
        {
            if (!TryGet(labels, Name, scope, out var v))
            {
                // != is true when the label is absent; every other comparison needs the label.
                return Op == TokenKind.Ne;
            }

            return Op switch
            {
                TokenKind.Eq => v == Value,
                TokenKind.Ne => v != Value,
                TokenKind.Contains => v.Contains(Value, StringComparison.Ordinal),
                TokenKind.StartsWith => v.StartsWith(Value, StringComparison.Ordinal),
                _ => v.EndsWith(Value, StringComparison.Ordinal),
            };
        }

        public override string ToString() => $"{Name} {Describe(new Token(Op, string.Empty, 0)).Trim('\'')} {Quote(Value)}";
    }

    private sealed class InNode : Node
    {
        public InNode(string name, HashSet<string> values, bool negated)
        {
            Name = name;
            Values = values;
            Negated = negated;
        }

        public string Name { get; }
        public HashSet<string> Values { get; }
        public bool Negated { get; }

        // "not in" is true when the label is absent.
        public override bool Evaluate(ICalicoLabels labels, CalicoSelectorScope scope) =>
            TryGet(labels, Name, scope, out var v) ? Values.Contains(v) != Negated : Negated;

        public override string ToString()
        {
            var sb = new StringBuilder(Name).Append(Negated ? " not in {" : " in {");
            sb.AppendJoin(", ", Values.Order(StringComparer.Ordinal).Select(Quote));
            return sb.Append('}').ToString();
        }
    }

    private static string Quote(string s) => s.Contains('"', StringComparison.Ordinal) ? $"'{s}'" : $"\"{s}\"";
}

/// <summary>The labels Calico puts on workload endpoints and the prefixes of inherited namespace and service account labels.</summary>
internal static class CalicoLabels
{
    public const string Namespace = "projectcalico.org/namespace";
    public const string Orchestrator = "projectcalico.org/orchestrator";
    public const string ServiceAccount = "projectcalico.org/serviceaccount";

    /// <summary>The name of a namespace or service account, as its namespace or service account selector sees it.</summary>
    public const string Name = "projectcalico.org/name";

    public const string NamespacePrefix = "pcns.";
    public const string ServiceAccountPrefix = "pcsa.";
}
