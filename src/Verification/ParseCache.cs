using System.Collections.Concurrent;

namespace SmarthostLab.Verification;

/// <summary>
/// Parsed DNS record texts by their exact text, so a record seen again is not parsed again (SPF records,
/// DKIM keys, DMARC policies). Bounded: at <c>limit</c> entries it starts over, which keeps it small without bookkeeping;
/// the DNS cache in front decides how often a text is seen. Safe for concurrent use; a text parsed by two
/// callers at once is parsed twice, with the same result.
/// </summary>
/// <typeparam name="T">The parse result (including a failure, which is cached too).</typeparam>
internal sealed class ParseCache<T>(int limit)
{
    private readonly ConcurrentDictionary<string, T> _entries = new(StringComparer.Ordinal);

    /// <summary>The cached result for <paramref name="text"/>, or <paramref name="parse"/>'s, stored.</summary>
    public T GetOrAdd(string text, Func<string, T> parse)
    {
        if (_entries.TryGetValue(text, out var cached)) return cached;
        var result = parse(text);
        if (_entries.Count >= limit) _entries.Clear();
        _entries[text] = result;
        return result;
    }
}
