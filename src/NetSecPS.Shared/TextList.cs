using System.Collections.ObjectModel;

namespace NetSecPS;

/// <summary>
/// A read-only list whose text is its items joined with "; ". Output records hold their lists in
/// it, so <c>Export-Csv</c> and string conversion give the items as text instead of a type name,
/// while the structured list stays on the object for the pipeline.
/// </summary>
public sealed class TextList<T> : ReadOnlyCollection<T>
{
    public TextList(IList<T> items)
        : base(items)
    {
    }

    public override string ToString() => string.Join("; ", this);
}

/// <summary>A read-only map whose text is <c>key=value</c> pairs joined with ", ", sorted by key, for the same reason as <see cref="TextList{T}"/>.</summary>
public sealed class TextMap : ReadOnlyDictionary<string, string>
{
    public TextMap(IDictionary<string, string> items)
        : base(items)
    {
    }

    public override string ToString() => string.Join(", ", this.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));
}

/// <summary>Wraps the lists and maps of output records as they are read, without copying them.</summary>
internal static class TextValues
{
    public static IReadOnlyList<T> List<T>(IReadOnlyList<T>? items) => items switch
    {
        null => new TextList<T>(Array.Empty<T>()),
        TextList<T> t => t,
        IList<T> l => new TextList<T>(l),
        _ => new TextList<T>(items.ToList()),
    };

    public static IReadOnlyDictionary<string, string> Map(IReadOnlyDictionary<string, string>? items) => items switch
    {
        null => new TextMap(new Dictionary<string, string>()),
        TextMap t => t,
        IDictionary<string, string> d => new TextMap(d),
        _ => new TextMap(items.ToDictionary(kv => kv.Key, kv => kv.Value)),
    };
}
