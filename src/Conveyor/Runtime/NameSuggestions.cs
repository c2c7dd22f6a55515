namespace Conveyor.Runtime;

/// <summary>
/// "Did you mean" for a name that is not registered: the registered names within two edits of it (a typo, a swapped
/// letter, <c>-</c> for <c>_</c>), or of which it is a prefix or that are a prefix of it (<c>order</c> for
/// <c>orders</c>, <c>orders.v2</c> for <c>orders</c>). Names are compared case-insensitively, as a typo may change case.
/// </summary>
internal static class NameSuggestions
{
    private const int MaxDistance = 2;

    /// <summary>The closest candidates (those of the best score only, at most three); empty when none is close.</summary>
    public static IReadOnlyList<string> For(string name, IEnumerable<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(name);
        var scored = candidates
            .Where(c => !string.Equals(c, name, StringComparison.Ordinal))
            .Distinct(StringComparer.Ordinal)
            .Select(c => (Candidate: c, Score: Score(name, c)))
            .Where(s => s.Score <= MaxDistance + 1)
            .ToList();
        if (scored.Count == 0)
        {
            return [];
        }

        // Only the best: 'order' suggests 'orders', not also 'orders.worker', which is merely a prefix match.
        var best = scored.Min(s => s.Score);
        return [.. scored.Where(s => s.Score == best).Select(s => s.Candidate).Order(StringComparer.Ordinal).Take(3)];
    }

    /// <summary><c> Did you mean 'orders'?</c> (with a leading space), or an empty string when nothing is close.</summary>
    public static string DidYouMean(string name, IEnumerable<string> candidates)
    {
        var close = For(name, candidates);
        return close.Count == 0 ? "" : $" Did you mean {string.Join(" or ", close.Select(c => $"'{c}'"))}?";
    }

    // A distance within MaxDistance counts as is; a prefix match that is further away ranks just after them.
    private static int Score(string name, string candidate)
    {
        var distance = Distance(name.ToLowerInvariant(), candidate.ToLowerInvariant());
        if (distance <= MaxDistance)
        {
            return distance;
        }

        return name.Length > 0 && candidate.Length > 0
            && (candidate.StartsWith(name, StringComparison.OrdinalIgnoreCase) || name.StartsWith(candidate, StringComparison.OrdinalIgnoreCase))
            ? MaxDistance + 1
            : int.MaxValue;
    }

    /// <summary>The Levenshtein distance (insertions, deletions, substitutions), on two rows.</summary>
    internal static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
