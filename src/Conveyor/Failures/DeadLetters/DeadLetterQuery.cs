namespace Conveyor.Failures.DeadLetters;

/// <summary>
/// Which dead letters to list, and which page of them. Dead letters are listed oldest first, ordered by
/// (<see cref="DeadLetter.FailedAt"/>, <see cref="DeadLetter.Id"/> in ordinal order); a page continues after the
/// position <see cref="After"/> names, so entries added or removed meanwhile never make a page skip or repeat one.
/// Filters combine with AND.
/// </summary>
public sealed record DeadLetterQuery
{
    /// <summary>The page size when none is given.</summary>
    public const int DefaultLimit = 100;

    /// <summary>The largest page a store returns.</summary>
    public const int MaxLimit = 1000;

    /// <summary>The most dead letters to return: 1 to <see cref="MaxLimit"/>, <see cref="DefaultLimit"/> by default.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside 1 to <see cref="MaxLimit"/>.</exception>
    public int Limit
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, MaxLimit);
            field = value;
        }
    } = DefaultLimit;

    /// <summary>The <see cref="DeadLetterPage.Next"/> token of the previous page, or null for the first page.</summary>
    /// <exception cref="FormatException">Not a token a page returned.</exception>
    public string? After
    {
        get;
        init
        {
            AfterPosition = value is null ? null : DeadLetterPosition.Parse(value);
            field = value;
        }
    }

    /// <summary>The position <see cref="After"/> names: list only dead letters ordered after it.</summary>
    public DeadLetterPosition? AfterPosition { get; private init; }

    /// <summary>Only dead letters of this endpoint (exact).</summary>
    public string? EndpointId { get; init; }

    /// <summary>Only dead letters received from this channel (exact).</summary>
    public string? ChannelName { get; init; }

    /// <summary>
    /// Only dead letters whose exception type is this full name (<c>System.TimeoutException</c>) or ends with it after
    /// a <c>.</c> or <c>+</c> (<c>TimeoutException</c>, <c>Outer+Inner</c>): the names <c>conveyor dlq list</c> shows.
    /// Case-sensitive; a part of a name (<c>Timeout</c>) matches nothing.
    /// </summary>
    public string? ExceptionType { get; init; }

    /// <summary>Only dead letters that failed at or after this time (inclusive).</summary>
    public DateTimeOffset? FailedFrom { get; init; }

    /// <summary>Only dead letters that failed before this time (exclusive).</summary>
    public DateTimeOffset? FailedTo { get; init; }

    /// <summary>Whether <paramref name="deadLetter"/> passes the filters (not whether it is after <see cref="After"/>).</summary>
    /// <param name="deadLetter">The dead letter.</param>
    /// <returns>Whether it matches.</returns>
    public bool Matches(DeadLetter deadLetter)
    {
        ArgumentNullException.ThrowIfNull(deadLetter);
        return (EndpointId is null || deadLetter.EndpointId == EndpointId)
            && (ChannelName is null || deadLetter.ChannelName == ChannelName)
            && (ExceptionType is null || IsType(deadLetter.ExceptionType, ExceptionType))
            && (FailedFrom is null || deadLetter.FailedAt >= FailedFrom)
            && (FailedTo is null || deadLetter.FailedAt < FailedTo);
    }

    /// <summary>
    /// Runs this query over dead letters held in memory: filters, orders, continues after <see cref="After"/> and
    /// cuts the page, with a <see cref="DeadLetterPage.Next"/> token when more follow. For stores that cannot query
    /// their storage (a database store runs the same query in SQL).
    /// </summary>
    /// <param name="deadLetters">Every dead letter, in any order.</param>
    /// <returns>The page.</returns>
    public DeadLetterPage Apply(IEnumerable<DeadLetter> deadLetters)
    {
        ArgumentNullException.ThrowIfNull(deadLetters);
        var after = AfterPosition;
        var candidates = deadLetters
            .Where(d => Matches(d) && (after is null || DeadLetterPosition.Of(d).CompareTo(after) > 0))
            .OrderBy(DeadLetterPosition.Of)
            .Take(Limit + 1)
            .ToList();
        return Page(candidates);
    }

    /// <summary>The page of at most <see cref="Limit"/> from ordered candidates, one more than which says a next page exists.</summary>
    internal DeadLetterPage Page(List<DeadLetter> ordered)
    {
        if (ordered.Count <= Limit)
        {
            return new DeadLetterPage(ordered, null);
        }

        ordered.RemoveRange(Limit, ordered.Count - Limit);
        return new DeadLetterPage(ordered, DeadLetterPosition.Of(ordered[^1]).ToToken());
    }

    private static bool IsType(string actual, string wanted) =>
        actual.EndsWith(wanted, StringComparison.Ordinal)
        && (actual.Length == wanted.Length || actual[actual.Length - wanted.Length - 1] is '.' or '+');
}
