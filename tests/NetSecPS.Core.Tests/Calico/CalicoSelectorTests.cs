using NetSecPS.Core.Policy;

namespace NetSecPS.Core.Tests.Calico;

/// <summary>
/// Calico's selector grammar, row by row as Calico's own parser tests state it
/// (projectcalico/calico libcalico-go/lib/selector/parser/parser_test.go: selectorTests,
/// badSelectors, canonicalisationTests), plus the namespace and service account scopes of
/// libcalico-go's rule conversion (updateprocessors/rules.go).
/// </summary>
public class CalicoSelectorTests
{
    private sealed class Labels : ICalicoLabels
    {
        private readonly Dictionary<string, string> map;

        public Labels(string spec)
        {
            // "a=b,c=d"; an empty string is no labels. Values may be quotes.
            map = spec.Length == 0 ? new() : spec.Split(',').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        }

        public bool TryGet(string key, out string value) => map.TryGetValue(key, out value!);
    }

    private static CalicoSelector Parse(string text)
    {
        var s = CalicoSelector.Parse(text, out var error);
        Assert.True(error is null, $"'{text}' should parse: {error}");
        return s!;
    }

    [Theory]
    [InlineData("a == \"b\"", "a=b", true)]
    [InlineData("a == \"b\"", "a=b,c=d", true)]
    [InlineData("a == \"b\"", "", false)]
    [InlineData("a == \"b\"", "a=c", false)]
    [InlineData("a == \"b\"", "c=d", false)]
    [InlineData("a == \"b\" && c == \"d\"", "a=b,c=d", true)]
    [InlineData("a == \"b\" && c == \"d\"", "a=b,c=e", false)]
    [InlineData("a == \"b\" && c == \"d\"", "a=b", false)]
    [InlineData("a == \"b\" || c == \"d\"", "c=d", true)]
    [InlineData("a == \"b\" || c == \"d\"", "a=e,c=e", false)]
    [InlineData("a in {\"'\", '\"', \"c\"}", "a=c", true)]
    [InlineData("a in {\"'\", '\"', \"c\"}", "a='", true)]
    [InlineData("a in {\"'\", '\"', \"c\"}", "a=\"", true)]
    [InlineData("a in {\"'\", '\"', \"c\"}", "", false)]
    [InlineData("a not in {\"'\", '\"', \"c\"}", "", true)]
    [InlineData("a not in {\"'\", '\"', \"c\"}", "a=e", true)]
    [InlineData("a not in {\"'\", '\"', \"c\"}", "a=c", false)]
    [InlineData("a == 'a'", "a=a", true)]
    [InlineData("a == 'a'", "a=b", false)]
    [InlineData("a == 'a'", "", false)]
    [InlineData("a != \"b\"", "a=a", true)]
    [InlineData("a != \"a\"", "", true)]
    [InlineData("a != 'a'", "a=a", false)]
    [InlineData("a contains \"a\"", "a=bab", true)]
    [InlineData("a contains \"a\"", "b=aaa", false)]
    [InlineData("a starts with \"a\"", "a=abb", true)]
    [InlineData("a starts with \"a\"", "a=baa", false)]
    [InlineData("a startswith 'a'", "a=abb", true)]
    [InlineData("a ends with \"a\"", "a=bba", true)]
    [InlineData("a ends with \"a\"", "a=aab", false)]
    [InlineData("a in {\"a\", \"b\"}", "a=b", true)]
    [InlineData("a in {\"a\", \"b\"}", "a=c", false)]
    [InlineData("a in {}", "a=a", false)]
    [InlineData("a not in {}", "", true)]
    [InlineData("!a in {\"a\"}", "a=b", true)]
    [InlineData("a not in {\"d\", \"e\"}", "a=a", true)]
    [InlineData("a not in {\"a\"}", "a=a", false)]
    [InlineData("has(a)", "a=b", true)]
    [InlineData("has(b)", "a=b", false)]
    [InlineData("!has(a)", "b=b", true)]
    [InlineData("!!has(b)", "a=b", false)]
    [InlineData("! has(a)", "a=b", false)]
    [InlineData("!!! has(a)", "a=b", false)]
    [InlineData("!! ! has(a)", "a=b", false)]
    [InlineData("has( a )", "a=b", true)]
    [InlineData("", "", true)]
    [InlineData(" ", "a=b", true)]
    [InlineData("all()", "", true)]
    [InlineData(" all( )", "a=b", true)]
    [InlineData("global()", "a=b", true)]
    [InlineData("a == 'a1' && b != 'b1'", "a=a1,b=b1", false)]
    [InlineData("a != 'a1' && !b == 'b1'", "a=a1,b=b1", false)]
    [InlineData("has(a) && !has(b)", "a=a", true)]
    [InlineData("!(!has(a) || has(b))", "a=a", true)]
    [InlineData("!(has(b) || !has(a))", "a=a", true)]
    [InlineData("a == 'a1' || b != 'b1'", "a=a1,b=b1", true)]
    [InlineData("a != 'a1' || b != 'b1'", "a=a1,b=b1", false)]
    [InlineData("! a == 'a1' || ! b == 'b1'", "a=a1,b=b1", false)]
    [InlineData("a == 'x' || b == 'y' && c == 'z'", "a=x", true)]
    [InlineData("(a == 'x' || b == 'y') && c == 'z'", "a=x", false)]
    [InlineData("app.kubernetes.io/name == 'web' && tier-1/x_y == \"v.1\"", "app.kubernetes.io/name=web,tier-1/x_y=v.1", true)]
    public void A_selector_matches_the_label_sets_Calico_says_it_matches(string selector, string labels, bool matches)
    {
        var s = Parse(selector);
        Assert.Equal(matches, s.Matches(new Labels(labels)));

        // The normal form means the same (Calico's round trip).
        Assert.Equal(matches, Parse(s.Canonical).Matches(new Labels(labels)));
    }

    [Theory]
    [InlineData("b == b", 5)]
    [InlineData("b contains b", 11)]
    [InlineData("b starts with b", 14)]
    [InlineData("b ends with b", 12)]
    [InlineData("'b1' == b", 0)]
    [InlineData("b", 1)]
    [InlineData("a b", 2)]
    [InlineData("!", 1)]
    [InlineData("foo == \"bar\" &", 13)]
    [InlineData("foo == \"bar\" |", 13)]
    [InlineData("foo != ||", 7)]
    [InlineData("foo in {\"\", ||", 12)]
    [InlineData("foo in \"\"", 7)]
    [InlineData("\"FOO", 0)]
    [InlineData("\"FOO'", 0)]
    [InlineData("'FOO", 0)]
    [InlineData("(", 1)]
    [InlineData("(a == \"foo\"", 11)]
    [InlineData(")", 0)]
    [InlineData("()", 1)]
    [InlineData("%", 0)]
    [InlineData("a == \"b\" && %", 12)]
    [InlineData("a == \"b\" || %", 12)]
    [InlineData("a ", 2)]
    [InlineData("has(foo) &&", 11)]
    [InlineData("app = 'web'", 4)]
    [InlineData("has()", 4)]
    [InlineData("all(x)", 4)]
    [InlineData("a == 'b'\n&& c == 'd'", 8)]
    public void An_invalid_selector_is_rejected_with_the_position_of_the_fault(string selector, int position)
    {
        Assert.Null(CalicoSelector.Parse(selector, out var error));
        Assert.NotNull(error);
        Assert.Equal(position, error!.Position);
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }

    [Theory]
    [InlineData("", "all()")]
    [InlineData(" (all() )", "all()")]
    [InlineData("! (has( b)||! has(a ))", "!(has(b) || !has(a))")]
    [InlineData("! (a == \"b\"&&! c != \"d\")", "!(a == \"b\" && !c != \"d\")")]
    [InlineData("a == \"'\"", "a == \"'\"")]
    [InlineData("a == '\"'", "a == '\"'")]
    [InlineData("a endswith \"'\"", "a ends with \"'\"")]
    [InlineData("a in {\"z\", \"z\", \"x\", \"y\", \"x\", \"a\"}", "a in {\"a\", \"x\", \"y\", \"z\"}")]
    public void Selectors_have_Calicos_normal_form(string selector, string canonical)
    {
        Assert.Equal(canonical, Parse(selector).Canonical);
    }

    [Fact]
    public void A_namespace_selector_reads_namespace_labels_and_all_means_namespaced_endpoints()
    {
        // libcalico-go prefixes namespace selector labels with pcns. and rewrites all() to has(projectcalico.org/namespace).
        var pod = new Labels("projectcalico.org/namespace=shop,pcns.team=a,pcns.projectcalico.org/name=shop,team=b");
        var globalSet = new Labels("team=a");
        Assert.True(Parse("team == 'a'").Matches(pod, CalicoSelectorScope.Namespace));
        Assert.False(Parse("team == 'b'").Matches(pod, CalicoSelectorScope.Namespace));
        Assert.True(Parse("projectcalico.org/name == 'shop'").Matches(pod, CalicoSelectorScope.Namespace));
        Assert.True(Parse("all()").Matches(pod, CalicoSelectorScope.Namespace));
        Assert.False(Parse("all()").Matches(globalSet, CalicoSelectorScope.Namespace));
        Assert.True(Parse("global()").Matches(globalSet, CalicoSelectorScope.Namespace));
        Assert.False(Parse("global()").Matches(pod, CalicoSelectorScope.Namespace));

        // != and not in are true when the namespace lacks the label, a non-namespaced set included.
        Assert.True(Parse("env != 'prod'").Matches(globalSet, CalicoSelectorScope.Namespace));
    }

    [Fact]
    public void A_service_account_selector_reads_service_account_labels()
    {
        var pod = new Labels("projectcalico.org/serviceaccount=api,pcsa.role=frontend,pcsa.projectcalico.org/name=api,role=backend");
        Assert.True(Parse("role == 'frontend'").Matches(pod, CalicoSelectorScope.ServiceAccount));
        Assert.False(Parse("role == 'backend'").Matches(pod, CalicoSelectorScope.ServiceAccount));
        Assert.True(Parse("projectcalico.org/name == 'api'").Matches(pod, CalicoSelectorScope.ServiceAccount));
        Assert.True(Parse("role == 'backend'").Matches(pod));
    }
}
